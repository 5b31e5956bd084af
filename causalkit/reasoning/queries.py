"""Rung-1/2/3 queries on a causal graph with stated probabilities over binary variables.

A :class:`CausalProblem` holds the graph (latent nodes allowed), the stated probabilities
(:class:`~causalkit.reasoning.probability.ProbabilityFacts`) and, for deterministic stories, the
mechanisms. Each query returns a :class:`QueryResult` with the value, the identification strategy,
the estimand and the arithmetic. Rung 2 uses :func:`causalkit.identification.identify`: every
strategy it offers (back-door with each valid set, front-door, the ID formula, instrumental
variables) is a candidate, and the first one whose terms the stated numbers determine is used -
so a problem that states P(V1) and P(Y | V1, X) is solved by adjusting for V1 even if another set
would also be valid.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from causalkit.exceptions import InvalidInputError, NotIdentifiableError, UnknownNodeError
from causalkit.graphs import CausalGraph
from causalkit.graphs.io import parse_graph
from causalkit.reasoning.mechanisms import Mechanism, det_counterfactual
from causalkit.reasoning.probability import MissingProbabilityError, ProbabilityFacts, ProbStatement
from causalkit.results import ResultMixin

__all__ = ["CausalProblem", "QueryResult", "make_problem", "QUERY_TYPES", "run_query", "ate", "det_cf"]

QUERY_TYPES = ("marginal", "correlation", "exp_away", "p_do", "ate", "backadj", "collider_bias", "ett", "att", "nde",
               "nie", "pn", "ps", "det_counterfactual")


@dataclass
class CausalProblem:
    """A causal graph with stated facts: probabilities, deterministic mechanisms, evidence."""

    graph: CausalGraph
    unobserved: tuple[str, ...] = ()
    probabilities: ProbabilityFacts | None = None
    mechanisms: tuple[Mechanism, ...] = ()
    evidence: dict[str, int] = field(default_factory=dict)

    @property
    def observed(self) -> list[str]:
        """Observed variables."""
        return [v for v in self.graph.nodes if v not in self.unobserved]

    def probs(self) -> ProbabilityFacts:
        """The stated probabilities (error if none were given)."""
        if self.probabilities is None:
            raise InvalidInputError("This query needs stated probabilities, and the problem has none.")
        return self.probabilities

    def check(self, *nodes: str) -> None:
        """Raise UnknownNodeError for a node that is not in the graph."""
        for n in nodes:
            if n not in self.graph:
                raise UnknownNodeError(f"{n!r} is not a variable of the causal graph ({self.graph.nodes}).")


def make_problem(edges: Any, probabilities: Iterable[str | ProbStatement] = (), *, unobserved: Iterable[str] = (),
                 mechanisms: Iterable[Mechanism] = (), evidence: Mapping[str, int] | None = None,
                 nodes: Sequence[str] | None = None, approximate: bool = False) -> CausalProblem:
    """Build a :class:`CausalProblem` from edges and probability statements.

    Parameters
    ----------
    edges : graph description
        E.g. ``["Z --> X", "Z --> Y", "X --> Y"]`` (a DAG; latent nodes listed in ``unobserved``).
    probabilities : iterable of str or ProbStatement
        E.g. ``"P(Y=1 | X=0, Z=1) = 0.3"``.
    unobserved : iterable of str
    mechanisms : iterable of Mechanism
    evidence : mapping, optional
    nodes : sequence of str, optional
        Extra (isolated) nodes.
    approximate : bool
        Allow the approximate fallback of :class:`ProbabilityFacts`.

    Examples
    --------
    >>> p = make_problem(["Z --> X", "Z --> Y", "X --> Y"], ["P(Z=1) = 0.5", "P(Y=1 | X=1, Z=0) = 0.6",
    ...     "P(Y=1 | X=1, Z=1) = 0.8", "P(Y=1 | X=0, Z=0) = 0.2", "P(Y=1 | X=0, Z=1) = 0.4"])
    >>> round(run_query(p, "ate", treatment="X", outcome="Y").value, 3)
    0.4
    """
    graph = parse_graph(list(edges) if not isinstance(edges, (str, CausalGraph)) else edges)
    for n in nodes or ():
        graph.add_node(n)
    graph.require_dag("A causal problem")
    hidden = tuple(unobserved)
    graph.check_nodes(hidden)
    observed = [v for v in graph.nodes if v not in hidden]
    stmts = list(probabilities)
    pf = ProbabilityFacts(stmts, observed, graph=graph, approximate=approximate) if stmts else None
    return CausalProblem(graph, hidden, pf, tuple(mechanisms), dict(evidence or {}))


@dataclass(frozen=True, repr=False)
class QueryResult(ResultMixin):
    """The answer to one query.

    Attributes
    ----------
    query : str
        One of :data:`QUERY_TYPES`.
    value : float or None
        The quantity (a probability difference, a 0/1 counterfactual value, ...); None if undetermined.
    strategy : str
        How it was identified: ``"observational"``, ``"backdoor"``, ``"frontdoor"``, ``"iv"``,
        ``"general"``, ``"no causal path"``, ``"mediation formula"``, ``"graph"``, ``"mechanisms"``.
    estimand : str
        The formula.
    arithmetic : str
        The formula with the numbers substituted.
    steps : tuple of str
        How each term was obtained from the stated facts.
    warnings : tuple of str
    """

    query: str
    value: float | None
    strategy: str
    estimand: str
    arithmetic: str = ""
    steps: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """The derivation as text."""
        lines = [f"query: {self.query}", f"strategy: {self.strategy}", f"estimand: {self.estimand}"]
        if self.steps:
            lines += ["terms:"] + [f"  {s}" for s in self.steps]
        if self.arithmetic:
            lines.append(f"arithmetic: {self.arithmetic}")
        lines.append("value: " + ("undetermined" if self.value is None else f"{self.value:.4g}"))
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row."""
        return pd.DataFrame([{"query": self.query, "value": self.value, "strategy": self.strategy, "estimand": self.estimand}])

    def __repr__(self) -> str:
        return f"QueryResult({self.query}={self.value}, strategy={self.strategy!r})"


