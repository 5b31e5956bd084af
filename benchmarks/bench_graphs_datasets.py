"""Speed of causalkit's graph and data-simulation code against the reference implementations.

Each causalkit function and its reference run in the same process on the same inputs (median of
``--repeat`` runs, one BLAS thread); the script checks the outputs agree and prints the ratio:

* ``dag_to_cpdag`` vs causal-learn ``causallearn.utils.DAG2CPDAG.dag2cpdag`` on random DAGs
  (outputs must be identical);
* ``sample_network`` (numpy ancestral sampler) vs pgmpy ``BayesianModelSampling.forward_sample``
  on the bundled alarm network (marginals must agree within sampling error);
* ``d_separated`` vs ``networkx.is_d_separator`` called directly (the wrapper's overhead).

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_graphs_datasets.py``
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import networkx as nx
import numpy as np

from causalkit.datasets import random_dag, sample_network
from causalkit.datasets.discrete import _pgmpy_model
from causalkit.graphs import d_separated, dag_to_cpdag, parse_graph


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench_cpdag(n_graphs, n_nodes, repeat):
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    dags = [random_dag(n_nodes, expected_degree=3, random_state=s) for s in range(n_graphs)]
    cl = []
    for g in dags:
        nodes = {n: GraphNode(n) for n in g.nodes}
        d = Dag(list(nodes.values()))
        for e in g.edges():
            d.add_directed_edge(nodes[e.u], nodes[e.v])
        cl.append(d)
    t_ck, ours = timed(lambda: [dag_to_cpdag(g) for g in dags], repeat)
    t_cl, ref = timed(lambda: [dag2cpdag(d) for d in cl], repeat)
    assert all(a == parse_graph(b) for a, b in zip(ours, ref, strict=True)), "CPDAGs differ"
    return f"dag_to_cpdag, {n_graphs} DAGs x {n_nodes} nodes", t_ck, "causal-learn dag2cpdag", t_cl


def bench_sampler(n_samples, repeat):
    from pgmpy.sampling import BayesianModelSampling

    model = _pgmpy_model("alarm")
    t_ck, sim = timed(lambda: sample_network("alarm", n_samples, random_state=0), repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_pg, ref = timed(lambda: BayesianModelSampling(model).forward_sample(size=n_samples, seed=0, show_progress=False), repeat)
    states = sim.extra["state_names"]
    worst = 0.0
    for v in sim.nodes:
        ours = np.bincount(sim.data[v], minlength=len(states[v])) / n_samples
        theirs = ref[v].map({s: i for i, s in enumerate(states[v])}).value_counts(normalize=True).reindex(range(len(states[v])), fill_value=0).to_numpy()
        worst = max(worst, float(np.abs(ours - theirs).max()))
    assert worst < 0.02, f"marginals differ by {worst}"
    return f"sample_network('alarm', {n_samples})", t_ck, "pgmpy forward_sample", t_pg


def bench_dsep(n_queries, repeat):
    g = random_dag(30, expected_degree=3, random_state=0)
    d = nx.DiGraph([(e.u, e.v) for e in g.edges()])
    d.add_nodes_from(g.nodes)
    rng = np.random.default_rng(0)
    queries = []
    for _ in range(n_queries):
        p = rng.permutation(g.nodes)
        queries.append(({p[0]}, {p[1]}, set(p[2:6])))
    t_ck, a = timed(lambda: [d_separated(g, x, y, z) for x, y, z in queries], repeat)
    t_nx, b = timed(lambda: [nx.is_d_separator(d, x, y, z) for x, y, z in queries], repeat)
    assert a == b
    return f"d_separated, {n_queries} queries, 30-node DAG", t_ck, "networkx is_d_separator (no checks)", t_nx


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [
        bench_cpdag(50, 20, args.repeat),
        bench_sampler(20_000, args.repeat),
        bench_dsep(200, args.repeat),
    ]
    print(f"{'causalkit':52} {'s':>8}   {'reference':40} {'s':>8}  {'ref/ck':>7}")
    for name, t_ck, ref, t_ref in rows:
        print(f"{name:52} {t_ck:8.3f}   {ref:40} {t_ref:8.3f}  {t_ref / t_ck:7.2f}")


if __name__ == "__main__":
    main()
