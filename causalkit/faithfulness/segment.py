"""Step segmentation of a chain of thought, and parsing of the answer it states.

A chain of thought is split into *steps*: numbered or bulleted lines when the text is a list,
otherwise sentences. Segmentation returns character :class:`Span` objects into the original
text, so that interventions (truncate, delete, replace a step) keep the model's formatting.

The sentence splitter is rule-based and tolerant of messy model output: decimals (``3.5``),
abbreviations (``e.g.``, ``i.e.``, ``Dr.``, ``vs.``), initials, ellipses, missing final
punctuation and trailing answer statements (``So the answer is (B).``).

Examples
--------
>>> split_steps("First, 2 + 3.5 = 5.5. Then e.g. doubling gives 11. So the answer is (B).")
['First, 2 + 3.5 = 5.5.', 'Then e.g. doubling gives 11.', 'So the answer is (B).']
>>> split_steps("1. Add 2 and 3.\\n2. Multiply by 4.\\nSo 20.")
['1. Add 2 and 3.', '2. Multiply by 4.', 'So 20.']
>>> strip_answer("Step 1: 2 + 2 = 4, so the answer is (B).")
('Step 1: 2 + 2 = 4', 'so the answer is (B).')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Span",
    "segment",
    "split_steps",
    "strip_answer",
    "parse_choice",
    "replace_span",
]

_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs cf al approx mr mrs ms dr prof st jr sr fig no eq resp ca ex inc ltd co".split()
)
_MARKER = re.compile(
    r"^[ \t]*(?:(?:step|stage)[ \t]*\d+[ \t]*[.):-]?|\d{1,3}[ \t]*[.)]|\(\d{1,3}\)|[-*\u2022])(?=\s|$)[ \t]*",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)")
_ANSWER = re.compile(
    r"(?:(?:\b(?:so|therefore|thus|hence|which means|this means)\b[,:]?\s*)?"
    r"\b(?:the\s+)?(?:final\s+|correct\s+|best\s+|right\s+)?answer\s*(?:is|would be|will be|must be)\b"
    r"|^\s*(?:final\s+)?answer\s*:)",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class Span:
    """A step: ``text[start:end]`` of the chain of thought it was cut from."""

    start: int
    end: int
    text: str

    def __len__(self) -> int:
        return self.end - self.start


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end]) if end > start else None


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``text[dot]`` ends an abbreviation, an initial or a decimal."""
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", text[:dot])
    if m:
        word = m.group(1).lower().rstrip(".")
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and text[dot - 1].isupper()):
            return True
    return False


def _sentences(text: str, start: int, end: int) -> list[Span]:
    """Split ``text[start:end]`` into sentences (and at blank lines)."""
    spans: list[Span] = []
    cut = start
    chunk = text[start:end]
    for m in _SENTENCE_END.finditer(chunk):
        stop = start + m.end()
        dot = start + m.start()
        punct = m.group(0)
        nxt = re.match(r"\s*(\S?)", text[stop:end])
        follower = nxt.group(1) if nxt else ""
        if punct.startswith(".") and len(punct.rstrip("\"')]")) == 1 and _is_abbreviation(text, dot):
            continue
        if punct.startswith("..") and follower and not follower.isupper():
            continue  # an ellipsis inside a sentence
        if follower and follower.islower():
            continue  # "3 ft. long" or a lowercase continuation: not a sentence end
        span = _trimmed(text, cut, stop)
        if span is not None:
            spans.append(span)
        cut = stop
    tail = _trimmed(text, cut, end)
    if tail is not None:
        spans.append(tail)
    # blank lines and single newlines between non-empty lines also separate steps
    out: list[Span] = []
    for span in spans:
        pieces = re.split(r"\n", span.text)
        if len(pieces) == 1:
            out.append(span)
            continue
        offset = span.start
        for piece in pieces:
            s = _trimmed(text, offset, offset + len(piece))
            if s is not None:
                out.append(s)
            offset += len(piece) + 1
    return out


