"""Graph tools: discover a graph, set one from text, edit it, look at it, and test independence."""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

from agent.exceptions import ToolInputError
from agent.session import Session, quote
from agent.tools._base import check_columns, fmt, require_session, tool
from agent.tools.data import column_kind, numeric_frame

__all__ = ["discover", "set_graph", "edit_graph", "show_graph", "ci_test", "graph_summary", "apply_tiers"]

_MAX_DISCOVERY_COLUMNS = 30


def graph_summary(handle: str, graph: Any) -> dict[str, Any]:
    """Handle, kind, nodes and edges of a graph, plus the undirected / uncertain edges."""
    edges = graph.to_edge_list()
    return {
        "handle": handle, "kind": graph.kind, "nodes": [str(n) for n in graph.nodes], "edges": edges,
        "undirected": [str(e) for e in graph.edges() if e.kind != "-->"],
    }


def _knowledge(required: list[str] | None, forbidden: list[str] | None, tiers: list[list[str]] | None) -> Any:
    if not (required or forbidden or tiers):
        return None
    from causalkit.discovery import BackgroundKnowledge

    return BackgroundKnowledge(required=required or [], forbidden=forbidden or [], tiers=tiers or [])


@tool
def discover(data: str | None = None, method: str = "auto", ci_test: str | None = None, alpha: float = 0.05,
             columns: list[str] | None = None, context: str | None = None, hidden_confounding: bool = False,
             required: list[str] | None = None, forbidden: list[str] | None = None,
             tiers: list[list[str]] | None = None, session: Session | None = None) -> dict[str, Any]:
    """Learn a causal graph from data (method and CI test chosen from a profile of the data unless given).

    Parameters
    ----------
    data : str
        Data handle (default: the current dataset).
    method : str
        auto, pc, fci, ges, cdnod, lingam or ica_lingam.
    ci_test : str
        fisherz, chisq, gsq or kci (default: chosen from the data).
    alpha : float
        Significance level of the CI tests.
    columns : list of str
        Variables to include (default: every numeric column; at most 30).
    context : str
        Domain/time column for cdnod.
    hidden_confounding : bool
        Whether unmeasured common causes are suspected (chooses fci under auto).
    required : list of str
        Edges known to exist, as "A --> B".
    forbidden : list of str
        Edges known to be absent, as "A --> B".
    tiers : list of list of str
        Temporal tiers, earliest first (no edge from a later tier into an earlier one).
    """
    from causalkit.discovery import DISCOVERY_METHODS, suggest_method
    from causalkit.discovery import discover as run_discovery

    session = require_session(session)
    data_handle, item = session.stored(data, "data")
    df = item.value
    cols = check_columns(df, columns) if columns else [c for c in df.columns if c != context]
    frame = numeric_frame(df, [c for c in cols if c != context])
    if frame.shape[1] < 2:
        raise ToolInputError("Discovery needs at least two numeric, non-constant columns.")
    if frame.shape[1] > _MAX_DISCOVERY_COLUMNS:
        raise ToolInputError(
            f"The data has {frame.shape[1]} numeric columns; pass `columns` with at most "
            f"{_MAX_DISCOVERY_COLUMNS} variables to keep discovery fast and readable."
        )
    if context is not None:
        context = check_columns(df, [context], role="context column")[0]
        frame = frame.join(df.loc[frame.index, [context]])
    reason = "chosen by the caller"
    if method == "auto":
        method, suggested_test, reason = suggest_method(frame, context=context, hidden_confounding=hidden_confounding)
        ci_test = ci_test or suggested_test
    method = method.lower()
    if method not in DISCOVERY_METHODS:
        raise ToolInputError(f"Unknown discovery method {quote(method)}; use one of {sorted(DISCOVERY_METHODS)} or auto.")
    module, fname, _fixed = DISCOVERY_METHODS[method]
    accepted = inspect.signature(getattr(importlib.import_module(module), fname)).parameters
    options: dict[str, Any] = {}
    if "alpha" in accepted:
        options["alpha"] = alpha
    if "ci_test" in accepted:
        if ci_test is None:
            kinds = {column_kind(frame[c]) for c in frame.columns if c != context}
            ci_test = "gsq" if kinds <= {"binary", "discrete"} else "fisherz"
        options["ci_test"] = ci_test
    if "random_state" in accepted:
        options["random_state"] = session.seed
    if context is not None:
        options["context"] = context
    bk = _knowledge(required, forbidden, tiers)
    if bk is not None:
        options["background_knowledge"] = bk
    result = run_discovery(frame, method, **options)
    label = f"{method}_{len(session.handles('graph')) + 1}"
    meta = {"data": data_handle, "method": method, "options": {k: v for k, v in options.items() if k != "background_knowledge"},
            "knowledge": {"required": required or [], "forbidden": forbidden or [], "tiers": tiers or []},
            "columns": [c for c in frame.columns], "n_rows": int(len(frame)), "reason": reason}
    session.put("discovery", result, label=label, meta=meta)
    handle = session.put("graph", result.graph, label=label, meta={"source": "discovery", **meta})
    out = graph_summary(handle, result.graph)
    out.update({"method": method, "ci_test": options.get("ci_test"), "alpha": options.get("alpha"),
                "why": reason, "rows_used": int(len(frame)), "warnings": list(result.warnings)})
    if out["undirected"]:
        out["note"] = ("Undirected/uncertain edges are not oriented by the data (equivalence class); "
                       "orient them with edit_graph using background knowledge if you know the direction.")
    return out


