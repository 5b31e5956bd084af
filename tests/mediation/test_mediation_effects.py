"""mediate() against simulations with known natural direct and indirect effects."""

import joblib
import numpy as np
import pandas as pd
import pytest
from _mediation_sims import B, C, D, F, simulate, truth  # noqa: E402  (helper in this directory)

from causalkit.mediation import mediate
from causalkit.results import MediationResult


@pytest.fixture(scope="module")
def big():
    return simulate(6000, np.random.default_rng(0))


def test_regression_with_interaction_recovers_truth(big):
    res = mediate(big, "X", "M", "Y", ["Z"], mediator_value=2.0, ci_method="delta")
    nde, nie = truth(1, 0)
    assert isinstance(res, MediationResult)
    assert res.direct_effect.value == pytest.approx(nde, abs=4 * res.direct_effect.stderr)
    assert res.indirect_effect.value == pytest.approx(nie, abs=4 * res.indirect_effect.stderr)
    assert res.controlled_direct_effect.value == pytest.approx(B + D * 2.0, abs=4 * res.controlled_direct_effect.stderr)
    assert res.total_effect.value == pytest.approx(res.direct_effect.value + res.indirect_effect.value, abs=1e-12)
    assert res.proportion_mediated == pytest.approx(res.indirect_effect.value / res.total_effect.value)
    dec = res.params["decomposition"]
    assert dec["total_nde"] + dec["pure_nie"] == pytest.approx(res.total_effect.value, abs=1e-12)
    assert dec["total_nde"] - dec["pure_nde"] == pytest.approx(D * F, abs=0.1)  # differ by D * (E[M(1)] - E[M(0)])
    assert [e.estimand for e in (res.total_effect, res.direct_effect, res.indirect_effect)] == ["TE", "NDE", "NIE"]
    assert res.to_frame()["effect"].tolist() == ["total", "nde", "nie", "cde"]
    assert res.total_effect.adjustment_set == ("Z",)


def test_continuous_treatment_contrast():
    data = simulate(6000, np.random.default_rng(1), treatment="continuous")
    res = mediate(data, "X", "M", "Y", ["Z"], treat_value=2.0, control_value=0.5, ci_method="delta")
    nde, nie = truth(2.0, 0.5)  # 1.5 * (0.5 + 0.8 * (0.3 + 0.75)), 1.5 * (1.2 + 1.6) * 1.5
    assert res.direct_effect.value == pytest.approx(nde, abs=0.1)
    assert res.indirect_effect.value == pytest.approx(nie, abs=0.15)


def test_without_interaction_product_of_coefficients():
    data = simulate(5000, np.random.default_rng(2), d=0.0)
    res = mediate(data, "X", "M", "Y", ["Z"], interaction=False, ci_method="delta")
    assert res.direct_effect.value == pytest.approx(B, abs=0.1)
    assert res.indirect_effect.value == pytest.approx(C * F, abs=0.12)
    assert res.method == "mediation-regression"


def test_confounding_needs_the_covariates(big):
    adjusted = mediate(big, "X", "M", "Y", ["Z"], ci_method="delta")
    naive = mediate(big, "X", "M", "Y", ci_method="delta")
    nde, nie = truth(1, 0)
    assert abs(adjusted.indirect_effect.value - nie) < 4 * adjusted.indirect_effect.stderr
    assert abs(naive.indirect_effect.value - nie) > 10 * naive.indirect_effect.stderr


def test_delta_and_bootstrap_agree(big):
    sub = big.iloc[:1500]
    delta = mediate(sub, "X", "M", "Y", ["Z"], ci_method="delta")
    boot = mediate(sub, "X", "M", "Y", ["Z"], n_boot=300, random_state=0)
    for d_est, b_est in zip((delta.direct_effect, delta.indirect_effect), (boot.direct_effect, boot.indirect_effect), strict=True):
        assert d_est.value == b_est.value
        assert b_est.stderr == pytest.approx(d_est.stderr, rel=0.2)
        assert b_est.diagnostics["delta_stderr"] == pytest.approx(d_est.stderr)
    assert boot.indirect_effect.ci[0] < boot.indirect_effect.value < boot.indirect_effect.ci[1]
    lo, hi = boot.proportion_mediated_ci
    assert lo < boot.proportion_mediated < hi


def test_bootstrap_is_seeded_and_independent_of_n_jobs(big):
    sub = big.iloc[:400]
    r1 = mediate(sub, "X", "M", "Y", ["Z"], n_boot=40, random_state=3)
    r2 = mediate(sub, "X", "M", "Y", ["Z"], n_boot=40, random_state=3)
    with joblib.parallel_config(backend="threading"):
        r3 = mediate(sub, "X", "M", "Y", ["Z"], n_boot=40, random_state=3, n_jobs=2)
    assert r1.indirect_effect.ci == r2.indirect_effect.ci == r3.indirect_effect.ci


def test_simulation_matches_regression_on_linear_data(big):
    sub = big.iloc[:3000]
    reg = mediate(sub, "X", "M", "Y", ["Z"], mediator_value=1.0, ci_method="delta")
    sim = mediate(sub, "X", "M", "Y", ["Z"], method="simulation", mediator_value=1.0, n_boot=20, n_draws=20,
                  random_state=0)
    assert sim.direct_effect.value == pytest.approx(reg.direct_effect.value, abs=0.03)
    assert sim.indirect_effect.value == pytest.approx(reg.indirect_effect.value, abs=0.03)
    assert sim.controlled_direct_effect.value == pytest.approx(reg.controlled_direct_effect.value, abs=1e-8)
    assert sim.total_effect.value == pytest.approx(sim.direct_effect.value + sim.indirect_effect.value, abs=1e-12)