def segment(text: str) -> list[Span]:
    """Split a chain of thought into steps.

    When at least two lines start with a list marker (``1.``, ``2)``, ``(3)``, ``Step 4:``,
    ``-``, ``*``, a bullet), each marked line (with its indented or lower-case continuation
    lines) is one step and any other line is its own step; otherwise the text is split into
    sentences.

    Parameters
    ----------
    text : str
        The chain of thought.

    Returns
    -------
    list of Span
        Steps in order, as spans into ``text`` (whitespace trimmed); empty for blank text.

    Examples
    --------
    >>> [s.text for s in segment("Step 1: 4 + 4 = 8\\nStep 2: 8 * 2 = 16")]
    ['Step 1: 4 + 4 = 8', 'Step 2: 8 * 2 = 16']
    """
    if not isinstance(text, str):
        raise TypeError(f"segment() needs a string; got {type(text).__name__}.")
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    marked = [bool(_MARKER.match(text[a:b])) for a, b in lines]
    if sum(marked) < 2:
        return _sentences(text, 0, len(text))
    blocks: list[list[int]] = []  # each block: [start, end, is_marked]
    for (a, b), is_marked in zip(lines, marked, strict=False):
        line = text[a:b]
        if not line.strip():
            if blocks:
                blocks[-1].append(-1)  # a blank line closes the current block
            continue
        continuation = (
            blocks
            and blocks[-1][-1] != -1
            and blocks[-1][2] == 1
            and not is_marked
            and (line[:1].isspace() or line.lstrip()[:1].islower())
        )
        if continuation:
            blocks[-1][1] = b
        else:
            blocks.append([a, b, int(is_marked)])
    spans: list[Span] = []
    for block in blocks:
        if block[2]:
            span = _trimmed(text, block[0], block[1])
            if span is not None:
                spans.append(span)
        else:
            spans.extend(_sentences(text, block[0], block[1]))
    return spans


def split_steps(text: str) -> list[str]:
    """The text of each step of ``text``; see :func:`segment`."""
    return [s.text for s in segment(text)]


def strip_answer(text: str) -> tuple[str, str | None]:
    """Separate the trailing answer statement from the reasoning.

    The last phrase such as ``So the answer is (B)``, ``Therefore, the final answer is 12``
    or a line ``Answer: B`` and everything after it are removed, together with a connective
    (so, therefore, thus, hence) just before it and trailing punctuation.

    Parameters
    ----------
    text : str
        A chain of thought as generated.

    Returns
    -------
    reasoning : str
        The text before the answer statement (the whole text when there is none).
    answer : str or None
        The answer statement, or None.
    """
    matches = list(_ANSWER.finditer(text))
    if not matches:
        return text.strip(), None
    m = matches[-1]
    reasoning = text[: m.start()].rstrip(" \t\n,;:-")
    return reasoning, text[m.start() :].strip()


def replace_span(text: str, span: Span, new: str) -> str:
    """``text`` with ``span`` replaced by ``new`` (deleted when ``new`` is empty)."""
    if new:
        return text[: span.start] + new + text[span.end :]
    before = text[: span.start].rstrip(" \t")
    after = text[span.end :]
    if before.endswith("\n") or not before:
        after = after.lstrip(" \t\n") if not before else after.lstrip(" \t").removeprefix("\n")
    else:
        after = after.lstrip(" \t")
        if after and not after.startswith("\n"):
            after = " " + after
    return before + after


def parse_choice(text: str, letters: Sequence[str], choices: Sequence[str] = ()) -> int | None:
    """Index of the option a generated answer names, or None.

    Tried in order: a letter at the start (``B)``, ``(B``, ``B.``), an ``answer is (B)``
    phrase, a lone ``(B)`` anywhere, then the exact text of one option.

    Parameters
    ----------
    text : str
        Generated text (e.g. after the cue ``So the answer is (``).
    letters : sequence of str
        Option labels, e.g. ``["A", "B", "C", "D"]``.
    choices : sequence of str, optional
        Option texts, matched last.

    Examples
    --------
    >>> parse_choice("C) 42", "ABCD"), parse_choice("the answer is (b)", "ABCD"), parse_choice("??", "AB")
    (2, 1, None)
    """
    idx = {str(lab).upper(): i for i, lab in enumerate(letters)}
    pattern = "|".join(re.escape(str(lab)) for lab in letters)
    for rx in (
        rf"^\W{{0,3}}({pattern})(?:[^A-Za-z0-9]|$)",
        rf"answer\s*(?:is|:)?\s*:?\s*\(?({pattern})\b",
        rf"\(({pattern})\)",
    ):
        m = re.search(rx, text.strip(), re.IGNORECASE)
        if m and m.group(1).upper() in idx:
            return idx[m.group(1).upper()]
    low = text.strip().lower()
    hits = [i for i, c in enumerate(choices) if c and c.strip().lower() and c.strip().lower() in low]
    if len(hits) == 1:
        return hits[0]
    return None
