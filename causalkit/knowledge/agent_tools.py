"""Plain functions behind the agent's knowledge tools (the agent registers thin wrappers).

Each function takes JSON-friendly arguments plus the Python objects a session holds (a model, a
DataFrame, a graph, priors, a critique) and returns a dict whose values are JSON-friendly, except
the key ``"object"``: the result object for the session to store under a handle (a
:class:`~causalkit.knowledge.PriorSet`, :class:`~causalkit.knowledge.GraphCritique`,
:class:`~causalkit.knowledge.KnowledgeDiscoveryResult` or :class:`~causalkit.graphs.CausalGraph`).
The wrapper pops ``"object"`` before showing the rest to the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_column, check_data
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph
from causalkit.knowledge.apply import discover_with_priors
from causalkit.knowledge.critique import GraphCritique, critique_graph
from causalkit.knowledge.pairwise import PAIRWISE_METHODS, orient_pair
from causalkit.knowledge.priors import PriorSet, propose_priors

__all__ = [
    "ask_causal_knowledge",
    "check_graph",
    "accept_suggestions",
    "discover_with_knowledge",
    "orient_pair_from_data",
]

_MAX_LISTED = 40


def _round(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(f"{x:.3g}")


def ask_causal_knowledge(
    variables: list[str],
    model: Any,
    descriptions: dict[str, str] | None = None,
    pairs: list[str] | None = None,
    threshold: float = 0.9,
    ask_time_order: bool = False,
    cache: str | None = None,
) -> dict[str, Any]:
    """What does the language model know about how these variables relate causally?

    Parameters
    ----------
    variables : list of str
        Variable names (data columns).
    model : agent.llm.ChatModel
        The session's model.
    descriptions : dict of str to str
        What each variable means (name -> description), when known.
    pairs : list of str
        Only these pairs, as "A --- B" (default: every pair).
    threshold : float
        Confidence for a statement to count as knowledge (0.5-1).
    ask_time_order : bool
        Also ask which variable is determined earlier in time.
    cache : str
        JSON-lines answer cache file.

    Returns
    -------
    dict
        ``statements`` (confident required/forbidden edges), ``uncertain`` pairs, counts, and
        ``object`` (the PriorSet).
    """
    questions = ("direct", "cause", "order") if ask_time_order else ("direct", "cause")
    priors = propose_priors(variables, model, descriptions=descriptions, pairs=pairs, questions=questions, cache=cache)
    st = priors.statements(threshold)
    used = st[st["status"] == "used"]
    statements = [
        f"{r.source} --> {r.target} (p={r.prob:.2f})" if r.kind == "required"
        else f"{r.source} does not cause {r.target}{' (time order)' if r.kind == 'forbidden_by_order' else ''} (p={r.prob:.2f})"
        for r in used.itertuples()
    ]
    frame = priors.to_frame()
    unsure = frame[(frame["p_edge"] > 1 - threshold) & (frame["p_edge"] < threshold) & (frame["p_edge"] >= 0.5)]
    return {
        "model": priors.model, "n_answers": len(priors.answers),
        "n_cached": int(sum(a.cached for a in priors.answers)),
        "statements": statements[:_MAX_LISTED], "n_statements": len(statements),
        "dropped": [f"{r.source} -> {r.target}: {r.status}" for r in st[st["status"] != "used"].itertuples()][:_MAX_LISTED],
        "uncertain": [f"{r.source} --> {r.target} (p={r.p_edge:.2f})" for r in unsure.itertuples()][:_MAX_LISTED],
        "threshold": threshold,
        "note": "These are the model's beliefs, not findings from data; use them with discover_with_knowledge.",
        "object": priors,
    }


def check_graph(
    graph: Any,
    model: Any,
    descriptions: dict[str, str] | None = None,
    threshold: float = 0.8,
    confounders: str = "adjacent",
    name_confounders: bool = False,
    cache: str | None = None,
) -> dict[str, Any]:
    """Check my graph: which edges look implausible and which pairs likely share a hidden cause?

    Parameters
    ----------
    graph : CausalGraph or str
        The graph (or edge-list text such as "A -> B; B -> C").
    model : agent.llm.ChatModel
    descriptions : dict of str to str
        What each node means.
    threshold : float
        Confidence a suggestion needs (0.5-1).
    confounders : str
        Ask about hidden common causes of "adjacent" pairs, "all" pairs or "none".
    name_confounders : bool
        Ask the model to name each suggested confounder.
    cache : str
        JSON-lines answer cache file.

    Returns
    -------
    dict
        ``suggestions`` (id, kind, proposal, confidence) - none is applied - and ``object`` (the
        GraphCritique; accept with :func:`accept_suggestions`).
    """
    crit = critique_graph(graph, model, descriptions=descriptions, threshold=threshold, confounders=confounders,
                          name_confounders=name_confounders, cache=cache)
    return {
        "model": crit.model,
        "suggestions": [{"id": s.id, "kind": s.kind, "proposal": s.proposal, "confidence": _round(s.confidence)}
                        for s in crit.suggestions][:_MAX_LISTED],
        "n_suggestions": len(crit.suggestions),
        "note": "Nothing was changed. Accept suggestions explicitly by id to get an edited graph.",
        "object": crit,
    }


def accept_suggestions(critique: GraphCritique, ids: list[str], graph: CausalGraph | None = None) -> dict[str, Any]:
    """Apply the suggestions the user accepted (by id) to a copy of the graph.

    Parameters
    ----------
    critique : GraphCritique
        The critique the ids come from.
    ids : list of str
        Accepted suggestion ids, e.g. ["s1", "s3"].
    graph : CausalGraph
        Apply to this graph instead of the critiqued one.

    Returns
    -------
    dict
        ``applied``, the new ``edges`` and ``object`` (the new CausalGraph).
    """
    if not isinstance(critique, GraphCritique):
        raise InvalidInputError(f"`critique` must be a GraphCritique from check_graph; got {type(critique).__name__}.")
    if not ids:
        raise InvalidInputError("Give the ids of the suggestions to accept, e.g. ['s1'].")
    new = critique.accept(*ids, graph=graph)
    return {"applied": [critique.get(i).proposal for i in ids], "edges": new.to_edge_list(), "kind": new.kind,
            "object": new}


def discover_with_knowledge(
    data: pd.DataFrame,
    priors: PriorSet,
    method: str = "pc",
    mode: str = "soft",
    threshold: float = 0.9,
    alpha: float = 0.05,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    """Learn a graph from data using the model's priors; show which edges came from data or knowledge and where they disagree.

    Parameters
    ----------
    data : pandas.DataFrame
    priors : PriorSet
        From :func:`ask_causal_knowledge`.
    method : str
        pc, fci or cdnod (hard mode), pc or ges (soft), ges (score).
    mode : str
        soft (orient what the data leave open), hard (background knowledge) or score (prior in the GES score).
    threshold : float
        Confidence a prior statement needs (0.5-1).
    alpha : float
        Significance level of the CI tests (pc, fci).
    columns : list of str
        Variables to use (default: those the priors are about that are columns).

    Returns
    -------
    dict
        ``edges`` with their ``source``, ``disagreements``, and ``object`` (the result).
    """
    cols = columns or [n for n in priors.variables.names if n in data.columns]
    if len(cols) < 2:
        raise InvalidInputError("Fewer than two of the priors' variables are columns of the data; pass `columns`.")
    kwargs: dict[str, Any] = {"alpha": alpha} if method in ("pc", "fci", "cdnod") else {}
    res = discover_with_priors(data[cols], priors, method, mode=mode, threshold=threshold, **kwargs)
    return {
        "method": res.method, "mode": mode,
        "edges": [{"edge": e.edge, "source": e.source} for e in res.edge_sources],
        "disagreements": [str(c) for c in res.conflicts],
        "notes": [w for w in res.warnings if not w.startswith("knowledge/data disagreement")],
        "object": res,
    }


def orient_pair_from_data(
    data: pd.DataFrame, x: str, y: str, method: str = "all", random_state: int = 0
) -> dict[str, Any]:
    """Which way does the data alone point for one pair (ANM, RECI, IGCI, pairwise LiNGAM)?

    Parameters
    ----------
    data : pandas.DataFrame
    x : str
        First column.
    y : str
        Second column.
    method : str
        anm, reci, igci, lingam, or all.
    random_state : int
        Seed of the sub-sample.

    Returns
    -------
    dict
        One decision per method with its score, and a caution about the assumptions.
    """
    check_column(data, x)
    check_column(data, y)
    frame = check_data(data, [x, y], min_rows=10)
    methods = list(PAIRWISE_METHODS) if method == "all" else [method]
    out = [orient_pair(frame[x], frame[y], m, names=(x, y), random_state=random_state) for m in methods]
    return {
        "decisions": [{"method": r.method, "direction": r.direction, "score": _round(r.score)} for r in out],
        "caution": ("Pairwise methods assume no hidden common cause and their own model class (additive noise, "
                    "linear non-Gaussian, ...); on benchmark pairs they are right 60-75% of the time."),
        "object": out,
    }
