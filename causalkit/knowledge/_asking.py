"""Asking a chat model multiple-choice questions, with an answer cache.

Every question is a prompt plus a list of options; each option maps to an *outcome* label (e.g.
``"yes"``). A model answers either with a constrained choice (``model.choose(prompt, options)``,
whose scores become probabilities by a softmax when they are log-probabilities) or, for
``method="sample"``, with ``samples`` free-text replies at a temperature, parsed to an option.

Answers are cached in a JSON-lines file keyed by the model id, the prompt, the options and the
sampling settings, so re-running an analysis costs no model calls and gives the same priors.
Nothing here imports :mod:`agent`; any object with the :class:`~agent.llm.ChatModel` methods works.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from causalkit.exceptions import InvalidInputError

__all__ = ["Question", "Answer", "AnswerCache", "ask_all", "model_id", "scores_to_probs"]


@dataclass(frozen=True)
class Question:
    """One multiple-choice question.

    Attributes
    ----------
    kind : str
        ``"direct"``, ``"cause"``, ``"order"``, ``"tier"``, ``"plausible"``, ``"confounder"``, ...
    subject : tuple of str
        The variables asked about, in the order they appear in the prompt.
    phrasing : int
        Index of the template used.
    prompt : str
    options : tuple of str
        Answer texts shown to the model.
    outcomes : tuple of str
        What each option means (same length as ``options``), e.g. ``("a->b", "b->a", "none")``.
    """

    kind: str
    subject: tuple[str, ...]
    phrasing: int
    prompt: str
    options: tuple[str, ...]
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """A model's answer to a :class:`Question` (one sample).

    Attributes
    ----------
    question : Question
    probs : tuple of float
        Probability of each option (one-hot when the backend gives no probabilities); empty when
        the model's reply named no option (``error`` then says why).
    chosen : int
        Index of the chosen option (-1 when none).
    sample : int
        Sample index (0 for a constrained choice).
    cached : bool
        Whether the answer came from the cache.
    model : str
        The model id.
    error : str
        Why no option could be read from the reply ("" when fine).
    """

    question: Question
    probs: tuple[float, ...]
    chosen: int
    sample: int = 0
    cached: bool = False
    model: str = ""
    error: str = ""

    def prob_of(self, outcome: str) -> float:
        """Total probability of the options meaning ``outcome`` (nan when the answer failed)."""
        if not self.probs:
            return float("nan")
        return float(sum(p for p, o in zip(self.probs, self.question.outcomes, strict=True) if o == outcome))

    def to_dict(self) -> dict[str, Any]:
        """A flat JSON-friendly record."""
        q = self.question
        return {
            "kind": q.kind, "subject": list(q.subject), "phrasing": q.phrasing, "prompt": q.prompt,
            "options": list(q.options), "outcomes": list(q.outcomes), "probs": list(self.probs),
            "chosen": self.chosen, "answer": q.options[self.chosen] if self.chosen >= 0 else None,
            "sample": self.sample, "cached": self.cached, "model": self.model, "error": self.error,
        }


def model_id(model: Any) -> str:
    """The id under which a model's answers are cached: ``ClassName:name``."""
    return f"{type(model).__name__}:{getattr(model, 'name', '')}"


def scores_to_probs(scores: Sequence[float], chosen: int) -> tuple[float, ...]:
    """Turn a backend's option scores into probabilities.

    Finite scores are read as log-probabilities (softmax); scores with ``-inf`` (a backend without
    probabilities: 0 for the chosen option, -inf elsewhere) give a one-hot vector at ``chosen``.
    """
    values = [float(s) for s in scores]
    if len(values) and all(math.isfinite(s) for s in values):
        top = max(values)
        exp = [math.exp(s - top) for s in values]
        total = sum(exp)
        return tuple(e / total for e in exp)
    n = len(values)
    return tuple(1.0 if i == chosen else 0.0 for i in range(n))


