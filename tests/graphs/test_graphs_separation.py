"""d-/m-separation against networkx, and implied independencies."""

import itertools

import networkx as nx
import numpy as np
import pytest

from causalkit.datasets import random_dag
from causalkit.exceptions import GraphError, InvalidInputError, UnknownNodeError
from causalkit.graphs import d_separated, from_edge_list, independencies


@pytest.mark.parametrize("seed", range(10))
def test_d_separation_equals_networkx_on_random_dags(seed):
    rng = np.random.default_rng(seed)
    g = random_dag(8, expected_degree=2.5, random_state=seed)
    d = nx.DiGraph([(e.u, e.v) for e in g.edges()])
    d.add_nodes_from(g.nodes)
    for _ in range(40):
        perm = rng.permutation(g.nodes)
        x, y, z = {perm[0]}, {perm[1]}, set(perm[2 : 2 + rng.integers(0, 4)])
        assert d_separated(g, x, y, z) == nx.is_d_separator(d, x, y, z)


def test_m_separation_in_admgs_by_hand():
    g = from_edge_list("X <-> M; Y --> M; M --> W")
    assert d_separated(g, "X", "Y")
    assert not d_separated(g, "X", "Y", "M")
    assert not d_separated(g, "X", "Y", "W")  # descendant of the collider
    assert not d_separated("X <-> Y", "X", "Y")
    iv = from_edge_list("Z --> X; X --> Y; X <-> U; U --> Y")
    assert not d_separated(iv, "Z", "Y", "X")
    assert d_separated(from_edge_list("A <-> B; B <-> C"), "A", "C")
    assert not d_separated(from_edge_list("A <-> B; B <-> C"), "A", "C", "B")


def test_m_separation_equals_explicit_latent_dag():
    rng = np.random.default_rng(3)
    for seed in range(5):
        g = random_dag(6, expected_degree=2, random_state=seed)
        nodes = g.nodes
        pairs = [p for p in itertools.combinations(nodes, 2) if not g.has_edge(*p)]
        for u, v in pairs[:2]:  # add two bidirected edges
            g.add_edge(u, v, "<->")
        dag = nx.DiGraph([(e.u, e.v) for e in g.edges("-->")])
        dag.add_nodes_from(nodes)
        for i, e in enumerate(g.edges("<->")):
            dag.add_edges_from([(f"L{i}", e.u), (f"L{i}", e.v)])
        for _ in range(20):
            perm = rng.permutation(nodes)
            x, y, z = {perm[0]}, {perm[1]}, set(perm[2 : 2 + rng.integers(0, 3)])
            assert d_separated(g, x, y, z) == nx.is_d_separator(dag, x, y, z)


def test_d_separation_errors():
    g = from_edge_list("A -> B; B -> C")
    with pytest.raises(UnknownNodeError, match="'Q'"):
        d_separated(g, "A", "Q")
    with pytest.raises(InvalidInputError, match="'B'.*disjoint"):
        d_separated(g, "A", "B", ["B"])
    with pytest.raises(InvalidInputError, match="at least one"):
        d_separated(g, [], "C")
    with pytest.raises(GraphError, match="DAG or ADMG.*CPDAG"):
        d_separated("A --- B; B -> C", "A", "C")
    with pytest.raises(GraphError, match="DAG or ADMG.*PAG"):
        d_separated("A o-> B", "A", "B")
    with pytest.raises(GraphError, match="cycle"):
        d_separated("A -> B; B -> C; C -> A", "A", "B")


def test_independencies_small_graphs():
    assert [str(i) for i in independencies("X -> M; M -> Y")] == ["X _||_ Y | M"]
    assert [str(i) for i in independencies("X -> C; Y -> C")] == ["X _||_ Y"]
    assert independencies("X -> M; M -> Y", max_conditioning=0) == []
    assert independencies("X <-> Y; Y <-> Z; X --> Z") == []


@pytest.mark.parametrize("seed", range(4))
def test_independencies_are_valid_minimal_and_complete(seed):
    g = random_dag(6, expected_degree=2, random_state=seed)
    if seed % 2:
        free = [p for p in itertools.combinations(g.nodes, 2) if not g.has_edge(*p)]
        if free:
            g.add_edge(*free[0], "<->")
    found = {(i.x, i.y): set(i.given) for i in independencies(g)}
    for a, b in itertools.combinations(g.nodes, 2):
        if g.has_edge(a, b):
            assert (a, b) not in found
            continue
        others = [n for n in g.nodes if n not in (a, b)]
        separable = any(d_separated(g, a, b, s) for k in range(len(others) + 1) for s in itertools.combinations(others, k))
        assert ((a, b) in found) == separable
        if separable:
            z = found[(a, b)]
            assert d_separated(g, a, b, z)
            assert not any(d_separated(g, a, b, z - {w}) for w in z)  # minimal
    small = independencies(g, max_conditioning=1)
    assert all(len(i.given) <= 1 and d_separated(g, i.x, i.y, i.given) for i in small)
