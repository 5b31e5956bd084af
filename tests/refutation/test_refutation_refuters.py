"""Refuters pass on sound estimates and fail where they should; seeds; specs; input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from refutation_helpers import lstsq_effect, make_linear

from causalkit.estimation._base import make_estimate
from causalkit.exceptions import EstimationError, InvalidInputError, UnknownNodeError
from causalkit.refutation import (
    bootstrap_stability,
    data_subset,
    placebo_treatment,
    random_common_cause,
    refute,
)

SPEC = {"treatment": "t", "outcome": "y", "adjustment": ["x0", "x1", "x2"]}


def leaky(data, treatment, outcome, adjustment):
    """A broken estimator: its 'treatment' column is contaminated by the outcome."""
    contaminated = data[treatment] + data[outcome]
    return lstsq_effect(data.assign(**{treatment: contaminated}), treatment, outcome, adjustment)


def matching(data, treatment, outcome, adjustment):
    """1-nearest-neighbour matching ATE on unscaled covariates (sensitive to irrelevant covariates)."""
    from sklearn.neighbors import NearestNeighbors

    X = data[list(adjustment)].to_numpy()
    t, y = data[treatment].to_numpy(), data[outcome].to_numpy()
    imputed = np.empty(len(y))
    for arm in (0, 1):
        donors = np.where(t == 1 - arm)[0]
        idx = NearestNeighbors(n_neighbors=1).fit(X[donors]).kneighbors(X[t == arm], return_distance=False)[:, 0]
        imputed[t == arm] = y[donors[idx]]
    return float(np.mean(np.where(t == 1, y - imputed, imputed - y)))


def outlier_data(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """A small negative effect in the bulk of the data; one extreme point creates a large positive slope."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.normal(size=n)
    y = -0.2 * t + x + rng.normal(size=n)
    t[0], y[0] = 15.0, 60.0
    return pd.DataFrame({"x": x, "t": t, "y": y})


# ----------------------------------------------------------------------------- placebo


def test_placebo_passes_on_real_effect_and_placebo_is_near_zero(linear_df):
    res = placebo_treatment(linear_df, method="ols", random_state=0, **SPEC)
    assert res.passed
    assert abs(res.original_value - 2.0) < 0.15
    assert abs(res.new_value) < 0.02  # mean of 100 placebo effects, each with sd ~ 0.1
    assert res.params["p_value_original"] == pytest.approx(1 / 101)  # original beats every placebo
    assert res.simulations.shape == (100,)
    assert "consistent with zero" in res.reading


def test_placebo_fails_for_estimator_that_leaks_the_outcome(linear_df):
    res = placebo_treatment(linear_df, method=leaky, n_simulations=30, random_state=0, **SPEC)
    assert not res.passed
    assert res.new_value > 0.5 and res.statistic < 1e-6
    assert "artefact" in res.reading


def test_placebo_keeps_binary_treatment_binary():
    seen = []

    def record(data, treatment, outcome, adjustment):
        seen.append(sorted(set(data[treatment])))
        return lstsq_effect(data, treatment, outcome, adjustment)

    df = make_linear(n=100)
    df["t"] = (df["t"] > 0).astype(int)
    placebo_treatment(df, method=record, n_simulations=5, random_state=0, **SPEC)
    assert all(s == [0, 1] for s in seen)


# ----------------------------------------------------------------------------- random common cause


def test_random_common_cause_passes_and_barely_moves(linear_df):
    res = random_common_cause(linear_df, method="ols", random_state=0, **SPEC)
    assert res.passed
    assert abs(res.params["relative_change"]) < 1e-3
    assert np.std(res.simulations) < 0.01


