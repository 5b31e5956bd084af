"""``refute``: run several refuters and sensitivity analyses on one estimate in one call."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from causalkit.exceptions import InvalidInputError
from causalkit.refutation._spec import EstimatorFn
from causalkit.refutation.refuters import (
    EstimateLike,
    _bootstrap,
    _placebo,
    _random_common_cause,
    _setup,
    _subset,
    bootstrap_stability,
    data_subset,
    placebo_treatment,
    random_common_cause,
)
from causalkit.refutation.sensitivity import e_value, robustness_value
from causalkit.results import EffectEstimate, RefutationResult

__all__ = ["refute", "REFUTERS"]

REFUTERS: dict[str, Callable[..., RefutationResult]] = {
    "placebo_treatment": placebo_treatment,
    "random_common_cause": random_common_cause,
    "data_subset": data_subset,
    "bootstrap_stability": bootstrap_stability,
}


def refute(
    data: pd.DataFrame,
    estimate: EstimateLike = None,
    methods: Sequence[str] = ("placebo_treatment", "random_common_cause", "data_subset"),
    *,
    treatment: str | None = None,
    outcome: str | None = None,
    adjustment: Iterable[str] | None = None,
    method: str | EstimatorFn | None = None,
    estimator_kwargs: Mapping[str, Any] | None = None,
    n_simulations: int = 100,
    random_state: Any = None,
    n_jobs: int | None = None,
    alpha: float = 0.05,
) -> list[RefutationResult]:
    """Run several refuters (and sensitivity analyses) on one estimate.

    Parameters
    ----------
    methods : sequence of str
        Any of ``"placebo_treatment"``, ``"random_common_cause"``, ``"data_subset"``,
        ``"bootstrap_stability"``, ``"e_value"`` (needs an EffectEstimate) and
        ``"robustness_value"`` (linear regression sensitivity).

    Other parameters are those of :func:`placebo_treatment`; with an integer ``random_state``
    each refuter gives the same result as when called alone with it.

    Returns
    -------
    list of RefutationResult
        One per method, in order.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500); t = x + rng.normal(size=500); y = 2 * t + x + rng.normal(size=500)
    >>> df = pd.DataFrame({"x": x, "t": t, "y": y})
    >>> results = refute(df, treatment="t", outcome="y", adjustment=["x"], random_state=0)
    >>> [(r.refuter, r.passed) for r in results]
    [('placebo_treatment', True), ('random_common_cause', True), ('data_subset', True)]
    """
    names = [methods] if isinstance(methods, str) else list(methods)
    known = (*REFUTERS, "e_value", "robustness_value")
    for name in names:
        if name not in known:
            raise InvalidInputError(f"Unknown refuter {name!r}; choose from {list(known)}.")
    n_sim, alpha, spec = _setup(
        data, estimate, n_simulations, alpha, random_state, treatment, outcome, adjustment, method,
        estimator_kwargs,
    )
    runners: dict[str, Callable[[], RefutationResult]] = {
        "placebo_treatment": lambda: _placebo(spec, n_sim, random_state, n_jobs, alpha),
        "random_common_cause": lambda: _random_common_cause(spec, n_sim, random_state, n_jobs, alpha),
        "data_subset": lambda: _subset(spec, n_sim, random_state, n_jobs, alpha, 0.8),
        "bootstrap_stability": lambda: _bootstrap(spec, n_sim, random_state, n_jobs, alpha),
        "robustness_value": lambda: robustness_value(
            spec.prepared.data, spec.treatment, spec.outcome, spec.adjustment, alpha=alpha
        ),
        "e_value": lambda: _e_value_of(estimate, data),
    }
    return [runners[name]() for name in names]


def _e_value_of(estimate: EstimateLike, data: pd.DataFrame) -> RefutationResult:
    if not isinstance(estimate, EffectEstimate):
        raise InvalidInputError("The 'e_value' refuter needs an EffectEstimate (its value and confidence interval).")
    return e_value(estimate, data=data)
