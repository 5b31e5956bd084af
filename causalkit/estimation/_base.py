"""Shared plumbing for effect estimators: input preparation and building :class:`EffectEstimate`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats

from causalkit._validation import as_list, check_alpha, check_column, check_data, check_random_state
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.results import EffectEstimate, provenance

__all__ = [
    "Prepared", "prepare", "make_estimate", "normal_ci", "bootstrap_stderr", "seed_repr", "ESTIMANDS",
]

ESTIMANDS = ("ATE", "ATT", "ATC")


@dataclass(frozen=True)
class Prepared:
    """Validated arrays for an estimator: treatment ``t``, outcome ``y``, covariates ``X`` (n x p)."""

    data: pd.DataFrame
    treatment: str
    outcome: str
    covariates: tuple[str, ...]
    t: np.ndarray
    y: np.ndarray
    X: np.ndarray


def prepare(
    data: Any,
    treatment: str,
    outcome: str,
    covariates: Iterable[str] | None = (),
    *,
    extra: Iterable[str] | None = (),
    role: str = "adjustment",
) -> Prepared:
    """Validate the columns an estimator needs and return them as float arrays.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment, outcome : str
        Column names.
    covariates : iterable of str
        Adjustment covariates (must not contain the treatment or outcome).
    extra : iterable of str
        Further columns that must exist and be clean (e.g. instruments, mediators); returned in ``data``.
    role : str
        What ``covariates`` are called in error messages.

    Raises
    ------
    InvalidInputError, UnknownNodeError
        Unknown columns, NaN/inf, non-numeric or constant columns, treatment in the adjustment set, ...
    """
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(f"`data` must be a pandas DataFrame; got {type(data).__name__}.")
    if len(data) == 0:
        raise InvalidInputError("`data` is empty (0 rows).")
    check_column(data, treatment, role="treatment")
    check_column(data, outcome, role="outcome")
    if treatment == outcome:
        raise InvalidInputError(f"The treatment and the outcome are the same column ({treatment!r}).")
    covs = as_list(covariates)
    ext = as_list(extra)
    for c in covs:
        check_column(data, c, role=f"{role} variable")
        if c in (treatment, outcome):
            which = "treatment" if c == treatment else "outcome"
            raise InvalidInputError(
                f"The {which} {c!r} is also in the {role} set; remove it from the {role} set."
            )
    if len(set(covs)) != len(covs):
        raise InvalidInputError(f"The {role} set {covs} names a column twice.")
    cols = list(dict.fromkeys([treatment, outcome, *covs, *ext]))
    df = check_data(data, cols, min_rows=3)
    X = df[covs].to_numpy(dtype=float) if covs else np.empty((len(df), 0))
    return Prepared(
        data=df,
        treatment=treatment,
        outcome=outcome,
        covariates=tuple(covs),
        t=df[treatment].to_numpy(dtype=float),
        y=df[outcome].to_numpy(dtype=float),
        X=X,
    )


def normal_ci(value: float, stderr: float, alpha: float) -> tuple[tuple[float, float], float]:
    """Normal-approximation confidence interval and two-sided p-value."""
    z = stats.norm.ppf(1 - alpha / 2)
    ci = (float(value - z * stderr), float(value + z * stderr))
    pvalue = float(2 * stats.norm.sf(abs(value / stderr))) if stderr > 0 else float("nan")
    return ci, pvalue


def make_estimate(
    value: float,
    stderr: float,
    *,
    alpha: float,
    estimand: str,
    method: str,
    treatment: str,
    outcome: str,
    n_obs: int,
    adjustment_set: Iterable[str] = (),
    warnings: Iterable[str] = (),
    params: dict[str, Any] | None = None,
    diagnostics: dict[str, Any] | None = None,
    cate: np.ndarray | None = None,
    started: float | None = None,
    ci: tuple[float, float] | None = None,
    pvalue: float | None = None,
    dof: float | None = None,
) -> EffectEstimate:
    """Build an :class:`EffectEstimate`, computing a normal (or t with ``dof``) CI and p-value.

    Pass ``ci``/``pvalue`` to override (e.g. a percentile bootstrap interval). ``started`` is a
    ``time.perf_counter()`` reading taken when estimation began.
    """
    alpha = check_alpha(alpha)
    value, stderr = float(value), float(stderr)
    if not np.isfinite(value):
        raise EstimationError(f"{method} produced a non-finite estimate ({value}); check overlap and the model.")
    if dof is not None and ci is None:
        tcrit = stats.t.ppf(1 - alpha / 2, dof)
        ci_ = (value - tcrit * stderr, value + tcrit * stderr)
        p_ = float(2 * stats.t.sf(abs(value / stderr), dof)) if stderr > 0 else float("nan")
    else:
        ci_, p_ = normal_ci(value, stderr, alpha)
    return EffectEstimate(
        value=value,
        stderr=stderr,
        ci=tuple(map(float, ci if ci is not None else ci_)),  # type: ignore[arg-type]
        alpha=alpha,
        estimand=estimand,
        method=method,
        treatment=treatment,
        outcome=outcome,
        n_obs=int(n_obs),
        pvalue=float(pvalue if pvalue is not None else p_),
        adjustment_set=tuple(adjustment_set),
        warnings=tuple(warnings),
        params=dict(params or {}),
        diagnostics=dict(diagnostics or {}),
        cate=cate,
        elapsed=(time.perf_counter() - started) if started is not None else 0.0,
        versions=provenance(),
    )


def bootstrap_stderr(
    statistic: Callable[[np.ndarray], float],
    n: int,
    *,
    n_boot: int = 200,
    random_state: Any = None,
    n_jobs: int | None = None,
    alpha: float = 0.05,
) -> tuple[float, tuple[float, float], np.ndarray]:
    """Nonparametric bootstrap of ``statistic(row_indices)``.

    Parameters
    ----------
    statistic : callable
        Maps an index array (rows resampled with replacement) to a number.
    n : int
        Number of rows.
    n_boot : int
        Replicates.
    random_state : int, Generator or None
        Seed; each replicate gets its own child seed so results do not depend on ``n_jobs``.
    n_jobs : int or None
        joblib parallelism over replicates.
    alpha : float
        For the percentile interval.

    Returns
    -------
    stderr : float
    percentile_ci : (float, float)
    replicates : numpy.ndarray
    """
    rng = check_random_state(random_state)
    seeds = rng.integers(0, 2**32 - 1, size=n_boot)

    def one(seed: int) -> float:
        idx = np.random.default_rng(seed).integers(0, n, size=n)
        return float(statistic(idx))

    reps = np.asarray(Parallel(n_jobs=n_jobs)(delayed(one)(s) for s in seeds), dtype=float)
    reps = reps[np.isfinite(reps)]
    if len(reps) < max(10, n_boot // 2):
        raise EstimationError("Most bootstrap replicates failed; the estimator is unstable on resampled data.")
    lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2])
    return float(reps.std(ddof=1)), (float(lo), float(hi)), reps


def seed_repr(random_state: Any) -> Any:
    """``random_state`` as recorded in an estimate's ``params``: a Generator is named, not stored.

    Examples
    --------
    >>> import numpy as np
    >>> seed_repr(3), seed_repr(np.random.default_rng(0))
    (3, 'Generator')
    """
    return random_state if not isinstance(random_state, np.random.Generator) else "Generator"
