"""Fixtures for the agent-core tests: a toy tool registry and OpenAI-format response builders."""

from __future__ import annotations

from typing import Literal

import pytest

from agent.registry import ToolRegistry


class Counter:
    """Counts real tool executions."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def registry(counter: Counter) -> ToolRegistry:
    """Three toy tools: add (ints), divide (raises on zero), lookup (reads the session)."""
    reg = ToolRegistry()

    @reg.tool
    def add(a: int, b: int = 1) -> int:
        """Add two integers.

        Parameters
        ----------
        a : int
            First number.
        b : int
            Second number.
        """
        counter.calls.append(("add", {"a": a, "b": b}))
        return a + b

    @reg.tool
    def divide(a: float, b: float) -> float:
        """Divide a by b.

        Parameters
        ----------
        a : float
            Numerator.
        b : float
            Denominator.
        """
        counter.calls.append(("divide", {"a": a, "b": b}))
        return a / b

    @reg.tool
    def lookup(key: Literal["x", "y"], session: dict | None = None) -> str:
        """Look a key up in the session.

        Parameters
        ----------
        key : {"x", "y"}
            Which entry.
        """
        counter.calls.append(("lookup", {"key": key}))
        return str(session[key])

    return reg


def completion(
    content: str | None = None,
    tool_calls: list[tuple[str, str, str]] | None = None,
    *,
    logprobs=None,
) -> dict:
    """A /v1/chat/completions response body; tool_calls are (id, name, arguments-json) triples."""
    message: dict = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
            for i, n, a in tool_calls
        ]
    choice: dict = {
        "index": 0,
        "finish_reason": "tool_calls" if tool_calls else "stop",
        "message": message,
    }
    if logprobs is not None:
        choice["logprobs"] = {"content": logprobs}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [choice],
        "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
    }


@pytest.fixture
def make_completion():
    return completion
