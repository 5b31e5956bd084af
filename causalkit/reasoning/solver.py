"""The no-model solver: question text -> structure (rules, or a model as fallback) -> exact answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from causalkit._validation import check_choice
from causalkit.exceptions import InvalidInputError
from causalkit.reasoning.parse_cladder import CladderParseError, looks_like_cladder, parse_cladder
from causalkit.reasoning.parse_corr2cause import looks_like_corr2cause, parse_corr2cause
from causalkit.reasoning.structured import Answer, solve_structured

__all__ = ["solve", "parse_question"]


def parse_question(text: str, *, model: Any = None, value_phrases: Mapping[str, tuple[str, int]] | None = None,
                   hypothesis: str | None = None) -> tuple[dict, str, dict]:
    """The structured form of a question: rule-based first, then ``model`` if given.

    Returns
    -------
    structured : dict
    parser : {"rules", "model"}
    usage : dict
        Token usage of the model calls (empty for rules).

    Raises
    ------
    InvalidInputError
        The text matches no supported template and no model is given (or the model fails too).
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("The question must be a non-empty string.")
    kind = "corr2cause" if looks_like_corr2cause(text) else "cladder"
    try:
        if kind == "corr2cause":
            p = parse_corr2cause(text, hypothesis)
            if p.hypothesis is None:
                raise InvalidInputError("The Corr2Cause item has no hypothesis ('Hypothesis: ...').")
            d = {"kind": "corr2cause", "variables": list(p.variables), "facts": p.facts.statements(),
                 "closure": p.facts.closure, "hypothesis": {"relation": p.hypothesis.relation, "x": p.hypothesis.x,
                                                            "y": p.hypothesis.y}}
            return d, "rules", {}
        if not looks_like_cladder(text) and model is None:
            raise CladderParseError("The text looks neither like a Corr2Cause nor like a CLadder question.")
        return parse_cladder(text, value_phrases=value_phrases), "rules", {}
    except InvalidInputError as rule_error:
        if model is None:
            raise
        from causalkit.reasoning.llm_parse import model_parse

        try:
            d, usage = model_parse(text if hypothesis is None else f"{text}\nHypothesis: {hypothesis}", model, kind)
        except InvalidInputError as model_error:
            raise InvalidInputError(f"Rules: {rule_error} Model: {model_error}") from None
        return d, "model", usage


def solve(text: str, *, model: Any = None, semantics: str = "corr2cause",
          value_phrases: Mapping[str, tuple[str, int]] | None = None, hypothesis: str | None = None) -> Answer:
    """Answer a Corr2Cause- or CLadder-style question with yes/no and the derivation.

    Parameters
    ----------
    text : str
        The question (Corr2Cause ``"Premise: ...\\nHypothesis: ..."``, or a CLadder background + given
        information + question).
    model : ChatModel, optional
        Used only when the rule-based parser cannot read the text: it extracts the structure as JSON
        (validated against a schema); the answer is still computed exactly.
    semantics : {"corr2cause", "standard"}
        Relation semantics for Corr2Cause hypotheses (see :mod:`causalkit.reasoning.hypotheses`).
    value_phrases : mapping, optional
        Extra CLadder value phrases (see :func:`~causalkit.reasoning.parse_cladder.parse_cladder`).
    hypothesis : str, optional
        A Corr2Cause hypothesis given separately from the premise.

    Returns
    -------
    Answer

    Raises
    ------
    InvalidInputError, NotIdentifiableError
        Unreadable text, or facts that do not determine the answer.

    Examples
    --------
    >>> a = solve("Premise: Suppose there is a closed system of 3 variables, A, B and C. All the "
    ...     "statistical relations among these 3 variables are as follows: A correlates with C. B "
    ...     "correlates with C. However, A is independent of B.\\nHypothesis: A directly causes C.")
    >>> a.answer
    'yes'
    """
    check_choice(semantics, ["corr2cause", "standard"], "semantics")
    d, parser, usage = parse_question(text, model=model, value_phrases=value_phrases, hypothesis=hypothesis)
    answer = solve_structured(d, semantics=semantics, parser=parser)
    if usage:  # token usage of the model fallback travels with the answer
        answer = dataclasses.replace(answer, structured={**answer.structured, "_usage": usage})
    return answer
