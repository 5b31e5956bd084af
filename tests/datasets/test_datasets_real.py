"""Real datasets: documented columns, shapes, graphs, and reproduction of published numbers."""

import numpy as np
import pytest

from causalkit.datasets import load_lalonde, load_mroz, load_nhefs
from causalkit.exceptions import InvalidInputError


def check_dataset(ds):
    assert set(ds.columns) == set(ds.data.columns)
    assert all(isinstance(v, str) and v for v in ds.columns.values())
    observed = set(ds.graph.nodes) - set(ds.latent)
    assert observed <= set(ds.data.columns)
    assert {ds.treatment, ds.outcome, *ds.covariates, *ds.instruments} <= observed
    assert ds.graph.kind in {"dag", "admg"} and ds.graph.find_cycle() is None
    assert ds.outcome in ds.graph.descendants(ds.treatment)
    assert ds.source and ds.licence and ds.published and "assum" in ds.graph_note.lower()
    assert ds.name in ds.summary()


def test_nhefs_columns_and_published_ipw():
    ds = load_nhefs()
    check_dataset(ds)
    assert ds.data.shape == (1566, 67) and ds.data["wt82_71"].notna().all()
    assert set(ds.data["qsmk"].unique()) == {0, 1} and ds.data["education"].between(1, 5).all()
    full = load_nhefs(complete=False)
    assert full.data.shape == (1629, 67) and full.data["wt82_71"].isna().sum() == 63
    d = ds.data
    crude = d.loc[d.qsmk == 1, "wt82_71"].mean() - d.loc[d.qsmk == 0, "wt82_71"].mean()
    assert round(crude, 1) == ds.published["unadjusted_difference"]["value"]
    # IP weighting as in Program 12.2, with a plain Newton logistic fit
    cols = [d.sex, d.race, d.age, d.age**2, d.smokeintensity, d.smokeintensity**2, d.smokeyrs, d.smokeyrs**2,
            d.wt71, d.wt71**2]
    dummies = [(d.education == k) * 1.0 for k in (2, 3, 4, 5)] + [(d.exercise == k) * 1.0 for k in (1, 2)]
    dummies += [(d.active == k) * 1.0 for k in (1, 2)]
    x = np.column_stack([np.ones(len(d)), *cols, *dummies]).astype(float)
    x[:, 1:] = (x[:, 1:] - x[:, 1:].mean(0)) / x[:, 1:].std(0)
    a = d.qsmk.to_numpy(float)
    beta = np.zeros(x.shape[1])
    for _ in range(30):
        p = 1 / (1 + np.exp(-x @ beta))
        beta += np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]), x.T @ (a - p))
    p = 1 / (1 + np.exp(-x @ beta))
    w = np.where(a == 1, 1 / p, 1 / (1 - p))
    y = d.wt82_71.to_numpy()
    ipw = np.sum(w * a * y) / np.sum(w * a) - np.sum(w * (1 - a) * y) / np.sum(w * (1 - a))
    assert round(ipw, 1) == ds.published["ipw"]["value"] == 3.4
    assert ds.published["ipw"]["ci"] == (2.4, 4.5)


def test_lalonde_samples_and_experimental_benchmark():
    nsw = load_lalonde("nsw")
    check_dataset(nsw)
    assert nsw.data.shape == (445, 12) and nsw.data["treat"].sum() == 185
    assert nsw.graph.parents("treat") == []  # randomised
    t = nsw.data.loc[nsw.data.treat == 1, "re78"]
    c = nsw.data.loc[nsw.data.treat == 0, "re78"]
    diff = t.mean() - c.mean()
    pooled = np.sqrt(((len(t) - 1) * t.var() + (len(c) - 1) * c.var()) / (len(t) + len(c) - 2) * (1 / len(t) + 1 / len(c)))
    bench = nsw.published["experimental_benchmark"]
    assert round(diff) == bench["value"] and round(pooled) == bench["stderr"]
    cps = load_lalonde("cps")
    check_dataset(cps)
    assert cps.data.shape == (16177, 12) and cps.data["treat"].sum() == 185
    assert set(cps.graph.parents("treat")) == set(cps.covariates)
    assert ((cps.data["u74"] == 1) == (cps.data["re74"] == 0)).all()
    with pytest.raises(InvalidInputError, match="sample"):
        load_lalonde("psid")


def test_mroz_iv_estimate_reproduces_wooldridge_15_1():
    ds = load_mroz()
    check_dataset(ds)
    assert ds.data.shape == (428, 22) and ds.data["lwage"].notna().all()
    assert load_mroz(working_only=False).data.shape == (753, 22)
    assert ds.latent == ("ability",) and "ability" not in ds.data
    d = ds.data
    z = np.column_stack([np.ones(len(d)), d.fatheduc])
    x = np.column_stack([np.ones(len(d)), d.educ])
    y = d.lwage.to_numpy()
    beta = np.linalg.solve(z.T @ x, z.T @ y)
    resid = y - x @ beta
    sigma2 = resid @ resid / (len(y) - 2)
    zx = np.linalg.inv(z.T @ x)
    se = np.sqrt(np.diag(sigma2 * zx @ (z.T @ z) @ zx.T))
    pub = ds.published["iv_fatheduc"]
    assert round(beta[1], 4) == pub["value"] and round(se[1], 4) == pub["stderr"]
    ols = np.linalg.lstsq(x, y, rcond=None)[0]
    assert round(ols[1], 4) == ds.published["ols"]["value"]
