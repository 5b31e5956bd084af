"""Accuracy and speed of causalkit.scm and causalkit.mediation against reference implementations.

* SCM: ``StructuralCausalModel`` vs DoWhy's ``gcm`` (auto-assigned invertible SCM) on a nonlinear SEM
  with known interventional means: fit time, query time, absolute error of ``E[Y | do(X=x)]``.
* Mediation: ``mediate`` (regression + bootstrap, regression + delta, simulation + bootstrap) vs
  statsmodels' ``Mediation`` (Imai et al.; bootstrap and parametric) on a linear SEM with an
  exposure-mediator interaction and known NDE / NIE.

Run: ``OMP_NUM_THREADS=1 python benchmarks/scm_mediation.py [--coverage]``. Each block times the
reference in the same run and prints the ratio.
"""

from __future__ import annotations

import sys
import time
import warnings

import networkx as nx
import numpy as np
import pandas as pd

from causalkit.mediation import mediate
from causalkit.scm import StructuralCausalModel

warnings.filterwarnings("ignore")


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


# ----------------------------------------------------------------------------- SCM vs dowhy.gcm
def nonlinear(n, rng, do_x=None):
    x = rng.uniform(-2, 2, n) if do_x is None else np.full(n, float(do_x))
    m = 2 * np.sin(x) + 0.3 * rng.normal(size=n)
    y = m**2 + x + 0.3 * rng.normal(size=n)
    return pd.DataFrame({"X": x, "M": m, "Y": y})


def bench_scm(n=2000, n_draw=20_000, xs=(-1.0, 0.0, 1.0, 1.5)):
    from dowhy import gcm

    gcm.config.disable_progress_bars()
    data = nonlinear(n, np.random.default_rng(0))
    truth = np.array([nonlinear(400_000, np.random.default_rng(9), do_x=x)["Y"].mean() for x in xs])
    edges = [("X", "M"), ("M", "Y"), ("X", "Y")]

    ours, t_fit = timed(lambda: StructuralCausalModel(edges, random_state=0).fit(data))
    est, t_q = timed(lambda: np.array([ours.interventional_mean("Y", {"X": x}, n=n_draw, random_state=1) for x in xs]))

    def fit_gcm():
        model = gcm.InvertibleStructuralCausalModel(nx.DiGraph(edges))
        gcm.auto.assign_causal_mechanisms(model, data)
        gcm.fit(model, data)
        return model

    ref, r_fit = timed(fit_gcm)
    ref_est, r_q = timed(lambda: np.array([
        gcm.interventional_samples(ref, {"X": lambda v, x=x: x}, num_samples_to_draw=n_draw)["Y"].mean() for x in xs
    ]))
    rows = [
        ("causalkit StructuralCausalModel", t_fit, t_q, np.abs(est - truth).max()),
        ("dowhy.gcm (auto, invertible)", r_fit, r_q, np.abs(ref_est - truth).max()),
    ]
    print(f"\nSCM: nonlinear SEM, n={n}, E[Y | do(X=x)] at x in {xs}, {n_draw} draws per query")
    print(f"{'implementation':<34}{'fit s':>8}{'queries s':>11}{'max |error|':>13}")
    for name, f, q, e in rows:
        print(f"{name:<34}{f:>8.2f}{q:>11.2f}{e:>13.3f}")
    print(f"speed ratio (dowhy / causalkit), fit+queries: {(r_fit + r_q) / (t_fit + t_q):.1f}x")


# ----------------------------------------------------------------------------- mediation vs statsmodels
B, C, D, E, F = 0.5, 1.2, 0.8, 0.3, 1.5


def linear_med(n, rng):
    z = rng.normal(size=n)
    x = rng.binomial(1, 1 / (1 + np.exp(-0.8 * z)))
    m = E + F * x + 0.5 * z + rng.normal(size=n)
    y = 1 + B * x + C * m + D * x * m + 0.7 * z + rng.normal(size=n)
    return pd.DataFrame({"X": x, "M": m, "Y": y, "Z": z})


def bench_mediation(n=1000, reps=500):
    import statsmodels.api as sm
    from statsmodels.stats.mediation import Mediation

    data = linear_med(n, np.random.default_rng(0))
    nde_true, nie_true = B + D * E, (C + D) * F
    rows = []
    for label, kw in [("causalkit regression+bootstrap", dict(n_boot=reps)),
                      ("causalkit regression+delta", dict(ci_method="delta")),
                      ("causalkit simulation+bootstrap", dict(method="simulation", n_boot=reps))]:
        res, t = timed(lambda kw=kw: mediate(data, "X", "M", "Y", ["Z"], random_state=0, **kw))
        rows.append((label, t, res.direct_effect.value, res.direct_effect.ci, res.indirect_effect.value,
                     res.indirect_effect.ci))

    def sm_fit(method):
        out = sm.OLS.from_formula("Y ~ X + M + X:M + Z", data)
        med = sm.OLS.from_formula("M ~ X + Z", data)
        return Mediation(out, med, "X", "M").fit(method=method, n_rep=reps, rng=np.random.default_rng(0)).summary()

    for method in ("bootstrap", "parametric"):
        s, t = timed(lambda method=method: sm_fit(method))
        rows.append((f"statsmodels Mediation ({method})", t, s.loc["ADE (control)", "Estimate"],
                     tuple(s.loc["ADE (control)", ["Lower CI bound", "Upper CI bound"]]),
                     s.loc["ACME (treated)", "Estimate"],
                     tuple(s.loc["ACME (treated)", ["Lower CI bound", "Upper CI bound"]])))
    print(f"\nMediation: linear SEM with X*M interaction, n={n}, {reps} replicates; "
          f"truth NDE={nde_true:.3f}, NIE={nie_true:.3f}")
    print(f"{'implementation':<38}{'time s':>8}{'NDE':>8}{'NDE CI':>18}{'NIE':>8}{'NIE CI':>18}")
    for name, t, nde, nde_ci, nie, nie_ci in rows:
        print(f"{name:<38}{t:>8.2f}{nde:>8.3f}  [{nde_ci[0]:.2f}, {nde_ci[1]:.2f}]{nie:>10.3f}  "
              f"[{nie_ci[0]:.2f}, {nie_ci[1]:.2f}]")
    ours = rows[0][1]
    ref = rows[3][1]
    print(f"speed ratio (statsmodels bootstrap / causalkit regression+bootstrap): {ref / ours:.1f}x")


def bench_coverage(reps=200, n=300, n_boot=500):
    nde_true, nie_true = B + D * E, (C + D) * F
    for ci_method in ("delta", "bootstrap"):
        hits = np.zeros(3)
        t0 = time.perf_counter()
        for r in range(reps):
            res = mediate(linear_med(n, np.random.default_rng(5000 + r)), "X", "M", "Y", ["Z"],
                          ci_method=ci_method, n_boot=n_boot, random_state=r)
            for i, (est, true) in enumerate(((res.direct_effect, nde_true), (res.indirect_effect, nie_true),
                                             (res.total_effect, nde_true + nie_true))):
                hits[i] += est.ci[0] <= true <= est.ci[1]
        cov = hits / reps
        print(f"coverage of 95% CIs, {ci_method:<9} ({reps} reps, n={n}): NDE {cov[0]:.3f}  NIE {cov[1]:.3f}  "
              f"TE {cov[2]:.3f}  [{time.perf_counter() - t0:.0f} s]")


if __name__ == "__main__":
    bench_scm()
    bench_mediation()
    if "--coverage" in sys.argv:
        bench_coverage()
