"""Double machine learning: exact agreement with DoubleML, known truth, CATE, folds and input errors."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LassoCV, LinearRegression, LogisticRegression
from sklearn.model_selection import KFold

from causalkit.estimation.dml import aggregate_repetitions, dml
from causalkit.exceptions import InvalidInputError, UnknownNodeError

doubleml = pytest.importorskip("doubleml")

XCOLS = [f"x{i}" for i in range(5)]


def _learners(kind):
    if kind == "linear":
        return LinearRegression(), LogisticRegression()
    if kind == "lasso":
        return LassoCV(cv=KFold(3), alphas=10), LogisticRegression(C=0.5)
    return (
        RandomForestRegressor(n_estimators=10, min_samples_leaf=10, random_state=1),
        RandomForestClassifier(n_estimators=10, min_samples_leaf=10, random_state=2),
    )


@pytest.fixture(scope="module")
def irm_df(sims):
    return sims.irm(500, np.random.default_rng(7))


def _fit_doubleml(cls, df, n_rep, seed, **kw):
    np.random.seed(seed)
    data = doubleml.DoubleMLData(df, "y", "d", XCOLS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obj = cls(data, n_folds=5, n_rep=n_rep, **kw)
        obj.fit()
    return obj


@pytest.mark.parametrize("kind, n_rep", [("linear", 1), ("linear", 3), ("lasso", 1), ("forest", 1), ("forest", 3)])
def test_plr_equals_doubleml(irm_df, n_rep, kind):
    ml_l, ml_m = _learners(kind)
    ref = _fit_doubleml(doubleml.DoubleMLPLR, irm_df, n_rep, seed=n_rep, ml_l=ml_l, ml_m=ml_m)
    est = dml(irm_df, "d", "y", XCOLS, model="plr", ml_l=ml_l, ml_m=ml_m, folds=ref.smpls)
    assert est.value == pytest.approx(ref.coef[0], abs=1e-10)
    assert est.stderr == pytest.approx(ref.se[0], abs=1e-10)
    assert np.allclose(est.diagnostics["all_thetas"], ref.all_coef[0], atol=1e-10)


@pytest.mark.parametrize(
    "kind, n_rep, score",
    [(k, r, s) for k in ("linear", "forest") for r in (1, 3) for s in ("ATE", "ATTE") if (k, r, s) != ("forest", 3, "ATTE")],
)
def test_irm_equals_doubleml(irm_df, n_rep, score, kind):
    ml_g, ml_m = _learners(kind)
    ref = _fit_doubleml(doubleml.DoubleMLIRM, irm_df, n_rep, seed=10 + n_rep, ml_g=ml_g, ml_m=ml_m, score=score)
    est = dml(irm_df, "d", "y", XCOLS, model="irm", score=score, ml_g=ml_g, ml_m=ml_m, folds=ref.smpls)
    assert est.value == pytest.approx(ref.coef[0], abs=1e-10)
    assert est.stderr == pytest.approx(ref.se[0], abs=1e-10)
    assert est.estimand == ("ATE" if score == "ATE" else "ATT")


def test_irm_trimming_and_normalization_equal_doubleml(irm_df):
    from doubleml.utils import PSProcessorConfig

    ml_g, ml_m = LinearRegression(), LogisticRegression(C=100.0)
    df = irm_df.assign(x0=irm_df["x0"] * 3)  # strong confounding: propensities near 0/1
    cfg = PSProcessorConfig(clipping_threshold=0.05)
    ref = _fit_doubleml(doubleml.DoubleMLIRM, df, 1, seed=3, ml_g=ml_g, ml_m=ml_m, normalize_ipw=True,
                        ps_processor_config=cfg)
    est = dml(df, "d", "y", XCOLS, model="irm", ml_g=ml_g, ml_m=ml_m, folds=ref.smpls,
              trimming_threshold=0.05, normalize_ipw=True)
    assert est.value == pytest.approx(ref.coef[0], abs=1e-10)
    assert est.stderr == pytest.approx(ref.se[0], abs=1e-10)
    assert est.diagnostics["share_clipped"] > 0


def test_plr_iv_type_score_equals_doubleml(irm_df):
    lr = LinearRegression()
    ref = _fit_doubleml(doubleml.DoubleMLPLR, irm_df, 2, seed=4, ml_l=lr, ml_m=lr, ml_g=lr, score="IV-type")
    est = dml(irm_df, "d", "y", XCOLS, ml_l=lr, ml_m=lr, ml_g=lr, score="IV-type", folds=ref.smpls)
    assert est.value == pytest.approx(ref.coef[0], abs=1e-10)
    assert est.stderr == pytest.approx(ref.se[0], abs=1e-10)


def test_cate_equals_doubleml_blp(irm_df):
    lr, lg = LinearRegression(), LogisticRegression()
    basis = pd.DataFrame({"const": 1.0, "x1": irm_df["x1"]})
    ref = _fit_doubleml(doubleml.DoubleMLPLR, irm_df, 1, seed=5, ml_l=lr, ml_m=lr)
    blp = ref.cate(basis)
    est = dml(irm_df, "d", "y", XCOLS, ml_l=lr, ml_m=lr, folds=ref.smpls, effect_modifiers=["x1"])
    tab = est.diagnostics["cate_coef"]
    assert tab["x1"]["coef"] == pytest.approx(blp.coef[1], abs=1e-10)
    assert tab["x1"]["stderr"] == pytest.approx(blp.se[1], abs=1e-10)
    assert est.cate.shape == (len(irm_df),)
    refi = _fit_doubleml(doubleml.DoubleMLIRM, irm_df, 1, seed=6, ml_g=lr, ml_m=lg)
    blpi = refi.cate(basis)
    esti = dml(irm_df, "d", "y", XCOLS, model="irm", ml_g=lr, ml_m=lg, folds=refi.smpls, effect_modifiers=["x1"])
    assert esti.diagnostics["cate_coef"]["x1"]["coef"] == pytest.approx(blpi.coef[1], abs=1e-10)
    assert esti.diagnostics["cate_coef"]["x1"]["stderr"] == pytest.approx(blpi.se[1], abs=1e-10)
    # the true CATE is 1 + 0.5 x1
    assert abs(esti.diagnostics["cate_coef"]["x1"]["coef"] - 0.5) < 4 * blpi.se[1]


def test_aggregation_rules():
    thetas = np.array([1.0, 1.2, 0.7])
    ses = np.array([0.1, 0.3, 0.2])
    t, s = aggregate_repetitions(thetas, ses, "doubleml")
    assert t == 1.0 and s == pytest.approx((np.median(thetas + 1.96 * ses) - 1.0) / 1.96)
    t, s = aggregate_repetitions(thetas, ses, "chernozhukov2018")
    assert s == pytest.approx(np.median(np.sqrt(ses**2 + (thetas - 1.0) ** 2)))


def test_plr_default_learners_recover_truth(sims):
    df = sims.plr(1500, np.random.default_rng(21), p=5)
    est = dml(df, "d", "y", XCOLS, random_state=0)
    naive = np.polyfit(df["d"], df["y"], 1)[0]
    assert abs(est.value - 2.0) < 3 * est.stderr + 0.05
    assert naive - 2.0 > 0.3  # the confounding is strong: a plain regression is far off
    again = dml(df, "d", "y", XCOLS, random_state=0)
    assert again.value == est.value  # seeded: reproducible
    assert est.params["n_folds"] == 5 and est.method == "dml_plr"


def test_irm_default_learners_recover_truth(sims):
    df = sims.irm(2000, np.random.default_rng(22))
    est = dml(df, "d", "y", XCOLS, model="irm", random_state=1)
    assert abs(est.value - 1.0) < 3 * est.stderr + 0.05
    assert 0 < est.diagnostics["propensity_min"] < est.diagnostics["propensity_max"] < 1


def test_parallel_equals_serial(irm_df):
    # unseeded learners get their seed from random_state, independently of n_jobs
    ml_l, ml_m = RandomForestRegressor(n_estimators=5), RandomForestRegressor(n_estimators=5)
    a = dml(irm_df, "d", "y", XCOLS, ml_l=ml_l, ml_m=ml_m, n_rep=2, random_state=3, n_jobs=1)
    b = dml(irm_df, "d", "y", XCOLS, ml_l=ml_l, ml_m=ml_m, n_rep=2, random_state=3, n_jobs=2)
    assert a.value == b.value and a.stderr == b.stderr


def _plr_coverage(sim, reps, n, seed):
    rng = np.random.default_rng(seed)
    lr = LinearRegression()
    vals, ses, cover = [], [], []
    for r in range(reps):
        df = sim(n, rng, nonlinear=False)
        e = dml(df, "d", "y", XCOLS, ml_l=lr, ml_m=lr, random_state=r)
        vals.append(e.value)
        ses.append(e.stderr)
        cover.append(e.ci[0] <= 2.0 <= e.ci[1])
    return float(np.mean(cover)), float(np.mean(ses) / np.std(vals))


def test_plr_coverage_fast(sims):
    cover, ratio = _plr_coverage(sims.plr, 150, 300, seed=30)
    assert 0.90 <= cover <= 0.99
    assert 0.85 <= ratio <= 1.15  # an SE off by 1.5x (e.g. forgetting 1/J) fails this


@pytest.mark.slow
def test_plr_coverage_slow(sims):
    cover, ratio = _plr_coverage(sims.plr, 1000, 500, seed=31)
    assert 0.93 <= cover <= 0.97
    assert 0.92 <= ratio <= 1.08


@pytest.mark.slow
def test_dml_default_learners_coverage_slow(sims):
    """Default learners on nonlinear confounding: >= 200 replications each for PLR and IRM."""
    rng = np.random.default_rng(32)
    cover_plr, cover_irm = [], []
    for r in range(200):
        df = sims.plr(2000, rng)
        e = dml(df, "d", "y", XCOLS, random_state=r)
        cover_plr.append(e.ci[0] <= 2.0 <= e.ci[1])
        df = sims.irm(2000, rng)
        e = dml(df, "d", "y", XCOLS, model="irm", random_state=r)
        cover_irm.append(e.ci[0] <= 1.0 <= e.ci[1])
    assert 0.92 <= np.mean(cover_plr) <= 0.98
    assert 0.92 <= np.mean(cover_irm) <= 0.98


def test_user_folds_formats(irm_df):
    lr = LinearRegression()
    kf = KFold(4, shuffle=True, random_state=0)
    pairs = list(kf.split(irm_df))
    a = dml(irm_df, "d", "y", XCOLS, ml_l=lr, ml_m=lr, folds=kf)
    b = dml(irm_df, "d", "y", XCOLS, ml_l=lr, ml_m=lr, folds=pairs)
    c = dml(irm_df, "d", "y", XCOLS, ml_l=lr, ml_m=lr, folds=[pairs, pairs])
    assert a.value == b.value == c.value and c.params["n_rep"] == 2 and a.params["n_folds"] == 4


def test_dml_bad_inputs(sims, irm_df):
    df = sims.plr(200, np.random.default_rng(0))
    with pytest.raises(InvalidInputError, match="binary"):
        dml(df, "d", "y", XCOLS, model="irm")
    with pytest.raises(InvalidInputError, match="model"):
        dml(df, "d", "y", XCOLS, model="xyz")
    with pytest.raises(InvalidInputError, match="score"):
        dml(df, "d", "y", XCOLS, score="ATE")
    with pytest.raises(InvalidInputError, match="at least one adjustment"):
        dml(df, "d", "y", [])
    with pytest.raises(UnknownNodeError, match="nope"):
        dml(df, "d", "y", ["x0", "nope"])
    with pytest.raises(InvalidInputError, match="classifier"):
        dml(df, "d", "y", XCOLS, ml_m=LogisticRegression())
    with pytest.raises(InvalidInputError, match="classifier"):
        dml(irm_df, "d", "y", XCOLS, model="irm", ml_m=LinearRegression())
    with pytest.raises(InvalidInputError, match="fit"):
        dml(df, "d", "y", XCOLS, ml_l="forest")
    with pytest.raises(InvalidInputError, match="n_folds"):
        dml(df, "d", "y", XCOLS, n_folds=1)
    bad = df.copy()
    bad.loc[0, "x1"] = np.nan
    with pytest.raises(InvalidInputError, match="missing"):
        dml(bad, "d", "y", XCOLS)
    n = len(df)
    with pytest.raises(InvalidInputError, match="partition"):
        dml(df, "d", "y", XCOLS, folds=[(np.arange(10, n), np.arange(10)), (np.arange(20), np.arange(20, n))])
    with pytest.raises(InvalidInputError, match="folds"):
        dml(df, "d", "y", XCOLS, folds="five")
    with pytest.raises(InvalidInputError, match="trimming_threshold"):
        dml(irm_df, "d", "y", XCOLS, model="irm", trimming_threshold=0.7)


def test_short_stacking_weights(sims):
    from sklearn.dummy import DummyRegressor

    from causalkit.estimation._crossfit import stack_weights

    rng = np.random.default_rng(40)
    P = rng.normal(size=(200, 3))
    target = 0.7 * P[:, 0] + 0.3 * P[:, 2]
    w = stack_weights(P, target)
    assert np.allclose(w, [0.7, 0.0, 0.3], atol=1e-6) and w.sum() == pytest.approx(1.0)
    df = sims.plr(400, rng, nonlinear=False)
    est = dml(df, "d", "y", XCOLS, ml_l=[LinearRegression(), DummyRegressor()],
              ml_m=[DummyRegressor(), LinearRegression()], random_state=0)
    weights = est.diagnostics["stacking_weights"]
    assert weights["ml_l"][0] > 0.95 and weights["ml_m"][1] > 0.95
    single = dml(df, "d", "y", XCOLS, ml_l=LinearRegression(), ml_m=LinearRegression(), random_state=0)
    assert abs(est.value - single.value) < 0.1 * single.stderr
