"""Markov equivalence: DAG -> CPDAG (v-structures + Meek rules), DAG -> PAG, equivalence tests and
enumeration of the DAGs in a Markov equivalence class."""

from __future__ import annotations

import contextlib
import io
import itertools
from collections.abc import Iterator
from typing import Any

import networkx as nx

from causalkit.exceptions import GraphError, InvalidInputError
from causalkit.graphs._graph import CausalGraph
from causalkit.graphs.io import from_causallearn, parse_graph

__all__ = ["dag_to_cpdag", "dag_to_pag", "is_markov_equivalent", "enumerate_dags", "v_structures", "meek_closure"]


class _PDAG:
    """Mutable partially directed graph with parent/child/undirected-neighbour sets for the Meek rules."""

    def __init__(self, nodes: list[Any]):
        self.nodes = nodes
        self.pa: dict[Any, set] = {n: set() for n in nodes}
        self.ch: dict[Any, set] = {n: set() for n in nodes}
        self.ne: dict[Any, set] = {n: set() for n in nodes}

    @classmethod
    def from_graph(cls, g: CausalGraph, purpose: str) -> _PDAG:
        if g.kind not in {"dag", "cpdag"}:
            raise GraphError(
                f"{purpose} needs a DAG or CPDAG/PDAG (directed and undirected edges only, no directed "
                f"cycle); this graph is a {g.kind.upper()}."
            )
        p = cls(g.nodes)
        for e in g.edges():
            if e.kind == "-->":
                p.pa[e.v].add(e.u)
                p.ch[e.u].add(e.v)
            else:
                p.ne[e.u].add(e.v)
                p.ne[e.v].add(e.u)
        return p

    def copy(self) -> _PDAG:
        p = _PDAG(self.nodes)
        p.pa = {k: set(v) for k, v in self.pa.items()}
        p.ch = {k: set(v) for k, v in self.ch.items()}
        p.ne = {k: set(v) for k, v in self.ne.items()}
        return p

    def adj(self, a: Any, b: Any) -> bool:
        return b in self.pa[a] or b in self.ch[a] or b in self.ne[a]

    def orient(self, a: Any, b: Any) -> None:
        self.ne[a].discard(b)
        self.ne[b].discard(a)
        self.ch[a].add(b)
        self.pa[b].add(a)

    def _implied(self, a: Any, b: Any) -> bool:
        """Whether Meek's rules R1-R4 orient the undirected edge ``a --- b`` as ``a --> b``."""
        if any(not self.adj(c, b) for c in self.pa[a]):  # R1: c --> a --- b, c and b not adjacent
            return True
        if self.ch[a] & self.pa[b]:  # R2: a --> c --> b
            return True
        cands = list(self.ne[a] & self.pa[b])  # R3: a --- c --> b, a --- d --> b, c and d not adjacent
        if any(not self.adj(c, d) for c, d in itertools.combinations(cands, 2)):
            return True
        for d in self.pa[b]:  # R4: c --> d --> b, a adjacent to c and d, c and b not adjacent
            if d != a and self.adj(a, d):
                if any(c != a and self.adj(a, c) and not self.adj(c, b) for c in self.pa[d]):
                    return True
        return False

    def meek(self) -> None:
        """Apply Meek's rules until nothing changes."""
        changed = True
        while changed:
            changed = False
            for a in self.nodes:
                for b in list(self.ne[a]):
                    if b in self.ne[a] and self._implied(a, b):
                        self.orient(a, b)
                        changed = True

    def first_undirected(self) -> tuple[Any, Any] | None:
        for a in self.nodes:
            if self.ne[a]:
                return a, next(n for n in self.nodes if n in self.ne[a])
        return None

    def v_structures(self) -> set[tuple[frozenset, Any]]:
        return {
            (frozenset((a, c)), b)
            for b in self.nodes
            for a, c in itertools.combinations(self.pa[b], 2)
            if not self.adj(a, c)
        }

    def is_acyclic(self) -> bool:
        d = nx.DiGraph()
        d.add_nodes_from(self.nodes)
        d.add_edges_from((a, b) for a in self.nodes for b in self.ch[a])
        return nx.is_directed_acyclic_graph(d)

    def to_graph(self) -> CausalGraph:
        g = CausalGraph(nodes=self.nodes)
        order = {n: i for i, n in enumerate(self.nodes)}
        for a in self.nodes:
            for b in sorted(self.ch[a], key=order.__getitem__):
                g.add_edge(a, b, "-->")
            for b in sorted(self.ne[a], key=order.__getitem__):
                if order[a] < order[b]:
                    g.add_edge(a, b, "---")
        return g


