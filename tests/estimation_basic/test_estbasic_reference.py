"""Exact agreement with hand computations and reference libraries (statsmodels, DoubleML)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from estbasic_helpers import COVARIATES, simulate, single_thread  # noqa: F401

from causalkit.estimation import LogisticPropensity, aipw, ipw, ipw_weights, regression_adjustment
from causalkit.estimation.propensity import cross_fit_splits, effective_sample_size


@pytest.fixture(scope="module")
def data():
    return simulate(800, 42)


def test_ipw_with_equal_weights_is_difference_in_means(data):
    """No covariates: the propensity is the treated share, weights are equal within arms."""
    est = ipw(data, "t", "y", [])
    y1, y0 = data.y[data.t == 1], data.y[data.t == 0]
    assert est.value == pytest.approx(y1.mean() - y0.mean(), abs=1e-12)
    # sandwich SE = unequal-variance two-sample SE (ddof=0): the propensity correction vanishes
    se = np.sqrt(y1.var(ddof=0) / len(y1) + y0.var(ddof=0) / len(y0))
    assert est.stderr == pytest.approx(se, rel=1e-10)
    for estimand in ("ATT", "ATC"):
        assert ipw(data, "t", "y", [], estimand=estimand).value == pytest.approx(
            est.value, abs=1e-12
        )


def test_ipw_robust_se_equals_weighted_least_squares_hc1(data):
    """Hajek IPW = WLS of Y on T with the weights; 'robust' SE = its HC1 SE (Stata pweight/robust)."""
    for estimand in ("ATE", "ATT"):
        est = ipw(data, "t", "y", COVARIATES, estimand=estimand, se="robust")
        w = ipw_weights(data, "t", COVARIATES, estimand=estimand)
        res = sm.WLS(data.y, sm.add_constant(data.t.astype(float)), weights=w).fit(cov_type="HC1")
        assert est.value == pytest.approx(res.params["t"], abs=1e-10)
        assert est.stderr == pytest.approx(res.bse["t"], rel=1e-8)


def test_horvitz_thompson_matches_formula(data):
    from scipy.special import expit

    est = ipw(data, "t", "y", COVARIATES, normalize=False)
    m = sm.Logit(data.t, sm.add_constant(data[COVARIATES])).fit(disp=0)
    e = expit(m.fittedvalues)
    t, y = data.t, data.y
    assert est.value == pytest.approx(np.mean(t * y / e) - np.mean((1 - t) * y / (1 - e)), abs=1e-8)


def test_sandwich_se_agrees_with_bootstrap(data):
    sw = ipw(data, "t", "y", COVARIATES, se="sandwich")
    bs = ipw(data, "t", "y", COVARIATES, se="bootstrap", n_boot=300, random_state=1)
    assert sw.value == bs.value
    assert sw.stderr == pytest.approx(bs.stderr, rel=0.15)


def test_logistic_propensity_equals_statsmodels_logit(data):
    X = data[COVARIATES].to_numpy()
    ours = LogisticPropensity().fit(X, data.t).predict_proba(X)[:, 1]
    ref = sm.Logit(data.t, sm.add_constant(X)).fit(disp=0).predict(sm.add_constant(X))
    np.testing.assert_allclose(ours, ref, atol=1e-9)


def test_regression_without_interactions_equals_statsmodels_ols(data):
    est = regression_adjustment(data, "t", "y", COVARIATES, interactions=False)
    res = sm.OLS(data.y, sm.add_constant(data[["t", *COVARIATES]].astype(float))).fit(
        cov_type="HC3"
    )
    assert est.value == pytest.approx(res.params["t"], abs=1e-10)
    assert est.stderr == pytest.approx(res.bse["t"], rel=1e-10)


def test_lin_estimator_equals_hand_computation(data):
    """ATT = b_T + gamma' xbar_treated in the uncentred interacted model; SE adds gamma' Cov(xbar) gamma."""
    d = data.copy()
    for c in COVARIATES:
        d[f"t_{c}"] = d.t * d[c]
    res = sm.OLS(d.y, sm.add_constant(d[["t", *COVARIATES, "t_x1", "t_x2"]].astype(float))).fit()
    xbar = data.loc[data.t == 1, COVARIATES].mean().to_numpy()
    gamma = res.params[["t_x1", "t_x2"]].to_numpy()
    est = regression_adjustment(data, "t", "y", COVARIATES, estimand="ATT")
    assert est.value == pytest.approx(res.params["t"] + gamma @ xbar, abs=1e-10)
    assert est.diagnostics["xbar_variance_term"] == pytest.approx(
        gamma
        @ np.cov(data.loc[data.t == 1, COVARIATES].to_numpy(), rowvar=False)
        @ gamma
        / (data.t == 1).sum()
    )


@pytest.mark.parametrize(("estimand", "score"), [("ATE", "ATE"), ("ATT", "ATTE")])
def test_aipw_equals_doubleml_irm_on_the_same_folds(data, estimand, score):
    doubleml = pytest.importorskip("doubleml")
    from sklearn.linear_model import LinearRegression

    est = aipw(data, "t", "y", COVARIATES, estimand=estimand, random_state=7)
    folds = cross_fit_splits(data.t.to_numpy(), 5, np.random.default_rng(7))  # aipw's first draw
    obj = doubleml.DoubleMLData(data, "y", "t", COVARIATES)
    ref = doubleml.DoubleMLIRM(
        obj,
        LinearRegression(),
        LogisticPropensity(),
        n_folds=5,
        score=score,
        draw_sample_splitting=False,
    )
    ref.set_sample_splitting([list(folds)])
    ref.fit()
    assert est.value == pytest.approx(ref.coef[0], abs=1e-9)
    assert est.stderr == pytest.approx(ref.se[0], rel=1e-8)


def test_aipw_without_covariates_is_difference_in_means(data):
    est = aipw(data, "t", "y", [], n_folds=1)
    assert est.value == pytest.approx(
        data.y[data.t == 1].mean() - data.y[data.t == 0].mean(), abs=1e-10
    )


def test_effective_sample_size():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert effective_sample_size(np.array([1.0, 0, 0, 0])) == pytest.approx(1)


def test_results_are_reproducible_and_serialisable(data):
    a = aipw(data, "t", "y", COVARIATES, random_state=3, effect_modifiers=["x1"])
    b = aipw(data, "t", "y", COVARIATES, random_state=3, effect_modifiers=["x1"])
    assert a.value == b.value and np.array_equal(a.cate, b.cate)
    d = a.to_dict()
    import json

    json.dumps(d)
    assert d["method"] == "aipw" and "causalkit" in d["versions"]
    assert "ATE of t on y" in a.summary()
    assert isinstance(a.to_frame(), pd.DataFrame)
