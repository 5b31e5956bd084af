"""The solver's answers equal the generators' exact labels; the agent tools work through the registry."""

import collections

import pytest

from agent.registry import ToolRegistry
from causalkit.bench import generate_cladder, generate_corr2cause
from causalkit.reasoning import solve
from causalkit.reasoning.agent_tools import TOOLS


def _mismatches(items):
    bad = collections.Counter()
    for it in items:
        if solve(it.question).answer != it.answer:
            bad[it.category] += 1
    return bad


def test_solver_equals_generator_on_thousands_of_corr2cause_items():
    items = generate_corr2cause(3000, random_state=11)
    assert len(items) == 3000
    assert {it.metadata["num_variables"] for it in items} == {2, 3, 4, 5, 6}
    assert {it.answer for it in items} == {"yes", "no"}
    assert not _mismatches(items)


def test_solver_equals_generator_with_standard_semantics_and_paraphrases():
    items = generate_corr2cause(600, random_state=12, semantics="standard", paraphrased=True, names="from_z")
    bad = collections.Counter()
    for it in items:
        if solve(it.question, semantics="standard").answer != it.answer:
            bad[it.category] += 1
    assert not bad


def test_solver_equals_generator_on_cladder_items():
    items = generate_cladder(500, random_state=13)
    assert {it.category for it in items} == {"marginal", "correlation", "exp_away", "ate", "backadj", "collider_bias",
                                             "ett", "nde", "nie", "det_counterfactual"}
    assert not _mismatches(items)


@pytest.mark.slow
def test_solver_equals_generator_on_many_more_items():
    assert not _mismatches(generate_corr2cause(20000, random_state=21, max_nodes=6))
    assert not _mismatches(generate_cladder(5000, random_state=22))
    assert not _mismatches(generate_cladder(2000, random_state=23, names="letters"))


def test_answers_carry_a_derivation():
    item = next(it for it in generate_cladder(30, random_state=1) if it.category == "ate")
    a = solve(item.question)
    assert "estimand" in a.derivation and "arithmetic" in a.derivation and a.kind == "cladder"
    assert a.to_dict()["answer"] == a.answer


def test_agent_tools_register_and_answer():
    registry = ToolRegistry()
    for fn in TOOLS:
        registry.tool(fn)
    assert len(registry) == len(TOOLS)
    item = generate_corr2cause(5, min_nodes=3, max_nodes=3, random_state=2)[0]
    out = registry.call("answer_causal_question", {"question": item.question})
    assert out["answer"] == item.answer and out["kind"] == "corr2cause"
    parsed = registry.call("parse_causal_question", {"question": item.question})
    assert registry.call("answer_structured_question", {"structured": parsed})["answer"] == item.answer
    dec = registry.call("decide_causal_hypothesis", {"variables": ["A", "B", "C"], "facts": ["A _||_ C"],
                                                      "relation": "collider", "x": "A", "y": "C"})
    assert dec["verdict"] == "follows" and dec["class_edges"] == ["A --> B", "C --> B"]
    disc = registry.call("discover_from_independences", {"variables": ["A", "B", "C"], "facts": ["A _||_ C"],
                                                         "latent_confounders": True})
    assert disc["kind"] == "pag"
    q = registry.call("compute_causal_query", {
        "edges": ["Z --> X", "Z --> Y", "X --> Y"], "query": "ate", "treatment": "X", "outcome": "Y",
        "probabilities": ["P(Z=1)=0.5", "P(Y=1|X=1,Z=0)=0.6", "P(Y=1|X=1,Z=1)=0.8", "P(Y=1|X=0,Z=0)=0.2",
                          "P(Y=1|X=0,Z=1)=0.4"]})
    assert q["value"] == pytest.approx(0.4) and q["strategy"] == "backdoor"
    from agent.exceptions import ToolExecutionError, ToolInputError

    with pytest.raises(ToolInputError):
        registry.call("decide_causal_hypothesis", {"variables": ["A"], "facts": [], "relation": "sibling", "x": "A", "y": "B"})
    with pytest.raises(ToolExecutionError, match="InvalidInputError"):
        registry.call("compute_causal_query", {"edges": ["X --> Y"], "query": "exp_away", "treatment": "X", "outcome": "Y"})
