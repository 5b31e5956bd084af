"""do(), interventional means and ATEs of fitted SCMs against the true simulators."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone

from causalkit.scm import StructuralCausalModel

LINEAR_EDGES = ["Z --> X", "X --> M", "M --> Y", "X --> Y", "Z --> Y"]


def simulate_linear(n, rng, do_x=None):
    """Z -> X -> M -> Y, X -> Y, Z -> Y with non-Gaussian noise. Total effect X -> Y = 1.5*2 + 0.5 = 3.5."""
    z = 1.0 + rng.normal(size=n)
    x = 0.8 * z + rng.uniform(-1.7, 1.7, size=n) if do_x is None else np.full(n, float(do_x))
    m = 1.5 * x + (rng.exponential(1.0, size=n) - 1.0)  # skewed noise, variance 1
    y = 3.0 + 2.0 * m + 0.5 * x + z + rng.laplace(0, 1 / np.sqrt(2), size=n)
    return pd.DataFrame({"Z": z, "X": x, "M": m, "Y": y})


@pytest.fixture(scope="module")
def linear_scm():
    data = simulate_linear(3000, np.random.default_rng(1))
    return StructuralCausalModel(LINEAR_EDGES, random_state=0).fit(data)


def test_auto_picks_linear_and_recovers_weights(linear_scm):
    assert set(linear_scm.mechanism_kinds_.values()) == {"linear"}
    y = linear_scm.mechanisms_["Y"]
    coef = dict(zip(y.parents, y.coef_, strict=True))
    assert coef == pytest.approx({"M": 2.0, "X": 0.5, "Z": 1.0}, abs=0.08)
    assert linear_scm.mechanisms_["M"].coef_[0] == pytest.approx(1.5, abs=0.05)


@pytest.mark.parametrize("x", [-1.0, 0.0, 2.0])
def test_do_mean_matches_total_effect(linear_scm, x):
    # E[Y | do(X=x)] = 3.5 x + E[Z] + 3 = 3.5 x + 4
    est = linear_scm.interventional_mean("Y", {"X": x}, n=20_000, random_state=3)
    assert est == pytest.approx(3.5 * x + 4.0, abs=0.15)


def test_do_distribution_keeps_empirical_noise(linear_scm):
    draws = linear_scm.do({"X": 0.0}, n=40_000, random_state=4)
    assert (draws["X"] == 0.0).all()
    # Var(Y | do(X)) = 4 Var(e_M) + Var(Z) + Var(e_Y) = 6
    assert draws["Y"].var() == pytest.approx(6.0, rel=0.08)
    # M | do(X=0) is the centred exponential noise: skewness 2 (a Gaussian noise model gives 0)
    assert stats.skew(draws["M"]) == pytest.approx(2.0, abs=0.35)
    gauss = clone(linear_scm).set_params(noise="gaussian").fit(simulate_linear(3000, np.random.default_rng(1)))
    assert abs(stats.skew(gauss.do({"X": 0.0}, n=40_000, random_state=4)["M"])) < 0.1


def test_shift_callable_and_array_interventions(linear_scm):
    base = linear_scm.interventional_mean("Y", n=20_000, random_state=5)
    shifted = linear_scm.interventional_mean("Y", shift={"X": 1.0}, n=20_000, random_state=5)
    assert shifted - base == pytest.approx(3.5, abs=0.05)  # same noise: the difference is exact up to fit
    # policy X := Z  =>  E[Y] = 3.5 E[Z] + E[Z] + 3 = 7.5
    policy = linear_scm.interventional_mean("Y", {"X": lambda pa: pa["Z"]}, n=20_000, random_state=6)
    assert policy == pytest.approx(7.5, abs=0.15)
    arr = np.r_[np.zeros(10_000), np.full(10_000, 2.0)]
    assert linear_scm.interventional_mean("Y", {"X": arr}, n=20_000, random_state=7) == pytest.approx(7.5, abs=0.15)


def test_sample_reproducible_and_observational(linear_scm):
    a = linear_scm.sample(5000, random_state=11)
    b = linear_scm.sample(5000, random_state=11)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["Z", "X", "M", "Y"]
    big = linear_scm.sample(100_000, random_state=12)
    assert big["Y"].mean() == pytest.approx(3.5 * 0.8 + 4.0, abs=0.15)  # E[X] = 0.8
    assert big["Y"].var() == pytest.approx(3.8**2 + 3.5**2 * 1.7**2 / 3 + 6.0, rel=0.08)


def test_ate_monte_carlo_and_bootstrap(linear_scm):
    mc = linear_scm.ate("X", "Y", 1.0, 0.0, n=5000, random_state=0)
    assert mc.value == pytest.approx(3.5, abs=0.08)
    assert mc.stderr == pytest.approx(0.0, abs=1e-8)  # linear model + common random numbers
    assert any("Monte Carlo error only" in w for w in mc.warnings)
    boot = linear_scm.ate("X", "Y", 1.0, 0.0, n=2000, random_state=0, n_boot=40)
    assert boot.ci[0] < 3.5 < boot.ci[1]
    assert 0.01 < boot.stderr < 0.1  # OLS sampling error of 1.5*2+0.5 at n=3000 is about 0.04
    assert boot.params["ci_method"].startswith("bootstrap")
    assert not any("Monte Carlo error only" in w for w in boot.warnings)
    backwards = linear_scm.ate("Y", "X", n=2000, random_state=0)
    assert backwards.value == 0.0 and any("no directed path" in w for w in backwards.warnings)


def simulate_nonlinear(n, rng, do_x=None):
    x = rng.uniform(-2, 2, n) if do_x is None else np.full(n, float(do_x))
    m = 2 * np.sin(x) + 0.3 * rng.normal(size=n)
    y = m**2 + x + 0.3 * rng.normal(size=n)
    return pd.DataFrame({"X": x, "M": m, "Y": y})


def test_nonlinear_do_matches_true_sem():
    edges = ["X --> M", "M --> Y", "X --> Y"]
    data = simulate_nonlinear(2000, np.random.default_rng(2))
    scm = StructuralCausalModel(edges, random_state=0).fit(data)
    assert scm.mechanism_kinds_ == {"X": "linear", "M": "additive", "Y": "additive"}
    linear = StructuralCausalModel(edges, mechanisms="linear").fit(data)
    lin_errors = []
    for x in (-1.0, 0.0, 1.0, 1.5):
        truth = simulate_nonlinear(200_000, np.random.default_rng(9), do_x=x)["Y"].mean()
        assert scm.interventional_mean("Y", {"X": x}, n=20_000, random_state=1) == pytest.approx(truth, abs=0.2)
        lin_errors.append(abs(linear.interventional_mean("Y", {"X": x}, n=20_000, random_state=1) - truth))
    assert max(lin_errors) > 1.0  # the test can tell a wrong (linear) model apart
    ate = scm.ate("X", "Y", 1.0, -1.0, n=20_000, random_state=0, n_boot=15)
    truth_ate = 4 * np.sin(1.0) ** 2 + 1 - (4 * np.sin(-1.0) ** 2 - 1)  # = 2
    assert ate.value == pytest.approx(truth_ate, abs=0.12)
    assert ate.stderr > ate.diagnostics["mc_stderr"]


def test_discrete_child_of_continuous_parent_uses_classifier():
    rng = np.random.default_rng(3)
    x = rng.normal(size=4000)
    c = rng.binomial(1, 1 / (1 + np.exp(-(-0.5 + 1.5 * x))))
    scm = StructuralCausalModel(["X --> C"], random_state=0).fit(pd.DataFrame({"X": x, "C": c}))
    assert scm.mechanism_kinds_["C"] == "classifier"
    draws = scm.do({"X": 1.0}, n=40_000, random_state=0)
    assert draws["C"].dtype.kind == "i"
    assert draws["C"].mean() == pytest.approx(1 / (1 + np.exp(-1.0)), abs=0.03)


def test_mechanism_dict_and_summary():
    data = simulate_nonlinear(600, np.random.default_rng(4))
    from sklearn.ensemble import HistGradientBoostingRegressor

    scm = StructuralCausalModel(
        ["X --> M", "M --> Y", "X --> Y"], mechanisms={"M": HistGradientBoostingRegressor(max_iter=30), "Y": "linear"}
    ).fit(data)
    summary = scm.mechanism_summary()
    assert summary.set_index("node").loc["M", "model"] == "HistGradientBoostingRegressor"
    assert summary.set_index("node")["kind"].to_dict() == {"X": "linear", "M": "additive", "Y": "linear"}
