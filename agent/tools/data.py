"""Data tools: load a file the user gave (or an embedded dataset) and profile it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from agent.exceptions import ToolInputError
from agent.session import Session, quote
from agent.tools._base import check_columns, fmt, require_session, tool
from causalkit.exceptions import CausalKitError

__all__ = ["load_data", "describe_data", "EMBEDDED_DATASETS", "load_embedded", "column_kind", "numeric_frame"]

#: name -> (loader in causalkit.datasets, keyword arguments)
EMBEDDED_DATASETS: dict[str, tuple[str, dict[str, Any]]] = {
    "nhefs": ("load_nhefs", {}),
    "nhefs_all": ("load_nhefs", {"complete": False}),
    "lalonde": ("load_lalonde", {}),
    "lalonde_nsw": ("load_lalonde", {}),
    "nsw": ("load_lalonde", {}),
    "lalonde_cps": ("load_lalonde", {"sample": "cps"}),
    "cps": ("load_lalonde", {"sample": "cps"}),
    "mroz": ("load_mroz", {}),
}
_READERS = {".csv": ",", ".tsv": "\t", ".txt": None}
_MAX_LEVELS = 10


def load_embedded(name: str) -> Any:
    """Load an embedded dataset by name (see :data:`EMBEDDED_DATASETS`); a causalkit ``Dataset``."""
    import causalkit.datasets as ckd

    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in EMBEDDED_DATASETS:
        raise ToolInputError(
            f"Unknown dataset {quote(name)}: give a file the user named or one of the embedded datasets "
            f"{', '.join(sorted(EMBEDDED_DATASETS))}."
        )
    loader, kwargs = EMBEDDED_DATASETS[key]
    return getattr(ckd, loader)(**kwargs), loader, kwargs


def _read_file(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ToolInputError(f"The file {quote(str(path))} does not exist.")
    if suffix in _READERS:
        return pd.read_csv(path, sep=_READERS[suffix], engine="python" if _READERS[suffix] is None else "c")
    if suffix == ".json":
        return pd.read_json(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise ToolInputError(f"Cannot read {quote(path.name)}: use a .csv, .tsv, .txt, .json or .parquet file.")


def _label(source: str) -> str:
    stem = Path(source).stem if ("/" in source or "." in source) else source
    return re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_").lower() or "data"


def data_summary(df: pd.DataFrame) -> dict[str, Any]:
    """Size, column names and missing counts of a DataFrame (names as data, capped)."""
    missing = {str(c): int(n) for c, n in df.isna().sum().items() if n}
    return {"n_rows": int(len(df)), "n_columns": int(df.shape[1]), "columns": [str(c) for c in df.columns],
            "missing": missing}


@tool
def load_data(source: str, name: str | None = None, session: Session | None = None) -> dict[str, Any]:
    """Load a dataset: a file the user gave, or an embedded dataset by name.

    Parameters
    ----------
    source : str
        A path the user named (csv, tsv, json, parquet) or an embedded dataset: nhefs, nhefs_all,
        lalonde (nsw), lalonde_cps, mroz.
    name : str
        Short name for the handle (default from the source).
    """
    session = require_session(session)
    meta: dict[str, Any]
    info: dict[str, Any] = {}
    looks_like_path = any(ch in source for ch in "/\\") or Path(source).suffix.lower() in (*_READERS, ".json", ".parquet")
    if looks_like_path:
        path = session.check_path(source)
        df = _read_file(path)
        meta = {"source": {"type": "file", "path": str(path)}}
    else:
        ds, loader, kwargs = load_embedded(source)
        df = ds.data
        meta = {"source": {"type": "embedded", "name": source, "loader": loader, "kwargs": kwargs}, "dataset": ds}
        info = {
            "description": ds.description,
            "suggested_treatment": ds.treatment,
            "suggested_outcome": ds.outcome,
            "covariates": list(ds.covariates),
            "documented_graph": ds.graph.to_edge_list(),
            "graph_note": ds.graph_note,
        }
        if ds.instruments:
            info["instruments"] = list(ds.instruments)
    if df.shape[1] == 0 or len(df) == 0:
        raise ToolInputError(f"The data from {quote(source)} is empty.")
    handle = session.put("data", df, label=name or _label(source), meta=meta)
    return {"handle": handle, **data_summary(df), **info}


def column_kind(col: pd.Series) -> str:
    """``"constant"``, ``"binary"``, ``"discrete"`` (integers, <= 10 levels), ``"continuous"`` or ``"text"``."""
    values = col.dropna()
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
        return "text"
    n_unique = values.nunique()
    if n_unique <= 1:
        return "constant"
    if n_unique == 2:
        return "binary"
    arr = values.to_numpy(dtype=float)
    if n_unique <= _MAX_LEVELS and np.allclose(arr, np.round(arr)):
        return "discrete"
    return "continuous"


def numeric_frame(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Numeric, non-constant columns of ``df`` (or of ``columns``) on the complete rows."""
    sub = df[columns] if columns else df
    keep = [c for c in sub.columns if column_kind(sub[c]) not in ("text", "constant")]
    if not columns:  # a column missing for many rows would cost most of the sample: leave it out
        keep = [c for c in keep if sub[c].isna().mean() <= 0.2]
    frame = sub[keep].dropna()
    return frame[[c for c in frame.columns if column_kind(frame[c]) != "constant"]].astype(float)


