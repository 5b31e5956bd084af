"""Augmented inverse probability weighting (AIPW, doubly robust) with cross-fitting.

The outcome model is fitted separately in each arm (``mu_1(x)``, ``mu_0(x)``) and the propensity
``e(x)`` by a classifier; with ``n_folds = K > 1`` each unit's nuisances come from models fitted on
the other folds (cross-fitting, stratified by treatment). The estimators and their influence
functions (the standard error is ``sd(IF) / sqrt(n)``) are

* ATE: ``phi_i = mu_1 - mu_0 + T (Y - mu_1) / e - (1 - T) (Y - mu_0) / (1 - e)``, estimate ``mean(phi)``;
* ATT: ``[T (Y - mu_0) - (1 - T) e / (1 - e) (Y - mu_0)] / P(T=1)``, averaged;
* ATC: the mirror image of the ATT.

The estimate is consistent when either the outcome model or the propensity model is right.
With ``effect_modifiers`` the ATE pseudo-outcomes ``phi_i`` are regressed on those columns by OLS
(the DR-learner of Kennedy 2023 with a linear final stage); per-unit CATEs go to
``EffectEstimate.cate`` and the coefficients with HC1 standard errors to
``diagnostics["cate_coefficients"]``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import statsmodels.api as sm
from joblib import Parallel, delayed

from causalkit._validation import (
    as_list,
    check_binary,
    check_columns,
    check_positive_int,
    check_random_state,
)
from causalkit.estimation._base import make_estimate, prepare, seed_repr
from causalkit.estimation.propensity import (
    check_estimand,
    check_trim,
    cross_fit_splits,
    overlap_diagnostics,
    resolve_classifier,
    resolve_regressor,
    seeded_clone,
    weight_diagnostics,
)
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.results import EffectEstimate

__all__ = ["aipw"]


def _fit_fold(
    X: np.ndarray,
    t: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    prop: Any,
    out1: Any,
    out0: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit the nuisances on ``train`` and predict ``e, mu1, mu0`` on ``test``."""
    tr1, tr0 = train[t[train] == 1], train[t[train] == 0]
    try:
        if X.shape[1]:
            prop.fit(X[train], t[train].astype(int))
            classes = list(getattr(prop, "classes_", [0, 1]))
            e = np.asarray(prop.predict_proba(X[test]))[:, classes.index(1)]
            out1.fit(X[tr1], y[tr1])
            out0.fit(X[tr0], y[tr0])
            mu1, mu0 = (
                np.asarray(out1.predict(X[test]), float),
                np.asarray(out0.predict(X[test]), float),
            )
        else:  # no covariates: arm means and the treated share
            e = np.full(len(test), t[train].mean())
            mu1, mu0 = np.full(len(test), y[tr1].mean()), np.full(len(test), y[tr0].mean())
    except ValueError as exc:
        raise EstimationError(f"A nuisance model failed to fit: {exc}") from exc
    return e, mu1, mu0


