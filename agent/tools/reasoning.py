"""Reasoning tools: exact answers from stated facts (independences, probabilities), no data needed.

Wrappers over :mod:`causalkit.reasoning.agent_tools`: Corr2Cause-style questions (which causal
relations follow from stated (in)dependences) and CLadder-style questions (rung 1-3 quantities
from a story with a graph and stated probabilities). :func:`answer_causal_question` and
:func:`parse_causal_question` read the text with rules and, when the session has a chat model,
fall back to the model for the parsing only (the answer is still computed exactly).

This module also holds :func:`register_plain`, which registers a plain causalkit function (typed,
numpydoc, JSON in and out) as a session tool without restating its docstring.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Literal

from agent.exceptions import ToolInputError
from agent.session import Session
from agent.tools._base import require_session, tool

__all__ = ["answer_causal_question", "parse_causal_question", "register_plain", "REASONING_TOOLS", "SKIPPED"]

#: Names of the reasoning tools registered (this module's and those of :data:`causalkit.reasoning.agent_tools.TOOLS`).
REASONING_TOOLS: list[str] = ["answer_causal_question", "parse_causal_question"]
#: Plain functions that could not be registered (name -> reason); empty when all went well.
SKIPPED: dict[str, str] = {}

_FORMAT_HINT = ("Write it as a Corr2Cause item ('Premise: Suppose there is a closed system of 3 variables, A, B and C. "
                "All the statistical relations among these 3 variables are as follows: A correlates with C. ... "
                "Hypothesis: A directly causes C.') or a CLadder story with stated probabilities, call "
                "decide_causal_hypothesis with the variables and facts, or start the agent with a model to parse free text.")


def register_plain(fn: Callable[..., dict[str, Any]], kind: str,
                   prepare: Callable[[Session, dict[str, Any]], dict[str, Any]] | None = None) -> Callable[..., Any]:
    """Register the plain function ``fn`` as a session tool that stores its result under a ``kind`` handle.

    The tool has ``fn``'s name, parameters and docstring (so its schema is ``fn``'s) plus the
    injected ``session``; ``prepare(session, arguments)`` may check or rewrite the arguments
    (e.g. refuse paths the user did not give) before ``fn`` runs.

    Parameters
    ----------
    fn : callable
        Typed function with a numpydoc docstring, JSON-friendly arguments, returning a dict.
    kind : str
        Session kind of the stored result (``"reasoning"``, ``"interp"``, ...).
    prepare : callable, optional
        ``prepare(session, arguments) -> arguments``.

    Returns
    -------
    callable
        The registered tool.
    """
    sig = inspect.signature(fn)

    def wrapper(*args: Any, session: Session | None = None, **kwargs: Any) -> dict[str, Any]:
        session = require_session(session)
        arguments = dict(sig.bind(*args, **kwargs).arguments)
        if prepare is not None:
            arguments = prepare(session, arguments)
        out = dict(fn(**arguments))
        out["handle"] = session.put(kind, dict(out), meta={"tool": fn.__name__, "call": arguments})
        return out

    functools.update_wrapper(wrapper, fn)
    wrapper.__annotations__ = {**fn.__annotations__, "session": Any}
    session_param = inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Any)
    wrapper.__signature__ = sig.replace(parameters=[*sig.parameters.values(), session_param])  # type: ignore[attr-defined]
    return tool(wrapper)


def _solve_text(session: Session, question: str, semantics: str, parse_only: bool) -> Any:
    from causalkit.exceptions import InvalidInputError
    from causalkit.reasoning.solver import parse_question, solve

    if not question.strip():
        raise ToolInputError("Give the full question text.")
    model = getattr(session, "model", None)
    try:
        if parse_only:
            return parse_question(question, model=model)
        return solve(question, model=model, semantics=semantics)
    except InvalidInputError as exc:
        hint = "" if model is not None else f" {_FORMAT_HINT}"
        raise ToolInputError(f"Could not read the question: {exc}{hint}") from None


@tool
def answer_causal_question(question: str, semantics: Literal["corr2cause", "standard"] = "corr2cause",
                           session: Session | None = None) -> dict[str, Any]:
    """Answer a yes/no causal question from stated facts exactly (Corr2Cause independences or CLadder probabilities), with the derivation.

    Parameters
    ----------
    question : str
        The full question text: premise and hypothesis, or story, stated probabilities and question.
    semantics : {"corr2cause", "standard"}
        How Corr2Cause relations are read ("corr2cause" reproduces the dataset's labels).
    """
    session = require_session(session)
    a = _solve_text(session, question, semantics, parse_only=False)
    handle = session.put("reasoning", a, meta={"tool": "answer_causal_question", "call": {"semantics": semantics}})
    value = None if a.value is None else float(f"{a.value:.6g}")
    return {"handle": handle, "answer": a.answer, "kind": a.kind, "value": value, "parser": a.parser,
            "derivation": a.derivation, "warnings": list(a.warnings),
            "reading": f"Answer: {a.answer}. {a.derivation}"}


@tool
def parse_causal_question(question: str, session: Session | None = None) -> dict[str, Any]:
    """Read a Corr2Cause- or CLadder-style question into its structured form, to check or correct before answering.

    Parameters
    ----------
    question : str
        The full question text.
    """
    session = require_session(session)
    structured, parser, _usage = _solve_text(session, question, "corr2cause", parse_only=True)
    handle = session.put("reasoning", structured, meta={"tool": "parse_causal_question", "parser": parser})
    return {"handle": handle, "parser": parser, "structured": structured,
            "note": "Correct the structure if needed and pass it to answer_structured_question."}


def _register_library_tools() -> None:
    from causalkit.reasoning import agent_tools as rt

    for fn in getattr(rt, "TOOLS", ()):
        name = fn.__name__
        if name in ("answer_causal_question", "parse_causal_question"):
            continue  # registered above, with the session's model as a parsing fallback
        try:
            register_plain(fn, "reasoning")
        except (TypeError, ValueError) as exc:  # a schema that cannot be built must not break the agent
            SKIPPED[name] = f"{type(exc).__name__}: {exc}"
            continue
        REASONING_TOOLS.append(name)


_register_library_tools()
