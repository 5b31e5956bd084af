"""CD-NOD: exact changing modules, context-driven orientations, causal-learn parity, knowledge, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _discovery_other_helpers import context_data

from causalkit.discovery import BackgroundKnowledge, cdnod
from causalkit.discovery._causallearn import graph_from_matrix
from causalkit.exceptions import InvalidInputError, UnknownNodeError

TRUE_EDGES = ["X1 --> X2", "X2 --> X3", "X3 --> X5", "X4 --> X3"]


@pytest.mark.parametrize("seed, k", [(0, 3), (1, 4), (2, 6)])
def test_cdnod_finds_exactly_the_changing_modules(seed, k):
    df = context_data(seed, n_contexts=k, n_per=1200 // k)
    res = cdnod(df, "domain")
    # X2: mean changes, X3: coefficient changes, X4: variance changes; X1 and X5 are invariant
    assert res.extra["changing_modules"] == ["X2", "X3", "X4"]
    assert sorted(res.graph.to_edge_list()) == TRUE_EDGES
    assert res.graph.nodes == ["X1", "X2", "X3", "X4", "X5"]
    gc = res.extra["graph_with_context"]
    assert res.extra["context_node"] == "domain" and "domain" in gc
    assert sorted(gc.children("domain")) == ["X2", "X3", "X4"] and gc.parents("domain") == []
    assert res.extra["n_contexts"] == k


def test_cdnod_reports_orientations_due_to_the_context():
    res = cdnod(context_data(0), "domain")
    # without the context X1 --- X2 stays undirected; domain --> X2 <-- X1 (collider) orients it
    assert res.extra["context_orientations"] == ["X1 --> X2"]
    assert frozenset({"X1", "X3"}) in res.sepsets


def test_cdnod_context_as_array_or_text_labels_gives_the_same_graph():
    df = context_data(1)
    by_name = cdnod(df, "domain")
    by_array = cdnod(df.drop(columns="domain"), df["domain"].to_numpy())
    labels = df.assign(domain=df["domain"].map({0: "site-a", 1: "site-b", 2: "site-c", 3: "site-d"}))
    by_text = cdnod(labels, "domain")
    assert by_array.graph == by_name.graph == by_text.graph
    assert by_array.extra["context_node"] == "context"
    assert by_array.extra["changing_modules"] == by_text.extra["changing_modules"] == ["X2", "X3", "X4"]


def test_cdnod_same_mode_equals_causallearn_cdnod():
    from causallearn.search.ConstraintBased.CDNOD import cdnod as cl_cdnod

    df = context_data(3)
    x = df.drop(columns="domain").to_numpy()
    c = df[["domain"]].to_numpy(dtype=float)
    ours = cdnod(df, "domain", context_test="same")
    theirs = cl_cdnod(x, c, 0.05, "fisherz", show_progress=False)
    expected, _ = graph_from_matrix(theirs.G.graph, ["X1", "X2", "X3", "X4", "X5", "domain"])
    assert ours.extra["graph_with_context"] == expected
    assert ours.params["context_test"] == "same"


def test_cdnod_time_index_drift():
    rng = np.random.default_rng(5)
    n = 1500
    t = np.arange(n)
    x1 = rng.normal(size=n)
    x2 = 0.8 * x1 + 2.0 * np.sin(2 * np.pi * t / n) + rng.normal(size=n)  # drifting mean
    x3 = 0.7 * x2 + rng.normal(size=n)
    res = cdnod(pd.DataFrame({"X1": x1, "X2": x2, "X3": x3, "time": t}), "time")
    assert res.extra["changing_modules"] == ["X2"]
    assert sorted(res.graph.to_edge_list()) == ["X1 --> X2", "X2 --> X3"]
    assert any("time index" in w for w in res.warnings)


def test_cdnod_no_change_means_no_changing_modules():
    rng = np.random.default_rng(7)
    dom = np.repeat(np.arange(4), 300)
    x1 = rng.normal(size=1200)
    x2 = 0.8 * x1 + rng.normal(size=1200)
    res = cdnod(pd.DataFrame({"X1": x1, "X2": x2, "site": dom}), "site", alpha=0.01)
    assert res.extra["changing_modules"] == []
    assert res.graph.to_edge_list() == ["X1 --- X2"]


def test_cdnod_background_knowledge_forbidden_never_required_always():
    df = context_data(0)
    bk = BackgroundKnowledge(forbidden=[("X3", "X5"), ("X5", "X3")], required=[("X1", "X4")])
    res = cdnod(df, "domain", background_knowledge=bk)
    assert not res.graph.has_edge("X3", "X5")
    assert res.graph.is_directed_edge("X1", "X4")
    assert res.params["background_knowledge"] is True


def test_cdnod_max_depth_and_discrete_data():
    df = context_data(0)
    shallow = cdnod(df, "domain", max_depth=0)
    assert shallow.n_ci_tests <= 15  # only marginal tests: 6 nodes -> 15 pairs
    rng = np.random.default_rng(0)
    dom = np.repeat([0, 1, 2], 700)
    a = (rng.random(dom.size) < 0.8).astype(int)
    b = (a ^ (rng.random(dom.size) < np.array([0.1, 0.3, 0.45])[dom])).astype(int)  # B | A changes
    res = cdnod(pd.DataFrame({"A": a, "B": b, "env": dom}), "env", ci_test="gsq")
    assert res.extra["changing_modules"] == ["B"]
    assert res.graph.to_edge_list() == ["A --> B"]


@pytest.mark.parametrize("context, error, match", [
    ("nowhere", UnknownNodeError, "nowhere"),
    (np.zeros(10), InvalidInputError, "10 values"),
])
def test_cdnod_bad_context(context, error, match):
    with pytest.raises(error, match=match):
        cdnod(context_data(0), context)


def test_cdnod_constant_or_missing_context():
    df = context_data(0)
    with pytest.raises(InvalidInputError, match="single value"):
        cdnod(df.assign(domain=1), "domain")
    with pytest.raises(InvalidInputError, match="missing"):
        cdnod(df.assign(domain=df["domain"].where(df.index > 3)), "domain")
    with pytest.raises(InvalidInputError, match="context_test"):
        cdnod(df, "domain", context_test="kci")
