"""The OpenAI backend against a small OpenAI-compatible server on 127.0.0.1 started by the test."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from agent.exceptions import BackendError
from agent.llm import load_model
from agent.loop import run_loop


class FakeOpenAIServer:
    """Answers POST /v1/chat/completions from a script; records request bodies."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.bodies: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.bodies.append(body)
                if self.path != "/v1/chat/completions" or not outer.replies:
                    status, payload = (
                        404,
                        {"error": {"message": f"no route or no reply for {self.path}"}},
                    )
                else:
                    status, payload = 200, outer.replies.pop(0)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def test_loop_against_local_fake_server(registry, make_completion):
    replies = [
        make_completion(None, [("call_1", "add", '{"a": 40, "b": 2}')]),
        make_completion("The answer is 42."),
    ]
    with FakeOpenAIServer(replies) as server:
        # trust_env=False: a proxy from the environment must not intercept 127.0.0.1
        model = load_model(
            "fake-model",
            base_url=server.url,
            timeout=10,
            max_retries=0,
            http_client=httpx.Client(trust_env=False, timeout=10),
        )
        result = run_loop(model, registry, [{"role": "user", "content": "40 + 2?"}], max_turns=3)
    assert result.answer == "The answer is 42."
    assert result.tool_results[0][1] == 42
    assert [b["model"] for b in server.bodies] == ["fake-model", "fake-model"]
    assert server.bodies[0]["tools"][0]["function"]["name"] == "add"
    assert server.bodies[1]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "42",
    }


def test_fake_server_errors_become_backend_errors():
    with FakeOpenAIServer([]) as server:
        model = load_model(
            "m",
            base_url=server.url,
            timeout=10,
            max_retries=0,
            http_client=httpx.Client(trust_env=False, timeout=10),
        )
        with pytest.raises(BackendError, match="Not found"):
            model.chat([{"role": "user", "content": "hi"}])
    # the server is gone now: a connection error, retried once, then a clear message
    with pytest.raises(BackendError, match="Cannot reach the model server"):
        load_model(
            "m",
            base_url=server.url,
            max_retries=1,
            retry_backoff=0.0,
            http_client=httpx.Client(trust_env=False, timeout=2),
        ).chat([{"role": "user", "content": "hi"}])
