"""Batched refits of :func:`causalkit.estimation.regression_adjustment`'s OLS estimator.

The estimator regresses ``y`` on ``1, X, t`` and, with ``interactions=True``, ``t * (X - xbar)``;
its effect is the coefficient of ``t``, i.e. the average effect over the estimand's population
(all units for ATE, the treated for ATT, the controls for ATC). Here the design is parametrised as
``D = [1, Xc, tc, tc * Xc]`` with full-sample centring ``Xc = X - mean(X)``, ``tc = t - mean(t)``
(the same column space), so the effect is ``beta_t + gamma' mean_target(Xc)``.

Each refuter changes one thing, and the shared part is factored out:

* placebo (the treatment varies): project out ``A = [1, Xc]`` once; the per-replicate block
  ``B_s = tc_s * A`` has Gram matrix ``A' diag(tc_s^2) A`` and cross-products ``Q' diag(tc_s) A``,
  so all replicates' systems are three matrix products with row-wise outer products;
* added covariate ``z_s`` (the random common cause): project ``z_s`` and ``tc * z_s`` on the fixed
  design once (Frisch-Waugh-Lovell), a 2x2 system per replicate, and a rank-two correction of the
  base estimate;
* weights (subsets, bootstrap): the weighted normal equations of every replicate from one product.

A replicate whose design is singular gives ``nan`` (``regression_adjustment`` raises there).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg

from causalkit.refutation._linear import column_chunks, row_outer, weighted_gram

__all__ = ["regression_effects"]

_RANK_TOL = 1e-12


def _solve_full(G: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Solutions of the stacked symmetric systems ``G b = h``; rows with a singular ``G`` are ``nan``.

    Jacobi scaling (unit diagonal) before a symmetric eigen-decomposition keeps columns on very
    different scales from looking collinear.
    """
    k = G.shape[-1]
    d = np.sqrt(np.maximum(np.einsum("sii->si", G), 1e-300))
    Gs = G / d[:, :, None] / d[:, None, :]
    w, V = np.linalg.eigh(Gs)
    ok = w[:, 0] > np.maximum(w[:, -1], 0) * k * _RANK_TOL
    inv = 1.0 / np.where(ok[:, None], w, 1.0)
    b = np.einsum("sij,sj,skj,sk->si", V, inv, V, h / d) / d
    b[~ok] = np.nan
    return b


def _target_means(Xc: np.ndarray, T: np.ndarray, W: np.ndarray | None, estimand: str) -> np.ndarray:
    """Mean of ``Xc`` over each replicate's target rows (c x p), weighted by ``W`` (n x c) if given."""
    M = {"ATT": T == 1, "ATC": T == 0}.get(estimand, np.ones_like(T, dtype=bool)).astype(float)
    if W is not None:
        M = M * W
    with np.errstate(invalid="ignore", divide="ignore"):
        return (M.T @ Xc) / M.sum(axis=0)[:, None]


def _placebo(t, y, Xc, T, interactions, estimand):  # type: ignore[no-untyped-def]
    n = len(y)
    A = np.column_stack([np.ones(n), Xc])
    Q, R = np.linalg.qr(A)
    if abs(R[-1, -1]) <= abs(R[0, 0]) * A.shape[1] * _RANK_TOL:
        return np.full(T.shape[1], np.nan)
    yr = y - Q @ (Q.T @ y)
    Tc = T - t.mean()
    if not interactions:
        Tr = Tc - Q @ (Q.T @ Tc)
        return (Tr.T @ yr) / np.einsum("ij,ij->j", Tr, Tr)
    a = A.shape[1]
    BtB = ((Tc * Tc).T @ row_outer(A, A)).reshape(-1, a, a)
    QtB = (Tc.T @ row_outer(Q, A)).reshape(-1, a, a)
    G = BtB - QtB.transpose(0, 2, 1) @ QtB
    coef = _solve_full(G, Tc.T @ (A * yr[:, None]))  # [beta_t, gamma]
    xbar = _target_means(Xc, T, None, estimand)
    return coef[:, 0] + np.einsum("sj,sj->s", coef[:, 1:], xbar)


