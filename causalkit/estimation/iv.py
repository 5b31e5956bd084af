"""Instrumental-variable estimators: the Wald ratio and two-stage least squares.

Both report the first-stage strength (F statistic and partial R²) and warn about weak
instruments (first-stage F < 10, Staiger & Stock 1997). The 2SLS standard errors use the
structural residuals ``y - X b`` (not the second-stage residuals ``y - X̂ b`` that a naive
"regress on fitted values" gives), homoskedastic or heteroskedasticity-robust.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from causalkit._validation import as_list, check_alpha
from causalkit.estimation._base import make_estimate, prepare
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.results import EffectEstimate

__all__ = ["wald", "iv_2sls", "LinearFit", "tsls_fit", "ols_fit", "first_stage"]

WEAK_F = 10.0


@dataclass(frozen=True)
class LinearFit:
    """Coefficients and covariance of a (two-stage) least-squares fit.

    ``resid`` are the structural residuals ``y - X beta``; ``dof`` is the residual degrees of freedom.
    """

    beta: np.ndarray
    cov: np.ndarray
    resid: np.ndarray
    dof: int

    @property
    def stderr(self) -> np.ndarray:
        """Standard errors of ``beta``."""
        return np.sqrt(np.clip(np.diag(self.cov), 0.0, None))


def tsls_fit(
    y: np.ndarray, X: np.ndarray, Z: np.ndarray, *, robust: bool = True, small_sample: bool = True,
    names: Sequence[str] | None = None,
) -> LinearFit:
    """Two-stage least squares of ``y`` on ``X`` with instruments ``Z`` (both include any constant).

    ``beta = (X̂'X)^{-1} X̂'y`` with ``X̂ = P_Z X``. Homoskedastic covariance ``s² (X̂'X̂)^{-1}`` or the
    sandwich ``(X̂'X̂)^{-1} X̂' diag(u²) X̂ (X̂'X̂)^{-1}`` (HC0), with ``u = y - X beta``.
    ``small_sample`` divides ``s²`` by ``n - k`` instead of ``n`` and scales HC0 by ``n/(n-k)`` (HC1).
    With ``Z = X`` this is ordinary least squares.
    """
    n, k = X.shape
    names = list(names) if names is not None else [f"x{j}" for j in range(k)]
    if Z.shape[1] < k:
        raise InvalidInputError(
            f"Fewer instruments than regressors ({Z.shape[1]} < {k}); the model is not identified."
        )
    if n <= k:
        raise InvalidInputError(f"Only {n} rows for {k} coefficients; at least {k + 1} rows are needed.")
    if np.linalg.matrix_rank(Z) < Z.shape[1]:
        raise EstimationError(
            "The instruments and covariates are perfectly collinear (for example an instrument that is a "
            "copy or a linear combination of a covariate); drop the redundant column."
        )
    pi, *_ = np.linalg.lstsq(Z, X, rcond=None)
    Xhat = Z @ pi
    if np.linalg.matrix_rank(Xhat) < k:
        bad = [names[j] for j in range(k) if np.allclose(Xhat[:, j], 0)]
        raise EstimationError(
            "The instruments do not move every regressor independently of the covariates (rank-deficient "
            f"first stage{': ' + ', '.join(bad) if bad else ''}); the effect is not identified. Use "
            "instruments that are correlated with each treatment given the covariates."
        )
    bread = np.linalg.inv(Xhat.T @ Xhat)
    beta = np.linalg.solve(Xhat.T @ X, Xhat.T @ y)
    resid = y - X @ beta
    dof = n - k
    if robust:
        meat = (Xhat * resid[:, None] ** 2).T @ Xhat
        cov = bread @ meat @ bread * (n / dof if small_sample else 1.0)
    else:
        s2 = resid @ resid / (dof if small_sample else n)
        cov = s2 * bread
    return LinearFit(beta=beta, cov=cov, resid=resid, dof=dof)


def ols_fit(y: np.ndarray, X: np.ndarray, *, robust: bool = True, small_sample: bool = True) -> LinearFit:
    """Ordinary least squares with homoskedastic or HC0/HC1 covariance (``tsls_fit`` with ``Z = X``)."""
    return tsls_fit(y, X, X, robust=robust, small_sample=small_sample)


def first_stage(d: np.ndarray, W: np.ndarray, Zx: np.ndarray, *, robust: bool = False) -> dict[str, float]:
    """Strength of excluded instruments ``Zx`` for ``d`` given included exogenous ``W`` (with constant).

    Returns the conventional F statistic, its p-value, the partial R² of the instruments and, with
    ``robust``, the heteroskedasticity-robust Wald F (Wald statistic / number of instruments).
    """
    n, q = Zx.shape
    full = np.column_stack([W, Zx])
    bu, *_ = np.linalg.lstsq(full, d, rcond=None)
    br, *_ = np.linalg.lstsq(W, d, rcond=None)
    rss_u = float(np.sum((d - full @ bu) ** 2))
    rss_r = float(np.sum((d - W @ br) ** 2))
    dof = n - full.shape[1]
    if rss_u <= 1e-12 * max(rss_r, 1e-300):
        f = float("inf")
    else:
        f = ((rss_r - rss_u) / q) / (rss_u / dof)
    out = {
        "F": float(f),
        "F_pvalue": float(stats.f.sf(f, q, dof)) if np.isfinite(f) else 0.0,
        "partial_r2": float((rss_r - rss_u) / rss_r) if rss_r > 0 else float("nan"),
        "n_instruments": int(q),
    }
    if robust:
        fit = ols_fit(d, full, robust=True, small_sample=True)
        b = fit.beta[-q:]
        V = fit.cov[-q:, -q:]
        try:
            out["F_robust"] = float(b @ np.linalg.solve(V, b) / q)
        except np.linalg.LinAlgError:
            out["F_robust"] = float("inf")
    return out


def _is_binary(x: np.ndarray) -> bool:
    return set(np.unique(x).tolist()) <= {0.0, 1.0}


def _check_instruments(data: pd.DataFrame, treatments: list[str], instruments: list[str]) -> None:
    if not instruments:
        raise InvalidInputError("No instrument given; pass at least one instrument column.")
    if len(set(instruments)) != len(instruments):
        raise InvalidInputError(f"The instruments {instruments} name a column twice.")
    for z in instruments:
        if z in treatments:
            raise InvalidInputError(
                f"The instrument {z!r} is also a treatment; an instrument must be a different variable "
                "that moves the treatment but affects the outcome only through it."
            )
    for z in instruments:
        for t in treatments:
            if np.array_equal(data[z].to_numpy(dtype=float), data[t].to_numpy(dtype=float)):
                raise InvalidInputError(
                    f"The instrument {z!r} is identical to the treatment {t!r}; IV with it is plain OLS. "
                    "Use a genuine instrument."
                )


def _weak_warnings(fs: dict[str, dict[str, float]]) -> list[str]:
    return [
        f"weak instrument: first-stage F for {t} is {v['F']:.2f} < {WEAK_F:g} (Staiger-Stock rule of thumb); "
        "the IV estimate may be biased towards OLS and its confidence interval unreliable."
        for t, v in fs.items()
        if v["F"] < WEAK_F
    ]


def wald(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    instrument: str,
    *,
    alpha: float = 0.05,
    random_state: Any = None,
) -> EffectEstimate:
    """Wald (ratio) IV estimator ``Cov(Y, Z) / Cov(D, Z)`` with a delta-method standard error.

    With a binary instrument this is ``(E[Y|Z=1] - E[Y|Z=0]) / (E[D|Z=1] - E[D|Z=0])``, the LATE
    for compliers when the treatment is binary too (Imbens & Angrist 1994).

    Parameters
    ----------
    data : pandas.DataFrame
    treatment, outcome : str
        Column names.
    instrument : str
        The instrument column (binary or continuous).
    alpha : float
        Significance level of the confidence interval.
    random_state : None
        Unused (the estimator is deterministic); accepted for a uniform signature.

    Returns
    -------
    EffectEstimate
        ``estimand`` is ``"LATE"`` for a binary treatment and instrument, else ``"ATE (linear IV)"``;
        ``diagnostics`` holds the first-stage F, partial R² and the first-stage and reduced-form slopes.

    Notes
    -----
    The standard error is the delta-method (influence function) one,
    ``psi_i = (z_i - z̄)[(y_i - ȳ) - b (d_i - d̄)] / Cov(D, Z)``, ``se² = mean(psi²) / n``; it equals the
    HC0 robust standard error of just-identified 2SLS.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> u = rng.normal(size=2000); z = rng.integers(0, 2, 2000)
    >>> d = (0.3 + 0.4 * z + 0.2 * u > rng.uniform(size=2000)).astype(int)
    >>> df = pd.DataFrame({"z": z, "d": d, "y": 2.0 * d + u + rng.normal(size=2000)})
    >>> est = wald(df, "d", "y", "z")
    >>> est.estimand, est.ci[0] < 2.0 < est.ci[1]
    ('LATE', True)
    """
    started = time.perf_counter()
    alpha = check_alpha(alpha)
    if not isinstance(instrument, str):
        raise InvalidInputError(
            f"`instrument` must be one column name; got {instrument!r}. Use iv_2sls for several instruments."
        )
    prep = prepare(data, treatment, outcome, (), extra=[instrument], role="covariate")
    _check_instruments(prep.data, [treatment], [instrument])
    z = prep.data[instrument].to_numpy(dtype=float)
    d, y, n = prep.t, prep.y, len(prep.y)
    zc = z - z.mean()
    cov_dz = float(np.mean(zc * (d - d.mean())))
    cov_yz = float(np.mean(zc * (y - y.mean())))
    if abs(cov_dz) <= 1e-12 * np.std(d) * np.std(z):
        raise EstimationError(
            f"The instrument {instrument!r} is uncorrelated with the treatment {treatment!r} (first stage = 0); "
            "the Wald ratio is undefined."
        )
    beta = cov_yz / cov_dz
    psi = zc * ((y - y.mean()) - beta * (d - d.mean())) / cov_dz
    se = float(np.sqrt(np.mean(psi**2) / n))
    W = np.ones((n, 1))
    fs = first_stage(d, W, z[:, None])
    binary = _is_binary(d) and _is_binary(z)
    return make_estimate(
        beta, se, alpha=alpha, estimand="LATE" if binary else "ATE (linear IV)", method="wald",
        treatment=treatment, outcome=outcome, n_obs=n, warnings=_weak_warnings({treatment: fs}),
        params={"instrument": instrument},
        diagnostics={
            "first_stage": fs,
            "first_stage_slope": cov_dz / float(np.mean(zc**2)),
            "reduced_form_slope": cov_yz / float(np.mean(zc**2)),
        },
        started=started,
    )


def iv_2sls(
    data: pd.DataFrame,
    treatment: str | Iterable[str],
    outcome: str,
    instruments: str | Iterable[str],
    covariates: Iterable[str] = (),
    *,
    robust: bool = True,
    small_sample: bool = True,
    alpha: float = 0.05,
    random_state: Any = None,
) -> EffectEstimate:
    """Two-stage least squares with correct (structural-residual) standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment : str or list of str
        Endogenous regressor(s). With several, the result reports the first; all coefficients are
        in ``diagnostics["coefficients"]``.
    outcome : str
    instruments : str or list of str
        Excluded instruments; at least as many as treatments.
    covariates : list of str
        Exogenous covariates (included instruments); a constant is always added.
    robust : bool
        Heteroskedasticity-robust (sandwich) covariance; ``False`` gives the classical one.
    small_sample : bool
        Degrees-of-freedom correction ``n - k`` (classical: ``s² = SSR/(n-k)`` as in Stata ``ivregress
        ..., small``, R ``ivreg`` and Wooldridge's textbook; robust: HC1) and t-based intervals. ``False``
        gives ``SSR/n`` / HC0 and normal intervals (Stata's default, ``linearmodels``' default).
    alpha : float
        Significance level.
    random_state : None
        Unused; accepted for a uniform signature.

    Returns
    -------
    EffectEstimate
        ``estimand`` ``"LATE"`` for one binary treatment with one binary instrument, else
        ``"ATE (linear IV)"``. ``diagnostics["first_stage"]`` maps each treatment to its first-stage F,
        p-value, partial R² (and robust F); a ``"weak instrument"`` warning is added when F < 10.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> u = rng.normal(size=3000); z = rng.normal(size=3000); w = rng.normal(size=3000)
    >>> d = z + w + u + rng.normal(size=3000)
    >>> df = pd.DataFrame({"z": z, "w": w, "d": d, "y": 1.5 * d + w - 2 * u + rng.normal(size=3000)})
    >>> round(iv_2sls(df, "d", "y", "z", covariates=["w"]).value, 1)
    1.5
    """
    started = time.perf_counter()
    alpha = check_alpha(alpha)
    treatments = as_list(treatment)
    insts = as_list(instruments)
    covs = as_list(covariates)
    if not treatments:
        raise InvalidInputError("No treatment given.")
    if len(set(treatments)) != len(treatments):
        raise InvalidInputError(f"The treatments {treatments} name a column twice.")
    for c in covs:
        if c in insts:
            raise InvalidInputError(
                f"{c!r} is both a covariate and an instrument; an excluded instrument cannot also be a covariate."
            )
    prep = prepare(data, treatments[0], outcome, covs, extra=[*treatments[1:], *insts], role="covariate")
    _check_instruments(prep.data, treatments, insts)
    if len(insts) < len(treatments):
        raise InvalidInputError(
            f"{len(insts)} instrument(s) for {len(treatments)} treatment(s): the model is under-identified. "
            "Each endogenous treatment needs at least one excluded instrument."
        )
    df = prep.data
    n = len(df)
    W = np.column_stack([np.ones(n), prep.X])
    D = df[treatments].to_numpy(dtype=float)
    Zx = df[insts].to_numpy(dtype=float)
    X = np.column_stack([D, W])
    Z = np.column_stack([Zx, W])
    names = [*treatments, "const", *covs]
    fit = tsls_fit(prep.y, X, Z, robust=robust, small_sample=small_sample, names=names)
    fs = {t: first_stage(D[:, j], W, Zx, robust=robust) for j, t in enumerate(treatments)}
    se = fit.stderr
    coefs = {nm: {"coef": float(b), "stderr": float(s)} for nm, b, s in zip(names, fit.beta, se, strict=True)}
    binary = len(treatments) == 1 and len(insts) == 1 and _is_binary(D[:, 0]) and _is_binary(Zx[:, 0])
    return make_estimate(
        fit.beta[0], se[0], alpha=alpha, estimand="LATE" if binary else "ATE (linear IV)", method="iv_2sls",
        treatment=treatments[0], outcome=outcome, n_obs=n, adjustment_set=covs,
        warnings=_weak_warnings(fs),
        params={"treatments": treatments, "instruments": insts, "covariates": covs, "robust": bool(robust),
                "small_sample": bool(small_sample)},
        diagnostics={"first_stage": fs, "coefficients": coefs, "dof": fit.dof},
        dof=fit.dof if small_sample else None,
        started=started,
    )
