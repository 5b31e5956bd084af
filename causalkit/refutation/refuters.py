"""Refuters: refit an effect estimate on deliberately modified data and check it reacts as it should.

Every refuter takes the data and either an :class:`~causalkit.results.EffectEstimate` or the
specification as keywords (``treatment=``, ``outcome=``, ``adjustment=``, ``method=``), refits the
estimator ``n_simulations`` times and returns a :class:`~causalkit.results.RefutationResult`.
A linear-regression estimate is refitted as one batched least-squares problem; any other
estimator is refitted through joblib with one child seed per replicate (see
:mod:`causalkit.refutation._spec`).

Verdict rules (``alpha`` is the level of every rule):

* ``placebo_treatment`` passes when the placebo effects are centred on zero: two-sided one-sample
  t-test of ``mean(placebo) = 0`` over the replicates, pass iff ``p >= alpha``. The permutation
  p-value of the original estimate among the placebo estimates is reported alongside.
* ``random_common_cause`` passes when the original estimate lies within the spread of the refits:
  two-sided rank p-value ``2 (min(#{sim <= orig}, #{sim >= orig}) + 1) / (S + 1) >= alpha``.
* ``data_subset`` passes when the original lies within the spread of the subset estimates (rank
  p-value as above) and, when the estimate has a standard error, the subset estimates stray no
  more than it allows: the number ``k`` of subsets further than ``z_{1-alpha/2} se sqrt((1-f)/f)``
  from the original is tested against ``Binomial(S, alpha)`` (pass iff ``P(Bin >= k) >= alpha``).
* ``bootstrap_stability`` passes when at least ``1 - alpha/2`` of the resampled estimates keep the
  original sign (the percentile bootstrap interval at level ``1 - alpha`` excludes zero).
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from causalkit._validation import check_alpha, check_positive_int
from causalkit.exceptions import InvalidInputError
from causalkit.refutation._simulate import mean_zero_pvalue, rank_pvalue, simulate
from causalkit.refutation._spec import EstimatorFn, Spec, child_seeds, resolve_spec
from causalkit.results import EffectEstimate, RefutationResult, provenance

__all__ = [
    "placebo_treatment",
    "random_common_cause",
    "data_subset",
    "bootstrap_stability",
]

EstimateLike = EffectEstimate | Mapping[str, Any] | None


def _g(x: float) -> str:
    return f"{x:.4g}"


def _seed_repr(random_state: Any) -> Any:
    if random_state is None or isinstance(random_state, numbers.Integral):
        return random_state
    return type(random_state).__name__


def _finish(
    refuter: str,
    spec: Spec,
    sims_all: np.ndarray,
    *,
    passed: bool,
    statistic: float,
    statistic_name: str,
    reading: str,
    started: float,
    random_state: Any,
    alpha: float,
    **extra: Any,
) -> RefutationResult:
    sims = sims_all[np.isfinite(sims_all)]
    if "p_value_location" in extra or refuter == "random_common_cause":
        if 2 / (len(sims) + 1) > alpha:
            reading += (f" (With {len(sims)} simulations the location test cannot reject at "
                        f"alpha={alpha:g}; use at least {int(np.ceil(2 / alpha))}.)")
    if np.isfinite(spec.reproduced) and not np.isclose(spec.reproduced, spec.original, rtol=1e-6, atol=1e-12):
        reading += (
            f" Warning: rerunning {spec.method_name!r} on the original data gave {_g(spec.reproduced)}, "
            f"not {_g(spec.original)}; pass the original learners/options in estimator_kwargs."
        )
    params = {
        "treatment": spec.treatment,
        "outcome": spec.outcome,
        "adjustment": list(spec.adjustment),
        "method": spec.method_name,
        "path": spec.path,
        "n_simulations": int(len(sims_all)),
        "n_failed": int(len(sims_all) - len(sims)),
        "random_state": _seed_repr(random_state),
        "alpha": alpha,
        "mean": float(sims.mean()),
        "sd": float(sims.std(ddof=1)) if len(sims) > 1 else float("nan"),
        "estimator_kwargs": {k: v if isinstance(v, (str, int, float, bool, type(None))) else repr(v)
                             for k, v in spec.kwargs.items()},
        **extra,
        "versions": provenance(),
    }
    return RefutationResult(
        refuter=refuter,
        original_value=spec.original,
        new_value=float(sims.mean()),
        passed=bool(passed),
        statistic=float(statistic),
        statistic_name=statistic_name,
        reading=reading,
        simulations=sims_all,
        params=params,
        elapsed=time.perf_counter() - started,
    )


def _check_common(n_simulations: Any, alpha: Any) -> tuple[int, float]:
    return check_positive_int(n_simulations, "n_simulations", minimum=2), check_alpha(alpha)


def _setup(
    data: Any,
    estimate: EstimateLike,
    n_simulations: Any,
    alpha: Any,
    random_state: Any,
    treatment: str | None,
    outcome: str | None,
    adjustment: Iterable[str] | None,
    method: str | EstimatorFn | None,
    estimator_kwargs: Mapping[str, Any] | None,
    fraction: Any = None,
) -> tuple[int, float, Spec]:
    """Validate the common arguments (and ``fraction`` when given), then resolve the specification."""
    n_sim, alpha = _check_common(n_simulations, alpha)
    if fraction is not None and (
        isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 < fraction < 1
    ):
        raise InvalidInputError(f"`fraction` must be a number strictly between 0 and 1; got {fraction!r}.")
    seed0, _ = child_seeds(random_state, 0)
    spec = resolve_spec(
        data, estimate, treatment=treatment, outcome=outcome, adjustment=adjustment, method=method,
        estimator_kwargs=estimator_kwargs, seed=seed0,
    )
    return n_sim, alpha, spec


# ----------------------------------------------------------------------------- refuters


def _placebo(
    spec: Spec, n_sim: int, random_state: Any, n_jobs: int | None, alpha: float, started: float | None = None
) -> RefutationResult:
    started = started or time.perf_counter()
    sims_all = simulate(spec, "placebo", n_sim, random_state, n_jobs)
    sims = sims_all[np.isfinite(sims_all)]
    p_mean = mean_zero_pvalue(sims)
    p_orig = float((1 + np.sum(np.abs(sims) >= abs(spec.original))) / (len(sims) + 1))
    passed = p_mean >= alpha
    head = (
        f"Replacing {spec.treatment!r} by {len(sims)} random permutations of itself gave placebo "
        f"effects averaging {_g(sims.mean())} (sd {_g(sims.std(ddof=1))}), "
    )
    if passed:
        reading = head + (
            f"consistent with zero (p = {p_mean:.3g}); the original estimate {_g(spec.original)} is "
            f"larger in magnitude than {np.mean(np.abs(sims) < abs(spec.original)):.0%} of them "
            f"(permutation p = {p_orig:.3g})."
        )
    else:
        reading = head + (
            f"not zero (p = {p_mean:.3g}): the estimator finds an effect even for a random treatment, "
            f"so the original estimate {_g(spec.original)} may be an artefact of the estimator."
        )
    return _finish(
        "placebo_treatment", spec, sims_all, passed=passed, statistic=p_mean,
        statistic_name="p-value (mean placebo effect = 0)", reading=reading, started=started,
        random_state=random_state, alpha=alpha, p_value_original=p_orig, placebo_type="permute",
    )


def placebo_treatment(
    data: pd.DataFrame,
    estimate: EstimateLike = None,
    *,
    treatment: str | None = None,
    outcome: str | None = None,
    adjustment: Iterable[str] | None = None,
    method: str | EstimatorFn | None = None,
    estimator_kwargs: Mapping[str, Any] | None = None,
    n_simulations: int = 100,
    random_state: Any = None,
    n_jobs: int | None = None,
    alpha: float = 0.05,
) -> RefutationResult:
    """Replace the treatment by random permutations of itself and refit; the effect should vanish.

    A permutation keeps the treatment's distribution (binary stays binary, a continuous treatment
    keeps its spread; unlike a constant placebo it can always be refitted) but breaks every link to
    the outcome, so a sound estimator finds effects centred on zero. The test passes when the
    mean placebo effect is not significantly different from zero (two-sided one-sample t-test over
    the replicates, ``p >= alpha``). ``params["p_value_original"]`` is the permutation p-value of
    the original estimate among the placebo estimates, ``(1 + #{|placebo| >= |original|}) / (S + 1)``.

    Parameters
    ----------
    data : pandas.DataFrame
    estimate : EffectEstimate, optional
        The estimate to refute; treatment, outcome, adjustment set and method are taken from it.
        Leave out and name ``treatment``/``outcome``/``adjustment``/``method`` instead.
    treatment, outcome : str, optional
    adjustment : iterable of str, optional
    method : str or callable, optional
        ``"regression"`` (default; batched OLS when it is the OLS coefficient), ``"ols"``, any name
        accepted by :func:`causalkit.estimation.estimate`, or a callable
        ``fn(data, treatment, outcome, adjustment, **kwargs) -> EffectEstimate | float``.
    estimator_kwargs : dict, optional
        Extra keyword arguments for every refit. From an EffectEstimate, the plain options recorded
        in its ``params`` (estimand, n_folds, trim, ...) are reused; learners recorded only by name
        are not, so pass those here (the reading warns when a rerun does not reproduce the estimate).
    n_simulations : int
        Number of placebo treatments.
    random_state : int, Generator or None
        Seed; replicate ``s`` uses its own child seed, so results do not depend on ``n_jobs``.
    n_jobs : int or None
        joblib workers for non-linear estimators (the batched OLS path needs none).
    alpha : float
        Level of the test.

    Returns
    -------
    RefutationResult
        ``new_value`` is the mean placebo effect; ``simulations`` the placebo estimates.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500); t = x + rng.normal(size=500); y = 2 * t + x + rng.normal(size=500)
    >>> df = pd.DataFrame({"x": x, "t": t, "y": y})
    >>> res = placebo_treatment(df, treatment="t", outcome="y", adjustment=["x"], random_state=0)
    >>> res.passed, abs(res.new_value) < 0.05
    (True, True)
    """
    started = time.perf_counter()
    n_sim, alpha, spec = _setup(
        data, estimate, n_simulations, alpha, random_state, treatment, outcome, adjustment, method,
        estimator_kwargs,
    )
    return _placebo(spec, n_sim, random_state, n_jobs, alpha, started)


def _random_common_cause(
    spec: Spec, n_sim: int, random_state: Any, n_jobs: int | None, alpha: float, started: float | None = None
) -> RefutationResult:
    started = started or time.perf_counter()
    sims_all = simulate(spec, "random_common_cause", n_sim, random_state, n_jobs)
    sims = sims_all[np.isfinite(sims_all)]
    p = rank_pvalue(sims, spec.original)
    mean = float(sims.mean())
    rel = (mean - spec.original) / abs(spec.original) if spec.original != 0 else float("nan")
    passed = p >= alpha
    if passed:
        reading = (
            f"Adding a random normal covariate to the adjustment set left the estimate essentially "
            f"unchanged ({_g(spec.original)} -> {_g(mean)} on average, {rel:+.2%}; p = {p:.3g}); "
            "note that this test cannot detect confounders that were left out."
        )
    else:
        reading = (
            f"Adding an irrelevant random covariate moved the estimate from {_g(spec.original)} to "
            f"{_g(mean)} on average ({rel:+.2%}), outside the spread of the refits (p = {p:.3g}): "
            "the estimator is sensitive to covariates that carry no information."
        )
    return _finish(
        "random_common_cause", spec, sims_all, passed=passed, statistic=p,
        statistic_name="p-value (original within refits)", reading=reading, started=started,
        random_state=random_state, alpha=alpha, relative_change=rel,
    )


def random_common_cause(
    data: pd.DataFrame,
    estimate: EstimateLike = None,
    *,
    treatment: str | None = None,
    outcome: str | None = None,
    adjustment: Iterable[str] | None = None,
    method: str | EstimatorFn | None = None,
    estimator_kwargs: Mapping[str, Any] | None = None,
    n_simulations: int = 100,
    random_state: Any = None,
    n_jobs: int | None = None,
    alpha: float = 0.05,
) -> RefutationResult:
    """Add an independent standard-normal covariate to the adjustment set and refit.

    The new covariate is unrelated to everything, so the estimate should not move. The test passes
    when the original estimate lies within the spread of the refits: two-sided rank p-value
    ``2 (min(#{refit <= original}, #{refit >= original}) + 1) / (S + 1) >= alpha``.
    ``params["relative_change"]`` is ``(mean refit - original) / |original|``. This refuter cannot
    reveal an omitted confounder: a confounded estimate passes it.

    Parameters are those of :func:`placebo_treatment`.

    Returns
    -------
    RefutationResult
        ``new_value`` is the mean refit; ``simulations`` the refits.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500); t = x + rng.normal(size=500); y = 2 * t + x + rng.normal(size=500)
    >>> df = pd.DataFrame({"x": x, "t": t, "y": y})
    >>> random_common_cause(df, treatment="t", outcome="y", adjustment=["x"], random_state=0).passed
    True
    """
    started = time.perf_counter()
    n_sim, alpha, spec = _setup(
        data, estimate, n_simulations, alpha, random_state, treatment, outcome, adjustment, method,
        estimator_kwargs,
    )
    return _random_common_cause(spec, n_sim, random_state, n_jobs, alpha, started)


def _spread_test(sims: np.ndarray, orig: float, stderr: float, fraction: float, alpha: float) -> tuple[float, int]:
    """Binomial test that subset estimates stray no more than the standard error allows.

    Under regularity a subset estimate differs from the full-data one with standard deviation
    ``stderr * sqrt((1 - f) / f)``; the share beyond ``z_{1-alpha/2}`` such deviations should be
    about ``alpha``. Returns the one-sided p-value ``P(Binomial(S, alpha) >= k)`` and ``k``.
    """
    if not (np.isfinite(stderr) and stderr > 0):
        return float("nan"), 0
    limit = stats.norm.ppf(1 - alpha / 2) * stderr * np.sqrt((1 - fraction) / fraction)
    k = int(np.sum(np.abs(sims - orig) > limit))
    return float(stats.binom.sf(k - 1, len(sims), alpha)), k


def _subset(
    spec: Spec, n_sim: int, random_state: Any, n_jobs: int | None, alpha: float, fraction: float,
    started: float | None = None,
) -> RefutationResult:
    started = started or time.perf_counter()
    m = int(round(fraction * len(spec.prepared.y)))
    if m < len(spec.adjustment) + 3:
        raise InvalidInputError(
            f"`fraction`={fraction} leaves {m} rows, too few for {len(spec.adjustment)} covariates; "
            "use a larger fraction."
        )
    sims_all = simulate(spec, "subset", n_sim, random_state, n_jobs, m)
    sims = sims_all[np.isfinite(sims_all)]
    orig = spec.original
    p_loc = rank_pvalue(sims, orig)
    p_spread, k = _spread_test(sims, orig, spec.original_stderr, fraction, alpha)
    stat = p_loc if np.isnan(p_spread) else min(p_loc, p_spread)
    lo, hi = (float(v) for v in np.quantile(sims, [alpha / 2, 1 - alpha / 2]))
    head = (
        f"Across {len(sims)} random {fraction:.0%} subsets the estimate averaged {_g(sims.mean())} "
        f"(middle {1 - alpha:.0%}: [{_g(lo)}, {_g(hi)}]); "
    )
    if p_loc < alpha:
        reading = head + (
            f"the original estimate {_g(orig)} lies outside that range (p = {p_loc:.3g}): "
            "the estimate depends on the sample size or on particular rows."
        )
    elif not np.isnan(p_spread) and p_spread < alpha:
        reading = head + (
            f"{k} of them stray further from the original {_g(orig)} than its standard error "
            f"{_g(spec.original_stderr)} allows (p = {p_spread:.3g}): the estimate hinges on a few observations."
        )
    else:
        reading = head + f"they scatter around the original estimate {_g(orig)} as sampling noise would, so it is stable."
    return _finish(
        "data_subset", spec, sims_all, passed=stat >= alpha, statistic=stat,
        statistic_name="p-value (min of location and spread tests)", reading=reading, started=started,
        random_state=random_state, alpha=alpha, fraction=fraction, interval=(lo, hi),
        p_value_location=p_loc, p_value_spread=p_spread, n_outside_spread=k,
        sign_stability=float(np.mean(sims * np.sign(orig) > 0)),
    )


def _bootstrap(
    spec: Spec, n_sim: int, random_state: Any, n_jobs: int | None, alpha: float, started: float | None = None
) -> RefutationResult:
    started = started or time.perf_counter()
    sims_all = simulate(spec, "bootstrap", n_sim, random_state, n_jobs)
    sims = sims_all[np.isfinite(sims_all)]
    orig = spec.original
    share = float(np.mean(sims * np.sign(orig) > 0))
    lo, hi = (float(v) for v in np.quantile(sims, [alpha / 2, 1 - alpha / 2]))
    sd = float(sims.std(ddof=1))
    ratio = sd / spec.original_stderr if spec.original_stderr > 0 else float("nan")
    passed = share >= 1 - alpha / 2
    head = (
        f"Across {len(sims)} bootstrap resamples the estimate averaged {_g(sims.mean())} (sd {_g(sd)}"
        + (f", {ratio:.2g}x the reported standard error" if np.isfinite(ratio) else "")
        + f"; middle {1 - alpha:.0%}: [{_g(lo)}, {_g(hi)}]); "
    )
    if passed:
        reading = head + f"{share:.1%} keep the sign of the original estimate {_g(orig)}, which is stable."
    else:
        reading = head + (
            f"only {share:.1%} keep the sign of the original estimate {_g(orig)} "
            f"(at least {1 - alpha / 2:.1%} needed): its sign is not stable and may hinge on a few observations."
        )
    return _finish(
        "bootstrap_stability", spec, sims_all, passed=passed, statistic=share,
        statistic_name="sign stability (share of resamples with the original sign)", reading=reading,
        started=started, random_state=random_state, alpha=alpha, interval=(lo, hi), sd_ratio=ratio,
    )


def data_subset(
    data: pd.DataFrame,
    estimate: EstimateLike = None,
    *,
    treatment: str | None = None,
    outcome: str | None = None,
    adjustment: Iterable[str] | None = None,
    method: str | EstimatorFn | None = None,
    estimator_kwargs: Mapping[str, Any] | None = None,
    fraction: float = 0.8,
    n_simulations: int = 100,
    random_state: Any = None,
    n_jobs: int | None = None,
    alpha: float = 0.05,
) -> RefutationResult:
    """Refit on random subsets of the rows (without replacement); the estimate should be stable.

    Each subset is drawn from its own child seed, so subsets differ from each other (a single
    integer seed reused for every subset would give ``n_simulations`` copies of one subset).

    The test passes when (1) the original lies within the spread of the subset estimates (rank
    p-value ``>= alpha``, see :func:`random_common_cause`), and (2) when the estimate has a standard
    error ``se`` (an EffectEstimate, OLS, or an estimator returning one), the subset estimates
    stray no more than ``se`` allows: a regular estimator's subset estimates deviate from the
    full-data estimate with sd ``se * sqrt((1 - f) / f)``, so the count ``k`` beyond
    ``z_{1-alpha/2}`` such deviations is tested against ``Binomial(S, alpha)``. ``statistic`` is
    the smaller of the two p-values. An estimate carried by a few influential rows fails (2);
    one that depends on the sample size fails (1).

    Parameters
    ----------
    fraction : float
        Share of rows in each subset, in (0, 1).

    Other parameters are those of :func:`placebo_treatment`.

    Returns
    -------
    RefutationResult
        ``params`` holds ``interval`` (central ``1 - alpha`` range of the subset estimates),
        ``p_value_location``, ``p_value_spread`` (``nan`` without a standard error) and
        ``sign_stability``.
    """
    started = time.perf_counter()
    n_sim, alpha, spec = _setup(
        data, estimate, n_simulations, alpha, random_state, treatment, outcome, adjustment, method,
        estimator_kwargs, fraction,
    )
    return _subset(spec, n_sim, random_state, n_jobs, alpha, float(fraction), started)


def bootstrap_stability(
    data: pd.DataFrame,
    estimate: EstimateLike = None,
    *,
    treatment: str | None = None,
    outcome: str | None = None,
    adjustment: Iterable[str] | None = None,
    method: str | EstimatorFn | None = None,
    estimator_kwargs: Mapping[str, Any] | None = None,
    n_simulations: int = 100,
    random_state: Any = None,
    n_jobs: int | None = None,
    alpha: float = 0.05,
) -> RefutationResult:
    """Refit on bootstrap resamples and report their spread and how often the sign holds.

    Passes when at least ``1 - alpha/2`` of the resampled estimates keep the original sign (the
    percentile bootstrap interval at level ``1 - alpha`` excludes zero) and the original lies
    within their spread. ``params`` holds the bootstrap ``sd`` and percentile ``interval``. An
    estimate carried by a few influential rows fails: resamples that miss them change sign.

    Parameters are those of :func:`placebo_treatment`.

    Returns
    -------
    RefutationResult
        ``statistic`` is the sign stability (share of resamples with the original sign).
    """
    started = time.perf_counter()
    n_sim, alpha, spec = _setup(
        data, estimate, n_simulations, alpha, random_state, treatment, outcome, adjustment, method,
        estimator_kwargs,
    )
    return _bootstrap(spec, n_sim, random_state, n_jobs, alpha, started)
