"""Bad inputs give clear causalkit errors that name the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from estbasic_helpers import COVARIATES, simulate, single_thread  # noqa: F401

from causalkit.estimation import (
    aipw,
    check_overlap,
    estimate,
    ipw,
    ipw_weights,
    regression_adjustment,
)
from causalkit.exceptions import EstimationError, InvalidInputError, UnknownNodeError

ALL = [regression_adjustment, ipw, aipw]
BINARY_ONLY = [ipw, aipw]


@pytest.fixture(scope="module")
def data():
    return simulate(300, 0)


@pytest.mark.parametrize("fn", BINARY_ONLY)
def test_non_binary_treatment(fn, data):
    d = data.assign(t=data.t + data.x1)
    with pytest.raises(InvalidInputError, match="'t' must be binary"):
        fn(d, "t", "y", COVARIATES)


def test_regression_continuous_treatment_rejects_att(data):
    d = data.assign(t=data.t + data.x1)
    with pytest.raises(InvalidInputError, match="needs a binary treatment"):
        regression_adjustment(d, "t", "y", COVARIATES, estimand="ATT")


@pytest.mark.parametrize("fn", ALL)
def test_treatment_in_adjustment(fn, data):
    with pytest.raises(InvalidInputError, match="treatment 't' is also in the adjustment set"):
        fn(data, "t", "y", ["x1", "t"])


@pytest.mark.parametrize("fn", ALL)
def test_unknown_column(fn, data):
    with pytest.raises(UnknownNodeError, match="'nope'"):
        fn(data, "t", "y", ["nope"])
    with pytest.raises(UnknownNodeError, match="outcome 'yy'"):
        fn(data, "t", "yy", COVARIATES)


@pytest.mark.parametrize("fn", ALL)
def test_nan(fn, data):
    d = data.copy()
    d.loc[3, "x2"] = np.nan
    with pytest.raises(InvalidInputError, match="'x2' has 1 missing"):
        fn(d, "t", "y", COVARIATES)


@pytest.mark.parametrize("fn", ALL)
def test_empty_data(fn, data):
    with pytest.raises(InvalidInputError, match="empty"):
        fn(data.iloc[:0], "t", "y", COVARIATES)


@pytest.mark.parametrize("fn", ALL)
def test_constant_treatment(fn, data):
    with pytest.raises(InvalidInputError, match="'t' is constant"):
        fn(data.assign(t=1), "t", "y", COVARIATES)


@pytest.mark.parametrize("fn", ALL)
def test_not_a_dataframe(fn, data):
    with pytest.raises(InvalidInputError, match="DataFrame"):
        fn(data.to_numpy(), "t", "y", COVARIATES)


@pytest.mark.parametrize("fn", ALL)
def test_bad_estimand_and_alpha(fn, data):
    with pytest.raises(InvalidInputError, match="estimand"):
        fn(data, "t", "y", COVARIATES, estimand="LATE")
    with pytest.raises(InvalidInputError, match="alpha"):
        fn(data, "t", "y", COVARIATES, alpha=1.5)


def test_option_errors(data):
    with pytest.raises(InvalidInputError, match="trim"):
        ipw(data, "t", "y", COVARIATES, trim=0.7)
    with pytest.raises(InvalidInputError, match="trim_method"):
        ipw(data, "t", "y", COVARIATES, trim=0.1, trim_method="cut")
    with pytest.raises(InvalidInputError, match="se='sandwich' needs"):
        ipw(data, "t", "y", COVARIATES, se="sandwich", propensity_model="gbm")
    with pytest.raises(InvalidInputError, match="propensity_model"):
        ipw(data, "t", "y", COVARIATES, propensity_model="forest")
    with pytest.raises(InvalidInputError, match="outcome_model"):
        aipw(data, "t", "y", COVARIATES, outcome_model=object())
    with pytest.raises(InvalidInputError, match="n_folds"):
        aipw(data, "t", "y", COVARIATES, n_folds=0)
    with pytest.raises(InvalidInputError, match="`model` must be None or a scikit-learn regressor"):
        regression_adjustment(data, "t", "y", COVARIATES, model="ols")
    with pytest.raises(InvalidInputError, match="effect_modifiers"):
        aipw(data, "t", "y", COVARIATES, effect_modifiers=["t"])


def test_too_few_units_per_arm_for_cross_fitting():
    d = simulate(300, 1)
    d = pd.concat([d[d.t == 0], d[d.t == 1].head(3)])
    with pytest.raises(InvalidInputError, match="n_folds"):
        aipw(d, "t", "y", COVARIATES, n_folds=5)


def test_singular_design_is_an_estimation_error(data):
    d = data.assign(x3=2 * data.x1)
    with pytest.raises(EstimationError, match="singular"):
        regression_adjustment(d, "t", "y", ["x1", "x3"])


def test_poor_overlap_warns_and_trimming(data):
    rng = np.random.default_rng(0)
    n = 2000
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-4 * x))).astype(int)
    d = pd.DataFrame({"x": x, "t": t, "y": t + x + rng.normal(size=n)})
    est = ipw(d, "t", "y", ["x"])
    assert any("outside [0.05, 0.95]" in w for w in est.warnings)
    assert any("0.01" in w for w in est.warnings)
    assert est.diagnostics["share_outside_overlap"] > 0.1
    dropped = ipw(d, "t", "y", ["x"], trim=0.05, trim_method="drop")
    assert dropped.n_obs < n and any("overlap population" in w for w in dropped.warnings)
    clipped = ipw(d, "t", "y", ["x"], trim=0.05)
    assert clipped.n_obs == n and clipped.diagnostics["n_clipped"] > 0
    ov = check_overlap(d, "t", ["x"])
    assert ov["n_outside_overlap"] == est.diagnostics["n_outside_overlap"] and ov["warnings"]
    assert (
        ipw_weights(d, "t", ["x"], trim=0.05, trim_method="drop").eq(0).sum() == n - dropped.n_obs
    )


def test_estimate_without_identification_explains_three_ways(data):
    with pytest.raises(InvalidInputError) as info:
        estimate(data, "t", "y")
    msg = str(info.value)
    assert "graph=" in msg and "identification=" in msg and "adjustment=" in msg
