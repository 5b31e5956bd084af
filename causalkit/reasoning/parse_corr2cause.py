"""Rule-based reading of Corr2Cause questions: premise -> variables and facts, hypothesis -> relation.

The premise template of Corr2Cause (Jin et al. 2023, ``code/data_verbalize.py``)::

    Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations
    among these 3 variables are as follows: A correlates with B. B correlates with C. However,
    A and C are independent given B.

lists every correlation and every (conditional) independence, so the facts are read with the
closure "everything not stated independent is dependent". Hypotheses come in the original and
paraphrased templates of the dataset (e.g. "A directly causes B.", "B is a cause for A, but not a
direct one.", "There exists at least one confounder (i.e., common cause) of A and B.", "Some
variable(s) cause(s) both A and B.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from causalkit.exceptions import InvalidInputError
from causalkit.reasoning.facts import FactSet, IndependenceFact, parse_fact
from causalkit.reasoning.hypotheses import Hypothesis

__all__ = ["Corr2CauseProblem", "parse_corr2cause", "parse_premise", "parse_hypothesis", "split_input",
           "looks_like_corr2cause"]

_N = r"([A-Za-z_][\w']*)"
_HYPOTHESES: list[tuple[re.Pattern, str, bool]] = [
    # (pattern, relation, swap) - the relation holds for (group1, group2), or reversed if swap
    (re.compile(rf"^{_N} directly (?:causes|affects) {_N}$", re.I), "parent", False),
    (re.compile(rf"^{_N} is a direct cause (?:of|for) {_N}$", re.I), "parent", False),
    (re.compile(rf"^{_N} causes something else which causes {_N}$", re.I), "ancestor", False),
    (re.compile(rf"^{_N} is a cause for {_N},? but not a direct one$", re.I), "ancestor", False),
    (re.compile(rf"^{_N} influences {_N} through some mediators?(?:\(s\))?$", re.I), "ancestor", False),
    (re.compile(rf"^{_N} is an? (?:indirect cause|ancestor) of {_N}$", re.I), "ancestor", False),
    (re.compile(rf"^there exists at least one collider \(i\.e\., common effect\) of {_N} and {_N}$", re.I), "collider", False),
    (re.compile(rf"^{_N} and {_N} together cause some other variable(?:\(s\)|s)?$", re.I), "collider", False),
    (re.compile(rf"^{_N} and {_N} have a common effect$", re.I), "collider", False),
    (re.compile(rf"^there exists at least one confounder \(i\.e\., common cause\) of {_N} and {_N}$", re.I), "confounder", False),
    (re.compile(rf"^some variable(?:\(s\)|s)? cause(?:\(s\)|s)? both {_N} and {_N}$", re.I), "confounder", False),
    (re.compile(rf"^{_N} and {_N} have a common cause$", re.I), "confounder", False),
]
_SYSTEM = re.compile(r"closed system of (\d+) variables?,\s*(.+?)\.\s", re.I | re.S)
_LIST = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+)\s*")


@dataclass(frozen=True)
class Corr2CauseProblem:
    """A parsed Corr2Cause question: the variables (premise order), the facts and the hypothesis."""

    variables: tuple[str, ...]
    facts: FactSet
    hypothesis: Hypothesis | None

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        h = self.hypothesis
        return {"variables": list(self.variables), "facts": [str(f) for f in self.facts.facts],
                "closure": self.facts.closure,
                "hypothesis": None if h is None else {"relation": h.relation, "x": h.x, "y": h.y}}


def split_input(text: str) -> tuple[str, str | None]:
    """Split ``"Premise: ...\\nHypothesis: ..."`` (Corr2Cause's CSV ``input``) into its two parts."""
    m = re.search(r"hypothesis\s*:", text, re.I)
    if not m:
        return re.sub(r"^\s*premise\s*:\s*", "", text, flags=re.I).strip(), None
    premise = re.sub(r"^\s*premise\s*:\s*", "", text[: m.start()], flags=re.I).strip()
    return premise, text[m.end():].strip()


def looks_like_corr2cause(text: str) -> bool:
    """Whether ``text`` reads like a Corr2Cause premise."""
    return bool(re.search(r"closed system of \d+ variables|statistical relations among", text, re.I))


def parse_premise(premise: str) -> tuple[list[str], FactSet]:
    """Variables and facts (with closure) from a Corr2Cause premise.

    Raises
    ------
    InvalidInputError
        No "closed system of N variables" clause, or a sentence that is neither a correlation nor an
        independence statement.

    Examples
    --------
    >>> v, f = parse_premise("Suppose there is a closed system of 3 variables, A, B and C. All the "
    ...     "statistical relations among these 3 variables are as follows: A correlates with B. "
    ...     "B correlates with C. However, A and C are independent given B.")
    >>> v, [str(x) for x in f.independences]
    (['A', 'B', 'C'], ['A _||_ C | B'])
    """
    variables, facts = _parse_premise(premise)
    return list(variables), facts


@lru_cache(maxsize=4096)
def _parse_premise(premise: str) -> tuple[tuple[str, ...], FactSet]:
    m = _SYSTEM.search(premise + " ")
    if not m:
        raise InvalidInputError(
            "Cannot find the variables: a Corr2Cause premise starts 'Suppose there is a closed system of N "
            "variables, A, B and C.'"
        )
    count = int(m.group(1))
    variables = [v.strip() for v in _LIST.split(m.group(2)) if v.strip()]
    if len(variables) != count:
        raise InvalidInputError(f"The premise announces {count} variables but lists {variables}.")
    body = premise[m.end():]
    colon = body.find(":")
    body = body[colon + 1:] if colon >= 0 else body
    facts: list[IndependenceFact] = []
    for sentence in re.split(r"(?<=\.)\s+", body.strip()):
        s = re.sub(r"^(?:however|moreover|also|and)\s*,?\s*", "", sentence.strip(), flags=re.I).strip()
        if not s:
            continue
        try:
            facts.append(parse_fact(s))
        except InvalidInputError as exc:
            raise InvalidInputError(f"Cannot read the premise sentence {sentence!r}: {exc}") from None
    return tuple(variables), FactSet(variables, facts, closure=True)


def parse_hypothesis(text: str) -> Hypothesis:
    """The relation a Corr2Cause hypothesis sentence states.

    Examples
    --------
    >>> parse_hypothesis("B is a cause for A, but not a direct one.")
    Hypothesis(relation='ancestor', x='B', y='A')
    >>> parse_hypothesis("Some variable(s) cause(s) both A and C.").relation
    'confounder'
    """
    clean = text.strip().rstrip(".").strip()
    for pattern, relation, _ in _HYPOTHESES:
        m = pattern.match(clean)
        if m:
            return Hypothesis(relation, m.group(1), m.group(2))
    raise InvalidInputError(
        f"Cannot read the hypothesis {text!r}. Supported forms: 'A directly causes B.', 'A causes something "
        "else which causes B.', 'A is a cause for B, but not a direct one.', 'There exists at least one "
        "collider (i.e., common effect) of A and B.', 'There exists at least one confounder (i.e., common "
        "cause) of A and B.' and the paraphrased variants."
    )


def parse_corr2cause(text: str, hypothesis: str | None = None) -> Corr2CauseProblem:
    """Parse a Corr2Cause item: ``"Premise: ...\\nHypothesis: ..."`` or a premise plus a hypothesis.

    Examples
    --------
    >>> p = parse_corr2cause("Premise: Suppose there is a closed system of 2 variables, A and B. All "
    ...     "the statistical relations among these 2 variables are as follows: A correlates with B.\\n"
    ...     "Hypothesis: A directly causes B.")
    >>> p.variables, str(p.hypothesis)
    (('A', 'B'), 'parent(A, B)')
    """
    premise, hyp = split_input(text)
    if hypothesis is not None:
        hyp = hypothesis
    variables, facts = parse_premise(premise)
    h = parse_hypothesis(hyp) if hyp else None
    if h is not None:
        for v in (h.x, h.y):
            if v not in variables:
                raise InvalidInputError(f"The hypothesis names {v!r}, which is not one of the premise's variables {variables}.")
    return Corr2CauseProblem(tuple(variables), facts, h)
