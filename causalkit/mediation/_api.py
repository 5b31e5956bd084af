"""``mediate``: natural direct, natural indirect and controlled direct effects from data."""

from __future__ import annotations

import numbers
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import is_classifier

from causalkit._validation import (
    as_list,
    check_alpha,
    check_choice,
    check_column,
    check_data,
    check_positive_int,
    check_random_state,
)
from causalkit.exceptions import InvalidInputError
from causalkit.mediation._regression import delta_stderrs, fit_regression, regression_effects
from causalkit.mediation._results import assemble_result
from causalkit.mediation._simulation import SimulationSpec, default_models, simulation_effects
from causalkit.results import MediationResult
from causalkit.scm._bootstrap import bootstrap_replicates

__all__ = ["mediate"]

_MAX_LEVELS = 10


def _is_discrete(values: np.ndarray) -> bool:
    return bool(np.all(np.mod(values, 1) == 0) and len(np.unique(values)) <= _MAX_LEVELS)


def _check_roles(
    data: Any, treatment: str, mediators: list[str], outcome: str, covariates: list[str]
) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(f"`data` must be a pandas DataFrame; got {type(data).__name__}.")
    check_column(data, treatment, role="treatment")
    check_column(data, outcome, role="outcome")
    if treatment == outcome:
        raise InvalidInputError(f"The treatment and the outcome are the same column ({treatment!r}).")
    if not mediators:
        raise InvalidInputError("`mediator` must name at least one column.")
    for m in mediators:
        check_column(data, m, role="mediator")
        if m in (treatment, outcome):
            which = "treatment" if m == treatment else "outcome"
            raise InvalidInputError(f"The mediator {m!r} is also the {which}; a mediator must be a third variable.")
    if len(set(mediators)) != len(mediators):
        raise InvalidInputError(f"The mediator list {mediators} names a column twice.")
    for c in covariates:
        check_column(data, c, role="covariate")
        if c in mediators:
            raise InvalidInputError(
                f"The covariate {c!r} is also a mediator; adjusting for a mediator blocks the effect "
                f"it carries. Remove it from `covariates`."
            )
        if c in (treatment, outcome):
            which = "treatment" if c == treatment else "outcome"
            raise InvalidInputError(f"The {which} {c!r} is also in `covariates`; remove it from `covariates`.")
    if len(set(covariates)) != len(covariates):
        raise InvalidInputError(f"The covariate list {covariates} names a column twice.")


def _check_contrast(a: np.ndarray, treatment: str, treat_value: Any, control_value: Any) -> list[str]:
    for name, v in (("treat_value", treat_value), ("control_value", control_value)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(float(v)):
            raise InvalidInputError(f"`{name}` must be a finite number; got {v!r}.")
    if treat_value == control_value:
        raise InvalidInputError("`treat_value` and `control_value` are equal; the contrast is empty.")
    warnings = []
    if _is_discrete(a):
        levels = np.unique(a)
        for name, v in (("treat_value", treat_value), ("control_value", control_value)):
            if v not in levels:
                raise InvalidInputError(
                    f"The treatment {treatment!r} takes the levels {levels.tolist()}, but {name}={v!r} is not "
                    f"one of them. Pass treat_value and control_value from those levels (e.g. "
                    f"treat_value={levels[-1]:g}, control_value={levels[0]:g})."
                )
    else:
        lo, hi = float(a.min()), float(a.max())
        if not (lo <= treat_value <= hi and lo <= control_value <= hi):
            warnings.append(
                f"treat_value/control_value lie outside the observed range [{lo:.4g}, {hi:.4g}] of "
                f"{treatment!r}; the effects extrapolate the models."
            )
    return warnings


def _mediator_values(mediator_value: Any, mediators: list[str]) -> np.ndarray | None:
    if mediator_value is None:
        return None
    if isinstance(mediator_value, Mapping):
        missing = [m for m in mediators if m not in mediator_value]
        if missing:
            raise InvalidInputError(f"`mediator_value` has no value for mediator {missing[0]!r}.")
        values = [mediator_value[m] for m in mediators]
    elif isinstance(mediator_value, Sequence) or isinstance(mediator_value, np.ndarray):
        values = list(mediator_value)
    else:
        values = [mediator_value]
    if len(values) != len(mediators):
        raise InvalidInputError(
            f"`mediator_value` gives {len(values)} value(s) for {len(mediators)} mediator(s) {mediators}."
        )
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"`mediator_value` must be numeric; got {mediator_value!r}.") from exc
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError("`mediator_value` must be finite.")
    return arr


