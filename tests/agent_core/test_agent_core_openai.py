"""The OpenAI-compatible backend against httpx.MockTransport (no network)."""

from __future__ import annotations

import json
import math

import httpx
import pytest

from agent.backends.openai_backend import OpenAIChatModel
from agent.exceptions import BackendError
from agent.llm import load_model
from agent.loop import run_loop

QUESTION = [
    {"role": "system", "content": "You are a calculator."},
    {"role": "user", "content": "What is 2 + 3?"},
]


class Server:
    """A scripted HTTP handler: replies from a queue, records every request body."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/chat/completions")
        body = json.loads(request.content)
        self.bodies.append(body)
        reply = self.replies.pop(0)
        if callable(reply):
            reply = reply(body)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return httpx.Response(200, json=reply)


def make_model(server, **kw):
    kw.setdefault("retry_backoff", 0.0)
    return OpenAIChatModel(
        "test-model",
        base_url="http://llm.test/v1",
        api_key="sk-test",
        http_client=httpx.Client(transport=httpx.MockTransport(server)),
        **kw,
    )


def error(status, message, headers=None):
    return httpx.Response(
        status,
        json={"error": {"message": message, "type": "invalid_request_error"}},
        headers=headers,
    )


def test_native_tool_call_round_trip(registry, make_completion):
    server = Server(
        [
            make_completion(None, [("call_abc", "add", '{"a": 2, "b": 3}')]),
            make_completion("2 + 3 = 5"),
        ]
    )
    model = make_model(server)
    result = run_loop(model, registry, QUESTION)
    assert result.answer == "2 + 3 = 5"
    assert result.tool_results[0][1] == 5
    first, second = server.bodies
    assert first["model"] == "test-model" and first["temperature"] == 0.0
    assert first["tools"] == registry.openai_schemas()
    assert first["tools"][0]["function"]["parameters"]["additionalProperties"] is False
    assert second["messages"][2] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_abc",
                "type": "function",
                "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'},
            }
        ],
    }
    assert second["messages"][3] == {"role": "tool", "tool_call_id": "call_abc", "content": "5"}
    assert result.usage == {"prompt_tokens": 20, "completion_tokens": 6, "total_tokens": 26}


def test_tool_role_false_sends_results_as_user_messages(registry, make_completion):
    server = Server([make_completion(None, [("c9", "add", '{"a": 1}')]), make_completion("2")])
    run_loop(make_model(server, tool_role=False), registry, QUESTION)
    sent = server.bodies[1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[3]["content"] == "Result of tool `add` (call c9):\n2"
    assert all(m["content"] is not None for m in sent)


def test_json_fallback_path(registry, make_completion):
    server = Server(
        [
            make_completion('```json\n{"tool": "add", "arguments": {"a": 2, "b": 3}}\n```'),
            make_completion('{"answer": "It is 5."}'),
        ]
    )
    model = make_model(server, tool_mode="json")
    assert model.supports_tools is False
    result = run_loop(model, registry, QUESTION)
    assert result.answer == "It is 5." and result.tool_results[0][1] == 5
    first, second = server.bodies
    assert "tools" not in first and "tools" not in second
    assert "You can call tools" in first["messages"][0]["content"]
    assert "- add: Add two integers." in first["messages"][0]["content"]
    assert second["messages"][2] == {
        "role": "assistant",
        "content": '{"tool": "add", "arguments": {"a": 2, "b": 3}}',
    }
    assert second["messages"][3]["role"] == "user" and second["messages"][3]["content"].endswith(
        ":\n5"
    )


@pytest.mark.parametrize("status", [400, 422, 500])
def test_rejected_tools_switch_to_fallback(registry, make_completion, status):
    def reject_tools(body):
        return (
            error(status, "tools is not supported by this model")
            if "tools" in body
            else make_completion('{"tool": "add", "arguments": {"a": 4}}')
        )

    server = Server([reject_tools, reject_tools, lambda body: make_completion('{"answer": "5"}')])
    model = make_model(server)
    result = run_loop(model, registry, QUESTION)
    assert result.answer == "5" and result.tool_results[0][1] == 5
    assert model.tool_mode == "json" and model.supports_tools is False
    assert ["tools" in b for b in server.bodies] == [True, False, False]


def test_native_rescues_a_call_written_as_text(registry, make_completion):
    server = Server(
        [make_completion('{"name": "add", "arguments": {"a": 1}}'), make_completion("2")]
    )
    result = run_loop(make_model(server), registry, QUESTION)
    assert result.tool_results[0][1] == 2 and result.answer == "2"


def test_retries_on_500_then_success(make_completion):
    server = Server([error(500, "overloaded"), error(503, "busy"), make_completion("hello")])
    model = make_model(server, max_retries=3)
    assert model.chat(QUESTION).content == "hello"
    assert len(server.bodies) == 3


def test_retry_on_429_and_connection_errors_is_bounded(make_completion):
    server = Server([error(429, "slow down", {"retry-after": "0"}), make_completion("ok")])
    assert make_model(server).chat(QUESTION).content == "ok"
    server = Server([error(500, "down")] * 3)
    with pytest.raises(BackendError, match="rejected the request.*500"):
        make_model(server, max_retries=2).chat(QUESTION)
    assert len(server.bodies) == 3
    server = Server([httpx.ConnectError("refused")] * 2)
    with pytest.raises(
        BackendError, match="Cannot reach the model server at http://llm.test/v1 after 1 retries"
    ):
        make_model(server, max_retries=1).chat(QUESTION)
    assert len(server.bodies) == 2


def test_auth_and_not_found_errors_say_what_to_fix():
    server = Server([error(401, "Incorrect API key provided")])
    with pytest.raises(BackendError, match="Authentication failed.*OPENAI_API_KEY"):
        make_model(server).chat(QUESTION)
    assert len(server.bodies) == 1  # not retried
    server = Server([error(404, "model not found")])
    with pytest.raises(BackendError, match="Check the model name"):
        make_model(server).chat(QUESTION)


def test_timeout_is_a_backend_error():
    server = Server([httpx.ReadTimeout("slow")])
    with pytest.raises(BackendError, match="did not answer within 5 s"):
        make_model(server, timeout=5).chat(QUESTION)
    assert len(server.bodies) == 1


def test_max_tokens_parameter_adapts(make_completion):
    server = Server(
        [
            error(
                400,
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            ),
            make_completion("ok"),
            make_completion("again"),
        ]
    )
    model = make_model(server)
    assert model.chat(QUESTION, max_tokens=50).content == "ok"
    assert model.chat(QUESTION, max_tokens=60).content == "again"
    assert "max_tokens" in server.bodies[0]
    assert server.bodies[1]["max_completion_tokens"] == 50 and "max_tokens" not in server.bodies[1]
    assert server.bodies[2]["max_completion_tokens"] == 60


def test_choose_uses_digit_logprobs(make_completion):
    top = [
        {"token": "1", "logprob": -2.0, "bytes": None},
        {"token": "3", "logprob": -0.1, "bytes": None},
        {"token": " 2", "logprob": -3.0, "bytes": None},
    ]
    server = Server(
        [
            make_completion(
                "3", logprobs=[{"token": "3", "logprob": -0.1, "bytes": None, "top_logprobs": top}]
            )
        ]
    )
    index, scores = make_model(server).choose("Which estimator?", ["ipw", "regression", "dml"])
    assert index == 2 and scores == [-2.0, -3.0, -0.1]
    body = server.bodies[0]
    assert body["logprobs"] is True and body["top_logprobs"] == 10 and body["max_tokens"] == 8
    assert "1. ipw\n2. regression\n3. dml" in body["messages"][1]["content"]


def test_choose_without_logprobs_parses_the_answer(make_completion):
    server = Server([error(400, "logprobs are not supported"), make_completion("regression")])
    model = make_model(server)
    assert model.choose("Which?", ["ipw", "regression"]) == (1, [-math.inf, 0.0])
    assert "logprobs" not in server.bodies[1]
    server = Server([make_completion("2")])  # server ignores logprobs
    assert make_model(server).choose("Which?", ["ipw", "regression"])[0] == 1


def test_load_model_specs(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert load_model(None) is None and load_model("none") is None
    with pytest.raises(BackendError, match="OPENAI_API_KEY is not set"):
        load_model("openai:gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    model = load_model("openai:gpt-4o-mini")
    assert isinstance(model, OpenAIChatModel) and model.model == "gpt-4o-mini"
    assert model.base_url == "https://api.openai.com/v1" and model.client.api_key == "sk-env"
    monkeypatch.delenv("OPENAI_API_KEY")
    local = load_model("qwen2.5:7b", base_url="http://127.0.0.1:11434/v1", tool_mode="json")
    assert (local.model, local.base_url, local.tool_mode) == (
        "qwen2.5:7b",
        "http://127.0.0.1:11434/v1",
        "json",
    )
    assert load_model(local) is local
    with pytest.raises(BackendError, match="(?s)Unknown model spec 'gpt4'.*openai:MODEL"):
        load_model("gpt4")
    with pytest.raises(BackendError, match="neither 'smollm2'"):
        load_model("local:/no/such/dir")
    with pytest.raises(BackendError, match="tool_mode"):
        load_model("m", base_url="http://x/v1", tool_mode="magic")
