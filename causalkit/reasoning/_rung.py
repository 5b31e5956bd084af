"""The query functions behind :func:`causalkit.reasoning.run_query` (one per CLadder query type).

Every function takes the :class:`~causalkit.reasoning.queries.CausalProblem` and keyword arguments
and returns a :class:`~causalkit.reasoning.queries.QueryResult` whose ``value`` is:

=====================  =====================================================================
marginal               ``P(Y=y)``
correlation            ``P(Y=y | X=x) - P(Y=y | X=1-x)``
exp_away               ``P(Y=y | X=x, C=c) - P(Y=y | C=c)``
p_do                   ``P(Y=y | do(X=x))``
ate                    ``P(Y=y | do(X=x)) - P(Y=y | do(X=1-x))``
backadj                1 if adjustment set 1 is valid and set 2 is not, -1 for the reverse, else 0
collider_bias          the effect of X on Y (0 when X is not an ancestor of Y)
ett                    ``P(Y_{X=1-x} = y | X=x) - P(Y=y | X=x)`` (for the group with X=x, the change
                       had X been the other value)
att                    ``P(Y_{X=1} = y | X=x) - P(Y_{X=0} = y | X=x)`` (x=1: the effect on the treated)
pn / ps                probability of necessity ``P(Y_{X=0}=0 | X=1, Y=1)`` / sufficiency
                       ``P(Y_{X=1}=1 | X=0, Y=0)``, under monotonicity (Tian & Pearl 2000)
nde / nie              ``E[Y_{1,M_0} - Y_{0,M_0}]`` / ``E[Y_{0,M_1} - Y_{0,M_0}]`` (for y=1)
det_counterfactual     the outcome's value (0/1) in the world ``do`` given ``evidence``
=====================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from causalkit.exceptions import InvalidInputError, NotIdentifiableError
from causalkit.reasoning.probability import MissingProbabilityError
from causalkit.reasoning.queries import (
    CausalProblem,
    QueryResult,
    _Calc,
    _configs,
    _fmt,
    _key,
    _no_path,
    _num,
    _p_do,
    _set,
    _strategies,
    det_cf,
)
from causalkit.reasoning.queries import ate as _ate

__all__ = ["marginal", "correlation", "exp_away", "p_do", "ate", "backadj", "collider_bias", "ett", "att", "nde",
           "nie", "pn", "ps", "det_counterfactual"]


def marginal(problem: CausalProblem, *, outcome: str, y: int = 1, **_: Any) -> QueryResult:
    """``P(Y=y)``."""
    problem.check(outcome)
    c = _Calc(problem.probs())
    v = c.p({outcome: y})
    return QueryResult("marginal", v, "observational", f"P({outcome}={y})", _fmt(v), tuple(c.steps), tuple(c.pf.warnings))


def correlation(problem: CausalProblem, *, treatment: str, outcome: str, x: int = 1, y: int = 1, **_: Any) -> QueryResult:
    """``P(Y=y | X=x) - P(Y=y | X=1-x)``."""
    problem.check(treatment, outcome)
    c = _Calc(problem.probs())
    a, b = c.p({outcome: y}, {treatment: x}), c.p({outcome: y}, {treatment: 1 - x})
    est = f"P({outcome}={y} | {treatment}={x}) - P({outcome}={y} | {treatment}={1 - x})"
    return QueryResult("correlation", a - b, "observational", est, f"{_fmt(a)} - {_fmt(b)} = {_fmt(a - b)}",
                       tuple(c.steps), tuple(c.pf.warnings))


def exp_away(problem: CausalProblem, *, treatment: str, outcome: str, collider: str, x: int = 1, y: int = 1,
             c: int = 1, **_: Any) -> QueryResult:
    """``P(Y=y | X=x, C=c) - P(Y=y | C=c)`` (explaining away)."""
    problem.check(treatment, outcome, collider)
    calc = _Calc(problem.probs())
    est = f"P({outcome}={y} | {treatment}={x}, {collider}={c}) - P({outcome}={y} | {collider}={c})"
    a = calc.p({outcome: y}, {treatment: x, collider: c})
    try:
        b = calc.p({outcome: y}, {collider: c})
    except MissingProbabilityError:
        # P(Y | C=c) mixes P(Y | X=x, C=c) and P(Y | X=1-x, C=c) with positive weights, so the
        # difference has the sign of P(Y | X=x, C=c) - P(Y | X=1-x, C=c) even when the weights are unknown.
        b2 = calc.p({outcome: y}, {treatment: 1 - x, collider: c})
        d = a - b2
        note = (f"P({outcome}={y} | {collider}={c}) is not stated, but it is a mixture of {_fmt(a)} and {_fmt(b2)}, "
                f"so the difference has the sign of {_fmt(a)} - {_fmt(b2)} = {_fmt(d)}")
        return QueryResult("exp_away", d, "observational (sign only)", est, note, tuple(calc.steps),
                           ("only the sign of the difference is determined; value shown is P(Y|x,c) - P(Y|x',c)",))
    return QueryResult("exp_away", a - b, "observational", est, f"{_fmt(a)} - {_fmt(b)} = {_fmt(a - b)}",
                       tuple(calc.steps), tuple(calc.pf.warnings))


def p_do(problem: CausalProblem, *, treatment: str, outcome: str, x: int = 1, y: int = 1, **_: Any) -> QueryResult:
    """``P(Y=y | do(X=x))``."""
    problem.check(treatment, outcome)
    return _p_do(problem, treatment, outcome, x, y)


def ate(problem: CausalProblem, *, treatment: str, outcome: str, x: int = 1, y: int = 1, **_: Any) -> QueryResult:
    """``P(Y=y | do(X=x)) - P(Y=y | do(X=1-x))``."""
    return _ate(problem, treatment, outcome, x, y)


def backadj(problem: CausalProblem, *, treatment: str, outcome: str, sets: Sequence[Sequence[str]], **_: Any) -> QueryResult:
    """Compare two adjustment sets: +1 if only the first is valid, -1 if only the second, else 0."""
    from causalkit.identification import is_valid_adjustment_set

    problem.check(treatment, outcome, *[v for s in sets for v in s])
    if len(sets) != 2:
        raise InvalidInputError(f"backadj compares exactly two adjustment sets; got {len(sets)}.")
    latent = list(problem.unobserved) or None
    valid = []
    for s in sets:
        if any(v in problem.unobserved for v in s):
            valid.append(False)
            continue
        valid.append(is_valid_adjustment_set(problem.graph, treatment, outcome, list(s), latent=latent))
    value = 1.0 if valid[0] and not valid[1] else (-1.0 if valid[1] and not valid[0] else 0.0)
    words = [f"{{{_set(s)}}} is {'a valid' if ok else 'not a valid'} adjustment set" for s, ok in zip(sets, valid, strict=True)]
    return QueryResult("backadj", value, "graph", f"valid back-door adjustment for {treatment} -> {outcome}",
                       "; ".join(words))


def collider_bias(problem: CausalProblem, *, treatment: str, outcome: str, **_: Any) -> QueryResult:
    """The effect of X on Y - zero when X is not an ancestor of Y, whatever a collider shows."""
    problem.check(treatment, outcome)
    if _no_path(problem, treatment, outcome):
        return QueryResult("collider_bias", 0.0, "graph", f"{treatment} is not an ancestor of {outcome}",
                           "no directed path, so the causal effect is 0; a correlation within a level of a "
                           "common effect is selection (collider) bias")
    res = _ate(problem, treatment, outcome)
    return QueryResult("collider_bias", res.value, res.strategy, res.estimand, res.arithmetic, res.steps, res.warnings)


def ett(problem: CausalProblem, *, treatment: str, outcome: str, x: int = 1, y: int = 1, **_: Any) -> QueryResult:
    """``P(Y_{X=1-x} = y | X=x) - P(Y=y | X=x)``: for the units with X=x, had X been the other value."""
    problem.check(treatment, outcome)
    xs, xp = x, 1 - x
    pf = problem.probs()
    target = f"P({outcome}_{{{treatment}={xp}}}={y} | {treatment}={xs}) - P({outcome}={y} | {treatment}={xs})"
    if _no_path(problem, treatment, outcome):
        return QueryResult("ett", 0.0, "no causal path", target + " = 0", "0")
    tried = []
    for strategy, spec in _strategies(*_key(problem), treatment, outcome):
        c = _Calc(pf)
        try:
            fact = c.p({outcome: y}, {treatment: xs})
            if strategy == "backdoor":
                z = list(spec)
                terms, cf = [], 0.0
                for cfg in _configs(z):
                    pz, py = c.p(cfg, {treatment: xs}), c.p({outcome: y}, {treatment: xp, **cfg})
                    cf += pz * py
                    terms.append(f"{_fmt(pz)} * {_fmt(py)}")
                est = (f"sum_{{{_set(z)}}} P({_set(z)} | {treatment}={xs}) P({outcome}={y} | {treatment}={xp}, {_set(z)})"
                       if z else f"P({outcome}={y} | {treatment}={xp})")
                arith = (" + ".join(terms) if z else _fmt(cf := c.p({outcome: y}, {treatment: xp})))
            elif strategy == "frontdoor":
                m = list(spec)
                terms, cf = [], 0.0
                for cfg in _configs(m):
                    pm, py = c.p(cfg, {treatment: xp}), c.p({outcome: y}, {treatment: xs, **cfg})
                    cf += pm * py
                    terms.append(f"{_fmt(pm)} * {_fmt(py)}")
                est = f"sum_{{{_set(m)}}} P({_set(m)} | {treatment}={xp}) P({outcome}={y} | {treatment}={xs}, {_set(m)})"
                arith = " + ".join(terms)
            else:
                continue
        except MissingProbabilityError as exc:
            tried.append(str(exc))
            continue
        v = cf - fact
        return QueryResult("ett", v, strategy, f"{target}; P({outcome}_{{{treatment}={xp}}}={y} | {treatment}={xs}) = {est}",
                           f"{arith} = {_fmt(cf)}; {_fmt(cf)} - {_fmt(fact)} = {_fmt(v)}", tuple(c.steps), tuple(pf.warnings))
    raise NotIdentifiableError(f"The effect of treatment on the treated ({target}) is not identified from the "
                               "graph and the stated probabilities" + (": " + "; ".join(tried) if tried else "."))


def att(problem: CausalProblem, *, treatment: str, outcome: str, x: int = 1, y: int = 1, **_: Any) -> QueryResult:
    """``P(Y_{X=1} = y | X=x) - P(Y_{X=0} = y | X=x)``: the effect on the treated (``x=1``) or untreated (``x=0``)."""
    res = ett(problem, treatment=treatment, outcome=outcome, x=x, y=y)
    sign = -1.0 if x == 1 else 1.0
    value = None if res.value is None else sign * res.value
    est = f"P({outcome}_{{{treatment}=1}}={y} | {treatment}={x}) - P({outcome}_{{{treatment}=0}}={y} | {treatment}={x})"
    shown = "" if value is None else f"; effect on the {'treated' if x == 1 else 'untreated'}: {_fmt(value)}"
    return QueryResult("att", value, res.strategy, f"{est}; {res.estimand}", res.arithmetic + shown, res.steps, res.warnings)


def _mediators(problem: CausalProblem, x: str, y: str, mediators: Sequence[str] | None) -> list[str]:
    g = problem.graph
    if mediators:
        problem.check(*mediators)
        return list(mediators)
    found = [v for v in g.nodes if v not in (x, y) and v in g.descendants(x) and y in g.descendants(v)]
    if not found:
        raise NotIdentifiableError(f"There is no mediator between {x} and {y}: every effect is direct.")
    return found


def _natural(problem: CausalProblem, kind: str, x: str, y: str, mediators: Sequence[str] | None) -> QueryResult:
    from causalkit.identification import is_valid_adjustment_set

    problem.check(x, y)
    m = _mediators(problem, x, y, mediators)
    hidden = [v for v in m if v in problem.unobserved]
    if hidden:
        raise NotIdentifiableError(f"The mediator(s) {hidden} are unobserved.")
    label = "NDE = E[Y_{1,M_0} - Y_{0,M_0}]" if kind == "nde" else "NIE = E[Y_{0,M_1} - Y_{0,M_0}]"
    if not problem.graph.has_edge(x, y):
        if kind == "nde":
            return QueryResult("nde", 0.0, "graph", f"{label} = 0: {x} affects {y} only through {_set(m)}", "0")
        res = _ate(problem, x, y)
        return QueryResult("nie", res.value, res.strategy, f"{label} = total effect ({x} acts only through {_set(m)}); {res.estimand}",
                           res.arithmetic, res.steps, res.warnings)
    g, latent = problem.graph, list(problem.unobserved) or None
    desc = g.descendants(x)
    covs = sorted(v for v in g.nodes if v not in desc and v not in (x, y) and v not in problem.unobserved
                  and any(v in g.ancestors(t) for t in [*m, y]))
    checks = [(x, y, covs), (x, m, covs), (m, y, [*covs, x])]
    for t, o, z in checks:
        if not is_valid_adjustment_set(g, t, o, z, latent=latent):
            raise NotIdentifiableError(
                f"The natural effects are not identified by the mediation formula: {{{_set(z)}}} does not "
                f"deconfound {t if isinstance(t, str) else _set(t)} and {o if isinstance(o, str) else _set(o)}."
            )
    c = _Calc(problem.probs())
    total, terms = 0.0, []
    for ccfg in _configs(covs):
        pc = c.p(ccfg) if covs else 1.0
        for mcfg in _configs(m):
            if kind == "nde":
                w = c.p(mcfg, {x: 0, **ccfg})
                d = c.p({y: 1}, {x: 1, **mcfg, **ccfg}) - c.p({y: 1}, {x: 0, **mcfg, **ccfg})
            else:
                w = c.p({y: 1}, {x: 0, **mcfg, **ccfg})
                d = c.p(mcfg, {x: 1, **ccfg}) - c.p(mcfg, {x: 0, **ccfg})
            total += pc * w * d
            terms.append((f"{_fmt(pc)} * " if covs else "") + f"{_fmt(w)} * {_fmt(d)}")
    cs = f"sum_{{{_set(covs)}}} P({_set(covs)}) " if covs else ""
    mc = f", {_set(covs)}" if covs else ""
    if kind == "nde":
        est = f"{label} = {cs}sum_{{{_set(m)}}} P({_set(m)} | {x}=0{mc}) [P({y}=1 | {x}=1, {_set(m)}{mc}) - P({y}=1 | {x}=0, {_set(m)}{mc})]"
    else:
        est = f"{label} = {cs}sum_{{{_set(m)}}} P({y}=1 | {x}=0, {_set(m)}{mc}) [P({_set(m)} | {x}=1{mc}) - P({_set(m)} | {x}=0{mc})]"
    return QueryResult(kind, total, "mediation formula", est, " + ".join(terms) + f" = {_fmt(total)}",
                       tuple(c.steps), tuple(c.pf.warnings))


def nde(problem: CausalProblem, *, treatment: str, outcome: str, mediators: Sequence[str] | None = None, **_: Any) -> QueryResult:
    """Natural direct effect (mediation formula, or 0 when there is no direct edge)."""
    return _natural(problem, "nde", treatment, outcome, mediators)


def nie(problem: CausalProblem, *, treatment: str, outcome: str, mediators: Sequence[str] | None = None, **_: Any) -> QueryResult:
    """Natural indirect effect (mediation formula, or the total effect when there is no direct edge)."""
    return _natural(problem, "nie", treatment, outcome, mediators)


def _causation(problem: CausalProblem, kind: str, x: str, y: str) -> QueryResult:
    problem.check(x, y)
    do_val = 0 if kind == "pn" else 1
    inner = _p_do(problem, x, y, do_val, 1)
    c = _Calc(problem.probs())
    py = c.p({y: 1})
    if kind == "pn":
        den = c.p({x: 1, y: 1})
        value = (py - _num(inner.value)) / den if den > 0 else float("nan")
        est = f"PN = P({y}_{{{x}=0}}=0 | {x}=1, {y}=1) = [P({y}=1) - P({y}=1 | do({x}=0))] / P({x}=1, {y}=1)"
        arith = f"({_fmt(py)} - {_fmt(_num(inner.value))}) / {_fmt(den)} = {_fmt(value)}"
    else:
        den = c.p({x: 0, y: 0})
        value = (_num(inner.value) - py) / den if den > 0 else float("nan")
        est = f"PS = P({y}_{{{x}=1}}=1 | {x}=0, {y}=0) = [P({y}=1 | do({x}=1)) - P({y}=1)] / P({x}=0, {y}=0)"
        arith = f"({_fmt(_num(inner.value))} - {_fmt(py)}) / {_fmt(den)} = {_fmt(value)}"
    warns = [f"assumes monotonicity: {x}=1 never prevents {y}=1 for any unit"]
    if not -1e-9 <= value <= 1 + 1e-9:
        warns.append(f"the value {value:.4g} is outside [0, 1]: the stated numbers contradict monotonicity")
    steps = tuple(dict.fromkeys(inner.steps + tuple(c.steps)))
    return QueryResult(kind, value, f"{inner.strategy} + monotonicity", f"{est}; {inner.estimand}",
                       f"{inner.arithmetic}; {arith}", steps, tuple(warns) + inner.warnings)


def pn(problem: CausalProblem, *, treatment: str, outcome: str, **_: Any) -> QueryResult:
    """Probability of necessity ``P(Y_{X=0}=0 | X=1, Y=1)`` (monotone effect)."""
    return _causation(problem, "pn", treatment, outcome)


def ps(problem: CausalProblem, *, treatment: str, outcome: str, **_: Any) -> QueryResult:
    """Probability of sufficiency ``P(Y_{X=1}=1 | X=0, Y=0)`` (monotone effect)."""
    return _causation(problem, "ps", treatment, outcome)


def det_counterfactual(problem: CausalProblem, *, outcome: str, do: Mapping[str, int],
                       evidence: Mapping[str, int] | None = None, **_: Any) -> QueryResult:
    """The outcome's value in the world ``do`` given ``evidence`` (deterministic mechanisms)."""
    return det_cf(problem, outcome, do, {**problem.evidence, **(evidence or {})})
