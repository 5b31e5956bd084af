"""Double machine learning: causalkit ``dml`` against DoubleML on the same data, learners and folds.

For PLR and IRM, ``n_rep`` 1 and 3, the script fits DoubleML (``DoubleMLPLR`` / ``DoubleMLIRM``) and
causalkit's ``dml`` with the same learner objects and DoubleML's own sample splits, checks that the
estimates and standard errors agree, and times:

* single-threaded: DoubleML ``fit()`` vs ``dml(..., n_jobs=1)`` (target ratio <= 1);
* two workers: DoubleML ``fit(n_jobs_cv=2)`` and ``dml(..., n_jobs=2)`` against single-threaded DoubleML
  (target: causalkit faster). causalkit submits the nuisance fits of all folds x repetitions as one
  joblib batch; DoubleML parallelises the folds of one nuisance at a time.

Each timing is the minimum over ``--repeat`` runs (the machine may be shared); BLAS/OpenMP are
limited to one thread so that parallelism comes only from joblib. The joblib worker pool is warmed
up once before timing.

Run: ``python benchmarks/estimation.py [--n 5000] [--p 20] [--learner hgb|rf] [--repeat 2] [--write]``

``--study REPS`` instead runs the accuracy study behind the choice of ``dml``'s default learners:
bias, Monte-Carlo SD, mean SE and 95% coverage of PLR (θ = 2) over REPS simulated data sets for two
confounding designs (``nl``: strongly nonlinear with an interaction; ``ccd``: nearly linear, as in
Chernozhukov et al. 2018), for each candidate learner, at ``--n`` rows and 10 covariates.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import doubleml  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)

from causalkit.estimation.dml import dml  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS_estimation.md"
BEGIN, END = "<!-- dml-speed:begin -->", "<!-- dml-speed:end -->"


def simulate(n: int, p: int, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """Nonlinear confounding; binary treatment so that PLR and IRM run on the same data."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    score = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] ** 2 - 0.5 + 0.5 * X[:, 2]
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-score))).astype(float)
    y = 1.0 * d + 2 * np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + np.abs(X[:, 2]) + rng.normal(size=n)
    cols = [f"x{i}" for i in range(p)]
    return pd.DataFrame(X, columns=cols).assign(d=d, y=y), cols


def learners(kind: str):
    if kind == "rf":
        return (RandomForestRegressor(100, min_samples_leaf=5, max_features=0.5, random_state=1, n_jobs=1),
                RandomForestClassifier(100, min_samples_leaf=5, max_features=0.5, random_state=2, n_jobs=1))
    return (HistGradientBoostingRegressor(max_iter=100, random_state=1),
            HistGradientBoostingClassifier(max_iter=100, random_state=2))


def study_data(kind: str, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """PLR designs of the learner study (θ = 2, 10 covariates)."""
    X = rng.normal(size=(n, 10))
    if kind == "nl":
        m = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 - 1 + 0.5 * X[:, 2] * X[:, 3]
        g = 2 * np.sin(2 * X[:, 0]) + (X[:, 1] ** 2 - 1) + np.abs(X[:, 2])
    else:
        m = X[:, 0] + 0.25 * np.exp(X[:, 2]) / (1 + np.exp(X[:, 2]))
        g = np.exp(X[:, 0]) / (1 + np.exp(X[:, 0])) + 0.25 * X[:, 2]
    d = m + rng.normal(size=n)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(10)]).assign(d=d, y=2.0 * d + g + rng.normal(size=n))


def study_candidates() -> dict:
    from sklearn.ensemble import StackingRegressor
    from sklearn.linear_model import LassoCV, LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer

    return {
        "default (short-stack)": None,
        "HistGradientBoosting": lambda: HistGradientBoostingRegressor(max_iter=100),
        "RandomForest(leaf 5)": lambda: RandomForestRegressor(200, min_samples_leaf=5, max_features=0.5),
        "LassoCV": lambda: LassoCV(cv=5, alphas=30),
        "StackingRegressor": lambda: StackingRegressor(
            [("spl", make_pipeline(SplineTransformer(n_knots=5), LassoCV(cv=5, alphas=30))),
             ("hgb", HistGradientBoostingRegressor(max_iter=100))],
            final_estimator=LinearRegression(positive=True), cv=3),
    }


def learner_study(reps: int, n: int) -> str:
    lines = [f"PLR, theta = 2, n = {n}, 10 covariates, 5 folds, {reps} replications per cell.\n",
             "| design | learner | bias | MC SD | mean SE | 95% coverage | s / estimate |",
             "|---|---|---|---|---|---|---|"]
    cols = [f"x{i}" for i in range(10)]
    for kind in ("nl", "ccd"):
        for name, make in study_candidates().items():
            vals, t0 = [], time.perf_counter()
            for r in range(reps):
                df = study_data(kind, n, np.random.default_rng(1000 + r))
                kw = {} if make is None else {"ml_l": make(), "ml_m": make()}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    e = dml(df, "d", "y", cols, random_state=r, **kw)
                vals.append((e.value - 2.0, e.stderr, e.ci[0] <= 2.0 <= e.ci[1]))
            a = np.array(vals, dtype=float)
            lines.append(f"| {kind} | {name} | {a[:, 0].mean():+.3f} | {a[:, 0].std():.3f} | {a[:, 1].mean():.3f} | "
                         f"{a[:, 2].mean():.2f} | {(time.perf_counter() - t0) / reps:.2f} |")
            print(lines[-1], flush=True)
    return "\n".join(lines) + "\n"


