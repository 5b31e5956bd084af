"""Data-only orientation of one cause-effect pair: ANM-HSIC, RECI, IGCI and pairwise LiNGAM.

Each method returns a :class:`PairwiseResult` whose ``score`` is positive when the data favour
``x -> y`` and negative for ``y -> x``; ``abs(score)`` ranks decisions by confidence (used for
accuracy-vs-decision-rate curves). These are for comparing with (and complementing) knowledge:
on the Tuebingen pairs they reach 60-75% weighted accuracy (benchmarks/RESULTS_tuebingen.md).

* ``anm`` (Hoyer et al. 2009; Mooij et al. 2016): regress each variable on the other with a
  Gaussian process and test residual independence with HSIC (gamma approximation, Gretton et
  al. 2008); the direction whose residuals look more independent wins.
* ``reci`` (Bloebaum et al. 2018): after min-max scaling, the direction with the smaller
  regression mean squared error (cubic polynomial) is the causal one.
* ``igci`` (Daniusis et al. 2010; Janzing et al. 2012): information-geometric slope (or entropy)
  estimator with a uniform reference measure.
* ``lingam`` (Hyvaerinen & Smith 2013): likelihood ratio of the two linear non-Gaussian models
  with the maximum-entropy approximation (the ``pwling`` measure of DirectLiNGAM).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

from causalkit._validation import check_choice, check_positive_int, check_random_state
from causalkit.exceptions import InvalidInputError

__all__ = [
    "PairwiseResult",
    "orient_pair",
    "orient_pairs",
    "hsic_gamma_test",
    "anm_score",
    "reci_score",
    "igci_score",
    "lingam_score",
    "weighted_accuracy",
    "PAIRWISE_METHODS",
]


@dataclass(frozen=True)
class PairwiseResult:
    """The orientation of one pair.

    Attributes
    ----------
    method : str
    x, y : str
        Names of the two variables.
    direction : str
        ``"x -> y"`` written with the names, e.g. ``"altitude -> temperature"``.
    score : float
        Positive favours ``x -> y``, negative ``y -> x``; the magnitude is the confidence.
    details : dict
        Method-specific numbers (HSIC p-values, MSEs, estimators).
    n_obs : int
        Rows used (after sub-sampling).
    elapsed : float
    """

    method: str
    x: str
    y: str
    direction: str
    score: float
    details: dict[str, Any] = field(default_factory=dict)
    n_obs: int = 0
    elapsed: float = 0.0

    @property
    def x_causes_y(self) -> bool:
        """Whether the decision is ``x -> y``."""
        return self.score > 0

    def summary(self) -> str:
        """One line: the decision, the score and the details."""
        det = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.details.items())
        return f"{self.method}: {self.direction} (score {self.score:+.4g}; {det}; n={self.n_obs})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"method": self.method, "x": self.x, "y": self.y, "direction": self.direction, "score": self.score,
                "details": dict(self.details), "n_obs": self.n_obs, "elapsed": self.elapsed}


# ---------------------------------------------------------------------- HSIC
def _width(z: np.ndarray) -> float:
    """Median-distance kernel width over the first 100 points (as in Gretton's and lingam's code)."""
    zm = z[:100]
    d = (zm[:, None] - zm[None, :]) ** 2
    d = d[np.triu_indices(len(zm), 1)]
    d = d[d > 0]
    return float(np.sqrt(0.5 * np.median(d))) if len(d) else 1.0


def _centered_gram(z: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    k = np.exp(-((z[:, None] - z[None, :]) ** 2) / (2 * width**2))
    n = len(z)
    col, row = k.sum(axis=0), k.sum(axis=1)
    kc = k - (col[None, :] + row[:, None]) / n + k.sum() / n**2
    return k, kc


def hsic_gamma_test(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """HSIC independence test of two 1-D samples with the gamma approximation of the null.

    Gaussian kernels with median-heuristic widths; returns ``(n * HSIC_b, p-value)`` exactly as
    Gretton et al.'s ``hsicTestGamma`` (and ``lingam.hsic.hsic_test_gamma``) compute them.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=300)
    >>> hsic_gamma_test(a, a**2)[1] < 0.01, hsic_gamma_test(a, rng.normal(size=300))[1] > 0.01
    (True, True)
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    n = len(x)
    if n != len(y) or n < 6:
        raise InvalidInputError(f"HSIC needs two samples of the same length >= 6; got {len(x)} and {len(y)}.")
    k, kc = _centered_gram(x, _width(x))
    ll, lc = _centered_gram(y, _width(y))
    stat = float(np.sum(kc * lc) / n)
    var = (kc * lc / 6) ** 2
    var = (var.sum() - np.trace(var)) / n / (n - 1)
    var = 72 * (n - 4) * (n - 5) / n / (n - 1) / (n - 2) / (n - 3) * var
    mu_x = (k.sum() - n) / n / (n - 1)  # diagonal of an RBF Gram matrix is 1
    mu_y = (ll.sum() - n) / n / (n - 1)
    mean = (1 + mu_x * mu_y - mu_x - mu_y) / n
    if var <= 0 or mean <= 0:
        return stat, 1.0
    return stat, float(stats.gamma.sf(stat, mean**2 / var, scale=var * n / mean))


