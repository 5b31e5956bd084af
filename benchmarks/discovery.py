"""Benchmark: causalkit's PC against causal-learn's PC (time, identical CPDAG, SHD to the truth).

Usage::

    python benchmarks/discovery.py            # 10, 20, 50 and 100 nodes (about 10 minutes)
    python benchmarks/discovery.py --quick    # 10 and 20 nodes (under a minute)

Each graph is a random DAG with expected degree 4 and linear-Gaussian data with 10,000 rows
(weights +-U(0.5, 1), each variable standardised). Both implementations run with the same options
(Fisher-z, alpha = 0.05, stable, uc_rule 0, uc_priority 2; causal-learn's progress bar off). Each
timing is the minimum of several runs, because the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "discovery_pc"))
from _pc_helpers import linear_gaussian, marks, random_dag, shd, true_cpdag  # noqa: E402

from causalkit.discovery.pc import pc  # noqa: E402


def _best_time(fn, repeats: int, budget: float = 0.0):
    """Minimum wall time over ``repeats`` runs (more, up to 50, while under ``budget`` seconds)."""
    best, out, spent, runs = float("inf"), None, 0.0, 0
    while runs < repeats or (spent < budget and runs < 50):
        start = time.perf_counter()
        out = fn()
        elapsed = time.perf_counter() - start
        best, spent, runs = min(best, elapsed), spent + elapsed, runs + 1
    return best, out


def run(sizes: list[int], n_rows: int, degree: float, repeats_ck: int, repeats_cl: int, seed: int) -> list[dict]:
    from causallearn.search.ConstraintBased.PC import pc as cl_pc

    rows = []
    pc(np.random.default_rng(0).standard_normal((200, 5)))  # warm imports and caches once
    for n_nodes in sizes:
        rng = np.random.default_rng(seed + n_nodes)
        B = random_dag(n_nodes, degree, rng)
        X = linear_gaussian(B, n_rows, rng)
        truth = true_cpdag(B)
        t_ck, res = _best_time(lambda X=X: pc(X), repeats_ck, budget=1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_cl, cg = _best_time(
                lambda X=X: cl_pc(X, 0.05, "fisherz", stable=True, show_progress=False), repeats_cl
            )
        ours, theirs = res.extra["endpoint_matrix"], cg.G.graph
        rows.append(
            {
                "nodes": n_nodes,
                "true edges": int(B.sum()),
                "CI tests": res.n_ci_tests,
                "causal-learn s": t_cl,
                "causalkit s": t_ck,
                "speed-up": t_cl / t_ck,
                "identical CPDAG": marks(ours) == marks(theirs),
                "SHD causalkit": shd(ours, truth),
                "SHD causal-learn": shd(theirs, truth),
            }
        )
        print(_row(rows[-1]), flush=True)
    return rows


_HEADER = ["nodes", "true edges", "CI tests", "causal-learn s", "causalkit s", "speed-up",
           "identical CPDAG", "SHD causalkit", "SHD causal-learn"]


def _row(r: dict) -> str:
    cells = []
    for k in _HEADER:
        v = r[k]
        if k == "speed-up":
            cells.append(f"{v:.0f}x")
        elif isinstance(v, float):
            cells.append(f"{v:.3f}")
        elif isinstance(v, bool):
            cells.append("yes" if v else "NO")
        else:
            cells.append(str(v))
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 and 20 nodes only, fewer repeats")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--degree", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sizes = [10, 20] if args.quick else [10, 20, 50, 100]
    repeats_ck, repeats_cl = (3, 2) if args.quick else (5, 3)
    print(f"PC, Fisher-z, alpha 0.05, {args.rows} rows, expected degree {args.degree}; "
          f"min of >= {repeats_ck} (causalkit, up to 50 within 1 s) / {repeats_cl} (causal-learn, 1 for 100 nodes) runs\n")
    print("| " + " | ".join(_HEADER) + " |")
    print("|" + "---|" * len(_HEADER))
    for n in sizes:
        run([n], args.rows, args.degree, repeats_ck, 1 if n >= 100 else repeats_cl, args.seed)


if __name__ == "__main__":
    main()