@tool
def set_graph(edges: str, name: str | None = None, session: Session | None = None) -> dict[str, Any]:
    """Use a causal graph given as text: an edge list ("A -> B; B -> C") or a DOT digraph.

    Parameters
    ----------
    edges : str
        Edges separated by ';' or new lines, e.g. "Z -> X; Z -> Y; X -> Y", or DOT text.
    name : str
        Short name for the handle.
    """
    from causalkit.graphs import parse_graph

    session = require_session(session)
    graph = parse_graph(edges)
    handle = session.put("graph", graph, label=name or "user", meta={"source": "user", "text": edges})
    out = graph_summary(handle, graph)
    if "data" in session.current:
        cols = set(map(str, session.data().columns))
        missing = [n for n in graph.nodes if str(n) not in cols]
        if missing:
            out["not_in_data"] = [str(n) for n in missing]
            out["note"] = "Nodes that are not columns are treated as unobserved (latent)."
    return out


def _pair(text: str) -> tuple[str, str]:
    from causalkit.graphs import parse_edge

    try:
        e = parse_edge(text)
        return e.u, e.v
    except Exception:  # noqa: BLE001 - fall back to "A, B"
        parts = [p.strip() for p in re.split(r",", text) if p.strip()]
        if len(parts) != 2:
            raise ToolInputError(f"Cannot read the edge {quote(text)}; write it as 'A --> B'.") from None
        return parts[0], parts[1]


def apply_tiers(graph: Any, tiers: list[list[str]]) -> list[str]:
    """Orient undirected edges between tiers from the earlier tier to the later one, then Meek-close.

    Returns the edges oriented (as strings). ``graph`` is modified in place.
    """
    from causalkit.graphs import meek_closure

    tier_of = {n: i for i, tier in enumerate(tiers) for n in tier}
    done = []
    for e in graph.edges("---"):
        tu, tv = tier_of.get(e.u), tier_of.get(e.v)
        if tu is None or tv is None or tu == tv:
            continue
        u, v = (e.u, e.v) if tu < tv else (e.v, e.u)
        graph.orient(u, v)
        done.append(f"{u} --> {v}")
    if done and graph.kind == "cpdag":
        closed = meek_closure(graph)
        for e in closed.edges("-->"):
            if graph.edge_kind(e.u, e.v) == "---":
                graph.orient(e.u, e.v)
                done.append(f"{e.u} --> {e.v} (Meek rules)")
    return done


