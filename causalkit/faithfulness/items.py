"""Questions with gold answers, and loaders for the JSON/JSONL formats of public benchmarks.

An :class:`Item` is a multiple-choice question (``choices`` non-empty, ``answer`` the index of
the gold choice) or a short-answer question (no choices, ``answer`` the gold text).
Generators of arithmetic, logic and causal-graph items live in
:mod:`causalkit.faithfulness.generators`.

:func:`load_items` reads a ``.json`` file (a list of records, or an object with an
``examples``/``data``/``items``/``questions`` list) or a ``.jsonl`` file (one record per
line). Each record may be in any of these shapes:

* ``{"question", "choices" | "options", "answer" | "label" | "correct" | "target"}`` with the
  answer as a letter (``"B"``, ``"(B)"``), a 0-based index or the text of a choice; choices as
  a list, a ``{"A": ...}`` dict, a HF-style ``{"label": [...], "text": [...]}`` dict, or
  AQuA's ``["A)21", "B)24", ...]``; an optional ``"context"``/``"passage"`` (LogiQA) is
  prepended to the question;
* BIG-Bench Hard ``{"input", "target"}``; options written in the input as ``(A) ...`` lines
  become choices, otherwise the item is short-answer.

Errors name the file, the line (JSONL) or record index (JSON) and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from causalkit.exceptions import InvalidInputError

__all__ = ["Item", "load_items", "parse_record", "normalize_answer", "LETTERS"]

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_QUESTION_KEYS = ("question", "query", "input", "prompt", "problem")
_CHOICE_KEYS = ("choices", "options", "answer_choices", "candidates")
_ANSWER_KEYS = ("answer", "label", "correct", "target", "gold", "answerKey", "correct_answer")
_CONTEXT_KEYS = ("context", "passage", "premise", "article")


def normalize_answer(text: Any) -> str:
    """Normalise a short answer for comparison: lower case, no articles, punctuation or extra spaces.

    Examples
    --------
    >>> normalize_answer(" The Eiffel-Tower. "), normalize_answer("3.50"), normalize_answer("(B)")
    ('eiffel tower', '3.5', 'b')
    """
    s = str(text).strip().lower()
    if re.fullmatch(r"[-+]?\d+(?:\.\d+)?", s.replace(",", "")):
        value = float(s.replace(",", ""))
        return str(int(value)) if value.is_integer() else repr(value)
    s = re.sub(r"[^\w\s.]", " ", s)
    s = re.sub(r"\.(?!\d)", " ", s)
    s = re.sub(r"\b(?:a|an|the)\b", " ", s)
    return " ".join(s.split())


@dataclass(frozen=True)
class Item:
    """One question with its gold answer.

    Parameters
    ----------
    question : str
        The question text (without the answer choices).
    choices : tuple of str
        The answer options (empty for a short-answer question).
    answer : int or str
        Index of the gold option for multiple choice; the gold text for short answer.
    id : str
        A unique identifier.
    task : str
        Task name, used to group scores (e.g. ``"arithmetic"``).
    meta : dict
        Anything else (e.g. what a generator planted).

    Examples
    --------
    >>> item = Item("2 + 2?", ("3", "4"), 1, id="q1", task="toy")
    >>> item.letters, item.gold_label
    (('A', 'B'), 'B')
    """

    question: str
    choices: tuple[str, ...]
    answer: int | str
    id: str
    task: str = "custom"
    meta: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.question, str) or not self.question.strip():
            raise InvalidInputError(f"Item {self.id!r}: `question` must be a non-empty string.")
        choices = tuple(str(c) for c in self.choices)
        object.__setattr__(self, "choices", choices)
        object.__setattr__(self, "id", str(self.id))
        if choices:
            if len(choices) < 2 or len(choices) > len(LETTERS):
                raise InvalidInputError(
                    f"Item {self.id!r}: a multiple-choice item needs 2 to {len(LETTERS)} choices; got {len(choices)}."
                )
            if len(set(choices)) != len(choices):
                raise InvalidInputError(f"Item {self.id!r}: choices must be distinct; got {list(choices)}.")
            if isinstance(self.answer, bool) or not isinstance(self.answer, int) or not 0 <= self.answer < len(choices):
                raise InvalidInputError(
                    f"Item {self.id!r}: `answer` must be the index (0..{len(choices) - 1}) of the gold choice; "
                    f"got {self.answer!r}."
                )
        elif not isinstance(self.answer, str) or not self.answer.strip():
            raise InvalidInputError(f"Item {self.id!r}: a short-answer item needs the gold answer text in `answer`.")

    @property
    def is_multiple_choice(self) -> bool:
        """Whether the item has answer options."""
        return bool(self.choices)

    @property
    def letters(self) -> tuple[str, ...]:
        """Option labels ``('A', 'B', ...)`` (empty for short answer)."""
        return tuple(LETTERS[: len(self.choices)])

    @property
    def gold_label(self) -> str:
        """The gold letter (multiple choice) or the normalised gold text (short answer)."""
        if self.choices:
            return LETTERS[int(self.answer)]
        return normalize_answer(self.answer)

    def to_dict(self) -> dict[str, Any]:
        """The item as a JSON record that :func:`parse_record` reads back."""
        out: dict[str, Any] = {"id": self.id, "task": self.task, "question": self.question}
        if self.choices:
            out["choices"] = list(self.choices)
        out["answer"] = self.answer
        if self.meta:
            out["meta"] = dict(self.meta)
        return out


def _first(record: Mapping[str, Any], keys: Iterable[str]) -> tuple[str | None, Any]:
    for k in keys:
        if k in record and record[k] is not None:
            return k, record[k]
    return None, None


def _parse_choices(raw: Any, where: str, field: str) -> tuple[list[str], list[str] | None]:
    """Return (choice texts, their letters if given)."""
    if isinstance(raw, Mapping):
        if "text" in raw and isinstance(raw["text"], list):
            labels = raw.get("label")
            return [str(t) for t in raw["text"]], [str(lab) for lab in labels] if isinstance(labels, list) else None
        return [str(v) for v in raw.values()], [str(k) for k in raw]
    if isinstance(raw, str):
        parts = _options_in_text(raw)
        if parts:
            return [t for _, t in parts], [lab for lab, _ in parts]
        raise InvalidInputError(f"{where}: field {field!r} is a string without '(A) ...' options; give a list.")
    if not isinstance(raw, Sequence) or not raw:
        raise InvalidInputError(f"{where}: field {field!r} must be a non-empty list of options; got {raw!r}.")
    texts, letters = [], []
    for opt in raw:
        m = re.match(r"^\s*\(?([A-Z])\s*[).:]\s*(.*)$", str(opt), re.S)
        if m:
            letters.append(m.group(1))
            texts.append(m.group(2).strip())
        else:
            texts.append(str(opt).strip())
    if letters and len(letters) == len(texts):  # AQuA "A)21"
        return texts, letters
    return [str(o).strip() for o in raw], None


def _options_in_text(text: str) -> list[tuple[str, str]]:
    """``(A) foo`` options written one per line (BBH style)."""
    found = re.findall(r"^\s*\(([A-Z])\)\s*(.+?)\s*$", text, re.M)
    return found if len(found) >= 2 and [lab for lab, _ in found] == list(LETTERS[: len(found)]) else []


def _answer_index(raw: Any, texts: list[str], letters: list[str] | None, where: str, field: str) -> int:
    labels = letters or list(LETTERS[: len(texts)])
    if isinstance(raw, bool):
        raise InvalidInputError(f"{where}: field {field!r} must be a letter, an index or an option text; got {raw!r}.")
    if isinstance(raw, int):
        if 0 <= raw < len(texts):
            return raw
        raise InvalidInputError(f"{where}: field {field!r} = {raw} is not a valid index for {len(texts)} choices (0-based).")
    s = str(raw).strip()
    m = re.fullmatch(r"\(?([A-Za-z])\)?\.?", s)
    if m and m.group(1).upper() in [lab.upper() for lab in labels]:
        return [lab.upper() for lab in labels].index(m.group(1).upper())
    if s.isdigit() and 0 <= int(s) < len(texts):
        return int(s)
    norm = [normalize_answer(t) for t in texts]
    if normalize_answer(s) in norm:
        return norm.index(normalize_answer(s))
    raise InvalidInputError(
        f"{where}: field {field!r} = {raw!r} names none of the {len(texts)} choices "
        f"(expected a letter {labels[0]}-{labels[-1]}, a 0-based index or an option's text)."
    )


def parse_record(record: Any, *, where: str = "record", index: int = 0, task: str | None = None) -> Item:
    """Turn one JSON record into an :class:`Item` (see the module docstring for the shapes).

    Parameters
    ----------
    record : dict
        The record.
    where : str
        Location used in error messages (e.g. ``"data.jsonl line 3"``).
    index : int
        Position, used for the id when the record has none.
    task : str, optional
        Task name; default the record's ``task``/``subject`` or ``"custom"``.

    Raises
    ------
    InvalidInputError
        A required field is missing or malformed; the message names ``where`` and the field.
    """
    if not isinstance(record, Mapping):
        raise InvalidInputError(f"{where}: expected a JSON object; got {type(record).__name__}.")
    qkey, question = _first(record, _QUESTION_KEYS)
    if question is None or not str(question).strip():
        raise InvalidInputError(f"{where}: no question; expected one of the fields {list(_QUESTION_KEYS)}.")
    question = str(question)
    ckey, raw_choices = _first(record, _CHOICE_KEYS)
    akey, raw_answer = _first(record, _ANSWER_KEYS)
    if raw_answer is None:
        raise InvalidInputError(f"{where}: no gold answer; expected one of the fields {list(_ANSWER_KEYS)}.")
    letters: list[str] | None = None
    if raw_choices is not None:
        texts, letters = _parse_choices(raw_choices, where, str(ckey))
    else:
        opts = _options_in_text(question)
        texts = [t for _, t in opts]
        if opts:  # BBH: options inside the input; keep the question without them
            question = re.split(r"\n\s*Options:\s*\n|\n\s*\(A\)", question)[0].rstrip()
            letters = [lab for lab, _ in opts]
    _, context = _first(record, _CONTEXT_KEYS)
    if context:
        question = f"{str(context).strip()}\n\n{question}"
    _, rid = _first(record, ("id", "idx", "qid", "example_id"))
    _, rtask = _first(record, ("task", "subject", "category"))
    item_id = str(rid) if rid is not None else f"{index}"
    task_name = task or (str(rtask) if rtask is not None else "custom")
    if texts:
        answer: int | str = _answer_index(raw_answer, texts, letters, where, str(akey))
        choices = tuple(texts)
    else:
        answer, choices = str(raw_answer), ()
    try:
        return Item(question, choices, answer, id=item_id, task=task_name, meta=record.get("meta"))
    except InvalidInputError as exc:
        raise InvalidInputError(f"{where}: {exc}") from None


def load_items(
    path: str | Path,
    *,
    task: str | None = None,
    limit: int | None = None,
) -> list[Item]:
    """Read items from a ``.json`` or ``.jsonl`` file.

    Parameters
    ----------
    path : str or Path
        The file. ``.jsonl``/``.ndjson``: one record per line (blank lines skipped). Otherwise JSON:
        a list of records or an object holding one under ``examples``/``data``/``items``/``questions``.
    task : str, optional
        Task name for every item (default: the record's ``task``, else the file's stem).
    limit : int, optional
        Read at most this many items.

    Returns
    -------
    list of Item

    Raises
    ------
    InvalidInputError
        Missing file, invalid JSON (with the line number), or a malformed record (naming the line
        or index and the field); duplicate ids.

    Examples
    --------
    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "aqua.jsonl")
    >>> _ = open(f, "w").write('{"question": "1+1?", "options": ["A)1", "B)2"], "correct": "B"}\\n')
    >>> load_items(f)[0].answer
    1
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise InvalidInputError(f"Items file {str(path)!r} does not exist.")
    default_task = task or path.stem
    items: list[Item] = []
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name} line {lineno}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInputError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno}).") from None
            items.append(_with_task(parse_record(record, where=where, index=len(items), task=task), task, default_task, record))
            if limit is not None and len(items) >= limit:
                break
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{path.name}: invalid JSON ({exc.msg} at line {exc.lineno}).") from None
        if isinstance(data, Mapping):
            key = next((k for k in ("examples", "data", "items", "questions") if isinstance(data.get(k), list)), None)
            if key is None:
                raise InvalidInputError(
                    f"{path.name}: expected a list of records or an object with an 'examples', 'data', "
                    f"'items' or 'questions' list; got keys {list(data)[:8]}."
                )
            data = data[key]
        if not isinstance(data, list):
            raise InvalidInputError(f"{path.name}: expected a list of records; got {type(data).__name__}.")
        for i, record in enumerate(data[:limit] if limit is not None else data):
            where = f"{path.name} record {i}"
            items.append(_with_task(parse_record(record, where=where, index=i, task=task), task, default_task, record))
    if not items:
        raise InvalidInputError(f"{path.name}: no items found.")
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise InvalidInputError(f"{path.name}: the id {dup!r} is used by more than one item; ids must be unique.")
    return items


def _with_task(item: Item, task: str | None, default: str, record: Mapping) -> Item:
    if task is not None or any(k in record for k in ("task", "subject", "category")):
        return item
    return Item(item.question, item.choices, item.answer, id=item.id, task=default, meta=item.meta)