# ---------------------------------------------------------------------- scores
def _standardize(z: np.ndarray) -> np.ndarray:
    sd = z.std()
    return (z - z.mean()) / (sd if sd > 0 else 1.0)


def _gp_residual(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Residual of a GP regression of ``b`` on ``a`` (RBF + white noise, hyperparameters by ML-II)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(1.0, (1e-2, 1e2)) + WhiteKernel(0.1, (1e-5, 1e1))
    gp = GaussianProcessRegressor(kernel=kernel, normalize_y=True, random_state=0)
    with warnings.catch_warnings():  # hyperparameters at a bound are fine for a residual
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(a[:, None], b)
    return b - gp.predict(a[:, None])


def anm_score(x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, Any]]:
    """ANM-HSIC: ``log p(x->y) - log p(y->x)`` of the HSIC tests between input and GP residual.

    When both p-values underflow the HSIC statistics decide (smaller statistic wins).
    """
    x, y = _standardize(x), _standardize(y)
    stat_f, p_f = hsic_gamma_test(x, _gp_residual(x, y))
    stat_b, p_b = hsic_gamma_test(y, _gp_residual(y, x))
    lf, lb = np.log(max(p_f, 1e-300)), np.log(max(p_b, 1e-300))
    score = float(lf - lb) if abs(lf - lb) > 1e-9 else float(np.log(stat_b) - np.log(stat_f))
    return score, {"p_xy": p_f, "p_yx": p_b, "hsic_xy": stat_f, "hsic_yx": stat_b}


def reci_score(x: np.ndarray, y: np.ndarray, degree: int = 3) -> tuple[float, dict[str, Any]]:
    """RECI: ``MSE(x | y) - MSE(y | x)`` after min-max scaling, with polynomial regressions."""
    def scale(z: np.ndarray) -> np.ndarray:
        r = z.max() - z.min()
        return (z - z.min()) / (r if r > 0 else 1.0)

    def mse(a: np.ndarray, b: np.ndarray) -> float:
        design = np.vander(a, degree + 1)
        coef, *_ = np.linalg.lstsq(design, b, rcond=None)
        return float(np.mean((b - design @ coef) ** 2))

    x, y = scale(x), scale(y)
    m_xy, m_yx = mse(x, y), mse(y, x)
    return m_yx - m_xy, {"mse_y_given_x": m_xy, "mse_x_given_y": m_yx}


def igci_score(x: np.ndarray, y: np.ndarray, estimator: str = "slope") -> tuple[float, dict[str, Any]]:
    """IGCI with a uniform reference measure: ``C(y->x) - C(x->y)``.

    ``estimator="slope"``: ``C(x->y) = mean log |dy/dx|`` over x-sorted neighbours;
    ``"entropy"``: ``C(x->y) = H(y) - H(x)`` with the spacing entropy estimator.
    """
    def scale(z: np.ndarray) -> np.ndarray:
        r = z.max() - z.min()
        return (z - z.min()) / (r if r > 0 else 1.0)

    def slope(a: np.ndarray, b: np.ndarray) -> float:
        order = np.argsort(a, kind="mergesort")
        da, db = np.diff(a[order]), np.diff(b[order])
        ok = (da != 0) & (db != 0)
        return float(np.mean(np.log(np.abs(db[ok] / da[ok])))) if ok.any() else 0.0

    def entropy(a: np.ndarray) -> float:
        s = np.diff(np.sort(a))
        s = s[s > 0]
        n = len(s) + 1
        return float(special.digamma(n) - special.digamma(1) + np.mean(np.log(s))) if len(s) else 0.0

    x, y = scale(x), scale(y)
    if estimator == "slope":
        c_xy, c_yx = slope(x, y), slope(y, x)
    else:
        hx, hy = entropy(x), entropy(y)
        c_xy, c_yx = hy - hx, hx - hy
    return c_yx - c_xy, {"c_xy": c_xy, "c_yx": c_yx, "estimator": estimator}


def _max_ent(u: np.ndarray) -> float:
    """Hyvaerinen's maximum-entropy approximation of differential entropy (unit-variance input)."""
    k1, k2, gamma = 79.047, 7.4129, 0.37457
    return (1 + np.log(2 * np.pi)) / 2 - k1 * (np.mean(np.log(np.cosh(u))) - gamma) ** 2 - k2 * (
        np.mean(u * np.exp(-(u**2) / 2))
    ) ** 2


def lingam_score(x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, Any]]:
    """Pairwise LiNGAM likelihood ratio ``LL(x->y) - LL(y->x)`` (DirectLiNGAM's ``pwling`` measure)."""
    x, y = _standardize(x), _standardize(y)
    r_x = x - (np.cov(x, y)[0, 1] / np.var(y)) * y  # residual of x on y
    r_y = y - (np.cov(y, x)[0, 1] / np.var(x)) * x
    ll_ratio = (_max_ent(y) + _max_ent(r_x / np.std(r_x))) - (_max_ent(x) + _max_ent(r_y / np.std(r_y)))
    return float(ll_ratio), {"ll_ratio": float(ll_ratio)}