def _binary_outcome(n, rng, x=None, m_from=None):
    z = rng.normal(size=n)
    if x is None:
        x = rng.binomial(1, 1 / (1 + np.exp(-0.6 * z)))
    xm = x if m_from is None else m_from
    m = 0.5 + 1.0 * xm + 0.5 * z + rng.normal(size=n)
    p = 1 / (1 + np.exp(-(-1.5 + 0.8 * x + 0.7 * m + 0.4 * x * m + 0.3 * z)))
    return pd.DataFrame({"X": x, "M": m, "Y": rng.binomial(1, p), "Z": z, "p": p})


def test_simulation_binary_outcome_against_monte_carlo_truth():
    # truth: E[P(Y=1 | x, M(x'), Z)] by Monte Carlo from the true model
    n_mc = 400_000
    p = {(x, xp): _binary_outcome(n_mc, np.random.default_rng(100 + 2 * x + xp), x=np.full(n_mc, x),
                                  m_from=np.full(n_mc, xp))["p"].mean() for x in (0, 1) for xp in (0, 1)}
    nde_true, nie_true = p[1, 0] - p[0, 0], p[1, 1] - p[1, 0]
    data = _binary_outcome(3000, np.random.default_rng(5)).drop(columns="p")
    res = mediate(data, "X", "M", "Y", ["Z"], method="simulation", n_boot=40, n_draws=10, random_state=1)
    assert res.direct_effect.value == pytest.approx(nde_true, abs=0.05)
    assert res.indirect_effect.value == pytest.approx(nie_true, abs=0.03)
    assert res.indirect_effect.ci[0] < nie_true < res.indirect_effect.ci[1]
    assert "LogisticRegression" in res.params["outcome_model"]
    lpm = mediate(data, "X", "M", "Y", ["Z"], ci_method="delta")
    assert any("linear probability" in w for w in lpm.total_effect.warnings)


def test_discrete_mediator_simulation():
    rng = np.random.default_rng(6)
    n = 4000
    z = rng.normal(size=n)
    x = rng.binomial(1, 0.5, n)

    def pm(xv, zv):
        return 1 / (1 + np.exp(-(-0.5 + 1.2 * xv + 0.3 * zv)))

    m = rng.binomial(1, pm(x, z))
    y = 1 + 0.5 * x + 1.0 * m + 0.8 * x * m + 0.5 * z + rng.normal(size=n)
    data = pd.DataFrame({"X": x, "M": m, "Y": y, "Z": z})
    zz = np.random.default_rng(7).normal(size=400_000)
    dp = np.mean(pm(1, zz) - pm(0, zz))
    nde_true = 0.5 + 0.8 * np.mean(pm(0, zz))
    nie_true = (1.0 + 0.8) * dp
    res = mediate(data, "X", "M", "Y", ["Z"], method="simulation", n_boot=20, random_state=0)
    assert res.params["discrete_mediator"] is True
    assert res.direct_effect.value == pytest.approx(nde_true, abs=0.1)
    assert res.indirect_effect.value == pytest.approx(nie_true, abs=0.06)


def test_two_sequential_mediators_jointly():
    # M1 = 0.2 + 1.0 X + e, M2 = 0.6 M1 + 0.5 X + e, Y = 0.4 X + 1.0 M1 + 0.8 M2 + 0.5 X M1 + e
    rng = np.random.default_rng(8)
    n = 6000
    x = rng.binomial(1, 0.5, n)
    m1 = 0.2 + 1.0 * x + rng.normal(size=n)
    m2 = 0.6 * m1 + 0.5 * x + rng.normal(size=n)
    y = 0.4 * x + 1.0 * m1 + 0.8 * m2 + 0.5 * x * m1 + rng.normal(size=n)
    data = pd.DataFrame({"X": x, "M1": m1, "M2": m2, "Y": y})
    nde_true = 0.4 + 0.5 * 0.2  # B + D1 E[M1(0)]
    nie_true = (1.0 + 0.5) * 1.0 + 0.8 * (0.6 * 1.0 + 0.5)  # (C1 + D1) dM1 + C2 dM2
    reg = mediate(data, "X", ["M1", "M2"], "Y", ci_method="delta")
    assert reg.mediator == "M1+M2"
    assert reg.direct_effect.value == pytest.approx(nde_true, abs=0.1)
    assert reg.indirect_effect.value == pytest.approx(nie_true, abs=0.12)
    sim = mediate(data, "X", ["M1", "M2"], "Y", method="simulation", n_boot=20, random_state=0)
    assert sim.indirect_effect.value == pytest.approx(reg.indirect_effect.value, abs=0.05)
    cde = mediate(data, "X", ["M1", "M2"], "Y", mediator_value={"M1": 1.0, "M2": 0.0}, ci_method="delta")
    assert cde.controlled_direct_effect.value == pytest.approx(0.4 + 0.5 * 1.0, abs=0.1)
