"""Immutable result objects returned by every causalkit analysis.

Each result is a frozen dataclass with ``summary()`` (human-readable text), ``to_dict()``
(JSON-friendly) and ``to_frame()`` (a one-row or tidy :class:`pandas.DataFrame`).
Results record the method, its parameters, library versions and elapsed time so that an
analysis can be reproduced.
"""

from __future__ import annotations

import dataclasses
import math
import platform
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from causalkit.graphs import CausalGraph

__all__ = [
    "EffectEstimate",
    "DiscoveryResult",
    "IdentificationResult",
    "RefutationResult",
    "MediationResult",
    "provenance",
    "ResultMixin",
]


def provenance(**extra: Any) -> dict[str, str]:
    """Versions of Python and the core numeric stack, for results to record.

    Parameters
    ----------
    **extra
        Further package names mapped to their versions (e.g. a reference library used).

    Returns
    -------
    dict
        Mapping of package name to version string.
    """
    from causalkit import __version__

    out = {
        "causalkit": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }
    out.update({k: str(v) for k, v in extra.items()})
    return out


def _jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, tuples, graphs and nested results to JSON-friendly values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "to_dict") and callable(value.to_dict) and not isinstance(value, pd.DataFrame):
        return value.to_dict()
    if isinstance(value, pd.DataFrame):
        return value.to_dict(orient="records")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    return value


