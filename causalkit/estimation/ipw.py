"""Inverse probability weighting (IPW) for a binary treatment: ATE, ATT and ATC.

Point estimate
    Hajek (normalised) weighting by default: within each arm the weighted mean of the outcome,
    ``mu_a = sum(w_i y_i) / sum(w_i)``; the effect is ``mu_1 - mu_0``. This equals the coefficient of
    the treatment in a weighted least-squares regression of Y on T (the book's "marginal structural
    model"). ``normalize=False`` gives the Horvitz-Thompson estimator ``mean(T Y / e) - mean((1-T) Y /
    (1-e))`` (for ATT/ATC divided by the target share). With a binary treatment, stabilising the weights
    (multiplying by ``P(T=a)``) rescales each arm by a constant, so it changes neither estimator; it is
    applied to the weights that are reported (:func:`ipw_weights`, diagnostics).

Standard error (``se=``)
    ``"sandwich"`` (default with the built-in logistic propensity model, no cross-fitting): the
    M-estimation sandwich for the stacked logistic-score and weighted-mean equations, which accounts
    for the propensity being estimated (Lunceford & Davidian 2004). For the ATE it is usually smaller
    than the fixed-weight SE. ``"robust"`` (default otherwise): the weights are treated as known; this
    is the heteroskedasticity-robust (HC1) SE of the weighted regression of Y on T, i.e. what Stata's
    ``regress [pweight=w], vce(robust)`` and R's ``geeglm`` report, and what Hernan & Robins use.
    ``"bootstrap"``: refits the propensity model in every replicate.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_binary, check_choice, check_positive_int, check_random_state
from causalkit.estimation._base import bootstrap_stderr, make_estimate, prepare, seed_repr
from causalkit.estimation.propensity import (
    LogisticPropensity,
    PropensityFit,
    check_estimand,
    fit_propensity,
    overlap_diagnostics,
    prepare_treatment,
    resolve_classifier,
    weight_diagnostics,
)
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.results import EffectEstimate

__all__ = ["ipw", "ipw_weights"]


def _arm_weights(
    e: np.ndarray, estimand: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights for treated (``w1``) and control (``w0``) units and their derivatives in the log-odds."""
    one, zero = np.ones_like(e), np.zeros_like(e)
    if estimand == "ATE":
        return 1 / e, 1 / (1 - e), -(1 - e) / e, e / (1 - e)
    if estimand == "ATT":
        return one, e / (1 - e), zero, e / (1 - e)
    return (1 - e) / e, one, -(1 - e) / e, zero  # ATC


def _ipw_point(
    t: np.ndarray, y: np.ndarray, fit: PropensityFit, estimand: str, normalize: bool
) -> tuple[float, float, float, dict[str, np.ndarray]]:
    """Effect, arm means and the pieces the influence functions need."""
    keep = fit.keep.astype(float)
    w1, w0, dw1, dw0 = _arm_weights(fit.scores, estimand)
    t1, t0 = t * keep, (1 - t) * keep
    a1, a0 = t1 * w1, t0 * w0
    s = {"ATE": np.ones_like(t), "ATT": t, "ATC": 1 - t}[estimand] * keep
    D1, D0 = (a1, a0) if normalize else (s, s)
    if D1.sum() <= 0 or D0.sum() <= 0:
        raise EstimationError("An arm has zero total weight; there is no overlap to estimate from.")
    mu1, mu0 = float(a1 @ y / D1.sum()), float(a0 @ y / D0.sum())
    parts = {"a1": a1, "a0": a0, "D1": D1, "D0": D0, "t1": t1, "t0": t0, "dw1": dw1, "dw0": dw0}
    return mu1 - mu0, mu1, mu0, parts


def _influence(
    t: np.ndarray,
    y: np.ndarray,
    fit: PropensityFit,
    mu1: float,
    mu0: float,
    parts: dict[str, np.ndarray],
    normalize: bool,
    sandwich: bool,
) -> np.ndarray:
    """Per-unit influence function of ``mu1 - mu0`` (fixed weights, or the M-estimation sandwich)."""
    p = parts
    m1, m0 = p["D1"].mean(), p["D0"].mean()
    if1 = (p["a1"] * y - mu1 * p["D1"]) / m1
    if0 = (p["a0"] * y - mu0 * p["D0"]) / m0
    if sandwich:
        Z, e = fit.design, fit.raw_scores
        free = (~fit.clipped).astype(
            float
        )  # clipped propensities do not move with the coefficients
        r1 = y - mu1 if normalize else y
        r0 = y - mu0 if normalize else y
        g1 = ((p["t1"] * p["dw1"] * free * r1)[:, None] * Z).mean(axis=0)
        g0 = ((p["t0"] * p["dw0"] * free * r0)[:, None] * Z).mean(axis=0)
        H = (Z * (e * (1 - e))[:, None]).T @ Z / len(t)
        if_beta = (Z * (t - e)[:, None]) @ np.linalg.pinv(H).T
        if1 = if1 + if_beta @ g1 / m1
        if0 = if0 + if_beta @ g0 / m0
    return if1 - if0


