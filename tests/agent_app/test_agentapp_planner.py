"""The guided workflow: rules (model=None), scripted choices, guard rails, discovery, other question types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _agent_app_helpers import GRAPH, TRUE_EFFECT

from agent import Agent
from agent.loop import FINAL_ANSWER
from agent.messages import ToolCall
from agent.planner import estimator_options, make_guard
from agent.testing import ScriptedModel
from causalkit.results import RefutationResult


def test_rules_recover_known_effect(sim_df):
    agent = Agent(model=None, data=sim_df, graph=GRAPH, n_simulations=10)
    ans = agent.ask("Does x increase y?")
    assert ans.ok and ans.mode == "guided" and ans.kind == "effect"
    est = ans.estimate
    assert est.ci[0] < TRUE_EFFECT < est.ci[1]
    assert est.method == "aipw" and set(est.adjustment_set) == {"z", "w"}  # the O-set adds the outcome parent w
    assert ans.identification.strategy == "backdoor"
    assert ans.text.startswith("Yes.") and "SE" in ans.text and "95% CI" in ans.text
    assert {r.refuter for r in ans.refutations} >= {"placebo_treatment", "random_common_cause"}
    by = {d["name"]: d["extra"]["by"] for d in ans.decisions}
    assert by["treatment"] == "parser" and by["estimator"] == "rules"
    assert ans.seed == 0 and ans.graph.is_dag()


def test_scripted_model_makes_the_choices(sim_df):
    # the question names no column: the model picks treatment, outcome and the estimator among valid options
    model = ScriptedModel(["x", "y", "ipw"], supports_tools=False)
    agent = Agent(model=model, data=sim_df, graph=GRAPH, n_simulations=10)
    ans = agent.ask("What is the effect of the treatment on the result?")
    assert ans.ok and ans.estimate.method == "ipw"
    assert ans.estimate.ci[0] < TRUE_EFFECT < ans.estimate.ci[1]
    decisions = {d["name"]: d for d in ans.decisions}
    assert decisions["estimator"]["extra"]["options"] == estimator_options("backdoor", True)
    assert decisions["estimator"]["extra"]["by"] == "model"
    assert decisions["estimator"]["extra"]["scores"][:2] == ["-inf", 0.0]  # -inf is written as a string in JSON
    prompts = [r for r in model.requests if r["kind"] == "choose"]
    assert prompts[0]["options"][:5] == ["z", "w", "x", "y", "m"]
    assert "x" not in prompts[1]["options"]  # the outcome cannot be the treatment


def test_model_failure_falls_back_to_rules(sim_df):
    def broken(prompt, options):
        raise ValueError("no option")

    agent = Agent(model=ScriptedModel([broken], supports_tools=False, default=broken), data=sim_df, graph=GRAPH,
                  n_simulations=10)
    ans = agent.ask("effect of x on y")
    est_decision = [d for d in ans.decisions if d["name"] == "estimator"][0]
    assert est_decision["extra"]["by"] == "rules" and "model failed" in est_decision["extra"]["reason"]
    assert ans.estimate.method == "aipw"


def test_no_model_and_no_column_asks_instead_of_guessing(sim_df):
    ans = Agent(model=None, data=sim_df, graph=GRAPH).ask("What is the effect of the treatment on the result?")
    assert not ans.ok and ans.estimate is None and "Name it exactly" in ans.text


def test_unidentifiable_effect_is_refused():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300)})
    ans = Agent(model=None, data=df, graph="u -> x; u -> y; x -> y").ask("effect of x on y")  # u: latent
    assert not ans.ok and ans.estimate is None
    assert "not identifiable" in ans.text and "no number" in ans.text


def _v_structure(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    z1, z2 = rng.normal(size=n), rng.normal(size=n)
    x = z1 + z2 + rng.normal(size=n)
    y = TRUE_EFFECT * x + z1 + rng.normal(size=n)
    return pd.DataFrame({"z1": z1, "z2": z2, "x": x, "y": y})


def test_discovery_path_orients_and_estimates():
    ans = Agent(model=None, data=_v_structure(), n_simulations=10).ask("What is the effect of x on y?")
    assert ans.ok, ans.text
    assert ans.graph.is_directed_edge("x", "y") and ans.graph.is_directed_edge("z1", "y")
    assert ans.estimate.method == "regression" and ans.estimate.ci[0] < TRUE_EFFECT < ans.estimate.ci[1]
    assert "z1" in ans.estimate.adjustment_set
    disc = [d for d in ans.decisions if d["name"] == "discovery_method"][0]
    assert disc["output"] in disc["extra"]["options"] and disc["extra"]["by"] == "rules"


def test_equivalence_class_without_orientation_is_reported_honestly():
    rng = np.random.default_rng(2)
    z = rng.normal(size=2000)
    x = z + rng.normal(size=2000)
    y = 2 * x + z + rng.normal(size=2000)  # a triangle: no v-structure, x --- z undirected
    ans = Agent(model=None, data=pd.DataFrame({"z": z, "x": x, "y": y})).ask("effect of x on y")
    assert not ans.ok and ans.estimate is None
    assert "not identifiable from the equivalence class" in ans.text
    # with tiers the user gives, the same question is answered
    agent = Agent(model=None, data=pd.DataFrame({"z": z, "x": x, "y": y}), n_simulations=10, tiers=[["z"], ["x"], ["y"]])
    ans = agent.ask("effect of x on y")
    assert ans.ok and ans.estimate.ci[0] < 2.0 < ans.estimate.ci[1]
    assert ans.graph.is_directed_edge("z", "x")


def test_other_question_types(sim_df):
    agent = Agent(model=None, data=sim_df, graph=GRAPH, n_simulations=10)
    ans = agent.ask("Are z and w independent?")
    assert ans.kind == "independence" and "independent" in ans.text and "d-separated" in ans.text
    ans = agent.ask("Are x and y independent given z?")
    assert "dependent" in ans.text and "d-connected" in ans.text
    assert agent.ask("Is z a direct cause of y?").text.startswith("Yes")
    assert agent.ask("Is y a direct cause of z?").text.startswith("No")
    assert agent.ask("Is w a direct cause of x?").text.startswith("No")
    ans = agent.ask("What is the causal graph?")
    assert ans.kind == "graph" and "x --> y" in ans.text
    ans = agent.ask("How much of x's effect on y goes through m?")
    assert ans.kind == "mediation" and abs(ans.mediation.indirect_effect.value) < 0.2  # m does not affect y
    unit = int(np.flatnonzero(sim_df["x"].to_numpy() == 0)[0])
    ans = agent.ask(f"What would y have been for unit {unit} if x had been 1?")
    assert ans.kind == "counterfactual" and ans.ok
    values = agent.session.get(None, "query")["values"]["y"]
    assert values["observed"] == pytest.approx(sim_df["y"].iloc[unit], rel=1e-4)
    # linear mechanisms: abduction is exact, so the unit's change is the fitted coefficient of x (truth 2)
    assert abs(values["counterfactual"] - values["observed"] - TRUE_EFFECT) < 0.2


def test_guard_for_the_tool_loop(sim_df):
    agent = Agent(model=None, data=sim_df)
    s = agent.session
    guard = make_guard(s)
    answer = ToolCall(id="a", name=FINAL_ANSWER, arguments={"answer": "The effect is 2.1 (CI 1.9 to 2.3)."})
    assert guard(answer, s) is None
    s.spec["identification_failures"] = {"x -> y @ graph:g": "a back-door path x <-> y is open"}
    veto = guard(answer, s)
    assert veto and "Do not report an effect" in veto
    ok = ToolCall(id="b", name=FINAL_ANSWER, arguments={"answer": "It is not identifiable: x <-> y."})
    assert guard(ok, s) is None
    s.spec["identification_failures"] = {}
    s.put("refutation", [RefutationResult("placebo_treatment", 2.0, 1.9, False, 0.001, "p", "failed")])
    assert "placebo_treatment" in guard(answer, s)
    assert guard(ToolCall(id="c", name=FINAL_ANSWER, arguments={"answer": "2.1, but the placebo test failed."}), s) is None
    assert guard(ToolCall(id="d", name="estimate", arguments={}), s) is None
