"""Rule-based parsers for Corr2Cause and CLadder templates, and the model fallback."""

import json

import pytest

from agent.testing import ScriptedModel
from causalkit.exceptions import InvalidInputError
from causalkit.reasoning import (
    CladderParseError,
    parse_cladder,
    parse_corr2cause,
    parse_hypothesis,
    parse_question,
    solve,
)
from causalkit.reasoning.llm_parse import model_parse

PREMISE = ("Suppose there is a closed system of 4 variables, A, B, C and D. All the statistical relations among these 4 "
           "variables are as follows: A correlates with C. A correlates with D. B correlates with C. B correlates with D. "
           "C correlates with D. However, A is independent of B. A and D are independent given C. A and D are independent "
           "given B and C. B and D are independent given C. B and D are independent given A and C.")


@pytest.mark.parametrize("text, rel, x, y", [
    ("A directly causes B.", "parent", "A", "B"),
    ("B directly affects A.", "parent", "B", "A"),
    ("A causes something else which causes C.", "ancestor", "A", "C"),
    ("C is a cause for A, but not a direct one.", "ancestor", "C", "A"),
    ("A influences D through some mediator(s).", "ancestor", "A", "D"),
    ("There exists at least one collider (i.e., common effect) of B and A.", "collider", "B", "A"),
    ("A and B together cause some other variable(s).", "collider", "A", "B"),
    ("There exists at least one confounder (i.e., common cause) of A and D.", "confounder", "A", "D"),
    ("Some variable(s) cause(s) both C and D.", "confounder", "C", "D"),
])
def test_corr2cause_hypothesis_templates(text, rel, x, y):
    h = parse_hypothesis(text)
    assert (h.relation, h.x, h.y) == (rel, x, y)


def test_corr2cause_premise_and_answer():
    p = parse_corr2cause(f"Premise: {PREMISE}\nHypothesis: A directly causes C.")
    assert p.variables == ("A", "B", "C", "D")
    assert {str(f) for f in p.facts.independences} == {"A _||_ B", "A _||_ D | C", "A _||_ D | B, C", "B _||_ D | C",
                                                       "B _||_ D | A, C"}
    assert solve(f"Premise: {PREMISE}\nHypothesis: A directly causes C.").answer == "yes"  # A -> C <- B, C -> D
    assert solve(f"Premise: {PREMISE}\nHypothesis: C directly causes D.").answer == "yes"
    assert solve(f"Premise: {PREMISE}\nHypothesis: There exists at least one collider (i.e., common effect) of A and B.").answer == "yes"
    assert solve(f"Premise: {PREMISE}\nHypothesis: D directly causes C.").answer == "no"


def test_corr2cause_from_z_names_and_errors():
    text = ("Premise: Suppose there is a closed system of 3 variables, Z, Y and X. All the statistical relations among these "
            "3 variables are as follows: Z correlates with Y. Y correlates with X. However, Z and X are independent given Y.\n"
            "Hypothesis: Z directly causes Y.")
    a = solve(text)
    assert a.answer == "no" and a.value == pytest.approx(1 / 3)
    with pytest.raises(InvalidInputError, match="not one of"):
        parse_corr2cause(text.replace("Z directly causes Y.", "Q directly causes Y."))
    with pytest.raises(InvalidInputError, match="hypothesis"):
        parse_hypothesis("A loves B.")


BG = ("Imagine a self-contained, hypothetical world with only the following conditions, and without any unmentioned "
      "factors or causal relationships: ")


def test_cladder_iv_example_in_nonsense_phrasing():
    # the CLadder README example (question 16825) with the story words replaced by name / not name
    text = (BG + "Unobserved confounders has a direct effect on education and salary. Proximity has a direct effect on "
            "education. Education has a direct effect on salary. Unobserved confounders is unobserved.\n\n"
            "For those who are not proximity, the probability of salary is 35%. For those who are proximity, the "
            "probability of salary is 53%. For those who are not proximity, the probability of education is 40%. For "
            "those who are proximity, the probability of education is 73%.\n\nWill education decrease the chance of salary?")
    d = parse_cladder(text)
    assert d["unobserved"] == ["Unobserved confounders"]  # only ever sentence-initial: kept as written
    assert d["query"] == {"type": "ate", "treatment": "education", "outcome": "salary", "x": 1, "y": 1, "positive": False}
    a = solve(text)
    assert a.answer == "no" and a.value == pytest.approx((0.53 - 0.35) / (0.73 - 0.40))  # 0.55 > 0
    assert "iv" in a.derivation


