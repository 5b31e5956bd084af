"""Simulation-based mediation (Imai, Keele & Tingley 2010), with any scikit-learn models.

The point estimate follows their algorithm: fit a mediator model ``P(M | A, C)`` and an outcome
model ``E[Y | A, M, C]``; for every unit draw mediators under ``A = a*`` and ``A = a`` (a regressor's
prediction plus a resampled residual row - jointly for several mediators, so their residual
dependence is kept - or a class drawn from a classifier's probabilities), predict the outcome
under every combination of treatment and mediator draw, and average:

* ``NDE = E[mu(a, M(a*)) - mu(a*, M(a*))]``  (their zeta(a*))
* ``NIE = E[mu(a, M(a)) - mu(a, M(a*))]``    (their delta(a))
* ``TE  = E[mu(a, M(a)) - mu(a*, M(a*))] = NDE + NIE``

Uncertainty comes from the nonparametric bootstrap over the whole procedure (their Algorithm 2),
which works for any learner; the quasi-Bayesian variant (Algorithm 1) needs parametric models and
is not implemented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from causalkit.exceptions import EstimationError, InvalidInputError

__all__ = ["SimulationSpec", "simulation_effects"]


@dataclass(frozen=True)
class SimulationSpec:
    """Models and options for :func:`simulation_effects`."""

    mediator_model: Any
    outcome_model: Any
    discrete_mediator: bool
    interaction: bool
    n_draws: int


def default_models(discrete_mediator: bool, binary_outcome: bool) -> tuple[Any, Any]:
    """Linear regression, or practically unpenalised logistic regression on standardised inputs."""
    def logit() -> Pipeline:
        return Pipeline([("scale", StandardScaler()), ("logit", LogisticRegression(C=1e6, max_iter=2000))])

    return (logit() if discrete_mediator else LinearRegression()), (logit() if binary_outcome else LinearRegression())


def _fit(model: Any, X: np.ndarray, y: np.ndarray, what: str) -> Any:
    try:
        return clone(model).fit(X, y)
    except Exception as exc:
        raise EstimationError(f"Fitting the {what} model ({type(model).__name__}) failed: {exc}") from exc


def _outcome_features(t: Any, m: np.ndarray, c: np.ndarray, interaction: bool) -> np.ndarray:
    """Outcome-model design ``[A, M, (A * M), C]``; ``t`` is a scalar or one value per row."""
    tcol = np.broadcast_to(np.asarray(t, dtype=float), (len(m),))[:, None]
    cols = [tcol, m, tcol * m] if interaction else [tcol, m]
    return np.hstack([*cols, c])


def simulation_effects(
    a: np.ndarray,
    m: np.ndarray,
    y: np.ndarray,
    c: np.ndarray,
    a1: float,
    a0: float,
    m_cde: np.ndarray | None,
    spec: SimulationSpec,
    rng: np.random.Generator,
) -> np.ndarray:
    """``[te, nde, nie, cde, total_nde, pure_nie]`` by simulation on one (re)sample.

    ``m`` is ``(n, k)``, ``c`` is ``(n, p)``.
    """
    n, k = m.shape
    xm = np.column_stack([a, c])
    draws = spec.n_draws
    m_by_t: dict[float, np.ndarray] = {}
    if spec.discrete_mediator:
        model = _fit(spec.mediator_model, xm, m[:, 0], "mediator")
        if not hasattr(model, "predict_proba"):
            raise InvalidInputError("The mediator model for a discrete mediator needs predict_proba.")
        levels = np.asarray(model.classes_, dtype=float)
        u = rng.uniform(size=(n, draws))
        for t in (a0, a1):
            cdf = np.cumsum(model.predict_proba(np.column_stack([np.full(n, t), c])), axis=1)
            idx = np.minimum((u[:, :, None] > cdf[:, None, :]).sum(axis=2), len(levels) - 1)
            m_by_t[t] = levels[idx][..., None]  # (n, draws, 1)
    else:
        models = [_fit(spec.mediator_model, xm, m[:, j], "mediator") for j in range(k)]
        resid = m - np.column_stack([mod.predict(xm) for mod in models])
        rows = rng.integers(0, n, size=(n, draws))
        for t in (a0, a1):
            xt = np.column_stack([np.full(n, t), c])
            mean = np.column_stack([mod.predict(xt) for mod in models])  # (n, k)
            m_by_t[t] = mean[:, None, :] + resid[rows]  # (n, draws, k)
    out_model = _fit(spec.outcome_model, _outcome_features(a, m, c, spec.interaction), y, "outcome")
    probabilistic = is_classifier(out_model)
    if probabilistic and not hasattr(out_model, "predict_proba"):
        raise InvalidInputError("A classifier outcome model needs predict_proba.")

    def mu(t: float, mdraw: np.ndarray) -> float:
        """Mean predicted outcome at treatment ``t`` over mediator draws ``(n, d, k)``."""
        d = mdraw.shape[1]
        feats = _outcome_features(t, mdraw.reshape(n * d, k), np.repeat(c, d, axis=0), spec.interaction)
        if probabilistic:
            pred = out_model.predict_proba(feats) @ np.asarray(out_model.classes_, dtype=float)
        else:
            pred = out_model.predict(feats)
        return float(np.mean(pred))

    y11, y10 = mu(a1, m_by_t[a1]), mu(a1, m_by_t[a0])
    y00, y01 = mu(a0, m_by_t[a0]), mu(a0, m_by_t[a1])
    cde = np.nan
    if m_cde is not None:
        fixed = np.broadcast_to(np.asarray(m_cde, dtype=float), (n, 1, k))
        cde = mu(a1, fixed) - mu(a0, fixed)
    return np.array([y11 - y00, y10 - y00, y11 - y10, cde, y11 - y01, y01 - y00], dtype=float)
