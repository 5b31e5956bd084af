"""Propensity scores: fitting (optionally cross-fitted), trimming, overlap and weight diagnostics.

Shared by :func:`~causalkit.estimation.ipw` and :func:`~causalkit.estimation.aipw`. The default
propensity model is :class:`LogisticPropensity`, an unpenalised logistic regression fitted by
Newton-Raphson on standardised covariates. It is the maximum-likelihood fit whose score equations
the M-estimation sandwich of :func:`~causalkit.estimation.ipw` differentiates, and it behaves the same
under every scikit-learn version (whose way of switching the penalty off changed in 1.8).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedKFold

from causalkit._validation import (
    as_list,
    check_binary,
    check_choice,
    check_data,
    check_positive_int,
    check_random_state,
)
from causalkit.estimation._base import ESTIMANDS
from causalkit.exceptions import EstimationError, InvalidInputError

__all__ = [
    "LogisticPropensity",
    "PropensityFit",
    "fit_propensity",
    "cross_fit_splits",
    "overlap_diagnostics",
    "weight_diagnostics",
    "effective_sample_size",
    "check_overlap",
    "prepare_treatment",
    "resolve_classifier",
    "resolve_regressor",
    "seeded_clone",
    "check_estimand",
    "check_trim",
]

OVERLAP_BOUNDS = (0.05, 0.95)


class LogisticPropensity(ClassifierMixin, BaseEstimator):
    """Unpenalised logistic regression (maximum likelihood, Newton-Raphson with step halving).

    Features are standardised internally; an intercept is always included. Rank-deficient designs
    (e.g. a full set of dummies) are handled with a minimum-norm Newton step; quasi-separation makes
    the fit stop at ``max_iter`` with ``converged_ = False`` and propensities near 0 or 1, which the
    overlap diagnostics then report.

    Parameters
    ----------
    max_iter : int
        Maximum Newton iterations.
    tol : float
        Convergence tolerance on the largest coefficient change.

    Attributes
    ----------
    coef_ : numpy.ndarray
        ``[intercept, slopes...]`` on the standardised scale.
    mean_, scale_ : numpy.ndarray
        Standardisation constants.
    converged_ : bool
    n_iter_ : int
    classes_ : numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> t = (X[:, 0] + np.random.default_rng(1).normal(size=200) > 0).astype(int)
    >>> LogisticPropensity().fit(X, t).predict_proba(X).shape
    (200, 2)
    """

    def __init__(self, max_iter: int = 100, tol: float = 1e-9):
        self.max_iter = max_iter
        self.tol = tol

    def design(self, X: np.ndarray) -> np.ndarray:
        """Return the design matrix ``[1, (X - mean_) / scale_]`` the coefficients apply to."""
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        return np.column_stack([np.ones(len(X)), (X - self.mean_) / self.scale_])

    def fit(self, X: np.ndarray, y: np.ndarray) -> LogisticPropensity:
        """Fit by maximum likelihood; returns ``self``."""
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        y = np.asarray(y, dtype=float)
        self.mean_ = X.mean(axis=0)
        sd = X.std(axis=0)
        self.scale_ = np.where(sd > 0, sd, 1.0)
        Z = self.design(X)
        beta = np.zeros(Z.shape[1])
        p0 = np.clip(y.mean(), 1e-6, 1 - 1e-6)
        beta[0] = np.log(p0 / (1 - p0))

        def loglik(b: np.ndarray) -> float:
            eta = Z @ b
            return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

        ll = loglik(beta)
        self.converged_, self.n_iter_ = False, 0
        for _ in range(self.max_iter):
            self.n_iter_ += 1
            p = expit(Z @ beta)
            grad = Z.T @ (y - p)
            hess = (Z * (p * (1 - p))[:, None]).T @ Z
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
            size = 1.0
            while True:  # step halving keeps the log-likelihood increasing
                new = beta + size * step
                ll_new = loglik(new)
                if ll_new >= ll - 1e-12 or size < 1e-6:
                    break
                size /= 2
            beta, change, ll = new, np.max(np.abs(size * step)), ll_new
            if change < self.tol:
                self.converged_ = True
                break
        self.coef_ = beta
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Linear predictor (log-odds)."""
        return self.design(X) @ self.coef_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Return ``[P(T=0|X), P(T=1|X)]``."""
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Return the more likely class."""
        return (self.decision_function(X) > 0).astype(int)


