"""PC skeleton search (adjacency phase), level by level, as causal-learn does it.

Semantics replicated from ``causallearn.utils.PCUtils.SkeletonDiscovery.skeleton_discovery``
(causal-learn 0.1.4.x):

* Levels ``depth = 0, 1, ...`` run while ``max_degree - 1 > depth`` (and ``depth <= max_depth``).
* **Stable** (PC-stable): every ordered pair ``(x, y)`` adjacent at the start of the level is tested
  with every ``S`` of size ``depth`` from ``adj(x) \\ {y}`` - both ``(x, y)`` from ``x``'s side and
  ``(y, x)`` from ``y``'s side - and causal-learn does *not* stop at the first independent ``S``:
  the edge goes when any test is independent (``p > alpha``), and the separating set it records is
  the *union* of all conditioning sets found independent at that level, from both sides. Edges
  are removed only at the end of the level. Since the outcome does not depend on the order of the
  tests, all tests of a level are run as one batch; a test shared by both sides (same
  ``{x, y}`` and ``S``) is run once, as causal-learn's cache does.
* **Unstable** (``stable=False``): edges go at once, at the first independent ``S`` in
  ``itertools.combinations`` order; ``adj(x)`` is read once per ``x`` and level.
* An edge forbidden in both directions by background knowledge is removed at level 0 with an
  empty separating set (its tests still run). Required edges are *not* protected, as in
  causal-learn; the caller reports a required edge the data removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import numpy as np

__all__ = ["SkeletonResult", "stable_skeleton", "unstable_skeleton", "Decide", "FirstIndependent"]

#: ``decide(x, y, S, alpha) -> bool array`` of independence decisions for a batch of tests.
Decide = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
#: ``first(x, y, S_rows) -> (index of the first independent row or -1, number of tests run)``.
FirstIndependent = Callable[[int, int, np.ndarray], tuple[int, int]]


@dataclass
class SkeletonResult:
    """Adjacency after the skeleton search and the separating sets of the removed pairs."""

    adjacency: np.ndarray
    sepsets: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)
    n_tests: int = 0
    tests_per_depth: list[int] = field(default_factory=list)


@lru_cache(maxsize=256)
def _combos(k: int, depth: int) -> np.ndarray:
    """``itertools.combinations(range(k), depth)`` as an index array."""
    rows = list(combinations(range(k), depth))
    out = np.array(rows, dtype=np.intp).reshape(len(rows), depth)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=256)
def _pattern(k: int, depth: int) -> np.ndarray:
    """Local index rows ``(y, s_1..s_depth)`` for one node with ``k`` neighbours, in causal-learn order.

    For each ``y`` (in order) the conditioning sets are ``combinations(others, depth)`` where
    ``others`` are the other ``k - 1`` neighbours: combinations of ``range(k - 1)`` shifted past ``y``.
    """
    base = _combos(k - 1, depth)
    blocks = [np.column_stack([np.full(len(base), yl, dtype=np.intp), base + (base >= yl)]) for yl in range(k)]
    out = np.concatenate(blocks) if blocks else np.zeros((0, depth + 1), dtype=np.intp)
    out.setflags(write=False)
    return out


def level_tests(adj: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All distinct tests of one stable level as arrays ``x, y, S`` (``S`` rows sorted).

    A test ``(x, y | S)`` from ``x``'s side is kept when ``x < y`` or when ``y``'s side does not
    produce it too (``S`` not inside ``adj(y)``), so each ``({x, y}, S)`` appears once.
    """
    xs, ys, ss = [], [], []
    for x in range(adj.shape[0]):
        nb = np.flatnonzero(adj[x])
        if len(nb) - 1 < depth:
            continue
        rows = nb[_pattern(len(nb), depth)]
        y, s = rows[:, 0], rows[:, 1:]
        keep = (x < y) if depth == 0 else (x < y) | ~adj[y[:, None], s].all(axis=1)
        if not keep.all():
            y, s = y[keep], s[keep]
        xs.append(np.full(len(y), x, dtype=np.intp))
        ys.append(y)
        ss.append(s)
    if not xs:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros((0, depth), dtype=np.intp)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ss)


