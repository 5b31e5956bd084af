"""The agent loop over a toy registry, driven by a scripted model."""

from __future__ import annotations

import json

import pytest

from agent.exceptions import MaxTurnsExceeded
from agent.loop import FINAL_ANSWER, Step, run_loop
from agent.messages import ModelResponse, ToolCall
from agent.testing import ScriptedModel
from causalkit.exceptions import InvalidInputError

QUESTION = [
    {"role": "system", "content": "You are a calculator."},
    {"role": "user", "content": "What is 2 + 3?"},
]


def tool_messages(messages):
    return [m for m in messages if m["role"] == "tool"]


def test_round_trip_sends_schemas_and_results(registry, counter):
    model = ScriptedModel(
        [{"tool": "add", "arguments": {"a": 2, "b": 3}, "id": "c1"}, {"content": "The sum is 5."}]
    )
    result = run_loop(model, registry, QUESTION)
    assert result.answer == "The sum is 5."
    assert result.turns == 2
    assert counter.calls == [("add", {"a": 2, "b": 3})]
    call, value = result.tool_results[0]
    assert (call.name, call.arguments, value) == ("add", {"a": 2, "b": 3}, 5)
    assert [s.kind for s in result.steps] == ["model", "tool", "model", "answer"]
    # the model got every tool schema, and on turn 2 the assistant call and the tool result
    first, second = model.requests
    assert [t["function"]["name"] for t in first["tools"]] == ["add", "divide", "lookup"]
    assert first["tools"] == registry.openai_schemas()
    assert second["messages"][-2]["tool_calls"][0]["id"] == "c1"
    assert second["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "c1",
        "name": "add",
        "content": "5",
    }
    assert (
        QUESTION[-1] == {"role": "user", "content": "What is 2 + 3?"} and len(QUESTION) == 2
    )  # not mutated
    assert result.messages[-1] == {"role": "assistant", "content": "The sum is 5."}


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"a": 2, "b": ', "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({"a": "two"}, "a: 'two' is not of type 'integer'"),
        ({"a": 1, "c": 2}, "Additional properties are not allowed ('c' was unexpected)"),
        ({"b": 2}, "'a' is a required property"),
    ],
)
def test_malformed_calls_go_back_to_the_model(registry, counter, arguments, expected):
    model = ScriptedModel(
        [{"tool": "add", "arguments": arguments}, {"tool": "add", "arguments": {"a": 1}}, "2"]
    )
    result = run_loop(model, registry, QUESTION)
    assert result.answer == "2"
    assert counter.calls == [("add", {"a": 1, "b": 1})]  # the malformed call never ran
    error = tool_messages(model.requests[1]["messages"])[-1]["content"]
    assert error.startswith("ERROR (") and expected in error
    assert result.steps[1].kind == "error" and result.steps[1].error in (
        "ModelBehaviorError",
        "ToolInputError",
    )


def test_unknown_tool_lists_available_tools(registry, counter):
    model = ScriptedModel([{"tool": "multiply", "arguments": {"a": 1}}, "sorry"])
    result = run_loop(model, registry, QUESTION)
    error = tool_messages(result.messages)[0]["content"]
    assert "ModelBehaviorError" in error and "Unknown tool 'multiply'" in error
    assert "add, divide, lookup" in error
    assert counter.calls == []


def test_tool_exception_is_reported_not_raised(registry):
    model = ScriptedModel(
        [
            {"tool": "divide", "arguments": {"a": 1, "b": 0}},
            {"tool": "divide", "arguments": {"a": 1, "b": 4}},
            "0.25",
        ]
    )
    result = run_loop(model, registry, QUESTION)
    contents = [m["content"] for m in tool_messages(result.messages)]
    assert contents[0].startswith("ERROR (ToolExecutionError): ZeroDivisionError")
    assert contents[1] == "0.25"
    assert [v for _, v in result.tool_results] == [0.25]


def test_max_turns_raises_with_partial_result(registry, counter):
    model = ScriptedModel([], default={"tool": "add", "arguments": {"a": 1}, "content": "thinking"})
    with pytest.raises(MaxTurnsExceeded, match="after 4 model turns") as info:
        run_loop(model, registry, QUESTION, max_turns=4)
    partial = info.value.result
    assert partial.turns == 4 and len(model.requests) == 4
    assert len(partial.tool_results) == 4 and len(counter.calls) == 4
    assert partial.answer == "thinking"
    with pytest.raises(InvalidInputError, match="max_turns"):
        run_loop(model, registry, QUESTION, max_turns=0)


