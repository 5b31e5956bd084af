"""Edge orientation for PC on plain matrices, step for step as causal-learn does it.

causal-learn orients on a ``GeneralGraph``: an endpoint matrix ``graph`` (``graph[i, j]`` is the mark
at ``i``'s end of the edge ``i - j``: ``-1`` tail, ``1`` arrowhead, ``0`` no edge) plus an
"ancestor" matrix ``dpath`` that its Meek rules consult to avoid cycles. Its ``dpath`` is not a
full transitive closure: adding ``i --> j`` gives ``j`` the recorded ancestors of ``i`` and gives
every recorded descendant of ``j`` the node ``i`` only; removing a directed edge rebuilds it from
the remaining directed edges in a fixed order. The result of orientation can depend on these
details (and on the order in which triples are visited), so :class:`EndpointGraph` replicates
them, lazily: ``dpath`` is materialised only when a Meek rule asks for it.

The order of unshielded triples, triangles and kites is causal-learn's (``CausalGraph.find_adj``:
tail entries of the matrix in row-major order, then arrowhead entries; pairs of those in
``itertools.permutations`` order), produced here with vectorised joins instead of a Python loop
over all pairs of adjacencies.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EndpointGraph",
    "unshielded_triples",
    "triangles",
    "kites",
    "orient_by_knowledge",
    "meek",
    "definite_meek",
]

TAIL, ARROW = -1, 1


class EndpointGraph:
    """causal-learn's endpoint matrix and ``dpath`` over integer nodes.

    Parameters
    ----------
    adjacency : numpy.ndarray
        ``(n, n)`` symmetric bool skeleton; every edge starts undirected.
    """

    def __init__(self, adjacency: np.ndarray):
        self.n = int(adjacency.shape[0])
        self.g: list[list[int]] = np.where(adjacency, TAIL, 0).tolist()
        self._directed: set[tuple[int, int]] = set()
        self._dpath: np.ndarray | None = None
        self._base: list[tuple[int, int]] | None = None  # directed edges at the last rebuild
        self._pending: list[tuple[int, int]] = []  # edges added since, in order

    # ------------------------------------------------------------------ queries
    def matrix(self) -> np.ndarray:
        """The endpoint matrix as an ``int8`` array (causal-learn's ``G.graph``)."""
        return np.array(self.g, dtype=np.int8).reshape(self.n, self.n)

    def is_directed(self, i: int, j: int) -> bool:
        """``i --> j``."""
        return self.g[i][j] == TAIL and self.g[j][i] == ARROW

    def is_undirected(self, i: int, j: int) -> bool:
        """``i --- j``."""
        return self.g[i][j] == TAIL and self.g[j][i] == TAIL

    def is_ancestor(self, a: int, b: int) -> bool:
        """causal-learn's ``G.is_ancestor_of(a, b)`` (its recorded ``dpath``, not the true closure)."""
        return bool(self._materialise()[b, a])

    # ------------------------------------------------------------------ edits
    def remove(self, i: int, j: int) -> None:
        """Remove the edge between ``i`` and ``j`` (rebuilding ``dpath`` if it was directed)."""
        g = self.g
        was_directed = (g[i][j] == TAIL and g[j][i] == ARROW) or (g[j][i] == TAIL and g[i][j] == ARROW)
        g[i][j] = g[j][i] = 0
        if was_directed:
            self._directed.discard((i, j))
            self._directed.discard((j, i))
            self._dpath = None
            self._base = list(self._directed)
            self._pending = []

    def add_directed(self, i: int, j: int) -> None:
        """Add ``i --> j`` (the pair must be unconnected, as after :meth:`remove`)."""
        self.g[j][i] = ARROW
        self.g[i][j] = TAIL
        self._directed.add((i, j))
        if self._dpath is None:
            self._pending.append((i, j))
        else:
            self._adjust(self._dpath, i, j)

    def add_bidirected(self, i: int, j: int) -> None:
        """Add ``i <-> j`` (no effect on ``dpath``)."""
        self.g[i][j] = self.g[j][i] = ARROW

    def orient(self, i: int, j: int) -> None:
        """Replace the edge between ``i`` and ``j`` by ``i --> j``."""
        self.remove(i, j)
        self.add_directed(i, j)

    # ------------------------------------------------------------------ dpath
    @staticmethod
    def _adjust(d: np.ndarray, i: int, j: int) -> None:
        # GeneralGraph.adjust_dpath(i, j): row j |= row i; column i |= column j
        d[j] |= d[i]
        d[:, i] |= d[:, j]

    def _materialise(self) -> np.ndarray:
        if self._dpath is None:
            d = np.eye(self.n, dtype=bool)
            if self._base:
                # reconstitute_dpath pops get_graph_edges() (pairs i < j in order) from the end
                for a, b in sorted(self._base, key=lambda e: (min(e), max(e)), reverse=True):
                    self._adjust(d, a, b)
            for a, b in self._pending:
                self._adjust(d, a, b)
            self._dpath, self._base, self._pending = d, None, []
        return self._dpath


# ---------------------------------------------------------------------- enumerations
def _join(outer: np.ndarray, inner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ``(p, q)`` with ``outer[p] == inner[q]``, ordered by ``p`` then ``q``."""
    order = np.argsort(inner, kind="stable")
    keys = inner[order]
    lo = np.searchsorted(keys, outer, "left")
    cnt = np.searchsorted(keys, outer, "right") - lo
    total = int(cnt.sum())
    p = np.repeat(np.arange(len(outer)), cnt)
    start = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    return p, order[start + np.arange(total)]


def _adjacencies(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """causal-learn's ``find_adj()`` as two arrays (tails first, then arrowheads)."""
    tr, tc = np.nonzero(g == TAIL)
    ar, ac = np.nonzero(g == ARROW)
    return np.concatenate([tc, ac]), np.concatenate([tr, ar])


def _chains(g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a0, a1 = _adjacencies(g)
    p, q = _join(a1, a0)
    i, j, k = a0[p], a1[p], a1[q]
    keep = i != k
    return i[keep], j[keep], k[keep]


def unshielded_triples(g: np.ndarray) -> list[tuple[int, int, int]]:
    """``find_unshielded_triples()``: ``(i, j, k)`` with ``i - j - k`` and ``i``, ``k`` not adjacent."""
    i, j, k = _chains(g)
    keep = g[i, k] == 0
    return list(zip(i[keep].tolist(), j[keep].tolist(), k[keep].tolist(), strict=True))


def triangles(g: np.ndarray) -> list[tuple[int, int, int]]:
    """``find_triangles()``: ``(i, j, k)`` with ``i - j - k - i``."""
    i, j, k = _chains(g)
    keep = np.isin(g[k, i], (TAIL, ARROW))
    return list(zip(i[keep].tolist(), j[keep].tolist(), k[keep].tolist(), strict=True))


def kites(g: np.ndarray, tri: list[tuple[int, int, int]]) -> list[tuple[int, int, int, int]]:
    """``find_kites()``: ``(i, j, k, l)`` from two triangles ``(i, j, l)``, ``(i, k, l)``, ``j < k`` not adjacent."""
    if not tri:
        return []
    t = np.array(tri, dtype=np.intp)
    key = t[:, 0] * g.shape[0] + t[:, 2]
    p, q = _join(key, key)
    keep = t[p, 1] < t[q, 1]
    p, q = p[keep], q[keep]
    keep = g[t[p, 1], t[q, 1]] == 0
    p, q = p[keep], q[keep]
    return list(zip(t[p, 0].tolist(), t[p, 1].tolist(), t[q, 1].tolist(), t[p, 2].tolist(), strict=True))


# ---------------------------------------------------------------------- knowledge
def orient_by_knowledge(G: EndpointGraph, forbidden: np.ndarray, required: np.ndarray) -> None:
    """``orient_by_background_knowledge``: orient skeleton edges that knowledge decides."""
    ii, jj = np.nonzero(np.triu(np.array(G.g) != 0, 1))
    for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
        if not G.is_undirected(i, j):
            continue
        if forbidden[j, i]:
            G.orient(i, j)
        elif forbidden[i, j]:
            G.orient(j, i)
        elif required[j, i]:
            G.orient(j, i)
        elif required[i, j]:
            G.orient(i, j)


def _blocked(F: list | None, R: list | None, a: int, b: int) -> bool:
    """Knowledge forbids ``a --> b`` or requires ``b --> a``."""
    return F is not None and (F[a][b] or R[b][a])


# ---------------------------------------------------------------------- Meek
def _rule2(G: EndpointGraph, tri: list, F: list | None, R: list | None) -> bool:
    changed = False
    for i, j, k in tri:
        if G.is_directed(i, j) and G.is_directed(j, k) and G.is_undirected(i, k):
            if _blocked(F, R, i, k) or G.is_ancestor(k, i):
                continue
            G.orient(i, k)
            changed = True
    return changed


def meek(G: EndpointGraph, forbidden: np.ndarray | None = None, required: np.ndarray | None = None) -> None:
    """``Meek.meek``: rules 1-3 over fixed lists of triples, triangles and kites, until nothing changes."""
    F = forbidden.tolist() if forbidden is not None else None
    R = required.tolist() if required is not None else None
    m = G.matrix()
    ut = unshielded_triples(m)
    tri = triangles(m)
    kite = kites(m, tri)
    g = G.g
    loop = True
    while loop:
        loop = False
        for i, j, k in ut:
            if g[i][j] == TAIL and g[j][i] == ARROW and g[j][k] == TAIL and g[k][j] == TAIL:
                if _blocked(F, R, j, k) or G.is_ancestor(k, j):
                    continue
                G.orient(j, k)
                loop = True
        loop = _rule2(G, tri, F, R) or loop
        for i, j, k, leaf in kite:
            if (
                G.is_undirected(i, j)
                and G.is_undirected(i, k)
                and G.is_directed(j, leaf)
                and G.is_directed(k, leaf)
                and G.is_undirected(i, leaf)
            ):
                if _blocked(F, R, i, leaf) or G.is_ancestor(leaf, i):
                    continue
                G.orient(i, leaf)
                loop = True


def definite_meek(
    G: EndpointGraph,
    definite_uc: list[tuple[int, int, int]],
    definite_non_uc: list[tuple[int, int, int]],
    forbidden: np.ndarray | None = None,
    required: np.ndarray | None = None,
) -> None:
    """``Meek.definite_meek``: Meek rules over the definite (non-)colliders of definite-MaxP."""
    F = forbidden.tolist() if forbidden is not None else None
    R = required.tolist() if required is not None else None
    m = G.matrix()
    tri = triangles(m)
    kite = kites(m, tri)
    uc, nuc = set(definite_uc), set(definite_non_uc)
    loop = True
    while loop:
        loop = False
        for i, j, k in definite_non_uc:
            if G.is_directed(i, j) and G.is_undirected(j, k) and not _blocked(F, R, j, k):
                if G.is_ancestor(k, j):
                    continue
                G.orient(j, k)
                loop = True
            elif G.is_directed(k, j) and G.is_undirected(j, i) and not _blocked(F, R, j, i):
                if G.is_ancestor(i, j):
                    continue
                G.orient(j, i)
                loop = True
        loop = _rule2(G, tri, F, R) or loop
        for i, j, k, leaf in kite:
            if (
                ((j, leaf, k) in uc or (k, leaf, j) in uc)
                and ((j, i, k) in nuc or (k, i, j) in nuc)
                and G.is_undirected(i, leaf)
            ):
                if _blocked(F, R, i, leaf) or G.is_ancestor(leaf, i):
                    continue
                G.orient(i, leaf)
                loop = True
