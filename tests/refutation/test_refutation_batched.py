"""Batched least squares equals a loop of ordinary least-squares refits (to 1e-8)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from refutation_helpers import lstsq_effect, make_linear

from causalkit.refutation import (
    _linear,
    bootstrap_stability,
    data_subset,
    placebo_treatment,
    random_common_cause,
)

S = 25


def _ref(t, y, X, w=None):
    D = np.column_stack([np.ones(len(y)), X, t])
    if w is not None:
        keep = w > 0
        D, y = D[keep] * np.sqrt(w[keep])[:, None], y[keep] * np.sqrt(w[keep])
    return np.linalg.lstsq(D, y, rcond=None)[0][-1]


@pytest.fixture
def arrays():
    rng = np.random.default_rng(3)
    n = 300
    X = rng.normal(size=(n, 4)) * [1, 10, 0.1, 1]
    rare = np.zeros(n)
    rare[:2] = 1.0  # a dummy with two ones: many subsets / resamples drop it entirely
    X = np.column_stack([X, rare, X[:, 0] + X[:, 1]])  # the last column is collinear
    t = X[:, 0] + rng.normal(size=n)
    y = 1.5 * t + X[:, :4] @ [1, 0.1, 3, -1] + 2 * rare + rng.normal(size=n)
    return t, y, X, rng


def test_placebo_kernel_matches_loop(arrays):
    t, y, X, rng = arrays
    perms = np.column_stack([rng.permutation(len(y)) for _ in range(S)])
    got = _linear.placebo_coefs(t, y, X, lambda c: t[perms[:, c]], S)
    want = [_ref(t[perms[:, s]], y, X) for s in range(S)]
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_added_covariate_kernel_matches_loop(arrays):
    t, y, X, rng = arrays
    Z = rng.normal(size=(len(y), S))
    got = _linear.added_covariate_coefs(t, y, X, lambda c: Z[:, c], S)
    want = [_ref(t, y, np.column_stack([X, Z[:, s]])) for s in range(S)]
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("kind", ["subset", "bootstrap"])
def test_weighted_kernel_matches_loop_with_rank_deficient_replicates(arrays, kind):
    t, y, X, rng = arrays
    n = len(y)
    W = np.zeros((n, S))
    for s in range(S):
        idx = rng.choice(n, 240, replace=False) if kind == "subset" else rng.integers(0, n, n)
        W[:, s] = np.bincount(idx, minlength=n)
    assert (W[:2].sum(axis=0) == 0).any()  # some replicates lose the rare dummy
    got = _linear.weighted_coefs(t, y, X, lambda c: W[:, c], S)
    want = [_ref(t, y, X, W[:, s]) for s in range(S)]
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_weighted_kernel_nan_when_treatment_unidentified():
    rng = np.random.default_rng(0)
    n = 50
    t = np.r_[np.zeros(n - 2), 1.0, 1.0]
    y = rng.normal(size=n)
    W = np.ones((n, 2))
    W[-2:, 1] = 0  # second replicate has no treated unit
    got = _linear.weighted_coefs(t, y, rng.normal(size=(n, 2)), lambda c: W[:, c], 2)
    assert np.isfinite(got[0]) and np.isnan(got[1])


def test_ols_fit_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    df = make_linear(n=200, seed=5)
    X = df[["x0", "x1", "x2"]].to_numpy()
    coef, se, dof = _linear.ols_fit(df["t"].to_numpy(), df["y"].to_numpy(), X)
    fit = sm.OLS(df["y"], sm.add_constant(df[["t", "x0", "x1", "x2"]])).fit()
    assert coef == pytest.approx(fit.params["t"], rel=1e-10)
    assert se == pytest.approx(fit.bse["t"], rel=1e-10)
    assert dof == fit.df_resid


@pytest.mark.parametrize("refuter", [placebo_treatment, random_common_cause, data_subset, bootstrap_stability])
def test_batched_path_equals_joblib_loop_of_ols(refuter, linear_df, adj):
    """Same seeds -> same draws in both paths; the batched result equals a loop of lstsq fits."""
    fast = refuter(linear_df, treatment="t", outcome="y", adjustment=adj, method="ols",
                   n_simulations=S, random_state=11)
    slow = refuter(linear_df, treatment="t", outcome="y", adjustment=adj, method=lstsq_effect,
                   n_simulations=S, random_state=11)
    assert fast.params["path"] == "batched-ols" and slow.params["path"] == "joblib"
    np.testing.assert_allclose(fast.simulations, slow.simulations, rtol=1e-8, atol=1e-10)
    assert fast.original_value == pytest.approx(slow.original_value, rel=1e-10)
    if refuter is not data_subset:  # the lstsq callable returns no standard error for the spread test
        assert fast.passed == slow.passed and fast.statistic == pytest.approx(slow.statistic)


def _regression_callable(data, treatment, outcome, adjustment, **kwargs):
    """The project's regression estimator behind a callable: forces the joblib path."""
    from causalkit.estimation import regression_adjustment

    return regression_adjustment(data, treatment, outcome, adjustment, **kwargs)


