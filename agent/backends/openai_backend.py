"""OpenAI and OpenAI-compatible servers (vLLM, Ollama, llama.cpp server, LM Studio).

Native tool calls when the server supports them; otherwise (``tool_mode="json"``, or
automatically after the server rejects ``tools=`` with a 400) the *JSON fallback* of
:mod:`agent.messages`. Transient failures (429, 5xx, connection errors) are retried with
exponential backoff a bounded number of times; everything that remains becomes a
:class:`~agent.exceptions.BackendError` whose message says what to fix.

Examples
--------
>>> import httpx
>>> def handler(request):
...     return httpx.Response(200, json={"id": "1", "object": "chat.completion", "created": 0,
...         "model": "m", "choices": [{"index": 0, "finish_reason": "stop",
...         "message": {"role": "assistant", "content": "hello"}}]})
>>> model = OpenAIChatModel("m", base_url="http://test/v1",
...     http_client=httpx.Client(transport=httpx.MockTransport(handler)))
>>> model.chat([{"role": "user", "content": "hi"}]).content
'hello'
"""

from __future__ import annotations

import math
import os
import time
from typing import Any, Literal

import openai

from agent.exceptions import BackendError
from agent.llm import ChatModel, check_options, choice_messages, one_hot_scores, parse_choice
from agent.messages import (
    ModelResponse,
    make_tool_call,
    normalise_messages,
    parse_json_reply,
    to_fallback_messages,
)

__all__ = ["OpenAIChatModel"]

ToolMode = Literal["auto", "native", "json"]