@tool
def edit_graph(graph: str | None = None, add: list[str] | None = None, remove: list[str] | None = None,
               orient: list[str] | None = None, tiers: list[list[str]] | None = None, name: str | None = None,
               session: Session | None = None) -> dict[str, Any]:
    """Edit a graph (a new handle is made; the original is kept).

    Parameters
    ----------
    graph : str
        Graph handle (default: the current graph).
    add : list of str
        Edges to add, e.g. "A --> B" or "A <-> B".
    remove : list of str
        Edges to remove, e.g. "A --> B" (any edge between A and B is removed).
    orient : list of str
        Existing edges to orient, e.g. "A --> B".
    tiers : list of list of str
        Background knowledge: temporal tiers, earliest first; undirected edges between tiers are oriented forward.
    name : str
        Short name for the new handle.
    """
    from causalkit.graphs import parse_edge

    session = require_session(session)
    src, item = session.stored(graph, "graph")
    g = item.value.copy()
    changes = []
    for text in remove or []:
        u, v = _pair(text)
        g.remove_edge(u, v)
        changes.append(f"removed {u} - {v}")
    for text in add or []:
        e = parse_edge(text)
        g.add_edge(e.u, e.v, e.kind)
        changes.append(f"added {e}")
    for text in orient or []:
        u, v = _pair(text)
        g.orient(u, v)
        changes.append(f"oriented {u} --> {v}")
    if tiers:
        changes += [f"oriented {d} (tiers)" for d in apply_tiers(g, tiers)]
    if not changes:
        raise ToolInputError("Nothing to edit: give add, remove, orient or tiers.")
    handle = session.put("graph", g, label=name or "edited", meta={"source": "edit", "from": src, "changes": changes})
    return {**graph_summary(handle, g), "changes": changes}


@tool
def show_graph(graph: str | None = None, node: str | None = None, session: Session | None = None) -> dict[str, Any]:
    """Show a graph's edges, or one node's parents, children and other neighbours.

    Parameters
    ----------
    graph : str
        Graph handle (default: the current graph).
    node : str
        A node to describe.
    """
    session = require_session(session)
    handle, item = session.stored(graph, "graph")
    g = item.value
    if node is None:
        return graph_summary(handle, g)
    g.check_nodes([node])
    return {"handle": handle, "node": node, "parents": g.parents(node), "children": g.children(node),
            "undirected_neighbors": g.neighbors(node), "bidirected": g.spouses(node),
            "other_adjacent": [a for a in g.adjacent(node) if a not in
                               set(g.parents(node)) | set(g.children(node)) | set(g.neighbors(node)) | set(g.spouses(node))]}


@tool
def ci_test(x: str, y: str, given: list[str] | None = None, test: str = "auto", alpha: float = 0.05,
            data: str | None = None, session: Session | None = None) -> dict[str, Any]:
    """Test whether X and Y are independent (given Z) in the data; also reads d-separation off the current graph.

    Parameters
    ----------
    x : str
        First variable.
    y : str
        Second variable.
    given : list of str
        Conditioning set.
    test : str
        auto, fisherz, chisq, gsq or kci.
    alpha : float
        Significance level.
    data : str
        Data handle (default: the current dataset).
    """
    from causalkit.discovery import get_ci_test

    session = require_session(session)
    data_handle, item = session.stored(data, "data")
    df = item.value
    cols = check_columns(df, [x, y, *(given or [])])
    if len(set(cols)) != len(cols):
        raise ToolInputError("x, y and the conditioning set must be different variables.")
    frame = df[cols].dropna()
    kinds = {column_kind(frame[c]) for c in cols}
    if "text" in kinds or "constant" in kinds:
        raise ToolInputError("CI tests need numeric, non-constant columns.")
    if test == "auto":
        test = "gsq" if kinds <= {"binary", "discrete"} else "fisherz"
    fn = get_ci_test(test, frame.to_numpy(dtype=float))
    p = float(fn(0, 1, list(range(2, len(cols)))))
    independent = bool(p > alpha)
    given_txt = f" given {', '.join(cols[2:])}" if len(cols) > 2 else ""
    out: dict[str, Any] = {
        "x": cols[0], "y": cols[1], "given": cols[2:], "test": test, "p_value": fmt(p, 4), "alpha": alpha,
        "independent": independent, "n": int(len(frame)),
        "reading": (f"{cols[0]} and {cols[1]} look {'independent' if independent else 'dependent'}{given_txt} "
                    f"({test} test, p = {p:.3g}, alpha = {alpha})."),
    }
    if "graph" in session.current:
        g = session.graph()
        if all(c in g for c in cols) and g.kind in ("dag", "admg"):
            out["graph_d_separated"] = bool(g.d_separated(cols[0], cols[1], cols[2:]))
            out["graph"] = session.current["graph"]
    handle = session.put("query", out, meta={"data": data_handle, "test": test})
    out["handle"] = handle
    return out

