"""General identification: the ID algorithm of Shpitser & Pearl (2006).

The algorithm is complete for ``P(y | do(x))`` in ADMGs (latent projections of DAGs with hidden
variables): it returns a formula over the observational distribution whenever the effect is
identifiable, and otherwise finds a *hedge* - two nested c-forests that prove non-identifiability.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from causalkit.exceptions import GraphError, InvalidInputError, NotIdentifiableError
from causalkit.identification._expr import (
    ONE,
    Expr,
    Fraction,
    Prob,
    Product,
    Sum,
    evaluate,
    free_vars,
    simplify,
    to_text,
)
from causalkit.identification._model import build_model, check_query, fmt_set, projection

__all__ = ["Formula", "id_algorithm"]


@dataclass(frozen=True)
class _ADMG:
    order: tuple[Any, ...]  # nodes in a topological order of the full graph
    directed: frozenset  # (u, v) pairs
    bidirected: frozenset  # frozenset({u, v})

    @property
    def nodes(self) -> frozenset:
        return frozenset(self.order)

    def sub(self, keep: Iterable[Any]) -> _ADMG:
        keep = set(keep)
        return _ADMG(
            tuple(n for n in self.order if n in keep),
            frozenset(e for e in self.directed if e[0] in keep and e[1] in keep),
            frozenset(e for e in self.bidirected if e <= keep),
        )

    def ancestors(self, ys: Iterable[Any], cut_into: Iterable[Any] = ()) -> frozenset:
        """``ys`` and their ancestors, ignoring edges into ``cut_into``."""
        cut = set(cut_into)
        parents: dict[Any, list[Any]] = {n: [] for n in self.order}
        for u, v in self.directed:
            if v not in cut:
                parents[v].append(u)
        out, stack = set(ys), list(ys)
        while stack:
            for p in parents[stack.pop()]:
                if p not in out:
                    out.add(p)
                    stack.append(p)
        return frozenset(out)

    def districts(self) -> list[frozenset]:
        g = nx.Graph()
        g.add_nodes_from(self.order)
        g.add_edges_from(tuple(e) for e in self.bidirected)
        pos = {n: i for i, n in enumerate(self.order)}
        return sorted(
            (frozenset(c) for c in nx.connected_components(g)), key=lambda c: min(pos[n] for n in c)
        )

    def predecessors(self, v: Any) -> frozenset:
        return frozenset(self.order[: self.order.index(v)])


@dataclass(frozen=True)
class _Dist:
    """The distribution an ID call works with: the observational marginal, or an expression."""

    vars: frozenset
    expr: Expr | None = None  # None: the observational marginal P(vars)

    def marginal(self, keep: frozenset) -> Expr:
        if self.expr is None:
            return Prob(keep) if keep else ONE
        return Sum(self.vars - keep, self.expr)

    def conditional(self, v: Any, given: frozenset) -> Expr:
        if self.expr is None:
            return Prob(frozenset([v]), given)
        return Fraction(self.marginal(given | {v}), self.marginal(given))

    def restrict(self, keep: frozenset) -> _Dist:
        return _Dist(keep, None if self.expr is None else Sum(self.vars - keep, self.expr))


class _Hedge(Exception):
    def __init__(self, f: frozenset, f_prime: frozenset):
        super().__init__()
        self.f, self.f_prime = f, f_prime


def _id(y: frozenset, x: frozenset, p: _Dist, g: _ADMG) -> Expr:
    v = g.nodes
    if not x:  # line 1
        return p.marginal(y)
    an = g.ancestors(y)
    if an != v:  # line 2
        return _id(y, x & an, p.restrict(an), g.sub(an))
    w = (v - x) - g.ancestors(y, cut_into=x)
    if w:  # line 3
        return _id(y, x | w, p, g)
    comps = g.sub(v - x).districts()
    if len(comps) > 1:  # line 4
        return Sum(v - (y | x), Product(tuple(_id(s, v - s, p, g) for s in comps)))
    s = comps[0]
    full = g.districts()
    if len(full) == 1:  # line 5
        raise _Hedge(v, s)
    if s in full:  # line 6
        return Sum(
            s - y, Product(tuple(p.conditional(n, g.predecessors(n)) for n in g.order if n in s))
        )
    s_prime = next(c for c in full if s < c)  # line 7
    terms = tuple(p.conditional(n, g.predecessors(n)) for n in g.order if n in s_prime)
    return _id(y, x & s_prime, _Dist(s_prime, Product(terms)), g.sub(s_prime))


class Formula:
    """An identifying formula for ``P(y | do(x))`` over the observed distribution.

    ``str(formula)`` gives the text, ``formula.expression`` the symbolic form, and
    :meth:`evaluate` computes it from discrete data or a probability table.
    """

    def __init__(
        self, expression: Expr, treatment: list[Any], outcome: list[Any], order: Mapping[Any, int]
    ):
        self.expression = expression
        self.treatment = list(treatment)
        self.outcome = list(outcome)
        self._order = dict(order)

    @property
    def text(self) -> str:
        """The formula without the left-hand side."""
        return to_text(self.expression, self._order)

    @property
    def free_variables(self) -> list[Any]:
        """Variables the formula depends on (treatment, outcome and any fixed extra ones)."""
        return sorted(free_vars(self.expression), key=lambda v: (self._order.get(v, 0), str(v)))

    def __str__(self) -> str:
        lhs = ", ".join(map(str, self.outcome))
        do = ", ".join(map(str, self.treatment))
        return f"P({lhs} | do({do})) = {self.text}"

    def __repr__(self) -> str:
        return f"Formula({self})"

    def evaluate(
        self, data: pd.DataFrame, values: Mapping[Any, Any], *, weights: str | None = None
    ) -> float:
        """Plug-in value of the formula from discrete data.

        Parameters
        ----------
        data : pandas.DataFrame
            Discrete observations (one row per sample), or a probability table with the
            probability of each row in column ``weights``.
        values : mapping
            Values of the treatment and outcome variables (and of any other free variable; extra
            free variables that the formula does not really depend on default to their first value).
        weights : str, optional
            Column holding row probabilities/weights.

        Returns
        -------
        float
            ``P(outcome = values | do(treatment = values))``; ``nan`` where a conditional is undefined.
        """
        cols = [c for c in data.columns if c != weights]
        w = data[weights].to_numpy(dtype=float) if weights else None
        missing = [v for v in free_vars(self.expression) if v not in cols]
        if missing:
            raise InvalidInputError(
                f"The formula needs column {missing[0]!r}, which `data` does not have."
            )
        domains = {c: sorted(pd.unique(data[c])) for c in cols}
        vals = dict(values)
        for v in self.free_variables:
            if v not in vals:
                if v in self.treatment or v in self.outcome:
                    raise InvalidInputError(f"Give a value for {v!r} in `values`.")
                vals[v] = domains[v][0]
        total = float(w.sum()) if w is not None else float(len(data))
        cache: dict[tuple, float] = {}

        def marginal(assign: Mapping[Any, Any]) -> float:
            key = tuple(sorted(((str(k), assign[k]) for k in assign), key=lambda t: t[0]))
            if key not in cache:
                mask = pd.Series(True, index=data.index)
                for k, val in assign.items():
                    mask &= data[k] == val
                cache[key] = (
                    float(w[mask.to_numpy()].sum()) if w is not None else float(mask.sum())
                ) / total
            return cache[key]

        return evaluate(self.expression, marginal, domains, vals)


def _hedge_message(g: _ADMG, xs: list[Any], ys: list[Any], hedge: _Hedge) -> str:
    bi = [tuple(sorted(e, key=str)) for e in g.bidirected if e <= hedge.f]
    shown = ", ".join(f"{a} <-> {b}" for a, b in sorted(bi, key=str)[:4])
    return (
        f"the ID algorithm found a hedge for P({', '.join(map(str, ys))} | do({', '.join(map(str, xs))})): "
        f"the c-components {fmt_set(hedge.f)} and {fmt_set(hedge.f_prime)} are joined by latent "
        f"confounding ({shown}), so no formula over the observed variables gives the effect"
    )


def admg_from_model(model: Any) -> _ADMG:
    directed, bidirected = projection(model)
    order = tuple(nx.lexicographical_topological_sort(directed, key=str))
    return _ADMG(order, frozenset(directed.edges), frozenset(bidirected))


def run_id(model: Any, xs: list[Any], ys: list[Any]) -> Formula:
    """Run ID on a validated model; raise NotIdentifiableError with the hedge."""
    if model.is_class:
        raise GraphError(
            f"The ID algorithm needs one causal graph (DAG or ADMG), not a {model.kind.upper()}; "
            "only covariate adjustment is supported on equivalence classes."
        )
    g = admg_from_model(model)
    try:
        raw = _id(frozenset(ys), frozenset(xs), _Dist(g.nodes), g)
    except _Hedge as h:
        msg = _hedge_message(g, xs, ys, h)
        direct = [f"{x} <-> {y}" for x in xs for y in ys if frozenset((x, y)) in g.bidirected]
        lead = (
            f"{direct[0].replace(' <-> ', ' and ')} share a latent confounder ({direct[0]}); "
            if direct
            else ""
        )
        raise NotIdentifiableError(
            f"The effect is not identifiable: {lead}{msg}.", reason=msg
        ) from None
    order = {n: i for i, n in enumerate(g.order)}
    return Formula(simplify(raw), xs, ys, order)


def id_algorithm(
    graph: Any, treatment: Any, outcome: Any, *, latent: Iterable[Any] | None = None
) -> Formula:
    """Identify ``P(outcome | do(treatment))`` with the ID algorithm (Shpitser & Pearl 2006).

    Parameters
    ----------
    graph : CausalGraph, networkx.DiGraph, list of edges or str
        A DAG or ADMG; ``u <-> v`` marks a latent common cause of ``u`` and ``v``.
    treatment, outcome : str or list of str
    latent : iterable of str, optional
        Unobserved nodes (projected out before running ID).

    Returns
    -------
    Formula
        The identifying formula; ``str()`` gives e.g. ``"P(Y | do(X)) = sum_{M} P(M | X) ..."``.

    Raises
    ------
    NotIdentifiableError
        When the effect is not identifiable (the message names the hedge).

    Examples
    --------
    >>> napkin = ["W1 --> W2", "W2 --> X", "X --> Y", "W1 <-> X", "W1 <-> Y"]
    >>> print(id_algorithm(napkin, "X", "Y"))
    P(Y | do(X)) = [sum_{W1} P(W1) P(X, Y | W1, W2)] / [sum_{W1} P(W1) P(X | W1, W2)]
    """
    model = build_model(graph, latent)
    xs, ys = check_query(model, treatment, outcome)
    return run_id(model, xs, ys)