@dataclass
class _Calc:
    """Accumulates the value, the substituted arithmetic and the term derivations of one formula."""

    pf: ProbabilityFacts
    steps: list[str] = field(default_factory=list)

    def p(self, event: Mapping[str, int], given: Mapping[str, int] | None = None) -> float:
        d = self.pf.get(event, given)
        for line in d.how.splitlines():
            if line not in self.steps:
                self.steps.append(line)
        return d.value


def _configs(names: Sequence[str]) -> list[dict[str, int]]:
    return [dict(zip(names, c, strict=True)) for c in itertools.product((0, 1), repeat=len(names))]


def _num(v: float | None) -> float:
    """A computed value that must be a number (interventional probabilities always are)."""
    return float("nan") if v is None else float(v)


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _set(names: Sequence[str]) -> str:
    return ", ".join(names)


# ---------------------------------------------------------------------------------- identification
@lru_cache(maxsize=2048)
def _strategies(edges: tuple, nodes: tuple, latent: tuple, x: str, y: str) -> tuple:
    """Candidate identifications: ("backdoor", Z), ("frontdoor", M), ("general", formula), ("iv", Z)."""
    from causalkit.identification import identify

    graph = CausalGraph(nodes=list(nodes), edges=list(edges))
    out: list[tuple] = []
    for strategy in ("backdoor", "frontdoor", "general", "iv"):
        try:
            res = identify(graph, x, y, strategy=strategy, latent=list(latent) or None, adjustment="minimal")
        except (NotIdentifiableError, InvalidInputError):
            continue
        if strategy == "backdoor":
            sets = [tuple(s) for s in res.alternatives.get("minimal_adjustment_sets", [])]
            sets += [tuple(res.adjustment_set), tuple(res.alternatives.get("optimal_adjustment_set", ()))]
            sets += _supersets(graph, x, y, latent, sets)
            for z in sorted(dict.fromkeys(sets), key=lambda s: (len(s), s)):
                out.append(("backdoor", z))
        elif strategy == "frontdoor":
            for m in [tuple(res.mediators)] + [tuple(s) for s in res.alternatives.get("frontdoor_sets", [])]:
                if ("frontdoor", m) not in out:
                    out.append(("frontdoor", m))
        elif strategy == "general":
            from causalkit.identification import id_algorithm

            out.append(("general", id_algorithm(graph, x, y, latent=list(latent) or None)))
        elif strategy == "iv" and len(res.instruments) == 1 and not res.adjustment_set:
            out.append(("iv", tuple(res.instruments)))
    return tuple(out)


