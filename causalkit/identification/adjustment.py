"""Covariate adjustment (back-door): valid, minimal, all and optimal adjustment sets.

The criterion used everywhere is the *generalized adjustment criterion* (Shpitser, VanderWeele &
Robins 2010; Perković et al. 2018), which is complete: ``Z`` is a valid adjustment set for the effect
of ``X`` on ``Y`` iff

1. the graph is *amenable* (CPDAGs and PAGs only): every proper possibly causal path from ``X`` to
   ``Y`` starts with a (visible) directed edge out of ``X``;
2. ``Z`` contains no node of ``forb(X, Y)``: ``X`` and the (possible) descendants of every node on a
   proper (possibly) causal path from ``X`` to ``Y``;
3. ``Z`` d-separates ``X`` and ``Y`` in the proper back-door graph, which drops the first edge of
   every proper causal path from ``X`` to ``Y``.

In a DAG without latent variables this accepts every set Pearl's back-door criterion accepts, and
more (e.g. non-descendants of ``X`` that are not on causal paths are never required to be
excluded). Bidirected edges ``u <-> v`` are latent common causes; latent nodes are never adjusted for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from warnings import warn

import networkx as nx

from causalkit._validation import as_list, check_positive_int
from causalkit.exceptions import InvalidInputError, NotIdentifiableError, UnknownNodeError
from causalkit.identification._model import (
    ARROW,
    TAIL,
    Model,
    build_model,
    check_query,
    d_separated,
    fmt_set,
    format_path,
    open_paths,
    projection,
    sorted_tuple,
)
from causalkit.identification._separators import (
    ancestral_closure,
    find_separator,
    list_all_separators,
    list_minimal_separators,
)

__all__ = [
    "backdoor_adjustment_sets",
    "optimal_adjustment_set",
    "is_valid_adjustment_set",
]


@dataclass
class AdjustmentProblem:
    """Everything the criterion needs for one ``(X, Y)`` query on one model."""

    model: Model
    xs: list[Any]
    ys: list[Any]
    cn: set[Any]  # causal nodes (in the member DAG)
    forb: set[Any]  # forbidden nodes (in the graph / class)
    pbd: nx.DiGraph  # proper back-door graph of the member DAG
    allowed: set[Any]  # observed nodes that may be adjusted for
    not_amenable: (
        tuple[str, list[str]] | None
    )  # (reason, [path text]) when the class is not amenable


def _causal_nodes(dag: nx.DiGraph, xs: set[Any], ys: set[Any]) -> set[Any]:
    """Nodes other than X on proper causal paths from X to Y."""
    reach: set[Any] = set()
    stack = list(xs)
    while stack:
        for c in dag.successors(stack.pop()):
            if c not in reach and c not in xs:
                reach.add(c)
                stack.append(c)
    without_x = dag.subgraph([n for n in dag.nodes if n not in xs])
    an_y = ancestral_closure(without_x, ys)
    return reach & an_y


def _amenability(model: Model, xs: list[Any], ys: list[Any]) -> tuple[str, list[str]] | None:
    """Why the CPDAG/PAG is not amenable relative to (X, Y), or None when it is."""
    poss_an = model.possible_reach(ys, forward=False, avoid=xs)
    for x in xs:
        for e in model.incident(x):
            w = e.other(x)
            if e.mark_at(x) == ARROW or w not in poss_an:
                continue
            path = _possibly_causal_path(model, x, w, set(ys), set(xs))
            edge = e.text(start=x)
            if e.mark_at(x) == TAIL and e.mark_at(w) == ARROW:
                if model.kind == "cpdag" or _visible(model, x, w):
                    continue
                reason = (
                    f"the edge {edge} is not visible: a latent confounder of {x} and {w} cannot be ruled "
                    f"out, and {w} may lie on a causal path to the outcome ({path})"
                )
            elif model.kind == "cpdag":
                reason = (
                    f"the graph is not amenable: {edge} is undirected, so {w} may be a cause or an effect "
                    f"of {x} and lies on a possibly causal path to the outcome ({path})"
                )
            else:
                reason = (
                    f"the graph is not amenable: {edge} has a circle mark at {x}, so the equivalence class "
                    f"does not say whether {x} causes {w}, which lies on a possibly causal path ({path})"
                )
            return reason, [path]
    return None


def _possibly_causal_path(model: Model, x: Any, w: Any, ys: set[Any], xs: set[Any]) -> str:
    """Text of a possibly causal path x *-* w ... y (breadth-first, avoiding X)."""
    prev: dict[Any, Any] = {w: None}
    queue = [w]
    end = w if w in ys else None
    while queue and end is None:
        n = queue.pop(0)
        for e in model.incident(n):
            m = e.other(n)
            if e.mark_at(n) != ARROW and m not in prev and m not in xs:
                prev[m] = n
                if m in ys:
                    end = m
                    break
                queue.append(m)
    if end is None:  # pragma: no cover - w is a possible ancestor of Y by construction
        return f"{x} ... {w}"
    chain = [end]
    while prev[chain[-1]] is not None:
        chain.append(prev[chain[-1]])
    chain = [x] + chain[::-1]
    edges = {frozenset((e.u, e.v)): e for e in model.marked}
    return str(x) + "".join(
        f" {edges[frozenset((a, b))].connector(a)} {b}"
        for a, b in zip(chain, chain[1:], strict=False)
    )


def _visible(model: Model, x: Any, w: Any) -> bool:
    """Zhang (2008): is ``x --> w`` visible in the PAG (no latent confounding of x and w possible)?"""
    adj_w = {e.other(w) for e in model.incident(w)}
    parents_w = {
        e.other(w)
        for e in model.incident(w)
        if e.mark_at(w) == ARROW and e.mark_at(e.other(w)) == TAIL
    }
    seen, stack = {x}, [x]
    while stack:
        n = stack.pop()
        for e in model.incident(n):
            c = e.other(n)
            if e.mark_at(n) != ARROW or c == w:
                continue
            if c not in adj_w:
                return True
            if e.mark_at(c) == ARROW and c in parents_w and c not in seen:  # extend a collider path
                seen.add(c)
                stack.append(c)
    return False


def adjustment_problem(model: Model, xs: list[Any], ys: list[Any]) -> AdjustmentProblem:
    """Set up the generalized adjustment criterion for ``(xs, ys)`` on ``model``."""
    dag, xset, yset = model.dag, set(xs), set(ys)
    cn = _causal_nodes(dag, xset, yset)
    pbd = dag.copy()
    pbd.remove_edges_from([(x, c) for x in xs for c in dag.successors(x) if c in cn])
    not_amenable = None
    if model.is_class:
        not_amenable = _amenability(model, xs, ys)
        poss_an = model.possible_reach(ys, forward=False, avoid=xs) | yset
        poss_de_x = model.possible_reach(xs, forward=True) - xset
        cn_class = (poss_de_x & poss_an) | (cn & set(model.observed))
        forb = model.possible_reach(cn_class, forward=True) | xset
    else:
        forb = ancestral_closure(dag.reverse(copy=False), cn) | xset
    allowed = set(model.observed) - forb - xset - yset
    return AdjustmentProblem(model, xs, ys, cn, forb, pbd, allowed, not_amenable)


def adjustment_violation(
    problem: AdjustmentProblem, z: Iterable[Any], *, explain: bool = True
) -> tuple[str, list[str]] | None:
    """Why ``z`` is not a valid adjustment set (reason, paths), or None when it is valid.

    ``explain=False`` skips the search for the offending paths (for fast validity checks).
    """
    z = set(z)
    if problem.not_amenable:
        return problem.not_amenable
    bad = sorted(z & (set(problem.xs) | set(problem.ys)), key=str)
    if bad:
        return f"{bad[0]} is the treatment or the outcome itself", []
    lat = sorted(z - set(problem.model.observed), key=str)
    if lat:
        return f"{lat[0]} is latent and cannot be adjusted for", []
    forb = sorted(z & problem.forb, key=str)
    if forb:
        return (
            f"{forb[0]} is a descendant of a node on a causal path from {fmt_set(problem.xs)} to "
            f"{fmt_set(problem.ys)} (a mediator or a descendant of one); adjusting for it biases the total effect",
            [],
        )
    if _separated(problem, z):
        return None
    if not explain:
        return f"{fmt_set(z)} leaves a back-door path open", []
    paths = [
        format_path(problem.pbd, p)
        for x in problem.xs
        for y in problem.ys
        for p in open_paths(problem.pbd, x, y, z, limit=3)
    ][:3]
    if not paths:  # none among the shortest candidate paths (very large graphs)
        return f"a back-door path is not blocked by {fmt_set(z)}", []
    shown = ", ".join(f'"{p}"' for p in paths)
    noun = "path" if len(paths) == 1 else "paths"
    return (
        f"the back-door {noun} {shown} {'is' if len(paths) == 1 else 'are'} not blocked by {fmt_set(z)}",
        paths,
    )


def _separated(problem: AdjustmentProblem, z: set[Any]) -> bool:
    return d_separated(problem.pbd, problem.xs, problem.ys, z)


def no_adjustment_reason(problem: AdjustmentProblem) -> tuple[str, list[str]] | None:
    """None when some valid adjustment set exists, else (reason, paths) for the best candidate."""
    if problem.not_amenable:
        return problem.not_amenable
    z = canonical_set(problem)
    return adjustment_violation(problem, z)


def canonical_set(problem: AdjustmentProblem) -> frozenset:
    """``An(X ∪ Y) ∩ allowed``: valid iff any valid adjustment set exists (van der Zander et al. 2019)."""
    return frozenset(
        ancestral_closure(problem.pbd, set(problem.xs) | set(problem.ys)) & problem.allowed
    )


def o_set(problem: AdjustmentProblem) -> frozenset:
    """Henckel, Perković & Maathuis (2022): ``O = pa(cn(X, Y)) \\ forb(X, Y)``.

    With latent confounding (bidirected edges) the set is extended as in Runge (2021): nodes joined
    to the causal nodes by bidirected (collider) paths, and their parents, are added. The caller checks
    validity; in a DAG the O-set is valid whenever any valid set exists.
    """
    directed, bidirected = projection(problem.model)
    spouses: dict[Any, set[Any]] = {}
    for pair in bidirected:
        a, b = tuple(pair)
        spouses.setdefault(a, set()).add(b)
        spouses.setdefault(b, set()).add(a)
    cn = problem.cn & set(problem.model.observed)
    district, stack = set(), list(cn)
    while stack:
        for s in spouses.get(stack.pop(), ()):
            if s not in district and s in problem.allowed:
                district.add(s)
                stack.append(s)
    out = set(district)
    for n in cn | district:
        out |= set(directed.predecessors(n))
    return frozenset(out & problem.allowed)


def _prepare(
    graph: Any, treatment: Any, outcome: Any, latent: Iterable[Any] | None
) -> AdjustmentProblem:
    model = build_model(graph, latent)
    xs, ys = check_query(model, treatment, outcome)
    return adjustment_problem(model, xs, ys)


def is_valid_adjustment_set(
    graph: Any,
    treatment: Any,
    outcome: Any,
    adjustment_set: Iterable[Any],
    *,
    latent: Iterable[Any] | None = None,
) -> bool:
    """Whether ``adjustment_set`` is a valid adjustment set for the effect of ``treatment`` on ``outcome``.

    Uses the generalized adjustment criterion (complete for DAGs, ADMGs, CPDAGs and PAGs).

    Parameters
    ----------
    graph : CausalGraph, networkx.DiGraph, list of edges or str
        The causal graph (``u <-> v`` marks a latent common cause).
    treatment, outcome : str or list of str
        Treatment node(s) and outcome node(s).
    adjustment_set : iterable of str
        The candidate covariates.
    latent : iterable of str, optional
        Nodes of ``graph`` that are not observed.

    Returns
    -------
    bool

    Examples
    --------
    >>> g = ["X --> Y", "Z --> X", "Z --> Y"]
    >>> is_valid_adjustment_set(g, "X", "Y", ["Z"]), is_valid_adjustment_set(g, "X", "Y", [])
    (True, False)
    """
    problem = _prepare(graph, treatment, outcome, latent)
    z = as_list(adjustment_set)
    for n in z:
        if n not in problem.model.dag:
            raise UnknownNodeError(f"The adjustment variable {n!r} is not a node of the graph.")
    return adjustment_violation(problem, z, explain=False) is None


def _raise_not_identifiable(problem: AdjustmentProblem) -> None:
    why = no_adjustment_reason(problem)
    if why is not None:
        reason, paths = why
        raise NotIdentifiableError(
            f"No valid adjustment set exists for the effect of {fmt_set(problem.xs)} on "
            f"{fmt_set(problem.ys)}: {reason}.",
            reason=reason,
            paths=paths,
        )


def backdoor_adjustment_sets(
    graph: Any,
    treatment: Any,
    outcome: Any,
    minimal: bool = True,
    *,
    latent: Iterable[Any] | None = None,
    max_sets: int | None = 1000,
) -> list[tuple[Any, ...]]:
    """List the valid (by default: all inclusion-minimal) adjustment sets.

    Minimal sets are the minimal separators of ``X`` and ``Y`` in the proper back-door graph restricted
    to allowed nodes, listed through the moral graph in polynomial time per set (van der Zander,
    Liśkiewicz & Textor 2019). ``minimal=False`` lists every valid set (there can be exponentially many).

    Parameters
    ----------
    graph : CausalGraph, networkx.DiGraph, list of edges or str
        DAG, ADMG (``<->`` for latent confounding), CPDAG or PAG.
    treatment, outcome : str or list of str
    minimal : bool, default True
        Only inclusion-minimal sets (no proper subset is valid).
    latent : iterable of str, optional
        Unobserved nodes of ``graph``; never adjusted for.
    max_sets : int or None, default 1000
        Stop after this many sets (a ``UserWarning`` says the list was cut).

    Returns
    -------
    list of tuple of str
        Sorted by size then names; empty when no valid set exists.

    Raises
    ------
    NotIdentifiableError
        For a CPDAG/PAG that is not amenable (the message names the ambiguous edge).

    Examples
    --------
    >>> backdoor_adjustment_sets(["Z1 --> X", "Z1 --> Y", "Z2 --> Z1", "Z2 --> X", "X --> Y"], "X", "Y")
    [('Z1',)]
    """
    if max_sets is not None:
        max_sets = check_positive_int(max_sets, "max_sets")
    problem = _prepare(graph, treatment, outcome, latent)
    if problem.not_amenable:
        _raise_not_identifiable(problem)
    xs, ys = set(problem.xs), set(problem.ys)
    if minimal:
        sets, truncated = list_minimal_separators(problem.pbd, xs, ys, problem.allowed, max_sets)
    else:
        sets, truncated = list_all_separators(problem.pbd, xs, ys, problem.allowed, max_sets)
    if truncated:
        warn(
            f"backdoor_adjustment_sets stopped after max_sets={max_sets} sets; raise max_sets to see more.",
            UserWarning,
            stacklevel=2,
        )
    return sorted((sorted_tuple(z) for z in sets), key=lambda t: (len(t), list(map(str, t))))


def optimal_adjustment_set(
    graph: Any, treatment: Any, outcome: Any, *, latent: Iterable[Any] | None = None
) -> tuple[Any, ...]:
    """The optimal adjustment set (O-set) of Henckel, Perković & Maathuis (2022).

    ``O = pa(cn(X, Y)) \\ forb(X, Y)``: the parents of the causal nodes (nodes on proper causal paths
    from ``X`` to ``Y``, ``X`` excluded) that are not forbidden. Among all valid adjustment sets it gives
    the smallest asymptotic variance of the adjusted estimator in linear models (and of the
    non-parametric one), and it is valid whenever any valid set exists. With latent confounders
    (ADMGs, PAGs) the O-set is extended as in Runge (2021); if that set is not valid the canonical set
    ``An(X ∪ Y) ∩ allowed`` is returned instead.

    Parameters
    ----------
    graph : CausalGraph, networkx.DiGraph, list of edges or str
    treatment, outcome : str or list of str
    latent : iterable of str, optional

    Returns
    -------
    tuple of str

    Raises
    ------
    NotIdentifiableError
        When no valid adjustment set exists; the message shows an unblocked back-door path.

    Examples
    --------
    >>> optimal_adjustment_set(["Z --> X", "X --> Y", "W --> Y"], "X", "Y")
    ('W',)
    """
    problem = _prepare(graph, treatment, outcome, latent)
    return choose_optimal(problem)


def choose_optimal(problem: AdjustmentProblem) -> tuple[Any, ...]:
    """The O-set when valid, else the canonical set; raises when no valid set exists."""
    _raise_not_identifiable(problem)
    o = o_set(problem)
    if adjustment_violation(problem, o, explain=False) is None:
        return sorted_tuple(o)
    return sorted_tuple(canonical_set(problem))


def smallest_minimal_set(problem: AdjustmentProblem) -> tuple[Any, ...]:
    """A minimal valid set of smallest size (ties broken by names)."""
    _raise_not_identifiable(problem)
    sets, _ = list_minimal_separators(
        problem.pbd, set(problem.xs), set(problem.ys), problem.allowed, 1000
    )
    return min((sorted_tuple(s) for s in sets), key=lambda t: (len(t), list(map(str, t))))


def parents_set(problem: AdjustmentProblem) -> tuple[Any, ...]:
    """The observed parents of the treatment(s), checked for validity."""
    dag = problem.model.dag
    pa = {p for x in problem.xs for p in dag.predecessors(x) if p in set(problem.model.observed)}
    pa -= set(problem.xs)
    why = adjustment_violation(problem, pa)
    if why is not None:
        raise NotIdentifiableError(
            f"The parents of the treatment, {fmt_set(pa)}, are not a valid adjustment set: {why[0]}. "
            "Use adjustment='optimal' or 'minimal'.",
            reason=why[0],
            paths=why[1],
        )
    return sorted_tuple(pa)


def check_adjustment_choice(adjustment: Any) -> str:
    choices = ("optimal", "minimal", "parents", "all-parents")
    if adjustment not in choices:
        raise InvalidInputError(f"`adjustment` must be one of {list(choices)}; got {adjustment!r}.")
    return "parents" if adjustment == "all-parents" else adjustment


def find_separator_set(problem: AdjustmentProblem) -> frozenset | None:
    """Any valid adjustment set, or None."""
    if problem.not_amenable:
        return None
    return find_separator(problem.pbd, set(problem.xs), set(problem.ys), problem.allowed)
