"""Structural-causal-model tools: interventional means (do) and unit-level counterfactuals."""

from __future__ import annotations

from typing import Any

from agent.exceptions import ToolInputError
from agent.session import Session, quote
from agent.tools._base import check_columns, fmt, require_session, tool

__all__ = ["scm_do", "counterfactual", "fitted_scm"]


def fitted_scm(session: Session, graph: str | None, data: str | None) -> tuple[str, Any]:
    """The SCM fitted on (graph, data), fitted once per pair and kept in the session."""
    from causalkit.scm import StructuralCausalModel

    graph_handle, gitem = session.stored(graph, "graph")
    data_handle, ditem = session.stored(data, "data")
    for h in session.handles("scm"):
        meta = session.objects[h].meta
        if meta["graph"] == graph_handle and meta["data"] == data_handle:
            return h, session.objects[h].value
    g = gitem.value
    g.require_dag("A structural causal model")
    df = ditem.value
    missing = [n for n in g.nodes if n not in df.columns]
    if missing:
        raise ToolInputError(
            f"The SCM needs every graph node as a column; {', '.join(map(quote, missing[:5]))} are not in the data."
        )
    clean = df[list(g.nodes)].dropna()
    scm = StructuralCausalModel(g, random_state=session.seed).fit(clean)
    handle = session.put("scm", scm, meta={"graph": graph_handle, "data": data_handle, "n_rows": int(len(clean))})
    return handle, scm


@tool
def scm_do(outcome: str, interventions: dict[str, float], graph: str | None = None, data: str | None = None,
           n: int = 10000, session: Session | None = None) -> dict[str, Any]:
    """Mean of the outcome under an intervention do(X = x), from an SCM fitted on a DAG and the data.

    Parameters
    ----------
    outcome : str
        Outcome node.
    interventions : dict
        Node -> value to set, e.g. {"X": 1}.
    graph : str
        DAG handle (default: the current graph).
    data : str
        Data handle (default: the current dataset).
    n : int
        Monte Carlo draws.
    """
    session = require_session(session)
    if not interventions:
        raise ToolInputError("Give at least one intervention, e.g. {\"X\": 1}.")
    scm_handle, scm = fitted_scm(session, graph, data)
    df = session.data(data)
    check_columns(df, [outcome, *interventions])
    mean = scm.interventional_mean(outcome, dict(interventions), n=n, random_state=session.seed)
    observed = float(df[outcome].mean())
    out = {"scm": scm_handle, "outcome": outcome, "interventions": dict(interventions),
           "interventional_mean": fmt(mean, 5), "observed_mean": fmt(observed, 5),
           "mechanisms": {k: v for k, v in list(scm.mechanism_kinds_.items())[:20]},
           "note": "Monte Carlo value under the fitted model; it assumes the DAG and the fitted mechanisms."}
    out["handle"] = session.put("query", out, meta={"scm": scm_handle, "call": {"outcome": outcome, "n": n}})
    return out


@tool
def counterfactual(row: int, interventions: dict[str, float], outcome: str | None = None, graph: str | None = None,
                   data: str | None = None, session: Session | None = None) -> dict[str, Any]:
    """What unit `row` would have had if the intervention had been applied (abduction-action-prediction).

    Parameters
    ----------
    row : int
        Row position of the unit in the data (0-based).
    interventions : dict
        Node -> counterfactual value, e.g. {"X": 1}.
    outcome : str
        Node to report (default: every node the intervention changes).
    graph : str
        DAG handle (default: the current graph).
    data : str
        Data handle (default: the current dataset).
    """
    session = require_session(session)
    if not interventions:
        raise ToolInputError("Give at least one intervention, e.g. {\"X\": 1}.")
    scm_handle, scm = fitted_scm(session, graph, data)
    df = session.data(data)
    if not 0 <= row < len(df):
        raise ToolInputError(f"`row` must be between 0 and {len(df) - 1}; got {row}.")
    unit = df.iloc[[row]][list(scm.columns_)]
    if unit.isna().any(axis=None):
        raise ToolInputError(f"Row {row} has missing values in the graph's variables; pick another unit.")
    cf = scm.counterfactual(unit, dict(interventions), random_state=session.seed)
    changed = [c for c in cf.columns if float(cf[c].iloc[0]) != float(unit[c].iloc[0])]
    show = [outcome] if outcome else (changed or list(interventions))
    if outcome:
        check_columns(df, [outcome])
    values = {c: {"observed": fmt(float(unit[c].iloc[0]), 5), "counterfactual": fmt(float(cf[c].iloc[0]), 5)}
              for c in show[:20]}
    out = {"scm": scm_handle, "row": row, "interventions": dict(interventions), "values": values,
           "note": "Exact for additive-noise mechanisms; discrete nodes use an assumed monotone coupling."}
    out["handle"] = session.put("query", out, meta={"scm": scm_handle})
    return out
