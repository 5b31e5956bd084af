"""E-values and partial-R2 robustness values against published and hand-computed numbers.

``data/darfur.csv.gz`` holds the columns of the Darfur survey used in Cinelli & Hazlett (2020),
"Making sense of sensitivity" (JRSS-B), taken from the data shipped with the MIT-licensed
PySensemakr package (sensemakr/data/darfur.csv).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from refutation_helpers import make_linear

from causalkit.estimation._base import make_estimate
from causalkit.exceptions import InvalidInputError
from causalkit.refutation import e_value, partial_r2_stats, robustness_value

DARFUR = Path(__file__).parent / "data" / "darfur.csv.gz"


def hand_e(rr: float) -> float:
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))


# ----------------------------------------------------------------------------- E-value


def test_e_value_breastfeeding_example_vanderweele_ding():
    """Published: RR 3.9 (95% CI 1.8, 8.7) -> E-value 7.26, and 3.0 for the lower limit."""
    res = e_value(3.9, ci=(1.8, 8.7))
    assert res.statistic == pytest.approx(7.26, abs=0.005)
    assert res.params["e_value_ci"] == pytest.approx(3.0, abs=1e-12)  # 1.8 + sqrt(1.8 * 0.8) = 3.0
    assert res.passed and res.statistic_name == "E-value"


def test_e_value_protective_ratio_uses_upper_limit():
    res = e_value(0.80, ci=(0.71, 0.91), measure="RR")
    assert res.statistic == pytest.approx(1.25 + math.sqrt(1.25 * 0.25))  # 1.809
    assert res.params["e_value_ci"] == pytest.approx(hand_e(0.91))  # 1.429
    assert round(res.statistic, 2) == 1.81 and round(res.params["e_value_ci"], 2) == 1.43


def test_e_value_interval_crossing_null_is_one_and_fails():
    res = e_value(1.5, ci=(0.9, 2.5))
    assert res.params["e_value_ci"] == 1.0 and not res.passed
    assert res.statistic == pytest.approx(hand_e(1.5))
    assert "includes the null" in res.reading


def test_e_value_odds_and_hazard_ratio_conversions():
    common_or = e_value(4.0, measure="OR", rare_outcome=False)
    assert common_or.params["rr"] == 2.0 and common_or.statistic == pytest.approx(2 + math.sqrt(2))
    assert e_value(4.0, measure="OR").statistic == pytest.approx(hand_e(4.0))  # rare: OR ~ RR
    hr = e_value(2.0, measure="HR", rare_outcome=False)
    rr = (1 - 0.5 ** math.sqrt(2)) / (1 - 0.5 ** math.sqrt(0.5))
    assert hr.params["rr"] == pytest.approx(rr) and hr.statistic == pytest.approx(hand_e(rr))


def test_e_value_standardized_mean_difference():
    res = e_value(0.5, ci=(0.3, 0.7), measure="SMD")
    assert res.params["rr"] == pytest.approx(math.exp(0.91 * 0.5))
    assert res.statistic == pytest.approx(hand_e(math.exp(0.455)))
    assert res.params["e_value_ci"] == pytest.approx(hand_e(math.exp(0.91 * 0.3)))


def test_e_value_of_an_effect_estimate_on_a_continuous_outcome():
    df = make_linear(n=300, effect=0.3)
    sd = float(df["y"].std(ddof=1))
    est = make_estimate(0.3, 0.05, alpha=0.05, estimand="ATE", method="regression", treatment="t",
                        outcome="y", n_obs=300)
    res = e_value(est, data=df)
    d, d_lo = 0.3 / sd, est.ci[0] / sd
    assert res.params["measure"] == "difference"
    assert res.statistic == pytest.approx(hand_e(math.exp(0.91 * d)))
    assert res.params["e_value_ci"] == pytest.approx(hand_e(math.exp(0.91 * d_lo)))
    # same via an explicit outcome standard deviation
    assert e_value(est, sd_outcome=sd).statistic == pytest.approx(res.statistic)


def test_e_value_matches_dowhy():
    mod = pytest.importorskip("dowhy.causal_refuters.evalue_sensitivity_analyzer")
    analyzer = object.__new__(mod.EValueSensitivityAnalyzer)
    analyzer.logger = __import__("logging").getLogger("test")
    for est, lo, hi in [(3.9, 1.8, 8.7), (0.8, 0.71, 0.91), (1.2, 0.95, 1.5)]:
        ref = analyzer._evalue_RR(est, lo, hi)
        ours = e_value(est, ci=(lo, hi))
        ref_ci = ref["evalue_lower_ci"] if est > 1 else ref["evalue_upper_ci"]
        assert ours.statistic == pytest.approx(float(ref["evalue_estimate"]))
        assert ours.params["e_value_ci"] == pytest.approx(float(ref_ci))
    ref_md = analyzer._evalue_MD(0.5, se=0.1)  # CI exp(0.91 d -/+ 1.78 se)
    ours = e_value(0.5, ci=(0.5 - 1.78 / 0.91 * 0.1, 0.5 + 1.78 / 0.91 * 0.1), measure="SMD")
    assert ours.statistic == pytest.approx(float(ref_md["evalue_estimate"]))
    assert ours.params["e_value_ci"] == pytest.approx(float(ref_md["evalue_lower_ci"]))


def test_e_value_threshold_and_errors():
    assert e_value(3.9, ci=(1.8, 8.7), threshold=2.5).passed
    assert not e_value(3.9, ci=(1.8, 8.7), threshold=3.5).passed
    with pytest.raises(InvalidInputError, match="positive"):
        e_value(-1.0)
    with pytest.raises(InvalidInputError, match="ci"):
        e_value(2.0, ci=(2.5, 3.0))
    with pytest.raises(InvalidInputError, match="sd_outcome"):
        e_value(0.3, measure="difference")


# ----------------------------------------------------------------------------- robustness value


def test_partial_r2_stats_published_darfur_summary():
    """Cinelli & Hazlett (2020): t = 4.18, dof = 783 -> partial R2 2.19%, RV 13.9%, RV_0.05 7.6%."""
    s = partial_r2_stats(4.18445, 783)
    assert s["partial_r2"] == pytest.approx(0.021873, abs=5e-6)
    assert s["rv_q"] == pytest.approx(0.1388, abs=5e-5)
    assert s["rv_q_alpha"] == pytest.approx(0.0763, abs=5e-5)
    assert partial_r2_stats(4.18445, 783, q=0.5, alpha=0.05)["rv_q_alpha"] == pytest.approx(0.0046, abs=5e-5)


@pytest.fixture(scope="module")
def darfur():
    d = pd.read_csv(DARFUR)
    dummies = pd.get_dummies(d["village"], prefix="v", drop_first=True, dtype=float)
    covs = ["age", "farmer_dar", "herder_dar", "pastvoted", "hhsize_darfur", "female"]
    return pd.concat([d[["peacefactor", "directlyharmed", *covs]], dummies], axis=1), covs + list(dummies.columns)


def test_robustness_value_darfur_published_numbers(darfur):
    df, adj = darfur
    res = robustness_value(df, "directlyharmed", "peacefactor", adj, benchmark_covariates="female", kd=[1, 2, 3])
    p = res.params
    assert res.original_value == pytest.approx(0.0973, abs=5e-5)
    assert p["stderr"] == pytest.approx(0.0233, abs=5e-5) and p["dof"] == 783
    assert p["t_statistic"] == pytest.approx(4.18445, abs=5e-5)
    assert p["partial_r2"] == pytest.approx(0.0219, abs=5e-5)
    assert res.statistic == pytest.approx(0.139, abs=5e-4)  # RV = 13.9%
    assert p["rv_q_alpha"] == pytest.approx(0.076, abs=5e-4)  # RV_alpha = 7.6%
    # bounds table of the paper (1x, 2x, 3x female)
    want = [(0.0092, 0.1246, 0.0752, 0.0219), (0.0183, 0.2493, 0.0529, 0.0204), (0.0275, 0.3741, 0.0304, 0.0187)]
    for row, (r2dz, r2yz, adj_est, adj_se) in zip(p["bounds"], want, strict=True):
        assert row["r2dz_x"] == pytest.approx(r2dz, abs=5e-5)
        assert row["r2yz_dx"] == pytest.approx(r2yz, abs=5e-5)
        assert row["adjusted_estimate"] == pytest.approx(adj_est, abs=5e-5)
        assert row["adjusted_se"] == pytest.approx(adj_se, abs=5e-5)
    # 3x female makes the interval include zero -> the benchmarked verdict fails
    assert p["bounds"][2]["adjusted_ci"][0] < 0 < p["bounds"][1]["adjusted_ci"][0]
    assert not res.passed and res.new_value == pytest.approx(0.0304, abs=5e-5)


def test_robustness_value_definitions_hold_on_simulated_data():
    """RV_q is the r2 at which the OVB formula removes the estimate; RV_alpha makes it just insignificant."""
    sm = pytest.importorskip("statsmodels.api")
    df = make_linear(n=300, effect=0.15, seed=2)
    res = robustness_value(df, "t", "y", ["x0", "x1", "x2"])
    fit = sm.OLS(df["y"], sm.add_constant(df[["t", "x0", "x1", "x2"]])).fit()
    est, se, dof = fit.params["t"], fit.bse["t"], fit.df_resid
    assert res.params["partial_r2"] == pytest.approx(fit.tvalues["t"] ** 2 / (fit.tvalues["t"] ** 2 + dof))
    rv = res.statistic
    bias = math.sqrt(rv * rv / (1 - rv)) * se * math.sqrt(dof)
    assert bias == pytest.approx(abs(est), rel=1e-9)
    rva = res.params["rv_q_alpha"]
    adj_est = abs(est) - math.sqrt(rva * rva / (1 - rva)) * se * math.sqrt(dof)
    adj_se = math.sqrt((1 - rva) / (1 - rva)) * se * math.sqrt(dof / (dof - 1))
    from scipy import stats

    assert adj_est / adj_se == pytest.approx(stats.t.ppf(0.975, dof - 1), rel=1e-9)
    assert res.passed  # significant: RV_alpha > 0


def test_robustness_value_binding_case_and_insignificant_estimate():
    # huge t with few dof: the r2_yz <= 1 constraint binds (sensemakr's second branch)
    fq, f_crit = 50 / math.sqrt(10), abs(__import__("scipy").stats.t.ppf(0.025, 9)) / 3
    assert partial_r2_stats(50, 10)["rv_q_alpha"] == pytest.approx((fq**2 - f_crit**2) / (1 + fq**2))
    s = partial_r2_stats(1.0, 500)
    assert s["rv_q_alpha"] == 0.0 and s["rv_q"] > 0


def test_robustness_value_errors():
    df = make_linear(n=100)
    with pytest.raises(InvalidInputError, match="adjustment set"):
        robustness_value(df, "t", "y", ["x0"], benchmark_covariates="x1")
    with pytest.raises(InvalidInputError, match="kd"):
        robustness_value(df, "t", "y", ["x0"], benchmark_covariates="x0", kd=0)
    with pytest.raises(InvalidInputError, match="dof"):
        partial_r2_stats(2.0, 1)
