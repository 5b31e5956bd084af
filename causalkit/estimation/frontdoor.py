"""Front-door estimators (Pearl 1995): effects identified through mediators despite latent confounding.

With ``X -> M -> Y`` and an unobserved ``U`` confounding ``X`` and ``Y`` (but not ``M``), the effect is
``E[Y | do(x)] = sum_m P(m | x) sum_x' P(x') E[Y | m, x']`` (conditioning on observed ``W`` where given).

* ``method="linear"``: product of the ``X -> M`` coefficient (OLS of ``M`` on ``X, W``) and the
  ``M -> Y`` coefficient given ``X`` (OLS of ``Y`` on ``M, X, W``), summed over mediators; delta-method
  standard error from the stacked influence functions of both regressions (HC0), or bootstrap.
* ``method="plugin"``: discrete treatment; the front-door formula with a learned outcome model
  ``μ(m, x, w) = E[Y | m, x, w]`` and (with ``W``) a learned treatment model ``P(x | w)``:
  ``ψ(x) = mean_i 1{X_i = x} / P(x | W_i) · sum_x' P(x' | W_i) μ(M_i, x', W_i)``; bootstrap SE.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression

from causalkit._validation import (
    as_list,
    check_alpha,
    check_choice,
    check_positive_int,
    check_random_state,
)
from causalkit.estimation._base import bootstrap_stderr, make_estimate, prepare
from causalkit.estimation._crossfit import check_learner, seed_learner
from causalkit.estimation.iv import ols_fit
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.results import EffectEstimate

__all__ = ["frontdoor"]

MAX_LEVELS = 10


def _ols_if(y: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and their per-row influence functions ``n (Q'Q)^{-1} Q_i u_i``."""
    beta, *_ = np.linalg.lstsq(Q, y, rcond=None)
    u = y - Q @ beta
    infl = (Q * u[:, None]) @ np.linalg.inv(Q.T @ Q / len(y))
    return beta, infl


def _linear(t: np.ndarray, Mm: np.ndarray, y: np.ndarray, W: np.ndarray) -> tuple[float, float, dict]:
    n, k = Mm.shape
    one = np.ones((n, 1))
    QA = np.column_stack([t, one, W])
    QB = np.column_stack([Mm, t, one, W])
    if np.linalg.matrix_rank(QB) < QB.shape[1]:
        raise EstimationError(
            "The mediators, treatment and adjustment columns are collinear; the front-door coefficients "
            "are not identified. Drop redundant columns (a mediator that is a copy of the treatment?)."
        )
    a, ia, b = np.zeros(k), np.zeros((n, k)), None
    for j in range(k):
        coef, infl = _ols_if(Mm[:, j], QA)
        a[j], ia[:, j] = coef[0], infl[:, 0]
    coef, infl = _ols_if(y, QB)
    b, ib = coef[:k], infl[:, :k]
    effect = float(a @ b)
    psi = ia @ b + ib @ a
    se = float(np.sqrt(np.mean(psi**2) / n))
    return effect, se, {"a": a.tolist(), "b": b.tolist()}


def _plugin_psi(
    idx: np.ndarray, t: np.ndarray, Mm: np.ndarray, y: np.ndarray, W: np.ndarray, levels: np.ndarray,
    contrast: tuple[float, float], ml_y: Any, ml_x: Any, clip: float,
) -> tuple[float, float, float]:
    """``ψ(x1) - ψ(x0)`` on rows ``idx``; also returns the smallest propensity used."""
    t, Mm, y, W = t[idx], Mm[idx], y[idx], W[idx]
    n = len(y)
    if len(np.unique(t)) < len(levels):
        return float("nan"), float("nan"), float("nan")
    feats = np.column_stack([Mm, t, W])
    mu = clone(ml_y).fit(feats, y)
    if W.shape[1]:
        clf = clone(ml_x).fit(W, t)
        cls = list(clf.classes_)
        P = clf.predict_proba(W)[:, [cls.index(v) for v in levels]]
    else:
        P = np.tile([np.mean(t == v) for v in levels], (n, 1))
    P = np.clip(P, clip, 1.0)
    h = np.zeros(n)
    tcol = Mm.shape[1]
    for j, v in enumerate(levels):
        f = feats.copy()
        f[:, tcol] = v
        h += P[:, j] * np.asarray(mu.predict(f), dtype=float)
    pos = {v: j for j, v in enumerate(levels)}
    psi = [float(np.mean((t == x) / P[:, pos[x]] * h)) for x in contrast]
    used = min(float(P[:, pos[x]].min()) for x in contrast)
    return psi[1] - psi[0], psi[0], used