def _fmt(x: float | None, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    return f"{x:.{digits}g}" if abs(x) < 1e-3 or abs(x) >= 1e5 else f"{x:.{digits}f}"


class ResultMixin:
    """Shared ``to_dict`` / ``__str__`` behaviour for result dataclasses (subclass it for new results)."""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dictionary."""
        return _jsonable(self)

    def __str__(self) -> str:
        return self.summary()  # type: ignore[attr-defined]


_ResultMixin = ResultMixin  # backwards-compatible private name


@dataclass(frozen=True, repr=False)
class EffectEstimate(_ResultMixin):
    """A causal effect estimate with its uncertainty.

    Attributes
    ----------
    value : float
        The point estimate.
    stderr : float
        Standard error of the estimate.
    ci : tuple of float
        ``(lower, upper)`` confidence interval at level ``1 - alpha``.
    alpha : float
        Significance level of ``ci``.
    estimand : str
        What is estimated: ``"ATE"``, ``"ATT"``, ``"ATC"``, ``"CATE"``, ``"LATE"``, ``"NDE"``, ...
    method : str
        Estimator name, e.g. ``"aipw"``.
    treatment, outcome : str
        Column names.
    n_obs : int
        Number of observations used.
    pvalue : float
        Two-sided p-value for ``value == 0``.
    adjustment_set : tuple of str
        Covariates adjusted for (empty when none).
    warnings : tuple of str
        Diagnostics: overlap problems, weak instruments, extreme weights, ...
    params : dict
        Estimator parameters (learners, folds, trimming, random_state, ...).
    diagnostics : dict
        Numbers behind the warnings (e.g. propensity range, first-stage F, effective sample size).
    cate : numpy.ndarray or None
        Unit-level conditional effects where the method gives them.
    elapsed : float
        Seconds spent estimating.
    versions : dict
        Library versions, see :func:`provenance`.
    """

    value: float
    stderr: float
    ci: tuple[float, float]
    alpha: float
    estimand: str
    method: str
    treatment: str
    outcome: str
    n_obs: int
    pvalue: float = float("nan")
    adjustment_set: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    cate: np.ndarray | None = None
    elapsed: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)

    def conf_int(self) -> tuple[float, float]:
        """Return the confidence interval ``(lower, upper)``."""
        return self.ci

    def summary(self) -> str:
        """Return a statsmodels-style text table of the estimate."""
        level = int(round((1 - self.alpha) * 100))
        lines = [
            f"{self.estimand} of {self.treatment} on {self.outcome}  [method: {self.method}]",
            "=" * 72,
            f"{'estimate':>12} {'std err':>12} {'p-value':>10} {'[' + str(level) + '% conf.':>14} {'interval]':>12}",
            f"{_fmt(self.value):>12} {_fmt(self.stderr):>12} {_fmt(self.pvalue, 3):>10} "
            f"{_fmt(self.ci[0]):>14} {_fmt(self.ci[1]):>12}",
            "-" * 72,
            f"n = {self.n_obs}; adjusted for: {', '.join(self.adjustment_set) or '(nothing)'}",
        ]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return a one-row DataFrame (like statsmodels' ``summary_frame``)."""
        return pd.DataFrame(
            [
                {
                    "estimand": self.estimand,
                    "method": self.method,
                    "treatment": self.treatment,
                    "outcome": self.outcome,
                    "estimate": self.value,
                    "stderr": self.stderr,
                    "ci_lower": self.ci[0],
                    "ci_upper": self.ci[1],
                    "pvalue": self.pvalue,
                    "n_obs": self.n_obs,
                }
            ]
        )

    def __repr__(self) -> str:
        return (
            f"EffectEstimate({self.estimand}={self.value:.4g}, se={self.stderr:.3g}, "
            f"ci=({self.ci[0]:.4g}, {self.ci[1]:.4g}), method={self.method!r})"
        )


@dataclass(frozen=True, repr=False)
class DiscoveryResult(_ResultMixin):
    """Output of a causal discovery algorithm.

    Attributes
    ----------
    graph : CausalGraph
        The learned graph (CPDAG for PC/GES, PAG for FCI, DAG for LiNGAM, ...).
    method : str
        Algorithm name.
    params : dict
        Parameters used (alpha, CI test, background knowledge, ...).
    sepsets : dict
        ``frozenset({x, y}) -> tuple`` of the separating set found for each removed edge.
    n_ci_tests : int
        Number of conditional-independence tests run (0 for score-based methods).
    elapsed : float
        Seconds spent.
    warnings : tuple of str
        Notes (sub-sampling, conflicts in orientation, ...).
    extra : dict
        Algorithm-specific output (CD-NOD changing modules, LiNGAM weight matrix, GES score, ...).
    versions : dict
        Library versions.
    """

    graph: CausalGraph
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    sepsets: dict[frozenset, tuple[str, ...]] = field(default_factory=dict)
    n_ci_tests: int = 0
    elapsed: float = 0.0
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """Return a text summary: method, parameters, edges."""
        params = ", ".join(f"{k}={v}" for k, v in self.params.items() if not isinstance(v, (dict, list)))
        lines = [
            f"{self.method} discovery: {len(self.graph.nodes)} nodes, {len(self.graph.edges())} edges",
            f"params: {params}",
            f"CI tests: {self.n_ci_tests}; elapsed: {self.elapsed:.3f}s",
            "edges:",
        ]
        lines += [f"  {e}" for e in self.graph.edges()]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return the edges as a DataFrame with columns ``source, target, edge``."""
        return self.graph.to_frame()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dictionary (sepsets keyed by ``"x|y"``)."""
        d = super().to_dict()
        d["sepsets"] = {"|".join(sorted(map(str, k))): list(v) for k, v in self.sepsets.items()}
        return d

    def __repr__(self) -> str:
        return f"DiscoveryResult(method={self.method!r}, graph={self.graph!r})"


@dataclass(frozen=True, repr=False)
class IdentificationResult(_ResultMixin):
    """A complete identification specification for a causal query.

    Attributes
    ----------
    strategy : str
        ``"backdoor"``, ``"frontdoor"``, ``"iv"`` or ``"general"``.
    treatment, outcome : str
    adjustment_set : tuple of str
        The chosen backdoor adjustment set (empty tuple when adjusting for nothing).
    mediators : tuple of str
        Front-door mediators.
    instruments : tuple of str
        Instrumental variables.
    estimand : str
        The identifying formula, e.g. ``"sum_z P(y | x, z) P(z)"``.
    assumptions : tuple of str
        The assumptions in words.
    alternatives : dict
        Other valid specifications, e.g. ``{"minimal_adjustment_sets": [...]}``.
    warnings : tuple of str
    """

    strategy: str
    treatment: str
    outcome: str
    estimand: str
    adjustment_set: tuple[str, ...] = ()
    mediators: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    alternatives: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return a text description of the identification."""
        lines = [
            f"Effect of {self.treatment} on {self.outcome}: identified by {self.strategy}",
            f"estimand: {self.estimand}",
        ]
        if self.strategy == "backdoor":
            lines.append(f"adjustment set: {{{', '.join(self.adjustment_set)}}}")
        if self.mediators:
            lines.append(f"mediators: {{{', '.join(self.mediators)}}}")
        if self.instruments:
            lines.append(f"instruments: {{{', '.join(self.instruments)}}}")
        lines += ["assumptions:"] + [f"  - {a}" for a in self.assumptions]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return a one-row DataFrame."""
        return pd.DataFrame(
            [
                {
                    "strategy": self.strategy,
                    "treatment": self.treatment,
                    "outcome": self.outcome,
                    "adjustment_set": list(self.adjustment_set),
                    "mediators": list(self.mediators),
                    "instruments": list(self.instruments),
                    "estimand": self.estimand,
                }
            ]
        )

    def __repr__(self) -> str:
        return f"IdentificationResult(strategy={self.strategy!r}, estimand={self.estimand!r})"


@dataclass(frozen=True, repr=False)
class RefutationResult(_ResultMixin):
    """Outcome of a refutation test or sensitivity analysis.

    Attributes
    ----------
    refuter : str
        Name of the test (``"placebo_treatment"``, ``"random_common_cause"``, ``"e_value"``, ...).
    original_value : float
        The estimate being checked.
    new_value : float
        The estimate under the refutation (e.g. mean placebo effect); ``nan`` for pure sensitivity.
    passed : bool
        True when the estimate survives the test.
    statistic : float
        The number the verdict is based on (p-value, E-value, robustness value, ...).
    statistic_name : str
        What ``statistic`` is.
    reading : str
        One sentence saying what the result means.
    simulations : numpy.ndarray or None
        Refit estimates, when the refuter refits many times.
    params : dict
    elapsed : float
    versions : dict
        Library versions.
    """

    refuter: str
    original_value: float
    new_value: float
    passed: bool
    statistic: float
    statistic_name: str
    reading: str
    simulations: np.ndarray | None = None
    params: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """Return a text summary with the verdict."""
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{self.refuter}: {verdict}\n"
            f"  original estimate {_fmt(self.original_value)}, refuted estimate {_fmt(self.new_value)}\n"
            f"  {self.statistic_name} = {_fmt(self.statistic)}\n"
            f"  {self.reading}"
        )

    def to_frame(self) -> pd.DataFrame:
        """Return a one-row DataFrame."""
        return pd.DataFrame(
            [
                {
                    "refuter": self.refuter,
                    "original_value": self.original_value,
                    "new_value": self.new_value,
                    "passed": self.passed,
                    self.statistic_name: self.statistic,
                }
            ]
        )

    def __repr__(self) -> str:
        return f"RefutationResult(refuter={self.refuter!r}, passed={self.passed})"


