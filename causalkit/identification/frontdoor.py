"""Front-door adjustment (Pearl 1995): mediator sets that identify an effect despite confounding.

A set ``M`` satisfies the front-door criterion relative to ``(X, Y)`` when

1. ``M`` intercepts every directed path from ``X`` to ``Y``;
2. there is no unblocked back-door path from ``X`` to ``M`` (``X ⊥ M`` once ``X``'s outgoing edges
   are removed);
3. every back-door path from ``M`` to ``Y`` is blocked by ``X`` (``M ⊥ Y | X`` once ``M``'s outgoing
   edges are removed).

Then ``P(y | do(x)) = sum_m P(m | x) sum_x' P(y | x', m) P(x')``.

Conditions 2 and 3 hold for a unique largest set (the fixpoint computed by :func:`_largest_set`,
in the spirit of Jeong, Tian & Bareinboim 2022), so a front-door set exists iff that set intercepts all
directed paths; minimal sets are then searched among its subsets, smallest first, with a cap.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import networkx as nx

from causalkit._validation import as_list, check_positive_int
from causalkit.exceptions import InvalidInputError, UnknownNodeError
from causalkit.identification._model import (
    Model,
    build_model,
    check_query,
    d_separated,
    directed_path,
    fmt_set,
    format_path,
    open_paths,
    sorted_tuple,
)
from causalkit.identification._separators import ancestral_closure

__all__ = ["frontdoor_sets", "is_frontdoor_set"]


def _cut_out(dag: nx.DiGraph, nodes: Iterable[Any]) -> nx.DiGraph:
    g = dag.copy()
    g.remove_edges_from([(n, c) for n in nodes for c in dag.successors(n)])
    return g


def frontdoor_violation(
    model: Model, x: Any, y: Any, m: Iterable[Any], *, explain: bool = True
) -> tuple[str, list[str]] | None:
    """Why ``m`` is not a front-door set for ``(x, y)`` (reason, paths), or None when it is one.

    ``explain=False`` skips the search for the offending paths (for fast checks).
    """
    m, dag = set(m), model.dag
    if not m:
        return "the mediator set is empty", []
    bad = sorted(m & {x, y}, key=str) + sorted(m - set(model.observed), key=str)
    if bad:
        return f"{bad[0]} cannot be a mediator (it is the treatment, the outcome or latent)", []
    path = directed_path(dag, x, y, avoid=m)
    if path is not None:
        text = format_path(dag, path)
        return f"the directed path {text} does not go through {fmt_set(m)}", [text]
    for med in sorted(m, key=str):
        if not d_separated(dag, {x}, {med}, (), cut_out={x}):
            if not explain:
                return f"{med} is confounded with {x}", []
            cut_x = _cut_out(dag, [x])
            paths = [format_path(cut_x, p) for p in open_paths(cut_x, x, med, (), limit=1)]
            shown = f"the back-door path {paths[0]}" if paths else "a back-door path"
            return f"{shown} from {x} to {med} is open", paths
    if not d_separated(dag, m, {y}, {x}, cut_out=m):
        if not explain:
            return f"{fmt_set(m)} is confounded with {y} given {x}", []
        cut_m = _cut_out(dag, m)
        paths = [
            format_path(cut_m, p)
            for med in sorted(m, key=str)
            for p in open_paths(cut_m, med, y, {x}, limit=1)
        ]
        shown = f"the back-door path {paths[0]}" if paths else "a back-door path"
        return f"{shown} from a mediator to {y} is not blocked by {x}", paths[:1]
    return None


def _largest_set(model: Model, x: Any, y: Any) -> set[Any]:
    """The largest set meeting conditions 2 and 3 (within the ancestors of ``y``)."""
    dag = model.dag
    anc_y = ancestral_closure(dag, [y])
    cand = {
        n
        for n in model.observed
        if n not in (x, y) and n in anc_y and d_separated(dag, {x}, {n}, (), cut_out={x})
    }
    while True:
        drop = {n for n in cand if not d_separated(dag, {n}, {y}, {x}, cut_out=cand)}
        if not drop:
            return cand
        cand -= drop


def _search(
    model: Model, x: Any, y: Any, max_sets: int, max_checks: int = 20000
) -> list[frozenset]:
    """Inclusion-minimal front-door sets, smallest first (capped)."""
    dag = model.dag
    if y not in nx.descendants(dag, x):
        return []
    largest = _largest_set(model, x, y)
    if not largest or frontdoor_violation(model, x, y, largest, explain=False) is not None:
        return []
    # descendants of X intercept the causal paths; other nodes can only help condition 3 and are
    # searched too unless the pool is large
    de_x = nx.descendants(dag, x)
    pool = sorted(largest, key=lambda n: (n not in de_x, str(n)))
    if len(pool) > 12:
        pool = [n for n in pool if n in de_x]
    found: list[frozenset] = []
    checks = 0
    for size in range(1, len(pool) + 1):
        for combo in itertools.combinations(pool, size):
            s = frozenset(combo)
            if any(f <= s for f in found):
                continue
            checks += 1
            if checks > max_checks or len(found) >= max_sets:
                return found or [_shrink(model, x, y, largest)]
            if frontdoor_violation(model, x, y, s, explain=False) is None:
                found.append(s)
    return found


def _shrink(model: Model, x: Any, y: Any, m: set[Any]) -> frozenset:
    """Drop members one at a time while the set stays a front-door set."""
    m = set(m)
    for n in sorted(m, key=str):
        if len(m) > 1 and frontdoor_violation(model, x, y, m - {n}, explain=False) is None:
            m.discard(n)
    return frozenset(m)


def frontdoor_sets(
    graph: Any,
    treatment: Any,
    outcome: Any,
    *,
    latent: Iterable[Any] | None = None,
    max_sets: int = 100,
) -> list[tuple[Any, ...]]:
    """List inclusion-minimal front-door mediator sets for the effect of ``treatment`` on ``outcome``.

    Parameters
    ----------
    graph : CausalGraph, networkx.DiGraph, list of edges or str
        A DAG or ADMG (``u <-> v`` marks a latent common cause).
    treatment, outcome : str
    latent : iterable of str, optional
        Unobserved nodes of ``graph``.
    max_sets : int, default 100
        Stop after this many sets (the search also stops after 20,000 candidate checks, returning at
        least one set when one exists).

    Returns
    -------
    list of tuple of str
        Smallest sets first; empty when no front-door set exists (or ``outcome`` is not a descendant
        of ``treatment``).

    Examples
    --------
    >>> frontdoor_sets(["X --> M", "M --> Y", "X <-> Y"], "X", "Y")
    [('M',)]
    """
    max_sets = check_positive_int(max_sets, "max_sets")
    model = build_model(graph, latent)
    (x,), (y,) = check_query(model, treatment, outcome, single=True)
    if model.is_class:
        raise InvalidInputError(
            f"Front-door identification needs a DAG or ADMG, not a {model.kind.upper()}."
        )
    return [sorted_tuple(s) for s in _search(model, x, y, max_sets)]


def is_frontdoor_set(
    graph: Any,
    treatment: Any,
    outcome: Any,
    mediators: Iterable[Any],
    *,
    latent: Iterable[Any] | None = None,
) -> bool:
    """Whether ``mediators`` satisfies the front-door criterion relative to ``(treatment, outcome)``.

    Examples
    --------
    >>> is_frontdoor_set(["X --> M", "M --> Y", "X <-> Y"], "X", "Y", ["M"])
    True
    """
    model = build_model(graph, latent)
    (x,), (y,) = check_query(model, treatment, outcome, single=True)
    meds = as_list(mediators)
    for n in meds:
        if n not in model.dag:
            raise UnknownNodeError(f"The mediator {n!r} is not a node of the graph.")
    return frontdoor_violation(model, x, y, meds, explain=False) is None


def search_frontdoor(
    model: Model, x: Any, y: Any, max_sets: int = 20, max_checks: int = 2000
) -> list[tuple[Any, ...]]:
    """Front-door sets for an already validated model (used by :func:`identify`)."""
    if model.is_class:
        return []
    return [sorted_tuple(s) for s in _search(model, x, y, max_sets, max_checks)]
