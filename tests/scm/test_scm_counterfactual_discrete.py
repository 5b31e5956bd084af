"""Counterfactuals on hand-computed cases, and discrete SCMs against exact pgmpy inference."""

import warnings

import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import EstimationError
from causalkit.scm import StructuralCausalModel


def test_counterfactual_two_node_hand_computed():
    # X = U1, Y = 2X + U2. Observed X=1, Y=3 => U2 = 1 => Y_{X=0} = 1.
    rng = np.random.default_rng(0)
    x = rng.normal(size=1000)
    data = pd.DataFrame({"X": x, "Y": 2 * x + 0.05 * rng.normal(size=1000)})
    scm = StructuralCausalModel(["X --> Y"], random_state=0).fit(data)
    unit = pd.DataFrame({"X": [1.0], "Y": [3.0]}, index=["alice"])
    cf = scm.counterfactual(unit, {"X": 0.0})
    assert cf.index.tolist() == ["alice"]
    assert cf.loc["alice", "X"] == 0.0
    assert cf.loc["alice", "Y"] == pytest.approx(1.0, abs=0.01)
    assert scm.counterfactual(unit, shift={"X": 2.0}).loc["alice", "Y"] == pytest.approx(7.0, abs=0.02)


def test_counterfactual_chain_hand_computed():
    # M = 1 + 2X + U_M, Y = -1 + 3M + X + U_Y; unit (X=1, M=4, Y=13) has U_M = 1, U_Y = 1.
    rng = np.random.default_rng(1)
    n = 2000
    x = rng.normal(size=n)
    m = 1 + 2 * x + 0.5 * rng.normal(size=n)
    y = -1 + 3 * m + x + 0.1 * rng.normal(size=n)
    scm = StructuralCausalModel(["X --> M", "M --> Y", "X --> Y"], mechanisms="linear").fit(
        pd.DataFrame({"X": x, "M": m, "Y": y})
    )
    units = pd.DataFrame({"X": [1.0, 0.0], "M": [4.0, 0.5], "Y": [13.0, 0.0]})
    cf = scm.counterfactual(units, {"X": 0.0})
    # unit 0: M = 1 + 0 + 1 = 2, Y = -1 + 6 + 0 + 1 = 6; unit 1 has X = 0 already: unchanged
    np.testing.assert_allclose(cf["M"], [2.0, 0.5], atol=0.02)
    np.testing.assert_allclose(cf["Y"], [6.0, 0.0], atol=0.05)
    cf_m = scm.counterfactual(units, {"M": 0.0})
    np.testing.assert_array_equal(cf_m["X"], units["X"])  # non-descendants keep observed values exactly
    np.testing.assert_allclose(cf_m["Y"], [1.0, -1.5], atol=0.05)  # Y = -1 + 0 + X + U_Y
    pd.testing.assert_frame_equal(scm.counterfactual(units), units, check_dtype=False)


def test_counterfactual_nonlinear_additive():
    # Y = X^2 + U: observed (X=1, Y=1.5) => U = 0.5 => Y_{X=0} = 0.5, Y_{X=-1.5} = 2.75
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, 3000)
    data = pd.DataFrame({"X": x, "Y": x**2 + 0.2 * rng.normal(size=3000)})
    scm = StructuralCausalModel(["X --> Y"], random_state=0).fit(data)
    assert scm.mechanism_kinds_["Y"] == "additive"
    unit = pd.DataFrame({"X": [1.0], "Y": [1.5]})
    assert scm.counterfactual(unit, {"X": 0.0})["Y"].iloc[0] == pytest.approx(0.5, abs=0.06)
    assert scm.counterfactual(unit, {"X": -1.5})["Y"].iloc[0] == pytest.approx(2.75, abs=0.08)


# ----------------------------------------------------------------------------- discrete
def _simulate_discrete(n, rng):
    a = rng.binomial(1, 0.4, n)
    pb = np.array([[0.6, 0.3, 0.1], [0.2, 0.3, 0.5]])[a]
    b = (rng.uniform(size=n)[:, None] > np.cumsum(pb, 1)).sum(1)
    c = rng.binomial(1, 0.1 + 0.2 * a + 0.25 * b)
    return pd.DataFrame({"A": a, "B": b, "C": c})


EDGES = [("A", "B"), ("A", "C"), ("B", "C")]


@pytest.fixture(scope="module")
def discrete_pair():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.estimators import BayesianEstimator
        from pgmpy.inference import CausalInference
        from pgmpy.models import DiscreteBayesianNetwork

        data = _simulate_discrete(3000, np.random.default_rng(0))
        bn = DiscreteBayesianNetwork(EDGES)
        bn.add_cpds(*BayesianEstimator(bn, data).get_parameters(prior_type="K2"))  # pseudo-count 1
    scm = StructuralCausalModel(EDGES, random_state=0).fit(data)
    return scm, bn, CausalInference(bn)


def test_discrete_tables_equal_pgmpy(discrete_pair):
    scm, bn, _ = discrete_pair
    assert set(scm.mechanism_kinds_.values()) == {"discrete"}
    cpd = bn.get_cpds("C")
    assert cpd.variables == ["C", "A", "B"]
    np.testing.assert_allclose(scm.mechanisms_["C"].table_, cpd.values.reshape(2, -1).T, atol=1e-12)
    np.testing.assert_allclose(scm.mechanisms_["B"].table_, bn.get_cpds("B").values.T, atol=1e-12)


@pytest.mark.parametrize("do", [{"B": 2}, {"B": 0}, {"A": 1}])
def test_discrete_do_matches_exact_pgmpy_inference(discrete_pair, do):
    scm, _, inference = discrete_pair
    exact = inference.query(["C"], do=do, show_progress=False).values[1]
    n = 100_000
    draws = scm.do(do, n=n, random_state=2)
    assert draws["C"].dtype.kind == "i"
    assert draws["C"].mean() == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / n))


def test_discrete_counterfactual_monotone_coupling(discrete_pair):
    scm, _, _ = discrete_pair
    units = _simulate_discrete(400, np.random.default_rng(5))
    pd.testing.assert_frame_equal(scm.counterfactual(units, random_state=0), units, check_dtype=False)
    cf = scm.counterfactual(units, {"B": 2}, random_state=0)
    np.testing.assert_array_equal(cf["A"], units["A"])
    # P(C=1 | a, b=2) >= P(C=1 | a, b) for every b: under the monotone coupling nobody with C=1 drops to 0
    assert (cf.loc[units["C"] == 1, "C"] == 1).all()
    assert cf["C"].mean() > units["C"].mean()
    with pytest.raises(EstimationError, match="discrete"):
        scm.counterfactual(units, {"B": 2}, discrete="raise")


def test_discrete_counterfactual_rate_matches_interventional_mean(discrete_pair):
    # Averaging counterfactuals over the observational population gives the interventional mean.
    scm, _, inference = discrete_pair
    pop = scm.sample(60_000, random_state=8)
    cf = scm.counterfactual(pop, {"A": 1}, random_state=9)
    exact = inference.query(["C"], do={"A": 1}, show_progress=False).values[1]
    assert cf["C"].mean() == pytest.approx(exact, abs=0.012)