def _supersets(graph: CausalGraph, x: str, y: str, latent: tuple, sets: list) -> list[tuple]:
    """Valid adjustment sets made of all observed non-descendants of X (a common stated choice)."""
    from causalkit.identification import is_valid_adjustment_set

    desc = graph.descendants(x)
    cands = tuple(sorted(v for v in graph.nodes if v not in desc and v not in (x, y) and v not in latent))
    try:
        ok = is_valid_adjustment_set(graph, x, y, list(cands), latent=list(latent) or None)
    except (InvalidInputError, NotIdentifiableError):
        ok = False
    return [cands] if ok and cands not in sets else []


def _key(problem: CausalProblem) -> tuple:
    g = problem.graph
    return tuple((e.u, e.v) for e in g.edges()), tuple(g.nodes), tuple(problem.unobserved)


def _no_path(problem: CausalProblem, x: str, y: str) -> bool:
    return y not in problem.graph.descendants(x)


# ---------------------------------------------------------------------------------- rung 2
def _p_do(problem: CausalProblem, x: str, y: str, xv: int, yv: int) -> QueryResult:
    """``P(Y=yv | do(X=xv))`` by the first identification the stated numbers support."""
    pf = problem.probs()
    target = f"P({y}={yv} | do({x}={xv}))"
    if _no_path(problem, x, y):
        c = _Calc(pf)
        v = c.p({y: yv})
        return QueryResult("p_do", v, "no causal path", f"{target} = P({y}={yv}) ({x} is not an ancestor of {y})",
                           _fmt(v), tuple(c.steps))
    tried = []
    for strategy, spec in _strategies(*_key(problem), x, y):
        if strategy == "iv":
            continue
        c = _Calc(pf)
        try:
            value, estimand, arith = _evaluate(strategy, spec, c, x, y, xv, yv)
        except MissingProbabilityError as exc:
            tried.append(f"{strategy} {spec if strategy != 'general' else ''}: {exc}")
            continue
        return QueryResult("p_do", value, strategy, f"{target} = {estimand}", arith, tuple(c.steps), tuple(pf.warnings))
    raise NotIdentifiableError(f"{target} could not be computed: " + ("; ".join(tried) or "it is not identifiable from the graph"))


def _evaluate(strategy: str, spec: Any, c: _Calc, x: str, y: str, xv: int, yv: int) -> tuple[float, str, str]:
    if strategy == "backdoor":
        z = list(spec)
        if not z:
            v = c.p({y: yv}, {x: xv})
            return v, f"P({y}={yv} | {x}={xv})", _fmt(v)
        terms, total = [], 0.0
        for cfg in _configs(z):
            pz, py = c.p(cfg), c.p({y: yv}, {x: xv, **cfg})
            total += pz * py
            terms.append(f"{_fmt(pz)} * {_fmt(py)}")
        return total, f"sum_{{{_set(z)}}} P({_set(z)}) P({y}={yv} | {x}={xv}, {_set(z)})", " + ".join(terms) + f" = {_fmt(total)}"
    if strategy == "frontdoor":
        m = list(spec)
        terms, total = [], 0.0
        for cfg in _configs(m):
            pm = c.p(cfg, {x: xv})
            inner, inner_t = 0.0, []
            for xp in (0, 1):
                a, b = c.p({y: yv}, {x: xp, **cfg}), c.p({x: xp})
                inner += a * b
                inner_t.append(f"{_fmt(a)} * {_fmt(b)}")
            total += pm * inner
            terms.append(f"{_fmt(pm)} * ({' + '.join(inner_t)})")
        est = f"sum_{{{_set(m)}}} P({_set(m)} | {x}={xv}) sum_{{{x}'}} P({y}={yv} | {x}', {_set(m)}) P({x}')"
        return total, est, " + ".join(terms) + f" = {_fmt(total)}"
    from causalkit.reasoning._expr_eval import evaluate_formula

    value, arith = evaluate_formula(spec, c.p, {x: xv, y: yv})
    return value, spec.text, arith


