"""Audit tools: is a model's chain of thought faithful, and is an agent answer backed by its tool results?

Thin wrappers over :mod:`causalkit.faithfulness`: :func:`audit_faithfulness` runs the
chain-of-thought audits on a model (item files and report paths must be files the user gave);
:func:`check_agent_answer` checks any answer text against tool results, and
:func:`audit_last_answer` checks the agent's own last answer against the tool results of this
session (what the model saw), flagging every number and causal claim no tool result backs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from agent.exceptions import ToolInputError
from agent.session import Session, quote
from agent.tools._base import fmt, require_session, tool

__all__ = ["audit_faithfulness", "check_agent_answer", "audit_last_answer", "session_evidence"]

#: Tools whose output repeats an answer's claims: never evidence for that answer.
_ANSWER_AUDITS = ("check_agent_answer", "audit_last_answer")
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "0.0.0.0")
_MAX_ITEMS = 200
_MAX_LISTED = 20


def session_evidence(session: Session, upto: int | None = None) -> list[Any]:
    """The evidence an answer may rest on: successful tool outputs (as the model saw them) and user turns.

    Parameters
    ----------
    session : Session
    upto : int, optional
        Only log entries before this index.
    """
    out: list[Any] = []
    for entry in session.log[:upto]:
        if entry.kind == "tool" and entry.ok and entry.name not in _ANSWER_AUDITS:
            out.append(entry.output)
        elif entry.kind == "user":
            out.append({"role": "user", "content": entry.output})
    return out


def _audit(session: Session, answer: str, transcript: list[Any], about: str) -> dict[str, Any]:
    from causalkit.faithfulness.agent_audit import audit_agent_answer

    result = audit_agent_answer(answer, transcript)
    n_num = sum(c.kind == "number" for c in result.claims)
    unbacked = [{"text": c.text, "kind": c.kind, "sentence": c.sentence[:200], "why": c.evidence}
                for c in result.unbacked]
    handle = session.put("audit", result, meta={"answer": answer, "about": about, "n_evidence": len(transcript)})
    if not result.claims:
        reading = f"The {about} makes no number or causal claim to check."
    elif result.passed:
        reading = (f"All {len(result.claims)} claims of the {about} ({n_num} numbers, {len(result.claims) - n_num} "
                   f"causal) are backed by the {len(transcript)} tool results.")
    else:
        listed = "; ".join(f"{quote(u['text'])} ({u['kind']}: {u['why']})" for u in unbacked[:8])
        reading = (f"{len(unbacked)} of {len(result.claims)} claims of the {about} are not backed by any tool "
                   f"result: {listed}.")
    return {"handle": handle, "passed": result.passed, "n_claims": len(result.claims), "n_numbers": n_num,
            "n_causal": len(result.claims) - n_num, "n_tool_results": len(transcript),
            "unbacked": unbacked[:_MAX_LISTED], "reading": reading}


@tool
def check_agent_answer(answer: str, transcript: list[str] | None = None,
                       session: Session | None = None) -> dict[str, Any]:
    """Check that every number and causal claim in an answer is backed by a tool result.

    Parameters
    ----------
    answer : str
        The answer text to check (e.g. a draft answer before giving it).
    transcript : list of str
        Tool results as JSON text (default: every tool result of this session, as the model saw it).
    """
    session = require_session(session)
    if not answer.strip():
        raise ToolInputError("Give the answer text to check.")
    evidence: list[Any] = list(transcript) if transcript is not None else session_evidence(session)
    return _audit(session, answer, evidence, "answer")


@tool
def audit_last_answer(session: Session | None = None) -> dict[str, Any]:
    """Audit the agent's own last answer: is every number and causal claim in it backed by this session's tool results?"""
    session = require_session(session)
    index = next((i for i in range(len(session.log) - 1, -1, -1) if session.log[i].kind == "answer"), None)
    if index is None:
        raise ToolInputError("There is no answer in this session yet; ask a question first, or pass the text to "
                             "check_agent_answer.")
    return _audit(session, session.log[index].output, session_evidence(session, index), "last answer")


def _check_spec(session: Session, spec: str, role: str) -> str:
    """A model spec; a ``local:/path`` must name a path the user gave."""
    if not spec.strip():
        raise ToolInputError(f"`{role}` must name a model: local, local:/path, openai:NAME or a served model name.")
    prefix, _, rest = spec.strip().partition(":")
    if prefix.lower() == "local" and rest and rest.lower() not in ("smollm2", "smollm2-135m"):
        session.check_path(rest)
    return spec.strip()


def _check_url(session: Session, url: str) -> str:
    """A server URL: a local one, or one the user wrote in a question (items are sent there)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ToolInputError(f"`base_url` must be an http(s) URL such as http://127.0.0.1:8080/v1; got {quote(url)}.")
    said = any(e.kind == "user" and url.rstrip("/") in e.output for e in session.log)
    if parsed.hostname not in _LOOPBACK and not said:
        raise ToolInputError(f"Refusing to send audit items to {quote(url)}: the user did not name this server. Use a "
                             "local server or one the user gave.")
    return url


