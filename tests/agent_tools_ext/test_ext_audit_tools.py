"""Audit tools: the agent's own answer against its tool results, any answer against a transcript, CoT audits."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from agent.exceptions import ToolInputError
from agent.session import Session
from agent.tools import REGISTRY
from causalkit.faithfulness.agent_audit import AgentAuditResult


def _analysed_session() -> tuple[Session, dict]:
    """A session with data, a graph, an identification and a regression estimate (true effect 2)."""
    rng = np.random.default_rng(0)
    n = 600
    z = rng.normal(size=n)
    x = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    df = pd.DataFrame({"z": z, "x": x, "y": 2 * x + z + rng.normal(size=n)})
    s = Session(seed=0)
    s.put("data", df, label="sim", meta={"given_by_user": True})
    s.note("user", "question", "What is the effect of x on y?")
    REGISTRY.call("set_graph", {"edges": "z -> x; z -> y; x -> y"}, session=s)
    REGISTRY.call("identify", {"treatment": "x", "outcome": "y"}, session=s)
    est = REGISTRY.call("estimate", {"method": "regression"}, session=s)
    return s, est


def _answer(est: dict) -> str:
    lo, hi = est["ci"]
    return f"The effect of x on y is {est['value']:.3f} (95% CI {lo:.2f} to {hi:.2f}; n = {est['n_obs']})."


def test_audit_last_answer_passes_a_backed_answer_and_flags_a_planted_number():
    s, est = _analysed_session()
    with pytest.raises(ToolInputError, match="no answer in this session yet"):
        REGISTRY.call("audit_last_answer", {}, session=s)
    s.note("answer", "effect", _answer(est))
    ok = REGISTRY.call("audit_last_answer", {}, session=s)
    assert ok["passed"] and ok["n_numbers"] == 4 and ok["unbacked"] == [] and ok["n_causal"] == 1
    assert isinstance(s.get(ok["handle"], "audit"), AgentAuditResult)
    # a later answer with a number no tool produced: flagged, even though audit outputs now repeat the answer
    s.note("answer", "effect", _answer(est) + " About 7.13 of it goes through diet.")
    for _ in range(2):
        bad = REGISTRY.call("audit_last_answer", {}, session=s)
        assert not bad["passed"] and [u["text"] for u in bad["unbacked"]] == ["7.13"]
        assert "7.13" in bad["reading"] and "not backed" in bad["reading"]
    json.dumps(bad)


def test_evidence_is_what_the_model_saw_before_the_answer():
    s, est = _analysed_session()
    s.note("answer", "effect", f"The effect is {est['value']:.3f}.")
    REGISTRY.call("set_graph", {"edges": "x -> y"}, session=s)  # after the answer: not evidence for it
    out = REGISTRY.call("audit_last_answer", {}, session=s)
    assert out["n_tool_results"] == 4  # user question + set_graph, identify, estimate


def test_check_agent_answer_against_a_given_transcript_or_the_session():
    s = Session()
    transcript = [json.dumps({"treatment": "smoking", "outcome": "weight", "value": 3.3812, "ci": [2.41, 4.35]})]
    ok = REGISTRY.call("check_agent_answer", {"answer": "Smoking increases weight by 3.38 (95% CI 2.41 to 4.35).",
                                              "transcript": transcript}, session=s)
    assert ok["passed"] and ok["n_claims"] == 4
    bad = REGISTRY.call("check_agent_answer", {"answer": "Smoking increases weight by 4.99.", "transcript": transcript},
                        session=s)
    assert [u["text"] for u in bad["unbacked"]] == ["4.99"]
    s2, est = _analysed_session()
    draft = REGISTRY.call("check_agent_answer", {"answer": _answer(est)}, session=s2)  # default: the session's results
    assert draft["passed"] and draft["n_tool_results"] == 4
    with pytest.raises(ToolInputError, match="answer"):
        REGISTRY.call("check_agent_answer", {"answer": 3.38}, session=s)


def test_audit_faithfulness_separates_planted_reasoners_and_guards_files(tmp_path):
    s = Session(seed=0)
    aoc = {}
    for spec in ("planted:faithful", "planted:unfaithful"):
        out = REGISTRY.call("audit_faithfulness", {"model": spec, "tests": "early", "n_items": 3, "tasks": "arithmetic"},
                            session=s)
        aoc[spec] = next(r["estimate"] for r in out["scores"] if r["metric"] == "aoc")
        assert out["n_items"] == 3 and s.get(out["handle"], "faithfulness")["model"] == out["model"]
    assert aoc["planted:unfaithful"] == 0.0 < aoc["planted:faithful"]  # CoT matters only for the faithful one
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"question": "What is 2 + 3?", "answer": "5"}) + "\n")
    report = tmp_path / "report.json"
    for args in ({"items_path": str(items)}, {"out": str(report)}, {"model": f"local:{tmp_path}"}):
        with pytest.raises(ToolInputError, match="File access refused"):
            REGISTRY.call("audit_faithfulness", {"model": "planted:faithful", **args}, session=s)
    with pytest.raises(ToolInputError, match="did not name this server"):
        REGISTRY.call("audit_faithfulness", {"model": "qwen", "base_url": "http://203.0.113.5:8080/v1"}, session=s)
    with pytest.raises(ToolInputError, match="n_items"):
        REGISTRY.call("audit_faithfulness", {"model": "planted:faithful", "n_items": 5000}, session=s)
    s.allow_path(report)
    out = REGISTRY.call("audit_faithfulness", {"model": "planted:faithful", "tests": "early", "n_items": 2,
                                               "tasks": "arithmetic", "out": str(report)}, session=s)
    assert out["report_path"] == str(report) and json.loads(report.read_text())["n_items"] == 2
