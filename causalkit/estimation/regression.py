"""Regression adjustment: OLS with treatment-covariate interactions, or g-computation with any learner.

``model=None`` (OLS, statsmodels)
    With ``interactions=True`` (default) and covariates, the outcome is regressed on
    ``1, T, X, T * (X - xbar)`` where ``xbar`` is the covariate mean over the estimand's population
    (all units for ATE, the treated for ATT, the controls for ATC). The coefficient of ``T`` is then
    the effect averaged over that population, which is correct under effect heterogeneity that is
    linear in ``X`` (Lin 2013; Imbens & Wooldridge 2009). Its variance is the heteroskedasticity-robust
    variance of that coefficient (``cov_type``, default HC3) plus the delta-method term
    ``gamma' Cov(xbar) gamma`` for estimating ``xbar`` (``gamma``: the interaction coefficients).
    With ``interactions=False`` it is the classic ``Y ~ T + X`` coefficient (constant effect assumed).
    A continuous treatment gives the average effect of a one-unit increase (ATE only).

``model=<scikit-learn regressor>`` (g-computation / standardisation)
    The model is fitted on a DataFrame with columns ``[treatment, *adjustment]`` (so pipelines can
    refer to columns by name), then predicted with the treatment set to 1 and to 0 (continuous
    treatment: to ``T + 1`` and ``T``) and the difference averaged over the estimand's population.
    The standard error is a nonparametric bootstrap that refits the model (``n_boot`` replicates,
    seeded, joblib ``n_jobs``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from causalkit._validation import check_choice, check_positive_int, check_random_state
from causalkit.estimation._base import Prepared, bootstrap_stderr, make_estimate, prepare, seed_repr
from causalkit.estimation.propensity import check_estimand, seeded_clone
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.results import EffectEstimate

__all__ = ["regression_adjustment"]

COV_TYPES = ("HC0", "HC1", "HC2", "HC3", "nonrobust")


def _is_binary(t: np.ndarray) -> bool:
    return set(np.unique(t).tolist()) <= {0.0, 1.0} and len(np.unique(t)) == 2


def _target_mask(t: np.ndarray, estimand: str) -> np.ndarray:
    if estimand == "ATT":
        return t == 1
    if estimand == "ATC":
        return t == 0
    return np.ones(len(t), dtype=bool)


def _ols(
    prep: Prepared, estimand: str, interactions: bool, cov_type: str
) -> tuple[float, float, int, dict[str, Any]]:
    """Effect, standard error, residual dof and diagnostics of the (interacted) OLS estimator."""
    t, y, X = prep.t, prep.y, prep.X
    n, p = X.shape
    mask = _target_mask(t, estimand)
    xbar = X[mask].mean(axis=0) if p else np.zeros(0)
    use_inter = interactions and p > 0
    blocks = [np.ones(n), t, X] + ([t[:, None] * (X - xbar)] if use_inter else [])
    Z = np.column_stack(blocks)
    if n - Z.shape[1] < 1:
        raise EstimationError(f"Too few rows ({n}) for {Z.shape[1]} regression coefficients.")
    with warnings.catch_warnings():  # a rank-deficient design becomes our EstimationError below
        warnings.simplefilter("ignore")
        res = sm.OLS(y, Z).fit(cov_type=cov_type)
    if res.model.rank < Z.shape[1]:
        raise EstimationError(
            "The regression design is singular (collinear covariates, or a covariate that is constant "
            "within a treatment arm). Drop redundant adjustment columns."
        )
    value = float(res.params[1])
    var = float(res.cov_params()[1, 1])
    diag: dict[str, Any] = {"r_squared": float(res.rsquared), "cov_type": cov_type}
    if use_inter:
        gamma = res.params[2 + p :]
        n_target = int(mask.sum())
        cov_xbar = (
            np.atleast_2d(np.cov(X[mask], rowvar=False)) / n_target
            if n_target > 1
            else np.zeros((p, p))
        )
        extra = float(gamma @ cov_xbar @ gamma)
        var += extra
        diag["xbar_variance_term"] = extra
        diag["interaction_coefficients"] = dict(
            zip(prep.covariates, map(float, gamma), strict=True)
        )
    if not np.isfinite(var) or var < 0:
        raise EstimationError(
            "The OLS variance is not finite (leverage-one points?); try cov_type='HC1'."
        )
    return value, float(np.sqrt(var)), int(n - Z.shape[1]), diag


def _gcomp_value(
    model: Any, frame: pd.DataFrame, treatment: str, binary: bool, mask: np.ndarray
) -> float:
    """Fit ``model`` on ``frame`` (treatment + covariates) and return the standardised contrast."""
    y = frame.pop("__y__").to_numpy()
    model.fit(frame, y)
    hi, lo = frame.copy(), frame.copy()
    if binary:
        hi[treatment], lo[treatment] = 1.0, 0.0
    else:
        hi[treatment] = hi[treatment] + 1.0
    diff = np.asarray(model.predict(hi), float) - np.asarray(model.predict(lo), float)
    return float(diff[mask].mean())


def regression_adjustment(
    data: Any,
    treatment: str,
    outcome: str,
    adjustment: Iterable[str] = (),
    *,
    estimand: str = "ATE",
    model: Any = None,
    interactions: bool = True,
    cov_type: str = "HC3",
    n_boot: int = 200,
    ci_method: str = "normal",
    alpha: float = 0.05,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> EffectEstimate:
    """Estimate a causal effect by regression adjustment (OLS) or g-computation (any regressor).

    Parameters
    ----------
    data : pandas.DataFrame
    treatment : str
        Binary (0/1) or continuous treatment column.
    outcome : str
    adjustment : iterable of str
        A valid backdoor adjustment set.
    estimand : {"ATE", "ATT", "ATC"}
        ATT/ATC need a binary treatment.
    model : None or scikit-learn regressor
        ``None``: OLS (see module notes). A regressor: g-computation with a bootstrap SE.
    interactions : bool
        OLS only: interact the treatment with centred covariates (effect heterogeneity).
    cov_type : {"HC3", "HC0", "HC1", "HC2", "nonrobust"}
        OLS only: covariance of the coefficients (statsmodels ``cov_type``).
    n_boot : int
        Bootstrap replicates for g-computation.
    ci_method : {"normal", "percentile"}
        g-computation only: normal interval from the bootstrap SE, or bootstrap percentiles.
    alpha : float
    random_state : int, Generator or None
        Seeds the bootstrap and learners without their own seed.
    n_jobs : int or None
        joblib parallelism over bootstrap replicates.

    Returns
    -------
    EffectEstimate
        For OLS, the CI uses a t distribution with the residual degrees of freedom.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=1000)
    >>> t = (rng.random(1000) < 1 / (1 + np.exp(-x))).astype(int)
    >>> df = pd.DataFrame({"x": x, "t": t, "y": (2 + x) * t + x + rng.normal(size=1000)})
    >>> est = regression_adjustment(df, "t", "y", ["x"], estimand="ATE")
    >>> bool(abs(est.value - 2) < 0.2)
    True
    """
    started = time.perf_counter()
    estimand = check_estimand(estimand)
    check_choice(cov_type, COV_TYPES, "cov_type")
    check_choice(ci_method, ["normal", "percentile"], "ci_method")
    prep = prepare(data, treatment, outcome, adjustment)
    binary = _is_binary(prep.t)
    if not binary and estimand != "ATE":
        raise InvalidInputError(
            f"estimand={estimand!r} needs a binary treatment, but {treatment!r} takes "
            f"{len(np.unique(prep.t))} values. Use estimand='ATE' (average effect of a one-unit increase)."
        )
    warns: list[str] = []
    params: dict[str, Any] = {
        "estimand": estimand,
        "treatment_type": "binary" if binary else "continuous",
    }
    if model is None:
        value, stderr, dof, diag = _ols(prep, estimand, interactions, cov_type)
        params.update({"model": "OLS", "interactions": interactions, "cov_type": cov_type})
        if not interactions and estimand != "ATE" and prep.covariates:
            warns.append(
                "interactions=False assumes a constant effect, so ATT/ATC equal the ATE coefficient."
            )
        return make_estimate(
            value,
            stderr,
            alpha=alpha,
            estimand=estimand,
            method="regression",
            treatment=treatment,
            outcome=outcome,
            n_obs=len(prep.y),
            adjustment_set=prep.covariates,
            warnings=warns,
            params=params,
            diagnostics=diag,
            started=started,
            dof=dof,
        )

    if not (hasattr(model, "fit") and hasattr(model, "predict")):
        raise InvalidInputError(
            f"`model` must be None or a scikit-learn regressor with fit()/predict(); got {type(model).__name__}."
        )
    n_boot = check_positive_int(n_boot, "n_boot", minimum=10)
    rng = check_random_state(random_state)
    base = seeded_clone(model, rng)
    frame = prep.data[[treatment, *prep.covariates]].astype(float).reset_index(drop=True)
    frame["__y__"] = prep.y
    mask = _target_mask(prep.t, estimand)

    def value_on(idx: np.ndarray) -> float:
        sub = frame.iloc[idx].reset_index(drop=True)
        if binary and sub[treatment].nunique() < 2:
            return float("nan")
        return _gcomp_value(
            seeded_clone(base, np.random.default_rng(0)), sub, treatment, binary, mask[idx]
        )

    try:
        value = value_on(np.arange(len(frame)))
    except (ValueError, TypeError) as exc:
        raise EstimationError(f"The outcome model {type(model).__name__} failed: {exc}") from exc
    stderr, pct_ci, _ = bootstrap_stderr(
        value_on, len(frame), n_boot=n_boot, random_state=rng, n_jobs=n_jobs, alpha=alpha
    )
    params.update(
        {
            "model": type(model).__name__,
            "n_boot": n_boot,
            "ci_method": ci_method,
            "random_state": seed_repr(random_state),
        }
    )
    return make_estimate(
        value,
        stderr,
        alpha=alpha,
        estimand=estimand,
        method="g-computation",
        treatment=treatment,
        outcome=outcome,
        n_obs=len(prep.y),
        adjustment_set=prep.covariates,
        warnings=warns,
        params=params,
        diagnostics={"bootstrap_percentile_ci": pct_ci},
        started=started,
        ci=pct_ci if ci_method == "percentile" else None,
    )