@dataclass(frozen=True)
class PropensityFit:
    """Fitted propensity scores and what is needed to use them.

    Attributes
    ----------
    scores : numpy.ndarray
        Propensities after clipping (if any): the values estimators use.
    raw_scores : numpy.ndarray
        Propensities as predicted.
    clipped : numpy.ndarray of bool
        Units whose propensity was clipped.
    keep : numpy.ndarray of bool
        Units kept (all, unless ``trim_method="drop"``).
    model : object
        The fitted model (the last fold's when cross-fitted).
    n_folds : int
    design : numpy.ndarray or None
        For the default logistic model without cross-fitting: the design matrix whose score
        equations ``design.T @ (t - raw_scores) = 0`` define the fit (used by the IPW sandwich).
    """

    scores: np.ndarray
    raw_scores: np.ndarray
    clipped: np.ndarray
    keep: np.ndarray
    model: Any
    n_folds: int
    design: np.ndarray | None = None
    params: dict[str, Any] = field(default_factory=dict)


def check_estimand(estimand: str, *, allowed: Iterable[str] = ESTIMANDS) -> str:
    """Normalise and check an estimand name (``"ATE"``, ``"ATT"``, ``"ATC"``)."""
    est = estimand.upper() if isinstance(estimand, str) else estimand
    return check_choice(est, list(allowed), "estimand")


def check_trim(trim: float | None, trim_method: str) -> tuple[float | None, str]:
    """Check a propensity trimming threshold in (0, 0.5) and the method ``"clip"`` or ``"drop"``."""
    check_choice(trim_method, ["clip", "drop"], "trim_method")
    if trim is None:
        return None, trim_method
    if isinstance(trim, bool) or not isinstance(trim, numbers.Real) or not 0.0 < float(trim) < 0.5:
        raise InvalidInputError(
            f"`trim` must be None or a number in (0, 0.5), e.g. 0.01 (clip propensities to "
            f"[0.01, 0.99]); got {trim!r}."
        )
    return float(trim), trim_method


def seeded_clone(model: Any, rng: np.random.Generator) -> Any:
    """Clone an estimator and give it a seed from ``rng`` when it has an unset ``random_state``."""
    m = clone(model)
    try:
        if (
            "random_state" in m.get_params(deep=False)
            and m.get_params(deep=False)["random_state"] is None
        ):
            m.set_params(random_state=int(rng.integers(0, 2**31 - 1)))
    except (AttributeError, ValueError):  # pragma: no cover - exotic estimators
        pass
    return m


def _check_learner(model: Any, kind: str, needs: str) -> Any:
    if not (hasattr(model, "fit") and hasattr(model, needs)):
        raise InvalidInputError(
            f"The {kind} must be a scikit-learn style estimator with fit() and {needs}(); "
            f"got {type(model).__name__}."
        )
    return model


def resolve_classifier(model: Any, *, name: str = "propensity_model") -> Any:
    """Turn ``None``/``"logistic"``/``"gbm"`` or a classifier into an unfitted classifier."""
    if model is None or (isinstance(model, str) and model == "logistic"):
        return LogisticPropensity()
    if isinstance(model, str):
        if model == "gbm":
            from sklearn.ensemble import HistGradientBoostingClassifier

            return HistGradientBoostingClassifier(
                max_iter=200, learning_rate=0.05, min_samples_leaf=20
            )
        raise InvalidInputError(
            f"`{name}` must be None, 'logistic', 'gbm' or a classifier; got {model!r}."
        )
    return _check_learner(model, f"`{name}`", "predict_proba")


def resolve_regressor(model: Any, *, name: str = "outcome_model") -> Any:
    """Turn ``None``/``"linear"``/``"gbm"`` or a regressor into an unfitted regressor."""
    from sklearn.linear_model import LinearRegression

    if model is None or (isinstance(model, str) and model == "linear"):
        return LinearRegression()
    if isinstance(model, str):
        if model == "gbm":
            from sklearn.ensemble import HistGradientBoostingRegressor

            return HistGradientBoostingRegressor(
                max_iter=200, learning_rate=0.05, min_samples_leaf=20
            )
        raise InvalidInputError(
            f"`{name}` must be None, 'linear', 'gbm' or a regressor; got {model!r}."
        )
    return _check_learner(model, f"`{name}`", "predict")


