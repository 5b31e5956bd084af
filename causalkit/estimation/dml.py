"""Double/debiased machine learning (Chernozhukov et al. 2018) with K-fold cross-fitting.

Two models, scored exactly as DoubleML does (DML2: one score equation solved on all folds pooled):

* ``"plr"`` partially linear regression ``Y = θ D + g(X) + ε``, ``D = m(X) + V``; Neyman-orthogonal
  score ``"partialling out"`` ``ψ = (D - m(X)) (Y - l(X) - θ (D - m(X)))`` or ``"IV-type"``.
* ``"irm"`` interactive regression model for a binary treatment; AIPW score for the ``"ATE"`` or the
  ATT (``"ATTE"``), propensities clipped to ``[c, 1 - c]``.

With the same learners and the same sample splits the estimates and standard errors equal
DoubleML's (``doubleml.DoubleMLPLR`` / ``DoubleMLIRM``) to floating-point precision; all nuisance
fits of all folds and repetitions run as one joblib batch (``n_jobs``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

from causalkit._validation import (
    check_alpha,
    check_binary,
    check_choice,
    check_positive_int,
    check_random_state,
)
from causalkit.estimation._base import make_estimate, prepare
from causalkit.estimation._crossfit import (
    NuisanceTask,
    check_folds,
    check_learner,
    crossfit_predict,
    draw_folds,
    seed_learner,
)
from causalkit.estimation.iv import ols_fit
from causalkit.exceptions import InvalidInputError
from causalkit.results import EffectEstimate

__all__ = ["dml", "default_learners", "aggregate_repetitions"]

_SCORES = {"plr": ("partialling out", "IV-type"), "irm": ("ATE", "ATTE")}
_Z = 1.96  # DoubleML's fixed critical value in its aggregation over repetitions


def default_learners(model: str, binary_treatment: bool) -> dict[str, list[Any]]:
    """The default nuisance learners: a short-stacked pair of an additive spline model and boosting.

    Each nuisance gets two candidates whose cross-fitted predictions are combined with the convex
    weights that minimise the out-of-fold squared error (short-stacking, see
    :mod:`causalkit.estimation._crossfit`): a ridge-penalised additive cubic-spline model (10 knots
    per covariate; logistic for a propensity) and ``HistGradientBoosting`` (100 trees). The spline
    model keeps the error of smooth and linear confounding small, which removes most of the
    ``-θ·MSE(m̂)`` finite-sample bias of the partialling-out score that trees alone leave; boosting
    covers interactions. Bias and coverage behind this choice: benchmarks/RESULTS_estimation.md.
    """
    def additive_reg() -> Any:
        return make_pipeline(SplineTransformer(n_knots=10), StandardScaler(), RidgeCV(alphas=np.logspace(-3, 4, 15)))

    def regs() -> list[Any]:
        return [additive_reg(), HistGradientBoostingRegressor(max_iter=100)]

    clfs = [
        make_pipeline(SplineTransformer(n_knots=10), StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)),
        HistGradientBoostingClassifier(max_iter=100),
    ]
    if model == "irm":
        return {"ml_g": regs(), "ml_m": clfs}
    return {"ml_l": regs(), "ml_m": clfs if binary_treatment else regs(), "ml_g": regs()}


def aggregate_repetitions(thetas: np.ndarray, ses: np.ndarray, rule: str = "doubleml") -> tuple[Any, Any]:
    """Combine estimates over repeated sample splits (last axis = repetitions).

    ``"doubleml"`` (DoubleML >= 0.9): ``θ = median(θ_s)``, ``se = (median(θ_s + 1.96 se_s) - θ) / 1.96``.
    ``"chernozhukov2018"``: ``θ = median(θ_s)``, ``se = median(sqrt(se_s² + (θ_s - θ)²))`` (Chernozhukov
    et al. 2018, Def. 3.3; adds the split-to-split spread).
    """
    theta = np.median(thetas, axis=-1)
    if rule == "doubleml":
        se = (np.median(thetas + _Z * ses, axis=-1) - theta) / _Z
    else:
        se = np.median(np.sqrt(ses**2 + (thetas - np.expand_dims(theta, -1)) ** 2), axis=-1)
    return theta, se


def _solve(psi_a: np.ndarray, psi_b: np.ndarray) -> tuple[float, float]:
    """DML2 solution of the linear score and DoubleML's variance ``mean(ψ²) / (n J²)``."""
    theta = -np.mean(psi_b) / np.mean(psi_a)
    psi = psi_a * theta + psi_b
    J = np.mean(psi_a)
    return float(theta), float(np.sqrt(np.mean(psi**2) / (len(psi) * J**2)))


