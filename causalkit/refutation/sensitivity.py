"""Sensitivity to unmeasured confounding: E-values and partial-R2 robustness values.

* :func:`e_value` (VanderWeele & Ding, 2017): the minimum strength of association, on the risk
  ratio scale, that an unmeasured confounder would need with both treatment and outcome to
  explain away an estimate, ``E = RR + sqrt(RR (RR - 1))`` (for ``RR >= 1``; use ``1/RR`` below 1).
  Odds and hazard ratios are converted to risk ratios; mean differences through the standardized
  mean difference ``d = effect / sd(Y)`` and ``RR ~ exp(0.91 d)``.
* :func:`robustness_value` (Cinelli & Hazlett, 2020): for a linear regression, the partial R2 of
  the treatment with the outcome and the robustness value ``RV_q``, the share of residual variance
  of both treatment and outcome a confounder must explain to reduce the estimate by
  ``100 q %`` (``RV_{q,alpha}``: to make it insignificant), with bounds benchmarked on observed
  covariates.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from causalkit._validation import as_list, check_alpha, check_choice
from causalkit.estimation._base import prepare
from causalkit.exceptions import InvalidInputError
from causalkit.refutation._linear import covariate_basis, ols_fit, residualise
from causalkit.results import EffectEstimate, RefutationResult

__all__ = ["e_value", "robustness_value", "partial_r2_stats"]

_MEASURES = ("auto", "RR", "OR", "HR", "SMD", "difference")


# ----------------------------------------------------------------------------- E-value


def _e(rr: float, null: float = 1.0) -> float:
    """E-value of a risk ratio ``rr`` relative to the null ``null`` (VanderWeele & Ding, eq. 3)."""
    r = rr / null if rr >= null else null / rr
    return float(r + math.sqrt(r * (r - 1.0)))


def _to_rr(x: float, measure: str, rare: bool) -> float:
    if measure == "OR" and not rare:
        return math.sqrt(x)
    if measure == "HR" and not rare:
        return (1 - 0.5 ** math.sqrt(x)) / (1 - 0.5 ** math.sqrt(1 / x))
    return x


def _positive(name: str, x: float) -> float:
    if not (isinstance(x, numbers.Real) and math.isfinite(x) and x > 0):
        raise InvalidInputError(f"{name} must be a positive ratio on the chosen scale; got {x!r}.")
    return float(x)


def e_value(
    estimate: EffectEstimate | float,
    *,
    measure: str = "auto",
    ci: tuple[float, float] | None = None,
    data: pd.DataFrame | None = None,
    sd_outcome: float | None = None,
    rare_outcome: bool = True,
    true_value: float | None = None,
    threshold: float | None = None,
) -> RefutationResult:
    """E-value of an estimate and of its confidence limit closest to the null.

    Parameters
    ----------
    estimate : EffectEstimate or float
        An EffectEstimate (its value and ``ci`` are used; treated as a mean ``"difference"`` unless
        ``measure`` says otherwise) or a number on the scale given by ``measure``.
    measure : {"auto", "RR", "OR", "HR", "SMD", "difference"}
        Scale of the estimate: risk ratio, odds ratio, hazard ratio, standardized mean difference
        (Cohen's d), or mean difference on the outcome's scale (divided by ``sd_outcome``).
        ``"auto"``: ``"difference"`` for an EffectEstimate, ``"RR"`` for a number.
    ci : (float, float), optional
        Confidence interval on the same scale (taken from an EffectEstimate when not given).
    data : pandas.DataFrame, optional
        With ``measure="difference"``: the data the estimate came from; ``sd_outcome`` defaults to
        the sample standard deviation of its outcome column.
    sd_outcome : float, optional
        Standard deviation of the outcome for ``measure="difference"``.
    rare_outcome : bool
        For OR/HR: whether the outcome is rare (< 15%), so that OR ~ HR ~ RR; otherwise the
        square-root conversions of VanderWeele & Ding are used.
    true_value : float, optional
        Null value to shift to (default: no effect, 1 on ratio scales and 0 on difference scales).
    threshold : float, optional
        Passes when the E-value of the confidence limit is at least this (e.g. the risk ratio of
        the strongest measured confounder). Default: passes when the interval excludes the null
        (E-value of the limit > 1).

    Returns
    -------
    RefutationResult
        ``statistic`` is the E-value of the point estimate; ``params`` holds ``e_value_ci``, the
        risk ratio ``rr`` and its interval ``rr_ci`` used.

    Examples
    --------
    Breastfeeding and infant mortality (VanderWeele & Ding, 2017): RR 3.9, 95% CI 1.8 to 8.7.

    >>> res = e_value(3.9, ci=(1.8, 8.7))
    >>> round(res.statistic, 2), round(res.params["e_value_ci"], 2)
    (7.26, 3.0)
    """
    started = time.perf_counter()
    check_choice(measure, _MEASURES + ("MD",), "measure")
    if measure == "auto":
        measure = "difference" if isinstance(estimate, EffectEstimate) else "RR"
    measure = "difference" if measure == "MD" else measure
    if isinstance(estimate, EffectEstimate):
        value, ci = estimate.value, ci if ci is not None else estimate.ci
    elif isinstance(estimate, numbers.Real) and not isinstance(estimate, bool):
        value = float(estimate)
    else:
        raise InvalidInputError(f"`estimate` must be an EffectEstimate or a number; got {type(estimate).__name__}.")
    if ci is not None and not (len(ci) == 2 and ci[0] <= value <= ci[1]):
        raise InvalidInputError(f"`ci` must be (lower, upper) around the estimate {value}; got {ci!r}.")

    if measure in ("difference", "SMD"):
        sd = 1.0
        if measure == "difference":
            sd = _outcome_sd(estimate, data, sd_outcome)
        null_d = (true_value or 0.0) / sd
        rr, null = math.exp(0.91 * value / sd), math.exp(0.91 * null_d)
        rr_ci = None if ci is None else tuple(math.exp(0.91 * c / sd) for c in ci)
    else:
        rr = _to_rr(_positive("The estimate", value), measure, rare_outcome)
        null = _to_rr(_positive("`true_value`", true_value if true_value is not None else 1.0), measure, rare_outcome)
        rr_ci = None if ci is None else tuple(_to_rr(_positive("A CI limit", c), measure, rare_outcome) for c in ci)

    e_point = _e(rr, null)
    if rr_ci is None:
        e_ci = float("nan")
    else:
        limit = rr_ci[0] if rr > null else rr_ci[1]
        crosses = (rr > null and limit <= null) or (rr < null and limit >= null) or rr == null
        e_ci = 1.0 if crosses else _e(limit, null)
    cut = 1.0 if threshold is None else float(threshold)
    basis = e_ci if rr_ci is not None else e_point
    passed = basis > cut if threshold is None else basis >= cut
    reading = (
        f"To explain away the estimate, an unmeasured confounder would need a risk-ratio association "
        f"of {e_point:.3g} with both treatment and outcome"
        + (f" ({e_ci:.3g} to move the confidence limit to the null)" if rr_ci is not None else "")
    )
    if passed:
        reading += "; weaker confounding could not."
    elif threshold is not None:
        reading += f", below the threshold {threshold:g}."
    else:
        reading += ", and the interval already includes the null."
    return RefutationResult(
        refuter="e_value",
        original_value=float(value),
        new_value=float("nan"),
        passed=bool(passed),
        statistic=e_point,
        statistic_name="E-value",
        reading=reading,
        params={
            "measure": measure, "e_value_ci": e_ci, "rr": rr, "rr_ci": rr_ci, "null_rr": null,
            "threshold": threshold, "rare_outcome": rare_outcome,
        },
        elapsed=time.perf_counter() - started,
    )


def _outcome_sd(estimate: Any, data: pd.DataFrame | None, sd_outcome: float | None) -> float:
    if sd_outcome is not None:
        return _positive("`sd_outcome`", sd_outcome)
    if data is None or not isinstance(estimate, EffectEstimate):
        raise InvalidInputError(
            "measure='difference' needs the outcome's standard deviation: pass `sd_outcome=` or the "
            "`data` together with an EffectEstimate."
        )
    if estimate.outcome not in getattr(data, "columns", ()):
        raise InvalidInputError(f"The outcome {estimate.outcome!r} of the estimate is not a column of `data`.")
    return _positive("The outcome's standard deviation", float(np.std(data[estimate.outcome], ddof=1)))


# ----------------------------------------------------------------------------- partial R2


def partial_r2_stats(t_statistic: float, dof: int, *, q: float = 1.0, alpha: float = 0.05) -> dict[str, float]:
    """Partial R2 and robustness values from a coefficient's t-statistic and residual degrees of freedom.

    Parameters
    ----------
    t_statistic : float
    dof : int
        Residual degrees of freedom of the regression.
    q : float
        Fraction of the estimate to explain away (1: bring it to zero).
    alpha : float
        Significance level for ``rv_q_alpha``.

    Returns
    -------
    dict
        ``partial_r2`` (treatment with outcome), ``rv_q`` and ``rv_q_alpha``.

    Examples
    --------
    Darfur example of Cinelli & Hazlett (2020), 'directlyharmed': t = 4.18, 783 degrees of freedom.

    >>> s = partial_r2_stats(4.18445, 783)
    >>> round(s["partial_r2"], 4), round(s["rv_q"], 3), round(s["rv_q_alpha"], 3)
    (0.0219, 0.139, 0.076)
    """
    if not (isinstance(dof, numbers.Real) and dof > 1):
        raise InvalidInputError(f"`dof` must be larger than 1; got {dof!r}.")
    if not (isinstance(q, numbers.Real) and q > 0):
        raise InvalidInputError(f"`q` must be positive; got {q!r}.")
    alpha = check_alpha(alpha)
    t = float(t_statistic)
    fq = q * abs(t) / math.sqrt(dof)
    f_crit = abs(stats.t.ppf(alpha / 2, dof - 1)) / math.sqrt(dof - 1)
    fqa = fq - f_crit
    if fqa <= 0:
        rv_a = 0.0
    elif fq > 1 / f_crit:  # the constraint r2_yz <= 1 binds (Cinelli & Hazlett, appendix)
        rv_a = (fq**2 - f_crit**2) / (1 + fq**2)
    else:
        rv_a = 0.5 * (math.sqrt(fqa**4 + 4 * fqa**2) - fqa**2)
    return {
        "partial_r2": t * t / (t * t + dof),
        "rv_q": 0.5 * (math.sqrt(fq**4 + 4 * fq**2) - fq**2),
        "rv_q_alpha": float(rv_a),
    }


def _partial_r2_group(target: np.ndarray, others: np.ndarray, group: np.ndarray) -> float:
    """Partial R2 of ``group`` columns with ``target`` given ``others`` (plus intercept)."""
    full = residualise(covariate_basis(np.column_stack([others, group])), target)
    reduced = residualise(covariate_basis(others), target)
    rss_full, rss_red = float(full @ full), float(reduced @ reduced)
    return (rss_red - rss_full) / rss_red if rss_red > 0 else 0.0


def _as_floats(k: float | Sequence[float], name: str) -> list[float]:
    vals: list[Any] = [k] if isinstance(k, numbers.Real) else list(k)  # type: ignore[arg-type]
    if not vals or any(isinstance(v, bool) or not isinstance(v, numbers.Real) or v <= 0 for v in vals):
        raise InvalidInputError(f"`{name}` must be a positive number or a list of them; got {k!r}.")
    return [float(v) for v in vals]


def _bounds(
    prep: Any, benchmarks: list[list[str]], kd: list[float], ky: list[float],
    coef: float, se: float, dof: int, alpha: float, reduce: bool,
) -> list[dict[str, Any]]:
    cols = list(prep.covariates)
    tcrit = float(stats.t.ppf(1 - alpha / 2, dof))
    rows = []
    for group in benchmarks:
        idx = [cols.index(g) for g in group]
        rest = np.delete(prep.X, idx, axis=1)
        r2y = _partial_r2_group(prep.y, np.column_stack([rest, prep.t]), prep.X[:, idx])
        r2d = _partial_r2_group(prep.t, rest, prep.X[:, idx])
        for kd_, ky_ in zip(kd, ky, strict=True):
            r2dz = kd_ * r2d / (1 - r2d)
            r2zxj = kd_ * r2d**2 / ((1 - kd_ * r2d) * (1 - r2d)) if kd_ * r2d < 1 else math.inf
            if r2dz >= 1 or r2zxj >= 1:
                raise InvalidInputError(
                    f"kd={kd_} times the strength of {group} implies a confounder explaining all of the "
                    "treatment's residual variance; use a smaller kd."
                )
            r2yz = min(1.0, ((math.sqrt(ky_) + math.sqrt(r2zxj)) / math.sqrt(1 - r2zxj)) ** 2 * r2y / (1 - r2y))
            bias = math.sqrt(r2yz * r2dz / (1 - r2dz)) * se * math.sqrt(dof)
            adj = math.copysign(abs(coef) - bias if reduce else abs(coef) + bias, coef)
            adj_se = math.sqrt((1 - r2yz) / (1 - r2dz)) * se * math.sqrt(dof / (dof - 1))
            rows.append({
                "benchmark": "+".join(group), "kd": kd_, "ky": ky_, "r2dz_x": r2dz, "r2yz_dx": r2yz,
                "r2dxj_x": r2d, "r2yxj_dx": r2y, "adjusted_estimate": adj, "adjusted_se": adj_se,
                "adjusted_t": adj / adj_se if adj_se > 0 else math.nan,
                "adjusted_ci": (adj - tcrit * adj_se, adj + tcrit * adj_se),
            })
    return rows


def robustness_value(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    adjustment: Iterable[str] | None = (),
    *,
    q: float = 1.0,
    alpha: float = 0.05,
    benchmark_covariates: Iterable[str | Sequence[str]] | str | None = None,
    kd: float | Sequence[float] = 1.0,
    ky: float | Sequence[float] | None = None,
    reduce: bool = True,
) -> RefutationResult:
    """Partial-R2 sensitivity of an OLS treatment coefficient (Cinelli & Hazlett, 2020).

    Fits ``outcome ~ 1 + treatment + adjustment`` by OLS and reports the partial R2 of the
    treatment with the outcome, the robustness value ``RV_q`` (share of residual variance of both
    treatment and outcome an unobserved confounder must explain to reduce the estimate by
    ``100 q %``) and ``RV_{q,alpha}`` (to make the reduced estimate insignificant at ``alpha``).
    With ``benchmark_covariates``, bounds the confounding by a confounder ``kd`` (``ky``) times as
    strong as each observed covariate (or group) and gives the bias-adjusted estimate and interval.

    Verdict: with benchmarks, passes when every benchmarked adjusted interval still excludes zero
    on the original's side; without, passes when ``RV_{q,alpha} > 0``.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment, outcome : str
    adjustment : iterable of str
        Observed covariates in the regression.
    q : float
        Fraction of the estimate to explain away.
    alpha : float
        Significance level.
    benchmark_covariates : str, or iterable of str / lists of str, optional
        Covariates (from ``adjustment``) to benchmark against; a list entry groups covariates.
    kd, ky : float or sequence of float
        Confounder strength as multiples of the benchmark's association with treatment (``kd``)
        and outcome (``ky``, default ``kd``).
    reduce : bool
        Whether confounding is assumed to shrink (True) or inflate the estimate.

    Returns
    -------
    RefutationResult
        ``statistic`` is ``RV_q``; ``params`` holds ``partial_r2``, ``rv_q``, ``rv_q_alpha``,
        ``t_statistic``, ``dof``, ``stderr`` and ``bounds`` (one dict per benchmark and kd).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=1000); t = x + rng.normal(size=1000); y = 0.5 * t + x + rng.normal(size=1000)
    >>> res = robustness_value(pd.DataFrame({"x": x, "t": t, "y": y}), "t", "y", ["x"])
    >>> 0.3 < res.statistic < 0.45, res.passed
    (True, True)
    """
    started = time.perf_counter()
    alpha = check_alpha(alpha)
    prep = prepare(data, treatment, outcome, as_list(adjustment))
    coef, se, dof = ols_fit(prep.t, prep.y, prep.X)
    tval = coef / se if se > 0 else math.copysign(math.inf, coef)
    st = partial_r2_stats(tval, dof, q=q, alpha=alpha)

    groups: list[list[str]] = []
    if benchmark_covariates is not None:
        raw = [benchmark_covariates] if isinstance(benchmark_covariates, str) else list(benchmark_covariates)
        for b in raw:
            group = as_list(b)
            missing = [g for g in group if g not in prep.covariates]
            if missing or not group:
                raise InvalidInputError(
                    f"Benchmark covariate(s) {missing or b!r} must be in the adjustment set {list(prep.covariates)}."
                )
            groups.append(group)
    kds = _as_floats(kd, "kd")
    kys = _as_floats(ky, "ky") if ky is not None else kds
    if len(kys) != len(kds):
        raise InvalidInputError(f"`kd` and `ky` must have the same length; got {len(kds)} and {len(kys)}.")
    bounds = _bounds(prep, groups, kds, kys, coef, se, dof, alpha, reduce)

    pct = f"{q:.0%}" if q != 1 else "all"
    worst: dict[str, Any] = {}
    if bounds:
        ok = [(b["adjusted_ci"][0] > 0) if coef > 0 else (b["adjusted_ci"][1] < 0) for b in bounds]
        passed = all(ok)
        worst = bounds[int(np.argmin([abs(b["adjusted_estimate"]) for b in bounds]))]
        tail = (
            f"; a confounder {worst['kd']:g}x as strong as {worst['benchmark']!r} would leave "
            f"{worst['adjusted_estimate']:.4g} (CI {worst['adjusted_ci'][0]:.4g} to {worst['adjusted_ci'][1]:.4g})"
            + (", still excluding zero." if passed else ", no longer excluding zero.")
        )
    else:
        passed = st["rv_q_alpha"] > 0
        tail = f"; to make it insignificant at {alpha:g}, {st['rv_q_alpha']:.1%} suffices."
    reading = (
        f"The treatment explains {st['partial_r2']:.1%} of the outcome's residual variance; an "
        f"unobserved confounder explaining {st['rv_q']:.1%} of the residual variance of both treatment "
        f"and outcome would remove {pct} of the estimate {coef:.4g}" + tail
    )
    return RefutationResult(
        refuter="robustness_value",
        original_value=coef,
        new_value=float(worst["adjusted_estimate"]) if bounds else float("nan"),
        passed=bool(passed),
        statistic=st["rv_q"],
        statistic_name=f"robustness value RV_q (q={q:g})",
        reading=reading,
        params={
            **st, "q": q, "alpha": alpha, "t_statistic": tval, "dof": dof, "stderr": se,
            "treatment": treatment, "outcome": outcome, "adjustment": list(prep.covariates),
            "bounds": bounds, "reduce": reduce,
        },
        elapsed=time.perf_counter() - started,
    )