def cross_fit_splits(
    t: np.ndarray, n_folds: int, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified (by treatment) K-fold splits; ``n_folds=1`` means train = test = all rows."""
    n = len(t)
    if n_folds == 1:
        idx = np.arange(n)
        return [(idx, idx)]
    smallest = int(min(np.sum(t == 1), np.sum(t == 0)))
    if smallest < n_folds:
        raise InvalidInputError(
            f"Cross-fitting with n_folds={n_folds} needs at least {n_folds} treated and {n_folds} control "
            f"units; the smaller arm has {smallest}. Lower `n_folds`."
        )
    skf = StratifiedKFold(
        n_splits=n_folds, shuffle=True, random_state=int(rng.integers(0, 2**31 - 1))
    )
    return list(skf.split(np.zeros(n), t.astype(int)))


def _fit_predict_proba(
    model: Any, X: np.ndarray, t: np.ndarray, train: np.ndarray, test: np.ndarray
) -> tuple[np.ndarray, Any]:
    try:
        model.fit(X[train], t[train].astype(int))
        proba = model.predict_proba(X[test])
    except ValueError as exc:
        raise EstimationError(
            f"The propensity model {type(model).__name__} failed to fit: {exc}"
        ) from exc
    classes = list(getattr(model, "classes_", [0, 1]))
    return np.asarray(proba)[:, classes.index(1)], model


def fit_propensity(
    X: np.ndarray,
    t: np.ndarray,
    model: Any = None,
    *,
    n_folds: int = 1,
    trim: float | None = None,
    trim_method: str = "clip",
    random_state: Any = None,
    n_jobs: int | None = None,
) -> PropensityFit:
    """Fit ``P(T=1 | X)``, optionally cross-fitted, and trim it.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, p)
        Covariates (``p`` may be 0: then the propensity is the treated share).
    t : numpy.ndarray
        0/1 treatment.
    model : None, "logistic", "gbm" or classifier
        ``None`` is :class:`LogisticPropensity`.
    n_folds : int
        ``1``: fit and predict on all rows; ``K > 1``: each fold is predicted by a model fitted on
        the other folds (stratified by treatment).
    trim : float or None
        Threshold ``c`` in (0, 0.5).
    trim_method : {"clip", "drop"}
        ``"clip"`` replaces propensities below ``c`` (above ``1 - c``) by ``c`` (``1 - c``) and keeps
        every unit; ``"drop"`` marks units outside ``[c, 1 - c]`` as not kept (Crump et al. 2009
        suggest ``c = 0.1``), which changes the target population to the overlap population.
    random_state : int, Generator or None
        Seeds the fold split and learners without their own seed.
    n_jobs : int or None
        joblib parallelism over folds.

    Returns
    -------
    PropensityFit
    """
    rng = check_random_state(random_state)
    n_folds = check_positive_int(n_folds, "n_folds")
    trim, trim_method = check_trim(trim, trim_method)
    base = resolve_classifier(model)
    t = np.asarray(t, dtype=float)
    X = np.asarray(X, dtype=float).reshape(len(t), -1)
    raw: np.ndarray
    design: np.ndarray | None
    if X.shape[1] == 0:  # no covariates: the propensity is the treated share
        raw = np.full(len(t), t.mean())
        fitted, design = None, np.ones((len(t), 1))
    else:
        splits = cross_fit_splits(t, n_folds, rng)
        models = [seeded_clone(base, rng) for _ in splits]
        out = Parallel(n_jobs=n_jobs if n_folds > 1 else None)(
            delayed(_fit_predict_proba)(m, X, t, tr, te)
            for m, (tr, te) in zip(models, splits, strict=True)
        )
        raw = np.empty(len(t))
        for (_, te), (p, _) in zip(splits, out, strict=True):
            raw[te] = p
        fitted = out[-1][1]
        design = (
            fitted.design(X) if (n_folds == 1 and isinstance(fitted, LogisticPropensity)) else None
        )
    if not np.all(np.isfinite(raw)):
        raise EstimationError("The propensity model returned non-finite probabilities.")
    scores: np.ndarray = raw.copy()
    clipped: np.ndarray = np.zeros(len(t), bool)
    keep: np.ndarray = np.ones(len(t), bool)
    if trim is not None:
        outside = (raw < trim) | (raw > 1 - trim)
        if trim_method == "clip":
            scores, clipped = np.clip(raw, trim, 1 - trim), outside
        else:
            keep = ~outside
            if keep[t == 1].sum() == 0 or keep[t == 0].sum() == 0:
                raise EstimationError(
                    f"Dropping units with propensity outside [{trim}, {1 - trim}] leaves an empty arm; "
                    "there is no overlap. Lower `trim` or use trim_method='clip'."
                )
    return PropensityFit(
        scores=scores,
        raw_scores=raw,
        clipped=clipped,
        keep=keep,
        model=fitted,
        n_folds=n_folds,
        design=design,
        params={
            "propensity_model": type(base).__name__,
            "n_folds": n_folds,
            "trim": trim,
            "trim_method": trim_method,
        },
    )


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2``."""
    w = np.asarray(weights, dtype=float)
    s2 = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / s2) if s2 > 0 else 0.0


