"""Symbolic probability expressions for identification formulas.

An expression is built from :class:`Prob` (``P(A | B)`` of the observational distribution),
:class:`Sum`, :class:`Product` and :class:`Fraction`. :func:`simplify` applies the rules that turn
the raw output of the ID algorithm into the textbook formulas: the chain rule
``P(A | B, C) P(B | C) = P(A, B | C)``, summing a variable out of the one term that holds it, pulling
terms that do not depend on the summed variables out of a sum, and ``P(A, B | C) / P(B | C) =
P(A | B, C)``. :func:`evaluate` computes an expression from a discrete joint distribution.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Prob",
    "Sum",
    "Product",
    "Fraction",
    "ONE",
    "free_vars",
    "simplify",
    "to_text",
    "evaluate",
]


@dataclass(frozen=True)
class Prob:
    """``P(vars | given)`` of the observational distribution."""

    vars: frozenset
    given: frozenset = frozenset()


@dataclass(frozen=True)
class Sum:
    """``sum_{over} body``."""

    over: frozenset
    body: Expr


@dataclass(frozen=True)
class Product:
    """The product of ``terms`` (the empty product is 1)."""

    terms: tuple


@dataclass(frozen=True)
class Fraction:
    """``num / den``."""

    num: Expr
    den: Expr


Expr = Prob | Sum | Product | Fraction
ONE = Product(())


def free_vars(e: Expr) -> frozenset:
    """Variables an expression depends on."""
    if isinstance(e, Prob):
        return e.vars | e.given
    if isinstance(e, Sum):
        return free_vars(e.body) - e.over
    if isinstance(e, Product):
        return frozenset().union(*(free_vars(t) for t in e.terms))
    return free_vars(e.num) | free_vars(e.den)


# ------------------------------------------------------------------------------------ simplification
def simplify(e: Expr) -> Expr:
    """Return an equivalent, shorter expression (applied bottom-up until nothing changes)."""
    while True:
        new = _simplify_once(e)
        if new == e:
            return e
        e = new


def _simplify_once(e: Expr) -> Expr:
    if isinstance(e, Prob):
        return ONE if not e.vars else Prob(frozenset(e.vars), frozenset(e.given - e.vars))
    if isinstance(e, Product):
        return _simplify_product([_simplify_once(t) for t in e.terms])
    if isinstance(e, Sum):
        return _simplify_sum(frozenset(e.over), _simplify_once(e.body))
    return _simplify_fraction(_simplify_once(e.num), _simplify_once(e.den))


def _simplify_product(terms: list[Expr]) -> Expr:
    flat: list[Expr] = []
    for t in terms:
        flat.extend(t.terms if isinstance(t, Product) else [t])
    changed = True
    while changed:
        changed = False
        for i, j in itertools.permutations(range(len(flat)), 2):
            a, b = flat[i], flat[j]
            # chain rule: P(A | C, D) P(C | D) = P(A, C | D)
            if (
                isinstance(a, Prob)
                and isinstance(b, Prob)
                and a.given == b.vars | b.given
                and not (a.vars & b.vars)
            ):
                flat[i] = Prob(a.vars | b.vars, b.given)
                del flat[j]
                changed = True
                break
    if len(flat) == 1:
        return flat[0]
    return Product(tuple(flat))


def _simplify_sum(over: frozenset, body: Expr) -> Expr:
    if not over:
        return body
    if isinstance(body, Sum):
        return Sum(over | body.over, body.body)
    if isinstance(body, Prob) and over <= body.vars:
        return Prob(body.vars - over, body.given)
    if isinstance(body, Product):
        terms = list(body.terms)
        over = set(over)
        for v in sorted(over, key=str):  # sum v out of the only term that holds it
            holders = [k for k, t in enumerate(terms) if v in free_vars(t)]
            if (
                len(holders) == 1
                and isinstance(terms[holders[0]], Prob)
                and v in terms[holders[0]].vars
            ):
                t = terms[holders[0]]
                terms[holders[0]] = Prob(t.vars - {v}, t.given)
                over.discard(v)
        terms = [t for t in terms if not (isinstance(t, Prob) and not t.vars)]
        outside = [t for t in terms if not (free_vars(t) & over)]
        inside = [t for t in terms if free_vars(t) & over]
        if outside and inside:
            return Product(tuple(outside) + (Sum(frozenset(over), _product(inside)),))
        if not inside:
            return _product(outside) if not over else Sum(frozenset(over), _product(outside))
        return Sum(frozenset(over), _product(inside))
    return Sum(over, body)


def _product(terms: list[Expr]) -> Expr:
    return terms[0] if len(terms) == 1 else Product(tuple(terms))


def _simplify_fraction(num: Expr, den: Expr) -> Expr:
    if den == ONE:
        return num
    if num == den:
        return ONE
    if (
        isinstance(num, Prob)
        and isinstance(den, Prob)
        and num.given == den.given
        and den.vars < num.vars
    ):
        return Prob(num.vars - den.vars, num.given | den.vars)
    if isinstance(num, Product) and den in num.terms:
        rest = list(num.terms)
        rest.remove(den)
        return _product(rest) if rest else ONE
    return Fraction(num, den)


# ------------------------------------------------------------------------------------ printing
def to_text(e: Expr, order: Mapping[Any, int] | None = None) -> str:
    """Write an expression like ``sum_{W} P(W) P(X, Y | R, W)``; variables follow ``order``.

    A summation variable that is also used outside its sum is primed (``sum_{X'} P(X') ...``).
    """
    order = order or {}

    def names(vs: Iterable[Any], label: Mapping[Any, str]) -> str:
        ordered = sorted(vs, key=lambda v: (order.get(v, len(order)), str(v)))
        return ", ".join(label.get(v, str(v)) for v in ordered)

    def go(x: Expr, scope: frozenset, label: dict[Any, str], in_product: bool = False) -> str:
        if isinstance(x, Prob):
            if x.given:
                return f"P({names(x.vars, label)} | {names(x.given, label)})"
            return f"P({names(x.vars, label)})"
        if isinstance(x, Sum):
            inner = dict(label)
            for v in x.over:
                if v in scope:
                    inner[v] = label.get(v, str(v)) + "'"
            text = f"sum_{{{names(x.over, inner)}}} {go(x.body, scope | x.over, inner)}"
            return f"[{text}]" if in_product else text
        if isinstance(x, Product):
            if not x.terms:
                return "1"
            last = len(x.terms) - 1
            return " ".join(go(t, scope, label, in_product=k < last) for k, t in enumerate(x.terms))
        num, den = go(x.num, scope, label), go(x.den, scope, label)
        num = num if isinstance(x.num, Prob) else f"[{num}]"
        den = den if isinstance(x.den, Prob) else f"[{den}]"
        return f"({num} / {den})" if in_product else f"{num} / {den}"

    return go(e, free_vars(e), {})


# ------------------------------------------------------------------------------------ evaluation
def evaluate(
    e: Expr,
    marginal: Callable[[Mapping[Any, Any]], float],
    domains: Mapping[Any, Iterable[Any]],
    values: Mapping[Any, Any],
) -> float:
    """Value of ``e`` for the free variables set to ``values``.

    Parameters
    ----------
    e : expression
    marginal : callable
        ``marginal({var: value, ...})`` returns the observational probability of that partial
        assignment.
    domains : mapping
        The values each summed variable ranges over.
    values : mapping
        Values of the free variables.
    """
    if isinstance(e, Prob):
        num = marginal({v: values[v] for v in e.vars | e.given})
        if not e.given:
            return num
        den = marginal({v: values[v] for v in e.given})
        return num / den if den > 0 else math.nan
    if isinstance(e, Product):
        out = 1.0
        for t in e.terms:
            out *= evaluate(t, marginal, domains, values)
        return out
    if isinstance(e, Fraction):
        den = evaluate(e.den, marginal, domains, values)
        return evaluate(e.num, marginal, domains, values) / den if den != 0 else math.nan
    over = sorted(e.over, key=str)
    total = 0.0
    for combo in itertools.product(*(list(domains[v]) for v in over)):
        total += evaluate(
            e.body, marginal, domains, {**values, **dict(zip(over, combo, strict=True))}
        )
    return total
