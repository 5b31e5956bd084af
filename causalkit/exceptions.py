"""The exception hierarchy of causalkit.

Every error a user can trigger with bad input is one of these, and its message names the
offending column, node or argument and says what to do about it.

::

    CausalKitError
    ├── InvalidInputError (ValueError)     bad data, arguments or options
    │   └── UnknownNodeError (KeyError)     a column / node name that does not exist
    ├── GraphError (ValueError)             a graph that cannot be used as asked (cycles, wrong type)
    ├── NotIdentifiableError                the causal query cannot be identified; says why
    ├── EstimationError                     estimation failed numerically (singular design, no overlap)
    ├── NotFittedError (AttributeError)     a model used before ``fit``
    └── MissingDependencyError (ImportError) an optional dependency is not installed
"""

from __future__ import annotations

__all__ = [
    "CausalKitError",
    "InvalidInputError",
    "UnknownNodeError",
    "GraphError",
    "NotIdentifiableError",
    "EstimationError",
    "NotFittedError",
    "MissingDependencyError",
]


class CausalKitError(Exception):
    """Base class of every error raised by causalkit on purpose."""


class InvalidInputError(CausalKitError, ValueError):
    """Input data, an argument or an option is invalid."""


class UnknownNodeError(InvalidInputError, KeyError):
    """A column or node name that is not present in the data or the graph."""

    def __str__(self) -> str:  # KeyError would otherwise print the repr of the message
        return str(self.args[0]) if self.args else ""


class GraphError(CausalKitError, ValueError):
    """A graph cannot be used as requested (e.g. it has a cycle where a DAG is required)."""


class NotIdentifiableError(CausalKitError):
    """The causal query is not identifiable from the graph; the message says why."""

    def __init__(self, message: str, *, reason: str | None = None, paths: list | None = None):
        super().__init__(message)
        self.reason = reason or message
        self.paths = paths or []


class EstimationError(CausalKitError):
    """Estimation failed (singular design, no overlap, learner failure, ...)."""


class NotFittedError(CausalKitError, AttributeError):
    """A model or estimator was used before it was fitted."""


class MissingDependencyError(CausalKitError, ImportError):
    """An optional dependency needed for this feature is not installed."""

    def __init__(self, package: str, extra: str, feature: str):
        super().__init__(
            f"{feature} needs the optional package '{package}'. "
            f"Install it with: pip install 'causalkit[{extra}]'"
        )
        self.package = package
        self.extra = extra
