"""Scripted reasoners with planted behaviour, for tests and demonstrations.

A small offline model answers at chance, so it cannot show what a faithfulness audit finds.
:class:`ArithmeticReasoner` solves items from
:func:`~causalkit.faithfulness.generators.make_arithmetic_items` step by step
(``Step 1: 17 + 25 = 42.``) and answers in one of two planted ways:

* ``mode="faithful"``: the answer is read from the reasoning in the prompt - the last result
  it asserts (a negated step ``It is not true that ... = 42`` is read as 43, i.e. "not 42"),
  mapped to the nearest option; with no number in the reasoning it guesses ``A``. When it
  continues a partial reasoning it carries on from the last result written there.
* ``mode="unfaithful"``: it writes the same reasoning but answers from the question alone.

``follow_hint=True`` makes it answer a letter suggested in the prompt (``I think the answer is
(X)``) whatever it reasoned, without saying so unless ``acknowledge_hint=True``. With
``temperature > 0`` each computed step is wrong by one with probability ``error_rate``
(seeded by the prompt and ``seed``), so resampling has something to find.

Examples
--------
>>> from causalkit.faithfulness.generators import make_arithmetic_items
>>> from causalkit.faithfulness.prompts import cot_prompt
>>> item = make_arithmetic_items(1, random_state=0)[0]
>>> item.question
'What is 32 + 26 + 14 + 16?'
>>> print(ArithmeticReasoner().generate([cot_prompt(item)])[0])
Step 1: 32 + 26 = 58.
Step 2: 58 + 14 = 72.
Step 3: 72 + 16 = 88.
So the answer is (A).
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import numpy as np

from causalkit.exceptions import InvalidInputError
from causalkit.faithfulness.prompts import Prompt
from causalkit.faithfulness.reasoner import ScriptedReasoner

__all__ = ["ArithmeticReasoner", "parse_arithmetic"]

_RESULT = re.compile(r"=\s*(-?\d+(?:\.\d+)?)")
_HINT = re.compile(r"I think the answer is \(([A-Z])\)")
_CUE = "So the answer is ("


def parse_arithmetic(user: str) -> tuple[list[int], list[str], list[tuple[str, str]]]:
    """Terms, operators and ``(letter, option)`` pairs of an arithmetic prompt.

    Raises
    ------
    InvalidInputError
        The prompt holds no ``What is a + b - c?`` question.
    """
    m = re.search(r"What is ([-+\d\s]+)\?", user)
    if m is None:
        raise InvalidInputError("ArithmeticReasoner only answers items from make_arithmetic_items ('What is a + b?').")
    tokens = m.group(1).split()
    terms = [int(t) for t in tokens[0::2]]
    ops = tokens[1::2]
    options = re.findall(r"^\(([A-Z])\) (.+)$", user, re.M)
    return terms, ops, options


def _last_result(reasoning: str) -> tuple[float | None, int]:
    """The last asserted result and the number of results in ``reasoning``."""
    value, count = None, 0
    for line in re.split(r"(?<=\.)\s+|\n", reasoning):
        m = list(_RESULT.finditer(line))
        if not m:
            continue
        count += 1
        v = float(m[-1].group(1))
        value = v + 1 if re.search(r"\bnot\b", line, re.I) else v
    return value, count


def _nearest(options: list[tuple[str, str]], value: float | None) -> str:
    if value is None or not options:
        return "A"
    numeric = [(abs(float(text) - value), letter) for letter, text in options]
    return min(numeric)[1]


class ArithmeticReasoner(ScriptedReasoner):
    """A planted reasoner for arithmetic items (see the module docstring).

    Parameters
    ----------
    mode : {"faithful", "unfaithful"}
        Whether the answer follows the reasoning in the prompt or the question alone.
    follow_hint : bool
        Answer the letter a hint suggests.
    acknowledge_hint : bool
        Say so in the reasoning when following a hint.
    error_rate : float
        Per-step error probability when sampling (``temperature > 0``).
    cache : optional
        Output cache, as for any :class:`~causalkit.faithfulness.reasoner.Reasoner`.
    """

    def __init__(
        self,
        mode: str = "faithful",
        *,
        follow_hint: bool = False,
        acknowledge_hint: bool = False,
        error_rate: float = 0.3,
        cache: Any = None,
    ) -> None:
        if mode not in ("faithful", "unfaithful"):
            raise InvalidInputError(f"`mode` must be 'faithful' or 'unfaithful'; got {mode!r}.")
        self.mode = mode
        self.follow_hint = follow_hint
        self.acknowledge_hint = acknowledge_hint
        self.error_rate = float(error_rate)
        name = f"arithmetic-{mode}" + ("-hinted" if follow_hint else "")
        super().__init__(self._continue, self._answer_choice, name=name, cache=cache)

    def _continue(self, prompt: Prompt, temperature: float = 0.0, seed: int = 0) -> str:
        terms, ops, options = parse_arithmetic(prompt.user)
        rng = np.random.default_rng([seed, zlib.crc32(prompt.key().encode())])
        if prompt.prefix.rstrip().endswith(_CUE.rstrip()):  # asked for the answer by generation
            return self._answer_choice(prompt, [lab for lab, _ in options]) + ")"
        value, done = _last_result(prompt.prefix)
        if value is None:
            value, done = float(terms[0]), 0
        lines = []
        hint = _HINT.search(prompt.user)
        if hint and self.follow_hint and self.acknowledge_hint and done == 0:
            lines.append(f"You suggested ({hint.group(1)}), so I will keep that in mind.")
        for j in range(done, len(ops)):
            new = value + terms[j + 1] if ops[j] == "+" else value - terms[j + 1]
            if temperature > 0 and rng.random() < self.error_rate:
                new += float(rng.choice([-1, 1]))
            lines.append(f"Step {j + 1}: {value:g} {ops[j]} {terms[j + 1]} = {new:g}.")
            value = new
        letter = hint.group(1) if hint and self.follow_hint else _nearest(options, value)
        lines.append(f"So the answer is ({letter}).")
        return "\n".join(lines)

    def _answer_choice(self, prompt: Prompt, choices: list[str]) -> str:
        terms, ops, options = parse_arithmetic(prompt.user)
        hint = _HINT.search(prompt.user)
        if hint and self.follow_hint and hint.group(1) in choices:
            return hint.group(1)
        if self.mode == "unfaithful":
            value = float(terms[0])
            for op, t in zip(ops, terms[1:], strict=False):
                value = value + t if op == "+" else value - t
            return _nearest(options, value)
        reasoning = prompt.prefix.rsplit(_CUE, 1)[0]
        return _nearest(options, _last_result(reasoning)[0])
