"""Knowledge tools through the registry: priors from a DAG expert, critique, knowledge + data, pairwise orientation."""

from __future__ import annotations

import json

import pytest
from _ext_tools_helpers import EDGES, anm_pair, chain_data, dag_model

from agent.exceptions import ToolExecutionError, ToolInputError
from agent.session import Session
from agent.tools import REGISTRY, use_model
from causalkit.knowledge import GraphCritique, KnowledgeDiscoveryResult, PriorSet


def _session(model=None, data=None):
    s = Session(seed=1)
    if data is not None:
        s.put("data", data, label="sim")
    if model is not None:
        use_model(s, model)
    return s


def _call(name, args, s):
    out = REGISTRY.call(name, args, session=s)
    assert "object" not in out
    json.dumps(out)  # everything the model sees is JSON
    return out


def test_model_tools_without_a_model_say_how_to_get_one():
    s = _session(data=chain_data(200))
    s.put("graph", None, label="g")
    for name in ("ask_causal_knowledge", "check_graph"):
        with pytest.raises(ToolInputError, match="--model local"):
            REGISTRY.call(name, {}, session=s)
    assert [e.ok for e in s.tool_calls()] == [False, False]  # logged as failures


def test_priors_from_a_dag_expert_are_the_true_edges():
    model = dag_model()
    s = _session(model, chain_data(300))
    out = _call("ask_causal_knowledge", {}, s)  # default: every column of the current data
    priors = s.get(out["handle"], "priors")
    assert isinstance(priors, PriorSet) and list(priors.variables.names) == ["smoke", "tar", "cancer", "noise"]
    for u in ("smoke", "tar", "cancer", "noise"):
        for v in ("smoke", "tar", "cancer", "noise"):
            if u != v:
                assert priors.prob(u, v) == (1.0 if (u, v) in EDGES else 0.0), (u, v)
    assert "smoke --> tar (p=1.00)" in out["statements"] and "tar --> cancer (p=1.00)" in out["statements"]
    assert "smoke --> tar" in out["reading"] and "beliefs" in out["reading"]
    assert len(model.requests) == out["n_answers"] > 0  # every question went to the session's model


def test_ask_checks_sizes_names_and_cache_paths():
    s = _session(dag_model(), chain_data(100))
    with pytest.raises(ToolInputError, match="at most 45 `pairs`"):
        REGISTRY.call("ask_causal_knowledge", {"variables": [f"v{i}" for i in range(12)]}, session=s)
    with pytest.raises(ToolInputError, match="File access refused"):
        REGISTRY.call("ask_causal_knowledge", {"variables": ["smoke", "tar"], "cache": "/tmp/answers.jsonl"}, session=s)
    with pytest.raises(ToolInputError, match="threshold"):  # schema: a number, not a string
        REGISTRY.call("ask_causal_knowledge", {"threshold": "high"}, session=s)
    out = _call("ask_causal_knowledge", {"variables": ["Smoke", "TAR"]}, s)  # names resolved to columns
    assert out["statements"][0] == "smoke --> tar (p=1.00)"


def test_discover_with_knowledge_orients_the_chain():
    s = _session(dag_model(), chain_data())
    _call("ask_causal_knowledge", {"variables": ["smoke", "tar", "cancer", "noise"]}, s)
    out = _call("discover_with_knowledge", {}, s)
    g = s.graph()  # the new graph is current
    assert out["handle"] == s.current["graph"] and g.kind == "dag"
    assert set(g.to_edge_list()) == {"smoke --> tar", "tar --> cancer"}
    assert isinstance(s.get(None, "discovery"), KnowledgeDiscoveryResult)
    sources = {e["edge"]: e["source"] for e in out["edges"]}
    assert "knowledge" in sources["smoke --> tar"] and out["disagreements"] == []


def test_check_graph_suggests_and_accept_applies_only_what_was_accepted():
    s = _session(dag_model(), chain_data(200))
    REGISTRY.call("set_graph", {"edges": "tar -> smoke; tar -> cancer; cancer -> noise"}, session=s)
    out = _call("check_graph", {"confounders": "none"}, s)
    by_kind = {x["kind"]: x for x in out["suggestions"]}
    assert set(by_kind) == {"reverse_edge", "remove_edge"} and out["n_suggestions"] == 2
    assert "tar --> smoke" in by_kind["reverse_edge"]["proposal"] and "cancer --> noise" in by_kind["remove_edge"]["proposal"]
    assert isinstance(s.get(out["handle"], "critique"), GraphCritique)
    assert set(s.graph("graph:user").to_edge_list()) == {"tar --> smoke", "tar --> cancer", "cancer --> noise"}
    acc = _call("accept_suggestions", {"ids": [by_kind["reverse_edge"]["id"]]}, s)
    assert set(acc["edges"]) == {"smoke --> tar", "tar --> cancer", "cancer --> noise"}
    assert s.current["graph"] == acc["handle"] and s.objects[acc["handle"]].meta["source"] == "critique"
    with pytest.raises(ToolInputError, match="Unknown suggestion id.*s1, s2"):
        REGISTRY.call("accept_suggestions", {"ids": ["s9"]}, session=s)


def test_orient_pair_from_data_finds_the_additive_noise_direction():
    s = _session(data=anm_pair())
    out = _call("orient_pair_from_data", {"x": "effect", "y": "cause", "method": "anm"}, s)
    assert out["decisions"][0]["direction"] == "cause -> effect" and out["decisions"][0]["score"] < 0
    res = s.get(out["handle"], "orientation")
    assert res[0].n_obs == 400 and res[0].x == "effect"
    both = _call("orient_pair_from_data", {"x": "cause", "y": "effect"}, s)
    assert len(both["decisions"]) == 4 and both["votes"].get("cause -> effect", 0) >= 3
    with pytest.raises(ToolInputError, match='Unknown column "caus".*"cause"'):
        REGISTRY.call("orient_pair_from_data", {"x": "caus", "y": "effect"}, session=s)
    with pytest.raises(ToolInputError, match="method"):
        REGISTRY.call("orient_pair_from_data", {"x": "cause", "y": "effect", "method": "magic"}, session=s)


def test_library_errors_come_back_as_tool_errors():
    s = _session(dag_model(), chain_data(100))
    with pytest.raises(ToolExecutionError, match="threshold"):
        REGISTRY.call("ask_causal_knowledge", {"variables": ["smoke", "tar"], "threshold": 0.3}, session=s)
