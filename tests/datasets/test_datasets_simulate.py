"""Simulators: reproducibility and agreement with the truth they report."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from causalkit.datasets import (
    SimulatedData,
    random_dag,
    simulate_heterogeneous,
    simulate_linear_gaussian,
    simulate_nonlinear_anm,
)
from causalkit.datasets.simulate import nonlinear_function
from causalkit.exceptions import GraphError, InvalidInputError, UnknownNodeError
from causalkit.graphs import dag_to_cpdag, from_edge_list


def ols(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    design = np.column_stack([np.ones(len(y)), x])
    return np.linalg.lstsq(design, y, rcond=None)[0]


# ------------------------------------------------------------------------------------------ random_dag
def test_random_dag_reproducible_and_degree():
    a, b = random_dag(15, random_state=1), random_dag(15, random_state=1)
    assert a == b and a.is_dag() and a.nodes == [f"X{i}" for i in range(15)]
    assert random_dag(15, random_state=2) != a
    mean_edges = np.mean([len(random_dag(20, expected_degree=3, random_state=s).edges()) for s in range(40)])
    assert mean_edges == pytest.approx(20 * 3 / 2, rel=0.1)
    named = random_dag(3, expected_degree=10, random_state=0, names=["a", "b", "c"])
    assert len(named.edges()) == 3 and set(named.nodes) == {"a", "b", "c"}
    assert len(random_dag(1).edges()) == 0
    with pytest.raises(InvalidInputError, match="names"):
        random_dag(3, names=["a", "a", "b"])
    with pytest.raises(InvalidInputError, match="n_nodes"):
        random_dag(0)
    with pytest.raises(InvalidInputError, match="expected_degree"):
        random_dag(3, expected_degree=-1)


# ------------------------------------------------------------------------------------------ linear
def test_linear_reproducible_and_seed_dependent():
    a = simulate_linear_gaussian(6, 200, random_state=3)
    b = simulate_linear_gaussian(6, 200, random_state=3)
    c = simulate_linear_gaussian(6, 200, random_state=4)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.graph == b.graph and a.weights.equals(b.weights)
    assert not np.allclose(a.data.to_numpy(), c.data.to_numpy())
    assert isinstance(a, SimulatedData) and a.params["random_state"] == 3


@pytest.mark.parametrize("standardize", [False, True])
def test_linear_sample_covariance_matches_implied(standardize):
    sim = simulate_linear_gaussian(6, 100_000, standardize=standardize, random_state=5)
    implied = sim.implied_covariance().to_numpy()
    sample = np.cov(sim.data.to_numpy(), rowvar=False)
    scale = np.sqrt(np.outer(np.diag(implied), np.diag(implied)))
    assert np.abs(sample - implied).max() / scale.max() < 0.03
    if standardize:
        assert np.allclose(np.diag(implied), 1.0)


def test_total_effect_matches_ols_adjusting_for_parents():
    sim = simulate_linear_gaussian(7, 100_000, random_state=11, noise="uniform")
    checked = 0
    for (x, y), effect in sim.true_effects.items():
        parents = sim.graph.parents(x)
        coef = ols(sim.data[y].to_numpy(), sim.data[[x, *parents]].to_numpy())[1]
        assert coef == pytest.approx(effect, abs=0.03 + 0.02 * abs(effect)), (x, y)
        assert sim.total_effect(x, y) == pytest.approx(effect)
        checked += 1
    assert checked >= 3
    a, b = sim.graph.nodes[0], sim.graph.nodes[1]
    if b not in sim.graph.descendants(a):
        assert sim.total_effect(a, b) == 0.0


def test_linear_with_given_weights_by_hand():
    sim = simulate_linear_gaussian(
        "Z -> X; Z -> Y; X -> Y", 50_000,
        weights={("Z", "X"): 1.0, ("Z", "Y"): 1.0, ("X", "Y"): 2.0}, noise_scale=1.0, random_state=0,
    )
    assert sim.total_effect("Z", "Y") == pytest.approx(3.0)
    assert sim.total_effect("X", "Y") == pytest.approx(2.0)
    assert sim.total_effect("Y", "X") == 0.0
    assert np.var(sim.data["X"]) == pytest.approx(2.0, rel=0.05)  # 1^2 * 1 + 1
    assert sim.true_cpdag() == dag_to_cpdag(sim.graph)
    with pytest.raises(InvalidInputError, match="Z --> Y"):
        simulate_linear_gaussian("Z -> X; Z -> Y", 10, weights={("Z", "X"): 1.0})
    with pytest.raises(InvalidInputError, match="not an edge"):
        simulate_linear_gaussian("Z -> X", 10, weights={("Z", "X"): 1.0, ("X", "Z"): 1.0})
    with pytest.raises(UnknownNodeError, match="'Q'"):
        sim.total_effect("Q", "Y")


@pytest.mark.parametrize(("noise", "skew", "kurt"), [
    ("gaussian", 0.0, 0.0), ("uniform", 0.0, -1.2), ("laplace", 0.0, 3.0), ("exponential", 2.0, 6.0),
])
def test_noise_families(noise, skew, kurt):
    sim = simulate_linear_gaussian("A -> B", 200_000, noise=noise, noise_scale=0.7, random_state=1)
    root = sim.data["A"].to_numpy()
    assert root.std() == pytest.approx(0.7, rel=0.02) and abs(root.mean()) < 0.01
    assert stats.skew(root) == pytest.approx(skew, abs=0.1)
    assert stats.kurtosis(root) == pytest.approx(kurt, abs=0.35)


def test_simulator_input_errors():
    with pytest.raises(GraphError, match="DAG"):
        simulate_linear_gaussian("A --- B", 10)
    with pytest.raises(InvalidInputError, match="noise"):
        simulate_linear_gaussian(3, 10, noise="cauchy")
    with pytest.raises(InvalidInputError, match="weight_range"):
        simulate_linear_gaussian(3, 10, weight_range=(2.0, 1.0))
    with pytest.raises(InvalidInputError, match="n_samples"):
        simulate_linear_gaussian(3, 0)
    with pytest.raises(InvalidInputError, match="linear SEM"):
        simulate_nonlinear_anm(3, 10, random_state=0).total_effect("X0", "X1")


# ------------------------------------------------------------------------------------------ nonlinear
def test_anm_mechanisms_recover_the_noise_exactly():
    sim = simulate_nonlinear_anm(6, 3000, random_state=7)
    again = simulate_nonlinear_anm(6, 3000, random_state=7)
    pd.testing.assert_frame_equal(sim.data, again.data)
    assert not sim.data.equals(simulate_nonlinear_anm(6, 3000, random_state=8).data)
    for node, parts in sim.extra["mechanisms"].items():
        signal = sum(w * nonlinear_function(f)((sim.data[p] - m) / s) for p, f, w, m, s in parts)
        resid = sim.data[node] - signal
        np.testing.assert_allclose(resid, sim.extra["noise"][node], atol=1e-9)
        assert resid.std() == pytest.approx(sim.noise_scale[node], rel=0.08)


def test_anm_quadratic_is_dependent_but_uncorrelated():
    sim = simulate_nonlinear_anm("X -> Y", 20_000, functions=("quadratic",), noise_scale=0.3, random_state=0)
    x, y = sim.data["X"], sim.data["Y"]
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.05
    assert abs(np.corrcoef(x**2, y)[0, 1]) > 0.8
    with pytest.raises(InvalidInputError, match="functions"):
        simulate_nonlinear_anm(3, 10, functions=("exp",))


# ------------------------------------------------------------------------------------------ heterogeneous
def _per_context_fit(sim, node):
    rows = []
    for _, block in sim.data.groupby(sim.context):
        parents = sim.graph.parents(node)
        x = block[parents].to_numpy() if parents else np.empty((len(block), 0))
        beta = ols(block[node].to_numpy(), x)
        resid = block[node].to_numpy() - np.column_stack([np.ones(len(block)), x]) @ beta
        rows.append(np.append(beta, resid.std()))
    return np.array(rows)  # contexts x (intercept, weights..., residual sd)


@pytest.mark.parametrize("change", ["mechanism", "noise", "both"])
def test_heterogeneous_only_changing_modules_change(change):
    sim = simulate_heterogeneous(7, 40_000, n_contexts=4, change=change, random_state=21)
    assert sim.context == "C" and sorted(sim.data["C"].unique()) == [0, 1, 2, 3]
    assert sim.data["C"].value_counts().tolist() == [10_000] * 4
    assert len(sim.changing_modules) == 2
    for node in sim.nodes:
        fit = _per_context_fit(sim, node)
        spread = fit.max(axis=0) - fit.min(axis=0)
        if node in sim.changing_modules:
            if change in ("mechanism", "both"):
                assert spread[0] > 1.0, node  # intercept shifts of at least ~1
            if change in ("noise", "both"):
                assert fit[:, -1].max() / fit[:, -1].min() > 3.0, node  # noise sd 0.5x .. 2.5x
        else:
            assert spread.max() < 0.12, (node, spread)
    aug = sim.extra["graph_with_context"]
    assert sorted(aug.children("C")) == sorted(sim.changing_modules)


def test_heterogeneous_options_and_errors():
    sim = simulate_heterogeneous("A -> B; B -> D", 300, changing=["B"], context_name="env", random_state=0)
    assert sim.changing_modules == ("B",) and "env" in sim.data
    same = simulate_heterogeneous("A -> B; B -> D", 300, changing=["B"], context_name="env", random_state=0)
    pd.testing.assert_frame_equal(sim.data, same.data)
    other = simulate_heterogeneous("A -> B; B -> D", 300, changing=["B"], context_name="env", random_state=1)
    assert not np.allclose(sim.data[["A", "B", "D"]], other.data[["A", "B", "D"]])
    with pytest.raises(InvalidInputError, match="context_name"):
        simulate_heterogeneous("A -> B", 100, context_name="A")
    with pytest.raises(UnknownNodeError, match="'Q'"):
        simulate_heterogeneous("A -> B", 100, changing=["Q"])
    with pytest.raises(InvalidInputError, match="n_contexts"):
        simulate_heterogeneous("A -> B", 100, n_contexts=1)
    with pytest.raises(InvalidInputError, match="change"):
        simulate_heterogeneous("A -> B", 100, change="everything")


def test_simulators_accept_graph_descriptions():
    g = from_edge_list("A -> B; B -> C")
    for sim in (simulate_linear_gaussian(g, 20, random_state=0), simulate_nonlinear_anm("A -> B; B -> C", 20, random_state=0)):
        assert list(sim.data.columns) == ["A", "B", "C"] and sim.graph == g
