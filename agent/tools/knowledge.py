"""Knowledge tools: what a language model believes about causal relations, used with care.

Thin wrappers over :mod:`causalkit.knowledge.agent_tools`: ask the session's model for causal
priors, let it critique a graph (suggestions only, accepted by id), learn a graph from data with
those priors, and orient a single pair from the data alone. Model beliefs are stored as
objects (``priors:*``, ``critique:*``) and always labelled as beliefs, never as findings.

The tools that ask a model use the session's chat model (:func:`use_model`); without one they
fail with an error that says how to start the agent with a model.
"""

from __future__ import annotations

from typing import Any, Literal

from agent.exceptions import ToolInputError
from agent.session import Session, quote
from agent.tools._base import check_columns, require_session, tool
from agent.tools.graph import graph_summary

__all__ = [
    "ask_causal_knowledge",
    "check_graph",
    "accept_suggestions",
    "discover_with_knowledge",
    "orient_pair_from_data",
    "use_model",
    "session_model",
    "NO_MODEL_HINT",
]

#: Most unordered pairs one ask_causal_knowledge call asks about (each pair costs about 8 questions).
_MAX_PAIRS = 45

NO_MODEL_HINT = ("Start the agent with a model: `--model local` (the small embedded model) or an OpenAI-compatible "
                 "server (`--model NAME --base-url URL`); in Python: Agent(model=...).")


def use_model(session: Session, model: Any) -> None:
    """Let the tools of ``session`` ask ``model`` (a :class:`~agent.llm.ChatModel`, or None for no model)."""
    session.model = model


def session_model(session: Session, tool_name: str) -> Any:
    """The chat model of ``session``; a tool error that says how to get one when there is none."""
    model = session.model
    if model is None:
        raise ToolInputError(f"{tool_name} asks a language model, and this session has none. {NO_MODEL_HINT}")
    return model


def _cache(session: Session, cache: str | None) -> str | None:
    return None if cache is None else str(session.check_path(cache))


def _descriptions(session: Session, data_handle: str | None, names: list[str],
                  given: dict[str, str] | None) -> dict[str, str] | None:
    """Descriptions documented with an embedded dataset for ``names``, overridden by ``given``."""
    out: dict[str, str] = {}
    if data_handle is not None:
        ds = session.objects[data_handle].meta.get("dataset")
        documented = getattr(ds, "columns", None) or {}
        out.update({n: str(documented[n]) for n in names if n in documented})
    out.update({str(k): str(v) for k, v in (given or {}).items()})
    return out or None


def _variables(session: Session, variables: list[str] | None, data: str | None) -> tuple[list[str], str | None]:
    """The variable names (resolved to columns where they name one) and the data handle used, if any."""
    from agent.parse import match_column

    data_handle = None
    if data is not None or "data" in session.current:
        data_handle = session.stored(data, "data")[0]
    if variables is None:
        if data_handle is None:
            raise ToolInputError("Name the variables (or load data: its columns are used).")
        return [str(c) for c in session.data(data_handle).columns], data_handle
    names = []
    cols = [str(c) for c in session.data(data_handle).columns] if data_handle else []
    for v in variables:
        m = match_column(str(v), cols) if cols else None
        names.append(m.best if m is not None and m.best is not None and m.score >= 0.999 else str(v))
    if len(set(names)) != len(names) or len(names) < 2:
        raise ToolInputError(f"Give at least two different variables; got {', '.join(map(quote, names))}.")
    return names, data_handle


