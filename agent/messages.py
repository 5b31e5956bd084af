"""Chat messages, tool calls and model replies: the data every backend and the loop share.

Messages are plain OpenAI-style dicts (``{"role": ..., "content": ...}``; assistant messages may
carry ``tool_calls``; tool results are ``{"role": "tool", "tool_call_id": ..., "content": ...}``).
This module builds them, converts them for servers with quirks, and implements the *JSON
fallback* used with models that have no native tool calling: the tools are described in the
system prompt and the model answers with ``{"tool": name, "arguments": {...}}`` or
``{"answer": "..."}``. Replies are parsed strictly with :mod:`json` (never ``eval``).

Examples
--------
>>> reply = parse_json_reply('```json\\n{"tool": "add", "arguments": {"a": 1}}\\n```', ["add"])
>>> reply.tool_calls[0].name, reply.tool_calls[0].arguments
('add', {'a': 1})
>>> parse_json_reply('{"answer": "42"}', ["add"]).content
'42'
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ToolCall",
    "ModelResponse",
    "system",
    "user",
    "assistant_message",
    "tool_message",
    "decode_arguments",
    "make_tool_call",
    "new_call_id",
    "normalise_messages",
    "to_fallback_messages",
    "tools_system_prompt",
    "parse_json_reply",
    "truncate",
]

_CALL_IDS = itertools.count(1)


@dataclass(frozen=True)
class ToolCall:
    """One tool call requested by the model.

    Attributes
    ----------
    id : str
        The call id (from the server, or generated).
    name : str
        Tool name as the model wrote it (may be unknown to the registry).
    arguments : dict
        JSON-decoded arguments; ``{}`` when they could not be decoded (see ``error``).
    raw : str
        The arguments exactly as the model wrote them.
    error : str or None
        Why the call is malformed (invalid JSON, not an object), or None for a well-formed call.
    """

    id: str
    name: str
    arguments: dict = field(default_factory=dict)
    raw: str = ""
    error: str | None = None


@dataclass(frozen=True)
class ModelResponse:
    """A model's reply: text and/or tool calls, token usage and the backend's raw object."""

    content: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    usage: dict = field(default_factory=dict)
    raw: Any = None


def new_call_id() -> str:
    """A fresh call id for backends that do not provide one (``call_1``, ``call_2``, ...)."""
    return f"call_{next(_CALL_IDS)}"


def decode_arguments(raw: Any) -> tuple[dict, str | None]:
    """Decode tool-call arguments; return ``(arguments, error)``.

    ``raw`` may be a JSON string, a dict (already decoded) or None (no arguments).
    ``error`` is None on success, otherwise a message the model can act on.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}, None
    if isinstance(raw, dict):
        return dict(raw), None
    if not isinstance(raw, str):
        return {}, f"Tool arguments must be a JSON object; got {type(raw).__name__}."
    try:
        value = json.loads(_strip_fences(raw))
    except json.JSONDecodeError as exc:
        return (
            {},
            f"Tool arguments are not valid JSON ({exc.msg} at position {exc.pos}): {truncate(raw, 200)}",
        )
    if not isinstance(value, dict):
        return (
            {},
            f"Tool arguments must be a JSON object; got {type(value).__name__}: {truncate(raw, 200)}",
        )
    return value, None


def make_tool_call(name: str, arguments: Any, call_id: str | None = None) -> ToolCall:
    """Build a :class:`ToolCall`, decoding ``arguments`` and recording any decoding error."""
    decoded, error = decode_arguments(arguments)
    raw = (
        arguments
        if isinstance(arguments, str)
        else json.dumps(arguments if arguments is not None else {})
    )
    return ToolCall(
        id=call_id or new_call_id(), name=str(name), arguments=decoded, raw=raw, error=error
    )


def system(text: str) -> dict:
    """A system message."""
    return {"role": "system", "content": text}


def user(text: str) -> dict:
    """A user message."""
    return {"role": "user", "content": text}


