import json

import numpy as np
import pandas as pd
import pytest
from _knowledge_oracle import oracle_model

from causalkit.discovery import BackgroundKnowledge, discover
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph
from causalkit.knowledge import (
    KnowledgeDiscoveryResult,
    PriorSet,
    apply_priors,
    discover_with_priors,
    find_conflicts,
    merge_knowledge,
    propose_priors,
)
from causalkit.knowledge._pdag import dag_extension, orient_in_class
from causalkit.results import DiscoveryResult


def _chain(n=3000, seed=0):
    """a -> b -> c -> d (a chain: PC leaves every edge undirected)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.8 * a + rng.normal(size=n)
    c = 0.8 * b + rng.normal(size=n)
    d = 0.8 * c + rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d})


def _collider(n=3000, seed=1):
    """x -> z <- y, z -> w: the data orient x -> z <- y and z -> w."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n), rng.normal(size=n)
    z = 0.8 * x + 0.8 * y + rng.normal(size=n)
    w = 0.8 * z + rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": y, "z": z, "w": w})


def test_soft_prior_orients_exactly_the_edges_the_data_leave_open():
    df = _chain()
    data_only = discover(df, "pc")
    assert sorted(e.kind for e in data_only.graph.edges()) == ["---"] * 3
    res = discover_with_priors(df, PriorSet.from_probabilities({"a --> b": 0.97}), "pc")
    assert isinstance(res, KnowledgeDiscoveryResult) and isinstance(res, DiscoveryResult)
    assert res.graph == CausalGraph(edges=["a --> b", "b --> c", "c --> d"])
    sources = {e.edge: e.source for e in res.edge_sources}
    assert sources == {"a --> b": "data, oriented by knowledge",
                       "b --> c": "data, oriented by Meek rules after knowledge",
                       "c --> d": "data, oriented by Meek rules after knowledge"}
    assert res.conflicts == () and res.data_result.graph == data_only.graph
    # a prior in the middle of the chain: c -> b forces b -> a (Meek) but leaves c --- d open
    res2 = discover_with_priors(df, PriorSet.from_probabilities({"c --> b": 0.97}), "pc")
    assert res2.graph == CausalGraph(edges=["c --> b", "b --> a", "c --- d"])


def test_soft_prior_below_threshold_changes_nothing():
    df = _chain()
    res = discover_with_priors(df, PriorSet.from_probabilities({"a --> b": 0.85, "b --> a": 0.15}), "pc", threshold=0.9)
    assert res.graph == discover(df, "pc").graph
    assert {e.source for e in res.edge_sources} == {"data"}


def test_soft_mode_never_overrides_data_and_reports_the_disagreement():
    df = _collider()
    data_only = discover(df, "pc")
    assert data_only.graph == CausalGraph(edges=["x --> z", "y --> z", "z --> w"])
    priors = PriorSet.from_probabilities({"z --> x": 0.95, "x --> y": 0.96})
    res = discover_with_priors(df, priors, "pc")
    assert res.graph == data_only.graph
    pairs = {frozenset((c.u, c.v)): c for c in res.conflicts}
    assert set(pairs) == {frozenset("xz"), frozenset("xy")}
    assert pairs[frozenset("xz")].data == "x --> z" and "z --> x" in pairs[frozenset("xz")].knowledge
    assert pairs[frozenset("xy")].data.startswith("no edge (separated by {})")
    assert pairs[frozenset("xy")].resolution == "final graph: no edge"
    text = res.summary()
    assert "disagreements between data and knowledge (2)" in text and "x --> z  [data]" in text
    assert len(res.conflicts_frame()) == 2


def test_hard_knowledge_changes_the_output_and_flags_added_edges():
    df = _collider()
    priors = PriorSet.from_probabilities({"x --> y": 0.96})
    res = discover_with_priors(df, priors, "pc", mode="hard")
    assert res.graph.edge_kind("x", "y") == "-->"  # added back from knowledge
    src = {e.edge: e.source for e in res.edge_sources}
    assert src["x --> y"] == "knowledge"
    assert any("required edge x --> y was removed" in w for w in res.warnings)
    assert res.params["background_knowledge"]["required"] == [["x", "y"]]
    no_add = discover_with_priors(df, priors, "pc", mode="hard", add_required=False)
    assert not no_add.graph.has_edge("x", "y")
    assert [frozenset((c.u, c.v)) for c in no_add.conflicts] == [frozenset("xy")]