def v_structures(graph: Any) -> set[tuple[str, str, str]]:
    """The v-structures ``a --> b <-- c`` (``a``, ``c`` not adjacent) of a DAG or CPDAG.

    Returns
    -------
    set of tuple
        ``(a, b, c)`` with ``a`` before ``c`` in node order.

    Examples
    --------
    >>> v_structures("X -> C; Y -> C; C -> Z")
    {('X', 'C', 'Y')}
    """
    g = parse_graph(graph)
    p = _PDAG.from_graph(g, "v_structures")
    order = {n: i for i, n in enumerate(g.nodes)}
    out = set()
    for pair, b in p.v_structures():
        a, c = sorted(pair, key=order.__getitem__)
        out.add((a, b, c))
    return out


def meek_closure(graph: Any) -> CausalGraph:
    """Orient every undirected edge that Meek's rules R1-R4 force in a PDAG (returns a new graph).

    Examples
    --------
    >>> meek_closure("A -> B; B --- C").to_edge_list()
    ['A --> B', 'B --> C']
    """
    p = _PDAG.from_graph(parse_graph(graph), "meek_closure")
    p.meek()
    return p.to_graph()


def dag_to_cpdag(dag: Any) -> CausalGraph:
    """The CPDAG (essential graph) of a DAG's Markov equivalence class.

    Keeps the skeleton, orients the edges of v-structures, then applies Meek's rules; every other
    edge is undirected. Equal to causal-learn's ``dag2cpdag`` (checked in the tests).

    Parameters
    ----------
    dag : CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
        A DAG.

    Returns
    -------
    CausalGraph
        Directed edges are compelled (the same in every equivalent DAG); undirected ones reversible.

    Raises
    ------
    GraphError
        If the input is not a DAG.

    Examples
    --------
    >>> dag_to_cpdag("X -> Y; Y -> Z").to_edge_list()
    ['X --- Y', 'Y --- Z']
    >>> dag_to_cpdag("X -> Z; Y -> Z").to_edge_list()
    ['X --> Z', 'Y --> Z']
    """
    g = parse_graph(dag)
    g.require_dag("dag_to_cpdag")
    p = _PDAG.from_graph(g, "dag_to_cpdag")
    vs = p.v_structures()
    compelled = {(a, b) for pair, b in vs for a in pair}
    skel = _PDAG(g.nodes)
    for a in g.nodes:
        for b in p.ch[a]:
            if (a, b) in compelled:
                skel.orient(a, b)
            else:
                skel.ne[a].add(b)
                skel.ne[b].add(a)
    skel.meek()
    return skel.to_graph()


def is_markov_equivalent(g1: Any, g2: Any) -> bool:
    """Whether two DAGs (or CPDAGs) are Markov equivalent: same nodes, skeleton and v-structures.

    Examples
    --------
    >>> is_markov_equivalent("X -> Y; Y -> Z", "X <- Y; Y <- Z")
    True
    >>> is_markov_equivalent("X -> Y; Y -> Z", "X -> Y; Z -> Y")
    False
    """
    a, b = parse_graph(g1), parse_graph(g2)
    pa, pb = _PDAG.from_graph(a, "is_markov_equivalent"), _PDAG.from_graph(b, "is_markov_equivalent")
    if set(a.nodes) != set(b.nodes):
        return False
    skel_a = {frozenset((e.u, e.v)) for e in a.edges()}
    skel_b = {frozenset((e.u, e.v)) for e in b.edges()}
    return skel_a == skel_b and pa.v_structures() == pb.v_structures()