def _best(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_case(df, cols, model: str, n_rep: int, kind: str, repeat: int) -> dict:
    reg, clf = learners(kind)
    data = doubleml.DoubleMLData(df, "y", "d", cols)
    np.random.seed(n_rep)
    if model == "plr":
        obj = doubleml.DoubleMLPLR(data, reg, clf, n_folds=5, n_rep=n_rep)
        ours_kw = {"ml_l": reg, "ml_m": clf}
    else:
        obj = doubleml.DoubleMLIRM(data, reg, clf, n_folds=5, n_rep=n_rep)
        ours_kw = {"ml_g": reg, "ml_m": clf}
    smpls = obj.smpls

    def ref(n_jobs=None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj.fit(n_jobs_cv=n_jobs, store_predictions=False)
        return float(obj.coef[0]), float(obj.se[0])

    def ours(n_jobs):
        e = dml(df, "d", "y", cols, model=model, folds=smpls, n_jobs=n_jobs, **ours_kw)
        return e.value, e.stderr

    t_ref1, (c_ref, s_ref) = _best(lambda: ref(None), repeat)
    t_our1, (c1, s1) = _best(lambda: ours(1), repeat)
    t_ref2, _ = _best(lambda: ref(2), repeat)
    t_our2, (c2, s2) = _best(lambda: ours(2), repeat)
    return {
        "model": model, "n_rep": n_rep, "learner": kind,
        "doubleml_1": t_ref1, "causalkit_1": t_our1, "doubleml_2": t_ref2, "causalkit_2": t_our2,
        "max_abs_diff": max(abs(c_ref - c1), abs(s_ref - s1), abs(c_ref - c2), abs(s_ref - s2)),
        "estimate": c1, "stderr": s1,
    }


def to_markdown(rows: list[dict], args) -> str:
    head = (
        f"n = {args.n}, p = {args.p}, 5 folds, learner = {args.learner}, best of {args.repeat} runs; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, Python "
        f"{platform.python_version()}, DoubleML {doubleml.__version__}.\n\n"
        "| model | n_rep | DoubleML 1 job (s) | causalkit n_jobs=1 (s) | ratio | DoubleML n_jobs_cv=2 (s) "
        "| causalkit n_jobs=2 (s) | speed-up vs DoubleML 1 job | max abs diff (coef, se) |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r['model']} | {r['n_rep']} | {r['doubleml_1']:.2f} | {r['causalkit_1']:.2f} | "
        f"{r['causalkit_1'] / r['doubleml_1']:.2f} | {r['doubleml_2']:.2f} | {r['causalkit_2']:.2f} | "
        f"{r['doubleml_1'] / r['causalkit_2']:.2f}x | {r['max_abs_diff']:.1e} |\n"
        for r in rows
    )
    return head + body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--learner", choices=["hgb", "rf"], default="hgb")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--models", default="plr,irm")
    ap.add_argument("--write", action="store_true", help=f"write the table into {RESULTS.name}")
    ap.add_argument("--study", type=int, default=0, metavar="REPS", help="run the learner study instead")
    args = ap.parse_args()
    if args.study:
        print(learner_study(args.study, args.n))
        return
    df, cols = simulate(args.n, args.p)
    from joblib import Parallel, delayed

    reg, _ = learners(args.learner)
    X, y = df[cols].to_numpy()[:500], df["y"].to_numpy()[:500]
    Parallel(n_jobs=2)(delayed(reg.fit)(X, y) for _ in range(4))  # warm up the workers (imports)
    rows = []
    for model in args.models.split(","):
        for n_rep in (1, 3):
            r = run_case(df, cols, model, n_rep, args.learner, args.repeat)
            rows.append(r)
            print(f"{model} n_rep={n_rep}: DoubleML {r['doubleml_1']:.2f}s, causalkit {r['causalkit_1']:.2f}s "
                  f"(ratio {r['causalkit_1'] / r['doubleml_1']:.2f}); n_jobs=2: DoubleML {r['doubleml_2']:.2f}s, "
                  f"causalkit {r['causalkit_2']:.2f}s; max diff {r['max_abs_diff']:.1e}", flush=True)
            if r["max_abs_diff"] > 1e-8:
                raise SystemExit(f"estimates disagree with DoubleML: {r}")
    table = to_markdown(rows, args)
    print("\n" + table)
    if args.write:
        cmd = "python benchmarks/estimation.py " + " ".join(
            f"--{k} {v}" for k, v in (("n", args.n), ("p", args.p), ("learner", args.learner), ("repeat", args.repeat))
        )
        block = f"{BEGIN}\nCommand: `{cmd} --write`\n\n{table}{END}"
        text = RESULTS.read_text() if RESULTS.exists() else "# Estimation benchmarks: DML, IV, front-door\n"
        if BEGIN in text and END in text:
            text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):]
        else:
            text += "\n## Speed: `dml` vs DoubleML\n\n" + block + "\n"
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
