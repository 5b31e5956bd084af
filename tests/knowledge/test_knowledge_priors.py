import json
import math

import numpy as np
import pytest
from _knowledge_oracle import oracle_choice, oracle_model

from agent.messages import ModelResponse
from agent.testing import ScriptedModel
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.knowledge import AnswerCache, PriorSet, propose_priors
from causalkit.knowledge._asking import scores_to_probs

TRUTH = {("age", "education"), ("education", "income"), ("age", "income")}
VARS = ["age", "education", "income", "shoe_size"]


def test_oracle_answers_aggregate_to_the_truth_and_keep_every_raw_answer():
    model = oracle_model(TRUTH)
    priors = propose_priors(VARS, model, phrasings=2)
    # 6 pairs x 2 orders x (2 direct + 2 cause phrasings) = 48 questions, all asked once
    assert len(priors.answers) == 48 == len(model.requests)
    for u in VARS:
        for v in VARS:
            if u != v:
                assert priors.prob(u, v) == (1.0 if (u, v) in TRUTH else 0.0), (u, v)
    assert priors.none_prob[frozenset(("age", "shoe_size"))] == 1.0
    frame = priors.to_frame()
    row = frame[(frame.source == "age") & (frame.target == "income")].iloc[0]
    # direct(age,income) x2 phrasings + cause questions in both orders x2 phrasings
    assert row.n_answers == 6 and row.p_orientation == 1.0
    assert set(priors.answers_frame().kind) == {"direct", "cause"}


def test_first_option_bias_cancels_with_both_orders():
    model = ScriptedModel([], default={"choose": 0})  # always the first option
    priors = propose_priors(["a", "b"], model, questions=("cause",), phrasings=3)
    assert priors.prob("a", "b") == pytest.approx(0.5) and priors.prob("b", "a") == pytest.approx(0.5)
    one_order = propose_priors(["a", "b"], ScriptedModel([], default={"choose": 0}), questions=("cause",),
                               phrasings=1, both_orders=False)
    assert one_order.prob("a", "b") == 1.0 and one_order.prob("b", "a") == 0.0


def test_mixed_answers_average_per_edge():
    # asked in order: direct(a,b) -> yes, cause(a,b) -> "a causes b", direct(b,a) -> no, cause(b,a) -> neither
    model = ScriptedModel([0, 0, 1, 2])
    priors = propose_priors(["a", "b"], model, phrasings=1)
    asked = [r["prompt"].splitlines()[-1] for r in model.requests]
    assert asked[0].startswith("Does changing a directly change b") and asked[2].startswith("Does changing b directly")
    assert model.requests[3]["options"][0] == "changing b causes a change in a"
    # P(a->b) = mean(direct(a,b)=1, cause fwd=1, cause(b,a) bwd=0) = 2/3
    assert priors.prob("a", "b") == pytest.approx(2 / 3)
    # P(b->a) = mean(direct(b,a)=0, cause bwd=0, cause(b,a) fwd=0) = 0
    assert priors.prob("b", "a") == 0.0
    assert priors.none_prob[frozenset("ab")] == pytest.approx(0.5)


def test_log_probability_scores_become_soft_probabilities():
    assert scores_to_probs([0.0, -math.inf], 0) == (1.0, 0.0)
    p = scores_to_probs([math.log(0.2), math.log(0.6), math.log(0.2)], 1)
    assert p == pytest.approx((0.2, 0.6, 0.2))

    class Soft(ScriptedModel):
        def choose(self, prompt, options):
            super().choose(prompt, options)
            return 0, [math.log(0.8)] + [math.log(0.2 / (len(options) - 1))] * (len(options) - 1)

    priors = propose_priors(["a", "b"], Soft([], default=0), questions=("direct",), phrasings=1)
    assert priors.prob("a", "b") == pytest.approx(0.8) and priors.prob("b", "a") == pytest.approx(0.8)


def test_thresholds_decide_the_hard_statements():
    priors = PriorSet.from_probabilities({("a", "b"): 0.95, ("b", "a"): 0.02, ("a", "c"): 0.85, ("c", "a"): 0.15})
    st = priors.statements(0.9)
    assert {(r.kind, r.source, r.target) for r in st.itertuples()} == {("required", "a", "b"), ("forbidden", "b", "a")}
    st8 = priors.statements(0.8)
    assert ("required", "a", "c") in {(r.kind, r.source, r.target) for r in st8.itertuples()}
    assert ("forbidden", "c", "a") in {(r.kind, r.source, r.target) for r in st8.itertuples()}
    bk = priors.to_background_knowledge(0.9)
    assert bk.required == [("a", "b")] and bk.forbidden == [("b", "a")]
    assert priors.to_background_knowledge(0.9, use=("forbidden",)).required == []
    with pytest.raises(InvalidInputError, match="threshold"):
        priors.statements(0.4)