def _checks(num: pd.DataFrame, kinds: dict[str, str]) -> dict[str, Any]:
    """Linearity (RESET-style F-test on the other columns) and Gaussianity of continuous columns."""
    from causalkit.scm import linearity_pvalue

    cont = [c for c in num.columns if kinds[c] == "continuous"]
    if num.shape[0] < 20 or not cont:
        return {"continuous_columns": len(cont)}
    sample = num.sample(min(len(num), 2000), random_state=0) if len(num) > 2000 else num
    nonlinear, non_gaussian = [], []
    for c in cont[:20]:
        others = [o for o in sample.columns if o != c][:6]
        y = sample[c].to_numpy()
        if others:
            X = sample[others].to_numpy()
            if linearity_pvalue(X, y) < 0.01:
                nonlinear.append(c)
            design = np.column_stack([np.ones(len(y)), X])
            resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
        else:
            resid = y - y.mean()
        if len(resid) >= 8 and stats.normaltest(resid).pvalue < 1e-3:
            non_gaussian.append(c)
    checked = min(len(cont), 20)
    return {"continuous_columns": len(cont), "nonlinear": nonlinear, "non_gaussian_residuals": non_gaussian,
            "linear_looking": checked - len(nonlinear), "checked": checked}


def _heterogeneity(df: pd.DataFrame, context: str, kinds: dict[str, str]) -> dict[str, Any]:
    groups = df[context].dropna().unique()
    if len(groups) < 2 or len(groups) > 50:
        raise ToolInputError(f"The context column {quote(context)} must have 2 to 50 groups; it has {len(groups)}.")
    shifted = {}
    for c in df.columns:
        if c == context or kinds.get(c) in ("text", "constant", None):
            continue
        samples = [df.loc[df[context] == g, c].dropna().to_numpy(float) for g in groups]
        samples = [s for s in samples if len(s) >= 3]
        if len(samples) < 2:
            continue
        p = float(stats.kruskal(*samples).pvalue) if any(np.ptp(s) > 0 for s in samples) else 1.0
        if p < 0.01:
            shifted[str(c)] = fmt(p, 3)
    return {"context": str(context), "n_groups": int(len(groups)), "distribution_differs_p": shifted}


@tool
def describe_data(data: str | None = None, columns: list[str] | None = None, context: str | None = None,
                  session: Session | None = None) -> dict[str, Any]:
    """Profile a dataset: types, missingness, cardinality, size, linearity and Gaussianity checks.

    Parameters
    ----------
    data : str
        Data handle (default: the current dataset).
    columns : list of str
        Restrict the profile to these columns.
    context : str
        A context/domain column: report which variables' distributions differ across its groups.
    """
    session = require_session(session)
    handle, item = session.stored(data, "data")
    df = item.value
    cols = check_columns(df, columns) if columns else list(df.columns)
    if context is not None:
        context = check_columns(df, [context], role="context column")[0]
    kinds = {c: column_kind(df[c]) for c in df.columns}
    table = []
    for c in cols[:60]:
        col = df[c]
        row: dict[str, Any] = {"name": str(c), "kind": kinds[c], "missing": int(col.isna().sum()),
                               "n_unique": int(col.nunique())}
        if kinds[c] not in ("text",):
            row["mean"], row["sd"] = fmt(float(col.mean())), fmt(float(col.std()))
        table.append(row)
    num = numeric_frame(df, [c for c in cols if c != context])
    profile: dict[str, Any] = {
        "handle": handle, "n_rows": int(len(df)), "n_columns": len(cols), "columns": table,
        "complete_rows": int(len(num)),
        "counts": {k: sum(1 for c in cols if kinds[c] == k) for k in ("binary", "discrete", "continuous", "text", "constant")},
        "checks": _checks(num, kinds),
    }
    if num.shape[1] >= 2 and len(num) >= 10:
        from causalkit.discovery import suggest_method

        frame = num if context is None else pd.concat([num, df.loc[num.index, [context]]], axis=1)
        try:
            method, ci_test, reason = suggest_method(frame, context=context)
        except CausalKitError as exc:
            method, ci_test, reason = "pc", "fisherz", f"default (no suggestion: {exc})"
        profile["suggested_discovery"] = {"method": method, "ci_test": ci_test, "reason": reason}
    if context is not None:
        profile["heterogeneity"] = _heterogeneity(df, context, kinds)
    session.put("profile", profile, label=None, meta={"data": handle})
    return profile
