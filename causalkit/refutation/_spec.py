"""What a refuter refits: the estimate specification, the fast linear path and the generic path.

A refuter receives either an :class:`~causalkit.results.EffectEstimate` (treatment, outcome,
adjustment set, method and parameters are taken from it) or the specification as keywords. It then
refits the estimator on modified data many times. Two ways to refit:

* **batched OLS** (``path="batched-ols"``) for linear regression: all refits are one batched
  least-squares problem (:mod:`causalkit.refutation._linear`). Used for ``method="ols"`` and for
  ``method="regression"`` when the estimate equals the OLS coefficient of the treatment (checked
  numerically, so a regression estimator with interactions or another estimand is never
  mistaken for plain OLS);
* **joblib** (``path="joblib"``) for every other estimator: each replicate builds its modified data
  from its own child seed and calls the estimator, in parallel over ``n_jobs``.

The random draws of replicate ``s`` come from ``numpy.random.default_rng(seeds[s])`` in both paths,
so results do not depend on the path taken or on ``n_jobs``.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from causalkit._validation import as_list, check_random_state
from causalkit.estimation._base import Prepared, prepare
from causalkit.exceptions import CausalKitError, EstimationError, InvalidInputError
from causalkit.refutation._interacted import regression_effects
from causalkit.refutation._linear import ols_fit
from causalkit.results import EffectEstimate

__all__ = ["Spec", "resolve_spec", "child_seeds", "refit_many", "OLS_NAMES", "REGRESSION_NAMES"]

#: Method names that mean "the OLS coefficient of the treatment" outright.
OLS_NAMES = ("ols", "linear", "linear_regression")
#: Method names of the project's regression estimator: batched only when it equals OLS.
REGRESSION_NAMES = ("regression", "regression_adjustment")
_REL_TOL = 1e-7

EstimatorFn = Callable[..., Any]


@dataclass(frozen=True)
class Spec:
    """A resolved estimate specification.

    Attributes
    ----------
    treatment, outcome : str
    adjustment : tuple of str
    method : str or callable
        Estimator name for :func:`causalkit.estimation.estimate`, ``"ols"``, or a callable
        ``fn(data, treatment, outcome, adjustment, **kwargs)`` returning an EffectEstimate or a float.
    kwargs : dict
        Keyword arguments passed to the estimator on every refit.
    original : float
        The estimate under test.
    batched : bool
        Whether refits use the batched least-squares path.
    reproduced : float
        For an EffectEstimate refitted through joblib: the estimator rerun on the original data
        with the recorded options (``nan`` when not checked). A mismatch means the refits do not
        use the same configuration (e.g. a learner recorded only by name).
    linear : str
        ``"ols"`` (plain OLS coefficient) or ``"regression"`` (``regression_adjustment``'s OLS, with
        ``linear_options`` ``interactions`` and ``estimand``) on the batched path.
    prepared : Prepared
        Validated arrays (``t``, ``y``, ``X``) and the cleaned data.
    """

    treatment: str
    outcome: str
    adjustment: tuple[str, ...]
    method: str | EstimatorFn
    kwargs: dict[str, Any]
    original: float
    batched: bool
    prepared: Prepared
    original_stderr: float = float("nan")
    linear: str = ""
    linear_options: dict[str, Any] = field(default_factory=dict)
    reproduced: float = float("nan")

    @property
    def path(self) -> str:
        """``"batched-ols"`` or ``"joblib"``."""
        return "batched-ols" if self.batched else "joblib"

    @property
    def method_name(self) -> str:
        """The method as text (a callable's ``__name__``)."""
        m = self.method
        return m if isinstance(m, str) else getattr(m, "__name__", type(m).__name__)


def child_seeds(random_state: Any, n: int) -> tuple[int, np.ndarray]:
    """One seed for the original fit and ``n`` child seeds, one per replicate."""
    rng = check_random_state(random_state)
    seeds = rng.integers(0, 2**32 - 1, size=n + 1)
    return int(seeds[0]), seeds[1:]


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _estimate_fn() -> EstimatorFn | None:
    """``causalkit.estimation.estimate`` when the estimation API is installed, else ``None``."""
    try:
        from causalkit.estimation import estimate  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - depends on the estimation package being present
        return None
    return estimate  # type: ignore[no-any-return]


def _method_function(method: str) -> EstimatorFn | None:
    """The estimator function behind ``estimate(..., method=method)``, to filter parameters by."""
    try:
        from causalkit.estimation import api  # type: ignore[attr-defined]

        return api._resolve(method)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - unknown method or no estimation API: forward nothing
        return None


def _forwardable(value: Any, param: inspect.Parameter) -> bool:
    """Whether a value recorded in ``EffectEstimate.params`` can be passed back as this argument.

    Plain values of the argument's type are; objects recorded by name only (a learner stored as its
    class name where the argument takes an estimator) are not.
    """
    default, note = param.default, str(param.annotation)
    if value is None:
        return default is None or "None" in note
    if default is inspect.Parameter.empty or default is None:  # judge by the annotation's text
        if isinstance(value, (list, tuple)):
            return all(isinstance(v, str) for v in value) and any(w in note for w in ("Iterable", "Sequence", "list"))
        if isinstance(value, bool):
            return "bool" in note
        if isinstance(value, numbers.Real):
            return "float" in note or "int" in note
        return isinstance(value, str) and "str" in note
    if isinstance(default, bool) or isinstance(value, bool):
        return type(default) is type(value)
    if isinstance(default, numbers.Real) and isinstance(value, numbers.Real):
        return True
    return isinstance(value, type(default))


def fit_once(
    spec: Spec,
    data: pd.DataFrame,
    seed: int | None,
    adjustment: tuple[str, ...] | None = None,
    *,
    strict: bool = False,
) -> float:
    """Run the spec's estimator on ``data`` once and return the point estimate.

    With ``strict=False`` (refits of modified data) an estimator error becomes ``nan`` and is
    recorded by :func:`refit_many`; with ``strict=True`` (the original data) it propagates.
    """
    return _fit(spec, data, seed, adjustment, strict=strict)[0]


def _fit(
    spec: Spec,
    data: pd.DataFrame,
    seed: int | None,
    adjustment: tuple[str, ...] | None = None,
    *,
    strict: bool = False,
) -> tuple[float, float]:
    """:func:`fit_once` returning ``(value, stderr)``; ``stderr`` is ``nan`` for a bare number."""
    adj = spec.adjustment if adjustment is None else adjustment
    kwargs = dict(spec.kwargs)
    args: tuple[Any, ...]
    if callable(spec.method):
        fn, args = spec.method, (data, spec.treatment, spec.outcome, adj)
    else:
        fn = _estimate_fn()  # type: ignore[assignment]
        if fn is None:  # pragma: no cover
            raise InvalidInputError(
                f"Refitting method {spec.method!r} needs causalkit.estimation.estimate, which is not "
                "available; pass method='ols' or a callable estimator instead."
            )
        args = (data, spec.treatment, spec.outcome)
        kwargs.update(adjustment=list(adj), method=spec.method)
    if seed is not None and "random_state" not in kwargs and _accepts(fn, "random_state"):
        kwargs["random_state"] = int(seed)
    try:
        out = fn(*args, **kwargs)
    except CausalKitError:
        if strict:
            raise
        return float("nan"), float("nan")
    value = out.value if isinstance(out, EffectEstimate) else out
    stderr = float(out.stderr) if isinstance(out, EffectEstimate) else float("nan")
    try:
        value = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"The estimator {spec.method_name!r} returned {type(out).__name__}; it must return an "
            "EffectEstimate or a number."
        ) from exc
    if strict and not np.isfinite(value):
        raise EstimationError(f"The estimator {spec.method_name!r} gave a non-finite estimate on the original data.")
    return value, stderr