def test_default_regression_method_is_batched(linear_df, adj):
    """method="regression" (interacted OLS by default) is refitted in batch, matching the estimator."""
    from causalkit.estimation import regression_adjustment

    res = placebo_treatment(linear_df, treatment="t", outcome="y", adjustment=adj, n_simulations=10, random_state=0)
    assert res.params["path"] == "batched-ols"
    assert res.original_value == pytest.approx(regression_adjustment(linear_df, "t", "y", adj).value, rel=1e-10)


@pytest.mark.parametrize("refuter", [placebo_treatment, random_common_cause, data_subset, bootstrap_stability])
@pytest.mark.parametrize(("estimand", "interactions"), [("ATE", True), ("ATT", True), ("ATC", True), ("ATE", False)])
def test_batched_regression_equals_loop_of_regression_adjustment(refuter, estimand, interactions, monkeypatch):
    """Binary treatment: batched refits equal regression_adjustment refits, replicate by replicate."""
    from causalkit.estimation import regression_adjustment

    rng = np.random.default_rng(4)
    n = 160
    x = rng.normal(size=(n, 2)) + [3.0, 0.0]
    t = (rng.random(n) < 1 / (1 + np.exp(-x[:, 1]))).astype(int)
    df = pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "t": t, "y": (1 + x[:, 1]) * t + x.sum(1) + rng.normal(size=n)})
    kw = {"estimand": estimand, "interactions": interactions}
    est = regression_adjustment(df, "t", "y", ["x0", "x1"], **kw)
    monkeypatch.setattr(_linear, "_MAX_CELLS", 5000)  # several replicate chunks
    fast = refuter(df, est, n_simulations=12, random_state=3)
    slow = refuter(df, est, method=_regression_callable, estimator_kwargs=kw, n_simulations=12, random_state=3)
    assert fast.params["path"] == "batched-ols" and slow.params["path"] == "joblib"
    np.testing.assert_allclose(fast.simulations, slow.simulations, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("refuter", [placebo_treatment, random_common_cause, data_subset, bootstrap_stability])
def test_batched_regression_continuous_treatment_with_rare_dummy(refuter):
    """Continuous treatment, a dummy with three ones: replicates that lose it are singular (nan) in both paths.

    (HC1 standard errors: with HC3, regression_adjustment also fails on leverage-one rows, which the
    batched path, computing point estimates only, does not reproduce.)
    """
    from causalkit.estimation import regression_adjustment

    df = make_linear(n=120, seed=8)
    df["rare"] = 0.0
    df.loc[:2, "rare"] = 1.0
    adj = ["x0", "x1", "rare"]
    est = regression_adjustment(df, "t", "y", adj, cov_type="HC1")
    fast = refuter(df, est, n_simulations=15, random_state=1)
    slow = refuter(df, est, method=_regression_callable, estimator_kwargs={"cov_type": "HC1"},
                   n_simulations=15, random_state=1)
    assert fast.params["path"] == "batched-ols"
    np.testing.assert_allclose(fast.simulations, slow.simulations, rtol=1e-8, atol=1e-10)
    assert fast.params["n_failed"] == slow.params["n_failed"]


def test_large_replicate_count_is_chunked(monkeypatch, linear_df, adj):
    """Chunking over replicates (small memory cap) gives the same numbers."""
    full = data_subset(linear_df, treatment="t", outcome="y", adjustment=adj, method="ols",
                       n_simulations=12, random_state=2)
    monkeypatch.setattr(_linear, "_MAX_CELLS", 1000)
    chunked = data_subset(linear_df, treatment="t", outcome="y", adjustment=adj, method="ols",
                          n_simulations=12, random_state=2)
    np.testing.assert_allclose(full.simulations, chunked.simulations, rtol=1e-12)


def test_boolean_and_integer_columns_are_accepted():
    df = make_linear(n=120, seed=1)
    df["x2"] = df["x2"] > 0
    df["t"] = (df["t"] > 0).astype(int)
    res = random_common_cause(df, treatment="t", outcome="y", adjustment=["x0", "x1", "x2"],
                              method="ols", n_simulations=5, random_state=0)
    d = pd.get_dummies(df, dtype=float)
    assert res.original_value == pytest.approx(lstsq_effect(d, "t", "y", ["x0", "x1", "x2"]), rel=1e-10)