def assistant_message(response: ModelResponse) -> dict:
    """The assistant message recording ``response`` (with ``tool_calls`` in OpenAI format)."""
    msg: dict[str, Any] = {"role": "assistant", "content": response.content or ""}
    if response.tool_calls:
        msg["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.raw or json.dumps(c.arguments)},
            }
            for c in response.tool_calls
        ]
    return msg


def tool_message(call: ToolCall, content: str) -> dict:
    """The tool-result message answering ``call``."""
    return {"role": "tool", "tool_call_id": call.id, "name": call.name, "content": content}


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most about ``limit`` characters, with a marker saying how much was cut."""
    if limit <= 0 or len(text) <= limit:
        return text
    marker = f" ... [truncated {len(text) - limit} characters]"
    return text[:limit] + marker


def _tool_names_by_id(messages: Iterable[dict]) -> dict[str, str]:
    names: dict[str, str] = {}
    for m in messages:
        for c in m.get("tool_calls") or []:
            names[c.get("id", "")] = c.get("function", {}).get("name", "")
    return names


def _result_as_user(m: dict, names: dict[str, str]) -> dict:
    name = m.get("name") or names.get(m.get("tool_call_id", ""), "tool")
    return {
        "role": "user",
        "content": f"Result of tool `{name}` (call {m.get('tool_call_id', '?')}):\n{m.get('content') or ''}",
    }


def _merge_consecutive(messages: list[dict]) -> list[dict]:
    """Merge consecutive user/system messages without tool calls (strictly alternating templates)."""
    out: list[dict] = []
    for m in messages:
        if (
            out
            and m["role"] == out[-1]["role"]
            and m["role"] in ("user", "system")
            and set(m) == {"role", "content"}
            and set(out[-1]) == {"role", "content"}
        ):
            out[-1] = {"role": m["role"], "content": out[-1]["content"] + "\n\n" + m["content"]}
        else:
            out.append(m)
    return out


def normalise_messages(messages: Sequence[dict], *, tool_role: bool = True) -> list[dict]:
    """Copy ``messages`` in a form strict servers accept.

    ``content: None`` becomes ``""`` (llama.cpp rejects null content); with ``tool_role=False``
    tool results become user messages (llama.cpp's ``chatml-function-calling`` drops role
    ``"tool"``) and consecutive user messages are merged.
    """
    names = _tool_names_by_id(messages)
    out: list[dict] = []
    for m in messages:
        m = dict(m)
        if m.get("content") is None:
            m["content"] = ""
        if m["role"] == "tool":
            if not tool_role:
                m = _result_as_user(m, names)
            else:
                m.pop("name", None)
        out.append(m)
    return _merge_consecutive(out) if not tool_role else out


def tools_system_prompt(tools: Sequence[dict]) -> str:
    """The system-prompt text describing ``tools`` (OpenAI ``tools=`` format) for the JSON fallback."""
    lines = [
        "You can call tools. To call a tool, reply with ONLY a JSON object of the form",
        '{"tool": "<tool name>", "arguments": {<arguments>}}',
        "and nothing else. You will receive the tool's result in the next message.",
        'When you have the final answer, reply with ONLY {"answer": "<your answer>"}.',
        "Available tools:",
    ]
    for t in tools:
        fn = t.get("function", t)
        params = fn.get("parameters", {})
        lines.append(f"- {fn['name']}: {fn.get('description', '')}")
        lines.append(f"  arguments schema: {json.dumps(params, separators=(',', ':'))}")
    return "\n".join(lines)


def to_fallback_messages(messages: Sequence[dict], tools: Sequence[dict] | None) -> list[dict]:
    """Rewrite ``messages`` for a model without tool support (JSON fallback).

    Assistant tool calls become their JSON text, tool results become user messages, the tools
    are described in the (first) system message, and consecutive user messages are merged.
    """
    names = _tool_names_by_id(messages)
    out: list[dict] = []
    for m in messages:
        role = m["role"]
        if role == "tool":
            out.append(_result_as_user(m, names))
        elif role == "assistant" and m.get("tool_calls"):
            calls = []
            for c in m["tool_calls"]:
                fn = c.get("function", {})
                args, err = decode_arguments(fn.get("arguments"))
                calls.append(
                    json.dumps(
                        {
                            "tool": fn.get("name", ""),
                            "arguments": args if not err else fn.get("arguments"),
                        }
                    )
                )
            text = (m.get("content") or "").strip()
            out.append(
                {"role": "assistant", "content": "\n".join(([text] if text else []) + calls)}
            )
        else:
            out.append({"role": role, "content": m.get("content") or ""})
    if tools:
        prompt = tools_system_prompt(tools)
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": out[0]["content"] + "\n\n" + prompt}
        else:
            out.insert(0, {"role": "system", "content": prompt})
    return _merge_consecutive(out)


_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.S)
_TAGS = re.compile(r"</?(tool_call|tool_calls|function_call|json)>", re.I)
_LOOKS_LIKE_CALL = re.compile(r'["\'](tool|name|function)["\']\s*:', re.I)
_NAME = re.compile(r'["\'](?:tool|name|function)["\']\s*:\s*["\']([A-Za-z0-9_.-]+)["\']')


def _strip_fences(text: str) -> str:
    m = _FENCE.match(text)
    return m.group(1) if m else text


def _first_json(text: str) -> Any:
    """The first JSON object or array in ``text``; raises ValueError if there is none."""
    decoder = json.JSONDecoder()
    text = _TAGS.sub("", _strip_fences(text.strip())).strip()
    first_error: Exception | None = None
    # only the first "{" and the first "[": a later brace is usually inside a broken object
    starts = sorted({i for i in (text.find("{"), text.find("[")) if i >= 0})
    for i in starts:
        try:
            value = decoder.raw_decode(text, i)[0]
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
            continue
        if isinstance(value, dict) or any(isinstance(v, dict) for v in value):
            return value
    raise ValueError(str(first_error) if first_error else "no JSON object found")


def _call_from_obj(obj: dict) -> ToolCall | None:
    name = obj.get("tool", obj.get("name"))
    if isinstance(obj.get("function"), dict):  # {"function": {"name": ..., "arguments": ...}}
        obj = obj["function"]
        name = obj.get("name")
    if not isinstance(name, str):
        return None
    args: Any = next((obj[k] for k in ("arguments", "parameters", "args", "input") if k in obj), {})
    return make_tool_call(name, args)


def parse_json_reply(
    text: str | None, tool_names: Sequence[str] | None = None, *, strict: bool = False
) -> ModelResponse:
    """Parse a JSON-fallback reply into a :class:`ModelResponse`.

    Accepts ``{"tool": ..., "arguments": ...}`` (also ``name``/``parameters`` spellings, a list
    of such objects, code fences and ``<tool_call>`` tags) and ``{"answer": ...}``. Plain text is
    a final answer. Text that clearly tries to call a tool but is not valid JSON becomes a
    :class:`ToolCall` with ``error`` set, so the loop can tell the model what went wrong.

    With ``strict=True`` only a reply that is wholly a call to one of ``tool_names`` counts as a
    call (used to rescue native-mode replies that wrote the call as text); otherwise the text
    is returned unchanged as content.
    """
    text = text or ""
    try:
        obj = _first_json(text)
    except ValueError as exc:
        if strict or not _LOOKS_LIKE_CALL.search(text):
            return ModelResponse(content=text)
        m = _NAME.search(text)
        err = f"Could not parse your tool call as JSON ({exc}). Reply with exactly one JSON object."
        return ModelResponse(
            content=None,
            tool_calls=(
                ToolCall(id=new_call_id(), name=m.group(1) if m else "", raw=text, error=err),
            ),
        )
    items = obj if isinstance(obj, list) else [obj]
    calls = [c for c in (_call_from_obj(o) for o in items if isinstance(o, dict)) if c is not None]
    if strict and (
        not calls or any(tool_names is not None and c.name not in tool_names for c in calls)
    ):
        return ModelResponse(content=text)
    if calls:
        return ModelResponse(content=None, tool_calls=tuple(calls))
    if isinstance(obj, dict) and "answer" in obj:
        answer = obj["answer"]
        return ModelResponse(content=answer if isinstance(answer, str) else json.dumps(answer))
    return ModelResponse(content=text)