@tool
def ask_causal_knowledge(variables: list[str] | None = None, descriptions: dict[str, str] | None = None,
                         pairs: list[str] | None = None, threshold: float = 0.9, ask_time_order: bool = False,
                         data: str | None = None, cache: str | None = None, name: str | None = None,
                         session: Session | None = None) -> dict[str, Any]:
    """Ask the language model what it knows about how variables relate causally (beliefs, not findings from data).

    Parameters
    ----------
    variables : list of str
        Variables to ask about (default: the columns of the current dataset).
    descriptions : dict of str to str
        What each variable means (name -> description); an embedded dataset's documentation is used by default.
    pairs : list of str
        Only these pairs, as "A --- B" (default: every pair; needed for more than 10 variables).
    threshold : float
        Confidence (0.5-1] for a belief to count as knowledge.
    ask_time_order : bool
        Also ask which variable is determined earlier in time.
    data : str
        Data handle whose columns and documentation are used (default: the current dataset).
    cache : str
        A JSON-lines answer cache file the user named.
    name : str
        Short name for the priors handle.
    """
    from causalkit.knowledge import agent_tools as ak

    session = require_session(session)
    model = session_model(session, "ask_causal_knowledge")
    names, data_handle = _variables(session, variables, data)
    n_pairs = len(pairs) if pairs is not None else len(names) * (len(names) - 1) // 2
    if n_pairs > _MAX_PAIRS:
        raise ToolInputError(
            f"{len(names)} variables make {n_pairs} pairs (about {8 * n_pairs} questions to the model); pass at most "
            f"{_MAX_PAIRS} `pairs` as 'A --- B', or fewer `variables`."
        )
    out = ak.ask_causal_knowledge(names, model, descriptions=_descriptions(session, data_handle, names, descriptions),
                                  pairs=pairs, threshold=threshold, ask_time_order=ask_time_order,
                                  cache=_cache(session, cache))
    priors = out.pop("object")
    out["handle"] = session.put("priors", priors, label=name, meta={
        "data": data_handle, "call": {"variables": names, "pairs": pairs, "threshold": threshold,
                                      "ask_time_order": ask_time_order}})
    listed = "; ".join(out["statements"][:12]) or "no confident statement"
    out["reading"] = (f"The model {quote(out['model'])} believes (p >= {threshold}): {listed}. "
                      f"{len(out['uncertain'])} pair(s) are uncertain. These are beliefs, not findings from data.")
    return out


@tool
def check_graph(graph: str | None = None, descriptions: dict[str, str] | None = None, threshold: float = 0.8,
                confounders: Literal["adjacent", "all", "none"] = "adjacent", name_confounders: bool = False,
                cache: str | None = None, session: Session | None = None) -> dict[str, Any]:
    """Ask the language model which edges of a graph look implausible and which pairs likely share a hidden cause.

    Parameters
    ----------
    graph : str
        Graph handle (default: the current graph).
    descriptions : dict of str to str
        What each node means; an embedded dataset's documentation is used by default.
    threshold : float
        Confidence (0.5-1] a suggestion needs.
    confounders : {"adjacent", "all", "none"}
        Which pairs to ask about hidden common causes.
    name_confounders : bool
        Ask the model to name each suggested confounder.
    cache : str
        A JSON-lines answer cache file the user named.
    """
    from causalkit.knowledge import agent_tools as ak

    session = require_session(session)
    model = session_model(session, "check_graph")
    graph_handle, item = session.stored(graph, "graph")
    g = item.value
    data_handle = session.current.get("data")
    desc = _descriptions(session, data_handle, [str(n) for n in g.nodes], descriptions)
    out = ak.check_graph(g, model, descriptions=desc, threshold=threshold, confounders=confounders,
                         name_confounders=name_confounders, cache=_cache(session, cache))
    critique = out.pop("object")
    out["handle"] = session.put("critique", critique, meta={"graph": graph_handle, "call": {
        "threshold": threshold, "confounders": confounders, "name_confounders": name_confounders}})
    out["graph"] = graph_handle
    shown = "; ".join(f"[{s['id']}] {s['proposal']} (confidence {s['confidence']})" for s in out["suggestions"][:10])
    out["reading"] = (f"The model {quote(out['model'])} suggests {out['n_suggestions']} change(s) to {graph_handle}"
                      + (f": {shown}" if shown else "") + ". Nothing was changed; accept suggestions by id with "
                      "accept_suggestions.")
    return out


@tool
def accept_suggestions(ids: list[str], critique: str | None = None, graph: str | None = None,
                       name: str | None = None, session: Session | None = None) -> dict[str, Any]:
    """Apply the critique suggestions the user accepted (by id) to a copy of the graph; a new graph handle is made.

    Parameters
    ----------
    ids : list of str
        Accepted suggestion ids, e.g. ["s1", "s3"].
    critique : str
        Critique handle (default: the latest check_graph result).
    graph : str
        Apply to this graph handle instead of the critiqued graph.
    name : str
        Short name for the new graph handle.
    """
    from causalkit.knowledge import agent_tools as ak

    session = require_session(session)
    crit_handle, item = session.stored(critique, "critique")
    crit = item.value
    known = [s.id for s in crit.suggestions]
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ToolInputError(f"Unknown suggestion id(s) {', '.join(map(quote, unknown))} in {crit_handle}; "
                             f"its ids are {', '.join(known) or 'none (no suggestion was made)'}.")
    base = session.graph(graph) if graph is not None else None
    out = ak.accept_suggestions(crit, ids, graph=base)
    new = out.pop("object")
    source = graph if graph is not None else item.meta.get("graph")
    handle = session.put("graph", new, label=name or "accepted", meta={
        "source": "critique", "from": source, "critique": crit_handle, "changes": out["applied"]})
    return {**graph_summary(handle, new), "applied": out["applied"], "critique": crit_handle}


