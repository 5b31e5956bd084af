"""Benchmark items and their JSONL files.

One item per line::

    {"id": "c2c-n3-0-A-B-parent", "question": "Premise: ...\\nHypothesis: ...", "answer": "yes",
     "metadata": {"dataset": "corr2cause", "category": "parent", ...}}

``answer`` is ``"yes"`` or ``"no"``; ``metadata["category"]`` drives the per-category breakdown.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from causalkit.exceptions import InvalidInputError

__all__ = ["Item", "read_jsonl", "write_jsonl", "normalize_label"]


def normalize_label(value: Any) -> str:
    """Map labels to ``"yes"`` / ``"no"``: yes/no, true/false, 1/0, entailment/other.

    Raises
    ------
    InvalidInputError
        For anything else.
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and value in (0, 1):
        return "yes" if value == 1 else "no"
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "entailment", "valid", "y"):
        return "yes"
    if text in ("no", "false", "0", "contradiction", "neutral", "invalid", "n"):
        return "no"
    raise InvalidInputError(f"Cannot read the label {value!r} as yes/no.")


@dataclass(frozen=True)
class Item:
    """A benchmark question with its gold yes/no answer.

    Attributes
    ----------
    id : str
    question : str
        The full text given to the model (premise/background, facts and the question).
    answer : {"yes", "no"}
    metadata : dict
        ``dataset``, ``category`` and any generator details (graph, ground-truth value, ...).
    """

    id: str
    question: str
    answer: str
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "answer", normalize_label(self.answer))
        if not isinstance(self.question, str) or not self.question.strip():
            raise InvalidInputError(f"Item {self.id!r} has an empty question.")

    @property
    def category(self) -> str:
        """``metadata["category"]`` (``"all"`` when absent)."""
        return str(self.metadata.get("category", "all"))

    def to_dict(self) -> dict[str, Any]:
        """The JSONL record."""
        return {"id": self.id, "question": self.question, "answer": self.answer, "metadata": self.metadata}

    @classmethod
    def from_dict(cls, d: dict[str, Any], index: int = 0) -> Item:
        """Read a record with ``question`` and ``answer`` (``id`` and ``metadata`` optional)."""
        if not isinstance(d, dict) or "question" not in d or "answer" not in d:
            raise InvalidInputError(f"Record {index} needs the fields 'question' and 'answer'; got {sorted(d) if isinstance(d, dict) else type(d).__name__}.")
        return cls(str(d.get("id", index)), d["question"], d["answer"], dict(d.get("metadata") or {}))


def write_jsonl(items: Iterable[Item], path: str | os.PathLike) -> Path:
    """Write items to a JSONL file (parent directories are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(it.to_dict(), ensure_ascii=False) + "\n")
    return path


def read_jsonl(path: str | os.PathLike) -> list[Item]:
    """Read items from a JSONL file written by :func:`write_jsonl` (or any file with the same fields).

    Raises
    ------
    InvalidInputError
        Missing file, invalid JSON (the line is named), or a record without question/answer.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such item file: {path}.")
    out = []
    with path.open(encoding="utf-8") as f:
        for k, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInputError(f"{path}, line {k}: not valid JSON ({exc.msg}).") from None
            out.append(Item.from_dict(d, k))
    return out