def _iv_ate(problem: CausalProblem, x: str, y: str) -> QueryResult | None:
    for strategy, spec in _strategies(*_key(problem), x, y):
        if strategy != "iv":
            continue
        z = spec[0]
        c = _Calc(problem.probs())
        try:
            y1, y0, x1, x0 = c.p({y: 1}, {z: 1}), c.p({y: 1}, {z: 0}), c.p({x: 1}, {z: 1}), c.p({x: 1}, {z: 0})
        except MissingProbabilityError:
            continue
        if abs(x1 - x0) < 1e-12:
            raise NotIdentifiableError(f"The instrument {z} does not move {x} (P({x}=1 | {z}) is the same for both values).")
        v = (y1 - y0) / (x1 - x0)
        est = (f"E[{y} | do({x}=1)] - E[{y} | do({x}=0)] = [P({y}=1 | {z}=1) - P({y}=1 | {z}=0)] / "
               f"[P({x}=1 | {z}=1) - P({x}=1 | {z}=0)]")
        return QueryResult("ate", v, "iv", est, f"({_fmt(y1)} - {_fmt(y0)}) / ({_fmt(x1)} - {_fmt(x0)}) = {_fmt(v)}",
                           tuple(c.steps), ("IV ratio: assumes a homogeneous (linear) effect of the treatment",))
    return None


def ate(problem: CausalProblem, x: str, y: str, xv: int = 1, yv: int = 1) -> QueryResult:
    """``P(Y=yv | do(X=xv)) - P(Y=yv | do(X=1-xv))`` (the ATE for ``xv = yv = 1``)."""
    problem.check(x, y)
    try:
        hi, lo = _p_do(problem, x, y, xv, yv), _p_do(problem, x, y, 1 - xv, yv)
    except NotIdentifiableError as first:
        iv = _iv_ate(problem, x, y)
        if iv is None:
            raise first from None
        sign = (1 if xv == 1 else -1) * (1 if yv == 1 else -1)
        v = sign * _num(iv.value)
        return QueryResult("ate", v, "iv", iv.estimand, iv.arithmetic + (f"; sign-adjusted for {x}={xv}, {y}={yv}: {_fmt(v)}" if sign < 0 else ""),
                           iv.steps, iv.warnings)
    hv, lv = _num(hi.value), _num(lo.value)
    v = hv - lv
    est = f"P({y}={yv} | do({x}={xv})) - P({y}={yv} | do({x}={1 - xv})), {hi.estimand.split(' = ', 1)[0]} = {hi.estimand.split(' = ', 1)[1]}"
    arith = f"{hi.arithmetic} ; {lo.arithmetic} ; difference {_fmt(hv)} - {_fmt(lv)} = {_fmt(v)}"
    return QueryResult("ate", v, hi.strategy, est, arith, tuple(dict.fromkeys(hi.steps + lo.steps)), hi.warnings)


def run_query(problem: CausalProblem, query: str, **kw: Any) -> QueryResult:
    """Dispatch a query by name (see :data:`QUERY_TYPES`) to :mod:`causalkit.reasoning._rung` functions.

    Keyword arguments are those of the query: ``treatment``, ``outcome``, values ``x``/``y``,
    ``collider`` and ``c``, ``mediators``, ``sets`` (backadj), ``do`` and ``evidence``
    (det_counterfactual).
    """
    from causalkit.reasoning import _rung

    if query not in QUERY_TYPES:
        raise InvalidInputError(f"Unknown query {query!r}; choose one of {QUERY_TYPES}.")
    return getattr(_rung, query)(problem, **kw)


def det_cf(problem: CausalProblem, outcome: str, do: Mapping[str, int], evidence: Mapping[str, int]) -> QueryResult:
    """Deterministic counterfactual via the mechanisms."""
    if not problem.mechanisms:
        raise InvalidInputError("A deterministic counterfactual needs the mechanisms (e.g. 'X or Z causes Y').")
    value, text = det_counterfactual(problem.mechanisms, outcome, do, evidence)
    act = ", ".join(f"{k}={v}" for k, v in do.items())
    ev = ", ".join(f"{k}={v}" for k, v in evidence.items())
    return QueryResult("det_counterfactual", None if value is None else float(value), "mechanisms",
                       f"{outcome}_{{{act}}} | {ev}", text)

