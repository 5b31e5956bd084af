"""Accuracy and overhead of causalkit's FCI / GES / CD-NOD / LiNGAM against their references.

* FCI, GES: causalkit's wrappers vs calling causal-learn directly on the same data - the outputs
  must be identical; the ratio shows the wrapper's overhead (validation, CI-test bridge, conversion).
* LiNGAM: causalkit ``lingam`` vs the ``lingam`` package's ``DirectLiNGAM`` (the reference):
  causal-order agreement, max |B - B_ref|, time ratio.
* CD-NOD: causalkit ``cdnod`` (context test "lrt") vs causal-learn's ``cdnod`` (Fisher-z on the
  context label) on data where a mean, a coefficient and a variance change across 4 contexts:
  how often the changing modules are found exactly, and the SHD of the observed CPDAG.

Run::

    OMP_NUM_THREADS=1 python benchmarks/discovery_other.py --reps 10
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "discovery_other"))
from conftest import context_data, simulate_linear  # noqa: E402

from causalkit.datasets import random_dag  # noqa: E402
from causalkit.discovery import cdnod, fci, ges, lingam  # noqa: E402
from causalkit.discovery._causallearn import graph_from_causallearn, graph_from_matrix  # noqa: E402
from causalkit.graphs import CausalGraph, shd  # noqa: E402

warnings.filterwarnings("ignore")


def timed(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` silently (causal-learn prints and shows progress bars); return (seconds, output)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        return time.perf_counter() - t0, out


def dag(p: int, seed: int) -> CausalGraph:
    """A random DAG with expected degree 3 (about 1.5 p edges)."""
    return random_dag(p, 3.0, random_state=seed)


def bench_fci_ges(reps: int, p: int, n: int) -> list[str]:
    from causallearn.search.ConstraintBased.FCI import fci as cl_fci
    from causallearn.search.ScoreBased.GES import ges as cl_ges

    rows, same_f, same_g, tf, tfr, tg, tgr = [], 0, 0, [], [], [], []
    for seed in range(reps):
        df, _ = simulate_linear(dag(p, seed), n, seed)
        x, names = df.to_numpy(), list(df.columns)
        t1, ours = timed(fci, df)
        t2, (g, _) = timed(cl_fci, x, "fisherz", 0.05, show_progress=False, node_names=names)
        same_f += ours.graph == graph_from_causallearn(g, names)[0]
        tf.append(t1)
        tfr.append(t2)
        t1, ours = timed(ges, df)
        t2, rec = timed(cl_ges, x, node_names=names)
        same_g += ours.graph == graph_from_causallearn(rec["G"], names)[0]
        tg.append(t1)
        tgr.append(t2)
    rows.append(f"| FCI (p={p}, n={n}) | identical PAG {same_f}/{reps} | {np.mean(tf):.3f}s | {np.mean(tfr):.3f}s | {np.mean(tf) / np.mean(tfr):.2f} |")
    rows.append(f"| GES BIC (p={p}, n={n}) | identical CPDAG {same_g}/{reps} | {np.mean(tg):.3f}s | {np.mean(tgr):.3f}s | {np.mean(tg) / np.mean(tgr):.2f} |")
    return rows


def bench_lingam(reps: int, p: int, n: int) -> list[str]:
    import lingam as lingam_ref

    same, maxdiff, t_ours, t_ref = 0, 0.0, [], []
    for seed in range(reps):
        df, _ = simulate_linear(dag(p, seed), n, seed, noise="uniform")
        t1, ours = timed(lingam, df)
        t2, ref = timed(lingam_ref.DirectLiNGAM().fit, df.to_numpy())
        same += ours.extra["causal_order"] == [df.columns[i] for i in ref.causal_order_]
        maxdiff = max(maxdiff, float(np.abs(ours.extra["adjacency_matrix"] - ref.adjacency_matrix_).max()))
        t_ours.append(t1)
        t_ref.append(t2)
    return [f"| DirectLiNGAM (p={p}, n={n}) vs lingam pkg | same order {same}/{reps}, max abs B diff {maxdiff:.1e} "
            f"| {np.mean(t_ours):.3f}s | {np.mean(t_ref):.3f}s | {np.mean(t_ours) / np.mean(t_ref):.2f} |"]


def bench_cdnod(reps: int) -> list[str]:
    from causallearn.search.ConstraintBased.CDNOD import cdnod as cl_cdnod

    truth = CausalGraph(edges=["X1 --> X2", "X2 --> X3", "X4 --> X3", "X3 --> X5"])
    names = ["X1", "X2", "X3", "X4", "X5"]
    hit, hit_ref, shd_o, shd_r, t_o, t_r = 0, 0, [], [], [], []
    for seed in range(reps):
        df = context_data(seed, n_contexts=4, n_per=300)
        t1, ours = timed(cdnod, df, "domain")
        x, c = df[names].to_numpy(), df[["domain"]].to_numpy(dtype=float)
        t2, ref = timed(cl_cdnod, x, c, 0.05, "fisherz", show_progress=False)
        g_ref, _ = graph_from_matrix(ref.G.graph, names + ["domain"])
        hit += ours.extra["changing_modules"] == ["X2", "X3", "X4"]
        hit_ref += g_ref.adjacent("domain") == ["X2", "X3", "X4"]
        shd_o.append(shd(truth, ours.graph))
        shd_r.append(shd(truth, g_ref.subgraph(names)))
        t_o.append(t1)
        t_r.append(t2)
    return [f"| CD-NOD, 4 contexts, n=1200: changing modules exact | causalkit {hit}/{reps} vs causal-learn "
            f"{hit_ref}/{reps}; mean SHD {np.mean(shd_o):.2f} vs {np.mean(shd_r):.2f} | {np.mean(t_o):.3f}s "
            f"| {np.mean(t_r):.3f}s | {np.mean(t_o) / np.mean(t_r):.2f} |"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=10)
    args = parser.parse_args()
    print("| benchmark | accuracy | causalkit | reference | ratio |")
    print("|---|---|---|---|---|")
    for row in bench_fci_ges(args.reps, 8, 2000) + bench_lingam(args.reps, 8, 2000) + bench_cdnod(args.reps):
        print(row, flush=True)


if __name__ == "__main__":
    pd.set_option("display.width", 120)
    main()
