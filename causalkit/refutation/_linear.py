"""Batched least squares for refuting a linear-regression estimate without refitting in a loop.

All refits of a refuter are solved at once:

* placebo treatments share the covariate projection, so by Frisch-Waugh-Lovell the outcome and every
  permuted treatment are residualised on ``[1, X]`` once and each placebo coefficient is a ratio of
  dot products (:func:`placebo_coefs`);
* a random common cause ``z`` adds one column, so each refit is a 2x2 system in the residualised
  treatment and ``z`` (:func:`added_covariate_coefs`);
* subsets and bootstrap resamples are row weights ``w`` (0/1 or multinomial counts): the weighted
  normal equations ``D' diag(w) D`` of every replicate come out of one matrix product with the
  row-wise outer products of the design (:func:`weighted_coefs`).

Everything is exact least squares (no approximation); tests check it against a loop of
``numpy.linalg.lstsq`` fits to 1e-8.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import scipy.linalg

from causalkit.exceptions import EstimationError

__all__ = [
    "covariate_basis",
    "residualise",
    "ols_fit",
    "placebo_coefs",
    "added_covariate_coefs",
    "weighted_coefs",
    "weighted_gram",
    "row_outer",
    "column_chunks",
]

# Largest number of float64 cells a temporary block may hold (~128 MB).
_MAX_CELLS = 16_000_000


def column_chunks(n_rows: int, n_cols: int, per_col: int = 1) -> Iterator[slice]:
    """Split ``n_cols`` replicate columns into slices whose ``n_rows x cols x per_col`` blocks stay bounded."""
    step = max(1, _MAX_CELLS // max(1, n_rows * per_col))
    for start in range(0, n_cols, step):
        yield slice(start, min(n_cols, start + step))


def covariate_basis(X: np.ndarray) -> np.ndarray:
    """Orthonormal basis (n x r) of the column space of ``[1, X]``; collinear columns are dropped."""
    n = X.shape[0]
    D = np.column_stack([np.ones(n), X])
    Q, R, _ = scipy.linalg.qr(D, mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    rank = int(np.sum(diag > diag[0] * max(n, D.shape[1]) * np.finfo(float).eps)) if diag.size else 0
    return Q[:, :rank]


def residualise(Q: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Residuals of ``A`` (vector or matrix) after projecting on the orthonormal columns of ``Q``."""
    return A - Q @ (Q.T @ A)


def _check_treatment_variation(tt: float, t: np.ndarray) -> None:
    if not np.isfinite(tt) or tt <= 1e-12 * max(1.0, float(t @ t)):
        raise EstimationError(
            "The treatment is (almost) a linear function of the adjustment covariates, so its "
            "coefficient is not identified; drop the covariates collinear with the treatment."
        )


def ols_fit(t: np.ndarray, y: np.ndarray, X: np.ndarray) -> tuple[float, float, int]:
    """OLS coefficient of ``t`` in ``y ~ 1 + t + X`` with its classical standard error.

    Returns
    -------
    coef, stderr, dof
        ``dof = n - rank([1, X]) - 1``.
    """
    Q = covariate_basis(X)
    tr, yr = residualise(Q, t), residualise(Q, y)
    tt = float(tr @ tr)
    _check_treatment_variation(tt, t)
    coef = float(tr @ yr) / tt
    dof = len(y) - Q.shape[1] - 1
    if dof <= 0:
        raise EstimationError(
            f"Too few rows ({len(y)}) for {Q.shape[1] + 1} regression coefficients; use fewer covariates."
        )
    resid = yr - coef * tr
    sigma2 = float(resid @ resid) / dof
    return coef, float(np.sqrt(sigma2 / tt)), dof


def placebo_coefs(
    t: np.ndarray, y: np.ndarray, X: np.ndarray, draw: Callable[[slice], np.ndarray], n_rep: int
) -> np.ndarray:
    """Coefficients of placebo treatments in ``y ~ 1 + placebo + X``, all replicates at once.

    Parameters
    ----------
    t, y, X
        Treatment, outcome and covariates (``X`` without intercept).
    draw : callable
        ``draw(cols)`` returns the placebo treatments of replicates ``cols`` as an
        ``n x len(cols)`` matrix.
    n_rep : int
        Number of replicates.
    """
    Q = covariate_basis(X)
    yr = residualise(Q, y)
    out = np.empty(n_rep)
    for cols in column_chunks(len(y), n_rep):
        Tr = residualise(Q, draw(cols))
        out[cols] = (Tr.T @ yr) / np.einsum("ij,ij->j", Tr, Tr)
    return out