def test_repeated_identical_failures_are_cut_off(registry, counter):
    bad = {"tool": "divide", "arguments": {"a": 1, "b": 0}}
    model = ScriptedModel([bad] * 5 + [{"tool": "divide", "arguments": {"a": 1, "b": 2}}, "done"])
    result = run_loop(model, registry, QUESTION)
    assert result.answer == "done"
    assert counter.calls.count(("divide", {"a": 1, "b": 0})) == 3  # the 4th and 5th were not run
    contents = [m["content"] for m in tool_messages(result.messages)]
    assert "will not be run again" in contents[2]
    assert (
        contents[3].startswith("Not run: this identical call")
        and "ZeroDivisionError" in contents[3]
    )
    assert contents[5] == "0.5"
    assert [s.error for s in result.steps if s.kind == "error"][-2:] == [
        "RepeatedFailure",
        "RepeatedFailure",
    ]


def test_guard_vetoes_calls_and_answers(registry, counter):
    seen: list[ToolCall] = []

    def guard(call, session):
        seen.append(call)
        if call.name == "divide":
            return "division is not allowed here"
        if call.name == FINAL_ANSWER and "5" not in call.arguments["answer"]:
            return "the answer must state the number"
        return None

    model = ScriptedModel(
        [{"tool": "divide", "arguments": {"a": 1, "b": 2}}, "It is big.", "It is 5."]
    )
    result = run_loop(model, registry, QUESTION, guard=guard, session={"x": 1})
    assert result.answer == "It is 5." and result.turns == 3
    assert counter.calls == []
    assert (
        tool_messages(model.requests[1]["messages"])[0]["content"]
        == "Call refused: division is not allowed here"
    )
    assert model.requests[2]["messages"][-1] == {
        "role": "user",
        "content": "Your answer was not accepted: the answer must state the number",
    }
    assert [c.name for c in seen] == ["divide", FINAL_ANSWER, FINAL_ANSWER]
    assert seen[1].arguments == {"answer": "It is big."}


def test_session_summarize_truncation_and_progress(registry):
    session = {"x": "v" * 500, "y": 2}
    events: list[Step] = []
    model = ScriptedModel(
        [
            ModelResponse(
                None,
                (ToolCall("a", "lookup", {"key": "x"}), ToolCall("b", "lookup", {"key": "y"})),
                {"prompt_tokens": 7},
            ),
            ModelResponse("x is long", (), {"prompt_tokens": 5, "completion_tokens": 2}),
        ]
    )
    result = run_loop(
        model,
        registry,
        QUESTION,
        session=session,
        summarize=lambda v: f"value={v}",
        max_result_chars=50,
        on_step=events.append,
    )
    first, second = tool_messages(result.messages)
    assert (first["tool_call_id"], second["tool_call_id"]) == ("a", "b")
    assert first["content"] == "value=" + "v" * 44 + " ... [truncated 456 characters]"
    assert second["content"] == "value=2"
    assert events == result.steps and [e.kind for e in events] == [
        "model",
        "tool",
        "tool",
        "model",
        "answer",
    ]
    assert result.usage == {"prompt_tokens": 12, "completion_tokens": 2}
    assert [v for _, v in result.tool_results] == ["v" * 500, "2"]  # full values stay in Python


def test_empty_reply_is_nudged(registry):
    model = ScriptedModel(["", "five"])
    result = run_loop(model, registry, QUESTION)
    assert result.answer == "five" and result.turns == 2
    assert model.requests[1]["messages"][-1]["content"].startswith("Your reply was empty")


def test_broken_summarizer_does_not_crash(registry):
    def bad(_):
        raise RuntimeError("boom")

    model = ScriptedModel([{"tool": "add", "arguments": {"a": 1}}, "ok"])
    result = run_loop(model, registry, QUESTION, summarize=bad)
    assert "summary failed: RuntimeError: boom" in tool_messages(result.messages)[0]["content"]
    assert json.dumps(result.messages)  # messages stay JSON-serialisable
