"""d-separation in DAGs and m-separation in ADMGs, and the conditional independencies a graph implies.

Both reduce to networkx's d-separation: an ADMG is turned into a DAG by replacing each bidirected
edge ``u <-> v`` with a latent common parent ``L -> u, L -> v``; m-separation in the ADMG is
d-separation of the observed nodes in that DAG.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, NamedTuple

import networkx as nx

from causalkit._validation import check_positive_int
from causalkit.exceptions import GraphError, InvalidInputError
from causalkit.graphs._graph import CausalGraph
from causalkit.graphs.io import parse_graph

__all__ = ["d_separated", "independencies", "Independence"]


class _Latent(tuple):
    """A latent node standing for a bidirected edge; a tuple subclass cannot clash with node names."""


class Independence(NamedTuple):
    """An implied conditional independence ``x _||_ y | given``."""

    x: str
    y: str
    given: tuple[str, ...]

    def __str__(self) -> str:
        cond = f" | {', '.join(map(str, self.given))}" if self.given else ""
        return f"{self.x} _||_ {self.y}{cond}"


def _as_dag(graph: CausalGraph) -> nx.DiGraph:
    """The DAG that represents ``graph`` for d-separation (bidirected edges become latent parents)."""
    d = nx.DiGraph()
    d.add_nodes_from(graph.nodes)
    other = []
    for e in graph.edges():
        if e.kind == "-->":
            d.add_edge(e.u, e.v)
        elif e.kind == "<->":
            lat = _Latent((e.u, e.v))
            d.add_edge(lat, e.u)
            d.add_edge(lat, e.v)
        else:
            other.append(e)
    if other:
        circle = any("o" in e.kind for e in other)
        raise GraphError(
            f"d-separation needs a DAG or ADMG, but this graph is a {'PAG' if circle else 'CPDAG'} "
            f"(edge '{other[0]}'). Orient the graph, or enumerate the DAGs of a CPDAG with "
            "causalkit.graphs.enumerate_dags and test each."
        )
    if not nx.is_directed_acyclic_graph(d):
        cycle = [u for u, _ in nx.find_cycle(d)]
        raise GraphError(
            "d-separation needs a DAG or ADMG, but the graph has a directed cycle: "
            + " --> ".join(map(str, [*cycle, cycle[0]])) + "."
        )
    return d


def _node_set(graph: CausalGraph, nodes: Any) -> set:
    if nodes is None:
        return set()
    items = [nodes] if isinstance(nodes, str) or not isinstance(nodes, Iterable) else list(nodes)
    graph.check_nodes(items)
    return set(items)


def d_separated(graph: Any, x: Any, y: Any, z: Any = ()) -> bool:
    """Whether ``x`` and ``y`` are d-separated (m-separated in an ADMG) given ``z``.

    Parameters
    ----------
    graph : CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
        A DAG, or an ADMG (directed and bidirected edges).
    x, y : str or iterable of str
        The two node sets (a single name is a set of one).
    z : str or iterable of str
        The conditioning set (default empty).

    Returns
    -------
    bool
        True when every path between ``x`` and ``y`` is blocked by ``z``.

    Raises
    ------
    UnknownNodeError
        For a node not in the graph.
    InvalidInputError
        When ``x`` or ``y`` is empty or the sets overlap.
    GraphError
        For a CPDAG, PAG or cyclic graph: d-separation needs a DAG or ADMG.

    Examples
    --------
    >>> d_separated("X -> M; M -> Y", "X", "Y", "M")
    True
    >>> d_separated("X -> C; Y -> C", "X", "Y", "C")
    False
    >>> d_separated("X <-> Y", "X", "Y")
    False
    """
    graph = parse_graph(graph)
    xs, ys, zs = _node_set(graph, x), _node_set(graph, y), _node_set(graph, z)
    if not xs or not ys:
        raise InvalidInputError("`x` and `y` must each name at least one node.")
    for a, b, na, nb in ((xs, ys, "x", "y"), (xs, zs, "x", "z"), (ys, zs, "y", "z")):
        common = a & b
        if common:
            raise InvalidInputError(
                f"Node {sorted(common, key=str)[0]!r} is in both `{na}` and `{nb}`; the three sets must be disjoint."
            )
    return bool(nx.is_d_separator(_as_dag(graph), xs, ys, zs))


def independencies(graph: Any, max_conditioning: int | None = None) -> list[Independence]:
    """List the conditional independencies the graph implies, one separating set per separable pair.

    Parameters
    ----------
    graph : CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
        A DAG or ADMG.
    max_conditioning : int, optional
        When given, search separating sets of at most this size, smallest first (exhaustive,
        exponential in this number); a pair separable only by a larger set is left out. When None,
        use networkx's polynomial search for a minimal separating set of any size.

    Returns
    -------
    list of Independence
        ``(x, y, given)`` with ``x`` before ``y`` in node order and ``given`` sorted in node order;
        for each pair of nodes that some set of observed nodes separates, one such set (minimal:
        no proper subset separates). Adjacent pairs never appear.

    Examples
    --------
    >>> [str(i) for i in independencies("X -> M; M -> Y")]
    ['X _||_ Y | M']
    """
    graph = parse_graph(graph)
    if max_conditioning is not None:
        max_conditioning = check_positive_int(max_conditioning, "max_conditioning", minimum=0)
    dag = _as_dag(graph)
    nodes = graph.nodes
    order = {n: i for i, n in enumerate(nodes)}
    out = []
    for a, b in itertools.combinations(nodes, 2):
        if graph.has_edge(a, b):
            continue
        sep: set | None
        if max_conditioning is None:
            sep = nx.find_minimal_d_separator(dag, {a}, {b}, restricted=set(nodes) - {a, b})
        else:
            sep = None
            others = [n for n in nodes if n not in (a, b)]
            for k in range(min(max_conditioning, len(others)) + 1):
                sep = next((set(c) for c in itertools.combinations(others, k)
                            if nx.is_d_separator(dag, {a}, {b}, set(c))), None)
                if sep is not None:
                    break
        if sep is not None:
            out.append(Independence(a, b, tuple(sorted(sep, key=order.__getitem__))))
    return out
