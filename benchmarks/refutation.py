"""Benchmark: causalkit refuters vs DoWhy's ``CausalModel.refute_estimate`` (backdoor.linear_regression).

Same data (n rows, p confounders, a continuous treatment with true effect 2), same number of
simulations; DoWhy's placebo uses ``placebo_type="permute"`` so both run the same test.
Two estimators on causalkit's side: plain OLS (what DoWhy's backdoor.linear_regression fits) and
causalkit's default regression_adjustment (OLS with treatment-covariate interactions). For each,
the batched path is also timed against causalkit's generic joblib path (one fit per replicate,
n_jobs=None), which must give the same refits to 1e-8 (asserted).

Run::

    OMP_NUM_THREADS=1 python benchmarks/refutation.py --n 10000 --p 10 --sims 100 --repeats 3
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import numpy as np
import pandas as pd

from causalkit.refutation import data_subset, placebo_treatment, random_common_cause


def make_data(n: int, p: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    t = X @ rng.uniform(0.2, 0.8, p) + rng.normal(size=n)
    y = 2.0 * t + X @ rng.uniform(-1, 1, p) + rng.normal(size=n)
    df = pd.DataFrame(X, columns=[f"w{i}" for i in range(p)])
    df["t"], df["y"] = t, y
    return df


def ols_callable(data: pd.DataFrame, treatment: str, outcome: str, adjustment: tuple[str, ...]) -> float:
    """Plain OLS via lstsq: forces causalkit's generic (joblib, one fit per replicate) path."""
    D = np.column_stack([np.ones(len(data)), data[list(adjustment)].to_numpy(), data[treatment].to_numpy()])
    return float(np.linalg.lstsq(D, data[outcome].to_numpy(), rcond=None)[0][-1])


def regression_callable(data: pd.DataFrame, treatment: str, outcome: str, adjustment: tuple[str, ...]) -> float:
    """causalkit's default regression estimator (interacted OLS, HC3) refitted one replicate at a time."""
    from causalkit.estimation import regression_adjustment

    return regression_adjustment(data, treatment, outcome, adjustment).value


def best_of(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--p", type=int, default=10)
    ap.add_argument("--sims", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3, help="best-of repeats for causalkit (DoWhy runs once)")
    args = ap.parse_args()

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    import dowhy
    from dowhy import CausalModel

    df = make_data(args.n, args.p)
    adj = [c for c in df.columns if c.startswith("w")]
    model = CausalModel(data=df, treatment="t", outcome="y", common_causes=adj)
    estimand = model.identify_effect(proceed_when_unidentifiable=True)
    est = model.estimate_effect(estimand, method_name="backdoor.linear_regression")
    spec = dict(treatment="t", outcome="y", adjustment=adj, n_simulations=args.sims, random_state=0)

    cases = [
        ("placebo_treatment (permute)", placebo_treatment,
         dict(method_name="placebo_treatment_refuter", placebo_type="permute")),
        ("random_common_cause", random_common_cause, dict(method_name="random_common_cause")),
        ("data_subset (80%)", data_subset, dict(method_name="data_subset_refuter", subset_fraction=0.8)),
    ]
    print(f"n={args.n}, p={args.p}, simulations={args.sims}; dowhy {dowhy.__version__}; "
          f"DoWhy OLS estimate {est.value:.5f}")
    header = ("| refuter | estimator | DoWhy s | causalkit batched s | causalkit joblib-path s "
              "| DoWhy / batched | DoWhy new effect | causalkit new effect |")
    print(header)
    print("|" + "---|" * 8)
    for name, ours, dowhy_kwargs in cases:
        t0 = time.perf_counter()
        ref = model.refute_estimate(estimand, est, num_simulations=args.sims, random_state=0, **dowhy_kwargs)
        t_dowhy = time.perf_counter() - t0
        for label, method, loop in [("OLS", "ols", ols_callable),
                                    ("regression (interacted)", "regression", regression_callable)]:
            t_fast, res = best_of(lambda ours=ours, method=method: ours(df, method=method, **spec), args.repeats)
            t_loop, res_loop = best_of(lambda ours=ours, loop=loop: ours(df, method=loop, **spec), 1)
            assert res.params["path"] == "batched-ols" and res_loop.params["path"] == "joblib"
            assert np.allclose(res.simulations, res_loop.simulations, rtol=1e-8, atol=1e-10)
            print(f"| {name} | {label} | {t_dowhy:.2f} | {t_fast:.3f} | {t_loop:.2f} | {t_dowhy / t_fast:.0f}x "
                  f"| {float(np.ravel(ref.new_effect)[0]):.4f} | {res.new_value:.4f} |")

if __name__ == "__main__":
    main()
