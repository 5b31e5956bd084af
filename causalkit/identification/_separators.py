"""Finding and listing d-separators ``Z`` with ``Z`` drawn from an allowed set of nodes.

Minimal separators are listed through the moral graph: every minimal d-separator of ``X`` and ``Y``
lies in ``An(X ∪ Y)`` (Tian, Paz & Pearl 1998), and there a set separates iff it separates ``X`` from
``Y`` in the moral graph of ``G[An(X ∪ Y)]``. Nodes that may not be used (latent, forbidden) are
eliminated (their neighbourhoods made cliques), which keeps separation by allowed sets unchanged. The
minimal vertex separators of the resulting undirected graph are then listed by the "close separator"
moves of Kloks & Kratsch (1998) / Berry et al. (2000): each separator is produced once, in polynomial
time per separator. All (not only minimal) separators are listed by the ListSep recursion of van der
Zander, Liskiewicz & Textor (2019), which also gives polynomial delay.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from causalkit.identification._model import d_separated

__all__ = ["ancestral_closure", "find_separator", "list_minimal_separators", "list_all_separators"]


def ancestral_closure(
    dag: nx.DiGraph, nodes: Iterable[Any], cut_out: Iterable[Any] = ()
) -> set[Any]:
    """``nodes`` and all their ancestors in ``dag`` (ignoring edges out of ``cut_out``)."""
    out, cut = set(nodes), set(cut_out)
    stack = list(out)
    while stack:
        for p in dag.predecessors(stack.pop()):
            if p not in out and p not in cut:
                out.add(p)
                stack.append(p)
    return out


def find_separator(
    dag: nx.DiGraph,
    xs: Iterable[Any],
    ys: Iterable[Any],
    allowed: Iterable[Any],
    include: Iterable[Any] = (),
) -> frozenset | None:
    """A d-separator ``Z`` of ``xs`` and ``ys`` with ``include ⊆ Z ⊆ allowed``, or None if none exists.

    ``Z = An(X ∪ Y ∪ include) ∩ allowed`` separates whenever any such set does (van der Zander et al.).
    """
    xs, ys, allowed, include = set(xs), set(ys), set(allowed), set(include)
    if not include <= allowed:
        return None
    z = ancestral_closure(dag, xs | ys | include) & allowed
    return frozenset(z) if d_separated(dag, xs, ys, z) else None


def list_all_separators(
    dag: nx.DiGraph,
    xs: Iterable[Any],
    ys: Iterable[Any],
    allowed: Iterable[Any],
    max_sets: int | None = None,
) -> tuple[list[frozenset], bool]:
    """All d-separators ``Z ⊆ allowed`` of ``xs`` and ``ys``; returns ``(sets, truncated)``."""
    xs, ys = set(xs), set(ys)
    order = sorted(set(allowed), key=str)
    out: list[frozenset] = []

    def rec(include: frozenset, rest: list[Any]) -> Iterator[frozenset]:
        if find_separator(dag, xs, ys, include | set(rest), include) is None:
            return
        if not rest:
            yield include
            return
        v, tail = rest[0], rest[1:]
        yield from rec(include, tail)
        yield from rec(include | {v}, tail)

    for z in rec(frozenset(), order):
        if max_sets is not None and len(out) >= max_sets:
            return out, True
        out.append(z)
    return out, False


def _moral_graph(dag: nx.DiGraph, nodes: set[Any], cut: set[Any]) -> dict[Any, set[Any]]:
    adj: dict[Any, set[Any]] = {n: set() for n in nodes}
    for n in nodes:
        parents = [p for p in dag.predecessors(n) if p in nodes and p not in cut]
        for p in parents:
            adj[n].add(p)
            adj[p].add(n)
        for i, p in enumerate(parents):
            for q in parents[i + 1 :]:
                adj[p].add(q)
                adj[q].add(p)
    return adj


def _component(adj: dict[Any, set[Any]], start: Any, blocked: set[Any]) -> set[Any]:
    seen, stack = {start}, [start]
    while stack:
        for m in adj[stack.pop()]:
            if m not in seen and m not in blocked:
                seen.add(m)
                stack.append(m)
    return seen


def _reduced_graph(
    dag: nx.DiGraph, xs: set[Any], ys: set[Any], allowed: set[Any], cut: set[Any]
) -> tuple[dict[Any, set[Any]], Any, Any]:
    """Moral graph of ``An(X ∪ Y)`` with ``X`` and ``Y`` contracted and disallowed nodes eliminated."""
    anc = ancestral_closure(dag, xs | ys, cut)
    moral = _moral_graph(dag, anc, cut)
    a, b = object(), object()
    rename = {n: a for n in xs} | {n: b for n in ys}
    adj: dict[Any, set[Any]] = {}
    for n, nbrs in moral.items():
        rn = rename.get(n, n)
        adj.setdefault(rn, set()).update(rename.get(m, m) for m in nbrs)
    for n in (a, b):
        adj[n].discard(n)
    forbidden = {n for n in adj if n not in allowed and n is not a and n is not b}
    fgraph = nx.Graph()
    fgraph.add_nodes_from(forbidden)
    fgraph.add_edges_from((k, m) for k in forbidden for m in adj[k] if m in forbidden)
    for comp in nx.connected_components(fgraph):
        # the border of a forbidden component holds allowed nodes (and a, b) only
        border = set().union(*(adj[k] for k in comp)) - comp
        for k in comp:
            del adj[k]
        for u in border:
            adj[u] -= comp
            adj[u] |= border - {u}
    return adj, a, b


def list_minimal_separators(
    dag: nx.DiGraph,
    xs: Iterable[Any],
    ys: Iterable[Any],
    allowed: Iterable[Any],
    max_sets: int | None = None,
    cut_out: Iterable[Any] = (),
) -> tuple[list[frozenset], bool]:
    """All inclusion-minimal d-separators ``Z ⊆ allowed`` of ``xs`` and ``ys``; ``(sets, truncated)``.

    ``cut_out`` nodes have their outgoing edges ignored.
    """
    adj, a, b = _reduced_graph(dag, set(xs), set(ys), set(allowed), set(cut_out))
    if b in adj[a]:
        return [], False

    def close(side: set[Any]) -> frozenset | None:
        nbhd = set(side).union(*(adj[s] for s in side))
        if b in nbhd:
            return None
        comp_b = _component(adj, b, nbhd)
        return frozenset(set().union(*(adj[c] for c in comp_b)) - comp_b)

    first = close({a})
    if first is None:  # cannot happen: a and b are not adjacent
        return [], False
    found, queue = {first}, [first]
    truncated = False
    while queue and not truncated:
        s = queue.pop()
        comp_a = _component(adj, a, set(s))
        for x in sorted(s, key=str):
            if b in adj[x]:
                continue
            t = close(comp_a | {x})
            if t is not None and t not in found:
                if max_sets is not None and len(found) >= max_sets:
                    truncated = True
                    break
                found.add(t)
                queue.append(t)
    return sorted(found, key=lambda z: (len(z), sorted(map(str, z)))), truncated
