"""One entry point, :func:`estimate`, that picks an estimator from the identification strategy.

The identification comes from a graph (via :func:`causalkit.identification.identify`), from an
:class:`~causalkit.results.IdentificationResult`, or from an adjustment set the user vouches for.
Dispatch is by plain function lookup; the chosen method and the identification are recorded in the
result's ``params``.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import as_list, check_choice, check_column
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.results import EffectEstimate, IdentificationResult

__all__ = ["estimate", "METHODS"]

METHODS = ("auto", "regression", "ipw", "aipw", "dml", "frontdoor", "iv", "2sls", "wald")
_BACKDOOR = ("regression", "ipw", "aipw", "dml")
_IV = ("iv", "2sls", "wald")

# method name -> (module, function); modules are imported only when used
_REGISTRY: dict[str, tuple[str, str]] = {
    "regression": ("causalkit.estimation.regression", "regression_adjustment"),
    "ipw": ("causalkit.estimation.ipw", "ipw"),
    "aipw": ("causalkit.estimation.aipw", "aipw"),
    "dml": ("causalkit.estimation.dml", "dml"),
    "frontdoor": ("causalkit.estimation.frontdoor", "frontdoor"),
    "2sls": ("causalkit.estimation.iv", "iv_2sls"),
    "wald": ("causalkit.estimation.iv", "wald"),
}

_NO_SPEC = (
    "No identification for the effect of {t!r} on {y!r}. Say how it is identified in one of three ways: "
    "(1) graph=CausalGraph(...) to identify it from a causal graph; "
    "(2) identification=identify(graph, {t!r}, {y!r}) to reuse an IdentificationResult; "
    "(3) adjustment=[...] to name a backdoor adjustment set yourself (adjustment=[] claims there is "
    "no confounding, e.g. a randomised experiment). For IV or front-door estimation without a graph, "
    "pass method='2sls' with instruments=[...] or method='frontdoor' with mediators=[...]."
)


def _resolve(name: str) -> Callable[..., EffectEstimate]:
    module, func = _REGISTRY[name]
    try:
        return getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError) as exc:
        raise EstimationError(
            f"The {name!r} estimator ({module}.{func}) is not available in this installation: {exc}"
        ) from exc


def _is_binary(series: pd.Series) -> bool:
    values = pd.unique(series.dropna())
    try:
        return len(values) == 2 and set(np.asarray(values, dtype=float).tolist()) <= {0.0, 1.0}
    except (TypeError, ValueError):
        return False


def _call(
    fn: Callable[..., EffectEstimate], args: tuple, standard: dict[str, Any], extra: dict[str, Any]
) -> EffectEstimate:
    """Call ``fn`` with the standard options it accepts and all user ``extra`` keyword arguments."""
    sig = inspect.signature(fn).parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.values())
    kwargs: dict[str, Any] = {}
    for key, value in standard.items():
        if key in sig or accepts_any:
            kwargs[key] = value
        elif key == "estimand" and value not in ("ATE", None):
            raise InvalidInputError(
                f"{fn.__name__}() estimates only its own estimand; estimand={value!r} is not supported."
            )
    unknown = [k for k in extra if k not in sig and not accepts_any]
    if unknown:
        allowed = [k for k, p in sig.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
        raise InvalidInputError(
            f"{fn.__name__}() does not take {unknown}; its options are {allowed}."
        )
    return fn(*args, **kwargs, **extra)


def estimate(
    data: Any,
    treatment: str,
    outcome: str,
    *,
    graph: Any = None,
    identification: IdentificationResult | None = None,
    adjustment: Iterable[str] | None = None,
    method: str = "auto",
    estimand: str = "ATE",
    alpha: float = 0.05,
    random_state: Any = None,
    **kwargs: Any,
) -> EffectEstimate:
    """Estimate the causal effect of ``treatment`` on ``outcome`` with an estimator fit for its identification.

    Parameters
    ----------
    data : pandas.DataFrame
    treatment, outcome : str
        Column (node) names.
    graph : CausalGraph, optional
        Identify the effect from this graph (ignored when ``identification`` is given).
    identification : IdentificationResult, optional
        A ready identification (strategy, adjustment set, mediators or instruments).
    adjustment : iterable of str, optional
        A backdoor adjustment set; overrides the identified one (with a warning if they differ).
    method : {"auto", "regression", "ipw", "aipw", "dml", "frontdoor", "iv", "2sls", "wald"}
        ``"auto"``: backdoor -> ``"aipw"`` for a binary treatment, ``"regression"`` (OLS with
        interactions) otherwise; front-door -> ``"frontdoor"``; IV -> ``"2sls"``. ``"iv"`` means ``"2sls"``.
    estimand : str
        ``"ATE"``, ``"ATT"`` or ``"ATC"`` where the method supports it.
    alpha : float
    random_state : int, Generator or None
    **kwargs
        Passed to the estimator (e.g. ``n_folds``, ``outcome_model``, ``trim``), plus
        ``instruments=`` / ``mediators=`` to name them without an identification result.

    Returns
    -------
    EffectEstimate
        ``params["identification"]`` records the strategy and sets used, ``params["dispatch"]`` the
        chosen method.

    Raises
    ------
    InvalidInputError
        No way to identify the effect was given, an unknown method, a method that does not fit the
        strategy, or an option the estimator does not take.
    NotIdentifiableError
        From :func:`causalkit.identification.identify` when the graph does not identify the effect.
    EstimationError
        Identified only by the general ID formula, for which there is no estimator.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=1000)
    >>> t = (rng.random(1000) < 1 / (1 + np.exp(-x))).astype(int)
    >>> df = pd.DataFrame({"x": x, "t": t, "y": 2 * t + x + rng.normal(size=1000)})
    >>> est = estimate(df, "t", "y", adjustment=["x"], random_state=0)
    >>> est.method, bool(abs(est.value - 2) < 0.3)
    ('aipw', True)
    """
    started = time.perf_counter()
    if not isinstance(method, str):
        raise InvalidInputError(f"`method` must be one of {list(METHODS)}; got {method!r}.")
    method = check_choice(method.lower(), METHODS, "method")
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(f"`data` must be a pandas DataFrame; got {type(data).__name__}.")
    check_column(data, treatment, role="treatment")
    check_column(data, outcome, role="outcome")
    instruments = as_list(kwargs.pop("instruments", None))
    mediators = as_list(kwargs.pop("mediators", None))

    ident = identification
    if ident is None and graph is not None:
        from causalkit.identification import identify  # lazy: identification is a heavier import

        ident = identify(graph, treatment, outcome)
    if ident is not None:
        if not isinstance(ident, IdentificationResult):
            raise InvalidInputError(
                f"`identification` must be an IdentificationResult; got {type(ident).__name__}."
            )
        if (ident.treatment, ident.outcome) != (treatment, outcome):
            raise InvalidInputError(
                f"The identification is for {ident.treatment!r} -> {ident.outcome!r}, not "
                f"{treatment!r} -> {outcome!r}."
            )

    warns: list[str] = []
    if ident is not None:
        strategy = ident.strategy
    elif method in _IV or (method == "auto" and instruments):
        strategy = "iv"
    elif method == "frontdoor" or (method == "auto" and mediators):
        strategy = "frontdoor"
    elif adjustment is not None:
        strategy = "backdoor"
    else:
        raise InvalidInputError(_NO_SPEC.format(t=treatment, y=outcome))

    if strategy == "general":
        raise EstimationError(
            f"The effect is identified only by the general (do-calculus) formula {ident.estimand!r}; "  # type: ignore[union-attr]
            "there is no estimator for it here. If you know a valid adjustment set, pass adjustment=[...]."
        )
    adj = (
        as_list(adjustment)
        if adjustment is not None
        else list(ident.adjustment_set if ident else ())
    )
    if (
        ident is not None
        and adjustment is not None
        and set(adj) != set(ident.adjustment_set)
        and strategy == "backdoor"
    ):
        warns.append(
            f"The adjustment set {adj} given by the caller overrides the identified set "
            f"{list(ident.adjustment_set)}."
        )
    # a backdoor identification can still be estimated by IV / front-door if the caller names the variables
    if strategy == "backdoor" and method in _IV and instruments:
        strategy = "iv"
    if strategy == "backdoor" and method == "frontdoor" and mediators:
        strategy = "frontdoor"

    standard = {"estimand": estimand, "alpha": alpha, "random_state": random_state}
    if strategy == "backdoor":
        if method not in ("auto", *_BACKDOOR):
            raise InvalidInputError(
                f"method={method!r} does not fit a backdoor identification; use one of "
                f"{['auto', *_BACKDOOR]} (or pass instruments=/mediators= for IV/front-door)."
            )
        chosen = (
            method
            if method != "auto"
            else ("aipw" if _is_binary(data[treatment]) else "regression")
        )
        fn = _resolve(chosen)
        if (
            chosen == "dml"
            and "estimand" not in inspect.signature(fn).parameters
            and str(estimand).upper() == "ATT"
        ):
            # DoubleML naming: the ATT is the interactive model's "ATTE" score
            kwargs = {"model": "irm", "score": "ATTE", **kwargs}
            standard = {**standard, "estimand": None}
        result = _call(fn, (data, treatment, outcome, adj), standard, kwargs)
    elif strategy == "frontdoor":
        if method not in ("auto", "frontdoor"):
            raise InvalidInputError(
                f"method={method!r} does not fit a front-door identification; use 'frontdoor'."
            )
        meds = mediators or list(ident.mediators if ident else ())
        if not meds:
            raise InvalidInputError(
                "Front-door estimation needs mediators=[...] (or an identification with mediators)."
            )
        chosen = "frontdoor"
        result = _call(
            _resolve(chosen),
            (data, treatment, outcome, meds),
            standard,
            {"adjustment": adj, **kwargs},
        )
    elif strategy == "iv":
        if method not in ("auto", *_IV):
            raise InvalidInputError(
                f"method={method!r} does not fit an IV identification; use '2sls' or 'wald'."
            )
        inst = instruments or list(ident.instruments if ident else ())
        if not inst:
            raise InvalidInputError(
                "IV estimation needs instruments=[...] (or an identification with instruments)."
            )
        chosen = "wald" if method == "wald" else "2sls"
        fn = _resolve(chosen)
        if chosen == "wald" and "instrument" in inspect.signature(fn).parameters:
            if len(inst) != 1:
                raise InvalidInputError(
                    f"The Wald estimator takes exactly one instrument; got {inst}. Use method='2sls'."
                )
            args: tuple = (data, treatment, outcome, inst[0])
        else:
            args = (data, treatment, outcome, inst)
        extra = {"covariates": adj, **kwargs} if adj else dict(kwargs)
        result = _call(fn, args, standard, extra)
    else:
        raise InvalidInputError(f"Unknown identification strategy {strategy!r}.")

    ident_record = (
        ident.to_dict()
        if ident is not None
        else {
            "strategy": strategy,
            "treatment": treatment,
            "outcome": outcome,
            "adjustment_set": adj,
            "instruments": instruments,
            "mediators": mediators,
            "source": "caller",
        }
    )
    params = {
        **result.params,
        "identification": ident_record,
        "dispatch": {"requested": method, "chosen": chosen},
    }
    return dataclasses.replace(
        result,
        params=params,
        warnings=tuple(result.warnings) + tuple(warns),
        elapsed=time.perf_counter() - started,
    )