def _irm_scores(y, d, g0, g1, m, score, normalize_ipw):
    if normalize_ipw:
        mt, mc = np.mean(d / m), np.mean((1.0 - d) / (1.0 - m))
        m = d * m * mt + (1.0 - d) * (1.0 - (1.0 - m) * mc)
    if score == "ATE":
        w = np.ones_like(y)
        wbar = w
    else:
        p = np.mean(d)
        w, wbar = d / p, m / p
    psi_b = w * (g1 - g0) + wbar * (d * (y - g1) / m - (1.0 - d) * (y - g0) / (1.0 - m))
    return -w / np.mean(w), psi_b


def _candidates(learner: Any) -> list[Any]:
    return list(learner) if isinstance(learner, (list, tuple)) else [learner]


def _check_learners(model, score, learners, binary_t, binary_y) -> dict[str, tuple[str, ...]]:
    """Validate every candidate learner; return the predict method of each, per nuisance."""
    roles = {"ml_g": ("outcome", binary_y, None), "ml_m": ("treatment", binary_t, True)} if model == "irm" else {
        "ml_l": ("outcome", binary_y, None), "ml_m": ("treatment", binary_t, None),
    }
    if model == "plr" and score == "IV-type":
        roles["ml_g"] = ("outcome", False, False)
    methods = {}
    for name, (what, binary, need_clf) in roles.items():
        cands = _candidates(learners[name])
        if not cands:
            raise InvalidInputError(f"`{name}` is an empty list of learners.")
        meths = []
        for est in cands:
            is_clf = check_learner(est, name, classifier=need_clf)
            if is_clf and not binary:
                raise InvalidInputError(
                    f"`{name}` is a classifier but the {what} is not binary 0/1; use a regressor."
                )
            meths.append("predict_proba" if is_clf else "predict")
        methods[name] = tuple(meths)
    return methods


def _cate(signal: list[np.ndarray], regressor: list[np.ndarray], basis: np.ndarray, names, rule):
    """Best linear predictor of the effect on ``basis`` (HC0), per repetition then aggregated."""
    coefs, ses = [], []
    for s, r in zip(signal, regressor, strict=True):
        fit = ols_fit(s, basis * r[:, None], robust=True, small_sample=False)
        coefs.append(fit.beta)
        ses.append(fit.stderr)
    beta, se = aggregate_repetitions(np.array(coefs).T, np.array(ses).T, rule)
    table = {nm: {"coef": float(b), "stderr": float(s)} for nm, b, s in zip(names, beta, se, strict=True)}
    return basis @ beta, table


