"""Published replications: Hernan & Robins ch. 12-13 (NHEFS) and Dehejia & Wahba 1999 (NSW).

Each test runs the same computation as the example script and checks the published numbers to
their published precision.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from estbasic_helpers import single_thread  # noqa: F401

pytest.importorskip("causaldata")  # the real datasets ship in the causaldata package

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def nhefs():
    mod = _load("nhefs_ipw")
    df, covs = mod.design(mod.load_data())
    return mod, df, covs


def test_nhefs_chapter12_ipw(nhefs):
    from causalkit.estimation import ipw

    mod, df, covs = nhefs
    assert len(df) == 1566 and len(covs) == 18
    est = ipw(df, "qsmk", "wt82_71", covs, se="robust")
    pub = mod.PUBLISHED["ch12_ipw"]
    assert abs(est.value - pub["value"]) < 0.05
    assert abs(est.ci[0] - pub["ci"][0]) < 0.1 and abs(est.ci[1] - pub["ci"][1]) < 0.1
    # the book's Stata program output, to its printed precision
    stata = mod.PUBLISHED["ch12_ipw_stata"]
    assert est.value == pytest.approx(stata["value"], abs=1e-6)
    assert est.stderr == pytest.approx(stata["stderr"], abs=1e-7)
    assert est.diagnostics["max_weight_treated"] == pytest.approx(4.297662, abs=1e-6)
    # accounting for the estimated propensity narrows the interval (M-estimation sandwich)
    sandwich = ipw(df, "qsmk", "wt82_71", covs)
    assert sandwich.value == est.value and sandwich.stderr < est.stderr


def test_nhefs_chapter13_standardization(nhefs):
    from causalkit.estimation import regression_adjustment

    mod, df, covs = nhefs
    pub = mod.PUBLISHED["ch13_standardization"]
    est = regression_adjustment(
        df, "qsmk", "wt82_71", covs, model=mod.chapter13_outcome_model(), n_boot=200, random_state=0
    )
    assert abs(est.value - pub["value"]) < 0.05
    # 200 bootstrap replicates: the interval endpoints carry ~0.05 Monte-Carlo noise
    assert abs(est.ci[0] - pub["ci"][0]) < 0.15 and abs(est.ci[1] - pub["ci"][1]) < 0.15
    # without the qsmk x smokeintensity term, standardisation is the OLS coefficient (R output 3.462622)
    plain = regression_adjustment(df, "qsmk", "wt82_71", covs, interactions=False)
    assert plain.value == pytest.approx(3.46262182922601, abs=1e-9)


@pytest.mark.slow
def test_nhefs_chapter13_bootstrap_ci_to_published_precision(nhefs):
    from causalkit.estimation import regression_adjustment

    mod, df, covs = nhefs
    pub = mod.PUBLISHED["ch13_standardization"]
    est = regression_adjustment(
        df,
        "qsmk",
        "wt82_71",
        covs,
        model=mod.chapter13_outcome_model(),
        n_boot=2000,
        random_state=0,
    )
    assert abs(est.ci[0] - pub["ci"][0]) < 0.1 and abs(est.ci[1] - pub["ci"][1]) < 0.1


def test_lalonde_nsw_dehejia_wahba_table3():
    mod = _load("lalonde_nsw")
    res = mod.run()
    for key in ("difference_in_means", "regression_adjusted"):
        pub = mod.PUBLISHED[key]
        assert round(res[key].value) == pub["value"], key
        assert round(res[key].stderr) == pub["stderr"], key
    assert res["difference_in_means"].n_obs == 445
    # randomised: every adjusted estimator is within one (published) SE of the benchmark
    for key in ("lin_ols_hc3", "ipw", "aipw", "estimate_randomised"):
        assert abs(res[key].value - 1794) < 633, key
    assert res["estimate_randomised"].method == "aipw"
