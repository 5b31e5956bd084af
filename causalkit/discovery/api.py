"""One entry point for causal discovery (:func:`discover`) and a method chooser (:func:`suggest_method`)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from causalkit._validation import check_column, check_data
from causalkit.exceptions import InvalidInputError
from causalkit.results import DiscoveryResult

__all__ = ["discover", "suggest_method", "DISCOVERY_METHODS"]

#: method name -> (module, function, fixed keyword arguments). Imported lazily.
DISCOVERY_METHODS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "pc": ("causalkit.discovery.pc", "pc", {}),
    "fci": ("causalkit.discovery.fci", "fci", {}),
    "ges": ("causalkit.discovery.ges", "ges", {}),
    "cdnod": ("causalkit.discovery.cdnod", "cdnod", {}),
    "lingam": ("causalkit.discovery.lingam", "lingam", {"method": "direct"}),
    "ica_lingam": ("causalkit.discovery.lingam", "lingam", {"method": "ica"}),
}

#: Largest number of distinct values for a column to count as discrete in :func:`suggest_method`.
MAX_DISCRETE_LEVELS = 10
_PROFILE_ROWS = 2000


def _algorithm(method: Any) -> tuple[Callable[..., DiscoveryResult], dict[str, Any]]:
    if not isinstance(method, str) or method.lower() not in DISCOVERY_METHODS:
        raise InvalidInputError(
            f"Unknown discovery method {method!r}; choose one of {sorted(DISCOVERY_METHODS)} "
            "(suggest_method(data) picks one from the data)."
        )
    module, name, fixed = DISCOVERY_METHODS[method.lower()]
    try:
        func = getattr(importlib.import_module(module), name)
    except ImportError as exc:  # pragma: no cover - only while a module is missing
        raise InvalidInputError(f"Discovery method {method!r} is not available in this installation: {exc}") from exc
    return func, fixed


def discover(data: Any, method: str = "pc", **kwargs: Any) -> DiscoveryResult:
    """Run a causal discovery algorithm by name.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Samples in rows, variables in columns.
    method : {"pc", "fci", "ges", "cdnod", "lingam", "ica_lingam"}
        The algorithm: ``pc`` (CPDAG, no hidden confounders), ``fci`` (PAG, allows hidden
        confounders), ``ges`` (score-based CPDAG), ``cdnod`` (data from several contexts; needs
        ``context=``), ``lingam`` / ``ica_lingam`` (full DAG for linear non-Gaussian data).
    **kwargs
        The algorithm's own options (``alpha``, ``ci_test``, ``background_knowledge``,
        ``context``, ``score``, ...); see each function.

    Returns
    -------
    DiscoveryResult

    Raises
    ------
    InvalidInputError
        Unknown method, an option the method does not take, or ``cdnod`` without ``context``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=500), rng.normal(size=500)
    >>> df = pd.DataFrame({"A": a, "B": b, "C": a + b + rng.normal(size=500)})
    >>> discover(df, "fci").graph.to_edge_list()  # doctest: +SKIP
    ['A o-> C', 'B o-> C']
    """
    func, fixed = _algorithm(method)
    sig = inspect.signature(func)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())
    named = [p for p in sig.parameters if p not in ("data", "method") and
             sig.parameters[p].kind is not inspect.Parameter.VAR_KEYWORD]
    clash = sorted(set(kwargs) & set(fixed))
    if clash:
        raise InvalidInputError(f"Option {clash[0]!r} is set by method {method!r}; leave it out.")
    if not takes_any:
        unknown = sorted(set(kwargs) - set(named))
        if unknown:
            raise InvalidInputError(
                f"Method {method!r} has no option {unknown[0]!r}; its options are {named}."
            )
    if method.lower() == "cdnod" and "context" not in kwargs:
        raise InvalidInputError(
            "Method 'cdnod' needs `context=`: the column (or 1-D array) with the domain label or time index."
        )
    return func(data, **fixed, **kwargs)


def _profile(df: pd.DataFrame) -> dict[str, Any]:
    """Cheap facts about the data used by :func:`suggest_method` (on at most 2000 seeded rows)."""
    if len(df) > _PROFILE_ROWS:
        df = df.sample(_PROFILE_ROWS, random_state=0)
    x = df.to_numpy(dtype=float)
    n, p = x.shape
    discrete = [bool(np.allclose(c, np.round(c)) and len(np.unique(c)) <= MAX_DISCRETE_LEVELS) for c in x.T]
    cont = x[:, [i for i, d in enumerate(discrete) if not d]]
    nonlinear, non_gaussian = 0, 0
    if cont.shape[1] >= 1 and n >= 20:
        z = (cont - cont.mean(0)) / cont.std(0)
        for i in range(z.shape[1]):
            others = np.delete(z, i, axis=1)
            design = np.column_stack([np.ones(n), others])
            res = z[:, i] - design @ np.linalg.lstsq(design, z[:, i], rcond=None)[0]
            if others.shape[1]:
                quad = np.column_stack([design, others**2])
                res2 = z[:, i] - quad @ np.linalg.lstsq(quad, z[:, i], rcond=None)[0]
                # squares of the other variables explain >2% more variance: nonlinear
                nonlinear += (res @ res - res2 @ res2) / n > 0.02
            non_gaussian += stats.normaltest(res).pvalue < 1e-3 if n >= 8 else 0
    return {
        "n": len(df), "p": p, "n_discrete": int(sum(discrete)), "n_continuous": int(cont.shape[1]),
        "n_nonlinear": int(nonlinear), "n_non_gaussian": int(non_gaussian),
    }


def suggest_method(
    data: Any, context: Any = None, *, hidden_confounding: bool = False
) -> tuple[str, str | None, str]:
    """Suggest a discovery method and CI test from a quick profile of the data.

    The rules, first match wins:

    1. ``context`` given (domain label or time index): ``cdnod``.
    2. ``hidden_confounding=True`` (unmeasured common causes are plausible): ``fci``.
    3. every column discrete (integers, at most 10 values): ``pc`` with ``gsq``.
    4. some columns discrete, some continuous: ``pc`` with ``fisherz`` (a linear approximation;
       fine for large n, discretise the continuous columns for exact tests).
    5. continuous, linear, non-Gaussian residuals (normality rejected at 0.001 for at least half
       of the columns): ``lingam`` (identifies the full DAG).
    6. continuous and nonlinear (squared terms add > 2% explained variance) with n <= 2000:
       ``pc`` with ``kci``.
    7. otherwise: ``pc`` with ``fisherz``.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        The data (numeric columns; the context column may be text).
    context : str or array-like, optional
        Context column name or values.
    hidden_confounding : bool
        Whether latent common causes of the measured variables are suspected.

    Returns
    -------
    method : str
        A name for :func:`discover`.
    ci_test : str or None
        CI test for constraint-based methods (None for ``lingam``).
    reason : str
        One sentence explaining the choice.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.integers(0, 3, size=(500, 3)), columns=list("ABC"))
    >>> suggest_method(df)[:2]
    ('pc', 'gsq')
    """
    frame = check_data(data, numeric=False, min_rows=10)
    if isinstance(context, str):
        check_column(frame, context, role="context column")
        frame = frame.drop(columns=[context])
    df = check_data(frame, numeric=True, min_rows=10)
    prof = _profile(df)
    all_discrete = prof["n_continuous"] == 0
    ci = "gsq" if all_discrete else "fisherz"
    if context is not None:
        return "cdnod", ci, (
            "a context (domain or time) is given: CD-NOD finds which mechanisms change across contexts "
            "and uses the changes to orient edges."
        )
    if hidden_confounding:
        return "fci", ci, "latent confounders are suspected: FCI allows them and marks them with <-> edges."
    if all_discrete:
        return "pc", "gsq", f"all {prof['p']} columns are discrete: PC with the G-square test."
    if prof["n_discrete"]:
        return "pc", "fisherz", (
            f"{prof['n_discrete']} discrete and {prof['n_continuous']} continuous columns: PC with Fisher-z "
            "as a linear approximation (discretise the continuous columns to use gsq instead)."
        )
    if prof["n_nonlinear"] == 0 and 2 * prof["n_non_gaussian"] >= prof["n_continuous"]:
        return "lingam", None, (
            f"relations look linear and {prof['n_non_gaussian']} of {prof['n_continuous']} residuals are "
            "non-Gaussian: LiNGAM identifies the full DAG, not only its equivalence class."
        )
    if prof["n_nonlinear"] and prof["n"] <= 2000:
        return "pc", "kci", (
            f"{prof['n_nonlinear']} variables depend nonlinearly on the others and n={prof['n']}: PC with "
            "the kernel CI test."
        )
    return "pc", "fisherz", (
        "continuous data" + (" with some nonlinearity but large n" if prof["n_nonlinear"] else ", roughly "
                             "linear-Gaussian") + ": PC with the Fisher-z test."
    )