def _cross_fit(
    X: np.ndarray,
    t: np.ndarray,
    y: np.ndarray,
    prop: Any,
    outcome: Any,
    n_folds: int,
    rng: np.random.Generator,
    n_jobs: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    splits = cross_fit_splits(t, n_folds, rng)
    for train, _ in splits:
        if min(np.sum(t[train] == 1), np.sum(t[train] == 0)) < 2:
            raise InvalidInputError(
                "Each training fold needs at least 2 treated and 2 control units; lower n_folds."
            )
    jobs = [
        (tr, te, seeded_clone(prop, rng), seeded_clone(outcome, rng), seeded_clone(outcome, rng))
        for tr, te in splits
    ]
    res = Parallel(n_jobs=n_jobs if n_folds > 1 else None)(
        delayed(_fit_fold)(X, t, y, tr, te, p, o1, o0) for tr, te, p, o1, o0 in jobs
    )
    e, mu1, mu0 = np.empty(len(t)), np.empty(len(t)), np.empty(len(t))
    for (_, te), (ei, m1, m0) in zip(splits, res, strict=True):
        e[te], mu1[te], mu0[te] = ei, m1, m0
    if not (np.all(np.isfinite(e)) and np.all(np.isfinite(mu1)) and np.all(np.isfinite(mu0))):
        raise EstimationError("A nuisance model returned non-finite predictions.")
    return e, mu1, mu0


def _scores(
    t: np.ndarray, y: np.ndarray, e: np.ndarray, mu1: np.ndarray, mu0: np.ndarray, estimand: str
) -> tuple[float, np.ndarray]:
    """Point estimate and influence function for the requested estimand."""
    if estimand == "ATE":
        phi = mu1 - mu0 + t * (y - mu1) / e - (1 - t) * (y - mu0) / (1 - e)
        value = float(phi.mean())
        return value, phi - value
    if estimand == "ATT":
        p = t.mean()
        num = t * (y - mu0) - (1 - t) * e / (1 - e) * (y - mu0)
        value = float(num.mean() / p)
        return value, (num - t * value) / p
    q = 1 - t.mean()  # ATC
    num = (1 - t) * (mu1 - y) + t * (1 - e) / e * (y - mu1)
    value = float(num.mean() / q)
    return value, (num - (1 - t) * value) / q


def _dr_learner(
    phi: np.ndarray, V: np.ndarray, names: list[str]
) -> tuple[np.ndarray, dict[str, Any]]:
    """Linear final stage of the DR-learner: OLS of pseudo-outcomes on ``[1, V]`` (HC1 SEs)."""
    Z = np.column_stack([np.ones(len(phi)), V])
    if np.linalg.matrix_rank(Z) < Z.shape[1]:
        raise EstimationError("The effect modifiers are collinear; drop redundant columns.")
    res = sm.OLS(phi, Z).fit(cov_type="HC1")
    se = np.sqrt(np.diag(res.cov_params()))
    coefs = {
        name: {"coef": float(b), "stderr": float(s)}
        for name, b, s in zip(["intercept", *names], res.params, se, strict=True)
    }
    return np.asarray(res.fittedvalues, float), coefs


def aipw(
    data: Any,
    treatment: str,
    outcome: str,
    adjustment: Iterable[str] = (),
    *,
    estimand: str = "ATE",
    outcome_model: Any = None,
    propensity_model: Any = None,
    n_folds: int = 5,
    trim: float | None = 0.01,
    effect_modifiers: Iterable[str] | None = None,
    alpha: float = 0.05,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> EffectEstimate:
    """Doubly robust (AIPW) estimate of the effect of a binary treatment, with cross-fitting.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment : str
        Binary (0/1) treatment column.
    outcome : str
    adjustment : iterable of str
        A valid backdoor adjustment set (inputs of both nuisance models).
    estimand : {"ATE", "ATT", "ATC"}
    outcome_model : None, "linear", "gbm" or a scikit-learn regressor
        Fitted separately in each arm. ``None``: ordinary least squares.
    propensity_model : None, "logistic", "gbm" or a scikit-learn classifier
        ``None``: unpenalised logistic regression (:class:`~causalkit.estimation.propensity.LogisticPropensity`).
    n_folds : int
        Cross-fitting folds (``1``: fit and predict on all rows, fine for the parametric defaults).
    trim : float or None
        Clip propensities to ``[trim, 1 - trim]`` (default 0.01, as DoubleML); ``None``: no clipping.
    effect_modifiers : iterable of str, optional
        Columns for a linear CATE model (DR-learner); per-unit effects go to ``cate``.
    alpha : float
    random_state : int, Generator or None
        Seeds the fold split and learners without their own seed.
    n_jobs : int or None
        joblib parallelism over folds.

    Returns
    -------
    EffectEstimate

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> x = rng.normal(size=n)
    >>> t = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    >>> df = pd.DataFrame({"x": x, "t": t, "y": (2 + x) * t + x + rng.normal(size=n)})
    >>> est = aipw(df, "t", "y", ["x"], effect_modifiers=["x"], random_state=0)
    >>> bool(abs(est.value - 2) < 0.2), est.cate.shape
    (True, (2000,))
    """
    started = time.perf_counter()
    estimand = check_estimand(estimand)
    n_folds = check_positive_int(n_folds, "n_folds")
    trim, _ = check_trim(trim, "clip")
    mods = as_list(effect_modifiers)
    if treatment in mods or outcome in mods:
        raise InvalidInputError("`effect_modifiers` must not contain the treatment or the outcome.")
    prep = prepare(data, treatment, outcome, adjustment, extra=mods)
    check_columns(prep.data, mods, role="effect modifier")
    t = check_binary(prep.data[treatment], role="treatment").astype(float)
    y, X = prep.y, prep.X
    rng = check_random_state(random_state)
    prop, out = resolve_classifier(propensity_model), resolve_regressor(outcome_model)

    e_raw, mu1, mu0 = _cross_fit(X, t, y, prop, out, n_folds, rng, n_jobs)
    e = np.clip(e_raw, trim, 1 - trim) if trim is not None else e_raw
    if np.any((e <= 0) | (e >= 1)):
        raise EstimationError(
            "Some estimated propensities are exactly 0 or 1 (no overlap); set trim=0.01 or change the model."
        )
    value, infl = _scores(t, y, e, mu1, mu0, estimand)
    n = len(t)
    stderr = float(np.sqrt(np.sum(infl**2)) / n)

    diag, warns = overlap_diagnostics(e_raw, t)
    w = np.where(t == 1, 1 / e, 1 / (1 - e))
    wdiag, wwarns = weight_diagnostics(w, t)
    diag.update(wdiag)
    warns += wwarns
    diag["n_clipped"] = int(np.sum(e != e_raw))
    diag["outcome_model_rmse"] = float(np.sqrt(np.mean((y - np.where(t == 1, mu1, mu0)) ** 2)))
    cate = None
    if mods:
        phi = mu1 - mu0 + t * (y - mu1) / e - (1 - t) * (y - mu0) / (1 - e)
        cate, coefs = _dr_learner(phi, prep.data[mods].to_numpy(float), mods)
        diag["cate_coefficients"] = coefs
    params = {
        "estimand": estimand,
        "outcome_model": type(out).__name__,
        "propensity_model": type(prop).__name__,
        "n_folds": n_folds,
        "trim": trim,
        "effect_modifiers": mods,
        "random_state": seed_repr(random_state),
    }
    return make_estimate(
        value,
        stderr,
        alpha=alpha,
        estimand=estimand,
        method="aipw",
        treatment=treatment,
        outcome=outcome,
        n_obs=n,
        adjustment_set=prep.covariates,
        warnings=warns,
        params=params,
        diagnostics=diag,
        cate=cate,
        started=started,
    )
