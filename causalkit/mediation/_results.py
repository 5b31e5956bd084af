"""Building :class:`~causalkit.results.MediationResult` objects.

:func:`mediation_result_from_samples` is public on purpose: any module that can produce replicates
of the total, direct and indirect effects (data mediation, or mediation through language-model
components in :mod:`causalkit.interp`) turns them into the same result type with it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from causalkit._validation import check_alpha
from causalkit.estimation._base import make_estimate
from causalkit.exceptions import InvalidInputError
from causalkit.results import EffectEstimate, MediationResult, provenance

__all__ = ["mediation_result_from_samples"]

EFFECTS = ("te", "nde", "nie", "cde")
_ESTIMAND = {"te": "TE", "nde": "NDE", "nie": "NIE", "cde": "CDE"}


def _as_samples(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"`{name}` must be a 1-D array of numbers.") from exc
    if arr.size < 2:
        raise InvalidInputError(f"`{name}` needs at least 2 replicates; got {arr.size}.")
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(f"`{name}` contains NaN or infinite values; drop failed replicates first.")
    return arr


def _proportion(te: float, nie: float) -> float:
    return float(nie / te) if te != 0 and np.isfinite(te) else float("nan")


def assemble_result(
    points: Mapping[str, float],
    stderrs: Mapping[str, float],
    cis: Mapping[str, tuple[float, float] | None],
    *,
    treatment: str,
    mediator: str,
    outcome: str,
    method: str,
    alpha: float,
    n_obs: int,
    pm_ci: tuple[float, float],
    adjustment_set: Iterable[str] = (),
    params: dict[str, Any] | None = None,
    diagnostics: Mapping[str, dict[str, Any]] | None = None,
    warnings: Iterable[str] = (),
    started: float | None = None,
) -> MediationResult:
    """Assemble a :class:`MediationResult` from point estimates, standard errors and intervals.

    ``points`` has keys ``te``, ``nde``, ``nie`` and optionally ``cde``; a ``None`` interval means a
    normal interval from the standard error.
    """
    warnings = list(warnings)
    started = time.perf_counter() if started is None else started
    estimates: dict[str, EffectEstimate] = {}
    for key in EFFECTS:
        if key not in points or points[key] is None:
            continue
        estimates[key] = make_estimate(
            points[key], stderrs[key], alpha=alpha, estimand=_ESTIMAND[key], method=method,
            treatment=treatment, outcome=outcome, n_obs=n_obs, adjustment_set=adjustment_set,
            warnings=warnings, params=dict(params or {}, mediator=mediator),
            diagnostics=dict((diagnostics or {}).get(key, {})), started=started, ci=cis.get(key),
        )
    te, nie = estimates["te"], estimates["nie"]
    if te.ci[0] <= 0 <= te.ci[1]:
        warnings.append(
            "The total effect's interval includes 0, so the proportion mediated (NIE / TE) is unstable."
        )
    return MediationResult(
        total_effect=te,
        direct_effect=estimates["nde"],
        indirect_effect=nie,
        treatment=treatment,
        mediator=mediator,
        outcome=outcome,
        method=method,
        proportion_mediated=_proportion(te.value, nie.value),
        proportion_mediated_ci=tuple(map(float, pm_ci)),  # type: ignore[arg-type]
        controlled_direct_effect=estimates.get("cde"),
        params=dict(params or {}, warnings=warnings, versions=provenance()),
        elapsed=time.perf_counter() - started,
    )


def mediation_result_from_samples(
    te_samples: Any,
    nde_samples: Any,
    nie_samples: Any,
    *,
    treatment: str,
    mediator: str,
    outcome: str,
    te: float | None = None,
    nde: float | None = None,
    nie: float | None = None,
    cde_samples: Any = None,
    cde: float | None = None,
    method: str = "bootstrap",
    alpha: float = 0.05,
    n_obs: int | None = None,
    adjustment_set: Iterable[str] = (),
    params: dict[str, Any] | None = None,
    warnings: Iterable[str] = (),
    started: float | None = None,
) -> MediationResult:
    """Build a :class:`~causalkit.results.MediationResult` from replicates of the effects.

    Each effect's standard error is the standard deviation of its replicates and its interval the
    percentile interval at level ``1 - alpha``; the proportion mediated is ``NIE / TE`` with the
    percentile interval of the replicate ratios (replicates must then be paired: same length, the
    ``i``-th of each from the same resample).

    Parameters
    ----------
    te_samples, nde_samples, nie_samples : array-like
        Replicates (bootstrap, posterior or per-prompt draws) of the total, natural direct and
        natural indirect effects.
    treatment, mediator, outcome : str
        Names (for model components the mediator is the component set's name).
    te, nde, nie : float, optional
        Point estimates; default the replicate means.
    cde_samples, cde : optional
        Replicates and point estimate of the controlled direct effect.
    method : str
        Method name recorded in the result.
    alpha : float
        Interval level.
    n_obs : int, optional
        Number of units behind the estimate (default: number of replicates).
    adjustment_set : iterable of str
        Covariates adjusted for.
    params : dict, optional
        Parameters to record.
    warnings : iterable of str
        Notes to attach to every estimate.
    started : float, optional
        ``time.perf_counter()`` at the start of the analysis, for the elapsed time.

    Returns
    -------
    MediationResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> nde, nie = 1 + 0.1 * rng.normal(size=500), 0.5 + 0.1 * rng.normal(size=500)
    >>> res = mediation_result_from_samples(nde + nie, nde, nie, treatment="T", mediator="M", outcome="Y")
    >>> round(res.total_effect.value, 1), round(res.proportion_mediated, 2)
    (1.5, 0.33)
    """
    alpha = check_alpha(alpha)
    samples = {"te": _as_samples(te_samples, "te_samples"), "nde": _as_samples(nde_samples, "nde_samples"),
               "nie": _as_samples(nie_samples, "nie_samples")}
    given: dict[str, float | None] = {"te": te, "nde": nde, "nie": nie}
    if cde_samples is not None:
        samples["cde"] = _as_samples(cde_samples, "cde_samples")
        given["cde"] = cde
    points = {k: float(samples[k].mean() if given[k] is None else given[k]) for k in samples}  # type: ignore[arg-type]
    stderrs = {k: float(v.std(ddof=1)) for k, v in samples.items()}
    cis = {k: tuple(map(float, np.quantile(v, [alpha / 2, 1 - alpha / 2]))) for k, v in samples.items()}
    pm_ci = (float("nan"), float("nan"))
    if len(samples["te"]) == len(samples["nie"]):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = samples["nie"] / samples["te"]
        ratio = ratio[np.isfinite(ratio)]
        if len(ratio) >= 2:
            pm_ci = tuple(map(float, np.quantile(ratio, [alpha / 2, 1 - alpha / 2])))  # type: ignore[assignment]
    diagnostics = {k: {"n_replicates": int(len(v))} for k, v in samples.items()}
    return assemble_result(
        points, stderrs, cis,  # type: ignore[arg-type]
        treatment=treatment, mediator=mediator, outcome=outcome, method=method, alpha=alpha,
        n_obs=int(n_obs if n_obs is not None else len(samples["te"])), pm_ci=pm_ci,
        adjustment_set=adjustment_set, params=params, diagnostics=diagnostics, warnings=warnings,
        started=started,
    )