def test_contradictions_are_dropped_not_passed_on():
    priors = PriorSet.from_probabilities({("a", "b"): 0.95, ("b", "a"): 0.92})
    st = priors.statements(0.9)
    assert all(s.startswith("dropped") for s in st.status)
    assert priors.to_background_knowledge(0.9).required == []
    timed = PriorSet.from_probabilities({("x", "y"): 0.91}, earlier_prob={("y", "x"): 0.99})
    st = timed.statements(0.9)
    req = st[st.kind == "required"].iloc[0]
    assert req.status.startswith("dropped: y is determined before x")
    assert timed.to_background_knowledge(0.9).forbidden == [("x", "y"), ("y", "x")]  # y->x: implicit 0


def test_time_order_and_tier_questions():
    order = ["age", "education", "income"]
    priors = propose_priors(order, oracle_model(set(), order=order), questions=("order",), phrasings=2)
    assert priors.earlier("age", "income") == 1.0 and priors.earlier("income", "age") == 0.0
    assert ("income", "age") in priors.to_background_knowledge(0.9).forbidden

    stages = ["childhood", "adulthood"]
    tier_of = {"age": 0, "education": 0, "income": 1}
    model = ScriptedModel([], default=lambda prompt, options: tier_of[prompt.splitlines()[-1].split()[3]])
    tiered = propose_priors(order, model, questions=("direct",), phrasings=1, tier_names=stages, pairs=[])
    assert tiered.tiers(0.9) == [["age", "education"], ["income"]]
    assert tiered.to_background_knowledge(0.9).tiers == [["age", "education"], ["income"]]


def test_cache_replays_without_model_calls_and_is_keyed_by_model(tmp_path):
    path = tmp_path / "answers.jsonl"
    first = propose_priors(VARS, oracle_model(TRUTH), cache=path)
    again_model = ScriptedModel([], name="oracle")  # same id, no script: any call would fail
    again = propose_priors(VARS, again_model, cache=path)
    assert again_model.requests == [] and all(a.cached for a in again.answers)
    assert again.edge_prob == first.edge_prob
    other = oracle_model(TRUTH, name="another-model")
    propose_priors(VARS, other, cache=AnswerCache(path))
    assert len(other.requests) == len(first.answers)
    lines = path.read_text().splitlines()
    assert len(lines) == 2 * len(first.answers) and {"model", "prompt", "probs"} <= set(json.loads(lines[0]))


def test_sampling_counts_votes_and_skips_unreadable_replies():
    replies = ["1", "2", "I refuse", "1"]  # for the single direct question a->b, 4 samples
    model = ScriptedModel([ModelResponse(content=r) for r in replies])
    priors = propose_priors(["a", "b"], model, questions=("direct",), phrasings=1, both_orders=False,
                            pairs=[("a", "b")], method="sample", samples=2, temperature=0.9)
    # both_orders=False still asks the reverse direct question: a->b samples "1","2"; b->a "I refuse","1"
    assert priors.prob("a", "b") == 0.5 and priors.prob("b", "a") == 1.0
    assert sum(bool(a.error) for a in priors.answers) == 1
    assert model.requests[0]["temperature"] == 0.9
    with pytest.raises(EstimationError, match="named an option"):
        propose_priors(["a", "b"], ScriptedModel([], default="maybe"), questions=("direct",), method="sample")


def test_input_errors_name_the_problem():
    model = oracle_model(TRUTH)
    with pytest.raises(InvalidInputError, match="questions"):
        propose_priors(VARS, model, questions=("why",))
    with pytest.raises(InvalidInputError, match="'zz'"):
        propose_priors(VARS, model, pairs=[("age", "zz")])
    with pytest.raises(InvalidInputError, match="samples"):
        propose_priors(VARS, model, samples=3)
    with pytest.raises(InvalidInputError, match="choose"):
        propose_priors(VARS, object())
    with pytest.raises(InvalidInputError, match="at least two"):
        propose_priors(["a"], model)
    with pytest.raises(InvalidInputError, match="probability"):
        PriorSet.from_probabilities({("a", "b"): 1.5})


def test_summary_and_json():
    priors = propose_priors(VARS, oracle_model(TRUTH))
    text = priors.summary()
    assert "age --> income" in text and "shoe_size -/-> age" in text
    described = propose_priors(VARS, ScriptedModel([], default=1), descriptions={"income": "yearly income"})
    assert "income (yearly income)" in described.answers[0].question.prompt
    json.dumps(priors.to_dict())
    assert np.isnan(priors.earlier("age", "income"))
    assert oracle_choice(TRUTH)("Variables: x.\nIs age a direct cause of income?", ["yes", "no"]) == 0
