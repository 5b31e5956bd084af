"""Markov equivalence: CPDAGs against causal-learn, enumeration against brute force."""

import itertools

import networkx as nx
import pytest

from causalkit.datasets import random_dag
from causalkit.exceptions import GraphError, InvalidInputError
from causalkit.graphs import (
    CausalGraph,
    dag_to_cpdag,
    dag_to_pag,
    enumerate_dags,
    from_edge_list,
    is_markov_equivalent,
    meek_closure,
    parse_graph,
    v_structures,
)


def causallearn_cpdag(g: CausalGraph) -> CausalGraph:
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    nodes = {n: GraphNode(n) for n in g.nodes}
    d = Dag(list(nodes.values()))
    for e in g.edges():
        d.add_directed_edge(nodes[e.u], nodes[e.v])
    return parse_graph(dag2cpdag(d))


@pytest.mark.parametrize("seed", range(20))
def test_dag_to_cpdag_equals_causallearn(seed):
    g = random_dag(4 + seed % 8, expected_degree=1.5 + (seed % 4), random_state=seed)
    assert dag_to_cpdag(g) == causallearn_cpdag(g)


def test_dag_to_cpdag_by_hand():
    assert dag_to_cpdag("X -> Y; Y -> Z").to_edge_list() == ["X --- Y", "Y --- Z"]
    assert dag_to_cpdag("X -> Z; Y -> Z").to_edge_list() == ["X --> Z", "Y --> Z"]
    # Meek R1: the v-structure A -> C <- B forces C -> D
    assert sorted(dag_to_cpdag("A -> C; B -> C; C -> D").to_edge_list()) == ["A --> C", "B --> C", "C --> D"]
    with pytest.raises(GraphError, match="DAG"):
        dag_to_cpdag("A --- B")


def test_meek_rules():
    assert meek_closure("A -> B; B --- C").to_edge_list() == ["A --> B", "B --> C"]  # R1
    assert "A --> C" in meek_closure("A -> B; B -> C; A --- C").to_edge_list()  # R2
    r3 = meek_closure("A --- B; A --- C; A --- D; C -> B; D -> B")  # R3
    assert r3.is_directed_edge("A", "B")
    assert v_structures("X -> C; Y -> C; C -> Z") == {("X", "C", "Y")}


def brute_force_extensions(cpdag: CausalGraph) -> set:
    und = cpdag.edges("---")
    directed = [(e.u, e.v) for e in cpdag.edges("-->")]
    target = v_structures(cpdag)
    found = set()
    for bits in itertools.product([0, 1], repeat=len(und)):
        arcs = directed + [(e.u, e.v) if b else (e.v, e.u) for e, b in zip(und, bits, strict=True)]
        d = nx.DiGraph(arcs)
        if not nx.is_directed_acyclic_graph(d):
            continue
        g = CausalGraph(nodes=cpdag.nodes, edges=arcs)
        if v_structures(g) == target:
            found.add(frozenset(arcs))
    return found


@pytest.mark.parametrize("seed", range(8))
def test_enumerate_dags_equals_brute_force(seed):
    g = random_dag(6, expected_degree=2.5, random_state=100 + seed)
    cpdag = dag_to_cpdag(g)
    dags = enumerate_dags(cpdag)
    got = {frozenset((e.u, e.v) for e in d.edges()) for d in dags}
    assert len(got) == len(dags)  # no duplicates
    assert got == brute_force_extensions(cpdag)
    assert frozenset((e.u, e.v) for e in g.edges()) in got
    assert all(is_markov_equivalent(d, g) and dag_to_cpdag(d) == cpdag for d in dags)


def test_enumerate_dags_counts_and_limits():
    assert len(enumerate_dags("A --- B; B --- C")) == 3
    complete = CausalGraph(edges=[(a, b, "---") for a, b in itertools.combinations("ABCD", 2)])
    assert len(enumerate_dags(complete)) == 24
    assert enumerate_dags("A -> B") == [from_edge_list("A -> B")]
    # background knowledge: one orientation given; C -> A with B -> C would close a cycle
    assert len(enumerate_dags("A -> B; B --- C; A --- C")) == 3
    with pytest.raises(GraphError, match="max_dags=10"):
        enumerate_dags(complete, max_dags=10)
    with pytest.raises(GraphError, match="no consistent DAG extension"):
        enumerate_dags("A -> B; B --- C; D -> C")  # either orientation of B --- C adds a v-structure
    with pytest.raises(InvalidInputError, match="max_dags"):
        enumerate_dags(complete, max_dags=0)
    with pytest.raises(GraphError, match="PAG"):
        enumerate_dags("A o-> B")


def test_is_markov_equivalent():
    assert is_markov_equivalent("X -> Y; Y -> Z", "X <- Y; Y <- Z")
    assert not is_markov_equivalent("X -> Y; Y -> Z", "X -> Y; Z -> Y")
    assert not is_markov_equivalent("X -> Y", "X -> Y; Z")
    assert is_markov_equivalent("X -> Y; Y -> Z", dag_to_cpdag("X -> Y; Y -> Z"))


def test_dag_to_pag():
    assert sorted(dag_to_pag("X -> Y; Z -> Y").to_edge_list()) == ["X o-> Y", "Z o-> Y"]
    pag = dag_to_pag("U -> X; U -> Y; Z -> X", latent=["U"])
    assert set(pag.nodes) == {"X", "Y", "Z"}
    assert sorted(pag.to_edge_list()) == ["Y o-> X", "Z o-> X"]
    chain = dag_to_pag("A -> B; B -> C")
    assert sorted(chain.to_edge_list()) == ["A o-o B", "B o-o C"]