def test_hard_tiers_from_time_order_orient_a_chain():
    df = _chain()
    order = ["a", "b", "c", "d"]
    priors = propose_priors(order, oracle_model(set(), order=order), questions=("order",), phrasings=1)
    res = discover_with_priors(df, priors, "pc", mode="hard")
    assert res.graph == CausalGraph(edges=["a --> b", "b --> c", "c --> d"])
    assert all(e.source in ("data, oriented by knowledge",) for e in res.edge_sources)
    # user knowledge wins on a clash
    user = BackgroundKnowledge(forbidden=[("a", "b")])
    merged = merge_knowledge(user, BackgroundKnowledge(required=[("a", "b"), ("c", "d")]))
    assert merged.required == [("c", "d")] and merged.forbidden == [("a", "b")]


def test_hard_mode_detects_a_collider_the_data_refute():
    df = _chain()
    priors = PriorSet.from_probabilities({"a --> b": 0.97, "c --> b": 0.97})
    res = discover_with_priors(df, priors, "pc", mode="hard")
    kinds = [c for c in res.conflicts if "common effect" in c.data]
    assert [(c.u, c.v) for c in kinds] == [("a", "c")]


def test_score_mode_prior_adds_a_weak_edge_and_keeps_a_strong_one():
    rng = np.random.default_rng(3)
    n = 200
    x = rng.normal(size=n)
    y = 0.1 * x + rng.normal(size=n)  # too weak for BIC at n=200
    z = rng.normal(size=n)
    w = 0.9 * z + rng.normal(size=n)
    df = pd.DataFrame({"x": x, "y": y, "z": z, "w": w})
    data_only = discover(df, "ges")
    assert not data_only.graph.has_edge("x", "y") and data_only.graph.has_edge("z", "w")
    priors = PriorSet.from_probabilities({"x --> y": 0.99, ("z", "w"): 0.01, ("w", "z"): 0.01})
    res = discover_with_priors(df, priors, "ges", mode="score")
    assert res.graph == CausalGraph(edges=["x --> y", "z --- w"])
    assert {e.edge: e.source for e in res.edge_sources}["x --> y"] == "knowledge"
    assert {frozenset((c.u, c.v)) for c in res.conflicts} == {frozenset("xy"), frozenset("zw")}
    zero = discover_with_priors(df, priors, "ges", mode="score", prior_weight=0.0)
    assert {frozenset((e.u, e.v)) for e in zero.graph.edges()} == {frozenset("zw")}


def test_apply_priors_and_errors():
    data = DiscoveryResult(graph=CausalGraph(edges=["p --- q", "q --- r"]), method="pc")
    res = apply_priors(data, PriorSet.from_probabilities({"r --> q": 0.99}))
    assert res.graph == CausalGraph(edges=["r --> q", "q --> p"])  # Meek R1 orients q -> p
    json.dumps(res.to_dict())
    assert "origin" in res.to_frame().columns
    with pytest.raises(InvalidInputError, match="'zz'"):
        apply_priors(data, PriorSet.from_probabilities({"zz --> q": 0.99}))
    with pytest.raises(InvalidInputError, match="mode"):
        discover_with_priors(_chain(300), PriorSet.from_probabilities({"a --> b": 0.9}), mode="magic")
    with pytest.raises(InvalidInputError, match="takes none"):
        discover_with_priors(_chain(300), PriorSet.from_probabilities({"a --> b": 0.9}), "ges", mode="hard")
    with pytest.raises(InvalidInputError, match="PAG"):
        apply_priors(DiscoveryResult(graph=CausalGraph(edges=["p o-o q"]), method="fci"),
                     PriorSet.from_probabilities({"p --> q": 0.99}))
    with pytest.raises(InvalidInputError, match="PriorSet"):
        apply_priors(data, {"p --> q": 0.9})


def test_pdag_helpers():
    cpdag = CausalGraph(edges=["a --- b", "b --- c"])
    assert dag_extension(cpdag).is_dag()
    assert orient_in_class(cpdag, "a", "b") == CausalGraph(edges=["a --> b", "b --> c"])
    v = CausalGraph(edges=["a --> b", "c --> b", "b --- d"])
    assert orient_in_class(CausalGraph(edges=["a --> b", "b --- c"]), "c", "b") is None  # new v-structure
    assert dag_extension(CausalGraph(edges=["a --> b", "b --> c", "c --> a"])) is None
    assert find_conflicts(v, PriorSet.from_probabilities({"b --> a": 0.99}))[0].data == "a --> b"