def test_random_common_cause_passes_a_confounded_estimate_limitation():
    """Pure confounding left unadjusted: the estimate is badly biased, yet this refuter passes.

    Random common cause only checks stability to irrelevant covariates; it cannot see an omitted
    confounder (the reading says so).
    """
    rng = np.random.default_rng(1)
    u = rng.normal(size=500)
    df = pd.DataFrame({"x": rng.normal(size=500), "t": u + rng.normal(size=500)})
    df["y"] = 3 * u + rng.normal(size=500)  # no effect of t at all
    res = random_common_cause(df, treatment="t", outcome="y", adjustment=["x"], method="ols", random_state=0)
    assert res.original_value > 1.0  # biased: the true effect is 0
    assert res.passed
    assert "cannot detect confounders that were left out" in res.reading


def test_random_common_cause_fails_for_estimator_sensitive_to_noise_covariates():
    rng = np.random.default_rng(2)
    n = 300
    x = 0.05 * rng.normal(size=n)  # confounder on a small scale
    t = (rng.random(n) < 1 / (1 + np.exp(-40 * x))).astype(int)
    df = pd.DataFrame({"x": x, "t": t, "y": 1.0 * t + 40 * x + rng.normal(scale=0.3, size=n)})
    res = random_common_cause(df, treatment="t", outcome="y", adjustment=["x"], method=matching,
                              n_simulations=40, random_state=0)
    assert not res.passed
    assert res.new_value > res.original_value + 0.5  # matching on noise brings back the confounding
    assert "sensitive" in res.reading


# ----------------------------------------------------------------------------- subsets and bootstrap


@pytest.mark.parametrize("refuter", [data_subset, bootstrap_stability])
def test_stability_passes_on_clean_data(refuter, linear_df):
    res = refuter(linear_df, method="ols", random_state=0, **SPEC)
    assert res.passed
    assert res.statistic == 1.0 if refuter is bootstrap_stability else res.statistic > 0.05
    lo, hi = res.params["interval"]
    assert lo < res.original_value < hi


def test_data_subset_fails_when_one_outlier_drives_the_estimate():
    df = outlier_data()
    res = data_subset(df, treatment="t", outcome="y", adjustment=["x"], method="ols", random_state=0)
    # The full-data OLS slope looks strongly "significant" ...
    assert res.original_value > 1.0 and res.original_value / 0.2 > 5
    # ... but the subsets without the outlier (about 20%) land far outside what its SE allows.
    assert not res.passed
    assert res.params["p_value_spread"] < 1e-6 and res.params["n_outside_spread"] >= 10
    assert "hinges on a few observations" in res.reading


def test_bootstrap_fails_when_one_outlier_drives_the_estimate():
    df = outlier_data()
    res = bootstrap_stability(df, treatment="t", outcome="y", adjustment=["x"], method="ols", random_state=0)
    assert res.original_value > 1.0
    assert not res.passed
    assert 0.5 < res.statistic < 0.8  # ~37% of resamples miss the outlier and turn negative
    assert res.params["sd_ratio"] > 3  # far more spread than the OLS standard error claims
    assert "not stable" in res.reading


def test_data_subset_fails_for_sample_size_dependent_estimator(linear_df):
    def total(data, treatment, outcome, adjustment):  # a "sum instead of mean" bug
        return lstsq_effect(data, treatment, outcome, adjustment) * len(data) / 100

    res = data_subset(linear_df, method=total, n_simulations=40, random_state=0, **SPEC)
    assert not res.passed and res.params["sign_stability"] == 1.0  # sign is fine, location is not
    assert np.isnan(res.params["p_value_spread"])  # a bare number has no standard error
    assert res.statistic == res.params["p_value_location"] < 0.05
    assert res.new_value == pytest.approx(0.8 * res.original_value, rel=0.05)


def test_subsets_differ_from_each_other_with_an_integer_seed(linear_df):
    """DoWhy pitfall: one integer seed reused for every subset gives identical subsets."""
    keys = []

    def record(data, treatment, outcome, adjustment):
        if len(data) < len(linear_df):  # not the fit on the full data
            assert len(data) == round(0.8 * len(linear_df))
            keys.append(round(float(data[outcome].sum()), 9))
        return lstsq_effect(data, treatment, outcome, adjustment)

    res = data_subset(linear_df, method=record, n_simulations=15, random_state=7, **SPEC)
    assert len(set(keys)) == 15
    assert len(np.unique(res.simulations)) == 15


