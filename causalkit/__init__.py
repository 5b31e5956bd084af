"""causalkit: causal discovery, identification, estimation, refutation, SCMs and mediation."""

from __future__ import annotations

__version__ = "0.1.0"

from causalkit import exceptions
from causalkit.exceptions import (
    CausalKitError,
    EstimationError,
    GraphError,
    InvalidInputError,
    NotIdentifiableError,
    UnknownNodeError,
)

__all__ = [
    "__version__",
    "exceptions",
    "CausalKitError",
    "EstimationError",
    "GraphError",
    "InvalidInputError",
    "NotIdentifiableError",
    "UnknownNodeError",
]
