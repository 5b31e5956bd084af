"""LiNGAM: full-DAG recovery on non-Gaussian data, equality with the `lingam` reference, knowledge."""

from __future__ import annotations

import numpy as np
import pytest
from _discovery_other_helpers import simulate_linear

from causalkit.discovery import BackgroundKnowledge, lingam
from causalkit.discovery.lingam import knowledge_to_prior_matrix
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph

lingam_ref = pytest.importorskip("lingam")

DAG = CausalGraph(edges=["A --> C", "B --> C", "C --> D", "D --> E", "F --> E", "A --> F"])


@pytest.fixture(scope="module")
def uniform_data():
    df, coefs = simulate_linear(DAG, 2000, seed=0, noise="uniform")
    return df, coefs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_direct_lingam_recovers_the_full_dag_and_matches_reference(seed):
    df, coefs = simulate_linear(DAG, 2000, seed=seed, noise="uniform")
    res = lingam(df)
    assert res.graph == DAG  # every edge oriented, none missing, none extra
    ref = lingam_ref.DirectLiNGAM().fit(df.to_numpy())
    assert res.extra["causal_order"] == [df.columns[i] for i in ref.causal_order_]
    np.testing.assert_allclose(res.extra["adjacency_matrix"], ref.adjacency_matrix_, atol=1e-10)
    b = res.extra["adjacency_matrix"]
    idx = {n: i for i, n in enumerate(res.extra["columns"])}
    for (u, v), w in coefs.items():  # B[i, j] = effect of j on i
        assert b[idx[v], idx[u]] == pytest.approx(w, abs=0.1)


def test_ica_lingam_matches_reference_with_the_same_seed(uniform_data):
    df, _ = uniform_data
    res = lingam(df, method="ica", random_state=0)
    ref = lingam_ref.ICALiNGAM(random_state=0).fit(df.to_numpy())
    assert res.method == "ica_lingam"
    assert res.extra["causal_order"] == [df.columns[i] for i in ref.causal_order_]
    np.testing.assert_allclose(res.extra["adjacency_matrix"], ref.adjacency_matrix_, atol=1e-10)
    assert res.graph == DAG


def test_knowledge_maps_to_the_lingam_prior_matrix():
    names = ["a", "b", "c"]
    bk = BackgroundKnowledge(tiers=[["a"], ["b", "c"]], required=[("b", "c")], forbidden=[("a", "c")])
    prior, no_edge = knowledge_to_prior_matrix(bk, names)
    expected = np.array([[-1, 0, 0], [-1, -1, -1], [-1, 1, -1]])  # later tiers never cause 'a'; b -> c
    np.testing.assert_array_equal(prior, expected)
    np.testing.assert_array_equal(no_edge, [[0, 0, 0], [0, 0, 0], [1, 0, 0]])


def test_lingam_knowledge_forbidden_never_required_always(uniform_data):
    df, _ = uniform_data
    bk = BackgroundKnowledge(forbidden=[("C", "D")], required=[("B", "E")])
    res = lingam(df, background_knowledge=bk)
    assert not res.graph.has_edge("C", "D")  # a true edge, forbidden
    assert res.graph.is_directed_edge("B", "E")  # not a direct edge in the truth, required
    for e in ["A --> C", "B --> C", "D --> E", "F --> E", "A --> F"]:
        assert res.graph.is_directed_edge(*e.split(" --> "))


def test_lingam_tiers_constrain_the_order(uniform_data):
    df, _ = uniform_data
    bk = BackgroundKnowledge(tiers=[["E"], ["A", "B", "C", "D", "F"]])  # deliberately wrong
    res = lingam(df, prior_knowledge=bk)
    assert res.extra["causal_order"][0] == "E"
    for e in res.graph.edges():
        assert not bk.is_forbidden(e.u, e.v)


def test_lingam_prior_matrix_passes_through_like_the_reference(uniform_data):
    df, _ = uniform_data
    pk = -np.ones((6, 6))
    pk[0, 5] = 0  # F has no path to A
    pk[2, 1] = 1  # B has a path to C
    res = lingam(df, prior_knowledge=pk)
    ref = lingam_ref.DirectLiNGAM(prior_knowledge=pk).fit(df.to_numpy())
    assert res.extra["causal_order"] == [df.columns[i] for i in ref.causal_order_]
    np.testing.assert_allclose(res.extra["adjacency_matrix"], ref.adjacency_matrix_, atol=1e-10)


def test_lingam_threshold_prunes_small_weights(uniform_data):
    df, coefs = uniform_data
    weakest = min(coefs, key=lambda k: abs(coefs[k]))
    res = lingam(df, threshold=abs(coefs[weakest]) + 0.15)
    assert not res.graph.has_edge(*weakest)
    assert len(res.graph.edges()) < len(DAG.edges())


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "ica", "prior_knowledge": BackgroundKnowledge(forbidden=[("A", "B")])}, "ICA"),
    ({"method": "magic"}, "method"),
    ({"measure": "hsic"}, "measure"),
    ({"threshold": -1}, "threshold"),
    ({"prior_knowledge": np.ones((2, 2))}, "6x6"),
    ({"prior_knowledge": BackgroundKnowledge(), "background_knowledge": BackgroundKnowledge()}, "not both"),
    ({"prior_knowledge": BackgroundKnowledge(forbidden=[("A", "Z")])}, "'Z'"),
])
def test_lingam_rejects_bad_options(uniform_data, kwargs, match):
    df, _ = uniform_data
    with pytest.raises(InvalidInputError, match=match):
        lingam(df, **kwargs)


def test_lingam_inconsistent_prior_is_a_clear_error(uniform_data):
    df, _ = uniform_data
    pk = -np.ones((6, 6))
    pk[0, 1] = pk[1, 0] = 1  # a path both ways: a cycle
    with pytest.raises(InvalidInputError, match="inconsistenc"):
        lingam(df, prior_knowledge=pk)
