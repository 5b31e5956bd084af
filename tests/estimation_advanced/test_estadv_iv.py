"""Wald and 2SLS: reference equality, published numbers, correct (non-naive) SEs, diagnostics, errors."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.sandbox.regression.gmm import IV2SLS

from causalkit.estimation.iv import iv_2sls, ols_fit, wald
from causalkit.exceptions import EstimationError, InvalidInputError, UnknownNodeError


def test_2sls_homoskedastic_equals_statsmodels(sims):
    df = sims.iv(800, np.random.default_rng(1))
    est = iv_2sls(df, "d", "y", ["z1", "z2"], ["w"], robust=False)
    X = sm.add_constant(df[["d", "w"]])
    Z = sm.add_constant(df[["z1", "z2", "w"]])
    ref = IV2SLS(df["y"], X, Z).fit()
    assert est.value == pytest.approx(ref.params["d"], rel=1e-10)
    assert est.stderr == pytest.approx(ref.bse["d"], rel=1e-10)
    coefs = est.diagnostics["coefficients"]
    assert coefs["w"]["stderr"] == pytest.approx(ref.bse["w"], rel=1e-10)
    assert coefs["const"]["coef"] == pytest.approx(ref.params["const"], rel=1e-10)
    # t-based interval with n - k degrees of freedom, as statsmodels
    lo, hi = ref.conf_int(alpha=0.05).loc["d"]
    assert est.ci == pytest.approx((lo, hi), rel=1e-9)


def test_2sls_se_is_not_the_naive_second_stage_se(sims):
    df = sims.iv(2000, np.random.default_rng(2), hetero=False)
    est = iv_2sls(df, "d", "y", ["z1", "z2"], ["w"], robust=False)
    Z = np.column_stack([np.ones(len(df)), df[["z1", "z2", "w"]]])
    dhat = Z @ np.linalg.lstsq(Z, df["d"].to_numpy(), rcond=None)[0]
    naive = sm.OLS(df["y"], sm.add_constant(pd.DataFrame({"dhat": dhat, "w": df["w"]}))).fit()
    assert est.value == pytest.approx(naive.params["dhat"], rel=1e-10)  # same point estimate
    assert naive.bse["dhat"] > 1.6 * est.stderr  # ... but the naive SE is far too large here


def test_wald_equals_ratio_and_hc0_2sls(sims):
    rng = np.random.default_rng(3)
    n = 3000
    u = rng.normal(size=n)
    z = rng.integers(0, 2, n).astype(float)
    d = (0.2 + 0.5 * z + 0.3 * u > rng.uniform(size=n)).astype(float)
    y = 2.0 * d + u + rng.normal(size=n)
    df = pd.DataFrame({"z": z, "d": d, "y": y})
    est = wald(df, "d", "y", "z")
    ratio = (y[z == 1].mean() - y[z == 0].mean()) / (d[z == 1].mean() - d[z == 0].mean())
    assert est.value == pytest.approx(ratio, rel=1e-12)
    assert est.estimand == "LATE"
    hc0 = iv_2sls(df, "d", "y", "z", robust=True, small_sample=False)
    assert est.stderr == pytest.approx(hc0.stderr, rel=1e-10)
    assert hc0.estimand == "LATE"
    assert abs(est.value - 2.0) < 4 * est.stderr


def test_wald_continuous_instrument_estimand(sims):
    df = sims.iv(1500, np.random.default_rng(4))
    est = wald(df, "d", "y", "z1")
    assert est.estimand == "ATE (linear IV)"
    ols = ols_fit(df["y"].to_numpy(), np.column_stack([df["d"], np.ones(len(df))]))
    assert abs(est.value - 1.0) < 4 * est.stderr
    assert ols.beta[0] < 0.95  # confounding biases OLS downwards here; IV removes it


def test_first_stage_diagnostics_and_weak_warning():
    rng = np.random.default_rng(5)
    n = 500
    u, z = rng.normal(size=n), rng.normal(size=n)
    d_strong = z + u + rng.normal(size=n)
    d_weak = 0.02 * z + u + rng.normal(size=n)
    df = pd.DataFrame({"z": z, "ds": d_strong, "dw": d_weak, "y": d_strong + u + rng.normal(size=n)})
    strong = iv_2sls(df, "ds", "y", "z", robust=False)
    fs = strong.diagnostics["first_stage"]["ds"]
    ref = sm.OLS(df["ds"], sm.add_constant(df[["z"]])).fit()
    assert fs["F"] == pytest.approx(ref.fvalue, rel=1e-9)
    assert fs["partial_r2"] == pytest.approx(ref.rsquared, rel=1e-9)
    assert not strong.warnings
    weak = iv_2sls(df.assign(y=d_weak + u), "dw", "y", "z")
    assert any("weak instrument" in w for w in weak.warnings)
    assert weak.diagnostics["first_stage"]["dw"]["F"] < 10
    assert any("weak instrument" in w for w in wald(df.assign(y=d_weak + u), "dw", "y", "z").warnings)


def test_multiple_treatments():
    rng = np.random.default_rng(6)
    n = 4000
    u = rng.normal(size=n)
    z = rng.normal(size=(n, 3))
    d1 = z[:, 0] + 0.5 * z[:, 2] + u + rng.normal(size=n)
    d2 = z[:, 1] - 0.5 * z[:, 2] + u + rng.normal(size=n)
    y = 1.0 * d1 - 2.0 * d2 + 2 * u + rng.normal(size=n)
    df = pd.DataFrame({"z1": z[:, 0], "z2": z[:, 1], "z3": z[:, 2], "d1": d1, "d2": d2, "y": y})
    est = iv_2sls(df, ["d1", "d2"], "y", ["z1", "z2", "z3"], robust=False)
    X = sm.add_constant(df[["d1", "d2"]])
    ref = IV2SLS(df["y"], X, sm.add_constant(df[["z1", "z2", "z3"]])).fit()
    assert est.diagnostics["coefficients"]["d2"]["coef"] == pytest.approx(ref.params["d2"], rel=1e-10)
    assert est.diagnostics["coefficients"]["d2"]["stderr"] == pytest.approx(ref.bse["d2"], rel=1e-10)
    assert est.treatment == "d1" and abs(est.value - 1.0) < 4 * est.stderr
    assert set(est.diagnostics["first_stage"]) == {"d1", "d2"}


def _iv_coverage(sim, reps: int, n: int, seed: int, robust: bool):
    rng = np.random.default_rng(seed)
    vals, ses, cover = [], [], []
    for _ in range(reps):
        df = sim(n, rng)
        e = iv_2sls(df, "d", "y", ["z1", "z2"], ["w"], robust=robust)
        vals.append(e.value)
        ses.append(e.stderr)
        cover.append(e.ci[0] <= 1.0 <= e.ci[1])
    return float(np.mean(cover)), float(np.mean(ses) / np.std(vals))


def test_2sls_coverage_fast(sims):
    # 400 replications: a correct SE gives 95% +- 1.1pt; the naive SE (about 1.9x too large here)
    # would cover ~100%, and a non-robust SE under this heteroskedasticity undercovers.
    cover, ratio = _iv_coverage(sims.iv, 400, 300, seed=10, robust=True)
    assert 0.92 <= cover <= 0.975
    assert 0.88 <= ratio <= 1.12


@pytest.mark.slow
def test_2sls_coverage_slow(sims):
    cover, ratio = _iv_coverage(sims.iv, 2000, 500, seed=11, robust=True)
    assert 0.93 <= cover <= 0.97
    assert 0.93 <= ratio <= 1.07
    cover, _ = _iv_coverage(sims.iv, 1000, 500, seed=12, robust=False)
    assert cover < 0.94  # homoskedastic SEs undercover under heteroskedasticity


@pytest.mark.slow
def test_wald_coverage_slow():
    rng = np.random.default_rng(13)
    cover = []
    for _ in range(1000):
        n = 800
        u = rng.normal(size=n)
        z = rng.integers(0, 2, n).astype(float)
        d = (0.2 + 0.5 * z + 0.3 * u > rng.uniform(size=n)).astype(float)
        y = 2.0 * d + u + rng.normal(size=n) * (1 + d)
        e = wald(pd.DataFrame({"z": z, "d": d, "y": y}), "d", "y", "z")
        cover.append(e.ci[0] <= 2.0 <= e.ci[1])
    assert 0.93 <= np.mean(cover) <= 0.97


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"instruments": "d"}, InvalidInputError, "also a treatment"),
        ({"instruments": "dcopy"}, InvalidInputError, "identical to the treatment"),
        ({"instruments": "nope"}, UnknownNodeError, "nope"),
        ({"instruments": []}, InvalidInputError, "No instrument"),
        ({"treatment": ["d", "w"], "instruments": "z1"}, InvalidInputError, "under-identified"),
        ({"instruments": "z1", "covariates": ["z1"]}, InvalidInputError, "both a covariate"),
        ({"instruments": "wcopy", "covariates": ["w"]}, EstimationError, "collinear"),
    ],
)
def test_iv_bad_inputs(sims, kwargs, exc, match):
    df = sims.iv(200, np.random.default_rng(0)).assign(dcopy=lambda f: f["d"], wcopy=lambda f: 2 * f["w"])
    args = {"treatment": "d", "instruments": "z1", "covariates": ()}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        iv_2sls(df, args["treatment"], "y", args["instruments"], args["covariates"])


def test_iv_nan_and_wald_errors(sims):
    df = sims.iv(200, np.random.default_rng(0))
    bad = df.copy()
    bad.loc[3, "z1"] = np.nan
    with pytest.raises(InvalidInputError, match="missing"):
        iv_2sls(bad, "d", "y", "z1")
    with pytest.raises(InvalidInputError, match="missing"):
        wald(bad, "d", "y", "z1")
    with pytest.raises(InvalidInputError, match="one column name"):
        wald(df, "d", "y", ["z1", "z2"])
    with pytest.raises(InvalidInputError, match="also a treatment"):
        wald(df, "d", "y", "d")
    with pytest.raises(UnknownNodeError):
        wald(df, "d", "y", "zz")
