"""Evaluate an ID-algorithm :class:`~causalkit.identification.Formula` term by term from stated facts.

``Formula.evaluate`` needs a joint table; word problems give only some conditionals, so here each
``P(A | B)`` of the formula is looked up (or derived) one at a time, with the arithmetic as text.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from causalkit.identification._expr import Fraction, Prob, Product, Sum

__all__ = ["evaluate_formula"]


def evaluate_formula(formula: Any, p: Callable[[Mapping[str, int], Mapping[str, int]], float],
                     values: Mapping[str, int]) -> tuple[float, str]:
    """Value and substituted arithmetic of ``formula.expression`` at ``values`` (binary variables).

    ``p(event, given)`` returns a probability or raises
    :class:`~causalkit.reasoning.probability.MissingProbabilityError`.
    """

    def go(e: Any, env: dict[str, int]) -> tuple[float, str]:
        if isinstance(e, Prob):
            event = {v: env[v] for v in e.vars}
            given = {v: env[v] for v in e.given}
            val = p(event, given)
            return val, f"{val:.4g}"
        if isinstance(e, Product):
            out, parts = 1.0, []
            for t in e.terms:
                v, s = go(t, env)
                out *= v
                parts.append(s if isinstance(t, Prob) else f"({s})")
            return out, " * ".join(parts) or "1"
        if isinstance(e, Fraction):
            num, ns = go(e.num, env)
            den, ds = go(e.den, env)
            return (num / den if den else float("nan")), f"({ns}) / ({ds})"
        if isinstance(e, Sum):
            over = sorted(e.over, key=str)
            total, parts = 0.0, []
            for combo in itertools.product((0, 1), repeat=len(over)):
                v, s = go(e.body, {**env, **dict(zip(over, combo, strict=True))})
                total += v
                parts.append(s)
            return total, " + ".join(parts)
        raise TypeError(f"Unknown expression node {type(e).__name__}.")  # pragma: no cover

    # free variables other than treatment and outcome (e.g. W2 in the napkin formula) do not change the
    # value; fix them at 0, as Formula.evaluate does with the first value
    env = {v: 0 for v in getattr(formula, "free_variables", [])}
    env.update(values)
    value, text = go(formula.expression, env)
    return value, f"{text} = {value:.4g}"
