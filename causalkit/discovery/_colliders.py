"""Unshielded-collider orientation for PC, as causal-learn's ``UCSepset`` module does it.

* ``uc_rule=0`` (:func:`uc_sepset`): ``x --> y <-- z`` when ``y`` is in no separating set of
  ``{x, z}``.
* ``uc_rule=1`` (:func:`maxp`): when the largest p-value of ``x _||_ z | S`` over conditioning sets
  ``S`` without ``y`` exceeds the largest over sets with ``y``.
* ``uc_rule=2`` (:func:`definite_maxp`): MaxP restricted to definite colliders / non-colliders.

Conflicts between colliders are resolved by ``priority`` (0 overwrite, 1 bidirected, 2 keep
existing, 3 stronger first, 4 stronger* first). The conditioning sets of MaxP and of priorities 3
and 4 are all subsets of ``adj(x)`` or of ``adj(z)``, as in causal-learn (exponential in the degree).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain, combinations

import numpy as np

from causalkit.discovery._orientation import EndpointGraph, unshielded_triples

__all__ = ["uc_sepset", "maxp", "definite_maxp", "PValues"]

#: ``pvalues(x, z, sets, count=True) -> array`` of p-values (bitwise causal-learn's); ``count``
#: says whether causal-learn runs these tests (for the test counter).
PValues = Callable[..., np.ndarray]


def _powerset(nodes: list[int]) -> list[tuple[int, ...]]:
    return list(chain.from_iterable(combinations(nodes, r) for r in range(len(nodes) + 1)))


def _cond_sets(G: EndpointGraph, i: int, j: int, k: int, with_k: bool | None) -> list[tuple[int, ...]]:
    """``find_cond_sets(i, j)`` (subsets of ``adj(i)`` or ``adj(j)``), in causal-learn's order.

    ``with_k`` keeps only the sets containing ``k`` (True), not containing it (False), or all (None).
    """
    nb_i = [v for v, e in enumerate(G.g[i]) if e != 0]
    nb_j = [v for v, e in enumerate(G.g[j]) if e != 0]
    sets = list(set(_powerset(nb_i) + _powerset(nb_j)))  # Helper.list_union; same hashes, same order
    if with_k is None:
        return sets
    return [S for S in sets if (k in S) == with_k]


def _p_split(G: EndpointGraph, pvalues: PValues, x: int, y: int, z: int, count: bool = True):
    """Sets with ``y`` and without ``y`` and their p-values (``x _||_ z | S``)."""
    sets = _cond_sets(G, x, z, y, None)
    p = pvalues(x, z, sets, count=count)
    has_y = np.array([y in S for S in sets], dtype=bool)
    with_sets = [S for S, h in zip(sets, has_y, strict=True) if h]
    without_sets = [S for S, h in zip(sets, has_y, strict=True) if not h]
    return with_sets, p[has_y], without_sets, p[~has_y]


def _prefix(sets: list, p: np.ndarray, alpha: float) -> list:
    """The sets up to and including the first with ``p > alpha`` (all if none)."""
    hits = np.flatnonzero(p > alpha)
    return sets[: hits[0] + 1] if len(hits) else sets


def _blocked(F: list | None, R: list | None, x: int, y: int, z: int) -> bool:
    """Knowledge forbids ``x --> y`` or ``z --> y``, or requires ``y --> x`` or ``y --> z``."""
    return F is not None and (F[x][y] or F[z][y] or R[y][x] or R[y][z])


def _orient_collider(G: EndpointGraph, x: int, y: int, z: int, priority: int) -> bool:
    """Orient ``x --> y <-- z`` under ``priority`` 0, 1 or 2 (2 also for the sorted 3/4 pass)."""
    if priority == 0:
        G.orient(x, y)
        G.orient(z, y)
        return True
    if priority == 1:
        for a in (x, z):
            if G.is_undirected(a, y):
                G.orient(a, y)
            elif G.is_directed(y, a):
                G.remove(a, y)
                G.add_bidirected(a, y)
        return True
    if not G.is_directed(y, x) and not G.is_directed(y, z):
        G.orient(x, y)
        G.orient(z, y)
        return True
    return False


def _triples(G: EndpointGraph) -> list[tuple[int, int, int]]:
    return [t for t in unshielded_triples(G.matrix()) if t[0] < t[2]]


def _sorted_keys(scores: dict, descending: bool) -> list:
    return [k for k, _ in sorted(scores.items(), key=lambda kv: kv[1], reverse=descending)]


def _as_lists(forbidden: np.ndarray | None, required: np.ndarray | None) -> tuple[list | None, list | None]:
    if forbidden is None:
        return None, None
    return forbidden.tolist(), required.tolist()


def uc_sepset(
    G: EndpointGraph,
    sepsets: dict[tuple[int, int], tuple[int, ...]],
    priority: int = 3,
    pvalues: PValues | None = None,
    forbidden: np.ndarray | None = None,
    required: np.ndarray | None = None,
) -> None:
    """``UCSepset.uc_sepset``: colliders from the separating sets (``sepsets`` keyed ``(min, max)``)."""
    F, R = _as_lists(forbidden, required)
    candidates = []
    for x, y, z in _triples(G):
        if _blocked(F, R, x, y, z):
            continue
        if y in sepsets[(min(x, z), max(x, z))]:
            continue
        if priority in (0, 1, 2):
            _orient_collider(G, x, y, z, priority)
        else:
            candidates.append((x, y, z))
    if priority in (0, 1, 2):
        return
    scores = {}
    for x, y, z in candidates:
        sets = _cond_sets(G, x, z, y, with_k=priority == 3)
        scores[(x, y, z)] = float(np.max(pvalues(x, z, sets)))
    for x, y, z in _sorted_keys(scores, descending=priority == 4):
        if not _blocked(F, R, x, y, z):
            _orient_collider(G, x, y, z, 2)


def maxp(
    G: EndpointGraph,
    pvalues: PValues,
    priority: int = 3,
    forbidden: np.ndarray | None = None,
    required: np.ndarray | None = None,
) -> None:
    """``UCSepset.maxp``: colliders by the MaxP rule."""
    F, R = _as_lists(forbidden, required)
    scores = {}
    for x, y, z in _triples(G):
        if _blocked(F, R, x, y, z):
            continue
        _, with_y, _, without_y = _p_split(G, pvalues, x, y, z)
        max_with, max_without = float(np.max(with_y)), float(np.max(without_y))
        if max_without > max_with:
            if priority in (0, 1, 2):
                _orient_collider(G, x, y, z, priority)
            else:
                scores[(x, y, z)] = max_with if priority == 3 else max_without
    if priority in (0, 1, 2):
        return
    for x, y, z in _sorted_keys(scores, descending=priority == 4):
        if not _blocked(F, R, x, y, z):
            _orient_collider(G, x, y, z, 2)


def definite_maxp(
    G: EndpointGraph,
    pvalues: PValues,
    alpha: float,
    priority: int = 4,
    forbidden: np.ndarray | None = None,
    required: np.ndarray | None = None,
) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """``UCSepset.definite_maxp``; returns ``(definite_UC, definite_non_UC)``."""
    F, R = _as_lists(forbidden, required)
    scores: dict[tuple[int, int, int], float] = {}
    non_uc: list[tuple[int, int, int]] = []
    for x, y, z in _triples(G):
        sets_with, with_y, sets_without, without_y = _p_split(G, pvalues, x, y, z, count=False)
        uc_ok = not bool(np.any(with_y > alpha))
        nuc_ok = not bool(np.any(without_y > alpha))
        # count the tests causal-learn runs: each loop stops at its first p > alpha (the second
        # one only when the first did too)
        pvalues(x, z, _prefix(sets_with, with_y, alpha))
        pvalues(x, z, sets_without if uc_ok else _prefix(sets_without, without_y, alpha))
        max_with = max(0.0, float(np.max(with_y))) if len(with_y) else 0.0
        max_without = max(0.0, float(np.max(without_y))) if len(without_y) else 0.0
        score = max_with if priority in (2, 3) else max_without
        if uc_ok:
            if nuc_ok and not max_without > max_with:
                non_uc.append((x, y, z))
            else:
                scores[(x, y, z)] = score
        elif nuc_ok:
            non_uc.append((x, y, z))
    keys = list(scores) if priority == 2 else _sorted_keys(scores, descending=priority == 4)
    uc = []
    for x, y, z in keys:
        if _blocked(F, R, x, y, z):
            continue
        if _orient_collider(G, x, y, z, 2):
            uc.append((x, y, z))
    return uc, non_uc
