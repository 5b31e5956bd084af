"""Batched Fisher-z conditional-independence tests from a correlation matrix.

The p-value of one test is computed exactly as causal-learn's ``FisherZ`` does it
(``causallearn.utils.cit.FisherZ``):

1. ``var = [min(x, y), max(x, y)] + sorted(S)`` and ``inv = inv(C[var, var])``;
2. ``r = -inv[0, 1] / sqrt(|inv[0, 0] inv[1, 1]|)``, clipped to ``±(1 - eps)`` when ``|r| >= 1``;
3. ``Z = log((1 + r) / (1 - r)) / 2`` and ``p = 2 (1 - Phi(sqrt(n - |S| - 3) |Z|))``.

Here many tests are done at once. :meth:`FisherZBatch.pvalues` stacks the sub-correlation
matrices of all tests with the same ``|S|`` and inverts them with one ``numpy.linalg.inv`` call
(LAPACK per matrix: bitwise the same result as inverting them one by one) and takes the logarithm
with ``math.log`` as causal-learn does, so its p-values are bitwise causal-learn's; the orientation
rules that compare p-values with each other use it.

The skeleton search only needs the decisions ``p > alpha``, and
:meth:`FisherZBatch.independent` gets them faster: the partial correlation by vectorised Gaussian
elimination of the conditioning set (closed forms for ``|S| <= 1``), equal to the inverse-based
value up to rounding. Every test whose p-value lies within a relative ``1e-3`` of ``alpha``, or
whose elimination meets a pivot below ``1e-8`` (near-collinear variables, where rounding could
grow), is recomputed the exact way, so the decisions are causal-learn's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import ndtr

from causalkit.exceptions import EstimationError

__all__ = ["FisherZBatch"]

_EPS = np.finfo(float).eps
_CHUNK_ELEMENTS = 2_000_000  # matrix entries per stacked inversion (bounds memory to ~16 MB)
_SMALL = 1e-8  # pivots (partial variances of standardised variables) below this are rechecked exactly
_WINDOW = 1e-3  # decisions with |p - alpha| <= _WINDOW * alpha are rechecked exactly


class FisherZBatch:
    """Fisher-z tests over one data set, many at a time.

    Parameters
    ----------
    data : numpy.ndarray
        ``(n_samples, n_vars)`` float data, already validated.
    names : sequence of str, optional
        Column names, for error messages.
    """

    method = "fisherz"

    def __init__(self, data: np.ndarray, names: Sequence[str] | None = None):
        self.n_samples = int(data.shape[0])
        self.corr = np.corrcoef(data.T)  # as causal-learn: np.corrcoef(data.T)
        self.names = list(names) if names is not None else [f"X{i}" for i in range(data.shape[1])]

    # ------------------------------------------------------------------ correlations
    def _exact_r(self, var: np.ndarray) -> np.ndarray:
        """``r`` for each row of ``var`` (``(m, k)``: x, y, then the conditioning set), as causal-learn."""
        m, k = var.shape
        r = np.empty(m)
        step = max(1, _CHUNK_ELEMENTS // (k * k))
        for lo in range(0, m, step):
            v = var[lo : lo + step]
            sub = self.corr[v[:, :, None], v[:, None, :]]
            try:
                inv = np.linalg.inv(sub)
            except np.linalg.LinAlgError:
                self._raise_singular(v)
            r[lo : lo + step] = -inv[:, 0, 1] / np.sqrt(np.abs(inv[:, 0, 0] * inv[:, 1, 1]))
        return self._clip(r)

    @staticmethod
    def _clip(r: np.ndarray) -> np.ndarray:
        big = np.abs(r) >= 1
        if big.any():
            r[big] = (1.0 - _EPS) * np.sign(r[big])
        return r

    def _fast_r(self, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``r`` by Gaussian elimination of the conditioning set, vectorised over the rows.

        Equal to :meth:`_exact_r` up to rounding; the second array flags rows whose pivots are
        well away from zero (the others must be recomputed exactly).
        """
        C = self.corr
        a, b = var[:, 0], var[:, 1]
        k = var.shape[1]
        if k == 2:
            r = C[a, b].copy()
            return r, np.abs(r) < 1 - _SMALL
        if k == 3:
            s = var[:, 2]
            rab, ras, rbs = C[a, b], C[a, s], C[b, s]
            paa, pbb = 1 - ras * ras, 1 - rbs * rbs
            ok = (paa > _SMALL) & (pbb > _SMALL)
            with np.errstate(invalid="ignore", divide="ignore"):
                r = (rab - ras * rbs) / np.sqrt(paa * pbb)
            return r, ok & (np.abs(r) < 1 - _SMALL)
        r = np.empty(len(var))
        ok = np.empty(len(var), dtype=bool)
        step = max(1, _CHUNK_ELEMENTS // (k * k))
        for lo in range(0, len(var), step):
            vt = np.ascontiguousarray(var[lo : lo + step].T)
            M = C[vt[:, None, :], vt[None, :, :]]  # (k, k, rows): contiguous over the tests
            good = np.ones(vt.shape[1], dtype=bool)
            with np.errstate(invalid="ignore", divide="ignore"):
                for p in range(k - 1, 1, -1):
                    piv = M[p, p]
                    good &= piv > _SMALL
                    M[:p, :p] -= M[:p, p][:, None, :] * (M[p, :p] / piv)[None, :, :]
                paa, pbb = M[0, 0], M[1, 1]
                good &= (paa > _SMALL) & (pbb > _SMALL)
                rr = M[0, 1] / np.sqrt(paa * pbb)
            r[lo : lo + step] = rr
            ok[lo : lo + step] = good & (np.abs(rr) < 1 - _SMALL)
        return r, ok

    def _raise_singular(self, var: np.ndarray) -> None:
        for row in var:
            try:
                np.linalg.inv(self.corr[np.ix_(row, row)])
            except np.linalg.LinAlgError:
                cols = [self.names[i] for i in row]
                raise EstimationError(
                    f"The correlation matrix of columns {cols} is singular (some are exact linear "
                    f"combinations of others), so the Fisher-z test cannot run. Drop redundant columns."
                ) from None
        raise EstimationError("A correlation sub-matrix is singular; drop redundant columns.")  # pragma: no cover

    # ------------------------------------------------------------------ p-values
    def _pvalues_from_r(self, r: np.ndarray, d: int, exact: bool) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = (1 + r) / (1 - r)
            if exact:
                z = np.array([0.5 * math.log(v) if v > 0 else math.nan for v in ratio.tolist()])
            else:
                z = 0.5 * np.log(ratio)
        stat = math.sqrt(self.n_samples - d - 3) * np.abs(z)
        return 2 * (1 - ndtr(np.abs(stat)))

    @staticmethod
    def _stack(x: np.ndarray, y: np.ndarray, cond: np.ndarray) -> np.ndarray:
        lo = np.minimum(x, y)
        hi = np.maximum(x, y)
        cond = np.sort(cond, axis=1) if cond.shape[1] > 1 else cond
        return np.column_stack([lo, hi, cond]).astype(np.intp, copy=False)

    def pvalues(self, x: np.ndarray, y: np.ndarray, cond: np.ndarray, *, exact: bool = True) -> np.ndarray:
        """P-values of the tests ``x[i] _||_ y[i] | cond[i]`` (all conditioning sets of one size).

        Parameters
        ----------
        x, y : numpy.ndarray
            ``(m,)`` variable indices.
        cond : numpy.ndarray
            ``(m, d)`` conditioning-set indices.
        exact : bool
            Bitwise equal to causal-learn (slower log); otherwise equal up to the last bit.
        """
        cond = np.asarray(cond, dtype=np.intp).reshape(len(x), -1)
        if len(x) == 0:
            return np.empty(0)
        r = self._exact_r(self._stack(np.asarray(x), np.asarray(y), cond))
        return self._pvalues_from_r(r, cond.shape[1], exact)

    def independent(self, x: np.ndarray, y: np.ndarray, cond: np.ndarray, alpha: float) -> np.ndarray:
        """Decisions ``p > alpha`` (independence), exactly as causal-learn decides them."""
        cond = np.asarray(cond, dtype=np.intp).reshape(len(x), -1)
        if len(x) == 0:
            return np.zeros(0, dtype=bool)
        var = self._stack(np.asarray(x), np.asarray(y), cond)
        d = cond.shape[1]
        r, ok = self._fast_r(var)
        p = self._pvalues_from_r(r, d, exact=False)
        with np.errstate(invalid="ignore"):
            redo = np.flatnonzero(~ok | ~(np.abs(p - alpha) > _WINDOW * alpha))
        if len(redo):
            p[redo] = self._pvalues_from_r(self._exact_r(var[redo]), d, exact=True)
        return p > alpha

    def __call__(self, x: int, y: int, cond: Sequence[int] = ()) -> float:
        """One p-value, bitwise equal to causal-learn's ``FisherZ``."""
        c = np.asarray(sorted(int(s) for s in cond), dtype=np.intp).reshape(1, -1)
        return float(self.pvalues(np.array([x]), np.array([y]), c, exact=True)[0])