def _stabilized(w: np.ndarray, t: np.ndarray, keep: np.ndarray, estimand: str) -> np.ndarray:
    p = float(t[keep].mean())
    f1 = {"ATE": p, "ATT": 1.0, "ATC": p / (1 - p)}[estimand]
    f0 = {"ATE": 1 - p, "ATT": (1 - p) / p, "ATC": 1.0}[estimand]
    return np.where(t == 1, w * f1, w * f0)


def _prepare_binary(
    data: Any, treatment: str, outcome: str, adjustment: Iterable[str]
) -> tuple[Any, np.ndarray]:
    prep = prepare(data, treatment, outcome, adjustment)
    t = check_binary(prep.data[treatment], role="treatment").astype(float)
    return prep, t


def ipw_weights(
    data: Any,
    treatment: str,
    adjustment: Iterable[str] = (),
    *,
    estimand: str = "ATE",
    propensity_model: Any = None,
    stabilized: bool = True,
    trim: float | None = None,
    trim_method: str = "clip",
    random_state: Any = None,
) -> pd.Series:
    """Inverse probability weights for a binary treatment (0 for units dropped by trimming).

    Parameters are as in :func:`ipw`. Returns a Series aligned with ``data``'s index.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=500)})
    >>> df["t"] = (rng.random(500) < 1 / (1 + np.exp(-df.x))).astype(int)
    >>> w = ipw_weights(df, "t", ["x"])
    >>> bool(abs(w.mean() - 1) < 0.1)  # stabilised weights average about 1
    True
    """
    estimand = check_estimand(estimand)
    df, t, X = prepare_treatment(data, treatment, adjustment)
    fit = fit_propensity(
        X, t, propensity_model, trim=trim, trim_method=trim_method, random_state=random_state
    )
    w1, w0, _, _ = _arm_weights(fit.scores, estimand)
    w = np.where(t == 1, w1, w0) * fit.keep
    if stabilized:
        w = _stabilized(w, t, fit.keep, estimand)
    return pd.Series(w, index=df.index, name="ipw_weight")


