"""Effect tools: identify, estimate, refute and mediate, each a thin wrapper over causalkit."""

from __future__ import annotations

from typing import Any

from agent.exceptions import ToolInputError
from agent.session import Session, quote
from agent.tools._base import check_columns, clean_rows, fmt, require_session, tool

__all__ = ["identify", "estimate", "refute", "mediate", "estimate_summary", "latent_nodes",
           "DEFAULT_REFUTERS"]

DEFAULT_REFUTERS = ("placebo_treatment", "random_common_cause", "data_subset", "e_value")


def latent_nodes(session: Session, graph: Any) -> list[str]:
    """Graph nodes that are not columns of the current dataset (treated as unobserved)."""
    if "data" not in session.current:
        return []
    cols = set(map(str, session.data().columns))
    return [n for n in graph.nodes if str(n) not in cols]


def _failures(session: Session) -> dict[str, str]:
    return session.spec.setdefault("identification_failures", {})


@tool
def identify(treatment: str, outcome: str, graph: str | None = None, strategy: str = "auto",
             session: Session | None = None) -> dict[str, Any]:
    """Identify the effect of treatment on outcome from a causal graph (back-door, front-door, IV or ID).

    Parameters
    ----------
    treatment : str
        Treatment node.
    outcome : str
        Outcome node.
    graph : str
        Graph handle (default: the current graph).
    strategy : str
        auto, backdoor, frontdoor, iv or general.
    """
    from causalkit.exceptions import NotIdentifiableError
    from causalkit.identification import identify as run_identify

    session = require_session(session)
    graph_handle, item = session.stored(graph, "graph")
    g = item.value
    latent = latent_nodes(session, g)
    key = f"{treatment} -> {outcome} @ {graph_handle}"
    try:
        result = run_identify(g, treatment, outcome, strategy=strategy, latent=latent or None)
    except NotIdentifiableError as exc:
        _failures(session)[key] = exc.reason
        raise
    for k in [k for k in _failures(session) if k.startswith(f"{treatment} -> {outcome} @")]:
        del _failures(session)[k]
    meta = {"graph": graph_handle, "kwargs": {"strategy": strategy, "latent": latent}}
    handle = session.put("identification", result, meta=meta)
    alternatives = result.alternatives.get("minimal_adjustment_sets")
    out = {
        "handle": handle, "graph": graph_handle, "strategy": result.strategy, "treatment": result.treatment,
        "outcome": result.outcome, "estimand": result.estimand, "adjustment_set": list(result.adjustment_set),
        "mediators": list(result.mediators), "instruments": list(result.instruments),
        "assumptions": list(result.assumptions), "warnings": list(result.warnings),
    }
    if alternatives:
        out["minimal_adjustment_sets"] = [list(a) for a in alternatives][:5]
    return out


def estimate_summary(handle: str, est: Any) -> dict[str, Any]:
    """The numbers of an EffectEstimate a model needs (no arrays)."""
    out = {
        "handle": handle, "estimand": est.estimand, "treatment": est.treatment, "outcome": est.outcome,
        "method": est.method, "value": fmt(est.value, 5), "stderr": fmt(est.stderr, 4),
        "ci": [fmt(est.ci[0], 5), fmt(est.ci[1], 5)], "ci_level": 1 - est.alpha, "p_value": fmt(est.pvalue, 3),
        "n_obs": est.n_obs, "adjustment_set": list(est.adjustment_set), "warnings": list(est.warnings),
    }
    coefs = est.diagnostics.get("cate_coefficients") if isinstance(est.diagnostics, dict) else None
    if coefs is not None:
        out["cate_coefficients"] = coefs if isinstance(coefs, dict) else str(coefs)
    return out


def _descendant_additions(g: Any, treatment: str, extra: list[str]) -> list[str]:
    if g is None or treatment not in g:
        return []
    desc = g.descendants(treatment)
    return [c for c in extra if c in desc]