def _added(t, y, Xc, Z, interactions, estimand):  # type: ignore[no-untyped-def]
    n, p = Xc.shape
    tc = t - t.mean()
    D = np.column_stack([np.ones(n), Xc, tc] + ([tc[:, None] * Xc] if interactions else []))
    Q, R = scipy.linalg.qr(D, mode="economic")
    if abs(R[-1, -1]) <= np.abs(np.diag(R)).max() * D.shape[1] * _RANK_TOL:
        return np.full(Z.shape[1], np.nan)
    c0 = np.zeros(D.shape[1])
    c0[1 + p] = 1.0
    if interactions:
        c0[2 + p:] = _target_means(Xc, t[:, None], None, estimand)[0]
    beta = scipy.linalg.solve_triangular(R, Q.T @ y)
    v = Q @ scipy.linalg.solve_triangular(R, c0, trans="T")  # c0' (D'D)^-1 D'
    yr = y - Q @ (Q.T @ y)
    new = [Z, tc[:, None] * Z] if interactions else [Z]
    res = [N - Q @ (Q.T @ N) for N in new]
    G = np.stack([np.stack([np.einsum("ij,ij->j", u, w) for w in res], -1) for u in res], -2)
    h = np.stack([u.T @ yr for u in res], -1)
    gamma = _solve_full(G, h)
    effect = c0 @ beta - sum(gamma[:, j] * (v @ N) for j, N in enumerate(new))
    if interactions:  # the new interaction's own term: gamma_w * mean of z over the target rows
        m = {"ATT": t == 1, "ATC": t == 0}.get(estimand, np.ones(n, dtype=bool)).astype(float)
        effect = effect + gamma[:, 1] * (m @ Z) / m.sum()
    return effect


def _weighted(t, y, Xc, W, interactions, estimand):  # type: ignore[no-untyped-def]
    n, p = Xc.shape
    tc = t - t.mean()
    D = np.column_stack([np.ones(n), Xc, tc] + ([tc[:, None] * Xc] if interactions else []))
    G, h = weighted_gram(D, y, W)
    coef = _solve_full(G, h)
    effect = coef[:, 1 + p]
    if interactions and p:
        xbar = _target_means(Xc, np.broadcast_to(t[:, None], W.shape), W, estimand)
        effect = effect + np.einsum("sj,sj->s", coef[:, 2 + p:], xbar)
    return effect


def regression_effects(
    t: np.ndarray,
    y: np.ndarray,
    X: np.ndarray,
    draw: Callable[[slice], np.ndarray],
    n_rep: int,
    *,
    role: str,
    interactions: bool = True,
    estimand: str = "ATE",
) -> np.ndarray:
    """Effects of ``regression_adjustment`` (OLS) for many replicates at once.

    Parameters
    ----------
    t, y, X
        Treatment, outcome and covariates (``X`` without intercept).
    draw : callable
        ``draw(cols)`` gives an ``n x len(cols)`` block that replaces the treatment
        (``role="treatment"``), adds a covariate (``role="covariate"``) or weights the rows
        (``role="weights"``) of replicates ``cols``.
    n_rep : int
    role : {"treatment", "covariate", "weights"}
    interactions : bool
    estimand : {"ATE", "ATT", "ATC"}
    """
    Xc = X - X.mean(axis=0) if X.size else np.zeros((len(y), 0))
    kernel = {"treatment": _placebo, "covariate": _added, "weights": _weighted}[role]
    per_col = {"treatment": 3, "covariate": 6, "weights": 1}[role]  # n x c arrays alive at once
    out = np.empty(n_rep)
    for cols in column_chunks(len(y), n_rep, per_col=per_col):
        out[cols] = kernel(t, y, Xc, draw(cols), interactions, estimand)
    return out
