"""Average causal effects computed from a fitted structural causal model, with their uncertainty."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from causalkit._validation import check_alpha, check_positive_int, check_random_state
from causalkit.estimation._base import make_estimate
from causalkit.exceptions import InvalidInputError
from causalkit.results import EffectEstimate
from causalkit.scm._bootstrap import bootstrap_replicates
from causalkit.scm._interventions import describe_value

if TYPE_CHECKING:  # pragma: no cover
    from causalkit.scm._model import StructuralCausalModel

__all__ = ["scm_effect"]


def scm_effect(
    scm: StructuralCausalModel,
    treatment: str,
    outcome: str,
    treatment_value: Any = 1,
    control_value: Any = 0,
    n: int = 10_000,
    *,
    random_state: Any = None,
    n_boot: int = 0,
    alpha: float = 0.05,
    n_jobs: int | None = None,
) -> EffectEstimate:
    """``E[Y | do(T = treatment_value)] - E[Y | do(T = control_value)]`` under a fitted SCM.

    Both arms are simulated with the *same* exogenous noise (common random numbers), so the Monte
    Carlo error is that of the mean of unit-level differences (zero for a linear model).

    What the uncertainty covers: with ``n_boot=0`` the standard error and interval are **Monte
    Carlo error only** - they treat the fitted mechanisms as the truth and say nothing about
    estimation uncertainty (a warning on the result says so). With ``n_boot > 0`` the model is
    refitted on ``n_boot`` bootstrap resamples of the training data (same mechanism kinds); the
    standard error is the standard deviation of the refitted effects (estimation error plus the
    small Monte Carlo error of each replicate) and the interval is the percentile interval.
    Neither covers misspecification of the graph or of the mechanisms.

    Parameters
    ----------
    scm : StructuralCausalModel
        A fitted model.
    treatment, outcome : str
        Nodes.
    treatment_value, control_value : scalar, array or callable
        The two interventions on ``treatment`` (as in :meth:`StructuralCausalModel.do`).
    n : int
        Monte Carlo units per evaluation.
    random_state : int, Generator or None
        Seed.
    n_boot : int
        Bootstrap refits (0 = none).
    alpha : float
        Level of the interval.
    n_jobs : int or None
        joblib parallelism over bootstrap refits.

    Returns
    -------
    EffectEstimate
    """
    started = time.perf_counter()
    scm._check_fitted()
    scm._check_node(treatment, "treatment")
    scm._check_node(outcome, "outcome")
    if treatment == outcome:
        raise InvalidInputError(f"The treatment and the outcome are the same node ({treatment!r}).")
    n = check_positive_int(n, "n", minimum=2)
    n_boot = check_positive_int(n_boot, "n_boot", minimum=0)
    alpha = check_alpha(alpha)
    rng = check_random_state(random_state)
    diff = scm._contrast(treatment, outcome, treatment_value, control_value, n, rng)
    value, mc_se = float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(n))
    warnings: list[str] = []
    if outcome not in scm.graph_.descendants(treatment):
        warnings.append(f"There is no directed path {treatment} --> {outcome}; the effect is zero by the graph.")
    ci = None
    params = {"n": n, "n_boot": n_boot, "treatment_value": describe_value(treatment_value),
              "control_value": describe_value(control_value), "mechanisms": dict(scm.mechanism_kinds_)}
    if n_boot:
        def stat(idx: np.ndarray, r: np.random.Generator) -> np.ndarray:
            refit = scm._refit(idx, r)
            return np.array([refit._contrast(treatment, outcome, treatment_value, control_value, n, r).mean()])

        reps = bootstrap_replicates(stat, scm.n_obs_, n_boot=n_boot, random_state=rng, n_jobs=n_jobs,
                                    what="the SCM effect")[:, 0]
        stderr = float(reps.std(ddof=1))
        ci = tuple(map(float, np.quantile(reps, [alpha / 2, 1 - alpha / 2])))
        params["ci_method"] = "bootstrap refits (percentile)"
    else:
        stderr = mc_se
        params["ci_method"] = "Monte Carlo (normal)"
        warnings.append("stderr and CI cover Monte Carlo error only, not estimation uncertainty; "
                        "pass n_boot (e.g. 200) to bootstrap over refits.")
    return make_estimate(
        value, stderr, alpha=alpha, estimand="ATE", method="scm", treatment=treatment, outcome=outcome,
        n_obs=scm.n_obs_, warnings=warnings, params=params,
        diagnostics={"mc_stderr": mc_se}, started=started, ci=ci,  # type: ignore[arg-type]
    )

