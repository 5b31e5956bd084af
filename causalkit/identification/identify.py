"""One entry point: :func:`identify` picks and documents an identification strategy."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, NoReturn

import networkx as nx

from causalkit._validation import as_list, check_choice
from causalkit.exceptions import InvalidInputError, NotIdentifiableError, UnknownNodeError
from causalkit.identification._model import Model, build_model, check_query, fmt_set, projection
from causalkit.identification._separators import list_minimal_separators
from causalkit.identification.adjustment import (
    AdjustmentProblem,
    adjustment_problem,
    check_adjustment_choice,
    choose_optimal,
    no_adjustment_reason,
    parents_set,
    smallest_minimal_set,
)
from causalkit.identification.frontdoor import _largest_set, frontdoor_violation, search_frontdoor
from causalkit.identification.general import Formula, run_id
from causalkit.identification.iv import instrument_check, search_instruments
from causalkit.results import IdentificationResult, provenance

__all__ = ["identify", "STRATEGIES"]

STRATEGIES = ("auto", "backdoor", "frontdoor", "iv", "general")

_GRAPH_ASSUMPTION = (
    "the causal graph is correct: no missing edges and no hidden common causes beyond those drawn"
)


def _names(nodes: list[Any]) -> str:
    return ", ".join(map(str, nodes))


def _backdoor_estimand(xs: list[Any], ys: list[Any], z: tuple[Any, ...]) -> str:
    x, y = _names(xs), _names(ys)
    if not z:
        return f"E[{y} | do({x})] = E[{y} | {x}]"
    zname = str(z[0]) if len(z) == 1 else f"({_names(list(z))})"
    return f"E[{y} | do({x})] = sum_z E[{y} | {x}, {zname}=z] P({zname}=z)"


def _frontdoor_estimand(x: Any, y: Any, m: tuple[Any, ...]) -> str:
    mname = str(m[0]) if len(m) == 1 else f"({_names(list(m))})"
    return f"E[{y} | do({x}=x)] = sum_m P({mname}=m | {x}=x) sum_x' E[{y} | {x}=x', {mname}=m] P({x}=x')"


def _iv_estimand(x: Any, y: Any, zs: tuple[Any, ...], w: tuple[Any, ...]) -> str:
    given = f" | {_names(list(w))}" if w else ""
    if len(zs) == 1:
        return f"effect of {x} on {y} = Cov({zs[0]}, {y}{given}) / Cov({zs[0]}, {x}{given})  (IV / Wald ratio)"
    return (
        f"effect of {x} on {y} = two-stage least squares: regress {x} on ({_names(list(zs))}"
        f"{', ' + _names(list(w)) if w else ''}), then {y} on the fitted {x}"
    )


def _descendant_warning(model: Model, xs: list[Any], ys: list[Any]) -> str | None:
    if model.is_class:
        reach = model.possible_reach(xs, forward=True)
    else:
        reach = set().union(*(nx.descendants(model.dag, x) for x in xs))
    if not set(ys) & reach:
        return f"{_names(ys)} is not a descendant of {_names(xs)}: the causal effect is zero under this graph"
    return None


def _backdoor_result(
    problem: AdjustmentProblem, adjustment: str, warnings: list[str]
) -> IdentificationResult:
    chooser = {"optimal": choose_optimal, "minimal": smallest_minimal_set, "parents": parents_set}[
        adjustment
    ]
    z = chooser(problem)
    model, xs, ys = problem.model, problem.xs, problem.ys
    assumptions = [
        f"no unobserved confounding given {fmt_set(z)}: it blocks every back-door path from "
        f"{_names(xs)} to {_names(ys)} and holds no descendant of a mediator",
        f"positivity: every value of {_names(xs)} has positive probability at every value of {fmt_set(z)}",
        _GRAPH_ASSUMPTION,
    ]
    if model.is_class:
        assumptions.append(
            f"the true graph is in the equivalence class of this {model.kind.upper()}; the set is valid in every member"
        )
    return IdentificationResult(
        strategy="backdoor",
        treatment=_names(xs),
        outcome=_names(ys),
        estimand=_backdoor_estimand(xs, ys, z),
        adjustment_set=z,
        assumptions=tuple(assumptions),
        warnings=tuple(warnings),
    )


def _frontdoor_result(
    x: Any, y: Any, m: tuple[Any, ...], warnings: list[str]
) -> IdentificationResult:
    ms = fmt_set(m)
    return IdentificationResult(
        strategy="frontdoor",
        treatment=str(x),
        outcome=str(y),
        estimand=_frontdoor_estimand(x, y, m),
        mediators=m,
        assumptions=(
            f"{ms} intercepts every directed path from {x} to {y} (no direct effect bypassing it)",
            f"no unblocked back-door path from {x} to {ms} (the mediators are not confounded with {x})",
            f"{x} blocks every back-door path from {ms} to {y}",
            f"positivity: P({ms} | {x}) > 0 and P({x}) > 0 for all values",
            _GRAPH_ASSUMPTION,
        ),
        warnings=tuple(warnings),
    )


def _iv_result(
    x: Any, y: Any, zs: tuple[Any, ...], w: tuple[Any, ...], warnings: list[str]
) -> IdentificationResult:
    zset, given = fmt_set(zs), (f" given {fmt_set(w)}" if w else "")
    return IdentificationResult(
        strategy="iv",
        treatment=str(x),
        outcome=str(y),
        estimand=_iv_estimand(x, y, zs, w),
        instruments=zs,
        adjustment_set=w,
        assumptions=(
            f"relevance: {zset} is associated with {x}{given}",
            f"exclusion: {zset} affects {y} only through {x}",
            f"unconfoundedness: {zset} shares no unblocked path with {y} except through {x}{given}",
            f"homogeneity: the effect of {x} on {y} is linear and the same for everyone "
            "(otherwise, with monotonicity, the ratio is a local average effect for compliers)",
            _GRAPH_ASSUMPTION,
        ),
        warnings=tuple(warnings),
    )


def _general_result(formula: Formula, warnings: list[str]) -> IdentificationResult:
    return IdentificationResult(
        strategy="general",
        treatment=_names(formula.treatment),
        outcome=_names(formula.outcome),
        estimand=str(formula),
        assumptions=(
            "the ADMG is correct: every latent common cause is drawn as a bidirected edge <->",
            "positivity: every conditional probability in the formula is well defined",
            "E[Y | do(X)] is the mean of this distribution",
        ),
        warnings=tuple(warnings),
    )


def _declared_instruments(
    model: Model, x: Any, y: Any, instruments: Any, warnings: list[str]
) -> IdentificationResult:
    zs = as_list(instruments)
    if not zs:
        raise InvalidInputError(
            "`instruments` is empty; name at least one instrument or leave it None."
        )
    for z in zs:
        if z not in model.dag:
            raise UnknownNodeError(f"The instrument {z!r} is not a node of the graph.")
        if z not in model.observed or z in (x, y):
            raise InvalidInputError(
                f"The instrument {z!r} must be an observed node other than the treatment and outcome."
            )
    found = search_instruments(model, x, y)
    bad = []
    for z in zs:
        check = instrument_check(model, x, y, z, found.get(z, ()))
        if not check.valid:
            bad.append((z, check))
    if bad:
        z, check = bad[0]
        raise NotIdentifiableError(
            f"{z!r} is not a valid instrument for the effect of {x} on {y}: {check.reason}.",
            reason=check.reason,
            paths=list(check.paths),
        )
    ws = {found.get(z, ()) for z in zs}
    w = tuple(sorted(set().union(*ws), key=str))
    return _iv_result(x, y, tuple(zs), w, warnings)


def identify(
    graph: Any,
    treatment: Any,
    outcome: Any,
    *,
    strategy: str = "auto",
    instruments: Iterable[Any] | None = None,
    adjustment: str = "optimal",
    latent: Iterable[Any] | None = None,
) -> IdentificationResult:
    """Identify the causal effect of ``treatment`` on ``outcome`` from a causal graph.

    ``strategy="auto"`` tries, in order: covariate adjustment (back-door / generalized adjustment
    criterion), front-door adjustment, the ID algorithm, and instrumental variables (which need an
    extra homogeneity assumption). On CPDAGs and PAGs only adjustment is available.

    Parameters
    ----------
    graph : CausalGraph, networkx.DiGraph, list of edges or str
        A DAG, an ADMG (``u <-> v`` for a latent common cause; a list of edges such as
        ``["X --> Y", "X <-> Y"]`` may hold both edges between one pair), a CPDAG (``---``) or a PAG.
    treatment : str or list of str
        Treatment node(s); front-door and IV need a single treatment.
    outcome : str or list of str
        Outcome node(s).
    strategy : {"auto", "backdoor", "frontdoor", "iv", "general"}
        Restrict to one strategy.
    instruments : iterable of str, optional
        Declared instruments: they are verified (the error says which condition fails) and used.
    adjustment : {"optimal", "minimal", "parents"}
        Which adjustment set to report: the O-set (smallest variance), a smallest minimal set, or the
        treatment's parents. All minimal sets are in ``alternatives["minimal_adjustment_sets"]``.
    latent : iterable of str, optional
        Nodes of ``graph`` that are unobserved.

    Returns
    -------
    IdentificationResult
        Strategy, adjustment set / mediators / instruments, the estimand formula, assumptions,
        alternatives (``minimal_adjustment_sets``, ``optimal_adjustment_set``, ``frontdoor_sets``,
        ``instruments``, ``id_formula``), warnings; ``alternatives`` also records ``graph_kind``, ``elapsed`` (s) and ``versions``.

    Raises
    ------
    NotIdentifiableError
        When no strategy applies; the message says why (an unblocked back-door path, a non-amenable
        CPDAG edge, a shared latent confounder ...), ``.paths`` holds the offending paths.
    UnknownNodeError, InvalidInputError, GraphError
        Unknown nodes, treatment equal to outcome, cyclic graphs (the cycle is shown).

    Examples
    --------
    >>> res = identify(["Z --> X", "Z --> Y", "X --> Y"], "X", "Y")
    >>> res.strategy, res.adjustment_set
    ('backdoor', ('Z',))
    >>> res.estimand
    'E[Y | do(X)] = sum_z E[Y | X, Z=z] P(Z=z)'
    >>> identify(["X --> M", "M --> Y", "X <-> Y"], "X", "Y").mediators
    ('M',)
    """
    start = time.perf_counter()
    check_choice(strategy, STRATEGIES, "strategy")
    adjustment = check_adjustment_choice(adjustment)
    model = build_model(graph, latent)
    xs, ys = check_query(model, treatment, outcome)
    single = len(xs) == 1 and len(ys) == 1
    warnings: list[str] = []
    zero = _descendant_warning(model, xs, ys)
    if zero:
        warnings.append(zero)
    if instruments is not None:
        if strategy not in ("auto", "iv"):
            raise InvalidInputError(
                f"`instruments` was given but strategy={strategy!r}; use strategy='iv' or 'auto'."
            )
        if not single:
            raise InvalidInputError(
                "Instrumental variables need one treatment and one outcome node."
            )
        result = _declared_instruments(model, xs[0], ys[0], instruments, warnings)
        return _finish(result, model, xs, ys, start, adjustment_problem(model, xs, ys))

    problem = adjustment_problem(model, xs, ys)
    failures: list[tuple[str, str, list[str]]] = []
    if strategy in ("auto", "backdoor"):
        why = no_adjustment_reason(problem)
        if why is None:
            return _finish(
                _backdoor_result(problem, adjustment, warnings), model, xs, ys, start, problem
            )
        failures.append(("covariate adjustment", why[0], why[1]))
        if model.is_class and zero is None:
            _raise(xs, ys, failures, model)
    if model.is_class:
        if zero is not None:  # effect is zero in every member of the class
            return _finish(_zero_result(xs, ys, warnings), model, xs, ys, start, problem)
        raise InvalidInputError(
            f"strategy={strategy!r} needs a single DAG or ADMG; on a {model.kind.upper()} use 'backdoor'."
        )
    if strategy in ("auto", "frontdoor"):
        if single:
            sets = search_frontdoor(model, xs[0], ys[0])
            if sets:
                result = _frontdoor_result(xs[0], ys[0], sets[0], warnings)
                return _finish(result, model, xs, ys, start, problem)
            failures.append(("front-door", _frontdoor_failure(model, xs[0], ys[0]), []))
        else:
            failures.append(("front-door", "it needs a single treatment and outcome", []))
    if strategy in ("auto", "general"):
        try:
            formula = run_id(model, xs, ys)
        except NotIdentifiableError as err:
            failures.append(("ID algorithm", err.reason, []))
        else:
            return _finish(_general_result(formula, warnings), model, xs, ys, start, problem)
    if strategy in ("auto", "iv"):
        if single:
            found = search_instruments(model, xs[0], ys[0])
            if found:
                first_w = next(iter(found.values()))
                zs = tuple(z for z, w in found.items() if w == first_w)
                result = _iv_result(xs[0], ys[0], zs, first_w, warnings)
                return _finish(result, model, xs, ys, start, problem)
            failures.append(("instrumental variables", _iv_failure(model, xs[0], ys[0]), []))
        else:
            failures.append(
                ("instrumental variables", "they need a single treatment and outcome", [])
            )
    _raise(xs, ys, failures, model)


def _zero_result(xs: list[Any], ys: list[Any], warnings: list[str]) -> IdentificationResult:
    return IdentificationResult(
        strategy="general",
        treatment=_names(xs),
        outcome=_names(ys),
        estimand=f"P({_names(ys)} | do({_names(xs)})) = P({_names(ys)})",
        assumptions=(_GRAPH_ASSUMPTION,),
        warnings=tuple(warnings),
    )


def _frontdoor_failure(model: Model, x: Any, y: Any) -> str:
    dag = model.dag
    on_paths = (nx.descendants(dag, x) & nx.ancestors(dag, y)) & set(model.observed)
    if not on_paths:
        return f"no observed variable lies on a causal path from {x} to {y}"
    largest = _largest_set(model, x, y)
    if not largest:
        return f"no observed mediator of {x} -> {y} is free of confounding with {x} and {y}"
    why = frontdoor_violation(model, x, y, largest)
    return (
        f"the largest candidate set {fmt_set(largest)} fails: {why[0]}" if why else "no set found"
    )


def _iv_failure(model: Model, x: Any, y: Any) -> str:
    de_x = nx.descendants(model.dag, x)
    cands = [n for n in model.observed if n not in (x, y) and n not in de_x]
    if not cands:
        return f"no observed variable other than descendants of {x} could serve as an instrument"
    reasons = [f"{z}: {instrument_check(model, x, y, z).reason}" for z in cands[:3]]
    return "no valid instrument (" + "; ".join(reasons) + (")" if len(cands) <= 3 else "; ...)")


def _raise(
    xs: list[Any], ys: list[Any], failures: list[tuple[str, str, list[str]]], model: Model
) -> NoReturn:
    x, y = _names(xs), _names(ys)
    paths = [p for f in failures for p in f[2]]
    lead = ""
    if not model.is_class and any(
        frozenset((a, b)) in projection(model)[1] for a in xs for b in ys
    ):
        lead = (
            f"{x} and {y} share a latent confounder ({x} <-> {y}) and there is no mediator or instrument "
            "that identifies the effect. "
        )
    detail = " ".join(f"{name}: {reason}." for name, reason, _ in failures)
    reason = failures[0][1] if failures else "no strategy applies"
    raise NotIdentifiableError(
        f"The effect of {x} on {y} is not identifiable from this graph. {lead}{detail}",
        reason=reason,
        paths=paths,
    )


def _finish(
    result: IdentificationResult,
    model: Model,
    xs: list[Any],
    ys: list[Any],
    start: float,
    problem: AdjustmentProblem,
) -> IdentificationResult:
    """Fill in the alternatives (other valid specifications) and provenance."""
    alt: dict[str, Any] = {}
    if no_adjustment_reason(problem) is None:
        sets, truncated = list_minimal_separators(
            problem.pbd, set(xs), set(ys), problem.allowed, 1000
        )
        alt["minimal_adjustment_sets"] = sorted(
            (sorted(map(str, s)) for s in sets), key=lambda s: (len(s), s)
        )
        alt["optimal_adjustment_set"] = [str(n) for n in choose_optimal(problem)]
        if truncated:
            alt["minimal_adjustment_sets_truncated"] = True
    if not model.is_class and len(xs) == 1 and len(ys) == 1:
        fd = search_frontdoor(model, xs[0], ys[0])
        if fd:
            alt["frontdoor_sets"] = [list(map(str, s)) for s in fd]
        ivs = search_instruments(model, xs[0], ys[0])
        if ivs:
            alt["instruments"] = {str(z): list(map(str, w)) for z, w in ivs.items()}
    if not model.is_class:
        try:
            alt["id_formula"] = str(run_id(model, xs, ys))
        except NotIdentifiableError:
            pass
    alt["graph_kind"] = model.kind
    alt["elapsed"] = time.perf_counter() - start
    alt["versions"] = provenance(networkx=nx.__version__)
    return IdentificationResult(
        strategy=result.strategy,
        treatment=result.treatment,
        outcome=result.outcome,
        estimand=result.estimand,
        adjustment_set=tuple(map(str, result.adjustment_set)),
        mediators=tuple(map(str, result.mediators)),
        instruments=tuple(map(str, result.instruments)),
        assumptions=result.assumptions,
        alternatives=alt,
        warnings=result.warnings,
    )
