"""Exceptions of the causalkit agent.

::

    AgentError
    ├── ModelBehaviorError     the model produced something unusable (bad JSON, unknown tool, ...)
    ├── ToolInputError         tool arguments failed schema validation (fed back to the model)
    ├── ToolExecutionError     a tool raised while running (fed back to the model)
    ├── MaxTurnsExceeded       the loop hit its turn limit without a final answer
    └── BackendError           the model backend is unreachable or misconfigured (user error)
"""

from __future__ import annotations

__all__ = [
    "AgentError",
    "ModelBehaviorError",
    "ToolInputError",
    "ToolExecutionError",
    "MaxTurnsExceeded",
    "BackendError",
]


class AgentError(Exception):
    """Base class of agent errors."""


class ModelBehaviorError(AgentError):
    """The model's output could not be used (malformed call, unknown tool, non-JSON arguments)."""


class ToolInputError(AgentError, ValueError):
    """A tool was called with arguments that do not match its schema."""


class ToolExecutionError(AgentError):
    """A tool raised an error while running."""


class MaxTurnsExceeded(AgentError):
    """The agent loop reached ``max_turns`` without a final answer.

    ``result`` carries the partial loop result (steps and messages so far), when available.
    """

    def __init__(self, message: str = "", *, result: object = None):
        super().__init__(message)
        self.result = result


class BackendError(AgentError):
    """The model backend cannot be used (unknown model spec, missing API key, server unreachable)."""
