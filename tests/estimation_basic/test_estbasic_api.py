"""The estimate() dispatcher: strategy -> estimator, recording, and errors."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from estbasic_helpers import COVARIATES, TRUTH, simulate, single_thread  # noqa: F401

from causalkit.estimation import aipw, estimate, ipw, regression_adjustment
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.results import IdentificationResult

identify = getattr(importlib.import_module("causalkit.identification"), "identify", None)


@pytest.fixture(scope="module")
def data():
    return simulate(1500, 8)


def _backdoor(adj=("x1", "x2")):
    return IdentificationResult(
        strategy="backdoor",
        treatment="t",
        outcome="y",
        estimand="sum_x E[y|t,x]P(x)",
        adjustment_set=tuple(adj),
    )


def test_auto_binary_is_aipw_and_equals_direct_call(data):
    est = estimate(data, "t", "y", adjustment=COVARIATES, random_state=4)
    ref = aipw(data, "t", "y", COVARIATES, random_state=4)
    assert est.method == "aipw" and est.value == ref.value and est.stderr == ref.stderr
    assert est.params["dispatch"] == {"requested": "auto", "chosen": "aipw"}
    assert est.params["identification"]["strategy"] == "backdoor"
    assert est.params["identification"]["source"] == "caller"


def test_auto_continuous_is_regression(data):
    d = data.assign(t=data.t + 0.3 * data.x2)
    est = estimate(d, "t", "y", adjustment=COVARIATES)
    assert est.method == "regression"
    assert est.value == regression_adjustment(d, "t", "y", COVARIATES).value


def test_identification_result_is_used_and_recorded(data):
    est = estimate(
        data, "t", "y", identification=_backdoor(), method="ipw", estimand="ATT", trim=0.01
    )
    ref = ipw(data, "t", "y", COVARIATES, estimand="ATT", trim=0.01)
    assert est.value == ref.value and est.estimand == "ATT" and est.params["trim"] == 0.01
    assert est.adjustment_set == ("x1", "x2")
    assert est.params["identification"]["estimand"] == "sum_x E[y|t,x]P(x)"
    assert abs(est.value - TRUTH["ATT"]) < 4 * est.stderr


def test_caller_adjustment_overrides_with_warning(data):
    est = estimate(
        data,
        "t",
        "y",
        identification=_backdoor(("x1",)),
        adjustment=COVARIATES,
        method="regression",
    )
    assert est.adjustment_set == ("x1", "x2")
    assert any("overrides the identified set" in w for w in est.warnings)


def test_dispatch_errors(data):
    with pytest.raises(InvalidInputError, match="does not fit a backdoor"):
        estimate(data, "t", "y", identification=_backdoor(), method="wald")
    with pytest.raises(InvalidInputError, match="needs instruments"):
        estimate(data, "t", "y", adjustment=COVARIATES, method="wald")
    with pytest.raises(InvalidInputError, match="method"):
        estimate(data, "t", "y", adjustment=COVARIATES, method="magic")
    with pytest.raises(InvalidInputError, match=r"does not take \['n_trees'\]"):
        estimate(data, "t", "y", adjustment=COVARIATES, method="ipw", n_trees=3)
    with pytest.raises(InvalidInputError, match="is for 't' -> 'y'"):
        estimate(data.rename(columns={"y": "z"}), "t", "z", identification=_backdoor())
    general = IdentificationResult(
        strategy="general", treatment="t", outcome="y", estimand="P(y|do(t)) = ..."
    )
    with pytest.raises(EstimationError, match="general"):
        estimate(data, "t", "y", identification=general)
    with pytest.raises(InvalidInputError, match="needs instruments"):
        estimate(data, "t", "y", method="2sls")


def _iv_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    z, u = rng.normal(size=n), rng.normal(size=n)
    t = z + u + rng.normal(size=n)
    y = 1.5 * t + 2 * u + rng.normal(size=n)
    return pd.DataFrame({"z": z, "t": t, "y": y})


def test_iv_routes_to_2sls():
    iv = pytest.importorskip("causalkit.estimation.iv")
    d = _iv_data()
    ident = IdentificationResult(
        strategy="iv", treatment="t", outcome="y", estimand="Cov(y,z)/Cov(t,z)", instruments=("z",)
    )
    est = estimate(d, "t", "y", identification=ident)
    ref = iv.iv_2sls(d, "t", "y", ["z"])
    assert est.value == pytest.approx(ref.value) and est.params["dispatch"]["chosen"] == "2sls"
    assert abs(est.value - 1.5) < 4 * est.stderr
    est2 = estimate(d, "t", "y", method="iv", instruments=["z"])
    assert est2.value == pytest.approx(ref.value)
    w = estimate(d, "t", "y", method="wald", instruments=["z"])
    assert w.params["dispatch"]["chosen"] == "wald" and abs(w.value - 1.5) < 4 * w.stderr


def test_frontdoor_routes_to_frontdoor():
    fd = pytest.importorskip("causalkit.estimation.frontdoor")
    rng = np.random.default_rng(1)
    n = 3000
    u = rng.normal(size=n)
    t = u + rng.normal(size=n)
    m = 0.8 * t + rng.normal(size=n)
    y = 1.25 * m + 2 * u + rng.normal(size=n)  # effect of t on y = 0.8 * 1.25 = 1
    d = pd.DataFrame({"t": t, "m": m, "y": y})
    ident = IdentificationResult(
        strategy="frontdoor", treatment="t", outcome="y", estimand="front-door", mediators=("m",)
    )
    est = estimate(d, "t", "y", identification=ident, random_state=0)
    ref = fd.frontdoor(d, "t", "y", ["m"], random_state=0)
    assert est.value == pytest.approx(ref.value) and abs(est.value - 1.0) < 4 * est.stderr
    with pytest.raises(InvalidInputError, match="front-door"):
        estimate(d, "t", "y", identification=ident, method="ipw")


def test_dml_routes_and_maps_att(data):
    dml_mod = pytest.importorskip("causalkit.estimation.dml")
    from sklearn.linear_model import LinearRegression

    from causalkit.estimation import LogisticPropensity

    fast = {"ml_l": LinearRegression(), "ml_m": LinearRegression()}
    est = estimate(data, "t", "y", adjustment=COVARIATES, method="dml", random_state=0, **fast)
    ref = dml_mod.dml(data, "t", "y", COVARIATES, random_state=0, **fast)
    assert est.value == pytest.approx(ref.value) and est.params["dispatch"]["chosen"] == "dml"
    att = estimate(
        data,
        "t",
        "y",
        adjustment=COVARIATES,
        method="dml",
        estimand="ATT",
        random_state=0,
        ml_g=LinearRegression(),
        ml_m=LogisticPropensity(),
    )
    assert att.estimand == "ATT" and abs(att.value - TRUTH["ATT"]) < 4 * att.stderr


@pytest.mark.skipif(
    identify is None, reason="causalkit.identification.identify is not available yet"
)
def test_graph_is_identified_then_estimated(data):
    from causalkit.graphs import CausalGraph

    g = CausalGraph(edges=["x1 --> t", "x2 --> t", "x1 --> y", "x2 --> y", "t --> y"])
    est = estimate(data, "t", "y", graph=g, random_state=0)
    assert est.params["identification"]["strategy"] == "backdoor"
    assert set(est.adjustment_set) == {"x1", "x2"}
    assert abs(est.value - TRUTH["ATE"]) < 4 * est.stderr


@pytest.mark.skipif(
    identify is None, reason="causalkit.identification.identify is not available yet"
)
def test_graph_with_latent_confounding_routes_to_iv_and_frontdoor():
    pytest.importorskip("causalkit.estimation.iv")
    d = _iv_data()
    est = estimate(d, "t", "y", graph=["z --> t", "t --> y", "t <-> y"])
    assert (
        est.params["identification"]["strategy"] == "iv"
        and est.params["dispatch"]["chosen"] == "2sls"
    )
    assert abs(est.value - 1.5) < 4 * est.stderr
    rng = np.random.default_rng(2)
    n = 3000
    u = rng.normal(size=n)
    t = u + rng.normal(size=n)
    m = 0.8 * t + rng.normal(size=n)
    fd = pd.DataFrame({"t": t, "m": m, "y": 1.25 * m + 2 * u + rng.normal(size=n)})
    est = estimate(fd, "t", "y", graph=["t --> m", "m --> y", "t <-> y"], random_state=0)
    assert est.params["dispatch"]["chosen"] == "frontdoor" and abs(est.value - 1.0) < 4 * est.stderr


def test_auto_with_instruments_and_no_identification_runs_2sls():
    """Regression test: method='auto' with instruments= used to fall through to plain regression."""
    import numpy as np
    import pandas as pd

    from causalkit.estimation import estimate

    rng = np.random.default_rng(3)
    n = 4000
    u, w = rng.normal(size=n), rng.normal(size=n)
    z1, z2 = rng.normal(size=n), rng.normal(size=n)
    d = z1 + 0.5 * z2 + u + 0.3 * w + rng.normal(size=n)
    y = 1.5 * d + 2 * u + w + rng.normal(size=n)  # u confounds d and y
    df = pd.DataFrame({"d": d, "y": y, "z1": z1, "z2": z2, "w": w})
    est = estimate(df, "d", "y", instruments=["z1", "z2"], adjustment=["w"])
    assert est.method.startswith("2sls") or "2sls" in est.method
    assert abs(est.value - 1.5) < 4 * est.stderr
    naive = estimate(df, "d", "y", adjustment=["w"], method="regression")
    assert abs(naive.value - 1.5) > 10 * naive.stderr  # the confounded regression is far off