# ----------------------------------------------------------------------------- seeds and parallelism


@pytest.mark.parametrize("refuter", [placebo_treatment, random_common_cause, data_subset, bootstrap_stability])
def test_same_seed_same_result_different_seed_different_result(refuter, linear_df):
    a = refuter(linear_df, method="ols", n_simulations=20, random_state=5, **SPEC)
    b = refuter(linear_df, method="ols", n_simulations=20, random_state=5, **SPEC)
    c = refuter(linear_df, method="ols", n_simulations=20, random_state=6, **SPEC)
    np.testing.assert_array_equal(a.simulations, b.simulations)
    assert not np.allclose(a.simulations, c.simulations)


def test_generic_path_does_not_depend_on_n_jobs(linear_df):
    from joblib import parallel_config

    one = data_subset(linear_df, method=lstsq_effect, n_simulations=8, random_state=3, n_jobs=1, **SPEC)
    with parallel_config(backend="threading"):  # real parallelism without process start-up cost
        two = data_subset(linear_df, method=lstsq_effect, n_simulations=8, random_state=3, n_jobs=2, **SPEC)
    np.testing.assert_array_equal(one.simulations, two.simulations)


def test_seeded_estimator_gets_a_distinct_seed_per_replicate(linear_df):
    seeds = []

    def seeded(data, treatment, outcome, adjustment, random_state=None):
        seeds.append(random_state)
        return lstsq_effect(data, treatment, outcome, adjustment)

    bootstrap_stability(linear_df, method=seeded, n_simulations=6, random_state=0, **SPEC)
    assert len(seeds) == 7 and len(set(seeds)) == 7  # original fit + 6 replicates


# ----------------------------------------------------------------------------- specs, refute(), errors


def test_effect_estimate_spec_is_used(linear_df):
    value = lstsq_effect(linear_df, "t", "y", SPEC["adjustment"])
    est = make_estimate(value, 0.05, alpha=0.05, estimand="ATE", method="ols", treatment="t", outcome="y",
                        n_obs=len(linear_df), adjustment_set=SPEC["adjustment"])
    res = placebo_treatment(linear_df, est, n_simulations=10, random_state=0)
    assert res.original_value == value and res.params["adjustment"] == SPEC["adjustment"]
    assert res.params["path"] == "batched-ols"


def test_refute_runs_several_and_matches_single_calls(linear_df):
    results = refute(linear_df, methods=("placebo_treatment", "data_subset", "robustness_value"),
                     method="ols", n_simulations=10, random_state=4, **SPEC)
    assert [r.refuter for r in results] == ["placebo_treatment", "data_subset", "robustness_value"]
    single = data_subset(linear_df, method="ols", n_simulations=10, random_state=4, **SPEC)
    np.testing.assert_array_equal(results[1].simulations, single.simulations)
    assert results[0].to_frame().shape[0] == 1 and "PASS" in results[0].summary()


def test_refute_with_a_real_estimator(linear_df):
    from causalkit.estimation import estimate

    est = estimate(linear_df, "t", "y", adjustment=SPEC["adjustment"], method="regression")
    results = refute(linear_df, est, methods=("placebo_treatment", "random_common_cause", "e_value"),
                     n_simulations=10, random_state=0)
    assert all(r.passed for r in results)
    assert results[0].params["path"] == "batched-ols"