def frontdoor(
    data: Any,
    treatment: str,
    outcome: str,
    mediators: str | Iterable[str],
    adjustment: Iterable[str] = (),
    *,
    method: str = "linear",
    se_method: str = "delta",
    ml_y: Any = None,
    ml_x: Any = None,
    contrast: tuple[float, float] | None = None,
    trimming_threshold: float = 0.01,
    n_boot: int = 200,
    n_jobs: int | None = None,
    random_state: Any = None,
    alpha: float = 0.05,
) -> EffectEstimate:
    """Front-door estimate of the effect of ``treatment`` on ``outcome`` through ``mediators``.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment, outcome : str
        Column names.
    mediators : str or list of str
        Mediators that intercept every directed path from treatment to outcome and are not confounded
        with the treatment (or only through ``adjustment``).
    adjustment : list of str
        Observed covariates ``W`` the front-door formula is conditioned on (optional).
    method : {"linear", "plugin"}
        Product of linear coefficients, or the plug-in front-door formula for a discrete treatment.
    se_method : {"delta", "bootstrap"}
        Standard error for ``method="linear"`` (``"plugin"`` always bootstraps).
    ml_y : regressor, optional
        Plug-in outcome model ``E[Y | M, X, W]``; default ``HistGradientBoostingRegressor``.
    ml_x : classifier, optional
        Plug-in treatment model ``P(X | W)`` (used only with ``adjustment``); default logistic regression.
    contrast : (control, treated), optional
        Plug-in treatment levels to compare; default ``(0, 1)`` for a binary treatment, else
        (lowest, highest) level.
    trimming_threshold : float
        Plug-in: lower bound on the estimated ``P(x | W)``.
    n_boot : int
        Bootstrap replicates (seeded by ``random_state``; parallel over ``n_jobs``).
    n_jobs, random_state, alpha
        Parallelism, seed and significance level.

    Returns
    -------
    EffectEstimate
        ``estimand`` ``"ATE"``: for ``"linear"`` the effect of a one-unit increase, for ``"plugin"``
        ``E[Y|do(treated)] - E[Y|do(control)]``. ``diagnostics`` has the path coefficients ``a`` and ``b``
        (linear) and the naive OLS coefficient of the treatment, for comparison.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0); n = 5000
    >>> u = rng.normal(size=n); x = u + rng.normal(size=n)
    >>> m = 0.8 * x + rng.normal(size=n); y = 1.5 * m + 2 * u + rng.normal(size=n)
    >>> est = frontdoor(pd.DataFrame({"x": x, "m": m, "y": y}), "x", "y", "m")
    >>> round(est.value, 1)   # true effect 0.8 * 1.5 = 1.2
    1.2
    """
    started = time.perf_counter()
    alpha = check_alpha(alpha)
    method = check_choice(method, ("linear", "plugin"), "method")
    se_method = check_choice(se_method, ("delta", "bootstrap"), "se_method")
    n_boot = check_positive_int(n_boot, "n_boot", minimum=20)
    meds = as_list(mediators)
    adj = as_list(adjustment)
    if not meds:
        raise InvalidInputError("Front-door estimation needs at least one mediator column.")
    for m_ in meds:
        if m_ in (treatment, outcome):
            raise InvalidInputError(f"The mediator {m_!r} is the treatment or the outcome; pick a mediator.")
        if m_ in adj:
            raise InvalidInputError(f"{m_!r} is both a mediator and an adjustment covariate.")
    if len(set(meds)) != len(meds):
        raise InvalidInputError(f"The mediators {meds} name a column twice.")
    prep = prepare(data, treatment, outcome, adj, extra=meds)
    t, y, W = prep.t, prep.y, prep.X
    Mm = prep.data[meds].to_numpy(dtype=float)
    n = len(y)
    rng = check_random_state(random_state)
    naive = ols_fit(y, np.column_stack([t, np.ones(n), W]), robust=True, small_sample=False)
    diagnostics: dict[str, Any] = {"naive_ols": float(naive.beta[0])}
    params: dict[str, Any] = {
        "mediators": meds, "method": method,
        "random_state": random_state if random_state is None or isinstance(random_state, int) else repr(random_state),
    }
    warnings: list[str] = []
    ci = None

    if method == "linear":
        value, se, coefs = _linear(t, Mm, y, W)
        diagnostics.update(coefs)
        params["se_method"] = se_method
        if se_method == "bootstrap":
            def stat(idx: np.ndarray) -> float:
                return _linear(t[idx], Mm[idx], y[idx], W[idx])[0]

            se, ci, _ = bootstrap_stderr(stat, n, n_boot=n_boot, random_state=rng, n_jobs=n_jobs, alpha=alpha)
            params["n_boot"] = n_boot
    else:
        levels = np.unique(t)
        if len(levels) > MAX_LEVELS:
            raise InvalidInputError(
                f"method='plugin' needs a discrete treatment; {treatment!r} has {len(levels)} distinct values "
                f"(> {MAX_LEVELS}). Use method='linear' or discretise the treatment."
            )
        if contrast is None:
            contrast = (0.0, 1.0) if set(levels.tolist()) == {0.0, 1.0} else (float(levels[0]), float(levels[-1]))
        contrast = (float(contrast[0]), float(contrast[1]))
        if not all(c in levels for c in contrast) or contrast[0] == contrast[1]:
            raise InvalidInputError(
                f"`contrast` {contrast} must be two different observed levels of {treatment!r}: {levels.tolist()}."
            )
        ml_y = ml_y if ml_y is not None else HistGradientBoostingRegressor(max_iter=100)
        ml_x = ml_x if ml_x is not None else LogisticRegression(max_iter=1000)
        check_learner(ml_y, "ml_y", classifier=False)
        if adj:
            check_learner(ml_x, "ml_x", classifier=True)
        ml_y, ml_x = seed_learner(ml_y, rng), seed_learner(ml_x, rng)
        args = (t, Mm, y, W, levels, contrast, ml_y, ml_x, trimming_threshold)
        value, base, pmin = _plugin_psi(np.arange(n), *args)
        if not np.isfinite(value):
            raise EstimationError("The plug-in front-door estimate is not finite; check the treatment levels.")

        def stat(idx: np.ndarray) -> float:
            return _plugin_psi(idx, *args)[0]

        se, ci, _ = bootstrap_stderr(stat, n, n_boot=n_boot, random_state=rng, n_jobs=n_jobs, alpha=alpha)
        diagnostics.update(control_mean=base, min_propensity=pmin)
        params.update(contrast=contrast, n_boot=n_boot, ml_y=repr(ml_y), ml_x=repr(ml_x) if adj else None,
                      trimming_threshold=trimming_threshold)
        if adj and pmin <= trimming_threshold:
            warnings.append(
                f"poor overlap: some estimated P({treatment} | adjustment) hit the floor {trimming_threshold}."
            )
    return make_estimate(
        value, se, alpha=alpha, estimand="ATE", method=f"frontdoor_{method}", treatment=treatment,
        outcome=outcome, n_obs=n, adjustment_set=adj, warnings=warnings, params=params,
        diagnostics=diagnostics, ci=ci, started=started,
    )
