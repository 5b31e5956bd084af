"""Front-door estimators: unbiased under latent X-Y confounding where naive regression is not."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

from causalkit.estimation.frontdoor import frontdoor
from causalkit.exceptions import InvalidInputError, UnknownNodeError

TRUTH = 1.2


def test_linear_frontdoor_unbiased_naive_biased(sims):
    df = sims.frontdoor(20000, np.random.default_rng(0))
    est = frontdoor(df, "x", "y", "m")
    assert abs(est.value - TRUTH) < 4 * est.stderr
    assert est.stderr < 0.03
    assert est.diagnostics["naive_ols"] - TRUTH > 0.8  # X <- U -> Y biases plain regression upwards
    assert est.diagnostics["a"][0] == pytest.approx(0.8, abs=0.05)
    assert est.estimand == "ATE" and est.method == "frontdoor_linear"


def test_plugin_with_linear_outcome_model_equals_linear(sims):
    df = sims.frontdoor(3000, np.random.default_rng(1), binary=True)
    lin = frontdoor(df, "x", "y", "m")
    plug = frontdoor(df, "x", "y", "m", method="plugin", ml_y=LinearRegression(), n_boot=50, random_state=0)
    assert plug.value == pytest.approx(lin.value, abs=1e-10)
    assert plug.stderr == pytest.approx(lin.stderr, rel=0.3)


def test_delta_se_matches_bootstrap_and_is_seeded(sims):
    df = sims.frontdoor(2000, np.random.default_rng(2))
    delta = frontdoor(df, "x", "y", "m")
    boot1 = frontdoor(df, "x", "y", "m", se_method="bootstrap", n_boot=300, random_state=5)
    boot2 = frontdoor(df, "x", "y", "m", se_method="bootstrap", n_boot=300, random_state=5)
    assert boot1.stderr == boot2.stderr and boot1.ci == boot2.ci
    assert boot1.stderr == pytest.approx(delta.stderr, rel=0.15)


def _fd_adjusted_data(n, rng):
    """W confounds X, M and Y; U confounds X and Y only. True effect of X (0->1): 0.8 * 1.5."""
    w = rng.normal(size=n)
    u = rng.normal(size=n)
    x = (0.8 * u + 0.7 * w + rng.normal(size=n) > 0).astype(float)
    m = 0.8 * x + 0.6 * w + rng.normal(size=n)
    y = 1.5 * m + 2.0 * u + 1.0 * w + rng.normal(size=n)
    return pd.DataFrame({"w": w, "x": x, "m": m, "y": y})


def test_frontdoor_with_adjustment(sims):
    df = _fd_adjusted_data(8000, np.random.default_rng(3))
    lin = frontdoor(df, "x", "y", "m", adjustment=["w"])
    plug = frontdoor(df, "x", "y", "m", adjustment=["w"], method="plugin", ml_y=LinearRegression(),
                     ml_x=LogisticRegression(), n_boot=40, random_state=1)
    assert abs(lin.value - TRUTH) < 4 * lin.stderr
    assert abs(plug.value - TRUTH) < 4 * plug.stderr
    assert lin.adjustment_set == ("w",)


def _discrete_fd_data(n, rng):
    """Three treatment levels, nonlinear outcome; returns the data and the true do(2) - do(0) contrast."""
    u = rng.normal(size=n)
    x = np.digitize(u + rng.normal(size=n), [-0.7, 0.7]).astype(float)  # levels 0, 1, 2
    m = np.where(x == 2, 1.0, 0.0) + 0.3 * x + rng.normal(size=n)
    y = np.sin(m) + m + 2 * u + rng.normal(size=n)
    mm = np.random.default_rng(99).normal(size=400000)
    truth = np.mean(np.sin(mm + 1.6) + mm + 1.6) - np.mean(np.sin(mm) + mm)
    return pd.DataFrame({"x": x, "m": m, "y": y}), truth


def test_plugin_learned_model_discrete_treatment():
    df, truth = _discrete_fd_data(2000, np.random.default_rng(4))
    ml_y = HistGradientBoostingRegressor(max_iter=40, learning_rate=0.2)
    est = frontdoor(df, "x", "y", "m", method="plugin", ml_y=ml_y, n_boot=20, random_state=0)
    assert est.params["contrast"] == (0.0, 2.0)
    assert abs(est.value - truth) < 4 * est.stderr + 0.05
    naive = np.polyfit(df["x"], df["y"], 1)[0] * 2
    assert naive - truth > 1.0


@pytest.mark.slow
def test_plugin_default_learner_slow():
    df, truth = _discrete_fd_data(5000, np.random.default_rng(5))
    est = frontdoor(df, "x", "y", "m", method="plugin", n_boot=100, random_state=0)
    assert abs(est.value - truth) < 3 * est.stderr + 0.03


def _fd_coverage(sim, reps, n, seed):
    rng = np.random.default_rng(seed)
    vals, ses, cover = [], [], []
    for _ in range(reps):
        e = frontdoor(sim(n, rng), "x", "y", "m")
        vals.append(e.value)
        ses.append(e.stderr)
        cover.append(e.ci[0] <= TRUTH <= e.ci[1])
    return float(np.mean(cover)), float(np.mean(ses) / np.std(vals))


def test_frontdoor_coverage_fast(sims):
    cover, ratio = _fd_coverage(sims.frontdoor, 300, 400, seed=6)
    assert 0.91 <= cover <= 0.98
    assert 0.87 <= ratio <= 1.13  # dropping either path's variance gives ratio ~0.6-0.8


@pytest.mark.slow
def test_frontdoor_coverage_slow(sims):
    cover, ratio = _fd_coverage(sims.frontdoor, 1500, 500, seed=7)
    assert 0.93 <= cover <= 0.97
    assert 0.93 <= ratio <= 1.07


@pytest.mark.slow
def test_frontdoor_plugin_coverage_slow(sims):
    rng = np.random.default_rng(8)
    cover = []
    for r in range(200):
        df = sims.frontdoor(500, rng, binary=True)
        e = frontdoor(df, "x", "y", "m", method="plugin", ml_y=LinearRegression(), n_boot=200, random_state=r)
        cover.append(e.ci[0] <= TRUTH <= e.ci[1])
    assert 0.92 <= np.mean(cover) <= 0.98


def test_frontdoor_bad_inputs(sims):
    df = sims.frontdoor(200, np.random.default_rng(0))
    with pytest.raises(InvalidInputError, match="mediator"):
        frontdoor(df, "x", "y", [])
    with pytest.raises(InvalidInputError, match="treatment or the outcome"):
        frontdoor(df, "x", "y", ["x"])
    with pytest.raises(UnknownNodeError, match="mm"):
        frontdoor(df, "x", "y", ["mm"])
    with pytest.raises(InvalidInputError, match="discrete treatment"):
        frontdoor(df, "x", "y", "m", method="plugin")
    with pytest.raises(InvalidInputError, match="both a mediator"):
        frontdoor(df.assign(w=1.0), "x", "y", "m", adjustment=["m"])
    with pytest.raises(InvalidInputError, match="method"):
        frontdoor(df, "x", "y", "m", method="iv")
    bdf = sims.frontdoor(200, np.random.default_rng(0), binary=True)
    with pytest.raises(InvalidInputError, match="contrast"):
        frontdoor(bdf, "x", "y", "m", method="plugin", contrast=(0, 3))
    bad = df.copy()
    bad.loc[1, "m"] = np.nan
    with pytest.raises(InvalidInputError, match="missing"):
        frontdoor(bad, "x", "y", "m")