def enumerate_dags(cpdag: Any, max_dags: int | None = 10_000) -> list[CausalGraph]:
    """All DAGs in the equivalence class of a CPDAG (all consistent extensions of a PDAG).

    Each undirected edge is oriented both ways in turn, Meek's rules propagate the choice, and
    only acyclic results with the same v-structures as the input are kept.

    Parameters
    ----------
    cpdag : CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
        A CPDAG, a PDAG (e.g. a CPDAG with extra orientations from background knowledge) or a DAG
        (which gives itself).
    max_dags : int or None
        Raise :class:`GraphError` when the class holds more DAGs than this (None: no limit).

    Returns
    -------
    list of CausalGraph
        The DAGs, in a deterministic order.

    Raises
    ------
    GraphError
        When the input has no consistent extension (it is not a valid PDAG) or more than
        ``max_dags`` of them.

    Examples
    --------
    >>> len(enumerate_dags("A --- B; B --- C"))
    3
    """
    g = parse_graph(cpdag)
    if max_dags is not None and (isinstance(max_dags, bool) or not isinstance(max_dags, int) or max_dags < 1):
        raise InvalidInputError(f"`max_dags` must be a positive integer or None; got {max_dags!r}.")
    start = _PDAG.from_graph(g, "enumerate_dags")
    target = start.v_structures()
    start.meek()
    out: list[CausalGraph] = []

    def walk(p: _PDAG) -> Iterator[_PDAG]:
        edge = p.first_undirected()
        if edge is None:
            if p.v_structures() == target and p.is_acyclic():
                yield p
            return
        for a, b in (edge, edge[::-1]):
            q = p.copy()
            q.orient(a, b)
            q.meek()
            if q.is_acyclic():
                yield from walk(q)

    for dag in walk(start):
        if max_dags is not None and len(out) >= max_dags:
            raise GraphError(
                f"The equivalence class has more than max_dags={max_dags} DAGs; raise `max_dags` "
                "(or pass None) if you really need them all."
            )
        out.append(dag.to_graph())
    if not out:
        raise GraphError(
            "The graph has no consistent DAG extension: orienting its undirected edges always creates "
            "a cycle or a new v-structure. Is it a valid CPDAG/PDAG?"
        )
    return out


def dag_to_pag(dag: Any, latent: Any = ()) -> CausalGraph:
    """The PAG of a DAG whose ``latent`` nodes are unobserved (via causal-learn's ``dag2pag``).

    Parameters
    ----------
    dag : CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
    latent : iterable of str
        Nodes that are not observed; the PAG is over the others.

    Returns
    -------
    CausalGraph
        A PAG over the observed nodes (circle marks where the class is undecided).

    Examples
    --------
    >>> dag_to_pag("X -> Y; Z -> Y").to_edge_list()
    ['X o-> Y', 'Z o-> Y']
    """
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2PAG import dag2pag

    g = parse_graph(dag)
    g.require_dag("dag_to_pag")
    latent = [latent] if isinstance(latent, str) else list(latent)
    g.check_nodes(latent)
    cl_nodes = {n: GraphNode(str(n)) for n in g.nodes}
    if len({str(n) for n in g.nodes}) != len(g.nodes):
        raise InvalidInputError("dag_to_pag needs node names that stay distinct as strings.")
    cl = Dag(list(cl_nodes.values()))
    for e in g.edges():
        cl.add_directed_edge(cl_nodes[e.u], cl_nodes[e.v])
    with contextlib.redirect_stdout(io.StringIO()):  # dag2pag prints progress
        pag = from_causallearn(dag2pag(cl, islatent=[cl_nodes[n] for n in latent]))
    back = {str(n): n for n in g.nodes}
    out = CausalGraph(nodes=[n for n in g.nodes if n not in set(latent)])
    for e in pag.edges():
        out.add_edge(back[e.u], back[e.v], e.kind)
    return out
