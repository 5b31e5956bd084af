"""GES: CPDAG recovery (BIC and BDeu), score, options and refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _discovery_other_helpers import simulate_linear

from causalkit.discovery import BackgroundKnowledge, ges
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import dag_to_cpdag, shd


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ges_recovers_the_cpdag(dag6, seed):
    df, _ = simulate_linear(dag6, 3000, seed=seed)
    res = ges(df)
    truth = dag_to_cpdag(dag6)
    assert res.graph == truth, (res.graph.to_edge_list(), truth.to_edge_list())
    assert res.graph.kind == "cpdag"
    assert np.isfinite(res.extra["score"]) and res.extra["score_name"] == "bic"
    assert res.n_ci_tests == 0


def test_ges_score_is_better_than_a_wrong_graph(dag6):
    """causal-learn's BIC (higher is better) of the result beats the empty graph's."""
    from causallearn.score.LocalScoreFunction import local_score_BIC_from_cov

    df, _ = simulate_linear(dag6, 2000, seed=4)
    res = ges(df)
    cov, n = np.cov(df.to_numpy().T), len(df)
    empty = sum(local_score_BIC_from_cov((cov, n), i, [], {"lambda_value": 0.5}) for i in range(df.shape[1]))
    assert res.extra["score"] > empty + 100


def test_ges_bdeu_on_discrete_collider():
    rng = np.random.default_rng(0)
    n = 4000
    x, y = rng.integers(0, 2, n), rng.integers(0, 3, n)
    z = ((x + y + (rng.random(n) < 0.2)) >= 2).astype(int)
    w = (z ^ (rng.random(n) < 0.15)).astype(int)
    res = ges(pd.DataFrame({"X": x, "Y": y, "Z": z, "W": w}), score="bdeu")
    assert sorted(res.graph.to_edge_list()) == ["X --> Z", "Y --> Z", "Z --> W"]


def test_ges_max_parents_limits_insertions():
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=(3, 3000))
    d = a + b + c + rng.normal(size=3000)
    df = pd.DataFrame({"a": a, "b": b, "c": c, "d": d})
    assert sorted(ges(df).graph.parents("d")) == ["a", "b", "c"]
    assert ges(df, max_parents=0).graph.edges() == []
    limited = ges(df, max_parents=2)
    assert shd(dag_to_cpdag("a -> d; b -> d; c -> d"), limited.graph) > 0


def test_ges_refuses_background_knowledge(dag6):
    df, _ = simulate_linear(dag6, 200, seed=0)
    with pytest.raises(InvalidInputError, match="background knowledge"):
        ges(df, background_knowledge=BackgroundKnowledge(forbidden=[("A", "C")]))


@pytest.mark.parametrize("kwargs, match", [
    ({"score": "aic"}, "score"),
    ({"max_parents": -1}, "max_parents"),
    ({"score": "bdeu"}, "'A' is not discrete"),
])
def test_ges_rejects_bad_options(dag6, kwargs, match):
    df, _ = simulate_linear(dag6, 200, seed=0)
    with pytest.raises(InvalidInputError, match=match):
        ges(df, **kwargs)


def test_ges_generalized_score_sees_a_nonlinear_edge_bic_misses():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 150))
    df = pd.DataFrame({"X": x, "Y": y, "Z": x**2 + 0.3 * rng.normal(size=150)})
    assert ges(df).graph.edges() == []  # no linear correlation
    assert ges(df, score="generalized").graph.to_edge_list() == ["X --- Z"]