PAIRWISE_METHODS: dict[str, Callable[..., tuple[float, dict[str, Any]]]] = {
    "anm": anm_score,
    "reci": reci_score,
    "igci": igci_score,
    "lingam": lingam_score,
}


# ---------------------------------------------------------------------- entry points
def _prepare(x: Any, y: Any, max_samples: int | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    xa, ya = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if len(xa) != len(ya):
        raise InvalidInputError(f"`x` and `y` must have the same length; got {len(xa)} and {len(ya)}.")
    keep = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[keep], ya[keep]
    if len(xa) < 10:
        raise InvalidInputError(f"Pairwise orientation needs at least 10 finite rows; got {len(xa)}.")
    for name, a in (("x", xa), ("y", ya)):
        if np.all(a == a[0]):
            raise InvalidInputError(f"`{name}` is constant; a constant variable cannot be oriented.")
    if max_samples is not None and len(xa) > max_samples:
        idx = rng.choice(len(xa), size=max_samples, replace=False)
        xa, ya = xa[idx], ya[idx]
    return xa, ya


def orient_pair(
    x: Any,
    y: Any,
    method: str = "anm",
    *,
    names: Sequence[str] = ("x", "y"),
    max_samples: int | None = 500,
    random_state: Any = None,
    **options: Any,
) -> PairwiseResult:
    """Decide from data alone whether ``x -> y`` or ``y -> x``.

    Parameters
    ----------
    x, y : array-like
        The two samples (rows with a non-finite value in either are dropped).
    method : {"anm", "reci", "igci", "lingam"}
        See the module docstring.
    names : (str, str)
        Names used in ``direction``.
    max_samples : int or None
        Random sub-sample size (ANM's GP and HSIC cost O(n^3) / O(n^2)); None uses all rows.
    random_state : None, int or Generator
        Seeds the sub-sample.
    **options
        Method options: ``degree`` (reci), ``estimator`` (igci: "slope" or "entropy").

    Returns
    -------
    PairwiseResult

    Raises
    ------
    InvalidInputError
        Unknown method, different lengths, fewer than 10 rows or a constant variable.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> cause = rng.uniform(-2, 2, 400)
    >>> effect = np.tanh(2 * cause) + 0.3 * rng.uniform(-1, 1, 400)
    >>> orient_pair(cause, effect, "anm", names=("c", "e"), random_state=0).direction
    'c -> e'
    """
    start = time.perf_counter()
    check_choice(method, list(PAIRWISE_METHODS), "method")
    if max_samples is not None:
        max_samples = check_positive_int(max_samples, "max_samples", minimum=10)
    if isinstance(names, str) or len(names) != 2:
        raise InvalidInputError(f"`names` must be two names; got {names!r}.")
    rng = check_random_state(random_state)
    xa, ya = _prepare(x, y, max_samples, rng)
    try:
        score, details = PAIRWISE_METHODS[method](xa, ya, **options)
    except TypeError as exc:
        raise InvalidInputError(f"Method {method!r} does not take options {sorted(options)}: {exc}") from exc
    a, b = map(str, names)
    direction = f"{a} -> {b}" if score > 0 else f"{b} -> {a}"
    return PairwiseResult(method, a, b, direction, float(score), details, len(xa), time.perf_counter() - start)


def orient_pairs(
    pairs: Sequence[tuple[Any, Any]],
    method: str = "anm",
    *,
    n_jobs: int | None = None,
    random_state: Any = None,
    **kwargs: Any,
) -> list[PairwiseResult]:
    """:func:`orient_pair` over many pairs, in parallel with joblib (one seed per pair).

    Parameters
    ----------
    pairs : sequence of (x, y)
        The samples of each pair.
    method : str
    n_jobs : int, optional
        joblib workers.
    random_state : None, int or Generator
        Spawns an independent seed for each pair.
    **kwargs
        Passed to :func:`orient_pair`.
    """
    from joblib import Parallel, delayed

    rng = check_random_state(random_state)
    seeds = rng.integers(0, 2**31 - 1, size=len(pairs))
    return Parallel(n_jobs=n_jobs)(
        delayed(orient_pair)(x, y, method, random_state=int(s), **kwargs) for (x, y), s in zip(pairs, seeds, strict=True)
    )


def weighted_accuracy(correct: Sequence[bool], weights: Sequence[float] | None = None) -> float:
    """``sum(w * correct) / sum(w)``, the accuracy measure of the Tuebingen benchmark.

    Examples
    --------
    >>> weighted_accuracy([True, False, True], [0.5, 0.5, 1.0])
    0.75
    """
    c = np.asarray(correct, dtype=float)
    w = np.ones_like(c) if weights is None else np.asarray(weights, dtype=float)
    if c.shape != w.shape or w.sum() <= 0:
        raise InvalidInputError("`correct` and `weights` must have the same length and positive total weight.")
    return float((c * w).sum() / w.sum())
