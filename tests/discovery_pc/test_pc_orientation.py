"""The matrix-based orientation machinery against causal-learn's GeneralGraph / CausalGraph."""

import warnings

import numpy as np
import pytest
from causallearn.graph.Edge import Edge
from causallearn.graph.Endpoint import Endpoint
from causallearn.graph.GraphClass import CausalGraph as CLGraph
from causallearn.utils.PCUtils import Meek

from causalkit.discovery._orientation import (
    EndpointGraph,
    kites,
    meek,
    triangles,
    unshielded_triples,
)


def _random_pair_graphs(n, p_edge, n_orient, rng):
    """The same random partially oriented graph built in causal-learn and in EndpointGraph."""
    adj = np.triu(rng.random((n, n)) < p_edge, 1)
    adj = adj | adj.T
    cl = CLGraph(n)
    nodes = cl.G.nodes
    for i in range(n):
        for j in range(i + 1, n):
            if not adj[i, j]:
                cl.G.remove_edge(cl.G.get_edge(nodes[i], nodes[j]))
    ours = EndpointGraph(adj)
    pairs = np.argwhere(np.triu(adj, 1))
    for _ in range(n_orient):  # re-orienting edges exercises causal-learn's dpath rebuilds
        if not len(pairs):
            break
        i, j = pairs[rng.integers(len(pairs))]
        if rng.random() < 0.5:
            i, j = j, i
        i, j = int(i), int(j)
        cl.G.remove_edge(cl.G.get_edge(nodes[i], nodes[j]))
        cl.G.add_edge(Edge(nodes[i], nodes[j], Endpoint.TAIL, Endpoint.ARROW))
        ours.orient(i, j)
    return cl, ours


@pytest.mark.parametrize("seed", range(6))
def test_dpath_replicates_causallearn(seed):
    rng = np.random.default_rng(seed)
    cl, ours = _random_pair_graphs(12, 0.35, 25, rng)
    np.testing.assert_array_equal(ours.matrix(), cl.G.graph)
    # causal-learn's dpath[j, i] == 1 means "i is an ancestor of j"; it is not a true closure
    np.testing.assert_array_equal(ours._materialise(), cl.G.dpath == 1)


@pytest.mark.parametrize("seed", range(6))
def test_enumeration_orders_match(seed):
    rng = np.random.default_rng(10 + seed)
    cl, ours = _random_pair_graphs(11, 0.45, 8, rng)
    m = ours.matrix()
    assert unshielded_triples(m) == [tuple(map(int, t)) for t in cl.find_unshielded_triples()]
    tri = triangles(m)
    assert tri == [tuple(map(int, t)) for t in cl.find_triangles()]
    assert kites(m, tri) == [tuple(map(int, t)) for t in cl.find_kites()]


@pytest.mark.parametrize("seed", range(8))
def test_meek_matches_causallearn_on_random_partial_orientations(seed):
    rng = np.random.default_rng(100 + seed)
    cl, ours = _random_pair_graphs(10, 0.4, 4 + seed, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = Meek.meek(cl).G.graph
    meek(ours)
    np.testing.assert_array_equal(ours.matrix(), expected)


def test_meek_rule1_orients_away_from_collider():
    # a --> c <-- b, c --- d: rule 1 gives c --> d
    adj = np.zeros((4, 4), dtype=bool)
    for i, j in [(0, 2), (1, 2), (2, 3)]:
        adj[i, j] = adj[j, i] = True
    G = EndpointGraph(adj)
    G.orient(0, 2)
    G.orient(1, 2)
    meek(G)
    assert G.is_directed(2, 3)
    assert not G.is_directed(3, 2)
