"""Causal mechanisms: the structural assignment ``X_j := f_j(PA_j, U_j)`` of one node.

Every mechanism separates the structural function from the exogenous noise so that the same code
serves sampling (draw noise, push it through), interventions (push the same noise through with some
nodes overridden) and counterfactuals (abduce the noise of observed units, push it through):

* :class:`LinearMechanism` - ``f(pa) + u`` with ``f`` fitted by ordinary least squares;
* :class:`AdditiveNoiseMechanism` - ``f(pa) + u`` with ``f`` any scikit-learn regressor;
* :class:`DiscreteMechanism` - a conditional probability table (CPT) of a discrete node given discrete
  parents, counted with additive (Laplace) smoothing;
* :class:`ClassifierMechanism` - a discrete node whose ``P(x | pa)`` is any scikit-learn classifier
  (used when a discrete node has continuous parents).

For the additive mechanisms the noise is the residual ``u = x - f(pa)``; new noise is drawn from the
empirical residual distribution (or a Gaussian with the residual variance). For the categorical
mechanisms the noise is ``u ~ Uniform(0, 1)`` and ``x = F^{-1}(u | pa)``, the inverse of the conditional
CDF over the ordered levels; this is the standard (monotone, "comonotonic") coupling used for
counterfactuals of discrete variables.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from scipy import stats
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import PolynomialFeatures, SplineTransformer, StandardScaler

from causalkit.exceptions import EstimationError, InvalidInputError

__all__ = [
    "Mechanism",
    "LinearMechanism",
    "AdditiveNoiseMechanism",
    "DiscreteMechanism",
    "ClassifierMechanism",
    "linearity_pvalue",
    "default_regressor",
]

_NOISE_KINDS = ("empirical", "gaussian")


class Mechanism(ABC):
    """The structural assignment of one node given its parents.

    Subclasses implement :meth:`fit`, :meth:`sample_noise`, :meth:`apply` and :meth:`abduct`.
    ``X`` is always an ``(n, p)`` float array of parent values in the order of ``parents``.

    Attributes
    ----------
    kind : str
        Short name (``"linear"``, ``"additive"``, ``"discrete"``, ``"classifier"``).
    invertible : bool
        Whether :meth:`abduct` recovers the noise deterministically from ``(pa, x)``.
    """

    kind: str = "mechanism"
    invertible: bool = True

    def __init__(self) -> None:
        self.node: str = ""
        self.parents: list[str] = []

    @abstractmethod
    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> Mechanism:
        """Fit the mechanism to parent values ``X`` and node values ``y``; return self."""

    @abstractmethod
    def sample_noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` exogenous noise values."""

    @abstractmethod
    def apply(self, X: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """Structural function: node values for parents ``X`` and noise ``noise``."""

    @abstractmethod
    def abduct(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Noise values consistent with observed ``(X, y)`` (random for non-invertible mechanisms)."""

    def describe(self) -> dict[str, Any]:
        """A few numbers describing the fit (for :meth:`StructuralCausalModel.mechanism_summary`)."""
        return {}


def default_regressor(n_knots: int = 8) -> Pipeline:
    """The default learner of additive-noise mechanisms: a small ridge-penalised spline model.

    Standardised parents are expanded into cubic B-splines (linear extrapolation beyond the data)
    plus all pairwise products, and fitted by ``RidgeCV``: a smooth GAM-like fit with bilinear
    interactions that takes milliseconds. Unlike tree ensembles it is smooth, so ``do(X = x)`` at a
    fixed value does not land on a step of a piecewise-constant fit. Pass any scikit-learn regressor
    (e.g. ``HistGradientBoostingRegressor()``) for richer interactions.
    """
    features = FeatureUnion(
        [
            ("splines", SplineTransformer(n_knots=n_knots, degree=3, extrapolation="linear")),
            ("pairs", PolynomialFeatures(degree=2, interaction_only=True, include_bias=False)),
        ]
    )
    return Pipeline(
        [("scale", StandardScaler()), ("features", features), ("ridge", RidgeCV(alphas=np.logspace(-4, 3, 15)))]
    )


# --------------------------------------------------------------------------- additive noise
class _AdditiveBase(Mechanism):
    """``x = f(pa) + u`` with empirical (or Gaussian) noise."""

    def __init__(self, noise: str = "empirical") -> None:
        super().__init__()
        if noise not in _NOISE_KINDS:
            raise InvalidInputError(f"`noise` must be one of {list(_NOISE_KINDS)}; got {noise!r}.")
        self.noise = noise
        self.residuals_: np.ndarray = np.empty(0)
        self.r2_: float = float("nan")

    @abstractmethod
    def predict(self, X: np.ndarray) -> np.ndarray:
        """The structural function ``f(pa)`` (the conditional mean)."""

    def _set_residuals(self, y: np.ndarray, noise_residuals: np.ndarray) -> None:
        self.residuals_ = np.asarray(noise_residuals, dtype=float) - float(np.mean(noise_residuals))
        var_y = float(np.var(y))
        self.r2_ = 1.0 - float(np.var(noise_residuals)) / var_y if var_y > 0 else float("nan")

    def sample_noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.noise == "gaussian":
            return rng.normal(0.0, float(self.residuals_.std()), size=n)
        return rng.choice(self.residuals_, size=n, replace=True)

    def apply(self, X: np.ndarray, noise: np.ndarray) -> np.ndarray:
        return self.predict(X) + noise

    def abduct(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(y, dtype=float) - self.predict(X)

    def describe(self) -> dict[str, Any]:
        return {"noise_std": float(self.residuals_.std()), "r2": self.r2_}


class LinearMechanism(_AdditiveBase):
    """Linear structural equation ``x = b0 + b'pa + u`` fitted by ordinary least squares.

    Parameters
    ----------
    noise : {"empirical", "gaussian"}
        Draw new noise from the (centred) residuals, or from a Gaussian with their variance.

    Attributes
    ----------
    intercept_ : float
    coef_ : numpy.ndarray
        One weight per parent.
    residuals_ : numpy.ndarray
        Centred in-sample residuals (the empirical noise distribution).
    """

    kind = "linear"

    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> LinearMechanism:
        design = np.column_stack([np.ones(len(y)), X])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        self.intercept_, self.coef_ = float(beta[0]), np.asarray(beta[1:], dtype=float)
        self._set_residuals(y, y - design @ beta)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.intercept_ + np.asarray(X, dtype=float) @ self.coef_

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["coefficients"] = dict(zip(self.parents, map(float, self.coef_), strict=True))
        return out


class AdditiveNoiseMechanism(_AdditiveBase):
    """Nonlinear additive-noise equation ``x = f(pa) + u`` with ``f`` a scikit-learn regressor.

    Parameters
    ----------
    regressor : sklearn regressor, optional
        Cloned before fitting. Default: :func:`default_regressor` (a smooth spline model).
    noise : {"empirical", "gaussian"}
        Noise distribution for new draws.
    noise_cv : int or None
        Folds for out-of-fold residuals. Flexible regressors overfit, so their in-sample residuals
        understate the noise; out-of-fold residuals give the noise distribution used for *sampling*.
        Abduction (counterfactuals) always uses the final in-sample fit, so that a counterfactual
        without intervention reproduces the observation. ``None`` or ``< 2``: in-sample residuals.
    """

    kind = "additive"

    def __init__(self, regressor: Any = None, noise: str = "empirical", noise_cv: int | None = 5) -> None:
        super().__init__(noise)
        self.regressor = regressor
        self.noise_cv = noise_cv

    def _make(self, rng: np.random.Generator) -> Any:
        model = default_regressor() if self.regressor is None else clone(self.regressor)
        if "random_state" in model.get_params():
            model.set_params(random_state=int(rng.integers(2**31 - 1)))
        return model

    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> AdditiveNoiseMechanism:
        if X.shape[1] == 0:  # a root node: constant mean plus noise
            self.mean_, self.regressor_ = float(np.mean(y)), None
            self._set_residuals(y, y - self.mean_)
            return self
        self.regressor_ = _fit_estimator(self._make(rng), X, y, self.node)
        oof = y - self.regressor_.predict(X)
        if self.noise_cv is not None and self.noise_cv >= 2 and len(y) >= 4 * self.noise_cv:
            oof = np.empty_like(y, dtype=float)
            folds = KFold(self.noise_cv, shuffle=True, random_state=int(rng.integers(2**31 - 1)))
            for train, test in folds.split(X):
                model = _fit_estimator(self._make(rng), X[train], y[train], self.node)
                oof[test] = y[test] - model.predict(X[test])
        self._set_residuals(y, oof)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.regressor_ is None:
            return np.full(len(X), self.mean_)
        return np.asarray(self.regressor_.predict(X), dtype=float)

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["model"] = type(self.regressor_).__name__ if self.regressor_ is not None else "mean"
        return out


def _fit_estimator(model: Any, X: np.ndarray, y: np.ndarray, node: str) -> Any:
    try:
        return model.fit(X, y)
    except Exception as exc:  # a learner failing on the data is an estimation problem
        raise EstimationError(f"Fitting the mechanism of node {node!r} failed: {exc}") from exc


# --------------------------------------------------------------------------- categorical
class _CategoricalBase(Mechanism):
    """Discrete node ``x = F^{-1}(u | pa)`` with ``u ~ Uniform(0, 1)`` over the ordered levels."""

    invertible = False

    def __init__(self) -> None:
        super().__init__()
        self.levels_: np.ndarray = np.empty(0)

    @abstractmethod
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``P(x = levels_[k] | pa)`` as an ``(n, K)`` array."""

    def sample_noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(0.0, 1.0, size=n)

    def apply(self, X: np.ndarray, noise: np.ndarray) -> np.ndarray:
        cdf = np.cumsum(self.predict_proba(X), axis=1)
        idx = np.minimum((np.asarray(noise)[:, None] > cdf).sum(axis=1), len(self.levels_) - 1)
        return self.levels_[idx].astype(float)

    def abduct(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        k = self._level_index(y, what="observed value")
        cdf = np.cumsum(self.predict_proba(X), axis=1)
        hi = cdf[np.arange(len(k)), k]
        lo = np.where(k > 0, cdf[np.arange(len(k)), np.maximum(k - 1, 0)], 0.0)
        return lo + rng.uniform(0.0, 1.0, size=len(k)) * (hi - lo)

    def _level_index(self, values: np.ndarray, *, what: str) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        k = np.searchsorted(self.levels_, values)
        k = np.clip(k, 0, len(self.levels_) - 1)
        bad = self.levels_[k] != values
        if bad.any():
            raise InvalidInputError(
                f"Discrete node {self.node!r} got {what} {values[bad][0]!r}, which is not one of its "
                f"levels {self.levels_.tolist()}. Use one of those levels."
            )
        return k

    def describe(self) -> dict[str, Any]:
        return {"levels": self.levels_.tolist()}


class DiscreteMechanism(_CategoricalBase):
    """Conditional probability table of a discrete node given discrete parents.

    ``P(x = k | pa = j) = (count(k, j) + pseudo_count) / (count(j) + K * pseudo_count)``; with
    ``pseudo_count=1`` this is Laplace smoothing (pgmpy's ``BayesianEstimator(prior_type="K2")``).
    Parent configurations never seen get the uniform distribution when ``pseudo_count > 0`` and the
    node's marginal distribution when ``pseudo_count == 0``.

    Parameters
    ----------
    pseudo_count : float
        Additive smoothing (``>= 0``).
    max_configurations : int
        Refuse tables with more parent configurations than this (use a classifier instead).

    Attributes
    ----------
    levels_ : numpy.ndarray
        Sorted levels of the node.
    parent_levels_ : list of numpy.ndarray
        Sorted levels of each parent.
    table_ : numpy.ndarray
        ``(n_configurations, K)`` conditional probabilities; the configuration index is the
        mixed-radix number of the parents' level indices (first parent most significant).
    """

    kind = "discrete"

    def __init__(self, pseudo_count: float = 1.0, max_configurations: int = 100_000) -> None:
        super().__init__()
        if not (isinstance(pseudo_count, (int, float)) and pseudo_count >= 0):
            raise InvalidInputError(f"`pseudo_count` must be a number >= 0; got {pseudo_count!r}.")
        self.pseudo_count = float(pseudo_count)
        self.max_configurations = max_configurations

    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> DiscreteMechanism:
        self.levels_ = np.unique(y).astype(float)
        self.parent_levels_ = [np.unique(X[:, j]).astype(float) for j in range(X.shape[1])]
        self._radix = np.array([len(lv) for lv in self.parent_levels_], dtype=np.int64)
        n_conf = int(np.prod(self._radix)) if len(self._radix) else 1
        if n_conf > self.max_configurations:
            raise InvalidInputError(
                f"Node {self.node!r} would need a probability table with {n_conf} parent configurations; "
                f"give it a classifier mechanism instead (mechanisms={{{self.node!r}: LogisticRegression()}})."
            )
        counts = np.zeros((n_conf, len(self.levels_)))
        np.add.at(counts, (self._config(X), np.searchsorted(self.levels_, y)), 1.0)
        smoothed = counts + self.pseudo_count
        totals = smoothed.sum(axis=1, keepdims=True)
        marginal = counts.sum(axis=0) / counts.sum()
        self.table_ = np.where(totals > 0, smoothed / np.where(totals > 0, totals, 1.0), marginal)
        self.counts_ = counts
        return self

    def _config(self, X: np.ndarray) -> np.ndarray:
        conf = np.zeros(len(X), dtype=np.int64)
        for j, lv in enumerate(self.parent_levels_):
            k = np.clip(np.searchsorted(lv, X[:, j]), 0, len(lv) - 1)
            bad = lv[k] != X[:, j]
            if bad.any():
                raise InvalidInputError(
                    f"Parent {self.parents[j]!r} of discrete node {self.node!r} takes the value "
                    f"{X[bad, j][0]!r}, which was never observed (levels {lv.tolist()}); the probability "
                    f"table has no entry for it. Intervene with an observed level, or give "
                    f"{self.node!r} a classifier mechanism that can extrapolate."
                )
            conf = conf * self._radix[j] + k
        return conf

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.table_[self._config(np.asarray(X, dtype=float))]


class ClassifierMechanism(_CategoricalBase):
    """Discrete node whose ``P(x | pa)`` is a scikit-learn classifier with ``predict_proba``.

    Parameters
    ----------
    classifier : sklearn classifier, optional
        Cloned before fitting. Default: multinomial ``LogisticRegression`` on standardised parents.
    """

    kind = "classifier"

    def __init__(self, classifier: Any = None) -> None:
        super().__init__()
        self.classifier = classifier

    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> ClassifierMechanism:
        self.levels_ = np.unique(y).astype(float)
        if X.shape[1] == 0:
            self.classifier_ = None
            self.marginal_ = np.array([np.mean(y == lv) for lv in self.levels_])
            return self
        model = (Pipeline([("scale", StandardScaler()), ("logit", LogisticRegression(max_iter=1000))])
                 if self.classifier is None else clone(self.classifier))
        if not hasattr(model, "predict_proba"):
            raise InvalidInputError(
                f"The classifier for node {self.node!r} ({type(model).__name__}) has no predict_proba; "
                f"use a probabilistic classifier."
            )
        self.classifier_ = _fit_estimator(model, X, y, self.node)
        classes = np.asarray(self.classifier_.classes_, dtype=float)
        self._cols = np.searchsorted(classes, self.levels_)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if self.classifier_ is None:
            return np.tile(self.marginal_, (len(X), 1))
        return np.asarray(self.classifier_.predict_proba(np.asarray(X, dtype=float)))[:, self._cols]

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["model"] = type(self.classifier_).__name__ if self.classifier_ is not None else "marginal"
        return out


# --------------------------------------------------------------------------- linearity check
def linearity_pvalue(X: np.ndarray, y: np.ndarray, *, max_interactions: int = 6) -> float:
    """P-value of an F-test of a linear fit against a cubic-polynomial expansion.

    The alternative adds, for every parent with more than two distinct values, its standardised
    square and cube, and all pairwise products when there are at most ``max_interactions`` parents
    (a multivariate Ramsey-RESET-style test). Small p-values mean the relation is not linear.

    Parameters
    ----------
    X : numpy.ndarray
        ``(n, p)`` parent values.
    y : numpy.ndarray
        Node values.

    Returns
    -------
    float
        The p-value (1.0 when the alternative adds nothing, e.g. one binary parent).
    """
    n, p = X.shape
    if p == 0:
        return 1.0
    Z = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    extra = []
    for j in range(p):
        if len(np.unique(X[:, j])) > 2:
            extra += [Z[:, j] ** 2, Z[:, j] ** 3]
    if 1 < p <= max_interactions:
        extra += [Z[:, i] * Z[:, j] for i in range(p) for j in range(i + 1, p)]
    if not extra:
        return 1.0
    base = np.column_stack([np.ones(n), Z])
    full = np.column_stack([base, *extra])
    rss0, r0 = _rss(base, y)
    rss1, r1 = _rss(full, y)
    df1, df2 = r1 - r0, n - r1
    if df1 <= 0 or df2 <= 0 or rss1 <= 0:
        return 1.0
    f = ((rss0 - rss1) / df1) / (rss1 / df2)
    return float(stats.f.sf(f, df1, df2))


def _rss(design: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    beta, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    return float(resid @ resid), int(rank)
