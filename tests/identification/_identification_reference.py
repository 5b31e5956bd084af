"""Independent reference implementations for the identification tests.

Nothing here uses causalkit's identification code: brute-force path enumeration for the adjustment
criterion, brute-force Markov equivalence classes, and exact discrete SCMs with latent variables whose
interventional distributions are computed by the truncated factorisation.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd


# ------------------------------------------------------------------------------------ random graphs
def random_dag(rng: np.random.Generator, p: int, prob: float) -> nx.DiGraph:
    names = [f"V{i}" for i in range(p)]
    g = nx.DiGraph()
    g.add_nodes_from(names)
    for i, j in itertools.combinations(range(p), 2):
        if rng.random() < prob:
            g.add_edge(names[i], names[j])
    return g


def random_admg(
    rng: np.random.Generator, p: int, prob: float, n_bi: int
) -> tuple[list[str], nx.DiGraph]:
    """Edges as strings (for causalkit) and the DAG with explicit latents ``L0, L1, ...``."""
    dag = random_dag(rng, p, prob)
    edges = [f"{u} --> {v}" for u, v in dag.edges]
    full = dag.copy()
    pairs = list(itertools.combinations(sorted(dag.nodes), 2))
    for k, idx in enumerate(rng.choice(len(pairs), size=min(n_bi, len(pairs)), replace=False)):
        u, v = pairs[idx]
        edges.append(f"{u} <-> {v}")
        full.add_edge(f"L{k}", u)
        full.add_edge(f"L{k}", v)
    return edges, full


# ------------------------------------------------------------------------------------ adjustment by paths
def _skeleton_paths(dag: nx.DiGraph, x, y):
    return nx.all_simple_paths(dag.to_undirected(as_view=True), x, y)


def _blocked(dag: nx.DiGraph, path, z: set) -> bool:
    anz = set(z).union(*(nx.ancestors(dag, n) for n in z)) if z else set()
    for a, b, c in zip(path, path[1:], path[2:], strict=False):
        collider = dag.has_edge(a, b) and dag.has_edge(c, b)
        if (collider and b not in anz) or (not collider and b in z):
            return True
    return False


def adjustment_valid_by_paths(dag: nx.DiGraph, x, y, z) -> bool:
    """Shpitser, VanderWeele & Robins (2010) adjustment criterion by enumerating every path."""
    z = set(z)
    causal_nodes = set()
    for path in nx.all_simple_paths(dag, x, y):
        causal_nodes |= set(path[1:])
    forbidden = (
        set(causal_nodes).union(*(nx.descendants(dag, w) for w in causal_nodes))
        if causal_nodes
        else set()
    )
    if z & (forbidden | {x}):
        return False
    for path in _skeleton_paths(dag, x, y):
        causal = all(dag.has_edge(a, b) for a, b in zip(path, path[1:], strict=False))
        if not causal and not _blocked(dag, path, z):
            return False
    return True


def minimal_valid_sets_bruteforce(dag: nx.DiGraph, x, y, observed) -> set[frozenset]:
    cands = [n for n in observed if n not in (x, y)]
    valid = [
        frozenset(c)
        for k in range(len(cands) + 1)
        for c in itertools.combinations(cands, k)
        if adjustment_valid_by_paths(dag, x, y, c)
    ]
    return {v for v in valid if not any(w < v for w in valid)}, set(valid)


# ------------------------------------------------------------------------------------ equivalence classes
def _v_structures(dag: nx.DiGraph) -> set:
    out = set()
    for b in dag.nodes:
        for a, c in itertools.combinations(sorted(dag.predecessors(b)), 2):
            if not dag.has_edge(a, c) and not dag.has_edge(c, a):
                out.add((a, b, c))
    return out


def markov_class(dag: nx.DiGraph) -> list[nx.DiGraph]:
    """Every DAG Markov equivalent to ``dag`` (brute force over orientations of the skeleton)."""
    edges = list(dag.edges)
    target = _v_structures(dag)
    members = []
    for flips in itertools.product([False, True], repeat=len(edges)):
        g = nx.DiGraph()
        g.add_nodes_from(dag.nodes)
        g.add_edges_from((v, u) if f else (u, v) for (u, v), f in zip(edges, flips, strict=True))
        if nx.is_directed_acyclic_graph(g) and _v_structures(g) == target:
            members.append(g)
    return members


def cpdag_edges(dag: nx.DiGraph, members: list[nx.DiGraph]) -> list[str]:
    out = []
    for u, v in dag.edges:
        if all(m.has_edge(u, v) for m in members):
            out.append(f"{u} --> {v}")
        else:
            out.append(f"{u} --- {v}")
    return out


# ------------------------------------------------------------------------------------ discrete SCMs
class DiscreteSCM:
    """Binary variables on a DAG (latents included) with random conditional probability tables."""

    def __init__(self, dag: nx.DiGraph, rng: np.random.Generator):
        self.dag = dag
        self.order = list(nx.topological_sort(dag))
        self.cpt = {
            n: rng.uniform(0.1, 0.9, size=2 ** len(list(dag.predecessors(n)))) for n in self.order
        }

    def _joint(self, do: dict | None = None) -> pd.DataFrame:
        do = do or {}
        rows = []
        for values in itertools.product([0, 1], repeat=len(self.order)):
            a = dict(zip(self.order, values, strict=True))
            p = 1.0
            for n in self.order:
                if n in do:
                    p *= 1.0 if a[n] == do[n] else 0.0
                    continue
                pa = sorted(self.dag.predecessors(n))
                idx = sum(a[q] << k for k, q in enumerate(pa))
                p1 = self.cpt[n][idx]
                p *= p1 if a[n] == 1 else 1 - p1
            rows.append({**a, "p": p})
        return pd.DataFrame(rows)

    def observed_table(self, observed) -> pd.DataFrame:
        return self._joint().groupby(list(observed), as_index=False)["p"].sum()

    def do_prob(self, y: str, x: str, xv: int, yv: int = 1) -> float:
        j = self._joint({x: xv})
        return float(j.loc[j[y] == yv, "p"].sum())


def prob(table: pd.DataFrame, **values) -> float:
    mask = np.ones(len(table), dtype=bool)
    for k, v in values.items():
        mask &= (table[k] == v).to_numpy()
    return float(table.loc[mask, "p"].sum())


def backdoor_value(table: pd.DataFrame, x: str, y: str, z, xv: int, yv: int = 1) -> float:
    z = list(z)
    total = 0.0
    for zv in itertools.product([0, 1], repeat=len(z)):
        zd = dict(zip(z, zv, strict=True))
        pz = prob(table, **zd)
        pxz = prob(table, **{x: xv}, **zd)
        if pz > 0 and pxz > 0:
            total += prob(table, **{x: xv, y: yv}, **zd) / pxz * pz
    return total


def frontdoor_value(table: pd.DataFrame, x: str, y: str, m, xv: int, yv: int = 1) -> float:
    m = list(m)
    total = 0.0
    px = prob(table, **{x: xv})
    for mv in itertools.product([0, 1], repeat=len(m)):
        md = dict(zip(m, mv, strict=True))
        inner = 0.0
        for xp in (0, 1):
            pxm = prob(table, **{x: xp}, **md)
            if pxm > 0:
                inner += prob(table, **{x: xp, y: yv}, **md) / pxm * prob(table, **{x: xp})
        total += prob(table, **{x: xv}, **md) / px * inner
    return total
