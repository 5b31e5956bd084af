"""A scripted chat model for tests: replays planned replies and records every request.

Each step of the script is one of

* a :class:`~agent.messages.ModelResponse` (returned as is);
* ``{"tool": name, "arguments": {...}}`` - one tool call (``arguments`` may be a string, e.g.
  malformed JSON, to test error handling; ``"id"`` is optional);
* ``{"tool_calls": [{"tool": ..., "arguments": ...}, ...]}`` - several calls in one reply;
* ``{"content": "..."}`` or a plain string - a text reply (a final answer in the loop);
* ``{"choose": index}`` or an int - the answer to :meth:`ScriptedModel.choose`;
* a callable ``f(messages, tools)`` (for ``chat``) or ``f(prompt, options)`` (for ``choose``)
  returning any of the above, to reply depending on what the model was sent.

Examples
--------
>>> model = ScriptedModel([{"tool": "profile", "arguments": {"dataset": "d"}}, "done", {"choose": 1}])
>>> model.chat([{"role": "user", "content": "hi"}]).tool_calls[0].name
'profile'
>>> model.chat([]).content
'done'
>>> model.choose("Which?", ["a", "b"])[0]
1
>>> len(model.requests), model.remaining
(3, 0)
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from agent.exceptions import AgentError
from agent.llm import ChatModel, check_options, one_hot_scores
from agent.messages import ModelResponse, make_tool_call

__all__ = ["ScriptedModel", "ScriptError", "ScriptExhaustedError"]

_NO_DEFAULT = object()


class ScriptError(AgentError, AssertionError):
    """A scripted step cannot be used for the request it answers."""


class ScriptExhaustedError(ScriptError):
    """The scripted model was asked for more replies than its script holds."""


class ScriptedModel(ChatModel):
    """A :class:`~agent.llm.ChatModel` that replays ``steps`` in order.

    Parameters
    ----------
    steps : sequence
        The planned replies (see the module docstring for the accepted forms).
    name : str
        Model name recorded in transcripts.
    supports_tools : bool
        Advertised native tool support (lets tests exercise both agent paths).
    default : optional
        A step replayed whenever the script is exhausted; without it an exhausted script raises
        :class:`ScriptExhaustedError` naming the request.

    Attributes
    ----------
    requests : list of dict
        Every request received: ``{"kind": "chat", "messages": ..., "tools": ..., "temperature": ...,
        "max_tokens": ...}`` or ``{"kind": "choose", "prompt": ..., "options": ...}`` (deep copies).
    """

    def __init__(
        self,
        steps: Sequence[Any],
        *,
        name: str = "scripted",
        supports_tools: bool = True,
        default: Any = _NO_DEFAULT,
    ) -> None:
        self.steps = list(steps)
        self.name = name
        self.supports_tools = supports_tools
        self.default = default
        self.requests: list[dict] = []
        self._position = 0

    @property
    def remaining(self) -> int:
        """Number of unused script steps."""
        return len(self.steps) - self._position

    def _next(self, what: str) -> Any:
        if self._position < len(self.steps):
            step = self.steps[self._position]
            self._position += 1
            return step
        if self.default is not _NO_DEFAULT:
            return self.default
        raise ScriptExhaustedError(
            f"ScriptedModel {self.name!r} ran out of steps: request {len(self.requests)} ({what}) "
            f"came after all {len(self.steps)} scripted replies were used. Add steps or pass default=."
        )

    def chat(
        self,
        messages: list[dict],
        tools: list[dict] | None = None,
        *,
        temperature: float = 0.0,
        max_tokens: int = 1024,
    ) -> ModelResponse:
        """Record the request and return the next scripted reply."""
        self.requests.append(
            {
                "kind": "chat",
                "messages": copy.deepcopy(messages),
                "tools": copy.deepcopy(tools),
                "temperature": temperature,
                "max_tokens": max_tokens,
            }
        )
        step = self._next("chat")
        if callable(step):
            step = step(messages, tools)
        return _to_response(step)

    def choose(self, prompt: str, options: list[str]) -> tuple[int, list[float]]:
        """Record the request and return the next scripted choice (scores 0 / -inf)."""
        options = check_options(options)
        self.requests.append({"kind": "choose", "prompt": prompt, "options": list(options)})
        step = self._next("choose")
        if callable(step):
            step = step(prompt, options)
        if isinstance(step, dict) and "choose" in step:
            step = step["choose"]
        if isinstance(step, str) and step in options:
            step = options.index(step)
        if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step < len(options):
            raise ScriptError(
                f"Scripted step {step!r} is not a valid choice among {len(options)} options for prompt {prompt[:60]!r}."
            )
        return step, one_hot_scores(step, len(options))


def _to_response(step: Any) -> ModelResponse:
    if isinstance(step, ModelResponse):
        return step
    if isinstance(step, str):
        return ModelResponse(content=step)
    if isinstance(step, dict):
        if "tool" in step:
            return ModelResponse(
                content=step.get("content"), tool_calls=(_call(step),), usage=step.get("usage", {})
            )
        if "tool_calls" in step:
            return ModelResponse(
                content=step.get("content"),
                tool_calls=tuple(_call(c) for c in step["tool_calls"]),
                usage=step.get("usage", {}),
            )
        if "content" in step:
            return ModelResponse(content=step["content"], usage=step.get("usage", {}))
    raise ScriptError(
        f"Cannot turn scripted step {step!r} into a chat reply; use a ModelResponse, a string, "
        '{"content": ...}, {"tool": ..., "arguments": ...} or {"tool_calls": [...]}.'
    )


def _call(spec: dict) -> Any:
    return make_tool_call(spec["tool"], spec.get("arguments", {}), spec.get("id"))