@pytest.mark.parametrize("question, expected", [
    ("Is glimx more likely than not glimx overall?", {"type": "marginal", "outcome": "glimx", "y": 1, "positive": True}),
    ("Is the chance of glimx smaller when observing zuph?", {"type": "correlation", "treatment": "zuph", "outcome": "glimx", "x": 1, "y": 1, "positive": False}),
    ("If we look at those who are blorp, does the chance of glimx increase when zuph?",
     {"type": "exp_away", "treatment": "zuph", "outcome": "glimx", "collider": "blorp", "x": 1, "y": 1, "c": 1, "positive": True}),
    ("Will not zuph increase the chance of glimx?", {"type": "ate", "treatment": "zuph", "outcome": "glimx", "x": 0, "y": 1, "positive": True}),
    ("If we look at those who are blorp, does it mean that zuph does not affect glimx?",
     {"type": "collider_bias", "treatment": "zuph", "outcome": "glimx", "collider": "blorp", "x": 1, "y": 1, "c": 1, "positive": False}),
    ("For those who are not zuph, would it be more likely to see glimx if they were zuph?",
     {"type": "ett", "treatment": "zuph", "outcome": "glimx", "x": 0, "y": 1, "positive": True}),
    ("If we disregard the mediation effect through blorp, would zuph negatively affect glimx?",
     {"type": "nde", "treatment": "zuph", "outcome": "glimx", "mediators": ["blorp"], "positive": False}),
    ("Does zuph positively affect glimx through blorp?",
     {"type": "nie", "treatment": "zuph", "outcome": "glimx", "mediators": ["blorp"], "positive": True}),
])
def test_cladder_question_templates(question, expected):
    text = BG + "Zuph has a direct effect on blorp and glimx. Blorp has a direct effect on glimx.\n\n" + question
    assert parse_cladder(text)["query"] == expected


def test_cladder_facts_methods_mechanisms():
    text = (BG + "Zuph has a direct effect on blorp and glimx. Blorp has a direct effect on glimx. "
            "The overall probability of zuph is 60%. For those who are not zuph and are blorp, the probability of glimx "
            "is 12.5%. The probability of zuph and glimx is 20%. Method 1: We look directly at how zuph correlates with "
            "glimx in general. Method 2: We look at how zuph correlates with glimx case by case according to blorp. "
            "To understand how zuph affects glimx, is it more correct to use the Method 1 than Method 2?")
    d = parse_cladder(text)
    assert d["probabilities"] == [{"event": {"zuph": 1}, "given": {}, "value": 0.6},
                                  {"event": {"glimx": 1}, "given": {"zuph": 0, "blorp": 1}, "value": 0.125},
                                  {"event": {"zuph": 1, "glimx": 1}, "given": {}, "value": 0.2}]
    assert d["query"]["sets"] == [[], ["blorp"]]
    assert solve(text).answer == "yes"  # blorp is a mediator: adjusting for it is wrong
    det = (BG + "Zuph has a direct effect on blorp and glimx. Blorp has a direct effect on glimx. We know that zuph "
           "causes not blorp, and we know that zuph and blorp causes glimx. Would glimx happen if not zuph instead of zuph?")
    d = parse_cladder(det)
    assert d["mechanisms"][0] == {"target": "blorp", "target_value": 0, "op": "or", "inputs": [["zuph", 1]]}
    assert d["mechanisms"][1]["op"] == "and"
    assert solve(det).answer == "no"  # do(zuph=0): glimx = 0 and 1 = 0


def test_cladder_unreadable_text_and_value_phrases():
    text = BG + "Smoking has a direct effect on cancer. For smokers, the probability of cancer is 30%. Is cancer likely?"
    with pytest.raises(CladderParseError):
        parse_cladder(text)
    ok = (BG + "Smoking has a direct effect on cancer. The overall probability of smokers is 30%. For smokers, the "
          "probability of cancer is 40%. For nonsmokers, the probability of cancer is 10%. Will smokers increase the "
          "chance of cancer?")
    d = parse_cladder(ok, value_phrases={"smokers": ("Smoking", 1), "nonsmokers": ("Smoking", 0)})
    assert d["query"]["treatment"] == "Smoking" and len(d["probabilities"]) == 3


def test_model_fallback_is_validated_and_retried():
    text = "A story in words the rules cannot read: does the pill help?"
    good = {"kind": "cladder", "edges": [["pill", "health"]], "probabilities": [
        {"event": {"health": 1}, "given": {"pill": 1}, "value": 0.7}, {"event": {"health": 1}, "given": {"pill": 0}, "value": 0.4}],
        "query": {"type": "ate", "treatment": "pill", "outcome": "health", "x": 1, "y": 1, "positive": True}}
    model = ScriptedModel(["not json at all", "```json\n" + json.dumps(good) + "\n```"])
    d, parser, usage = parse_question(text, model=model)
    assert parser == "model" and d["query"]["treatment"] == "pill"
    assert len(model.requests) == 2 and "not valid" in model.requests[1]["messages"][-1]["content"]
    answer = solve(text, model=ScriptedModel([json.dumps(good)]))
    assert answer.answer == "yes" and answer.parser == "model" and answer.value == pytest.approx(0.3)
    bad = ScriptedModel([json.dumps({"kind": "cladder", "edges": "X->Y", "query": {}})] * 2)
    with pytest.raises(InvalidInputError, match="schema"):
        model_parse(text, bad)
    with pytest.raises(InvalidInputError):
        parse_question(text)  # no model: the rule error reaches the user