class AnswerCache:
    """A JSON-lines cache of model answers keyed by model id, prompt, options and sampling settings.

    Parameters
    ----------
    path : str or path-like, optional
        File to read and append to; ``None`` keeps the cache in memory only.

    Examples
    --------
    >>> cache = AnswerCache()
    >>> cache.put("k", {"probs": [1.0, 0.0], "chosen": 0})
    >>> cache.get("k")["chosen"]
    0
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path).expanduser() if path is not None else None
        self._entries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        if self.path is not None and self.path.exists():
            with self.path.open(encoding="utf-8") as fh:
                for line_no, line in enumerate(fh, 1):
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        entry = json.loads(line)
                        self._entries[entry["key"]] = entry
                    except (json.JSONDecodeError, KeyError, TypeError) as exc:
                        raise InvalidInputError(
                            f"Line {line_no} of the answer cache {str(self.path)!r} is not a cache "
                            f"record ({exc}); delete the file or pass another cache path."
                        ) from exc

    @staticmethod
    def key(model: str, question: Question, method: str, temperature: float, sample: int) -> str:
        """The cache key of one answer."""
        text = json.dumps([model, question.prompt, list(question.options), method, temperature, sample])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached entry or None."""
        return self._entries.get(key)

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Store an entry (and append it to the file)."""
        record = {"key": key, **entry}
        with self._lock:
            self._entries[key] = record
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record) + "\n")

    def __len__(self) -> int:
        return len(self._entries)


def _behavior_error() -> tuple[type[BaseException], ...]:
    try:
        from agent.exceptions import ModelBehaviorError
    except ImportError:  # pragma: no cover - agent package missing
        return ()
    return (ModelBehaviorError,)


def _ask_one(model: Any, q: Question, method: str, temperature: float, sample: int) -> tuple[tuple[float, ...], int, str]:
    """Ask once; return (probs, chosen, error)."""
    try:
        if method == "choose":
            index, scores = model.choose(q.prompt, list(q.options))
            return scores_to_probs(scores, int(index)), int(index), ""
        from agent.llm import choice_messages, parse_choice

        reply = model.chat(choice_messages(q.prompt, q.options), temperature=temperature, max_tokens=16)
        index = parse_choice(getattr(reply, "content", "") or "", q.options)
        return tuple(1.0 if i == index else 0.0 for i in range(len(q.options))), index, ""
    except _behavior_error() as exc:
        return (), -1, str(exc)


def ask_all(
    model: Any,
    questions: Sequence[Question],
    *,
    method: str = "choose",
    samples: int = 1,
    temperature: float = 0.0,
    cache: AnswerCache | None = None,
    n_jobs: int | None = None,
    model_name: str | None = None,
) -> list[Answer]:
    """Ask every question (``samples`` times for ``method="sample"``), using and filling the cache.

    Uncached questions are asked in order, or in ``n_jobs`` threads (joblib) when given; answers
    come back in question order either way.
    """
    from joblib import Parallel, delayed

    mid = model_name or model_id(model)
    cache = cache if cache is not None else AnswerCache()
    reps = samples if method == "sample" else 1
    jobs = [(q, s) for q in questions for s in range(reps)]
    keys = [AnswerCache.key(mid, q, method, temperature, s) for q, s in jobs]
    todo = [i for i, k in enumerate(keys) if cache.get(k) is None]
    if n_jobs in (None, 1) or len(todo) <= 1:
        fresh = [_ask_one(model, jobs[i][0], method, temperature, jobs[i][1]) for i in todo]
    else:
        fresh = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_ask_one)(model, jobs[i][0], method, temperature, jobs[i][1]) for i in todo
        )
    for i, (probs, chosen, error) in zip(todo, fresh, strict=True):
        q, s = jobs[i]
        if not error:  # failed parses are not cached, so a retry can succeed
            cache.put(keys[i], {"model": mid, "prompt": q.prompt, "options": list(q.options), "method": method,
                                "temperature": temperature, "sample": s, "probs": list(probs), "chosen": chosen})
    fresh_by_index = dict(zip(todo, fresh, strict=True))
    answers = []
    for i, (q, s) in enumerate(jobs):
        if i in fresh_by_index:
            probs, chosen, error = fresh_by_index[i]
            answers.append(Answer(q, tuple(probs), chosen, s, False, mid, error))
        else:
            entry = cache.get(keys[i]) or {"probs": [], "chosen": -1}
            answers.append(Answer(q, tuple(float(p) for p in entry["probs"]), int(entry["chosen"]), s, True, mid))
    return answers