@tool
def estimate(treatment: str | None = None, outcome: str | None = None, identification: str | None = None,
             method: str = "auto", estimand: str = "ATE", adjust_for: list[str] | None = None,
             adjust_only: bool = False, effect_modifiers: list[str] | None = None, data: str | None = None,
             session: Session | None = None) -> dict[str, Any]:
    """Estimate a causal effect (with standard error and confidence interval) from an identification.

    Parameters
    ----------
    treatment : str
        Treatment column (default: from the identification).
    outcome : str
        Outcome column (default: from the identification).
    identification : str
        Identification handle (default: the latest identification of this treatment and outcome).
    method : str
        auto, regression, ipw, aipw, dml, frontdoor, 2sls or wald.
    estimand : str
        ATE, ATT or ATC.
    adjust_for : list of str
        Extra covariates added to the identified adjustment set (or, without an identification, the full set the user vouches for).
    adjust_only : bool
        Adjust for exactly ``adjust_for`` instead of adding it to the identified set; the set must be valid in the graph.
    effect_modifiers : list of str
        Columns for a conditional (CATE) model.
    data : str
        Data handle (default: the current dataset).
    """
    from causalkit.estimation import estimate as run_estimate

    session = require_session(session)
    data_handle, data_item = session.stored(data, "data")
    ident_handle, ident = None, None
    if identification is not None or "identification" in session.current:
        ident_handle, ident_item = session.stored(identification, "identification")
        ident = ident_item.value
        if identification is None and ((treatment and treatment != ident.treatment) or (outcome and outcome != ident.outcome)):
            ident_handle, ident = None, None  # the current identification is for another question
    treatment = treatment or (ident.treatment if ident else None)
    outcome = outcome or (ident.outcome if ident else None)
    if not treatment or not outcome:
        raise ToolInputError("Name the treatment and the outcome (or call identify first).")
    df = data_item.value
    check_columns(df, [treatment, outcome])
    failed = {k: v for k, v in session.spec.get("identification_failures", {}).items()
              if k.startswith(f"{treatment} -> {outcome} @")}
    if ident is None and not adjust_for and failed:
        raise ToolInputError(
            f"The effect of {quote(treatment)} on {quote(outcome)} was not identified ({next(iter(failed.values()))}); "
            "an estimate would not be a causal effect. Change the graph or name an adjustment set the user vouches for."
        )
    extra = check_columns(df, adjust_for or [], role="adjustment variable")
    already: list[str] = []
    adjustment = None
    g = session.graph() if "graph" in session.current else None
    if extra:
        bad = _descendant_additions(g, treatment, extra)
        if bad:
            raise ToolInputError(
                f"Refusing to adjust for {', '.join(map(quote, bad))}: in the current graph they are affected by "
                f"{quote(treatment)} (mediators or colliders), so adjusting would bias the effect."
            )
        base = list(ident.adjustment_set) if ident is not None and ident.strategy == "backdoor" else []
        if adjust_only:
            _check_valid_set(g, treatment, outcome, extra)
            adjustment = list(dict.fromkeys(extra))
        else:
            already = [c for c in extra if c in base]
            adjustment = list(dict.fromkeys(base + extra))
    mods = check_columns(df, effect_modifiers or [], role="effect modifier")
    needed = [treatment, outcome, *(adjustment if adjustment is not None else (ident.adjustment_set if ident else ())),
              *(ident.instruments if ident else ()), *(ident.mediators if ident else ()), *mods]
    needed = [c for c in dict.fromkeys(needed) if c in df.columns]
    clean, dropped = clean_rows(df, needed)
    kwargs: dict[str, Any] = {}
    if mods:
        kwargs["effect_modifiers"] = mods
    est = run_estimate(clean, treatment, outcome, identification=ident, adjustment=adjustment, method=method,
                       estimand=estimand.upper(), random_state=session.seed, **kwargs)
    call = {"treatment": treatment, "outcome": outcome, "method": method, "estimand": estimand.upper(),
            "adjustment": adjustment, "kwargs": kwargs, "random_state": session.seed, "dropna": needed}
    handle = session.put("estimate", est, meta={"data": data_handle, "identification": ident_handle, "call": call})
    out = estimate_summary(handle, est)
    if dropped:
        out["rows_dropped_for_missing_values"] = dropped
    if ident is None:
        out["note"] = "No identification from a graph: the adjustment set is the caller's assumption."
    if extra and not adjust_only and already:
        out["already_adjusted"] = already
    return out


def _check_valid_set(graph: Any, treatment: str, outcome: str, adjustment: list[str]) -> None:
    """Refuse an adjustment set the current graph says is not valid (it would leave bias)."""
    if graph is None:
        return
    from causalkit.identification import is_valid_adjustment_set

    missing = [c for c in adjustment if c not in graph]
    if missing:
        raise ToolInputError(f"{', '.join(map(quote, missing))} is not in the current graph; add it to the graph first.")
    if not is_valid_adjustment_set(graph, treatment, outcome, adjustment):
        raise ToolInputError(
            f"Adjusting for only {{{', '.join(map(quote, adjustment))}}} is not valid in the current graph: it leaves a "
            f"back-door path from {quote(treatment)} to {quote(outcome)} open (or blocks part of the effect), so the "
            "estimate would be biased. Keep the identified set, or change the graph if you know it is wrong."
        )


def _estimate_data(session: Session, item: Any) -> Any:
    df = session.data(item.meta["data"])
    return df.dropna(subset=item.meta["call"]["dropna"])