def dml(
    data: Any,
    treatment: str,
    outcome: str,
    adjustment: Iterable[str] = (),
    *,
    model: str = "plr",
    ml_l: Any = None,
    ml_m: Any = None,
    ml_g: Any = None,
    n_folds: int = 5,
    n_rep: int = 1,
    score: str | None = None,
    trimming_threshold: float = 0.01,
    normalize_ipw: bool = False,
    folds: Any = None,
    effect_modifiers: Iterable[str] | None = None,
    se_aggregation: str = "doubleml",
    n_jobs: int | None = None,
    random_state: Any = None,
    alpha: float = 0.05,
) -> EffectEstimate:
    """Double machine learning estimate of a treatment effect with cross-fitting.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment, outcome : str
        Column names (binary 0/1 treatment for ``model="irm"``).
    adjustment : list of str
        Confounders ``X`` the nuisance learners condition on (at least one).
    model : {"plr", "irm"}
        Partially linear regression or interactive regression model.
    ml_l, ml_m, ml_g : scikit-learn estimator or list of estimators, optional
        Nuisance learners, cloned for every fold. PLR: ``ml_l`` for ``E[Y|X]``, ``ml_m`` for ``E[D|X]``
        (a classifier uses ``predict_proba``), ``ml_g`` for ``E[Y - θD|X]`` (``"IV-type"`` score only).
        IRM: ``ml_g`` for ``E[Y|D=d, X]``, ``ml_m`` (a classifier) for ``P(D=1|X)``. A list is
        short-stacked: the cross-fitted predictions are combined with convex weights minimising the
        out-of-fold squared error (weights in ``diagnostics["stacking_weights"]``).
        Defaults: :func:`default_learners`. A learner whose ``random_state`` is ``None`` gets a seed
        drawn from ``random_state``.
    n_folds, n_rep : int
        Folds and repetitions of the random sample splitting (stratified on the treatment for IRM).
    score : str, optional
        PLR: ``"partialling out"`` (default) or ``"IV-type"``. IRM: ``"ATE"`` (default) or ``"ATTE"``
        (alias ``"ATT"``).
    trimming_threshold : float
        IRM propensities are clipped to ``[c, 1 - c]`` (DoubleML's default ``0.01``).
    normalize_ipw : bool
        IRM: normalise the inverse-probability weights (DoubleML's ``normalize_ipw``).
    folds : optional
        Your own sample splits: a list of ``(train, test)`` index pairs, a list of such lists (one per
        repetition, e.g. DoubleML's ``smpls``) or a scikit-learn splitter; overrides ``n_folds``/``n_rep``.
    effect_modifiers : list of str, optional
        Columns ``Z`` for a linear CATE ``θ(z) = [1, z]'β``: PLR uses the R-learner final stage (OLS of
        ``Y - l̂`` on ``(D - m̂)[1, z]``), IRM the best linear predictor of the AIPW signal; both with
        HC0 errors. Per-unit effects go to ``cate``, coefficients to ``diagnostics["cate_coef"]``.
    se_aggregation : {"doubleml", "chernozhukov2018"}
        How standard errors are combined over repetitions (see :func:`aggregate_repetitions`).
    n_jobs : int, optional
        joblib workers for the nuisance fits of all folds x repetitions.
    random_state : int, Generator or None
        Seeds the sample splits and unseeded learners.
    alpha : float
        Significance level.

    Returns
    -------
    EffectEstimate
        ``estimand`` ``"ATE"`` (PLR: the constant effect θ; IRM score ATE) or ``"ATT"`` (IRM ``"ATTE"``).
        ``diagnostics`` holds per-repetition estimates and SEs, nuisance RMSEs and, for IRM, the
        propensity range and the share of clipped propensities (a warning flags poor overlap).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(1000, 3)); d = x[:, 0] + rng.normal(size=1000)
    >>> df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(d=d, y=2 * d + x[:, 0] + rng.normal(size=1000))
    >>> est = dml(df, "d", "y", ["a", "b", "c"], ml_l=LinearRegression(), ml_m=LinearRegression(), random_state=0)
    >>> est.ci[0] < 2.0 < est.ci[1]
    True
    """
    started = time.perf_counter()
    alpha = check_alpha(alpha)
    model = check_choice(model, ("plr", "irm"), "model")
    if score == "ATT" and model == "irm":
        score = "ATTE"
    score = check_choice(score if score is not None else _SCORES[model][0], _SCORES[model], "score")
    se_aggregation = check_choice(se_aggregation, ("doubleml", "chernozhukov2018"), "se_aggregation")
    n_folds = check_positive_int(n_folds, "n_folds", minimum=2)
    n_rep = check_positive_int(n_rep, "n_rep")
    if not (isinstance(trimming_threshold, float) and 0 < trimming_threshold < 0.5):
        raise InvalidInputError(f"`trimming_threshold` must be a float in (0, 0.5); got {trimming_threshold!r}.")
    modifiers = list(effect_modifiers or [])
    if treatment in modifiers or outcome in modifiers:
        raise InvalidInputError("`effect_modifiers` must not contain the treatment or the outcome.")
    prep = prepare(data, treatment, outcome, adjustment, extra=modifiers)
    if prep.X.shape[1] == 0:
        raise InvalidInputError(
            "dml needs at least one adjustment covariate for its nuisance learners; with none, use a "
            "difference in means or regression."
        )
    y, d, X, n = prep.y, prep.t, prep.X, len(prep.y)
    binary_t = bool(set(np.unique(d).tolist()) <= {0.0, 1.0})
    binary_y = bool(set(np.unique(y).tolist()) <= {0.0, 1.0})
    if model == "irm":
        check_binary(prep.data[treatment], role="treatment")
    if modifiers and model == "irm" and score != "ATE":
        raise InvalidInputError("effect_modifiers with model='irm' need score='ATE'.")
    rng = check_random_state(random_state)

    if folds is not None:
        splits = check_folds(folds, n)
        if n_rep not in (1, len(splits)):
            raise InvalidInputError(f"`n_rep`={n_rep} but `folds` holds {len(splits)} repetition(s); drop n_rep.")
    else:
        splits = draw_folds(n, n_folds, n_rep, rng, stratify=d if model == "irm" else None)
    n_rep = len(splits)

    defaults = default_learners(model, binary_t)
    given = {"ml_l": ml_l, "ml_m": ml_m, "ml_g": ml_g}
    learners = {k: (given[k] if given[k] is not None else v) for k, v in defaults.items()}
    methods = _check_learners(model, score, learners, binary_t, binary_y)
    learners = {k: tuple(seed_learner(e, rng) for e in _candidates(v)) for k, v in learners.items() if k in methods}

    if model == "irm":
        tasks = [
            NuisanceTask("ml_g0", learners["ml_g"], y, d == 0, methods["ml_g"]),
            NuisanceTask("ml_g1", learners["ml_g"], y, d == 1, methods["ml_g"]),
            NuisanceTask("ml_m", learners["ml_m"], d, None, methods["ml_m"]),
        ]
    else:
        tasks = [
            NuisanceTask("ml_l", learners["ml_l"], y, None, methods["ml_l"]),
            NuisanceTask("ml_m", learners["ml_m"], d, None, methods["ml_m"]),
        ]
    preds, weights = crossfit_predict(tasks, X, splits, n_jobs=n_jobs)
    if model == "plr" and score == "IV-type":
        theta0 = [np.sum((d - p["ml_m"]) * (y - p["ml_l"])) / np.sum((d - p["ml_m"]) ** 2) for p in preds]
        target = np.array([y - t0 * d for t0 in theta0])
        task = NuisanceTask("ml_g", learners["ml_g"], target, None, methods["ml_g"])
        g_preds, g_weights = crossfit_predict([task], X, splits, n_jobs=n_jobs)
        weights.update(g_weights)
        for p, g in zip(preds, g_preds, strict=True):
            p["ml_g"] = g["ml_g"]

    thetas, ses, signals, regressors = [], [], [], []
    n_clipped = []
    for p in preds:
        if model == "irm":
            raw = p["ml_m"]
            m = np.clip(raw, trimming_threshold, 1 - trimming_threshold)
            n_clipped.append(int(np.sum(m != raw)))
            p["ml_m"] = m
            psi_a, psi_b = _irm_scores(y, d, p["ml_g0"], p["ml_g1"], m, score, normalize_ipw)
            signals.append(psi_b)
            regressors.append(np.ones(n))
        else:
            v = d - p["ml_m"]
            if score == "IV-type":
                psi_a, psi_b = -v * d, v * (y - p["ml_g"])
            else:
                psi_a, psi_b = -v * v, v * (y - p["ml_l"])
            signals.append(y - p["ml_l"])
            regressors.append(v)
        t, s = _solve(psi_a, psi_b)
        thetas.append(t)
        ses.append(s)
    theta, se = aggregate_repetitions(np.array(thetas), np.array(ses), se_aggregation)

    diagnostics: dict[str, Any] = {"all_thetas": thetas, "all_stderrs": ses}
    rmse: dict[str, float] = {}
    for name in preds[0]:
        if name in ("ml_g0", "ml_g1"):
            mask = d == (0 if name == "ml_g0" else 1)
            rmse[name] = float(np.mean([np.sqrt(np.mean((y - p[name])[mask] ** 2)) for p in preds]))
        elif name != "ml_g":
            target_ = y if name == "ml_l" else d
            rmse[name] = float(np.mean([np.sqrt(np.mean((target_ - p[name]) ** 2)) for p in preds]))
    diagnostics["nuisance_rmse"] = rmse
    if weights:
        diagnostics["stacking_weights"] = {k: w.mean(axis=0).tolist() for k, w in weights.items()}
    warnings: list[str] = []
    if model == "irm":
        ps = np.concatenate([p["ml_m"] for p in preds])
        share = float(np.mean(n_clipped) / n)
        diagnostics.update(propensity_min=float(ps.min()), propensity_max=float(ps.max()), share_clipped=share)
        if share > 0.05:
            warnings.append(
                f"poor overlap: {share:.1%} of propensity scores were clipped to [{trimming_threshold}, "
                f"{1 - trimming_threshold}]; the estimate leans on extrapolation."
            )
    cate = None
    if modifiers:
        basis = np.column_stack([np.ones(n), prep.data[modifiers].to_numpy(dtype=float)])
        cate, table = _cate(signals, regressors, basis, ["const", *modifiers], se_aggregation)
        diagnostics["cate_coef"] = table

    params = {
        "model": model, "score": score, "n_folds": len(splits[0]), "n_rep": n_rep,
        "learners": {k: [repr(e) for e in v] for k, v in learners.items()},
        "trimming_threshold": trimming_threshold if model == "irm" else None,
        "normalize_ipw": normalize_ipw, "user_folds": folds is not None,
        "effect_modifiers": modifiers, "se_aggregation": se_aggregation,
        "random_state": random_state if random_state is None or isinstance(random_state, int) else repr(random_state),
    }
    return make_estimate(
        theta, se, alpha=alpha, estimand="ATT" if score == "ATTE" else "ATE", method=f"dml_{model}",
        treatment=treatment, outcome=outcome, n_obs=n, adjustment_set=prep.covariates, warnings=warnings,
        params=params, diagnostics=diagnostics, cate=cate, started=started,
    )