def refit_many(
    spec: Spec,
    seeds: np.ndarray,
    make_data: Callable[[np.random.Generator], tuple[pd.DataFrame, tuple[str, ...] | None]],
    n_jobs: int | None,
) -> np.ndarray:
    """Generic path: for each seed build modified data with ``make_data(rng)`` and refit, over joblib.

    A refit that raises a causalkit error (a subset with a constant column, no overlap, ...) gives
    ``nan``; if more than half fail, the first error is re-raised as an :class:`EstimationError`.
    """

    def one(seed: int) -> tuple[float, str]:
        df, adj = make_data(np.random.default_rng(seed))
        try:
            return fit_once(spec, df, int(seed), adj, strict=True), ""
        except CausalKitError as exc:
            return float("nan"), f"{type(exc).__name__}: {exc}"

    out = Parallel(n_jobs=n_jobs)(delayed(one)(s) for s in seeds)
    sims = np.asarray([v for v, _ in out], dtype=float)
    errors = [e for _, e in out if e]
    n_bad = int((~np.isfinite(sims)).sum())
    if n_bad > len(sims) // 2:
        first = f" First error: {errors[0]}" if errors else ""
        raise EstimationError(
            f"{n_bad} of {len(sims)} refits of {spec.method_name!r} failed on the modified data.{first}"
        )
    return sims


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_REL_TOL, abs_tol=1e-12)


