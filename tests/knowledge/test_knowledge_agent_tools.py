import json

import numpy as np
import pandas as pd
from _knowledge_oracle import oracle_model

from causalkit.graphs import CausalGraph
from causalkit.knowledge import GraphCritique, KnowledgeDiscoveryResult, PriorSet
from causalkit.knowledge.agent_tools import (
    accept_suggestions,
    ask_causal_knowledge,
    check_graph,
    discover_with_knowledge,
    orient_pair_from_data,
)


def _jsonable(out):
    rest = {k: v for k, v in out.items() if k != "object"}
    json.dumps(rest)
    return rest


def test_knowledge_tools_round_trip():
    model = oracle_model({("a", "b"), ("b", "c"), ("c", "d")})
    out = ask_causal_knowledge(["a", "b", "c", "d"], model, pairs=["a --- b"])
    assert isinstance(out["object"], PriorSet) and "a --> b (p=1.00)" in _jsonable(out)["statements"]
    rng = np.random.default_rng(0)
    a = rng.normal(size=2000)
    b = 0.8 * a + rng.normal(size=2000)
    c = 0.8 * b + rng.normal(size=2000)
    df = pd.DataFrame({"a": a, "b": b, "c": c, "other": rng.normal(size=2000)})
    res = discover_with_knowledge(df, out["object"])
    assert isinstance(res["object"], KnowledgeDiscoveryResult)
    assert {"edge": "b --> c", "source": "data, oriented by Meek rules after knowledge"} in _jsonable(res)["edges"]

    crit = check_graph(CausalGraph(edges=["b --> a", "c --> d"]), model, confounders="none")
    assert isinstance(crit["object"], GraphCritique)
    assert [s["kind"] for s in _jsonable(crit)["suggestions"]] == ["reverse_edge"]
    acc = accept_suggestions(crit["object"], ["s1"])
    assert _jsonable(acc)["edges"] == ["a --> b", "c --> d"]

    pair = orient_pair_from_data(df, "a", "b", method="lingam")
    assert _jsonable(pair)["decisions"][0]["method"] == "lingam"
