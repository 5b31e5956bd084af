"""The :class:`Reasoner` interface: generate chains of thought and score multiple-choice answers.

Every backend implements two primitives on batches of :class:`~causalkit.faithfulness.prompts.Prompt`:

* ``generate(prompts, *, max_new_tokens, temperature, seed) -> list[str]`` - the continuation
  of each prompt's assistant prefix;
* ``answer_logprobs(prompts, choices) -> ndarray | None`` - the log-probability of each choice
  (e.g. ``"A"``, ``"B"``) as the next tokens, or None when the backend cannot give them (the
  audits then generate a few tokens and parse the letter).

The base class adds what all backends share: an on-disk :class:`OutputCache` keyed by
(model id, kind, prompt, parameters) so re-running an audit costs nothing, de-duplication of
identical prompts within a call, batching, progress bars, and :class:`GenerationStats`
(backend calls, prompts sent, tokens generated, cache hits, wall time).

Backends: :class:`ScriptedReasoner` (here, for tests and demos),
:class:`~causalkit.faithfulness.backends.LocalReasoner` (transformers, in-process) and
:class:`~causalkit.faithfulness.backends.OpenAIReasoner` (any OpenAI-compatible server).

Examples
--------
>>> r = ScriptedReasoner(lambda p: "Step 1: 2 + 2 = 4.", answer=lambda p, choices: "B")
>>> r.generate([Prompt("What is 2 + 2?")])
['Step 1: 2 + 2 = 4.']
>>> r.answer_logprobs([Prompt("What is 2 + 2?", "So the answer is (")], ["A", "B"]).tolist()
[[-inf, 0.0]]
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from causalkit.exceptions import CausalKitError, InvalidInputError
from causalkit.faithfulness.prompts import Prompt

__all__ = [
    "Reasoner",
    "ScriptedReasoner",
    "OutputCache",
    "GenerationStats",
    "ReasonerError",
    "default_cache_dir",
]


class ReasonerError(CausalKitError):
    """A model backend failed (unreachable server, bad reply, script exhausted, ...)."""


def default_cache_dir() -> Path:
    """``$CAUSALKIT_CACHE/faithfulness`` or ``~/.cache/causalkit/faithfulness``."""
    root = os.environ.get("CAUSALKIT_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "causalkit"
    return Path(root).expanduser() / "faithfulness"


class OutputCache:
    """A persistent key-value store of model outputs (SQLite, safe across threads and processes).

    Parameters
    ----------
    path : str or Path
        A directory (the database is ``outputs.sqlite`` inside) or a ``.sqlite`` file.

    Examples
    --------
    >>> import tempfile
    >>> cache = OutputCache(tempfile.mkdtemp())
    >>> cache.put("k", ["text", 3]); cache.get("k"), cache.get("missing"), len(cache)
    (['text', 3], None, 1)
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path).expanduser()
        if path.suffix not in (".sqlite", ".db"):
            path = path / "outputs.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("CREATE TABLE IF NOT EXISTS outputs (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._conn.commit()

    @staticmethod
    def resolve(cache: OutputCache | str | Path | bool | None) -> OutputCache | None:
        """``True`` -> the default directory, a path -> a cache there, ``None``/``False`` -> no cache."""
        if cache is None or cache is False:
            return None
        if isinstance(cache, OutputCache):
            return cache
        if cache is True:
            return OutputCache(default_cache_dir())
        if isinstance(cache, (str, Path)):
            return OutputCache(cache)
        raise InvalidInputError(f"`cache` must be True, False, None, a path or an OutputCache; got {cache!r}.")

    def get(self, key: str) -> Any:
        """The stored value for ``key`` or None."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM outputs WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable ``value``."""
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO outputs VALUES (?, ?)", (key, json.dumps(value)))
            self._conn.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM outputs").fetchone()[0])

    def __repr__(self) -> str:
        return f"OutputCache({str(self.path)!r})"


@dataclass
class GenerationStats:
    """Counters a reasoner keeps: what reached the backend and what came from the cache."""

    backend_calls: int = 0
    prompts_sent: int = 0
    tokens_generated: int = 0
    cache_hits: int = 0
    wall_time: float = 0.0

    def snapshot(self) -> dict[str, float]:
        """The counters as a dict."""
        return asdict(self)

    def since(self, before: Mapping[str, float]) -> dict[str, float]:
        """Counter increments since an earlier :meth:`snapshot`."""
        return {k: v - before.get(k, 0) for k, v in asdict(self).items()}


def _as_prompts(prompts: Any) -> list[Prompt]:
    if isinstance(prompts, (str, Prompt)):
        prompts = [prompts]
    out = []
    for p in prompts:
        if isinstance(p, str):
            out.append(Prompt(p))
        elif isinstance(p, Prompt):
            out.append(p)
        else:
            raise InvalidInputError(f"Prompts must be strings or Prompt objects; got {type(p).__name__}.")
    return out


class Reasoner(ABC):
    """A model that writes chains of thought and answers multiple-choice questions.

    Subclasses implement :meth:`_generate` (and :meth:`_answer_logprobs` when the backend can
    score choices); the public methods add caching, batching and accounting.

    Parameters
    ----------
    name : str
        Model name; with :attr:`model_id` it identifies cached outputs.
    cache : OutputCache, path, bool or None
        Where outputs are cached (``True``: :func:`default_cache_dir`; None: no cache).
    batch_size : int
        Prompts per backend call.
    progress : bool
        Show tqdm progress bars over batches.
    """

    def __init__(self, name: str, *, cache: Any = None, batch_size: int = 8, progress: bool = False) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidInputError(f"`batch_size` must be a positive integer; got {batch_size!r}.")
        self.name = str(name)
        self.cache = OutputCache.resolve(cache)
        self.batch_size = batch_size
        self.progress = progress
        self.stats = GenerationStats()

    @property
    def model_id(self) -> str:
        """The identity of the model in cache keys (name, plus path or server where relevant)."""
        return self.name

    # -- public API ------------------------------------------------------------------------

    def generate(
        self,
        prompts: Sequence[Prompt | str],
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int = 0,
        desc: str | None = None,
    ) -> list[str]:
        """Continue each prompt.

        Parameters
        ----------
        prompts : sequence of Prompt or str
            Requests; a string is a user message without prefix.
        max_new_tokens : int
            Tokens to generate at most.
        temperature : float
            0 for greedy decoding; above 0 samples (``seed`` then selects the sample).
        seed : int
            Random seed of sampled generation (ignored, and not part of the cache key, when greedy).
        desc : str, optional
            Label of the progress bar.

        Returns
        -------
        list of str
            One continuation per prompt (the text after the prompt's prefix).
        """
        prompts = _as_prompts(prompts)
        if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
            raise InvalidInputError(f"`max_new_tokens` must be a positive integer; got {max_new_tokens!r}.")
        if not isinstance(temperature, (int, float)) or temperature < 0:
            raise InvalidInputError(f"`temperature` must be a number >= 0; got {temperature!r}.")
        params = {"max_new_tokens": max_new_tokens, "temperature": float(temperature)}
        if temperature > 0:
            params["seed"] = int(seed)

        def run(batch: list[Prompt]) -> list[Any]:
            outs = self._generate(batch, max_new_tokens=max_new_tokens, temperature=float(temperature),
                                  seed=int(seed) if temperature > 0 else 0)
            if len(outs) != len(batch):
                raise ReasonerError(f"{type(self).__name__} returned {len(outs)} outputs for {len(batch)} prompts.")
            result = []
            for text, n_tokens in outs:
                self.stats.tokens_generated += int(n_tokens)
                result.append(str(text))
            return result

        return self._cached("generate", prompts, params, run, desc)

    def answer_logprobs(self, prompts: Sequence[Prompt | str], choices: Sequence[str], *, desc: str | None = None) -> np.ndarray | None:
        """Log-probability of each choice as the continuation of each prompt.

        Parameters
        ----------
        prompts : sequence of Prompt or str
            Prompts ending where the answer starts (e.g. after ``So the answer is (``).
        choices : sequence of str
            The candidate continuations (e.g. ``["A", "B", "C", "D"]``), shared by all prompts.
        desc : str, optional
            Label of the progress bar.

        Returns
        -------
        numpy.ndarray or None
            Shape ``(len(prompts), len(choices))``, not renormalised; None when the backend cannot
            score choices.
        """
        prompts = _as_prompts(prompts)
        choices = [str(c) for c in choices]
        if len(choices) < 2 or len(set(choices)) != len(choices):
            raise InvalidInputError(f"`choices` must hold at least two distinct strings; got {choices}.")
        if not self.supports_logprobs:
            return None
        unavailable = False

        def run(batch: list[Prompt]) -> list[Any]:
            nonlocal unavailable
            out = self._answer_logprobs(batch, choices)
            if out is None:
                unavailable = True
                return [None] * len(batch)
            arr = np.asarray(out, dtype=float)
            if arr.shape != (len(batch), len(choices)):
                raise ReasonerError(f"{type(self).__name__} returned log-probabilities of shape {arr.shape}.")
            return [[None if math.isnan(v) else v for v in row] for row in arr.tolist()]

        rows = self._cached("logprobs", prompts, {"choices": choices}, run, desc)
        if unavailable or any(r is None for r in rows):
            return None
        return np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)

    @property
    def supports_logprobs(self) -> bool:
        """Whether :meth:`answer_logprobs` can return scores (it returns None otherwise)."""
        return True

    def count_tokens(self, text: str) -> int:
        """Number of tokens in ``text`` (whitespace words unless the backend has a tokenizer)."""
        return len(text.split())

    # -- to implement ---------------------------------------------------------------------------

    @abstractmethod
    def _generate(self, prompts: list[Prompt], *, max_new_tokens: int, temperature: float, seed: int) -> list[tuple[str, int]]:
        """Return ``(continuation, number of generated tokens)`` for each prompt."""

    def _answer_logprobs(self, prompts: list[Prompt], choices: list[str]) -> np.ndarray | None:
        """Return log-probabilities of shape ``(len(prompts), len(choices))`` or None."""
        return None

    # -- machinery ------------------------------------------------------------------------------

    def _key(self, kind: str, prompt: Prompt, params: Mapping[str, Any]) -> str:
        raw = json.dumps([self.model_id, kind, prompt.key(), params], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def _cached(self, kind: str, prompts: list[Prompt], params: dict, run: Callable[[list[Prompt]], list[Any]], desc: str | None) -> list[Any]:
        keys = [self._key(kind, p, params) for p in prompts]
        found: dict[str, Any] = {}
        todo: dict[str, Prompt] = {}
        for key, prompt in zip(keys, prompts, strict=False):
            if key in found or key in todo:
                continue
            value = self.cache.get(key) if self.cache is not None else None
            if value is not None:
                found[key] = value
                self.stats.cache_hits += 1
            else:
                todo[key] = prompt
        pending = list(todo.items())
        batches = [pending[i : i + self.batch_size] for i in range(0, len(pending), self.batch_size)]
        bar = _progress(len(pending), desc or kind, self.progress and bool(pending))
        try:
            for batch in batches:
                start = time.perf_counter()
                values = run([p for _, p in batch])
                self.stats.wall_time += time.perf_counter() - start
                self.stats.backend_calls += 1
                self.stats.prompts_sent += len(batch)
                for (key, _), value in zip(batch, values, strict=False):
                    found[key] = value
                    if self.cache is not None and value is not None:
                        self.cache.put(key, value)
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        return [found[k] for k in keys]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _progress(total: int, desc: str, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="prompt", leave=False)


def _call_flexible(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with the keyword arguments it accepts."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return fn(*args)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(*args, **kwargs)
    return fn(*args, **{k: v for k, v in kwargs.items() if k in params})


class ScriptedReasoner(Reasoner):
    """A reasoner whose outputs are given by functions or tables - for tests and demonstrations.

    Parameters
    ----------
    generate : callable or mapping
        ``f(prompt)`` (optionally also accepting ``temperature=``, ``seed=``, ``max_new_tokens=``)
        returning the continuation, or a mapping from ``prompt.prefix`` (tried first) or
        ``prompt.user`` to the continuation.
    answer : callable, optional
        ``f(prompt, choices)`` returning a choice (its text, e.g. ``"B"``, or its index: a one-hot
        answer) or one log-probability per choice. Without it :meth:`answer_logprobs` returns
        None, as for a server without log-probabilities.
    name : str
        Model name.
    cache : optional
        See :class:`Reasoner`.

    Attributes
    ----------
    calls : list of tuple
        ``(kind, prompt)`` for every prompt that reached the script (cache hits excluded).
    """

    def __init__(
        self,
        generate: Callable[..., str] | Mapping[str, str],
        answer: Callable[[Prompt, list[str]], Any] | None = None,
        *,
        name: str = "scripted",
        cache: Any = None,
        batch_size: int = 8,
    ) -> None:
        super().__init__(name, cache=cache, batch_size=batch_size)
        if not callable(generate) and not isinstance(generate, Mapping):
            raise InvalidInputError("`generate` must be a callable or a mapping from prompt text to output.")
        if answer is not None and not callable(answer):
            raise InvalidInputError("`answer` must be a callable f(prompt, choices) or None.")
        self._script = generate
        self._answer = answer
        self.calls: list[tuple[str, Prompt]] = []

    @property
    def supports_logprobs(self) -> bool:  # noqa: D102 - documented in the base class
        return self._answer is not None

    def _generate(self, prompts: list[Prompt], *, max_new_tokens: int, temperature: float, seed: int) -> list[tuple[str, int]]:
        out = []
        for p in prompts:
            self.calls.append(("generate", p))
            if isinstance(self._script, Mapping):
                text = self._script.get(p.prefix, self._script.get(p.user))
                if text is None:
                    raise ReasonerError(f"The script has no output for the prompt with prefix {p.prefix[-60:]!r}.")
            else:
                text = _call_flexible(self._script, p, temperature=temperature, seed=seed, max_new_tokens=max_new_tokens)
            out.append((str(text), self.count_tokens(str(text))))
        return out

    def _answer_logprobs(self, prompts: list[Prompt], choices: list[str]) -> np.ndarray | None:
        if self._answer is None:  # pragma: no cover - supports_logprobs guards this
            return None
        rows = []
        for p in prompts:
            self.calls.append(("logprobs", p))
            value = self._answer(p, choices)
            if isinstance(value, (str, int, np.integer)) and not isinstance(value, bool):
                index = choices.index(value) if isinstance(value, str) else int(value)
                rows.append([0.0 if i == index else -np.inf for i in range(len(choices))])
            else:
                rows.append([float(v) for v in value])
        return np.asarray(rows, dtype=float)
