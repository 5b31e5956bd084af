"""Speed and accuracy of regression adjustment, IPW and AIPW against reference implementations.

Speed: each causalkit estimator and its reference are timed in the same run on the same data
(median of ``--repeat`` runs, one BLAS thread) and the ratio is printed:

* ``aipw`` vs DoubleML ``DoubleMLIRM`` (same learners, same folds: the estimates agree to 1e-9);
* ``ipw`` (M-estimation sandwich) vs statsmodels ``Logit`` + ``WLS(cov_type="HC1")`` (fixed-weight SE);
* ``regression_adjustment`` (Lin-interacted OLS, HC3) vs statsmodels ``OLS`` on the interacted design.

Accuracy: bias, RMSE and 95% CI coverage over ``--reps`` simulated data sets with a known ATE/ATT
(the design of ``tests/estimation_basic/estbasic_helpers.py``).

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_estimation_basic.py --reps 1000``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import statsmodels.api as sm
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "estimation_basic"))
from estbasic_helpers import TRUTH, simulate  # noqa: E402

from causalkit.estimation import LogisticPropensity, aipw, ipw, regression_adjustment  # noqa: E402
from causalkit.estimation.propensity import cross_fit_splits  # noqa: E402


def _wide(n: int, p: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    e = 1 / (1 + np.exp(-(X[:, :3] @ np.array([0.8, -0.6, 0.4]))))
    t = (rng.random(n) < e).astype(int)
    y = X[:, :5].sum(axis=1) + t * (2 + X[:, 0]) + rng.normal(size=n)
    import pandas as pd

    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(p)])
    df["t"], df["y"] = t, y
    return df, [f"x{i}" for i in range(p)]


def _time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def speed(n: int, p: int, repeat: int) -> list[tuple[str, float, float, float]]:
    import doubleml
    from sklearn.linear_model import LinearRegression

    df, covs = _wide(n, p, 0)
    rows = []

    def ours_aipw():
        return aipw(df, "t", "y", covs, random_state=1).value

    def ref_aipw():
        folds = cross_fit_splits(df.t.to_numpy(), 5, np.random.default_rng(1))
        m = doubleml.DoubleMLIRM(
            doubleml.DoubleMLData(df, "y", "t", covs),
            LinearRegression(),
            LogisticPropensity(),
            n_folds=5,
            draw_sample_splitting=False,
        )
        m.set_sample_splitting([list(folds)])
        return m.fit().coef[0]

    def ours_ipw():
        return ipw(df, "t", "y", covs).value

    def ref_ipw():
        X = sm.add_constant(df[covs])
        e = sm.Logit(df.t, X).fit(disp=0).predict(X)
        w = np.where(df.t == 1, 1 / e, 1 / (1 - e))
        return (
            sm.WLS(df.y, sm.add_constant(df.t.astype(float)), weights=w)
            .fit(cov_type="HC1")
            .params["t"]
        )

    def ours_reg():
        return regression_adjustment(df, "t", "y", covs).value

    def ref_reg():
        Xc = df[covs] - df[covs].mean()
        Z = sm.add_constant(np.column_stack([df.t, df[covs], df.t.to_numpy()[:, None] * Xc]))
        return sm.OLS(df.y.to_numpy(), Z).fit(cov_type="HC3").params[1]

    for name, ours, ref in (
        ("aipw vs DoubleMLIRM", ours_aipw, ref_aipw),
        ("ipw vs statsmodels Logit+WLS", ours_ipw, ref_ipw),
        ("regression vs statsmodels OLS", ours_reg, ref_reg),
    ):
        t_ours, v_ours = _time(ours, repeat)
        t_ref, v_ref = _time(ref, repeat)
        rows.append((name, t_ours, t_ref, abs(float(v_ours) - float(v_ref))))
    return rows


def accuracy(reps: int, n: int) -> list[tuple[str, str, float, float, float, float]]:
    methods = {
        "regression": lambda d, est, r: regression_adjustment(
            d, "t", "y", ["x1", "x2"], estimand=est
        ),
        "ipw": lambda d, est, r: ipw(d, "t", "y", ["x1", "x2"], estimand=est),
        "ipw (robust SE)": lambda d, est, r: ipw(
            d, "t", "y", ["x1", "x2"], estimand=est, se="robust"
        ),
        "aipw": lambda d, est, r: aipw(d, "t", "y", ["x1", "x2"], estimand=est, random_state=r),
        "aipw (gbm)": lambda d, est, r: aipw(
            d,
            "t",
            "y",
            ["x1", "x2"],
            estimand=est,
            random_state=r,
            outcome_model="gbm",
            propensity_model="gbm",
        ),
    }
    rows = []
    for name, fn in methods.items():
        for estimand in ("ATE", "ATT"):
            r_use = reps if "gbm" not in name else min(max(reps // 5, 20), 100)
            vals, ses, cover = [], [], []
            for r in range(r_use):
                e = fn(simulate(n, 10_000 + r), estimand, r)
                vals.append(e.value)
                ses.append(e.stderr)
                cover.append(e.ci[0] <= TRUTH[estimand] <= e.ci[1])
            v = np.array(vals)
            rows.append(
                (
                    name,
                    estimand,
                    float(v.mean() - TRUTH[estimand]),
                    float(np.sqrt(np.mean((v - TRUTH[estimand]) ** 2))),
                    float(np.sqrt(np.mean(np.square(ses))) / v.std()),
                    float(np.mean(cover)),
                    r_use,
                )
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--n-acc", type=int, default=500)
    args = ap.parse_args()
    with threadpool_limits(limits=1):
        print(f"## Speed (n={args.n}, p={args.p}, median of {args.repeat}, one thread)\n")
        print(
            "| comparison | causalkit (s) | reference (s) | ratio ref/ours | abs. diff of estimates |"
        )
        print("|---|---|---|---|---|")
        for name, a, b, diff in speed(args.n, args.p, args.repeat):
            print(f"| {name} | {a:.3f} | {b:.3f} | {b / a:.2f} | {diff:.1e} |")
        print(
            f"\n## Accuracy (n={args.n_acc}; truth ATE={TRUTH['ATE']:.4f}, ATT={TRUTH['ATT']:.4f})\n"
        )
        print("| method | estimand | bias | RMSE | mean SE / SD | 95% CI coverage | reps |")
        print("|---|---|---|---|---|---|---|")
        for name, est, bias, rmse, ratio, cov, r in accuracy(args.reps, args.n_acc):
            print(f"| {name} | {est} | {bias:+.4f} | {rmse:.4f} | {ratio:.3f} | {cov:.3f} | {r} |")


if __name__ == "__main__":
    main()
