"""The internal graph model that every identification routine works on.

Whatever the user passes (a :class:`~causalkit.graphs.CausalGraph`, a networkx ``DiGraph``, a list of
edge strings, ...) is turned once into a :class:`Model`:

* ``dag`` - a DAG over the observed nodes plus latent nodes. A bidirected edge ``u <-> v`` becomes a
  latent parent :class:`Latent` ``(u, v)`` of both ends, so d-separation in ``dag`` is m-separation in
  the ADMG. For a CPDAG (PAG) ``dag`` is one member of the equivalence class (one MAG, with its
  bidirected edges as latent parents); reasoning that must hold for the whole class uses ``marked``.
* ``marked`` - the edges as given, with their marks (used for CPDAGs and PAGs).

Nothing here is public; the public functions validate their input through :func:`build_model`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import networkx as nx

from causalkit._validation import as_list
from causalkit.exceptions import GraphError, InvalidInputError, UnknownNodeError
from causalkit.graphs import CausalGraph, Mark, parse_edge

__all__ = [
    "Latent",
    "Model",
    "build_model",
    "node_list",
    "format_path",
    "open_paths",
    "d_separated",
]

TAIL, ARROW, CIRCLE = Mark.TAIL, Mark.ARROW, Mark.CIRCLE


class Latent(NamedTuple):
    """The latent common parent that stands for a bidirected edge ``u <-> v``."""

    u: Any
    v: Any

    def __str__(self) -> str:
        return f"U[{self.u},{self.v}]"


class MarkedEdge(NamedTuple):
    u: Any
    v: Any
    mu: Mark
    mv: Mark

    def mark_at(self, node: Any) -> Mark:
        return self.mu if node == self.u else self.mv

    def other(self, node: Any) -> Any:
        return self.v if node == self.u else self.u

    def connector(self, start: Any) -> str:
        """The connector written from ``start``: ``-->``, ``<--``, ``---``, ``<->``, ``o->``, ..."""
        ma, mb = (self.mu, self.mv) if start == self.u else (self.mv, self.mu)
        left = {TAIL: "-", ARROW: "<", CIRCLE: "o"}[ma]
        right = {TAIL: "-", ARROW: ">", CIRCLE: "o"}[mb]
        return f"{left}-{right}"

    def text(self, start: Any | None = None) -> str:
        a = self.u if start is None else start
        return f"{a} {self.connector(a)} {self.other(a)}"


@dataclass
class Model:
    """A validated graph ready for identification (see the module docstring)."""

    kind: str  # "dag", "admg", "cpdag" or "pag"
    observed: tuple[Any, ...]
    dag: nx.DiGraph
    marked: list[MarkedEdge] = field(default_factory=list)

    @property
    def latent(self) -> set[Any]:
        obs = set(self.observed)
        return {n for n in self.dag.nodes if n not in obs}

    @property
    def is_class(self) -> bool:
        """Whether the graph stands for an equivalence class (CPDAG or PAG)."""
        return self.kind in ("cpdag", "pag")

    # ---------------------------------------------------------------- marked-graph helpers
    def incident(self, node: Any) -> list[MarkedEdge]:
        return [e for e in self.marked if node in (e.u, e.v)]

    def possible_reach(
        self, sources: Iterable[Any], *, forward: bool, avoid: Iterable[Any] = ()
    ) -> set[Any]:
        """Nodes reachable from ``sources`` along possibly directed edges of ``marked``.

        An edge ``a *-* b`` can be walked from ``a`` to ``b`` (``forward=True``) when it has no
        arrowhead at ``a``; backwards (possible ancestors) when it has no arrowhead at ``b``'s
        predecessor, i.e. walking from ``b`` to ``a`` needs no arrowhead at ``a``. ``avoid`` nodes are
        never entered. The sources themselves are included.
        """
        adj: dict[Any, list[Any]] = {n: [] for n in self.observed}
        for e in self.marked:
            for a, b in ((e.u, e.v), (e.v, e.u)):
                if e.mark_at(a) != ARROW:  # possibly a --> b
                    if forward:
                        adj[a].append(b)
                    else:
                        adj[b].append(a)
        avoid = set(avoid)
        seen = set(sources)
        stack = list(seen)
        while stack:
            n = stack.pop()
            for m in adj[n]:
                if m not in seen and m not in avoid:
                    seen.add(m)
                    stack.append(m)
        return seen


# ------------------------------------------------------------------------------------ parsing
def node_list(nodes: Any, role: str) -> list[Any]:
    """Normalise a treatment/outcome argument (one node or a list of nodes)."""
    if isinstance(nodes, (set, frozenset)):
        nodes = sorted(nodes, key=str)
    out = as_list(nodes)
    if not out:
        raise InvalidInputError(f"The {role} is empty; name at least one node.")
    if len(set(out)) != len(out):
        raise InvalidInputError(f"The {role} names a node twice: {out}.")
    return out


def _edges_from_input(graph: Any) -> tuple[list[Any], list[MarkedEdge]]:
    """Read nodes and marked edges (multi-edges allowed) from any accepted graph input."""
    if isinstance(graph, CausalGraph):
        return graph.nodes, [MarkedEdge(e.u, e.v, e.mark_u, e.mark_v) for e in graph.edges()]
    if isinstance(graph, nx.DiGraph):
        edges: list[MarkedEdge] = []
        seen: set[frozenset] = set()
        for u, v, d in graph.edges(data=True):
            if "kind" in d and d["kind"] != "-->":  # CausalGraph.to_networkx() encoding
                key = frozenset((u, v))
                if key in seen:
                    continue
                seen.add(key)
                pe = parse_edge(f"{u} {d['kind']} {v}")
                edges.append(MarkedEdge(u, v, pe.mark_u, pe.mark_v))
            else:
                edges.append(MarkedEdge(u, v, TAIL, ARROW))
        return list(graph.nodes), edges
    if isinstance(graph, str):
        pieces = [p.strip() for p in graph.replace("\n", ";").split(";") if p.strip()]
        try:
            parsed = [parse_edge(p) for p in pieces]
        except InvalidInputError:
            parsed = None
        if parsed is None or not parsed:
            try:  # another format (DOT, ...) if the graphs package can parse it
                from causalkit.graphs import parse_graph  # type: ignore[attr-defined]
            except ImportError:
                raise InvalidInputError(
                    f"Cannot read the graph {graph[:60]!r}: write edges as 'A --> B; B <-> C' "
                    "(separated by ';' or new lines)."
                ) from None
            return _edges_from_input(parse_graph(graph))
        nodes: list[Any] = []
        for e in parsed:
            nodes += [e.u, e.v]
        return list(dict.fromkeys(nodes)), [
            MarkedEdge(e.u, e.v, e.mark_u, e.mark_v) for e in parsed
        ]
    if isinstance(graph, (list, tuple)):
        nodes, edges = [], []
        for item in graph:
            u, v, kind = CausalGraph._coerce_edge(item)
            pe = parse_edge(f"a {kind} b")
            edges.append(MarkedEdge(u, v, pe.mark_u, pe.mark_v))
            nodes += [u, v]
        return list(dict.fromkeys(nodes)), edges
    try:
        from causalkit.graphs import parse_graph  # type: ignore[attr-defined]
    except ImportError:
        parse_graph = None
    if parse_graph is not None:
        return _edges_from_input(parse_graph(graph))
    raise InvalidInputError(
        f"`graph` must be a CausalGraph, a networkx DiGraph, a list of edges like 'A --> B' or such a "
        f"string; got {type(graph).__name__}."
    )


def _orient_without_colliders(
    nodes: Iterable[Any], undirected: list[tuple[Any, Any]]
) -> list[tuple[Any, Any]]:
    """Orient a chordal undirected graph acyclically without v-structures (maximum cardinality search)."""
    h = nx.Graph()
    h.add_nodes_from(nodes)
    h.add_edges_from(undirected)
    number: dict[Any, int] = {}
    weight = {n: 0 for n in h.nodes}
    order = sorted(h.nodes, key=str)
    while len(number) < len(order):
        n = max((m for m in order if m not in number), key=lambda m: weight[m])
        number[n] = len(number)
        for m in h.neighbors(n):
            if m not in number:
                weight[m] += 1
    return [(u, v) if number[u] < number[v] else (v, u) for u, v in undirected]


def build_model(graph: Any, latent: Iterable[Any] | None = None) -> Model:
    """Validate ``graph`` and turn it into a :class:`Model`.

    Raises
    ------
    GraphError
        A directed cycle (shown), two edges of a CPDAG/PAG between the same pair, undirected and
        bidirected edges mixed, or selection (tail-tail) edges in a PAG.
    UnknownNodeError
        A declared latent node that is not in the graph.
    """
    nodes, edges = _edges_from_input(graph)
    latent = as_list(latent)
    for n in latent:
        if n not in nodes:
            raise UnknownNodeError(f"The latent node {n!r} is not in the graph.")
    marks = {(e.mu, e.mv) for e in edges} | {(e.mv, e.mu) for e in edges}
    has_circle = any(CIRCLE in m for m in marks)
    has_undirected = (TAIL, TAIL) in marks
    has_bidirected = (ARROW, ARROW) in marks
    kind = (
        "pag"
        if has_circle
        else "cpdag"
        if has_undirected
        else "admg"
        if (has_bidirected or latent)
        else "dag"
    )
    if kind == "cpdag" and has_bidirected:
        raise GraphError(
            "The graph mixes undirected (---) and bidirected (<->) edges; identification supports DAGs, "
            "ADMGs (with <->), CPDAGs (with ---) and PAGs (with circle marks)."
        )
    if kind == "pag" and has_undirected:
        raise GraphError("PAGs with undirected (selection-bias) edges --- are not supported.")
    if kind in ("cpdag", "pag"):
        if latent:
            raise GraphError(
                "`latent` cannot be combined with a CPDAG or PAG; the class already allows for them."
            )
        pairs = [frozenset((e.u, e.v)) for e in edges]
        dup = [p for p in set(pairs) if pairs.count(p) > 1]
        if dup:
            a, b = sorted(dup[0], key=str)
            raise GraphError(
                f"A {kind.upper()} has at most one edge between two nodes; {a!r} and {b!r} have several."
            )
    # orient into one member of the class (CPDAG: a DAG; PAG: a MAG, Zhang 2008)
    directed, bidirected, to_orient = [], [], []
    for e in edges:
        m = (e.mu, e.mv)
        if m == (TAIL, ARROW) or m == (CIRCLE, ARROW) or m == (TAIL, CIRCLE):
            directed.append((e.u, e.v))
        elif m == (ARROW, TAIL) or m == (ARROW, CIRCLE) or m == (CIRCLE, TAIL):
            directed.append((e.v, e.u))
        elif m == (ARROW, ARROW):
            bidirected.append((e.u, e.v))
        else:  # --- or o-o
            to_orient.append((e.u, e.v))
    directed += _orient_without_colliders(nodes, to_orient) if to_orient else []
    dag = nx.DiGraph()
    dag.add_nodes_from(nodes)
    dag.add_edges_from(directed)
    try:
        cyc = nx.find_cycle(dag)
    except nx.NetworkXNoCycle:
        cyc = None
    if cyc:
        shown = " --> ".join(map(str, [u for u, _ in cyc] + [cyc[0][0]]))
        raise GraphError(
            f"The graph has a directed cycle: {shown}. Causal identification needs an acyclic graph."
        )
    for u, v in bidirected:
        dag.add_edge(Latent(u, v), u)
        dag.add_edge(Latent(u, v), v)
    observed = tuple(n for n in nodes if n not in set(latent))
    return Model(
        kind=kind, observed=observed, dag=dag, marked=edges if kind in ("cpdag", "pag") else []
    )


def check_query(
    model: Model, treatment: Any, outcome: Any, *, single: bool = False
) -> tuple[list[Any], list[Any]]:
    """Validate treatment/outcome names against ``model``; return them as lists."""
    xs, ys = node_list(treatment, "treatment"), node_list(outcome, "outcome")
    if single and (len(xs) > 1 or len(ys) > 1):
        raise InvalidInputError("This criterion takes one treatment and one outcome node.")
    obs = set(model.observed)
    for role, names in (("treatment", xs), ("outcome", ys)):
        for n in names:
            if n not in model.dag:
                shown = ", ".join(map(str, model.observed[:20]))
                raise UnknownNodeError(
                    f"The {role} {n!r} is not a node of the graph. Nodes: {shown}."
                )
            if n not in obs:
                raise InvalidInputError(
                    f"The {role} {n!r} is declared latent; it must be observed."
                )
    both = set(xs) & set(ys)
    if both:
        raise InvalidInputError(
            f"{sorted(both, key=str)[0]!r} is both the treatment and the outcome."
        )
    return xs, ys


# ------------------------------------------------------------------------------------ d-separation & paths
def d_connected_nodes(
    dag: nx.DiGraph, x: Iterable[Any], z: Iterable[Any] = (), cut_out: Iterable[Any] = ()
) -> set[Any]:
    """Nodes d-connected to ``x`` given ``z`` (Bayes-ball reachability, linear in the graph size).

    ``cut_out`` nodes have their outgoing edges ignored (the graph with those edges removed), without
    copying the graph. Nodes of ``x`` are included; nodes of ``z`` are not.
    """
    x, z, cut = set(x), set(z) - set(x), set(cut_out)
    anc = set(z)
    stack = list(z)
    while stack:
        for p in dag.predecessors(stack.pop()):
            if p not in anc and p not in cut:
                anc.add(p)
                stack.append(p)
    # states: (node, True) reached from a child (moving up), (node, False) reached from a parent
    seen: set[tuple[Any, bool]] = set()
    todo = [(n, True) for n in x]
    while todo:
        state = todo.pop()
        if state in seen:
            continue
        seen.add(state)
        n, up = state
        if n not in z:
            if n not in cut:
                todo.extend((c, False) for c in dag.successors(n))
            if up:
                todo.extend((p, True) for p in dag.predecessors(n) if p not in cut)
        if not up and n in anc:  # an open collider: go back up to the parents
            todo.extend((p, True) for p in dag.predecessors(n) if p not in cut)
    return {n for n, _ in seen if n not in z}


def d_separated(
    dag: nx.DiGraph,
    x: Iterable[Any],
    y: Iterable[Any],
    z: Iterable[Any],
    cut_out: Iterable[Any] = (),
) -> bool:
    """d-separation of ``x`` and ``y`` given ``z`` in ``dag`` (m-separation in the ADMG it encodes).

    ``cut_out`` nodes have their outgoing edges ignored; see :func:`d_connected_nodes`.
    """
    x, y = set(x), set(y)
    if x & y:
        return False
    return not (d_connected_nodes(dag, x, set(z) - y, cut_out) & y)


def format_path(dag: nx.DiGraph, path: list[Any]) -> str:
    """Write a path of ``dag`` like ``"X <- Z -> Y"``; latent parents of ``<->`` edges print as ``<->``."""
    out = [str(path[0])]
    i = 0
    while i < len(path) - 1:
        a, b = path[i], path[i + 1]
        if isinstance(b, Latent) and i + 2 < len(path):
            out.append(f" <-> {path[i + 2]}")
            i += 2
            continue
        out.append(f" -> {b}" if dag.has_edge(a, b) else f" <- {b}")
        i += 1
    return "".join(out)


def open_paths(
    dag: nx.DiGraph,
    x: Any,
    y: Any,
    z: Iterable[Any] = (),
    *,
    limit: int = 3,
    max_checked: int = 2000,
) -> list[list[Any]]:
    """Up to ``limit`` shortest paths between ``x`` and ``y`` that are d-connecting given ``z``."""
    z = set(z)
    anz = set(z)
    for n in z:
        anz |= nx.ancestors(dag, n)
    skel = dag.to_undirected(as_view=True)
    found: list[list[Any]] = []
    try:
        gen = nx.shortest_simple_paths(skel, x, y)
        for path in itertools.islice(gen, max_checked):
            if _is_open(dag, path, z, anz):
                found.append(path)
                if len(found) >= limit:
                    break
    except nx.NetworkXNoPath:
        pass
    return found


def _is_open(dag: nx.DiGraph, path: list[Any], z: set[Any], anz: set[Any]) -> bool:
    for a, b, c in zip(path, path[1:], path[2:], strict=False):
        collider = dag.has_edge(a, b) and dag.has_edge(c, b)
        if collider and b not in anz:
            return False
        if not collider and b in z:
            return False
    return True


def directed_path(dag: nx.DiGraph, x: Any, y: Any, avoid: Iterable[Any] = ()) -> list[Any] | None:
    """A shortest directed path from ``x`` to ``y`` not entering ``avoid``, or None."""
    sub = dag.subgraph([n for n in dag.nodes if n not in set(avoid) or n in (x, y)])
    try:
        return nx.shortest_path(sub, x, y)
    except nx.NetworkXNoPath:
        return None


def fmt_set(nodes: Iterable[Any]) -> str:
    """``{A, B}`` with names sorted."""
    return "{" + ", ".join(map(str, sorted(nodes, key=str))) + "}"


def sorted_tuple(nodes: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(sorted(set(nodes), key=str))


def projection(model: Model) -> tuple[nx.DiGraph, set[frozenset]]:
    """The latent projection of ``model.dag`` onto the observed nodes: ``(directed, bidirected)``.

    ``u --> v`` when ``dag`` has a directed path from ``u`` to ``v`` whose inner nodes are all latent;
    ``u <-> v`` when some latent node reaches both through latent-only directed paths.
    """
    dag, obs = model.dag, set(model.observed)

    def reach(start: Any) -> set[Any]:
        out, seen, stack = set(), set(), list(dag.successors(start))
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in obs:
                out.add(n)
            else:
                stack.extend(dag.successors(n))
        return out

    directed = nx.DiGraph()
    directed.add_nodes_from(model.observed)
    for u in model.observed:
        directed.add_edges_from((u, v) for v in reach(u))
    bidirected: set[frozenset] = set()
    for lat in model.latent:
        r = sorted(reach(lat), key=str)
        bidirected.update(frozenset(p) for p in itertools.combinations(r, 2))
    return directed, bidirected