def ipw(
    data: Any,
    treatment: str,
    outcome: str,
    adjustment: Iterable[str] = (),
    *,
    estimand: str = "ATE",
    propensity_model: Any = None,
    stabilized: bool = True,
    normalize: bool = True,
    trim: float | None = None,
    trim_method: str = "clip",
    se: str = "auto",
    n_folds: int = 1,
    n_boot: int = 200,
    alpha: float = 0.05,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> EffectEstimate:
    """Inverse probability weighting estimate of the effect of a binary treatment.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment : str
        Binary (0/1) treatment column.
    outcome : str
        Outcome column.
    adjustment : iterable of str
        Covariates of the propensity model (a valid backdoor adjustment set).
    estimand : {"ATE", "ATT", "ATC"}
    propensity_model : None, "logistic", "gbm" or a scikit-learn classifier
        ``None``: unpenalised logistic regression on standardised covariates (main effects; add
        squares/interactions/dummies as columns).
    stabilized : bool
        Report stabilised weights (``P(T=a) / P(T=a|X)``); the estimate is unchanged, see module notes.
    normalize : bool
        Hajek (``True``) or Horvitz-Thompson (``False``) estimator.
    trim : float or None
        Propensity threshold ``c`` in (0, 0.5); see ``trim_method``. ``None``: no trimming.
    trim_method : {"clip", "drop"}
        ``"clip"``: propensities are clipped to ``[c, 1 - c]`` (all units kept).
        ``"drop"``: units with propensity outside ``[c, 1 - c]`` are dropped; the estimand then refers
        to the overlap population (a warning says so).
    se : {"auto", "sandwich", "robust", "bootstrap"}
        See the module notes. ``"auto"`` is ``"sandwich"`` when available, else ``"robust"``.
    n_folds : int
        Cross-fit the propensity over this many folds (``1``: no cross-fitting).
    n_boot : int
        Bootstrap replicates for ``se="bootstrap"``.
    alpha : float
    random_state : int, Generator or None
    n_jobs : int or None
        joblib parallelism (folds, bootstrap replicates).

    Returns
    -------
    EffectEstimate
        ``diagnostics`` holds the propensity range per arm, the share outside [0.05, 0.95], effective
        sample sizes, largest weight shares, ``mu1``/``mu0`` and the SE method.

    Raises
    ------
    InvalidInputError
        Non-binary treatment, unknown columns, NaN, ...; ``se="sandwich"`` with a model it cannot
        differentiate.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> x = rng.normal(size=n)
    >>> t = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    >>> df = pd.DataFrame({"x": x, "t": t, "y": 2 * t + x + rng.normal(size=n)})
    >>> est = ipw(df, "t", "y", ["x"])
    >>> bool(abs(est.value - 2) < 0.3)
    True
    """
    started = time.perf_counter()
    estimand = check_estimand(estimand)
    se = check_choice(se, ["auto", "sandwich", "robust", "bootstrap"], "se")
    n_boot = check_positive_int(n_boot, "n_boot", minimum=10)
    prep, t = _prepare_binary(data, treatment, outcome, adjustment)
    y, X = prep.y, prep.X
    rng = check_random_state(random_state)
    fit_seed = int(rng.integers(0, 2**31 - 1))
    model = resolve_classifier(propensity_model)
    fit = fit_propensity(
        X,
        t,
        model,
        n_folds=n_folds,
        trim=trim,
        trim_method=trim_method,
        random_state=fit_seed,
        n_jobs=n_jobs,
    )
    can_sandwich = fit.design is not None
    if se == "sandwich" and not can_sandwich:
        raise InvalidInputError(
            "se='sandwich' needs the built-in logistic propensity model without cross-fitting "
            "(propensity_model=None, n_folds=1); use se='robust' or se='bootstrap' instead."
        )
    se_method = ("sandwich" if can_sandwich else "robust") if se == "auto" else se

    value, mu1, mu0, parts = _ipw_point(t, y, fit, estimand, normalize)
    n = len(t)
    if se_method == "bootstrap":

        def stat(idx: np.ndarray) -> float:
            if len(np.unique(t[idx])) < 2:
                return float("nan")
            f = fit_propensity(
                X[idx],
                t[idx],
                model,
                n_folds=n_folds,
                trim=trim,
                trim_method=trim_method,
                random_state=fit_seed,
            )
            return _ipw_point(t[idx], y[idx], f, estimand, normalize)[0]

        stderr, _, _ = bootstrap_stderr(
            stat, n, n_boot=n_boot, random_state=rng, n_jobs=n_jobs, alpha=alpha
        )
    else:
        infl = _influence(t, y, fit, mu1, mu0, parts, normalize, se_method == "sandwich")
        var = float(np.sum(infl**2) / n**2)
        if se_method == "robust":
            var *= n / (n - 2)  # HC1, as in Stata's regress [pweight], vce(robust)
        stderr = float(np.sqrt(var))

    weights = np.where(t == 1, parts["a1"], parts["a0"])
    if stabilized:
        weights = _stabilized(weights, t, fit.keep, estimand)
    diag, warns = overlap_diagnostics(fit.raw_scores, t)
    wdiag, wwarns = weight_diagnostics(weights, t)
    diag.update(wdiag)
    warns += wwarns
    if isinstance(fit.model, LogisticPropensity) and not fit.model.converged_:
        warns.append(
            "The logistic propensity model did not converge (possible separation: no overlap)."
        )
    n_dropped = int((~fit.keep).sum())
    if n_dropped:
        c = float(fit.params["trim"])
        warns.append(
            f"{n_dropped} unit(s) with propensity outside [{c}, {1 - c}] were dropped: the estimate "
            f"refers to the overlap population, not the full {estimand} population."
        )
    diag.update(
        {
            "mu1": mu1,
            "mu0": mu0,
            "se_method": se_method,
            "n_clipped": int(fit.clipped.sum()),
            "n_dropped": n_dropped,
            "weight_mean": float(weights[fit.keep].mean()),
        }
    )
    params = {
        **fit.params,
        "estimand": estimand,
        "stabilized": stabilized,
        "normalize": normalize,
        "se": se_method,
        "n_boot": n_boot if se_method == "bootstrap" else None,
        "random_state": seed_repr(random_state),
    }
    return make_estimate(
        value,
        stderr,
        alpha=alpha,
        estimand=estimand,
        method="ipw",
        treatment=treatment,
        outcome=outcome,
        n_obs=int(fit.keep.sum()),
        adjustment_set=prep.covariates,
        warnings=warns,
        params=params,
        diagnostics=diag,
        started=started,
    )
