"""Reading and writing causal graphs: networkx, DOT, GML, pgmpy, causal-learn, adjacency matrices, edge lists.

Every reader returns a :class:`~causalkit.graphs.CausalGraph`; :func:`parse_graph` picks the right
reader for whatever it is given. DOT is read by the small parser in ``_dot.py`` (see there for
how edge marks are written in DOT).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from causalkit.exceptions import GraphError, InvalidInputError, UnknownNodeError
from causalkit.graphs._dot import _KIND, _add, from_dot, to_dot
from causalkit.graphs._graph import _CONNECTORS, CausalGraph, Edge, Mark

__all__ = [
    "from_networkx",
    "from_dot",
    "to_dot",
    "from_gml",
    "to_gml",
    "from_pgmpy",
    "from_causallearn",
    "from_adjacency",
    "to_adjacency",
    "from_edge_list",
    "parse_graph",
]

# ---------------------------------------------------------------------------------------- networkx
def from_networkx(g: nx.Graph) -> CausalGraph:
    """Build a :class:`CausalGraph` from a networkx graph.

    Parameters
    ----------
    g : networkx.DiGraph or networkx.Graph
        In a ``DiGraph`` each arc ``(u, v)`` is ``u --> v``. An arc may carry ``kind`` (a connector
        such as ``"<->"`` or ``"o->"`` written from the arc's source), as written by
        :meth:`CausalGraph.to_networkx`. Arcs in both directions without ``kind`` are read as one
        undirected edge ``u --- v`` (the usual CPDAG convention). Every edge of an undirected
        ``Graph`` is ``u --- v`` unless it carries ``kind``. Isolated nodes are kept.

    Returns
    -------
    CausalGraph

    Raises
    ------
    InvalidInputError
        For a multigraph, an unknown ``kind``, or ``kind`` attributes on the two arcs of a pair
        that disagree.

    Examples
    --------
    >>> import networkx as nx
    >>> from_networkx(nx.DiGraph([("A", "B")])).to_edge_list()
    ['A --> B']
    """
    if not isinstance(g, nx.Graph):
        raise InvalidInputError(f"from_networkx needs a networkx Graph or DiGraph; got {type(g).__name__}.")
    if g.is_multigraph():
        raise InvalidInputError(
            "from_networkx does not read multigraphs; a causal graph has at most one edge per pair."
        )
    out = CausalGraph(nodes=list(g.nodes))
    seen: dict = {}
    for u, v, data in g.edges(data=True):
        if u == v:
            raise GraphError(f"The networkx graph has a self-loop on {u!r}; causal graphs here have none.")
        kind = data.get("kind")
        if kind is not None:
            if kind not in _CONNECTORS:
                raise InvalidInputError(
                    f"Arc ({u!r}, {v!r}) has kind={kind!r}; use one of {sorted(set(_CONNECTORS))}."
                )
            mu, mv = _CONNECTORS[kind]
        elif not g.is_directed():
            mu, mv = Mark.TAIL, Mark.TAIL
        elif g.has_edge(v, u) and g.edges[v, u].get("kind") is None:
            mu, mv = Mark.TAIL, Mark.TAIL
        elif g.has_edge(v, u):
            continue  # the reverse arc carries the kind; it is read from there
        else:
            mu, mv = Mark.TAIL, Mark.ARROW
        _add(out, u, v, mu, mv, seen, "The networkx graph")
    return out


# ---------------------------------------------------------------------------------------- GML
def to_gml(graph: CausalGraph) -> str:
    """Write a graph as GML (via networkx): a directed graph whose arcs carry ``kind``.

    Node names are written with ``str``. Read it back with :func:`from_gml`.
    """
    graph = parse_graph(graph)
    d = nx.DiGraph()
    d.add_nodes_from(str(n) for n in graph.nodes)
    for u, v, data in graph.to_networkx().edges(data=True):
        d.add_edge(str(u), str(v), kind=str(data["kind"]))
    return "\n".join(nx.generate_gml(d))


def from_gml(text: str) -> CausalGraph:
    """Read a GML graph (as written by :func:`to_gml` or other tools), using node labels as names.

    Arcs without a ``kind`` attribute are directed edges (see :func:`from_networkx`).
    """
    if not isinstance(text, str):
        raise InvalidInputError(f"from_gml needs a string; got {type(text).__name__}.")
    try:
        g = nx.parse_gml(text, label="label")
    except nx.NetworkXError as exc:
        raise InvalidInputError(f"Cannot read the GML text: {exc}") from None
    return from_networkx(g)


# ---------------------------------------------------------------------------------------- pgmpy / causal-learn
def _latent_projection(arcs: list[tuple[Any, Any]], nodes: list[Any], latents: set) -> CausalGraph:
    """Project a DAG with latent nodes onto the observed ones (Verma & Pearl), giving an ADMG."""
    d = nx.DiGraph(arcs)
    d.add_nodes_from(nodes)
    observed = [n for n in nodes if n not in latents]
    out = CausalGraph(nodes=observed)

    def reach(start: Any) -> set:  # observed nodes reached through latent intermediates only
        found, stack, seen = set(), list(d.successors(start)), set()
        while stack:
            w = stack.pop()
            if w in seen:
                continue
            seen.add(w)
            if w in latents:
                stack.extend(d.successors(w))
            else:
                found.add(w)
        return found

    for a in observed:
        for b in reach(a):
            out.add_edge(a, b, "-->")
    for lat in latents:
        kids = sorted(reach(lat), key=observed.index)
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                if not out.has_edge(a, b):
                    out.add_edge(a, b, "<->")
    if out.find_cycle():
        raise GraphError("The latent projection has a directed cycle; is the pgmpy model acyclic?")
    return out


def from_pgmpy(model: Any) -> CausalGraph:
    """Build a :class:`CausalGraph` from a pgmpy graph or model.

    Reads ``DAG`` and Bayesian networks (``DiscreteBayesianNetwork``, ...), ``PDAG`` (its undirected
    edges become ``---``) and ``ADMG`` (``type="bidirected"`` arcs become ``<->``). Latent nodes of a
    ``DAG`` (``model.latents``) are projected out: an observed pair gets ``-->`` for a directed path
    through latents only and ``<->`` for a latent common cause.

    Examples
    --------
    >>> from pgmpy.base import DAG
    >>> from_pgmpy(DAG([("A", "B"), ("U", "A"), ("U", "B")], latents={"U"})).to_edge_list()
    ['A --> B']
    """
    if not type(model).__module__.startswith("pgmpy") or not isinstance(model, nx.DiGraph):
        raise InvalidInputError(f"from_pgmpy needs a pgmpy graph or model; got {type(model).__name__}.")
    nodes = list(model.nodes())
    if hasattr(model, "undirected_edges") and hasattr(model, "directed_edges"):  # PDAG
        out, seen = CausalGraph(nodes=nodes), dict[frozenset, dict]()
        for u, v in model.directed_edges:
            _add(out, u, v, Mark.TAIL, Mark.ARROW, seen, "The pgmpy PDAG")
        for u, v in model.undirected_edges:
            _add(out, u, v, Mark.TAIL, Mark.TAIL, seen, "The pgmpy PDAG")
        return out
    if model.is_multigraph():  # ADMG / MAG keep edge types in attributes
        out, seen = CausalGraph(nodes=nodes), {}
        for u, v, data in model.edges(data=True):
            kind = data.get("type", "directed")
            marks = {"directed": (Mark.TAIL, Mark.ARROW), "bidirected": (Mark.ARROW, Mark.ARROW),
                     "undirected": (Mark.TAIL, Mark.TAIL)}.get(kind)
            if marks is None:
                raise InvalidInputError(f"pgmpy edge ({u!r}, {v!r}) has unknown type {kind!r}.")
            _add(out, u, v, *marks, seen, "The pgmpy graph")
        return out
    latents = set(getattr(model, "latents", set()) or set())
    arcs = list(model.edges())
    if latents:
        return _latent_projection(arcs, nodes, latents)
    return CausalGraph(nodes=nodes, edges=arcs)


def from_causallearn(graph: Any) -> CausalGraph:
    """Build a :class:`CausalGraph` from a causal-learn ``GeneralGraph`` (e.g. ``cg.G`` after PC/FCI)."""
    try:
        names = [n.get_name() for n in graph.get_nodes()]
        matrix = np.asarray(graph.graph)
    except AttributeError:
        raise InvalidInputError(
            f"from_causallearn needs a causal-learn GeneralGraph; got {type(graph).__name__}."
        ) from None
    return from_adjacency(matrix, names, encoding="causal-learn")


# ---------------------------------------------------------------------------------------- adjacency
_CL_MARK = {-1: Mark.TAIL, 1: Mark.ARROW, 2: Mark.CIRCLE}
_CL_CODE = {v: k for k, v in _CL_MARK.items()}


def from_adjacency(matrix: Any, nodes: Sequence[str] | None = None, encoding: str = "binary") -> CausalGraph:
    """Build a graph from an adjacency matrix.

    Parameters
    ----------
    matrix : array-like or pandas.DataFrame of shape (n, n)
        A DataFrame gives node names through its columns (which must equal its index).
    nodes : sequence of str, optional
        Node names in row order (default: the DataFrame's columns, else ``X0, X1, ...``).
    encoding : {"binary", "causal-learn"}
        ``"binary"``: ``A[i, j] == 1`` means ``i --> j``; 1 in both directions is an undirected edge
        ``i --- j``; entries must be 0/1 (for a weighted matrix pass ``(W != 0).astype(int)``; note
        that LiNGAM's ``B[j, i]`` holds the effect of ``i`` on ``j``, the transpose).
        ``"causal-learn"``: ``G[i, j]`` is the mark at ``i`` of the edge between ``i`` and ``j``:
        -1 tail, 1 arrowhead, 2 circle; so ``G[i, j] = -1, G[j, i] = 1`` is ``i --> j``, both -1 is
        ``i --- j``, both 1 is ``i <-> j``.

    Returns
    -------
    CausalGraph

    Examples
    --------
    >>> from_adjacency([[0, 1], [0, 0]], ["A", "B"]).to_edge_list()
    ['A --> B']
    >>> from_adjacency([[0, -1], [1, 0]], ["A", "B"], encoding="causal-learn").to_edge_list()
    ['A --> B']
    """
    if encoding not in {"binary", "causal-learn"}:
        raise InvalidInputError(f"`encoding` must be 'binary' or 'causal-learn'; got {encoding!r}.")
    if isinstance(matrix, pd.DataFrame):
        if nodes is None:
            if list(matrix.index) != list(matrix.columns) and not isinstance(matrix.index, pd.RangeIndex):
                raise InvalidInputError("The adjacency DataFrame's index and columns must list the same nodes in the same order.")
            nodes = list(matrix.columns)
        matrix = matrix.to_numpy()
    try:
        a = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError("The adjacency matrix must hold numbers.") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise InvalidInputError(f"The adjacency matrix must be square; got shape {a.shape}.")
    n = a.shape[0]
    nodes = list(nodes) if nodes is not None else [f"X{i}" for i in range(n)]
    if len(nodes) != n:
        raise InvalidInputError(f"The adjacency matrix has {n} rows but {len(nodes)} node names were given.")
    if len(set(nodes)) != n:
        raise InvalidInputError("Node names of the adjacency matrix must be unique.")
    if np.any(np.diag(a) != 0):
        i = int(np.flatnonzero(np.diag(a))[0])
        raise GraphError(f"The adjacency matrix has a self-loop on {nodes[i]!r} (non-zero diagonal).")
    allowed = {0.0, 1.0} if encoding == "binary" else {0.0, -1.0, 1.0, 2.0}
    bad = ~np.isin(a, list(allowed))
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise InvalidInputError(
            f"Entry [{nodes[i]!r}, {nodes[j]!r}] = {a[i, j]:g} is not allowed in a {encoding} adjacency "
            f"matrix (allowed: {sorted(int(x) for x in allowed)})."
        )
    g = CausalGraph(nodes=nodes)
    for i, j in zip(*np.triu_indices(n, k=1), strict=True):
        x, y = a[i, j], a[j, i]
        if x == 0 and y == 0:
            continue
        if encoding == "binary":
            mu, mv = (Mark.TAIL, Mark.TAIL) if (x and y) else ((Mark.TAIL, Mark.ARROW) if x else (Mark.ARROW, Mark.TAIL))
        else:
            if x == 0 or y == 0:
                raise InvalidInputError(
                    f"Entries [{nodes[i]!r}, {nodes[j]!r}] = {x:g} and [{nodes[j]!r}, {nodes[i]!r}] = {y:g}: "
                    "in the causal-learn encoding both ends of an edge must be non-zero."
                )
            mu, mv = _CL_MARK[int(x)], _CL_MARK[int(y)]
        g.add_edge(nodes[i], nodes[j], _KIND[(mu, mv)])
    return g


def to_adjacency(graph: CausalGraph, encoding: str = "binary", *, as_frame: bool = False) -> np.ndarray | pd.DataFrame:
    """Write a graph as an adjacency matrix with rows and columns in ``graph.nodes`` order.

    Parameters
    ----------
    graph : CausalGraph
    encoding : {"binary", "causal-learn"}
        See :func:`from_adjacency`. ``"binary"`` encodes DAGs and CPDAGs only (undirected edges as 1
        both ways); bidirected and circle edges need ``"causal-learn"``.
    as_frame : bool
        Return a DataFrame labelled with the node names instead of an array.

    Returns
    -------
    numpy.ndarray of int or pandas.DataFrame
    """
    graph = parse_graph(graph)
    if encoding not in {"binary", "causal-learn"}:
        raise InvalidInputError(f"`encoding` must be 'binary' or 'causal-learn'; got {encoding!r}.")
    nodes = graph.nodes
    idx = {n: i for i, n in enumerate(nodes)}
    a = np.zeros((len(nodes), len(nodes)), dtype=int)
    for e in graph.edges():
        i, j = idx[e.u], idx[e.v]
        if encoding == "causal-learn":
            a[i, j], a[j, i] = _CL_CODE[e.mark_u], _CL_CODE[e.mark_v]
        elif e.kind == "-->":
            a[i, j] = 1
        elif e.kind == "---":
            a[i, j] = a[j, i] = 1
        else:
            raise GraphError(
                f"Edge '{e}' cannot be written in the binary encoding (DAG/CPDAG edges only); "
                "use encoding='causal-learn'."
            )
    return pd.DataFrame(a, index=nodes, columns=nodes) if as_frame else a


# ---------------------------------------------------------------------------------------- edge lists
_PLAIN_OPS = ["<->", "-->", "<--", "---", "->", "<-", "--"]
_CIRCLE_OPS = ["o->", "<-o", "o-o", "o--", "--o"]
_SPLIT_RE = re.compile(
    r"\s+(" + "|".join(map(re.escape, _CIRCLE_OPS)) + r")\s+|\s*(" + "|".join(map(re.escape, _PLAIN_OPS)) + r")\s*"
)


def _parse_chain(text: str, g: CausalGraph, seen: dict) -> None:
    """Read one statement such as ``A -> B -> C``, ``A o-o B`` or a bare node name ``A``."""
    parts = _SPLIT_RE.split(text.strip())
    # re.split with two groups yields [node, circle_op|None, plain_op|None, node, ...]
    names = [p.strip() for p in parts[0::3]]
    ops = [c or p for c, p in zip(parts[1::3], parts[2::3], strict=True)]
    if len(names) == 1 and re.search(r"[<>=]", names[0]):
        raise InvalidInputError(
            f"Cannot read edge {text.strip()!r}: no connector found. Write edges as 'A -> B', 'A --- B', "
            "'A <-> B', 'A o-> B' or 'A o-o B'."
        )
    if any(not n for n in names):
        raise InvalidInputError(
            f"Cannot read edge {text.strip()!r}: write edges as 'A -> B', 'A --- B', 'A <-> B', "
            "'A o-> B' or 'A o-o B' (circle connectors need spaces around them)."
        )
    for n in names:
        g.add_node(n)
    for u, op, v in zip(names, ops, names[1:], strict=False):
        if u == v:
            raise GraphError(f"Edge {text.strip()!r} is a self-loop on {u!r}; causal graphs here have none.")
        _add(g, u, v, *_CONNECTORS[op], seen, "The edge list")


def from_edge_list(edges: str | Iterable[Any], nodes: Iterable[str] | None = None) -> CausalGraph:
    """Build a graph from edges.

    Parameters
    ----------
    edges : str or iterable
        A string of statements separated by ``;`` or new lines (``"A -> B; B -> C"``, chains
        ``"A -> B -> C"``, bare node names, ``#`` comments), or an iterable whose items are edge
        strings (``"A --> B"``, ``"A <-> B"``, ``"A o-> B"``), pairs ``(u, v)`` meaning ``u --> v``
        or triples ``(u, v, kind)``.
    nodes : iterable of str, optional
        Extra (e.g. isolated) nodes, added first so they fix the node order.

    Returns
    -------
    CausalGraph

    Raises
    ------
    InvalidInputError
        For an item that is not an edge.
    GraphError
        For two different edges between the same pair, or a self-loop.

    Examples
    --------
    >>> from_edge_list("Z -> X; Z -> Y\\nX -> Y").to_edge_list()
    ['Z --> X', 'Z --> Y', 'X --> Y']
    >>> from_edge_list([("A", "B"), ("B", "C", "<->")]).to_edge_list()
    ['A --> B', 'B <-> C']
    """
    g = CausalGraph(nodes=nodes)
    seen: dict = {}
    if isinstance(edges, str):
        for line in edges.splitlines():
            line = line.split("#", 1)[0]
            for stmt in line.split(";"):
                if stmt.strip():
                    _parse_chain(stmt, g, seen)
        return g
    if not isinstance(edges, Iterable):
        raise InvalidInputError(f"`edges` must be a string or an iterable of edges; got {type(edges).__name__}.")
    for e in edges:
        if isinstance(e, str):
            _parse_chain(e, g, seen)
        elif isinstance(e, Edge):
            _add(g, e.u, e.v, e.mark_u, e.mark_v, seen, "The edge list")
        elif isinstance(e, (tuple, list)) and len(e) in (2, 3):
            kind = e[2] if len(e) == 3 else "-->"
            if kind not in _CONNECTORS:
                raise InvalidInputError(f"Edge {tuple(e)!r} has unknown kind {kind!r}; use one of {sorted(set(_CONNECTORS))}.")
            if e[0] == e[1]:
                raise GraphError(f"Edge {tuple(e)!r} is a self-loop on {e[0]!r}; causal graphs here have none.")
            _add(g, e[0], e[1], *_CONNECTORS[kind], seen, "The edge list")
        else:
            raise InvalidInputError(
                f"Cannot read edge {e!r}: give 'u --> v' strings, (u, v) pairs or (u, v, kind) triples."
            )
    return g


# ---------------------------------------------------------------------------------------- dispatch
_DOT_HEAD = re.compile(r"^\s*(?:(?://|#)[^\n]*\n\s*)*(strict\s+)?(di)?graph\b|^\s*(dag|pdag|mag|pag)\s*\{", re.I)
_GML_HEAD = re.compile(r"^\s*(?:Creator\s+\"[^\"]*\"\s*)?graph\s*\[", re.I)


def parse_graph(obj: Any, nodes: Sequence[str] | None = None) -> CausalGraph:
    """Turn any supported graph description into a :class:`CausalGraph`.

    Parameters
    ----------
    obj
        One of: a :class:`CausalGraph` (returned as is); a networkx ``DiGraph``/``Graph``; a pgmpy
        model or graph; a causal-learn ``GeneralGraph``; a string in DOT/dagitty
        (``"digraph { A -> B }"``), GML, or edge-list form (``"A -> B; B -> C"`` or one edge per
        line); a list of edges (strings, pairs or triples); or a square 0/1 adjacency matrix
        (DataFrame, or array with ``nodes``).
    nodes : sequence of str, optional
        Node names for an array adjacency matrix, or extra nodes for an edge list.

    Returns
    -------
    CausalGraph

    Raises
    ------
    InvalidInputError
        For anything else, saying what is accepted.

    Examples
    --------
    >>> parse_graph("A -> B; B -> C").to_edge_list()
    ['A --> B', 'B --> C']
    """
    if isinstance(obj, CausalGraph):
        return obj
    module = type(obj).__module__ or ""
    if module.startswith("pgmpy"):
        return from_pgmpy(obj)
    if module.startswith("causallearn"):
        return from_causallearn(obj)
    if isinstance(obj, nx.Graph):
        return from_networkx(obj)
    if isinstance(obj, str):
        if _GML_HEAD.match(obj):
            return from_gml(obj)
        if _DOT_HEAD.match(obj):
            return from_dot(obj)
        return from_edge_list(obj, nodes)
    if isinstance(obj, pd.DataFrame) or (isinstance(obj, np.ndarray) and obj.ndim == 2):
        return from_adjacency(obj, nodes)
    if isinstance(obj, (list, tuple, set, frozenset)) or (
        isinstance(obj, Iterable) and not isinstance(obj, (bytes, dict))
    ):
        return from_edge_list(list(obj), nodes)
    raise InvalidInputError(
        f"Cannot read a graph from {type(obj).__name__}. Give a CausalGraph, a networkx DiGraph, a pgmpy "
        "model, a causal-learn GeneralGraph, a DOT string ('digraph { A -> B }'), a string of edges "
        "('A -> B; B -> C'), a list of edges (['A -> B'] or [('A', 'B')]) or a 0/1 adjacency DataFrame."
    )


def _check_same_nodes(a: CausalGraph, b: CausalGraph, what: str = "the two graphs") -> None:
    """Raise :class:`UnknownNodeError` naming a node that is in one graph but not the other."""
    sa, sb = set(a.nodes), set(b.nodes)
    if sa != sb:
        only_a = [n for n in a.nodes if n not in sb]
        only_b = [n for n in b.nodes if n not in sa]
        if only_a:
            raise UnknownNodeError(f"Node {only_a[0]!r} is in the first graph but not the second; {what} need the same nodes.")
        raise UnknownNodeError(f"Node {only_b[0]!r} is in the second graph but not the first; {what} need the same nodes.")
