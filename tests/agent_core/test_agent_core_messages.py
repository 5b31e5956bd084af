"""Message conversion, the JSON-fallback parser, choice parsing and the scripted model."""

from __future__ import annotations

import math

import pytest

from agent.exceptions import ModelBehaviorError
from agent.llm import ChatModel, choice_prompt, parse_choice
from agent.messages import (
    ModelResponse,
    decode_arguments,
    normalise_messages,
    parse_json_reply,
    to_fallback_messages,
    truncate,
)
from agent.testing import ScriptedModel, ScriptError, ScriptExhaustedError
from causalkit.exceptions import InvalidInputError

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two integers.",
            "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}},
        },
    }
]

HISTORY = [
    {"role": "system", "content": "sys"},
    {"role": "user", "content": "q"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1}'}},
            {"id": "c2", "type": "function", "function": {"name": "add", "arguments": '{"a": 2}'}},
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "name": "add", "content": "2"},
    {"role": "tool", "tool_call_id": "c2", "content": "3"},
]


@pytest.mark.parametrize(
    "text",
    [
        '{"tool": "add", "arguments": {"a": 1}}',
        '```json\n{"tool": "add", "arguments": {"a": 1}}\n```',
        '<tool_call>{"name": "add", "arguments": {"a": 1}}</tool_call>',
        'Sure, calling it: {"name": "add", "parameters": {"a": 1}}',
        '{"tool": "add", "arguments": "{\\"a\\": 1}"}',
        '[{"function": {"name": "add", "arguments": {"a": 1}}}]',
    ],
)
def test_parse_json_reply_tool_call_spellings(text):
    reply = parse_json_reply(text, ["add"])
    assert reply.content is None and len(reply.tool_calls) == 1
    call = reply.tool_calls[0]
    assert (call.name, call.arguments, call.error) == ("add", {"a": 1}, None)


def test_parse_json_reply_answers_and_errors():
    assert parse_json_reply('{"answer": "It is 5."}', ["add"]).content == "It is 5."
    assert parse_json_reply('{"answer": {"ate": 1.5}}', ["add"]).content == '{"ate": 1.5}'
    assert parse_json_reply("The effect is 1.5.", ["add"]) == ModelResponse(
        content="The effect is 1.5."
    )
    broken = parse_json_reply('{"tool": "add", "arguments": {"a": 1}', ["add"])
    assert broken.tool_calls[0].name == "add" and "Could not parse" in broken.tool_calls[0].error
    bad_args = parse_json_reply('{"tool": "add", "arguments": "{a: 1}"}', ["add"]).tool_calls[0]
    assert bad_args.arguments == {} and "not valid JSON" in bad_args.error
    # strict mode (rescuing native replies) accepts only whole calls to known tools
    assert (
        parse_json_reply('{"tool": "rm", "arguments": {}}', ["add"], strict=True).tool_calls == ()
    )
    assert parse_json_reply(
        '{"tool": "add", "arguments": {', ["add"], strict=True
    ).content.startswith('{"tool"')
    # never evaluated: a Python expression is just text
    assert parse_json_reply("__import__('os').system('echo hi')", ["add"]).content.startswith(
        "__import__"
    )


def test_decode_arguments():
    assert decode_arguments('{"a": 1}') == ({"a": 1}, None)
    assert decode_arguments(None) == ({}, None) and decode_arguments("  ") == ({}, None)
    assert decode_arguments({"a": 1}) == ({"a": 1}, None)
    assert (
        "NaN" not in decode_arguments('{"a": 1')[1]
        and "not valid JSON" in decode_arguments('{"a": 1')[1]
    )
    assert "got list" in decode_arguments("[1]")[1]


def test_fallback_messages_rewrite_tool_traffic_as_text():
    out = to_fallback_messages(HISTORY, TOOLS)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user"]
    assert out[0]["content"].startswith("sys\n\nYou can call tools")
    assert "- add: Add two integers." in out[0]["content"]
    assert (
        out[2]["content"]
        == '{"tool": "add", "arguments": {"a": 1}}\n{"tool": "add", "arguments": {"a": 2}}'
    )
    assert (
        out[3]["content"]
        == "Result of tool `add` (call c1):\n2\n\nResult of tool `add` (call c2):\n3"
    )
    assert all(set(m) == {"role", "content"} for m in out)


