"""Small DAGs as bitmasks: d-separation, independence models, pair relations, DAG extensions.

Everything here works on node *indices* ``0..n-1`` with Python ints as bit sets, which keeps the
thousands of small-graph queries of the benchmarks fast (a d-separation test is a few bit
operations). Nothing here is public; :mod:`causalkit.reasoning` validates input and converts
:class:`~causalkit.graphs.CausalGraph` objects through :func:`bitdag_from_graph`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from causalkit.exceptions import GraphError
from causalkit.graphs import CausalGraph

__all__ = [
    "BitDAG",
    "bitdag_from_graph",
    "bits",
    "mask",
    "RELATION_NAMES",
    "extend_pdag",
]

#: Relation names in the order of :meth:`BitDAG.relations` planes.
RELATION_NAMES = ("parent", "child", "ancestor", "descendant", "collider", "confounder")


def mask(indices: Iterable[int]) -> int:
    """The bit set of ``indices``."""
    out = 0
    for i in indices:
        out |= 1 << i
    return out


def bits(m: int) -> list[int]:
    """The indices in bit set ``m``, ascending."""
    out = []
    while m:
        low = m & -m
        out.append(low.bit_length() - 1)
        m ^= low
    return out


@dataclass(frozen=True)
class BitDAG:
    """A DAG over ``n`` nodes given by the parent bit set of each node (``pa[i]``)."""

    pa: tuple[int, ...]

    @property
    def n(self) -> int:
        return len(self.pa)

    @cached_property
    def ch(self) -> tuple[int, ...]:
        out = [0] * self.n
        for v, p in enumerate(self.pa):
            for u in bits(p):
                out[u] |= 1 << v
        return tuple(out)

    @cached_property
    def order(self) -> tuple[int, ...]:
        """A topological order (raises GraphError on a cycle)."""
        indeg = [bin(p).count("1") for p in self.pa]
        ready = [i for i in range(self.n) if indeg[i] == 0]
        out: list[int] = []
        while ready:
            u = ready.pop()
            out.append(u)
            for v in bits(self.ch[u]):
                indeg[v] -= 1
                if indeg[v] == 0:
                    ready.append(v)
        if len(out) != self.n:
            raise GraphError("The graph has a directed cycle; a DAG is needed here.")
        return tuple(out)

    @cached_property
    def an(self) -> tuple[int, ...]:
        """Proper ancestors of each node."""
        out = [0] * self.n
        for v in self.order:
            for u in bits(self.pa[v]):
                out[v] |= out[u] | (1 << u)
        return tuple(out)

    @cached_property
    def de(self) -> tuple[int, ...]:
        """Proper descendants of each node."""
        out = [0] * self.n
        for v in reversed(self.order):
            for w in bits(self.ch[v]):
                out[v] |= out[w] | (1 << w)
        return tuple(out)

    # ------------------------------------------------------------------ reachability
    def reach_down(self, start: int, avoid: int) -> int:
        """Proper descendants of ``start`` reachable by directed paths that avoid the set ``avoid``."""
        seen, frontier = 0, self.ch[start] & ~avoid
        while frontier:
            seen |= frontier
            nxt = 0
            for w in bits(frontier):
                nxt |= self.ch[w]
            frontier = nxt & ~avoid & ~seen
        return seen

    def reach_up(self, start: int, avoid: int) -> int:
        """Proper ancestors of ``start`` that reach it by directed paths avoiding the set ``avoid``."""
        seen, frontier = 0, self.pa[start] & ~avoid
        while frontier:
            seen |= frontier
            nxt = 0
            for w in bits(frontier):
                nxt |= self.pa[w]
            frontier = nxt & ~avoid & ~seen
        return seen

    # ------------------------------------------------------------------ d-separation
    def d_separated(self, x: int, y: int, z: int) -> bool:
        """Whether ``x`` and ``y`` are d-separated given the bit set ``z`` (moral ancestral graph)."""
        keep = (1 << x) | (1 << y) | z
        anc = keep
        for v in bits(keep):
            anc |= self.an[v]
        # moralise the ancestral graph, drop z, test connectivity of x and y
        nbr: dict[int, int] = {}
        for v in bits(anc):
            p = self.pa[v] & anc
            nbr[v] = nbr.get(v, 0) | p
            for u in bits(p):
                nbr[u] = nbr.get(u, 0) | (1 << v) | (p & ~(1 << u))
        seen, frontier = 1 << x, 1 << x
        while frontier:
            nxt = 0
            for v in bits(frontier):
                nxt |= nbr.get(v, 0)
            nxt &= ~z & ~seen
            if nxt >> y & 1:
                return False
            seen |= nxt
            frontier = nxt
        return True

    def independence_model(self) -> frozenset[tuple[int, int, int]]:
        """All ``(x, y, S)`` with ``x < y`` and ``x _||_ y | S`` (``S`` a bit set of other nodes)."""
        out = []
        full = (1 << self.n) - 1
        for x, y in itertools.combinations(range(self.n), 2):
            if (self.pa[y] >> x) & 1 or (self.pa[x] >> y) & 1:
                continue
            others = bits(full & ~(1 << x) & ~(1 << y))
            for k in range(len(others) + 1):
                for combo in itertools.combinations(others, k):
                    s = mask(combo)
                    if self.d_separated(x, y, s):
                        out.append((x, y, s))
        return frozenset(out)

    # ------------------------------------------------------------------ pair relations
    def relations(self, semantics: str = "standard") -> tuple[tuple[int, ...], ...]:
        """Bit-set planes ``R[k][x]`` = the nodes ``y`` with relation ``RELATION_NAMES[k](x, y)``.

        ``parent(x, y)``: ``x --> y``. ``ancestor(x, y)``: a directed path ``x --> ... --> y`` with at
        least one node in between. ``collider(x, y)``: a common effect ``c`` reached from ``x`` and
        from ``y`` by directed paths that share only ``c``. ``confounder(x, y)``: a common cause ``c``
        with directed paths to ``x`` and ``y`` that share only ``c``. ``child`` and ``descendant``
        are the reverses. With ``semantics="corr2cause"``, ``confounder(x, y)`` for ``x`` before ``y``
        in node order needs a common cause that is a *parent* of ``y`` (the rule of Corr2Cause's
        released generator, ``code/data_gen.cpp``); the relation is then no longer symmetric.
        """
        cache = self.__dict__.setdefault("_relations_cache", {})
        if semantics not in cache:
            cache[semantics] = self._relations(semantics)
        return cache[semantics]

    def _relations(self, semantics: str) -> tuple[tuple[int, ...], ...]:
        n = self.n
        parent = [self.ch[x] for x in range(n)]
        child = [self.pa[x] for x in range(n)]
        anc = [0] * n
        for x in range(n):
            for c in bits(self.ch[x]):
                anc[x] |= self.de[c]
        desc = [0] * n
        for x in range(n):
            for y in bits(anc[x]):
                desc[y] |= 1 << x
        coll = [0] * n
        conf = [0] * n
        for x, y in itertools.combinations(range(n), 2):
            bx, by = 1 << x, 1 << y
            ends = bx | by
            if self.reach_down(x, by) & self.reach_down(y, bx) & ~ends:
                coll[x] |= by
                coll[y] |= bx
            up_x = self.reach_up(x, by) & ~ends  # common-cause candidates reaching x while avoiding y
            if semantics == "corr2cause":
                if up_x & self.pa[y]:
                    conf[x] |= by
                if self.reach_up(y, bx) & ~ends & self.pa[x]:
                    conf[y] |= bx
            elif up_x & self.reach_up(y, bx):
                conf[x] |= by
                conf[y] |= bx
        return tuple(tuple(r) for r in (parent, child, anc, desc, coll, conf))


def bitdag_from_graph(graph: CausalGraph, order: Sequence[str] | None = None) -> BitDAG:
    """The :class:`BitDAG` of a DAG, with nodes indexed by ``order`` (default: the graph's order)."""
    names = list(order) if order is not None else graph.nodes
    index = {v: i for i, v in enumerate(names)}
    pa = [0] * len(names)
    for e in graph.edges():
        if e.kind != "-->":
            raise GraphError(f"Expected a DAG; edge '{e}' is not directed.")
        pa[index[e.v]] |= 1 << index[e.u]
    dag = BitDAG(tuple(pa))
    dag.order  # noqa: B018 - raises on a cycle
    return dag


def extend_pdag(graph: CausalGraph) -> CausalGraph | None:
    """One DAG in the class of a PDAG (Dor & Tarsi 1992), or None if it has no consistent extension.

    Repeatedly removes a node that has no outgoing directed edge and whose undirected neighbours
    are adjacent to all of its other neighbours, orienting its undirected edges towards it.
    """
    nodes = graph.nodes
    out_dir: dict[str, set] = {v: set() for v in nodes}
    in_dir: dict[str, set] = {v: set() for v in nodes}
    undirected: dict[str, set] = {v: set() for v in nodes}
    for e in graph.edges():
        if e.kind == "-->":
            out_dir[e.u].add(e.v)
            in_dir[e.v].add(e.u)
        elif e.kind == "---":
            undirected[e.u].add(e.v)
            undirected[e.v].add(e.u)
        else:
            return None
    result = CausalGraph(nodes=nodes)
    for e in graph.edges("-->"):
        result.add_edge(e.u, e.v)
    alive = set(nodes)

    def adjacent(a: str, b: str) -> bool:
        return b in out_dir[a] or b in in_dir[a] or b in undirected[a]

    while alive:
        pick = None
        for v in nodes:
            if v not in alive or out_dir[v]:
                continue
            nbrs = undirected[v]
            adj = nbrs | in_dir[v]
            if all(adjacent(u, w) for u in nbrs for w in adj if w != u):
                pick = v
                break
        if pick is None:
            return None
        for u in undirected[pick]:
            result.add_edge(u, pick)
            undirected[u].discard(pick)
        for u in in_dir[pick]:
            out_dir[u].discard(pick)
        alive.discard(pick)
        undirected[pick] = set()
        in_dir[pick] = set()
    return result