def _filtered_params(method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters recorded in an EffectEstimate that the estimator takes back as arguments."""
    fn = _method_function(method)
    if fn is None:
        return {}
    try:
        sig = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return {}
    skip = {"data", "treatment", "outcome", "adjustment", "method", "random_state", "n_jobs"}
    return {k: v for k, v in params.items() if k in sig and k not in skip and _forwardable(v, sig[k])}


#: Method names recorded in estimates that ``estimate()`` knows under another name.
_ALIASES = {"g-computation": "regression"}


def _refittable_name(estimate: EffectEstimate, kwargs: Mapping[str, Any]) -> str:
    """The ``estimate(method=...)`` name that refits ``estimate``, or a clear error."""
    name = estimate.method
    if name in _ALIASES:
        if "model" not in kwargs:
            raise InvalidInputError(
                f"The estimate was fitted by {name} with the model {estimate.params.get('model')!r}, which it "
                "records only by name; pass estimator_kwargs={'model': <that model>} to refit it."
            )
        return _ALIASES[name]
    try:
        from causalkit.estimation.api import METHODS  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover
        return name
    if name.lower() not in (*METHODS, *OLS_NAMES):
        raise InvalidInputError(
            f"An estimate made by {name!r} cannot be refitted by name; pass method=<callable "
            "fn(data, treatment, outcome, adjustment) -> EffectEstimate | float> to say how to refit it."
        )
    return name


def resolve_spec(
    data: Any,
    estimate: EffectEstimate | Mapping[str, Any] | None,
    *,
    treatment: str | None,
    outcome: str | None,
    adjustment: Any,
    method: str | EstimatorFn | None,
    estimator_kwargs: Mapping[str, Any] | None,
    seed: int,
) -> Spec:
    """Turn an EffectEstimate or keyword specification into a :class:`Spec` (validating the data).

    Raises
    ------
    InvalidInputError
        When neither or both of an estimate and keywords are given, or columns are invalid.
    """
    kwargs = dict(estimator_kwargs or {})
    given: float | None = None
    stderr = float("nan")
    if isinstance(estimate, Mapping):  # a specification as a dict (used by ``refute``)
        treatment = estimate.get("treatment", treatment)
        outcome = estimate.get("outcome", outcome)
        adjustment = estimate.get("adjustment", adjustment)
        method = estimate.get("method", method)
        estimate = None
    if isinstance(estimate, EffectEstimate):
        if treatment is not None or outcome is not None or adjustment is not None:
            raise InvalidInputError(
                "Pass either an EffectEstimate or treatment=/outcome=/adjustment=, not both: the "
                "estimate already names its treatment, outcome and adjustment set."
            )
        treatment, outcome, adjustment = estimate.treatment, estimate.outcome, estimate.adjustment_set
        if method is None:
            method = _refittable_name(estimate, kwargs)
            kwargs = {**_filtered_params(method, estimate.params), **kwargs}
        given, stderr = float(estimate.value), float(estimate.stderr)
    elif estimate is not None:
        raise InvalidInputError(
            "The estimate to refute must be an EffectEstimate (or None with treatment=/outcome=); "
            f"got {type(estimate).__name__}."
        )
    if treatment is None or outcome is None:
        raise InvalidInputError("Name the `treatment` and `outcome` columns (or pass an EffectEstimate).")
    method = "regression" if method is None else method
    if not (callable(method) or isinstance(method, str)):
        raise InvalidInputError(f"`method` must be an estimator name or a callable; got {method!r}.")
    prep = prepare(data, treatment, outcome, as_list(adjustment))
    name = method.lower() if isinstance(method, str) else None
    spec = Spec(
        treatment=treatment, outcome=outcome, adjustment=prep.covariates,
        method=name if name in OLS_NAMES else method, kwargs=kwargs,
        original=float("nan"), batched=False, prepared=prep, original_stderr=stderr,
    )
    if name in OLS_NAMES:
        coef, se, _ = ols_fit(prep.t, prep.y, prep.X)
        if given is not None and not _close(given, coef):
            raise InvalidInputError(
                f"The estimate {given:.6g} is not the OLS coefficient of {treatment!r} on this data "
                f"({coef:.6g}); was it estimated on other data or with another adjustment set?"
            )
        stderr = se if math.isnan(stderr) else stderr
        return replace(spec, original=coef if given is None else given, batched=True, linear="ols",
                       original_stderr=stderr)
    if name in REGRESSION_NAMES and kwargs.get("model") is None:
        inter, estimand_ = bool(kwargs.get("interactions", True)), str(kwargs.get("estimand", "ATE")).upper()
        options: dict[str, Any] = {"interactions": inter, "estimand": estimand_}
        ones = np.ones((len(prep.y), 1))
        mine = float(regression_effects(prep.t, prep.y, prep.X, lambda c: ones[:, c], 1, role="weights",
                                        interactions=inter, estimand=estimand_)[0])
        if given is None:
            # Without the estimation API, "regression" is computed here; with it, ask the real estimator.
            given, stderr = (mine, stderr) if _estimate_fn() is None else _fit(spec, prep.data, seed, strict=True)
        return replace(spec, original=given, batched=_close(given, mine), linear="regression",
                       linear_options=options, original_stderr=stderr, reproduced=mine)
    if given is None:
        given, stderr = _fit(spec, prep.data, seed, strict=True)
        return replace(spec, original=given, original_stderr=stderr)
    # Rerun on the original data to check the refits use the estimate's configuration; only when
    # that is reproducible: a recorded integer seed, or no seed recorded at all (deterministic).
    params = estimate.params if isinstance(estimate, EffectEstimate) else {}
    recorded = params.get("random_state")
    rerun = float("nan")
    if isinstance(method, str) and ("random_state" not in params or isinstance(recorded, numbers.Integral)):
        rerun = _fit(spec, prep.data, int(recorded) if recorded is not None else seed, strict=False)[0]
    return replace(spec, original=given, reproduced=rerun)
