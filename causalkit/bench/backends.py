"""Who answers the benchmark: the no-model solver, a bare chat model, or the agent with tools.

Every backend turns an :class:`~causalkit.bench.items.Item` into a :class:`Prediction`. Model calls
go through a :class:`~causalkit.bench.cache.ResponseCache` when one is given (keyed by model name,
prompt and parameters), so interrupted runs resume and reruns cost nothing.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from causalkit.bench.cache import ResponseCache, cache_key
from causalkit.bench.items import Item
from causalkit.exceptions import CausalKitError, InvalidInputError

__all__ = ["Prediction", "Backend", "SolverBackend", "ModelBackend", "AgentBackend", "extract_yes_no", "make_backend"]

DEFAULT_SYSTEM = ("You are an expert in causal inference. Read the question carefully and reason step by step if "
                  "needed. End your reply with a final line of the form 'Answer: yes' or 'Answer: no'.")
AGENT_SYSTEM = ("You answer yes/no causal reasoning questions. Use the tools: answer_causal_question solves "
                "Corr2Cause- and CLadder-style questions exactly; parse_causal_question and "
                "answer_structured_question let you check and correct the parsed structure; "
                "decide_causal_hypothesis and compute_causal_query work from facts you extract yourself. "
                "End with a final line 'Answer: yes' or 'Answer: no'.")


def extract_yes_no(text: str | None) -> str | None:
    """The yes/no a reply commits to: an ``Answer: yes/no`` line, else the last standalone yes/no.

    Examples
    --------
    >>> extract_yes_no("Reasoning... so no.\\nAnswer: Yes")
    'yes'
    >>> extract_yes_no("I cannot tell.") is None
    True
    """
    if not text:
        return None
    m = re.findall(r"answer\s*(?:is)?\s*[:=]?\s*\**\s*(yes|no)\b", text, re.I)
    if m:
        return m[-1].lower()
    words = re.findall(r"\b(yes|no)\b", text, re.I)
    return words[-1].lower() if words else None


@dataclass
class Prediction:
    """One backend answer."""

    pred: str | None
    raw: str = ""
    usage: dict = field(default_factory=dict)
    elapsed: float = 0.0
    error: str | None = None
    cached: bool = False


class Backend:
    """Base class: ``predict(item) -> Prediction``; ``name`` and ``params`` describe the run."""

    name = "backend"
    parallel = "threading"

    @property
    def params(self) -> dict[str, Any]:
        return {}

    def predict(self, item: Item) -> Prediction:  # pragma: no cover - abstract
        raise NotImplementedError


class SolverBackend(Backend):
    """The exact solver (:func:`causalkit.reasoning.solve`), optionally with a model as parsing fallback."""

    parallel = "loky"

    def __init__(self, model: Any = None, semantics: str = "corr2cause"):
        self.model = model
        self.semantics = semantics
        self.name = "solver" if model is None else f"solver+{getattr(model, 'name', 'model')}"
        if model is not None:
            self.parallel = "threading"

    @property
    def params(self) -> dict[str, Any]:
        return {"semantics": self.semantics, "parse_model": getattr(self.model, "name", None)}

    def predict(self, item: Item) -> Prediction:
        from causalkit.reasoning.solver import solve

        t0 = time.perf_counter()
        try:
            a = solve(item.question, model=self.model, semantics=self.semantics)
        except CausalKitError as exc:
            return Prediction(None, "", {}, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
        usage = dict(a.structured.get("_usage", {}))
        return Prediction(a.answer, a.derivation, usage, time.perf_counter() - t0)


def _load(model: Any, who: str, load_kw: dict[str, Any]) -> Any:
    """Resolve a model spec with ``agent.llm.load_model``; a backend that needs a model refuses None."""
    if isinstance(model, str):
        from agent.llm import load_model

        model = load_model(model, **load_kw)
    if model is None:
        raise InvalidInputError(f"{who} needs a model; use SolverBackend for the no-model solver.")
    return model


def _cached(cache: ResponseCache | None, key: str) -> Prediction | None:
    """The cached prediction for ``key``, or None."""
    rec = cache.get(key) if cache is not None else None
    if rec is None:
        return None
    return Prediction(extract_yes_no(rec.get("text")), rec.get("text", ""), rec.get("usage", {}),
                      float(rec.get("elapsed", 0.0)), None, True)


def _finish(cache: ResponseCache | None, key: str, name: str, text: str, usage: dict, elapsed: float) -> Prediction:
    """Store a fresh answer in the cache and return its prediction."""
    if cache is not None:
        cache.put(key, {"model": name, "text": text, "usage": usage, "elapsed": elapsed})
    return Prediction(extract_yes_no(text), text, usage, elapsed)


def _usage(response: Any) -> dict:
    out = {}
    for k, v in (getattr(response, "usage", None) or {}).items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = v
    return out


class ModelBackend(Backend):
    """A bare chat model (:class:`agent.llm.ChatModel`, or a spec for :func:`agent.llm.load_model`).

    Parameters
    ----------
    model : ChatModel or str
    system : str
        System prompt (default asks for a final "Answer: yes/no" line).
    max_tokens : int
    temperature : float
    cache : ResponseCache, optional
    **load_kw
        Passed to ``load_model`` when ``model`` is a spec (e.g. ``base_url``).
    """

    def __init__(self, model: Any, *, system: str = DEFAULT_SYSTEM, max_tokens: int = 512, temperature: float = 0.0,
                 cache: ResponseCache | None = None, **load_kw: Any):
        model = _load(model, "ModelBackend", load_kw)
        self.model, self.system, self.max_tokens, self.temperature, self.cache = model, system, max_tokens, temperature, cache
        self.name = str(getattr(model, "name", "model"))

    @property
    def params(self) -> dict[str, Any]:
        return {"max_tokens": self.max_tokens, "temperature": self.temperature, "system": self.system}

    def predict(self, item: Item) -> Prediction:
        messages = [{"role": "system", "content": self.system}, {"role": "user", "content": item.question}]
        key = cache_key(self.name, messages, {"max_tokens": self.max_tokens, "temperature": self.temperature})
        cached = _cached(self.cache, key)
        if cached is not None:
            return cached
        t0 = time.perf_counter()
        try:
            resp = self.model.chat(messages, None, temperature=self.temperature, max_tokens=self.max_tokens)
        except Exception as exc:  # noqa: BLE001 - a failed call is a failed item, not a failed run
            return Prediction(None, "", {}, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
        return _finish(self.cache, key, self.name, resp.content or "", _usage(resp), time.perf_counter() - t0)


class AgentBackend(Backend):
    """The agent loop (:func:`agent.loop.run_loop`) with the reasoning tools of :mod:`causalkit.reasoning.agent_tools`."""

    def __init__(self, model: Any, *, max_turns: int = 6, max_tokens: int = 1024, cache: ResponseCache | None = None,
                 system: str = AGENT_SYSTEM, **load_kw: Any):
        model = _load(model, "AgentBackend", load_kw)
        from agent.registry import ToolRegistry
        from causalkit.reasoning.agent_tools import TOOLS

        self.registry = ToolRegistry()
        for fn in TOOLS:
            self.registry.tool(fn)
        self.model, self.max_turns, self.max_tokens, self.cache, self.system = model, max_turns, max_tokens, cache, system
        self.name = f"agent+{getattr(model, 'name', 'model')}"

    @property
    def params(self) -> dict[str, Any]:
        return {"max_turns": self.max_turns, "max_tokens": self.max_tokens, "tools": [t.name for t in self.registry]}

    def predict(self, item: Item) -> Prediction:
        import json

        from agent.loop import run_loop

        messages = [{"role": "system", "content": self.system}, {"role": "user", "content": item.question}]
        key = cache_key(self.name, messages, {**self.params, "kind": "agent"})
        cached = _cached(self.cache, key)
        if cached is not None:
            return cached
        t0 = time.perf_counter()
        try:
            result = run_loop(self.model, self.registry, messages, max_turns=self.max_turns, max_tokens=self.max_tokens,
                              summarize=lambda v: json.dumps(v, default=str))
            text, usage = result.answer, dict(result.usage)
        except Exception as exc:  # noqa: BLE001 - MaxTurnsExceeded, backend errors: a failed item
            partial = getattr(exc, "result", None)
            text = getattr(partial, "answer", "") or ""
            return Prediction(extract_yes_no(text), text, dict(getattr(partial, "usage", {}) or {}),
                              time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
        return _finish(self.cache, key, self.name, text, usage, time.perf_counter() - t0)


def make_backend(kind: str, model: Any = None, *, cache: ResponseCache | None = None, **kw: Any) -> Backend:
    """``"solver"`` (``model`` optional, used for parsing only), ``"model"`` or ``"agent"``."""
    if kind == "solver":
        if isinstance(model, str):
            from agent.llm import load_model

            model = load_model(model, **{k: v for k, v in kw.items() if k in ("base_url", "api_key")})
        return SolverBackend(model, **{k: v for k, v in kw.items() if k == "semantics"})
    if kind == "model":
        return ModelBackend(model, cache=cache, **kw)
    if kind == "agent":
        return AgentBackend(model, cache=cache, **kw)
    raise InvalidInputError(f"Unknown backend {kind!r}; choose 'solver', 'model' or 'agent'.")