@dataclass(frozen=True, repr=False)
class MediationResult(_ResultMixin):
    """Total, natural direct and indirect effects (and the controlled direct effect).

    Used both for data mediation analysis and for mediation through model components.

    Attributes
    ----------
    total_effect, direct_effect, indirect_effect : EffectEstimate
        TE, NDE and NIE with their uncertainty (``TE = NDE + NIE`` on the difference scale).
    controlled_direct_effect : EffectEstimate or None
        CDE at ``params["mediator_value"]`` where defined.
    proportion_mediated : float
        ``NIE / TE``.
    proportion_mediated_ci : tuple of float
    treatment, mediator, outcome : str
        For model components the mediator is the component set's name.
    method : str
    params : dict
    elapsed : float
    warnings : tuple of str
        Diagnostics (e.g. a linear-probability model for a binary outcome).
    versions : dict
        Library versions.
    """

    total_effect: EffectEstimate
    direct_effect: EffectEstimate
    indirect_effect: EffectEstimate
    treatment: str
    mediator: str
    outcome: str
    method: str
    proportion_mediated: float = float("nan")
    proportion_mediated_ci: tuple[float, float] = (float("nan"), float("nan"))
    controlled_direct_effect: EffectEstimate | None = None
    params: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0
    warnings: tuple[str, ...] = ()
    versions: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """Return a text table of the effects."""
        level = int(round((1 - self.total_effect.alpha) * 100))
        rows = [("total effect", self.total_effect), ("direct (NDE)", self.direct_effect),
                ("indirect (NIE)", self.indirect_effect)]
        if self.controlled_direct_effect is not None:
            rows.append(("controlled direct", self.controlled_direct_effect))
        lines = [
            f"Mediation of {self.treatment} -> {self.mediator} -> {self.outcome}  [method: {self.method}]",
            "=" * 72,
            f"{'effect':<20}{'estimate':>12}{'std err':>12}{'[' + str(level) + '% conf.':>14}{'interval]':>12}",
        ]
        for name, e in rows:
            lines.append(f"{name:<20}{_fmt(e.value):>12}{_fmt(e.stderr):>12}{_fmt(e.ci[0]):>14}{_fmt(e.ci[1]):>12}")
        lines.append(
            f"{'proportion mediated':<20}{_fmt(self.proportion_mediated):>12}{'':>12}"
            f"{_fmt(self.proportion_mediated_ci[0]):>14}{_fmt(self.proportion_mediated_ci[1]):>12}"
        )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per effect."""
        rows = {"total": self.total_effect, "nde": self.direct_effect, "nie": self.indirect_effect}
        if self.controlled_direct_effect is not None:
            rows["cde"] = self.controlled_direct_effect
        return pd.DataFrame(
            [
                {"effect": k, "estimate": e.value, "stderr": e.stderr, "ci_lower": e.ci[0], "ci_upper": e.ci[1]}
                for k, e in rows.items()
            ]
        )

    def __repr__(self) -> str:
        return (
            f"MediationResult(TE={self.total_effect.value:.4g}, NDE={self.direct_effect.value:.4g}, "
            f"NIE={self.indirect_effect.value:.4g})"
        )
