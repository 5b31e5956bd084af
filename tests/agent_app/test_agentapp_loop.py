"""The free tool loop driven by a scripted model: end to end, errors fed back, guard rails, memory."""

from __future__ import annotations

import json

from _agent_app_helpers import GRAPH, TRUE_EFFECT

from agent import REGISTRY, Agent
from agent.testing import ScriptedModel


def _tool_messages(model):
    last = model.requests[-1]["messages"]
    return [m for m in last if m["role"] == "tool"]


def test_scripted_loop_end_to_end(sim_csv):
    path = str(sim_csv)
    model = ScriptedModel([
        {"tool": "load_data", "arguments": {"source": path, "name": "sim"}},
        {"tool": "set_graph", "arguments": {"edges": GRAPH}},
        {"tool": "identify", "arguments": {"treatment": "x", "outcome": "y"}},
        {"tool": "estimate", "arguments": {"method": "regression"}},
        {"content": "The effect of x on y is about 2 (see estimate:5)."},
    ])
    agent = Agent(model=model, seed=3)
    ans = agent.ask(f"What is the effect of x on y? data: {path}")
    assert ans.mode == "tools" and ans.ok and ans.text.startswith("The effect of x on y")
    assert [s.name for s in ans.steps if s.kind == "tool"] == ["load_data", "set_graph", "identify", "estimate"]
    assert ans.estimate.method == "regression" and ans.estimate.ci[0] < TRUE_EFFECT < ans.estimate.ci[1]
    assert ans.identification.adjustment_set and ans.graph.is_dag() and ans.seed == 3
    # the model saw only compact JSON summaries with handles, never the table
    for m in _tool_messages(model):
        assert len(m["content"]) <= agent.session.max_chars + 60
        json.loads(m["content"])
    est_msg = json.loads(_tool_messages(model)[-1]["content"])
    assert est_msg["handle"] == ans.handles["estimate"] and est_msg["stderr"] > 0
    # the schema offered to the model is the registry's
    assert {t["function"]["name"] for t in model.requests[0]["tools"]} == {t.name for t in REGISTRY}


def test_tool_errors_are_fed_back_and_the_model_recovers(sim_df):
    model = ScriptedModel([
        {"tool": "estimate", "arguments": {"treatment": "xx", "outcome": "y", "adjust_for": ["z"]}},
        {"tool": "estimate", "arguments": {"treatment": "x", "outcome": "y", "adjust_for": ["z", "w"], "methd": "ipw"}},
        {"tool": "no_such_tool", "arguments": {}},
        {"tool": "estimate", "arguments": {"treatment": "x", "outcome": "y", "adjust_for": ["z", "w"]}},
        {"content": "About 2."},
    ])
    ans = Agent(model=model, data=sim_df).ask("effect of x on y, adjusting for z and w")
    errors = [s for s in ans.steps if s.kind == "error"]
    assert [e.error for e in errors] == ["ToolInputError", "ToolInputError", "ModelBehaviorError"]
    assert "Unknown column \"xx\"" in errors[0].result_summary and "\"x\"" in errors[0].result_summary
    assert "methd" in errors[1].result_summary
    msgs = _tool_messages(model)
    assert msgs[0]["content"].startswith("ERROR (ToolInputError)")
    assert ans.ok and ans.estimate.ci[0] < TRUE_EFFECT < ans.estimate.ci[1]
    assert ans.estimate.params["identification"]["source"] == "caller"


def test_guard_refuses_an_effect_that_failed_identification(sim_df):
    model = ScriptedModel([
        {"tool": "set_graph", "arguments": {"edges": "u -> x; u -> y; x -> y"}},
        {"tool": "identify", "arguments": {"treatment": "x", "outcome": "y"}},
        {"tool": "estimate", "arguments": {"treatment": "x", "outcome": "y"}},
        {"content": "The effect is 2.3."},
        {"content": "The effect of x on y is not identifiable: u is an unobserved common cause."},
    ])
    ans = Agent(model=model, data=sim_df).ask("effect of x on y")
    kinds = [(s.kind, s.error) for s in ans.steps if s.kind == "error"]
    assert ("error", "ToolExecutionError") in kinds  # identify failed
    assert ("error", "ToolInputError") in kinds  # estimate refused: not identified
    assert ("error", "GuardRefusal") in kinds  # the first answer was vetoed
    assert "not identifiable" in ans.text and ans.estimate is None


def test_stubborn_model_still_gets_no_effect_reported(sim_df):
    model = ScriptedModel([
        {"tool": "set_graph", "arguments": {"edges": "u -> x; u -> y; x -> y"}},
        {"tool": "identify", "arguments": {"treatment": "x", "outcome": "y"}},
    ], default={"content": "The effect is 2.3."})
    ans = Agent(model=model, data=sim_df).ask("effect of x on y")
    assert not ans.ok and ans.text.startswith("Identification failed")


def test_max_turns_gives_a_partial_answer(sim_df):
    model = ScriptedModel([], default={"tool": "describe_data", "arguments": {}})
    ans = Agent(model=model, data=sim_df, max_turns=3).ask("effect of x on y")
    assert not ans.ok and "Stopped" in ans.text and len([s for s in ans.steps if s.kind == "tool"]) == 3


def test_conversation_memory_in_the_tool_loop(sim_df):
    model = ScriptedModel([
        {"tool": "set_graph", "arguments": {"edges": GRAPH}},
        {"content": "Graph set."},
        {"tool": "identify", "arguments": {"treatment": "x", "outcome": "y"}},
        {"content": "Identified."},
    ])
    agent = Agent(model=model, data=sim_df)
    agent.ask("Use this graph: " + GRAPH)
    ans = agent.ask("Now use the graph from before to identify the effect of x on y")
    second = model.requests[2]["messages"]
    assert [m["role"] for m in second[:4]] == ["system", "user", "assistant", "user"]
    assert "graph:user" in second[3]["content"]  # the session state names the remembered graph
    assert ans.identification.strategy == "backdoor"
