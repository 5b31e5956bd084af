"""Speed and accuracy of the causal-reasoning solver against a straightforward reference pipeline.

Corr2Cause: the causalkit solver (oracle PC memoised per premise, bitmask relations memoised per
equivalence class) against the reference a user would assemble from the libraries: causal-learn's
``pc`` run on the same independence oracle for every item, the class enumerated with
``causalkit.graphs.enumerate_dags`` and each relation checked with networkx path enumeration. Both
must give the same labels (checked). CLadder-style: the solver's throughput and accuracy.

    python benchmarks/bench_reasoning.py [--n 1000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import platform
import time

import networkx as nx
import numpy as np

from causalkit.bench import generate_cladder, generate_corr2cause
from causalkit.graphs import CausalGraph, enumerate_dags
from causalkit.reasoning import parse_corr2cause, solve
from causalkit.reasoning.facts import make_oracle_test


def _reference_relation(dag: nx.DiGraph, rel: str, x: str, y: str, order: list[str]) -> bool:
    if rel in ("child", "descendant"):
        rel, x, y = {"child": "parent", "descendant": "ancestor"}[rel], y, x
    if rel == "parent":
        return dag.has_edge(x, y)
    if rel == "ancestor":
        return any(len(p) >= 3 for p in nx.all_simple_paths(dag, x, y))
    others = [c for c in dag if c not in (x, y)]
    if rel == "collider":
        return any(set(a[:-1]).isdisjoint(b[:-1]) for c in others
                   for a in nx.all_simple_paths(dag, x, c) for b in nx.all_simple_paths(dag, y, c))
    a_, b_ = sorted((x, y), key=order.index)  # Corr2Cause's rule: a common cause that is a parent of the later one
    return any(dag.has_edge(c, b_) and any(b_ not in p for p in nx.all_simple_paths(dag, c, a_)) for c in others)


def reference_answer(text: str) -> str:
    """causal-learn PC on the oracle + enumerate_dags + networkx paths, nothing memoised."""
    from causallearn.search.ConstraintBased.PC import pc as cl_pc

    from causalkit.discovery._causallearn import CITBridge, graph_from_causallearn

    p = parse_corr2cause(text)
    names = list(p.variables)
    data = np.random.default_rng(0).normal(size=(12, len(names)))
    bridge = CITBridge(data, make_oracle_test(p.facts))
    with contextlib.redirect_stdout(io.StringIO()):
        cg = cl_pc(data, 0.5, CITBridge.METHOD, show_progress=False, node_names=names, **bridge.kwargs())
    cpdag, _ = graph_from_causallearn(cg.G, names)
    dags = enumerate_dags(CausalGraph(nodes=names, edges=cpdag.edges()))
    h = p.hypothesis
    ok = all(_reference_relation(d.to_networkx(), h.relation, h.x, h.y, names) for d in dags)
    return "yes" if ok else "no"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    print(f"# causal reasoning benchmark ({platform.python_version()}, {platform.machine()})")

    items = generate_corr2cause(args.n, random_state=0)
    t = time.perf_counter()
    ours = [solve(it.question).answer for it in items]
    t_ours = time.perf_counter() - t
    pick = np.random.default_rng(1).choice(len(items), size=min(len(items), 300), replace=False)
    ref_items = [items[i] for i in pick]
    t = time.perf_counter()
    ref = [reference_answer(it.question) for it in ref_items]
    t_ref = time.perf_counter() - t
    agree = sum(ours[i] == r for i, r in zip(pick, ref, strict=True))
    acc = np.mean([a == it.answer for a, it in zip(ours, items, strict=True)])
    per_ours, per_ref = t_ours / len(items), t_ref / len(ref_items)
    print(f"corr2cause: {len(items)} items, causalkit solver {per_ours * 1e3:.2f} ms/item (accuracy {acc:.3f}); "
          f"reference {per_ref * 1e3:.1f} ms/item on {len(ref_items)} items (agrees on {agree}/{len(ref_items)}); "
          f"speed-up x{per_ref / per_ours:.0f}")

    cl = generate_cladder(max(args.n // 2, 50), random_state=0)
    t = time.perf_counter()
    answers = [solve(it.question).answer for it in cl]
    t_cl = time.perf_counter() - t
    acc = np.mean([a == it.answer for a, it in zip(answers, cl, strict=True)])
    print(f"cladder-style: {len(cl)} items, solver {t_cl / len(cl) * 1e3:.2f} ms/item, accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
