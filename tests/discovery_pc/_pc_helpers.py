"""Small local helpers for the PC tests and benchmark: random DAGs, linear-Gaussian data, comparisons."""

from __future__ import annotations

import numpy as np


def random_dag(n_nodes: int, expected_degree: float, rng: np.random.Generator) -> np.ndarray:
    """Adjacency ``B[i, j] = 1`` for ``i --> j``; nodes in a random causal order."""
    p = min(1.0, expected_degree / max(n_nodes - 1, 1))
    lower = np.tril(rng.random((n_nodes, n_nodes)) < p, -1)  # j > i edges after transpose
    perm = rng.permutation(n_nodes)
    B = np.zeros((n_nodes, n_nodes), dtype=int)
    src, dst = np.nonzero(lower.T)  # src < dst in the causal order
    B[perm[src], perm[dst]] = 1
    return B


def linear_gaussian(B: np.ndarray, n_rows: int, rng: np.random.Generator,
                    low: float = 0.5, high: float = 1.0, signed: bool = True) -> np.ndarray:
    """Data from ``X_j = sum_i w_ij X_i + e_j``, weights ``±U(low, high)``, N(0, 1) noise.

    ``signed=False`` draws positive weights only (no cancelling paths: faithful in practice).
    Each variable is standardised once generated, so that variances do not grow along paths
    (which would make some relations nearly deterministic).
    """
    n = B.shape[0]
    W = B * rng.uniform(low, high, size=B.shape)
    if signed:
        W *= rng.choice([-1.0, 1.0], size=B.shape)
    order = _topological(B)
    X = rng.standard_normal((n_rows, n))
    for j in order:
        parents = np.flatnonzero(B[:, j])
        if len(parents):
            X[:, j] += X[:, parents] @ W[parents, j]
        X[:, j] /= X[:, j].std()
    return X


def _topological(B: np.ndarray) -> list[int]:
    indeg = B.sum(axis=0).astype(int)
    order, ready = [], [int(i) for i in np.flatnonzero(indeg == 0)]
    while ready:
        i = ready.pop()
        order.append(i)
        for j in np.flatnonzero(B[i]):
            indeg[j] -= 1
            if indeg[j] == 0:
                ready.append(int(j))
    return order


def marks(matrix: np.ndarray) -> set[tuple[int, int, int, int]]:
    """An endpoint matrix (causal-learn encoding) as a set of ``(i, j, mark_i, mark_j)``, ``i < j``."""
    m = np.asarray(matrix)
    ii, jj = np.nonzero(np.triu((m != 0) | (m.T != 0), 1))
    return {(int(i), int(j), int(m[i, j]), int(m[j, i])) for i, j in zip(ii, jj, strict=True)}


def skeleton(matrix: np.ndarray) -> set[tuple[int, int]]:
    """Adjacent pairs ``(i, j)``, ``i < j``."""
    return {(i, j) for i, j, _, _ in marks(matrix)}


def true_cpdag(B: np.ndarray) -> np.ndarray:
    """The CPDAG of DAG ``B`` as an endpoint matrix (causal-learn's dag2cpdag)."""
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    nodes = [GraphNode(f"X{i + 1}") for i in range(B.shape[0])]
    dag = Dag(nodes)
    for i, j in zip(*np.nonzero(B), strict=True):
        dag.add_directed_edge(nodes[i], nodes[j])
    return dag2cpdag(dag).graph


def shd(est: np.ndarray, truth: np.ndarray) -> int:
    """Structural Hamming distance between two endpoint matrices: one per pair that differs."""
    a, b = marks(est), marks(truth)
    da = {(i, j): (mi, mj) for i, j, mi, mj in a}
    db = {(i, j): (mi, mj) for i, j, mi, mj in b}
    return sum(1 for pair in set(da) | set(db) if da.get(pair) != db.get(pair))
