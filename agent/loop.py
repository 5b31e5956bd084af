"""The agent loop: messages -> model -> tool calls -> validated tool runs -> results -> ... -> answer.

Everything the model does wrong comes back to it as a message it can act on - malformed JSON,
unknown tools, arguments that fail the schema, tools that raise - and never crashes the loop.
An identical call that keeps failing is not run again after ``max_repeats`` failures. A
``guard`` (the planner's checks) may refuse a call or a final answer with a message that goes
back to the model. The loop ends when the model answers without tool calls, or raises
:class:`~agent.exceptions.MaxTurnsExceeded` (carrying the partial :class:`LoopResult` as
``.result``) after ``max_turns`` model calls.

Examples
--------
>>> from agent.registry import ToolRegistry
>>> from agent.testing import ScriptedModel
>>> registry = ToolRegistry()
>>> @registry.tool
... def add(a: int, b: int) -> int:
...     '''Add two integers.'''
...     return a + b
>>> model = ScriptedModel([{"tool": "add", "arguments": {"a": 2, "b": 3}}, {"content": "2 + 3 = 5"}])
>>> result = run_loop(model, registry, [{"role": "user", "content": "What is 2 + 3?"}])
>>> result.answer, result.turns, result.tool_results[0][1]
('2 + 3 = 5', 2, 5)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from agent.exceptions import (
    MaxTurnsExceeded,
    ModelBehaviorError,
    ToolExecutionError,
    ToolInputError,
)
from agent.llm import ChatModel
from agent.messages import ToolCall, assistant_message, tool_message, truncate, user
from agent.registry import ToolRegistry
from causalkit.exceptions import InvalidInputError

__all__ = ["Step", "LoopResult", "run_loop", "FINAL_ANSWER"]

#: Name of the pseudo tool call a ``guard`` receives for a final answer (``arguments={"answer": text}``).
FINAL_ANSWER = "final_answer"

StepKind = Literal["model", "tool", "error", "answer"]


@dataclass
class Step:
    """One event of the loop, for progress display and transcripts.

    Attributes
    ----------
    kind : {"model", "tool", "error", "answer"}
        A model reply, a successful tool run, a failed/refused call, or the final answer.
    name : str
        Tool name (``"final_answer"`` for answers, the model name for model steps).
    arguments : dict
        Tool arguments (empty for model steps).
    result_summary : str
        What was sent back to the model (tool result or error), the reply text, or the answer.
    elapsed : float
        Seconds spent in the model call or the tool.
    turn : int
        1-based index of the model call this step belongs to.
    call_id : str or None
        The tool call id.
    error : str or None
        Exception type for failed calls (``ToolInputError``, ``ModelBehaviorError``, ...).
    """

    kind: StepKind
    name: str
    arguments: dict = field(default_factory=dict)
    result_summary: str = ""
    elapsed: float = 0.0
    turn: int = 0
    call_id: str | None = None
    error: str | None = None


@dataclass
class LoopResult:
    """Outcome of :func:`run_loop`: the answer, every step, the full message list and the tool results."""

    answer: str
    steps: list[Step]
    messages: list[dict]
    tool_results: list[tuple[ToolCall, Any]]
    turns: int
    usage: dict


def _call_key(call: ToolCall) -> tuple[str, str]:
    if call.error:
        return call.name, call.raw
    try:
        return call.name, json.dumps(call.arguments, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return call.name, call.raw


def _add_usage(total: dict, usage: dict) -> None:
    for k, v in usage.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            total[k] = total.get(k, 0) + v


@dataclass
class _CallRunner:
    """Runs one tool call safely: guard, validation, execution, summary, repeat cut-off."""

    registry: ToolRegistry
    session: Any
    guard: Callable[[ToolCall, Any], str | None] | None
    summarize: Callable[[Any], str]
    max_result_chars: int
    max_repeats: int
    failures: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)

    def run(self, call: ToolCall) -> tuple[str | None, str, Any]:
        """Return ``(error_type or None, text for the model, tool value)``."""
        key = _call_key(call)
        count, last_error = self.failures.get(key, (0, ""))
        if count >= self.max_repeats:
            return (
                "RepeatedFailure",
                (
                    f"Not run: this identical call to {call.name!r} already failed {count} times "
                    f"(last error: {last_error}). Change the arguments, use another tool, "
                    "or give your final answer."
                ),
                None,
            )
        error_type, content, value = self._execute(call)
        if error_type is None:
            return None, content, value
        count += 1
        self.failures[key] = (count, truncate(content, 300))
        content = truncate(content, self.max_result_chars)
        if error_type != "GuardRefusal":
            content = f"ERROR ({error_type}): {content}"
            if count >= self.max_repeats:
                content += f"\nThis call has now failed {count} times and will not be run again."
        return error_type, content, None

    def _execute(self, call: ToolCall) -> tuple[str | None, str, Any]:
        if call.error:
            return "ModelBehaviorError", call.error, None
        veto = self.guard(call, self.session) if self.guard else None
        if veto:
            return "GuardRefusal", f"Call refused: {veto}", None
        try:
            value = self.registry.call(call.name, call.arguments, session=self.session)
        except (ModelBehaviorError, ToolInputError, ToolExecutionError) as exc:
            return type(exc).__name__, str(exc), None
        try:
            text = self.summarize(value)
        except Exception as exc:  # noqa: BLE001 - a broken summariser must not end the loop
            text = f"{type(value).__name__} (summary failed: {type(exc).__name__}: {exc})"
        return (
            None,
            truncate(text if isinstance(text, str) else str(text), self.max_result_chars),
            value,
        )


def run_loop(
    model: ChatModel,
    registry: ToolRegistry,
    messages: list[dict],
    *,
    session: Any = None,
    max_turns: int = 12,
    summarize: Callable[[Any], str] = str,
    on_step: Callable[[Step], None] | None = None,
    guard: Callable[[ToolCall, Any], str | None] | None = None,
    max_result_chars: int = 4000,
    max_repeats: int = 3,
    temperature: float = 0.0,
    max_tokens: int = 1024,
) -> LoopResult:
    """Run the tool-calling loop until the model answers without tool calls.

    Parameters
    ----------
    model : ChatModel
        The model backend.
    registry : ToolRegistry
        Tools offered to the model (all of them, in the OpenAI ``tools=`` format).
    messages : list of dict
        The conversation so far (system prompt, earlier turns, the new question); not modified.
    session : object, optional
        Passed to tools that take a ``session`` argument.
    max_turns : int
        Maximum number of model calls.
    summarize : callable
        Turns a tool's return value into the text the model sees (cut to ``max_result_chars``).
    on_step : callable, optional
        Called with each :class:`Step` as it happens (progress display).
    guard : callable, optional
        ``guard(call, session) -> message or None`` before each tool call, and with
        ``ToolCall(name=FINAL_ANSWER, arguments={"answer": text})`` before accepting an answer;
        a returned message refuses it and is sent back to the model.
    max_result_chars : int
        Maximum characters of one tool result or error sent to the model.
    max_repeats : int
        Failures after which an identical call (same tool, same arguments) is no longer run.
    temperature, max_tokens
        Passed to ``model.chat``.

    Returns
    -------
    LoopResult

    Raises
    ------
    MaxTurnsExceeded
        No final answer after ``max_turns`` model calls; ``exc.result`` holds the partial result.
    BackendError
        The backend failed (unreachable server, bad key): a user error, not the model's.
    """
    if not isinstance(max_turns, int) or max_turns < 1:
        raise InvalidInputError(f"max_turns must be a positive integer; got {max_turns!r}.")
    messages = [dict(m) for m in messages]
    tools = registry.openai_schemas() if len(registry) else None
    runner = _CallRunner(registry, session, guard, summarize, max_result_chars, max_repeats)
    result = LoopResult(answer="", steps=[], messages=messages, tool_results=[], turns=0, usage={})

    def emit(step: Step) -> None:
        result.steps.append(step)
        if on_step is not None:
            on_step(step)

    for turn in range(1, max_turns + 1):
        result.turns = turn
        t0 = time.perf_counter()
        response = model.chat(messages, tools, temperature=temperature, max_tokens=max_tokens)
        _add_usage(result.usage, response.usage or {})
        messages.append(assistant_message(response))
        text = response.content or ""
        result.answer = text or result.answer
        called = {"tool_calls": [c.name for c in response.tool_calls]}
        emit(Step("model", model.name, called, text, time.perf_counter() - t0, turn))

        if not response.tool_calls:
            if not text.strip():
                messages.append(
                    user("Your reply was empty. Call a tool or give your final answer.")
                )
                continue
            answer = ToolCall(f"answer_{turn}", FINAL_ANSWER, {"answer": text}, raw=text)
            veto = guard(answer, session) if guard else None
            if veto:
                emit(Step("error", FINAL_ANSWER, {}, veto, 0.0, turn, error="GuardRefusal"))
                messages.append(user(f"Your answer was not accepted: {veto}"))
                continue
            emit(Step("answer", FINAL_ANSWER, {}, text, 0.0, turn))
            return result

        for call in response.tool_calls:
            t1 = time.perf_counter()
            error_type, content, value = runner.run(call)
            kind: StepKind = "tool" if error_type is None else "error"
            elapsed = time.perf_counter() - t1
            emit(Step(kind, call.name, call.arguments, content, elapsed, turn, call.id, error_type))
            if error_type is None:
                result.tool_results.append((call, value))
            messages.append(tool_message(call, content))

    exc = MaxTurnsExceeded(
        f"No final answer after {max_turns} model turns ({len(result.tool_results)} successful "
        "tool calls). Raise max_turns, ask a narrower question, or use the guided workflow."
    )
    exc.result = result  # type: ignore[attr-defined]
    raise exc