@tool
def refute(estimate: str | None = None, methods: list[str] | None = None, n_simulations: int = 50,
           session: Session | None = None) -> dict[str, Any]:
    """Check an estimate: placebo treatment, random common cause, data subsets, E-value, robustness value.

    Parameters
    ----------
    estimate : str
        Estimate handle (default: the latest estimate).
    methods : list of str
        Any of placebo_treatment, random_common_cause, data_subset, bootstrap_stability, e_value, robustness_value.
    n_simulations : int
        Refits per simulation-based refuter.
    """
    from causalkit.refutation import refute as run_refute

    session = require_session(session)
    est_handle, item = session.stored(estimate, "estimate")
    est = item.value
    names = list(methods or DEFAULT_REFUTERS)
    if est.estimand not in ("ATE", "ATT", "ATC") or item.meta["call"].get("kwargs"):
        names = [n for n in names if n == "e_value"] or ["e_value"]
    from causalkit.estimation.api import METHODS

    # estimates recorded under another name (e.g. "dml_plr") are refitted with the estimator that made them
    refit = None if est.method.lower() in METHODS else est.params.get("dispatch", {}).get("chosen")
    results = run_refute(_estimate_data(session, item), est, methods=names, n_simulations=n_simulations,
                         random_state=session.seed, **({"method": refit} if refit else {}))
    handle = session.put("refutation", list(results), meta={"estimate": est_handle,
                                                             "call": {"methods": names, "n_simulations": n_simulations,
                                                                      "random_state": session.seed, "method": refit}})
    rows = [{"refuter": r.refuter, "passed": bool(r.passed), r.statistic_name: fmt(r.statistic, 4),
             "reading": r.reading} for r in results]
    failed = [r.refuter for r in results if not r.passed]
    return {"handle": handle, "estimate": est_handle, "results": rows, "all_passed": not failed, "failed": failed}


@tool
def mediate(treatment: str, mediator: str, outcome: str, covariates: list[str] | None = None,
            method: str = "regression", n_boot: int = 200, data: str | None = None,
            session: Session | None = None) -> dict[str, Any]:
    """Split the effect of treatment on outcome into a direct part and a part through the mediator.

    Parameters
    ----------
    treatment : str
        Treatment column.
    mediator : str
        Mediator column.
    outcome : str
        Outcome column.
    covariates : list of str
        Pre-treatment confounders (default: the back-door set from the current graph, if any).
    method : str
        regression or simulation.
    n_boot : int
        Bootstrap replicates for the intervals.
    data : str
        Data handle (default: the current dataset).
    """
    from causalkit.mediation import mediate as run_mediate

    session = require_session(session)
    data_handle, item = session.stored(data, "data")
    df = item.value
    treatment, mediator, outcome = check_columns(df, [treatment, mediator, outcome])
    source = "caller"
    if covariates is None:
        covariates, source = [], "none"
        if "graph" in session.current:
            g = session.graph()
            if all(n in g for n in (treatment, outcome)) and g.kind == "dag":
                desc = g.descendants(treatment)
                covariates = sorted(set(g.parents(treatment)) - desc - {mediator, outcome})
                source = f"parents of {treatment} in {session.current['graph']}"
    covs = check_columns(df, covariates, role="covariate")
    clean, dropped = clean_rows(df, [treatment, mediator, outcome, *covs])
    res = run_mediate(clean, treatment, mediator, outcome, covs, method=method, n_boot=n_boot,
                      random_state=session.seed)
    handle = session.put("mediation", res, meta={"data": data_handle, "call": {
        "treatment": treatment, "mediator": mediator, "outcome": outcome, "covariates": covs, "method": method,
        "n_boot": n_boot, "random_state": session.seed, "dropna": [treatment, mediator, outcome, *covs]}})

    def eff(e: Any) -> dict[str, Any]:
        return {"value": fmt(e.value, 5), "stderr": fmt(e.stderr, 4), "ci": [fmt(e.ci[0], 5), fmt(e.ci[1], 5)]}

    out = {"handle": handle, "treatment": treatment, "mediator": mediator, "outcome": outcome,
           "covariates": covs, "covariates_from": source, "total_effect": eff(res.total_effect),
           "direct_effect": eff(res.direct_effect), "indirect_effect": eff(res.indirect_effect),
           "proportion_mediated": fmt(res.proportion_mediated, 4),
           "proportion_mediated_ci": [fmt(res.proportion_mediated_ci[0], 4), fmt(res.proportion_mediated_ci[1], 4)]}
    if dropped:
        out["rows_dropped_for_missing_values"] = dropped
    return out
