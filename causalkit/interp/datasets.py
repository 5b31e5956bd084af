"""Prompt-pair datasets for patching, built from templates in code (no downloads).

A :class:`PromptPairs` holds aligned (clean, corrupted) prompts and the answer each should
produce. Answers are literal continuations, so they include the leading space (``" Paris"``);
only their first token is scored. Patching needs clean and corrupted prompts of equal token
length: :func:`equal_length` keeps the pairs that satisfy this for a given model's tokenizer.

Datasets
--------
* :func:`factual_recall_pairs` - subject swaps of facts a small model knows ("The capital of
  France is" Paris vs "The capital of Italy is" Rome; "The Eiffel Tower is in" Paris vs "The
  Colosseum is in" Rome).
* :func:`ioi_pairs` - indirect object identification (Wang et al. 2022) with the two names swapped.
* :func:`greater_than_pairs` - "The war lasted from the year 1732 to the year 17" (Hanna et al.
  2023) against a start year of 01.
* :func:`load_pairs` - user pairs from CSV or JSONL with columns ``clean, corrupted,
  clean_answer, corrupted_answer`` (optional ``subject``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from causalkit._validation import check_positive_int, check_random_state
from causalkit.exceptions import InvalidInputError

__all__ = [
    "PromptPairs",
    "FACTS",
    "factual_recall_pairs",
    "ioi_pairs",
    "greater_than_pairs",
    "load_pairs",
    "equal_length",
]

_COLUMNS = ("clean", "corrupted", "clean_answer", "corrupted_answer")


@dataclass(frozen=True)
class PromptPairs:
    """Aligned clean/corrupted prompts and their answers.

    Attributes
    ----------
    clean, corrupted : tuple
        Prompts as strings, or as tuples of token ids (the tokenizer-free path).
    clean_answer, corrupted_answer : tuple
        Answer continuations (strings with their leading space) or answer token ids.
    name : str
        Dataset name.
    subjects : tuple of str or None
        The clean prompt's subject (used by causal tracing).

    Examples
    --------
    >>> pairs = PromptPairs(("The Eiffel Tower is in",), ("The Colosseum is in",), (" Paris",), (" Rome",))
    >>> len(pairs)
    1
    """

    clean: tuple[Any, ...]
    corrupted: tuple[Any, ...]
    clean_answer: tuple[Any, ...]
    corrupted_answer: tuple[Any, ...]
    name: str = "custom"
    subjects: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for attr in _COLUMNS:
            value = getattr(self, attr)
            if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
                raise InvalidInputError(f"`{attr}` must be a sequence (one entry per pair); got {type(value).__name__}.")
            object.__setattr__(self, attr, tuple(tuple(v) if isinstance(v, list) else v for v in value))
        n = len(self.clean)
        if n == 0:
            raise InvalidInputError("A PromptPairs dataset needs at least one pair.")
        lengths = {attr: len(getattr(self, attr)) for attr in _COLUMNS}
        if len(set(lengths.values())) != 1:
            raise InvalidInputError(f"`clean`, `corrupted` and the answers must have the same length; got {lengths}.")
        if self.subjects is not None:
            object.__setattr__(self, "subjects", tuple(self.subjects))
            if len(self.subjects) != n:
                raise InvalidInputError(f"`subjects` has {len(self.subjects)} entries for {n} pairs.")

    def __len__(self) -> int:
        return len(self.clean)

    @property
    def tokenized(self) -> bool:
        """True when prompts are given as token ids."""
        return not isinstance(self.clean[0], str)

    def subset(self, indices: Sequence[int]) -> PromptPairs:
        """The pairs at ``indices`` (in that order)."""
        idx = list(indices)
        def pick(seq):
            return (tuple(seq[i] for i in idx))
        return PromptPairs(pick(self.clean), pick(self.corrupted), pick(self.clean_answer),
                           pick(self.corrupted_answer), self.name,
                           None if self.subjects is None else pick(self.subjects))

    def swapped(self) -> PromptPairs:
        """The same pairs with clean and corrupted exchanged."""
        return PromptPairs(self.corrupted, self.clean, self.corrupted_answer, self.clean_answer,
                           f"{self.name} (swapped)")

    def to_frame(self) -> pd.DataFrame:
        """One row per pair."""
        frame = pd.DataFrame({attr: list(getattr(self, attr)) for attr in _COLUMNS})
        if self.subjects is not None:
            frame["subject"] = list(self.subjects)
        return frame

    @classmethod
    def from_token_ids(cls, clean: Any, corrupted: Any, clean_answer: Sequence[int],
                       corrupted_answer: Sequence[int], name: str = "token ids") -> PromptPairs:
        """Build pairs from token ids (``(N, T)`` arrays or nested lists) without a tokenizer."""
        def as_rows(a):
            return (tuple(tuple(int(t) for t in row) for row in (a.tolist() if hasattr(a, "tolist") else a)))
        def answers(a):
            return (tuple(int(t) for t in (a.tolist() if hasattr(a, "tolist") else a)))
        return cls(as_rows(clean), as_rows(corrupted), answers(clean_answer), answers(corrupted_answer), name)


# (template, subject, answer): facts SmolLM2-135M-Instruct ranks first (checked offline).
FACTS: tuple[tuple[str, str, str], ...] = (
    ("The {} is in", "Eiffel Tower", " Paris"),
    ("The {} is in", "Colosseum", " Rome"),
    ("The {} is in", "Louvre", " Paris"),
    ("The {} is in", "Kremlin", " Moscow"),
    ("The {} is in", "Acropolis", " Athens"),
    ("The capital of {} is", "France", " Paris"),
    ("The capital of {} is", "Italy", " Rome"),
    ("The capital of {} is", "Japan", " Tokyo"),
    ("The capital of {} is", "Germany", " Berlin"),
    ("The capital of {} is", "Spain", " Madrid"),
    ("The capital of {} is", "Russia", " Moscow"),
    ("The capital of {} is", "England", " London"),
    ("The capital of {} is", "Greece", " Athens"),
    ("The capital of {} is", "China", " Beijing"),
    ("The capital of {} is", "Canada", " Ottawa"),
    ("The capital of {} is", "Portugal", " Lisbon"),
    ("The capital of {} is", "Austria", " Vienna"),
    ("The capital of {} is", "Sweden", " Stockholm"),
    ("The capital of {} is", "Norway", " Oslo"),
    ("The capital of {} is", "Ireland", " Dublin"),
    ("The capital of {} is", "Kenya", " Nairobi"),
)


def factual_recall_pairs(kind: str = "all") -> PromptPairs:
    """Subject-swap pairs of known facts: each fact is paired with the next fact of its template.

    Parameters
    ----------
    kind : {"all", "capitals", "landmarks"}

    Returns
    -------
    PromptPairs
        ``subjects`` holds the clean subject. The first pair is "The Eiffel Tower is in" (Paris)
        vs "The Colosseum is in" (Rome).
    """
    templates = {"capitals": ("The capital of {} is",), "landmarks": ("The {} is in",),
                 "all": ("The {} is in", "The capital of {} is")}
    if kind not in templates:
        raise InvalidInputError(f"`kind` must be one of {sorted(templates)}; got {kind!r}.")
    rows = []
    for template in templates[kind]:
        facts = [f for f in FACTS if f[0] == template]
        for i, (_, subject, answer) in enumerate(facts):
            for step in range(1, len(facts)):  # next fact with a different answer
                _, other, other_answer = facts[(i + step) % len(facts)]
                if other_answer != answer:
                    break
            rows.append((template.format(subject), template.format(other), answer, other_answer, subject))
    clean, corrupted, ans, other_ans, subjects = zip(*rows, strict=False)
    return PromptPairs(clean, corrupted, ans, other_ans, f"factual_recall[{kind}]", subjects)


_NAMES = ("Mary", "John", "Tom", "James", "Anna", "Paul", "Sarah", "Mark", "Kate", "David", "Lisa", "Peter")
_PLACES = ("store", "park", "school", "beach", "office", "garden")
_OBJECTS = ("drink", "book", "ball", "gift", "letter", "key")
_IOI_TEMPLATES = (
    "When {A} and {B} went to the {place}, {B} gave a {obj} to",
    "After {A} and {B} went to the {place}, {B} gave a {obj} to",
    "Then, {A} and {B} had a lot of fun at the {place}. {B} gave a {obj} to",
    "While {A} and {B} were working at the {place}, {B} gave a {obj} to",
)


def ioi_pairs(n: int = 16, *, random_state: Any = 0) -> PromptPairs:
    """Indirect-object-identification pairs with the two names swapped (symmetric corruption).

    Clean: "When Mary and John went to the store, John gave a drink to" (answer " Mary");
    corrupted: the same sentence with Mary and John exchanged (answer " John"). The logit
    difference clean-answer minus corrupted-answer flips sign between the two.

    Parameters
    ----------
    n : int
        Number of pairs.
    random_state : int, Generator or None
    """
    n = check_positive_int(n, "n")
    rng = check_random_state(random_state)
    clean, corrupted, ans, other = [], [], [], []
    for _ in range(n):
        a, b = rng.choice(len(_NAMES), size=2, replace=False)
        template = _IOI_TEMPLATES[rng.integers(len(_IOI_TEMPLATES))]
        slots = dict(place=_PLACES[rng.integers(len(_PLACES))], obj=_OBJECTS[rng.integers(len(_OBJECTS))])
        clean.append(template.format(A=_NAMES[a], B=_NAMES[b], **slots))
        corrupted.append(template.format(A=_NAMES[b], B=_NAMES[a], **slots))
        ans.append(" " + _NAMES[a])
        other.append(" " + _NAMES[b])
    return PromptPairs(tuple(clean), tuple(corrupted), tuple(ans), tuple(other), "ioi")


_NOUNS = ("war", "drought", "reign", "expedition", "strike", "famine", "project", "occupation")


def greater_than_pairs(n: int = 16, *, random_state: Any = 0) -> PromptPairs:
    """Greater-than pairs: "The war lasted from the year 1732 to the year 17" vs start year 1701.

    The clean answer is a later year (``YY + 10``) and the corrupted answer an earlier one
    (``YY - 10``): for the clean prompt only the first is a valid end year, for the corrupted
    prompt (start year 01) both are, so the logit difference measures use of the start year.
    Only the answers' first tokens are scored (for tokenizers that split digits, the tens digit).

    Parameters
    ----------
    n : int
        Number of pairs.
    random_state : int, Generator or None
    """
    n = check_positive_int(n, "n")
    rng = check_random_state(random_state)
    clean, corrupted, ans, other = [], [], [], []
    for _ in range(n):
        century, yy = int(rng.integers(11, 19)), int(rng.integers(20, 80))
        noun = _NOUNS[rng.integers(len(_NOUNS))]
        text = "The {noun} lasted from the year {c}{yy:02d} to the year {c}"
        clean.append(text.format(noun=noun, c=century, yy=yy))
        corrupted.append(text.format(noun=noun, c=century, yy=1))
        ans.append(f"{yy + 10:02d}")
        other.append(f"{yy - 10:02d}")
    return PromptPairs(tuple(clean), tuple(corrupted), tuple(ans), tuple(other), "greater_than")


def load_pairs(path: str | Path) -> PromptPairs:
    """Load prompt pairs from a CSV or JSONL file.

    The file needs columns (CSV) or keys (JSONL, one object per line) ``clean``, ``corrupted``,
    ``clean_answer``, ``corrupted_answer``; an optional ``subject`` is kept.

    Raises
    ------
    InvalidInputError
        For a missing file, an unknown extension, a missing column or empty cells.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such file: {str(path)!r}.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif suffix in (".jsonl", ".ndjson"):
        try:
            records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{path.name} is not valid JSONL: {exc}.") from exc
        frame = pd.DataFrame.from_records(records)
    else:
        raise InvalidInputError(f"Unknown file type {suffix!r} for {path.name}; use .csv or .jsonl.")
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{path.name} lacks column(s) {missing}; it needs {list(_COLUMNS)}.")
    for col in _COLUMNS:
        empty = frame.index[frame[col].astype(str).str.len() == 0].tolist()
        if empty:
            raise InvalidInputError(f"Column {col!r} of {path.name} is empty in row(s) {empty[:5]}.")
    subjects = tuple(frame["subject"].astype(str)) if "subject" in frame.columns else None
    clean, corrupted, clean_answer, corrupted_answer = (tuple(frame[c].astype(str)) for c in _COLUMNS)
    return PromptPairs(clean, corrupted, clean_answer, corrupted_answer, name=path.stem, subjects=subjects)


