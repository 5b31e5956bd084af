"""Regression-based mediation (VanderWeele & Vansteelandt 2009; VanderWeele 2015, ch. 2).

Models, one linear regression per mediator and one for the outcome::

    M_j = b0_j + b1_j A + b2_j' C + e_j
    Y   = t0 + t1 A + sum_j t2_j M_j + sum_j t3_j A M_j + t4' C + e

Effects of ``A = a`` versus ``A = a*`` (at the covariate mean, which for these linear models equals
the population average):

* ``CDE(m) = (t1 + sum_j t3_j m_j) (a - a*)``
* ``NDE    = (t1 + sum_j t3_j E[M_j | a*, c]) (a - a*)``        (pure natural direct effect)
* ``NIE    = sum_j (t2_j + t3_j a) b1_j (a - a*)``                (total natural indirect effect)
* ``TE     = NDE + NIE``

With several mediators they are treated jointly (the NIE is through all of them together), which
is valid for any causal order among them because each ``b1_j`` is the total effect of ``A`` on
``M_j`` and the outcome model is linear in the mediators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from causalkit.exceptions import EstimationError

__all__ = ["RegressionFit", "fit_regression", "regression_effects", "delta_stderrs"]


@dataclass(frozen=True)
class RegressionFit:
    """Stacked coefficients ``[b_1, ..., b_k, theta]`` with their covariance and the covariate mean."""

    params: np.ndarray
    cov: np.ndarray
    n_mediators: int
    n_covariates: int
    interaction: bool
    cbar: np.ndarray


def _ols(design: np.ndarray, y: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    beta, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    if rank < design.shape[1]:
        raise EstimationError(
            f"The {what} regression is rank deficient (collinear columns, or a mediator that is a "
            f"function of the treatment and covariates); drop redundant covariates."
        )
    return beta, y - design @ beta


def fit_regression(
    a: np.ndarray, m: np.ndarray, y: np.ndarray, c: np.ndarray, *, interaction: bool, cov: bool = True
) -> RegressionFit:
    """Fit the mediator and outcome regressions; ``m`` is ``(n, k)``, ``c`` is ``(n, p)``.

    ``cov=False`` skips the coefficient covariance (not needed inside a bootstrap).
    """
    n, k = m.shape
    p = c.shape[1]
    ones = np.ones((n, 1))
    dm = np.column_stack([ones, a, c])
    b, res_m = _ols(dm, m, "mediator")  # b: (2 + p, k)
    dof_m = n - dm.shape[1]
    if dof_m <= 0:
        raise EstimationError("Too few rows for the mediator regression.")
    sigma_m = (res_m.T @ res_m) / dof_m  # residual covariance of the mediators
    dy = np.column_stack([ones, a, m, a[:, None] * m if interaction else np.empty((n, 0)), c])
    theta, res_y = _ols(dy, y, "outcome")
    dof_y = n - dy.shape[1]
    if dof_y <= 0:
        raise EstimationError("Too few rows for the outcome regression.")
    params = np.concatenate([b.T.reshape(-1), theta])
    cbar = c.mean(axis=0) if p else np.empty(0)
    if not cov:
        return RegressionFit(params, np.empty((0, 0)), k, p, interaction, cbar)
    xtx_m, xtx_y = np.linalg.inv(dm.T @ dm), np.linalg.inv(dy.T @ dy)
    sigma_y = float(res_y @ res_y) / dof_y
    # vec(b) column-major: mediator blocks; Cov(b_j, b_l) = sigma_m[j, l] (X'X)^-1
    cov_b = np.kron(sigma_m, xtx_m)
    cov_all = np.block([
        [cov_b, np.zeros((cov_b.shape[0], len(theta)))],
        [np.zeros((len(theta), cov_b.shape[0])), sigma_y * xtx_y],
    ])
    return RegressionFit(params, cov_all, k, p, interaction, cbar)


def regression_effects(
    params: np.ndarray, fit: RegressionFit, a1: float, a0: float, m_cde: np.ndarray | None
) -> np.ndarray:
    """``[te, nde, nie, cde, total_nde, pure_nie]`` for the stacked parameter vector ``params``.

    ``total_nde`` is the direct effect with mediators at their treated distribution and ``pure_nie``
    the indirect effect with the treatment held at control (the other decomposition).
    """
    k, p = fit.n_mediators, fit.n_covariates
    b = params[: k * (2 + p)].reshape(k, 2 + p)
    theta = params[k * (2 + p):]
    t1, t2 = theta[1], theta[2: 2 + k]
    t3 = theta[2 + k: 2 + 2 * k] if fit.interaction else np.zeros(k)
    diff = a1 - a0
    em0 = b[:, 0] + b[:, 1] * a0 + b[:, 2:] @ fit.cbar
    em1 = em0 + b[:, 1] * diff
    nde = (t1 + t3 @ em0) * diff
    nie = float(np.sum((t2 + t3 * a1) * b[:, 1])) * diff
    total_nde = (t1 + t3 @ em1) * diff
    pure_nie = float(np.sum((t2 + t3 * a0) * b[:, 1])) * diff
    cde = (t1 + t3 @ m_cde) * diff if m_cde is not None else np.nan
    return np.array([nde + nie, nde, nie, cde, total_nde, pure_nie], dtype=float)


def delta_stderrs(fit: RegressionFit, a1: float, a0: float, m_cde: np.ndarray | None) -> np.ndarray:
    """Delta-method standard errors of :func:`regression_effects` and of the proportion mediated.

    The Jacobian is taken by central differences (the effects are low-order polynomials in the
    coefficients, so this is exact up to rounding); the covariate mean is treated as fixed, as in
    VanderWeele's closed forms. Returns ``[se_te, se_nde, se_nie, se_cde, se_pm]``.
    """
    def g(theta: np.ndarray) -> np.ndarray:
        e = regression_effects(theta, fit, a1, a0, m_cde)
        return np.array([e[0], e[1], e[2], e[3] if m_cde is not None else 0.0, e[2] / e[0] if e[0] else 0.0])

    base = fit.params
    jac = np.empty((5, len(base)))
    for i in range(len(base)):
        h = 1e-6 * max(1.0, abs(base[i]))
        up, down = base.copy(), base.copy()
        up[i] += h
        down[i] -= h
        jac[:, i] = (g(up) - g(down)) / (2 * h)
    var = np.einsum("ij,jk,ik->i", jac, fit.cov, jac)
    return np.sqrt(np.maximum(var, 0.0))