@tool
def discover_with_knowledge(priors: str | None = None, method: Literal["pc", "fci", "ges"] = "pc",
                            mode: Literal["soft", "hard", "score"] = "soft", threshold: float = 0.9,
                            alpha: float = 0.05, columns: list[str] | None = None, data: str | None = None,
                            session: Session | None = None) -> dict[str, Any]:
    """Learn a causal graph from data with the model's priors; each edge says whether data or knowledge set it.

    Parameters
    ----------
    priors : str
        Priors handle from ask_causal_knowledge (default: the latest).
    method : {"pc", "fci", "ges"}
        pc or fci (hard mode), pc or ges (soft mode), ges (score mode).
    mode : {"soft", "hard", "score"}
        soft: orient only what the data leave open; hard: priors as background knowledge; score: priors in the GES score.
    threshold : float
        Confidence (0.5-1] a prior statement needs.
    alpha : float
        Significance level of the CI tests (pc, fci).
    columns : list of str
        Variables to use (default: the priors' variables that are columns).
    data : str
        Data handle (default: the current dataset).
    """
    from agent.tools.data import numeric_frame
    from causalkit.knowledge import agent_tools as ak

    session = require_session(session)
    priors_handle, item = session.stored(priors, "priors")
    data_handle, data_item = session.stored(data, "data")
    df = data_item.value
    wanted = columns or [n for n in item.value.variables.names if n in df.columns]
    cols = check_columns(df, wanted)
    if len(cols) < 2:
        raise ToolInputError(f"Fewer than two of the variables of {priors_handle} are columns of {data_handle}; "
                             "pass `columns`.")
    frame = numeric_frame(df, cols)
    out = ak.discover_with_knowledge(frame, item.value, method=method, mode=mode, threshold=threshold, alpha=alpha,
                                     columns=list(frame.columns))
    result = out.pop("object")
    meta = {"data": data_handle, "priors": priors_handle, "method": method, "columns": list(frame.columns),
            "n_rows": int(len(frame)), "mode": mode, "threshold": threshold, "alpha": alpha}
    label = f"knowledge_{method}"
    session.put("discovery", result, label=label, meta=meta)
    handle = session.put("graph", result.graph, label=label, meta={"source": "knowledge", **meta})
    out.update({k: v for k, v in graph_summary(handle, result.graph).items() if k != "edges"})
    out["rows_used"] = int(len(frame))
    return out


@tool
def orient_pair_from_data(x: str, y: str, method: Literal["all", "anm", "reci", "igci", "lingam"] = "all",
                          data: str | None = None, session: Session | None = None) -> dict[str, Any]:
    """Which way does the data alone point for one pair of variables (additive noise, RECI, IGCI, pairwise LiNGAM)?

    Parameters
    ----------
    x : str
        First column.
    y : str
        Second column.
    method : {"all", "anm", "reci", "igci", "lingam"}
        One pairwise method, or all of them.
    data : str
        Data handle (default: the current dataset).
    """
    from agent.tools.data import numeric_frame
    from causalkit.knowledge import agent_tools as ak

    session = require_session(session)
    data_handle, item = session.stored(data, "data")
    x, y = check_columns(item.value, [x, y])
    if x == y:
        raise ToolInputError("x and y must be two different columns.")
    frame = numeric_frame(item.value, [x, y])
    if list(frame.columns) != [x, y]:
        raise ToolInputError(f"Pairwise orientation needs two numeric, non-constant columns; {quote(x)} or "
                             f"{quote(y)} is not.")
    out = ak.orient_pair_from_data(frame, x, y, method=method, random_state=session.seed)
    results = out.pop("object")
    out["handle"] = session.put("orientation", results, meta={"data": data_handle, "call": {
        "x": x, "y": y, "method": method, "random_state": session.seed}})
    votes: dict[str, int] = {}
    for d in out["decisions"]:
        votes[d["direction"]] = votes.get(d["direction"], 0) + 1
    out["votes"] = votes
    out["reading"] = ("Pairwise orientation from the data alone: "
                      + "; ".join(f"{d['method']}: {d['direction']}" for d in out["decisions"]) + ". " + out["caution"])
    return out