def overlap_diagnostics(
    e: np.ndarray, t: np.ndarray, *, bounds: tuple[float, float] = OVERLAP_BOUNDS
) -> tuple[dict[str, Any], list[str]]:
    """Propensity range per arm and the share of units outside ``bounds``.

    Returns
    -------
    diagnostics : dict
        ``propensity_min/max_treated``, ``propensity_min/max_control``, ``share_outside_overlap``,
        ``n_outside_overlap``, ``overlap_bounds``.
    warnings : list of str
        Sentences for propensities near 0/1 and for units outside ``bounds``.
    """
    e, t = np.asarray(e, float), np.asarray(t, float)
    lo, hi = bounds
    out = (e < lo) | (e > hi)
    d = {
        "propensity_min_treated": float(e[t == 1].min()),
        "propensity_max_treated": float(e[t == 1].max()),
        "propensity_min_control": float(e[t == 0].min()),
        "propensity_max_control": float(e[t == 0].max()),
        "share_outside_overlap": float(out.mean()),
        "n_outside_overlap": int(out.sum()),
        "overlap_bounds": (lo, hi),
    }
    warns: list[str] = []
    extreme = int(np.sum((e < 0.01) | (e > 0.99)))
    if extreme:
        warns.append(
            f"{extreme} unit(s) have propensity below 0.01 or above 0.99 (near-violation of positivity); "
            "estimates lean on very few units. Consider trim=0.01 or restricting the population."
        )
    if out.any():
        warns.append(
            f"{out.mean():.1%} of units ({int(out.sum())}) have propensity outside [{lo}, {hi}]; "
            "overlap is limited."
        )
    return d, warns


def weight_diagnostics(w: np.ndarray, t: np.ndarray) -> tuple[dict[str, Any], list[str]]:
    """Effective sample size and the largest single-unit weight share, per arm.

    Warns when an arm's effective sample size is under 30% of its size or one unit carries more
    than 10% of an arm's total weight.
    """
    w, t = np.asarray(w, float), np.asarray(t, float)
    d: dict[str, Any] = {}
    warns: list[str] = []
    for arm, label in ((1, "treated"), (0, "control")):
        wa = w[(t == arm) & (w > 0)]
        if len(wa) == 0:
            continue
        ess = effective_sample_size(wa)
        share = float(wa.max() / wa.sum())
        d[f"ess_{label}"] = ess
        d[f"n_{label}"] = int(len(wa))
        d[f"max_weight_share_{label}"] = share
        d[f"max_weight_{label}"] = float(wa.max())
        if ess < 0.3 * len(wa):
            warns.append(
                f"The {label} arm's effective sample size is {ess:.0f} of {len(wa)} units: the weights are "
                "very uneven (limited overlap)."
            )
        if share > 0.10 and len(wa) >= 20:
            warns.append(
                f"One {label} unit carries {share:.0%} of the {label} arm's total weight (extreme weight)."
            )
    return d, warns


def prepare_treatment(
    data: Any, treatment: str, covariates: Iterable[str]
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Validate a binary treatment and its covariates; return ``(frame, t, X)``."""
    covs = as_list(covariates)
    if isinstance(data, pd.DataFrame) and len(data) == 0:
        raise InvalidInputError("`data` is empty (0 rows).")
    if treatment in covs:
        raise InvalidInputError(
            f"The treatment {treatment!r} is also in the adjustment set; remove it from the adjustment set."
        )
    df = check_data(data, [treatment, *covs], min_rows=3)
    t = check_binary(df[treatment], role="treatment").astype(float)
    X = df[covs].to_numpy(dtype=float) if covs else np.empty((len(df), 0))
    return df, t, X


def check_overlap(
    data: Any,
    treatment: str,
    covariates: Iterable[str],
    *,
    propensity_model: Any = None,
    n_folds: int = 1,
    random_state: Any = None,
) -> dict[str, Any]:
    """Fit a propensity model on a DataFrame and report overlap diagnostics.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment : str
        Binary treatment column.
    covariates : iterable of str
        Columns the propensity depends on.
    propensity_model, n_folds, random_state
        As in :func:`fit_propensity`.

    Returns
    -------
    dict
        The :func:`overlap_diagnostics` numbers, ``"warnings"`` (list of str) and ``"propensity"``
        (numpy array of fitted scores).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=300)})
    >>> df["t"] = (rng.random(300) < 1 / (1 + np.exp(-df.x))).astype(int)
    >>> d = check_overlap(df, "t", ["x"])
    >>> 0 < d["propensity_min_treated"] < d["propensity_max_treated"] < 1
    True
    """
    df, t, X = prepare_treatment(data, treatment, covariates)
    fit = fit_propensity(X, t, propensity_model, n_folds=n_folds, random_state=random_state)
    d, warns = overlap_diagnostics(fit.scores, t)
    d["warnings"] = warns
    d["propensity"] = fit.scores
    return d