class OpenAIChatModel(ChatModel):
    """A chat model behind the OpenAI API or an OpenAI-compatible server.

    Parameters
    ----------
    model : str
        Model name on the server (``gpt-4o-mini``, ``qwen2.5:7b``, ...).
    base_url : str, optional
        Server URL ending in ``/v1``; None means the OpenAI API (or ``OPENAI_BASE_URL``).
    api_key : str, optional
        Defaults to ``OPENAI_API_KEY``; local servers get a placeholder.
    tool_mode : {"auto", "native", "json"}
        ``native`` sends ``tools=``; ``json`` describes the tools in the system prompt and parses
        a JSON reply; ``auto`` starts native and switches to ``json`` for good if the server
        rejects ``tools=`` with a 400.
    tool_role : bool
        Send tool results as ``role: "tool"`` messages. Set False for servers that drop them
        (llama.cpp's ``chatml-function-calling``); they are then sent as user messages.
    timeout : float
        Seconds per request. Timeouts are not retried (a slow server would only queue more work).
    max_retries : int
        Retries of 429 / 5xx / connection errors.
    retry_backoff : float
        First retry delay in seconds; doubled each retry (capped at 30 s). ``Retry-After`` wins.
    http_client : httpx.Client, optional
        Custom HTTP client (proxies, ``httpx.MockTransport`` in tests).
    extra_body : dict, optional
        Extra JSON fields for every request (server-specific options).
    name : str, optional
        Display name; defaults to ``model``.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        tool_mode: ToolMode = "auto",
        tool_role: bool = True,
        timeout: float = 120.0,
        max_retries: int = 3,
        retry_backoff: float = 1.0,
        http_client: Any = None,
        extra_body: dict | None = None,
        name: str | None = None,
    ) -> None:
        if tool_mode not in ("auto", "native", "json"):
            raise BackendError(f"tool_mode must be 'auto', 'native' or 'json'; got {tool_mode!r}.")
        base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not api_key:
            if base_url is None:
                raise BackendError(
                    "OPENAI_API_KEY is not set. Export it (export OPENAI_API_KEY=sk-...), pass api_key=..., "
                    "or use a local OpenAI-compatible server with --base-url http://127.0.0.1:8080/v1."
                )
            api_key = "not-needed"  # local servers ignore the key but the client requires one
        self.model = model
        self.name = name or model
        self.base_url = base_url or "https://api.openai.com/v1"
        self.tool_mode: ToolMode = tool_mode
        self.tool_role = tool_role
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.retry_backoff = float(retry_backoff)
        self.extra_body = dict(extra_body or {})
        self._token_param = "max_tokens"
        self._send_temperature = True
        self._logprobs_ok = True
        self.client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key,
            timeout=self.timeout,
            max_retries=0,
            http_client=http_client,
        )

    @property
    def supports_tools(self) -> bool:  # type: ignore[override]
        """True while native tool calling is in use."""
        return self.tool_mode != "json"

    # -- requests ---------------------------------------------------------------------------

    def _create(self, **kwargs: Any) -> Any:
        """``chat.completions.create`` with retries and parameter adaptation; errors -> BackendError."""
        attempt = 0
        while True:
            params = dict(kwargs)
            tokens = params.pop("max_tokens")
            params[self._token_param] = tokens
            if not self._send_temperature:
                params.pop("temperature", None)
            if self.extra_body:
                params["extra_body"] = self.extra_body
            try:
                return self.client.chat.completions.create(**params)
            except openai.APITimeoutError as exc:
                raise BackendError(
                    f"The model server at {self.base_url} did not answer within {self.timeout:g} s. "
                    "Increase timeout=..., use a smaller model, or check the server's load."
                ) from exc
            except openai.APIConnectionError as exc:
                if attempt >= self.max_retries:
                    raise self._backend_error(exc) from exc
                delay = self._delay(exc, attempt)
            except openai.APIStatusError as exc:
                if isinstance(exc, openai.BadRequestError):
                    if self._adapt(exc):
                        continue
                    raise  # callers decide (tools / logprobs rejected -> fallback)
                if "tools" in params and _rejects_tools(exc):
                    raise  # some servers answer an unsupported tools= with 422/500/501
                if (
                    not (exc.status_code == 429 or exc.status_code >= 500)
                    or attempt >= self.max_retries
                ):
                    raise self._backend_error(exc) from exc
                delay = self._delay(exc, attempt)
            time.sleep(delay)
            attempt += 1

    def _adapt(self, exc: openai.BadRequestError) -> bool:
        """Adjust request parameters after a 400 that names one of them; True if worth retrying."""
        text = str(exc).lower()
        if (
            self._token_param == "max_tokens"
            and "max_tokens" in text
            and "max_completion_tokens" in text
        ):
            self._token_param = "max_completion_tokens"
            return True
        if (
            self._send_temperature
            and "temperature" in text
            and ("unsupported" in text or "not support" in text)
        ):
            self._send_temperature = False
            return True
        return False

    def _delay(self, exc: Exception, attempt: int) -> float:
        response = getattr(exc, "response", None)
        retry_after = response.headers.get("retry-after") if response is not None else None
        try:
            if retry_after is not None:
                return min(float(retry_after), 60.0)
        except ValueError:
            pass
        return min(self.retry_backoff * (2**attempt), 30.0)

    def _backend_error(self, exc: Exception) -> BackendError:
        where = f"model {self.model!r} at {self.base_url}"
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return BackendError(
                f"Authentication failed for {where} ({exc.status_code}). Check OPENAI_API_KEY / --api-key."
            )
        if isinstance(exc, openai.NotFoundError):
            return BackendError(
                f"Not found: {where} (404). Check the model name (the server's /v1/models lists them) and that "
                "the base URL ends in /v1."
            )
        if isinstance(exc, openai.RateLimitError):
            return BackendError(
                f"Rate limited by {where} after {self.max_retries} retries; wait and try again."
            )
        if isinstance(exc, openai.APIConnectionError):
            return BackendError(
                f"Cannot reach the model server at {self.base_url} after {self.max_retries} retries: {exc}. "
                "Is the server running (e.g. `ollama serve`, `python -m llama_cpp.server --model FILE.gguf`)?"
            )
        if isinstance(exc, openai.APIStatusError):
            return BackendError(
                f"The server rejected the request for {where} ({exc.status_code}): {exc.message}"
            )
        return BackendError(f"Request to {where} failed: {type(exc).__name__}: {exc}")

    # -- chat -------------------------------------------------------------------------------

    def chat(
        self,
        messages: list[dict],
        tools: list[dict] | None = None,
        *,
        temperature: float = 0.0,
        max_tokens: int = 1024,
    ) -> ModelResponse:
        """Send ``messages`` (and ``tools``) to the server; see :meth:`ChatModel.chat`."""
        common = {"model": self.model, "temperature": temperature, "max_tokens": max_tokens}
        if tools and self.tool_mode != "json":
            payload = normalise_messages(messages, tool_role=self.tool_role)
            try:
                resp = self._create(messages=payload, tools=tools, **common)
            except openai.APIStatusError as exc:  # only 400s and tool rejections get here
                if self.tool_mode == "native":
                    raise self._backend_error(exc) from exc
                # the server does not take tools=: use the JSON fallback from now on
                self.tool_mode = "json"
            else:
                return self._native_response(resp, tools)
        if tools or self.tool_mode == "json":
            # JSON fallback: tools described in the prompt, tool traffic rewritten as text
            payload = to_fallback_messages(messages, tools)
        else:
            payload = normalise_messages(messages, tool_role=self.tool_role)
        try:
            resp = self._create(messages=payload, **common)
        except openai.BadRequestError as exc:
            raise self._backend_error(exc) from exc
        content = resp.choices[0].message.content if resp.choices else ""
        reply = (
            parse_json_reply(content, _tool_names(tools))
            if tools
            else ModelResponse(content=content)
        )
        return ModelResponse(reply.content, reply.tool_calls, _usage(resp), resp)

    def _native_response(self, resp: Any, tools: list[dict]) -> ModelResponse:
        if not resp.choices:
            return ModelResponse(content="", usage=_usage(resp), raw=resp)
        msg = resp.choices[0].message
        calls = tuple(
            make_tool_call(c.function.name, c.function.arguments, c.id or None)
            for c in (msg.tool_calls or [])
            if getattr(c, "function", None) is not None
        )
        if not calls and msg.content:
            # some servers return the call as text: accept only a whole call to a known tool
            rescued = parse_json_reply(msg.content, _tool_names(tools), strict=True)
            if rescued.tool_calls:
                calls = rescued.tool_calls
                return ModelResponse(None, calls, _usage(resp), resp)
        return ModelResponse(msg.content, calls, _usage(resp), resp)

    # -- choose -----------------------------------------------------------------------------

    def choose(self, prompt: str, options: list[str]) -> tuple[int, list[float]]:
        """Numbered-list choice; scores are the log-probabilities of the digits when the server gives them.

        See :meth:`ChatModel.choose`. With up to 9 options the first answer token's
        ``top_logprobs`` give a score per option (-inf when absent); otherwise, or when the
        server rejects ``logprobs``, the answer is parsed and the scores are 0 / -inf.
        """
        options = check_options(options)
        messages = choice_messages(prompt, options)
        common = {"model": self.model, "messages": messages, "temperature": 0.0, "max_tokens": 8}
        want_logprobs = self._logprobs_ok and len(options) <= 9
        try:
            resp = (
                self._create(**common, logprobs=True, top_logprobs=10)
                if want_logprobs
                else self._create(**common)
            )
        except openai.BadRequestError as exc:
            if not want_logprobs:
                raise self._backend_error(exc) from exc
            self._logprobs_ok = False  # the server does not take logprobs: parse the answer instead
            return self.choose(prompt, options)
        scores = _digit_scores(resp, len(options)) if want_logprobs else None
        if scores is not None and max(scores) > -math.inf:
            return max(range(len(options)), key=scores.__getitem__), scores
        content = resp.choices[0].message.content if resp.choices else ""
        index = parse_choice(content or "", options)
        return index, one_hot_scores(index, len(options))


def _rejects_tools(exc: openai.APIStatusError) -> bool:
    """A non-400 error that says the server cannot take ``tools=``."""
    return exc.status_code in (422, 500, 501) and "tool" in str(exc).lower()


def _tool_names(tools: list[dict] | None) -> list[str]:
    return [t.get("function", t).get("name", "") for t in tools or []]


def _usage(resp: Any) -> dict:
    usage = getattr(resp, "usage", None)
    if usage is None:
        return {}
    data = usage.model_dump() if hasattr(usage, "model_dump") else dict(usage)
    return {k: v for k, v in data.items() if isinstance(v, (int, float))}


def _digit_scores(resp: Any, n: int) -> list[float] | None:
    """Log-probabilities of the tokens "1".."n" at the first answer position, or None."""
    try:
        first = resp.choices[0].logprobs.content[0]
        top = first.top_logprobs or []
    except (AttributeError, IndexError, TypeError):
        return None
    scores = [-math.inf] * n
    for entry in list(top) + [first]:
        token = (entry.token or "").strip()
        if token.isdigit() and 1 <= int(token) <= n:
            scores[int(token) - 1] = max(scores[int(token) - 1], float(entry.logprob))
    return scores