def _max_degree(adj: np.ndarray) -> int:
    return int(adj.sum(axis=1).max()) if adj.size else 0


def stable_skeleton(
    n_vars: int,
    decide: Decide,
    *,
    banned: np.ndarray | None = None,
    max_depth: int | None = None,
    record: set | None = None,
) -> SkeletonResult:
    """PC-stable skeleton search with batched tests.

    Parameters
    ----------
    n_vars : int
        Number of variables.
    decide : callable
        ``decide(x, y, S) -> bool array``: independence decision of each test in the batch.
    banned : numpy.ndarray, optional
        ``(n, n)`` bool, symmetric: pairs forbidden in both directions by background knowledge.
    max_depth : int, optional
        Largest conditioning-set size.
    record : set, optional
        If given, receives every test run as ``(min(x, y), max(x, y), S)``.
    """
    adj = ~np.eye(n_vars, dtype=bool)
    out = SkeletonResult(adjacency=adj)
    depth = -1
    while _max_degree(adj) - 1 > depth:
        depth += 1
        if max_depth is not None and depth > max_depth:
            break
        x, y, s = level_tests(adj, depth)
        if record is not None:
            record.update(zip(np.minimum(x, y).tolist(), np.maximum(x, y).tolist(), map(tuple, s.tolist()), strict=True))
        out.tests_per_depth.append(len(x))
        out.n_tests += len(x)
        indep = decide(x, y, s) if len(x) else np.zeros(0, dtype=bool)
        pair_ids = (np.minimum(x, y) * n_vars + np.maximum(x, y))[indep]
        removed = pair_ids
        if depth == 0 and banned is not None:
            bi, bj = np.nonzero(np.triu(banned & adj, 1))
            removed = np.concatenate([removed, bi * n_vars + bj])
        removed = np.unique(removed)
        if depth > 0 and len(pair_ids):
            keys = np.unique((pair_ids[:, None] * n_vars + s[indep]).ravel())
            key_pair, key_node = np.divmod(keys, n_vars)
            starts = np.searchsorted(key_pair, removed, "left").tolist()
            ends = np.searchsorted(key_pair, removed, "right").tolist()
            nodes = key_node.tolist()
        else:
            starts = ends = [0] * len(removed)
            nodes = []
        for pid, a0, a1 in zip(removed.tolist(), starts, ends, strict=True):
            a, b = divmod(pid, n_vars)
            out.sepsets[(a, b)] = tuple(nodes[a0:a1])
        ra, rb = np.divmod(removed, n_vars)
        adj[ra, rb] = adj[rb, ra] = False
    return out


def unstable_skeleton(
    n_vars: int,
    first_independent: FirstIndependent,
    *,
    banned: np.ndarray | None = None,
    max_depth: int | None = None,
) -> SkeletonResult:
    """Order-dependent (original PC) skeleton search, replicating causal-learn's loop.

    ``first_independent(x, y, S_rows)`` returns the index of the first independent row of
    ``S_rows`` (tested in order, ``-1`` if none) and how many tests it ran.
    """
    adj = ~np.eye(n_vars, dtype=bool)
    out = SkeletonResult(adjacency=adj)
    depth = -1
    while _max_degree(adj) - 1 > depth:
        depth += 1
        if max_depth is not None and depth > max_depth:
            break
        n_level = 0
        for x in range(n_vars):
            nb = np.flatnonzero(adj[x])  # read once per x, as causal-learn's Neigh_x
            if len(nb) < depth - 1:
                continue
            for y in nb.tolist():
                if banned is not None and banned[x, y]:
                    adj[x, y] = adj[y, x] = False
                    out.sepsets[(min(x, y), max(x, y))] = ()
                    break  # causal-learn leaves the loop over y here
                rest = nb[nb != y]
                if len(rest) < depth:
                    continue
                rows = rest[_combos(len(rest), depth)]
                hit, ran = first_independent(x, y, rows)
                n_level += ran
                if hit >= 0:
                    adj[x, y] = adj[y, x] = False
                    out.sepsets[(min(x, y), max(x, y))] = tuple(sorted(rows[hit].tolist()))
        out.tests_per_depth.append(n_level)
        out.n_tests += n_level
    return out