def test_normalise_messages_for_strict_servers():
    native = normalise_messages(HISTORY)
    assert native[2]["content"] == "" and native[3] == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": "2",
    }
    no_tool_role = normalise_messages(HISTORY, tool_role=False)
    assert [m["role"] for m in no_tool_role] == ["system", "user", "assistant", "user"]
    assert no_tool_role[2]["tool_calls"] == HISTORY[2]["tool_calls"]
    assert HISTORY[2]["content"] is None  # input untouched


def test_truncate():
    assert truncate("abc", 5) == "abc"
    assert truncate("abcdefgh", 3) == "abc ... [truncated 5 characters]"


def test_parse_choice_numbers_then_text():
    options = ["backdoor adjustment", "instrumental variable", "front-door"]
    assert parse_choice("2", options) == 1
    assert parse_choice(" 3. front-door", options) == 2
    assert parse_choice("Option 1", options) == 0
    assert parse_choice("I would use an Instrumental Variable here", options) == 1
    assert parse_choice("front-door", options) == 2
    assert parse_choice("the answer is (2)", options) == 1
    with pytest.raises(ModelBehaviorError, match="names none of the 3 options"):
        parse_choice("7", options)
    prompt = choice_prompt("Which?", options)
    assert "1. backdoor adjustment\n2. instrumental variable\n3. front-door" in prompt


class EchoModel(ChatModel):
    """Answers chat with a fixed text (exercises the default numbered-list choose)."""

    name = "echo"

    def __init__(self, reply):
        self.reply, self.seen = reply, []

    def chat(self, messages, tools=None, *, temperature=0.0, max_tokens=1024):
        self.seen.append(messages)
        return ModelResponse(content=self.reply)


def test_default_choose_parses_reply():
    model = EchoModel("2")
    index, scores = model.choose("Pick", ["x", "y", "z"])
    assert index == 1 and scores == [-math.inf, 0.0, -math.inf]
    assert "2. y" in model.seen[0][-1]["content"]
    assert EchoModel("I choose z").choose("Pick", ["x", "y", "z"])[0] == 2
    with pytest.raises(InvalidInputError):
        model.choose("Pick", [])
    with pytest.raises(InvalidInputError, match="distinct"):
        model.choose("Pick", ["a", "a"])


def test_scripted_model_replays_records_and_reports_exhaustion():
    model = ScriptedModel(
        [
            {
                "tool_calls": [
                    {"tool": "add", "arguments": {"a": 1}},
                    {"tool": "add", "arguments": '{"a": 2}', "id": "k"},
                ]
            },
            lambda messages, tools: f"saw {len(messages)} messages and {len(tools)} tools",
            {"choose": 2},
            lambda prompt, options: options.index("b"),
            "b",
        ]
    )
    first = model.chat([{"role": "user", "content": "x"}], TOOLS)
    assert [c.arguments for c in first.tool_calls] == [{"a": 1}, {"a": 2}] and first.tool_calls[
        1
    ].id == "k"
    assert (
        model.chat([{"role": "user", "content": "x"}] * 2, TOOLS).content
        == "saw 2 messages and 1 tools"
    )
    assert model.choose("q", ["a", "b", "c"]) == (2, [-math.inf, -math.inf, 0.0])
    assert model.choose("q", ["a", "b"])[0] == 1
    assert model.choose("q", ["a", "b"])[0] == 1  # option text
    assert [r["kind"] for r in model.requests] == ["chat", "chat", "choose", "choose", "choose"]
    assert model.requests[0]["tools"] == TOOLS and model.remaining == 0
    with pytest.raises(ScriptExhaustedError, match="ran out of steps: request 6 \\(chat\\)"):
        model.chat([])
    with pytest.raises(ScriptError, match="not a valid choice"):
        ScriptedModel([{"choose": 5}]).choose("q", ["a", "b"])
    with pytest.raises(ScriptError, match="Cannot turn"):
        ScriptedModel([{"choose": 0}]).chat([])