def mediate(
    data: pd.DataFrame,
    treatment: str,
    mediator: str | Iterable[str],
    outcome: str,
    covariates: Iterable[str] = (),
    *,
    method: str = "regression",
    treat_value: float = 1,
    control_value: float = 0,
    mediator_value: Any = None,
    interaction: bool = True,
    ci_method: str = "bootstrap",
    n_boot: int = 500,
    alpha: float = 0.05,
    mediator_model: Any = None,
    outcome_model: Any = None,
    n_draws: int = 10,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> MediationResult:
    """Decompose the effect of a treatment into natural direct and indirect effects.

    Effects compare ``A = treat_value`` (a) with ``A = control_value`` (a*): the natural direct
    effect ``NDE = E[Y(a, M(a*)) - Y(a*, M(a*))]``, the natural indirect effect
    ``NIE = E[Y(a, M(a)) - Y(a, M(a*))]`` and ``TE = NDE + NIE``; with ``mediator_value`` also the
    controlled direct effect ``CDE(m) = E[Y(a, m) - Y(a*, m)]``. Identification needs no unmeasured
    treatment-outcome, mediator-outcome or treatment-mediator confounding given ``covariates``, and
    no mediator-outcome confounder affected by the treatment.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment, outcome : str
        Column names. The treatment may be binary, discrete or continuous.
    mediator : str or list of str
        One mediator, or several treated jointly (the NIE is through all of them).
    covariates : iterable of str
        Pre-treatment confounders adjusted for in both models.
    method : {"regression", "simulation"}
        ``"regression"``: linear models with VanderWeele's closed forms (product of coefficients,
        with a treatment-mediator interaction when ``interaction``). ``"simulation"``: Imai, Keele &
        Tingley (2010) - simulate mediators and outcomes from any scikit-learn models.
    treat_value, control_value : float
        The contrast; for a discrete treatment both must be observed levels.
    mediator_value : float, sequence or dict, optional
        Mediator level(s) for the CDE (one per mediator); ``None`` skips the CDE.
    interaction : bool
        Include the treatment x mediator product in the outcome model.
    ci_method : {"bootstrap", "delta"}
        Percentile intervals from the nonparametric bootstrap over the whole procedure (default),
        or delta-method normal intervals (``method="regression"`` only; treats the covariate mean as
        fixed and assumes homoscedastic errors).
    n_boot : int
        Bootstrap replicates.
    alpha : float
        Interval level ``1 - alpha``.
    mediator_model, outcome_model : sklearn estimators, optional
        For ``method="simulation"``. Defaults: linear regression, or (unpenalised) logistic
        regression for a discrete mediator / binary outcome. A classifier mediator model makes
        the mediator discrete; a classifier outcome model is used through ``predict_proba``.
        Models see the columns ``[A, C]`` and ``[A, M, (A*M), C]``.
    n_draws : int
        Mediator draws per unit in the simulation method.
    random_state : int, Generator or None
        Seed for the bootstrap and the simulation.
    n_jobs : int or None
        joblib parallelism over bootstrap replicates.

    Returns
    -------
    MediationResult
        ``params["decomposition"]`` also holds the other decomposition (total NDE, pure NIE).

    Raises
    ------
    InvalidInputError, UnknownNodeError
        Unknown columns, a mediator equal to the treatment/outcome, a covariate that is a mediator,
        a contrast outside a discrete treatment's levels, bad options.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> a = rng.binomial(1, 0.5, 2000); m = 1 + 2 * a + rng.normal(size=2000)
    >>> y = 0.5 * a + 1.5 * m + rng.normal(size=2000)
    >>> res = mediate(pd.DataFrame({"A": a, "M": m, "Y": y}), "A", "M", "Y", n_boot=200, random_state=0)
    >>> abs(res.direct_effect.value - 0.5) < 0.2, abs(res.indirect_effect.value - 3.0) < 0.2  # truth 0.5, 3
    (True, True)
    """
    started = time.perf_counter()
    mediators, covs = as_list(mediator), as_list(covariates)
    _check_roles(data, treatment, mediators, outcome, covs)
    check_choice(method, ("regression", "simulation"), "method")
    check_choice(ci_method, ("bootstrap", "delta"), "ci_method")
    if ci_method == "delta" and method != "regression":
        raise InvalidInputError("ci_method='delta' has closed forms only for method='regression'; use 'bootstrap'.")
    n_boot = check_positive_int(n_boot, "n_boot", minimum=20 if ci_method == "bootstrap" else 0)
    n_draws = check_positive_int(n_draws, "n_draws")
    alpha = check_alpha(alpha)
    if not isinstance(interaction, bool):
        raise InvalidInputError(f"`interaction` must be True or False; got {interaction!r}.")
    df = check_data(data, [treatment, *mediators, outcome, *covs], min_rows=max(10, len(covs) + 2 * len(mediators) + 4))
    a = df[treatment].to_numpy(dtype=float)
    m = df[mediators].to_numpy(dtype=float)
    y = df[outcome].to_numpy(dtype=float)
    c = df[covs].to_numpy(dtype=float) if covs else np.empty((len(df), 0))
    a1, a0 = float(treat_value), float(control_value)
    warnings = _check_contrast(a, treatment, treat_value, control_value)
    m_cde = _mediator_values(mediator_value, mediators)
    rng = check_random_state(random_state)
    binary_outcome = set(np.unique(y).tolist()) <= {0.0, 1.0}
    params: dict[str, Any] = {
        "method": method, "treat_value": a1, "control_value": a0, "mediators": mediators,
        "mediator_value": None if m_cde is None else m_cde.tolist(), "interaction": interaction,
        "ci_method": ci_method, "n_boot": n_boot, "alpha": alpha, "covariates": covs,
        "random_state": random_state if isinstance(random_state, (int, type(None))) else "generator",
    }

    if method == "regression":
        if binary_outcome:
            warnings.append("The outcome is binary and method='regression' fits a linear probability model; "
                            "effects are risk differences. Use method='simulation' for a logistic outcome model.")

        def estimate(idx: np.ndarray, r: np.random.Generator) -> np.ndarray:
            fit = fit_regression(a[idx], m[idx], y[idx], c[idx], interaction=interaction, cov=False)
            return regression_effects(fit.params, fit, a1, a0, m_cde)
    else:
        mediator_model, outcome_model, discrete_mediator = _simulation_models(
            mediator_model, outcome_model, m, binary_outcome, mediators
        )
        spec = SimulationSpec(mediator_model, outcome_model, discrete_mediator, interaction, n_draws)
        params.update(mediator_model=repr(mediator_model), outcome_model=repr(outcome_model), n_draws=n_draws,
                      discrete_mediator=discrete_mediator)

        def estimate(idx: np.ndarray, r: np.random.Generator) -> np.ndarray:
            return simulation_effects(a[idx], m[idx], y[idx], c[idx], a1, a0, m_cde, spec, r)

    def replicate(idx: np.ndarray, r: np.random.Generator) -> np.ndarray:
        out = estimate(idx, r)
        if m_cde is None:
            out[3] = 0.0  # no CDE requested: keep the replicate finite
        return out

    point = estimate(np.arange(len(df)), rng)
    keys = ["te", "nde", "nie", "cde"]
    points = {k: float(point[i]) for i, k in enumerate(keys) if k != "cde" or m_cde is not None}
    diagnostics: dict[str, dict[str, Any]] = {k: {} for k in keys}
    if method == "regression":
        fit = fit_regression(a, m, y, c, interaction=interaction)
        se_delta = delta_stderrs(fit, a1, a0, m_cde)
        for i, k in enumerate(keys):
            diagnostics[k]["delta_stderr"] = float(se_delta[i])
    if ci_method == "bootstrap":
        reps = bootstrap_replicates(replicate, len(df), n_boot=n_boot, random_state=rng, n_jobs=n_jobs,
                                    what="the mediation effects")
        stderrs = {k: float(reps[:, i].std(ddof=1)) for i, k in enumerate(keys)}
        cis: dict[str, tuple[float, ...] | None] = {
            k: tuple(map(float, np.quantile(reps[:, i], [alpha / 2, 1 - alpha / 2]))) for i, k in enumerate(keys)
        }
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = reps[:, 2] / reps[:, 0]
        ratio = ratio[np.isfinite(ratio)]
        pm_ci = tuple(map(float, np.quantile(ratio, [alpha / 2, 1 - alpha / 2]))) if len(ratio) > 1 else (np.nan, np.nan)
        for k in keys:
            diagnostics[k]["n_replicates"] = int(len(reps))
    else:
        stderrs = {k: float(se_delta[i]) for i, k in enumerate(keys)}
        cis = dict.fromkeys(keys)
        pm = point[2] / point[0] if point[0] else np.nan
        z = stats.norm.ppf(1 - alpha / 2)
        pm_ci = (float(pm - z * se_delta[4]), float(pm + z * se_delta[4]))
    params["decomposition"] = {
        "pure_nde": float(point[1]), "total_nie": float(point[2]),
        "total_nde": float(point[4]), "pure_nie": float(point[5]),
    }
    method_name = f"mediation-{method}" + ("-interaction" if interaction else "")
    return assemble_result(
        points, stderrs, cis,  # type: ignore[arg-type]
        treatment=treatment, mediator="+".join(mediators), outcome=outcome, method=method_name, alpha=alpha,
        n_obs=len(df), pm_ci=pm_ci, adjustment_set=covs, params=params,  # type: ignore[arg-type]
        diagnostics=diagnostics, warnings=warnings, started=started,
    )


def _simulation_models(
    mediator_model: Any, outcome_model: Any, m: np.ndarray, binary_outcome: bool, mediators: list[str]
) -> tuple[Any, Any, bool]:
    for name, model in (("mediator_model", mediator_model), ("outcome_model", outcome_model)):
        if model is not None and not (hasattr(model, "fit") and hasattr(model, "get_params")):
            raise InvalidInputError(f"`{name}` must be a scikit-learn estimator; got {type(model).__name__}.")
    if mediator_model is not None:
        discrete = is_classifier(mediator_model)
    else:
        discrete = m.shape[1] == 1 and _is_discrete(m[:, 0])
    if discrete and m.shape[1] > 1:
        raise InvalidInputError(
            f"Several mediators {mediators} are simulated jointly from regressors with shared residual "
            f"rows; a classifier mediator model works for a single discrete mediator only."
        )
    med_default, out_default = default_models(discrete, binary_outcome)
    return (mediator_model if mediator_model is not None else med_default,
            outcome_model if outcome_model is not None else out_default, discrete)
