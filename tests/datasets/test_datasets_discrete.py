"""Discrete Bayesian networks: sampler against exact inference, bundled networks."""

import numpy as np
import pandas as pd
import pytest

from causalkit.datasets import (
    list_networks,
    load_network,
    sample_network,
    simulate_discrete,
    to_pgmpy_model,
)
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import from_edge_list


def exact_marginals(model, nodes):
    from pgmpy.inference import VariableElimination

    ve = VariableElimination(model)
    return {v: np.asarray(ve.query([v], show_progress=False).values) for v in nodes}


def test_discrete_marginals_match_exact_inference():
    sim = simulate_discrete(7, 60_000, cardinality=(2, 3), random_state=4)
    assert sim.data.dtypes.map(pd.api.types.is_integer_dtype).all()
    exact = exact_marginals(to_pgmpy_model(sim), sim.nodes)
    for v in sim.nodes:
        k = sim.extra["cardinality"][v]
        freq = np.bincount(sim.data[v], minlength=k) / len(sim.data)
        assert len(freq) == k
        np.testing.assert_allclose(freq, exact[v], atol=0.01)


def test_discrete_conditional_matches_cpt():
    sim = simulate_discrete("A -> B", 80_000, cardinality=3, random_state=1)
    _, table = sim.extra["cpts"]["B"]
    for a in range(3):
        sub = sim.data.loc[sim.data["A"] == a, "B"]
        np.testing.assert_allclose(np.bincount(sub, minlength=3) / len(sub), table[a], atol=0.015)


def test_discrete_reproducible_and_errors():
    a = simulate_discrete(5, 300, random_state=9)
    pd.testing.assert_frame_equal(a.data, simulate_discrete(5, 300, random_state=9).data)
    assert not a.data.equals(simulate_discrete(5, 300, random_state=10).data)
    with pytest.raises(InvalidInputError, match="cardinality"):
        simulate_discrete(3, 10, cardinality=1)
    with pytest.raises(InvalidInputError, match="dirichlet_alpha"):
        simulate_discrete(3, 10, dirichlet_alpha=0)
    with pytest.raises(InvalidInputError, match="CPTs"):
        to_pgmpy_model(__import__("causalkit.datasets", fromlist=["x"]).simulate_linear_gaussian(2, 5))


def test_bundled_asia_network():
    assert {"asia", "sachs", "alarm", "child", "insurance"} <= set(list_networks("discrete"))
    assert "ecoli70" in list_networks("gaussian") and "M-bias" in list_networks("dag")
    g = load_network("asia")
    assert g == from_edge_list(
        "asia -> tub; smoke -> lung; smoke -> bronc; tub -> either; lung -> either; either -> xray; "
        "either -> dysp; bronc -> dysp"
    )
    sim = sample_network("asia", 40_000, random_state=0)
    assert sim.graph == g
    exact = exact_marginals(to_pgmpy_model(sim), ["smoke", "either", "dysp"])
    for v, p in exact.items():
        np.testing.assert_allclose(np.bincount(sim.data[v], minlength=2) / len(sim.data), p, atol=0.01)
    labelled = sample_network("asia", 50, random_state=0, labels=True)
    assert set(labelled.data["smoke"].cat.categories) == {"yes", "no"}


def test_bundled_gaussian_network_is_linear_sem():
    sim = sample_network("ecoli70", 50_000, random_state=0)
    assert sim.weights is not None and len(sim.graph) == 46
    implied = sim.implied_covariance().to_numpy()
    sample = np.cov(sim.data.to_numpy(), rowvar=False)
    assert np.abs(sample - implied).max() / np.abs(implied).max() < 0.03


def test_network_errors():
    with pytest.raises(InvalidInputError, match="Unknown network 'nope'.*asia"):
        load_network("nope")
    with pytest.raises(InvalidInputError, match="without parameters"):
        sample_network("M-bias", 10)
    with pytest.raises(InvalidInputError, match="kind"):
        list_networks("continuous")
    assert load_network("M-bias").kind == "admg"  # latents projected to bidirected edges
