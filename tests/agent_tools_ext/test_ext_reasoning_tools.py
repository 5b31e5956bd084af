"""Reasoning tools: exact answers from stated independences and probabilities, through the registry."""

from __future__ import annotations

import json

import pytest

from agent.exceptions import ToolExecutionError, ToolInputError
from agent.session import Session
from agent.testing import ScriptedModel
from agent.tools import REASONING_TOOLS, REGISTRY, use_model
from agent.tools import reasoning as reasoning_tools

COLLIDER = ("Premise: Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations among "
            "these 3 variables are as follows: A correlates with C. B correlates with C. However, A is independent of "
            "B.\nHypothesis: A directly causes C.")
BG = ("Imagine a self-contained, hypothetical world with only the following conditions, and without any unmentioned "
      "factors or causal relationships: ")
IV = (BG + "Unobserved confounders has a direct effect on education and salary. Proximity has a direct effect on "
      "education. Education has a direct effect on salary. Unobserved confounders is unobserved.\n\n"
      "For those who are not proximity, the probability of salary is 35%. For those who are proximity, the "
      "probability of salary is 53%. For those who are not proximity, the probability of education is 40%. For "
      "those who are proximity, the probability of education is 73%.\n\nWill education decrease the chance of salary?")


def test_every_library_reasoning_tool_is_registered():
    from causalkit.reasoning.agent_tools import TOOLS

    assert reasoning_tools.SKIPPED == {}
    assert {fn.__name__ for fn in TOOLS} <= set(REASONING_TOOLS) and all(n in REGISTRY for n in REASONING_TOOLS)


def test_corr2cause_and_cladder_questions_are_answered_exactly():
    s = Session()
    out = REGISTRY.call("answer_causal_question", {"question": COLLIDER}, session=s)
    assert out["answer"] == "yes" and out["kind"] == "corr2cause" and out["parser"] == "rules"
    assert "A --> C, B --> C" in out["derivation"] and out["reading"].startswith("Answer: yes.")
    iv = REGISTRY.call("answer_causal_question", {"question": IV}, session=s)
    assert iv["answer"] == "no" and iv["value"] == pytest.approx((0.53 - 0.35) / (0.73 - 0.40), abs=1e-5)
    assert s.get(iv["handle"], "reasoning").answer == "no"
    json.dumps(iv)


def test_facts_tools_decide_and_compute():
    s = Session()
    facts = ["A correlates with B", "B correlates with C", "A correlates with C", "A _||_ C | B"]
    d = REGISTRY.call("decide_causal_hypothesis", {"variables": ["A", "B", "C"], "facts": facts, "relation": "parent",
                                                   "x": "A", "y": "C"}, session=s)
    assert d["answer"] == "no" and d["verdict"] == "contradicted"  # A and C are not adjacent in a chain/fork
    mec = REGISTRY.call("discover_from_independences", {"variables": ["A", "B", "C"], "facts": facts}, session=s)
    assert mec["kind"] == "cpdag" and sorted(mec["edges"]) == ["A --- B", "B --- C"]
    q = REGISTRY.call("compute_causal_query", {"edges": ["X --> Y"], "query": "ate", "treatment": "X", "outcome": "Y",
                                               "probabilities": ["P(X=1) = 0.5", "P(Y=1 | X=1) = 0.6",
                                                                 "P(Y=1 | X=0) = 0.2"]}, session=s)
    assert q["value"] == pytest.approx(0.4)
    assert s.objects[q["handle"]].meta["call"]["query"] == "ate"
    with pytest.raises(ToolInputError, match="relation"):  # the schema's enum
        REGISTRY.call("decide_causal_hypothesis", {"variables": ["A", "B"], "facts": [], "relation": "friend",
                                                   "x": "A", "y": "B"}, session=s)
    with pytest.raises(ToolExecutionError, match="Q"):
        REGISTRY.call("decide_causal_hypothesis", {"variables": ["A", "B"], "facts": ["A correlates with B"],
                                                   "relation": "parent", "x": "Q", "y": "B"}, session=s)


def test_free_text_needs_a_template_or_the_sessions_model():
    free = ("Zuph causes glimx and nothing else matters. If zuph, glimx happens 60% of the time; otherwise 20%. "
            "60% are zuph. Does zuph raise glimx?")
    s = Session()
    with pytest.raises(ToolInputError, match="closed system of 3 variables.*decide_causal_hypothesis"):
        REGISTRY.call("answer_causal_question", {"question": free}, session=s)
    structured = {"kind": "cladder", "nodes": ["zuph", "glimx"], "edges": [["zuph", "glimx"]], "unobserved": [],
                  "probabilities": [{"event": {"zuph": 1}, "given": {}, "value": 0.6},
                                    {"event": {"glimx": 1}, "given": {"zuph": 0}, "value": 0.2},
                                    {"event": {"glimx": 1}, "given": {"zuph": 1}, "value": 0.6}],
                  "mechanisms": [], "evidence": {},
                  "query": {"type": "ate", "treatment": "zuph", "outcome": "glimx", "x": 1, "y": 1, "positive": True}}
    model = ScriptedModel([{"content": json.dumps(structured)}])
    use_model(s, model)
    out = REGISTRY.call("answer_causal_question", {"question": free}, session=s)
    assert out["parser"] == "model" and out["answer"] == "yes" and out["value"] == pytest.approx(0.4)
    assert free in model.requests[0]["messages"][-1]["content"]  # the model only parsed; the answer is computed
    parsed = REGISTRY.call("parse_causal_question", {"question": COLLIDER}, session=s)
    assert parsed["parser"] == "rules" and parsed["structured"]["hypothesis"] == {"relation": "parent", "x": "A", "y": "C"}
    again = REGISTRY.call("answer_structured_question", {"structured": parsed["structured"]}, session=s)
    assert again["answer"] == "yes"