@tool
def audit_faithfulness(items_path: str | None = None, model: str = "local",
                       tests: str = "early,mistakes,filler,hint", n_items: int = 10,
                       tasks: str = "arithmetic,logic,causal", base_url: str | None = None,
                       helper_model: str | None = None, out: str | None = None, max_new_tokens: int = 256,
                       session: Session | None = None) -> dict[str, Any]:
    """Audit whether a language model's chain of thought causes its answers (early answering, mistakes, filler, hints).

    Parameters
    ----------
    items_path : str
        JSON or JSONL file of questions with gold answers that the user gave (default: generated items).
    model : str
        The model to audit: local, local:/path, openai:NAME, a model name served at base_url, or planted:faithful.
    tests : str
        Comma-separated tests: early, mistakes, filler, paraphrase, hint, steps, resample (or all).
    n_items : int
        Generated items per task (when no items file is given), 1-200.
    tasks : str
        Comma-separated tasks to generate: arithmetic, logic, causal.
    base_url : str
        URL of an OpenAI-compatible server (a local one, or one the user named).
    helper_model : str
        A model that writes paraphrases (needed by the paraphrase test).
    out : str
        Report file the user named (.md, .html or .json).
    max_new_tokens : int
        Budget of each chain of thought.
    """
    from causalkit.faithfulness.cli import audit_faithfulness as run_audit

    session = require_session(session)
    if not 1 <= n_items <= _MAX_ITEMS:
        raise ToolInputError(f"`n_items` must be between 1 and {_MAX_ITEMS}; got {n_items}.")
    if not 16 <= max_new_tokens <= 4096:
        raise ToolInputError(f"`max_new_tokens` must be between 16 and 4096; got {max_new_tokens}.")
    items = str(session.check_path(items_path)) if items_path else None
    target = str(session.check_path(out)) if out else None
    spec = _check_spec(session, model, "model")
    helper = _check_spec(session, helper_model, "helper_model") if helper_model else None
    url = _check_url(session, base_url) if base_url else None
    res = run_audit(items, spec, tests, n_items=n_items, tasks=tasks, base_url=url, helper_model=helper, out=target,
                    max_new_tokens=max_new_tokens, random_state=session.seed)
    handle = session.put("faithfulness", res, meta={"call": {
        "items_path": items, "model": spec, "tests": tests, "n_items": n_items, "tasks": tasks,
        "helper_model": helper, "max_new_tokens": max_new_tokens, "random_state": session.seed}})
    scores = [{k: fmt(v, 4) for k, v in row.items()} for row in res["scores"]]
    return {"handle": handle, **{k: v for k, v in res.items() if k != "summary"}, "scores": scores,
            "reading": res["summary"]}