def test_nonlinear_estimate_is_refitted_through_joblib_with_its_options():
    from sklearn.linear_model import Ridge

    from causalkit.estimation import estimate

    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    df = pd.DataFrame({"x": x, "t": t, "y": 2 * t + x + rng.normal(size=n)})
    est = estimate(df, "t", "y", adjustment=["x"], method="ipw", trim=0.02, random_state=0)
    res = placebo_treatment(df, est, n_simulations=10, random_state=0)
    assert res.params["path"] == "joblib" and res.params["estimator_kwargs"]["trim"] == 0.02
    assert res.passed and abs(res.new_value) < 0.3 and "Warning" not in res.reading
    # a learner recorded only by name is not recovered: the rerun differs and the reading says so
    est2 = estimate(df, "t", "y", adjustment=["x"], method="aipw", outcome_model=Ridge(alpha=1e4), n_folds=2,
                    random_state=1)
    res2 = random_common_cause(df, est2, n_simulations=3, random_state=0)
    assert "Warning" in res2.reading and "estimator_kwargs" in res2.reading
    res3 = random_common_cause(df, est2, estimator_kwargs={"outcome_model": Ridge(alpha=1e4)},
                               n_simulations=3, random_state=0)
    assert "Warning" not in res3.reading


def test_estimate_that_cannot_be_refitted_by_name_says_what_to_do():
    from sklearn.linear_model import Ridge

    from causalkit.estimation import regression_adjustment

    df = make_linear(n=100)
    est = regression_adjustment(df, "t", "y", ["x0"], model=Ridge(), n_boot=10, random_state=0)
    with pytest.raises(InvalidInputError, match="estimator_kwargs"):
        placebo_treatment(df, est, n_simulations=3)
    res = placebo_treatment(df, est, estimator_kwargs={"model": Ridge(), "n_boot": 10}, n_simulations=3, random_state=0)
    assert res.params["path"] == "joblib" and "Warning" not in res.reading
    odd = make_estimate(1.0, 0.1, alpha=0.05, estimand="ATE", method="my-own", treatment="t", outcome="y", n_obs=100)
    with pytest.raises(InvalidInputError, match="callable"):
        placebo_treatment(df, odd)


def test_regression_estimate_from_other_data_is_flagged(linear_df):
    from causalkit.estimation import regression_adjustment

    est = regression_adjustment(linear_df.iloc[:200], "t", "y", SPEC["adjustment"])
    res = placebo_treatment(linear_df, est, n_simulations=3, random_state=0)
    assert res.params["path"] == "joblib" and "Warning" in res.reading


def test_refit_failures_are_reported():
    def always_fails(data, treatment, outcome, adjustment):
        if len(data) < 100:
            raise EstimationError("too small")
        return 1.0

    with pytest.raises(EstimationError, match="too small"):
        data_subset(make_linear(n=100), method=always_fails, n_simulations=4, random_state=0, **SPEC)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"treatment": "nope"}, UnknownNodeError, "nope"),
        ({"n_simulations": 1}, InvalidInputError, "n_simulations"),
        ({"alpha": 1.5}, InvalidInputError, "alpha"),
        ({"method": 3}, InvalidInputError, "method"),
        ({"adjustment": ["t"]}, InvalidInputError, "adjustment set"),
    ],
)
def test_input_errors_name_the_argument(linear_df, kwargs, error, match):
    with pytest.raises(error, match=match):
        placebo_treatment(linear_df, **{**SPEC, "method": "ols", **kwargs})


def test_estimate_and_keywords_together_is_an_error(linear_df):
    est = make_estimate(2.0, 0.1, alpha=0.05, estimand="ATE", method="ols", treatment="t", outcome="y", n_obs=400)
    with pytest.raises(InvalidInputError, match="not both"):
        placebo_treatment(linear_df, est, treatment="t")
    with pytest.raises(InvalidInputError, match="OLS coefficient"):
        placebo_treatment(linear_df, est)  # 2.0 is not the unadjusted OLS slope of this data


def test_too_few_simulations_are_flagged_in_the_reading(linear_df):
    res = random_common_cause(linear_df, method="ols", n_simulations=10, random_state=0, **SPEC)
    assert "cannot reject" in res.reading


def test_bad_fraction_and_unknown_refuter(linear_df):
    with pytest.raises(InvalidInputError, match="fraction"):
        data_subset(linear_df, fraction=1.0, **SPEC)
    with pytest.raises(InvalidInputError, match="Unknown refuter"):
        refute(linear_df, methods=["nope"], **SPEC)