def added_covariate_coefs(
    t: np.ndarray, y: np.ndarray, X: np.ndarray, draw: Callable[[slice], np.ndarray], n_rep: int
) -> np.ndarray:
    """Coefficient of ``t`` in ``y ~ 1 + t + X + z_s`` for many extra covariates ``z_s`` at once.

    ``draw(cols)`` returns the extra covariates of replicates ``cols`` as an ``n x len(cols)``
    matrix. Each refit reduces (Frisch-Waugh-Lovell) to a 2x2 system in the residualised
    treatment and ``z_s``.
    """
    Q = covariate_basis(X)
    tr, yr = residualise(Q, t), residualise(Q, y)
    a, u = float(tr @ tr), float(tr @ yr)
    _check_treatment_variation(a, t)
    out = np.empty(n_rep)
    for cols in column_chunks(len(y), n_rep):
        Zr = residualise(Q, draw(cols))
        b, v = Zr.T @ tr, Zr.T @ yr
        c = np.einsum("ij,ij->j", Zr, Zr)
        out[cols] = (c * u - b * v) / (a * c - b * b)
    return out


def _last_coef(G: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Last entry of the minimum-norm solutions of the stacked systems ``G b = h`` (``G`` symmetric PSD).

    Equals the unique least-squares coefficient whenever that coefficient is identified; ``nan``
    when the last column is in the span of the others (removing it does not lower the rank).
    """
    k = G.shape[-1]
    w, V = np.linalg.eigh(G)
    tol = np.maximum(w[:, -1:], 0) * k * 1e-12
    keep = w > tol
    inv = np.where(keep, 1.0 / np.where(keep, w, 1.0), 0.0)
    coef = np.einsum("sj,sj,sj->s", V[:, -1, :], inv, np.einsum("sij,si->sj", V, h))
    if k > 1:
        rank_without = (np.linalg.eigvalsh(G[:, :-1, :-1]) > tol).sum(axis=1)
        coef[keep.sum(axis=1) == rank_without] = np.nan
    return coef


def row_outer(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Row-wise outer products: row ``i`` is ``outer(A[i], B[i]).ravel()`` (n x a*b)."""
    return (A[:, :, None] * B[:, None, :]).reshape(len(A), -1)


def weighted_gram(D: np.ndarray, y: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``D' diag(w_s) D`` (c x k x k) and ``D' diag(w_s) y`` (c x k) for every column ``w_s`` of ``W``.

    One matrix product of the weights with the row-wise outer products of ``D`` (in row blocks to
    bound memory) instead of one weighted product per replicate.
    """
    n, k = D.shape
    row_step = max(1, _MAX_CELLS // (k * k))
    G = np.zeros((W.shape[1], k * k))
    for r0 in range(0, n, row_step):
        rows = slice(r0, min(n, r0 + row_step))
        G += W[rows].T @ row_outer(D[rows], D[rows])
    return G.reshape(-1, k, k), W.T @ (D * y[:, None])


def weighted_coefs(
    t: np.ndarray, y: np.ndarray, X: np.ndarray, draw: Callable[[slice], np.ndarray], n_rep: int
) -> np.ndarray:
    """Coefficient of ``t`` in the weighted regression ``y ~ 1 + t + X`` for many weight vectors.

    ``draw(cols)`` returns row weights (0/1 for subsets, counts for bootstrap resamples) of
    replicates ``cols`` as an ``n x len(cols)`` matrix. The normal equations of all replicates,
    ``D' diag(w_s) D`` and ``D' diag(w_s) y``, are one matrix product with the row-wise outer
    products of the design; columns are centred and scaled first to keep them well conditioned.
    A covariate that is constant within a replicate (a rare dummy left out of a subset) is handled
    like ``lstsq`` does; a replicate where the treatment itself is collinear gives ``nan``.
    """
    n = len(y)
    Z = np.column_stack([X, t]) if X.size else t[:, None]
    mu, sd = Z.mean(axis=0), Z.std(axis=0)
    sd[sd == 0] = 1.0
    D = np.column_stack([np.ones(n), (Z - mu) / sd])
    y_mu, y_sd = y.mean(), y.std() or 1.0
    ys = (y - y_mu) / y_sd
    out = np.empty(n_rep)
    for cols in column_chunks(n, n_rep):
        G, h = weighted_gram(D, ys, draw(cols))
        coef = _last_coef(G, h)
        out[cols] = coef * y_sd / sd[-1]
    return out