def equal_length(pairs: PromptPairs, model: Any, *, length: int | None = None) -> PromptPairs:
    """Keep the pairs whose clean and corrupted prompts have the same token length.

    Of those, keeps the pairs of the most common length (or of ``length``), so that the result
    can be batched.

    Parameters
    ----------
    pairs : PromptPairs
    model : HookedModel or tokenizer
        Anything with a ``tokenizer`` attribute, or a tokenizer.
    length : int, optional
        Required token length.

    Raises
    ------
    InvalidInputError
        When no pair is left.
    """
    if pairs.tokenized:
        lengths = [(len(c), len(k)) for c, k in zip(pairs.clean, pairs.corrupted, strict=False)]
    else:
        tokenizer = getattr(model, "tokenizer", model)
        if tokenizer is None or not callable(tokenizer):
            raise InvalidInputError("equal_length needs a model with a tokenizer (or a tokenizer).")
        lengths = [(len(tokenizer(c)["input_ids"]), len(tokenizer(k)["input_ids"]))
                   for c, k in zip(pairs.clean, pairs.corrupted, strict=False)]
    same = [i for i, (a, b) in enumerate(lengths) if a == b]
    if same and length is None:
        length = Counter(lengths[i][0] for i in same).most_common(1)[0][0]
    keep = [i for i in same if lengths[i][0] == length]
    if not keep:
        raise InvalidInputError(f"No pair of {pairs.name!r} has clean and corrupted prompts of equal token length"
                                + (f" {length}" if length is not None else "") + "; reword the prompts.")
    return pairs.subset(keep)
