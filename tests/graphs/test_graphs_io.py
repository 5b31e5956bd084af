"""Reading and writing graphs: DOT, GML, networkx, pgmpy, causal-learn, adjacency, edge lists."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import GraphError, InvalidInputError, UnknownNodeError
from causalkit.graphs import (
    CausalGraph,
    from_adjacency,
    from_causallearn,
    from_dot,
    from_edge_list,
    from_gml,
    from_networkx,
    from_pgmpy,
    parse_graph,
    to_adjacency,
    to_dot,
    to_gml,
)

ALL_KINDS = CausalGraph(
    nodes=["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "lonely"],
    edges=["A --> B", "B --- C", "C <-> D", "D o-> E", "E o-o F", "F o-- G", "H <-o G", "I --o H", "J <-- I"],
)


def random_mixed_graph(seed: int) -> CausalGraph:
    rng = np.random.default_rng(seed)
    kinds = ["-->", "<--", "---", "<->", "o->", "<-o", "o-o", "o--", "--o"]
    names = ["x", "my node", 'q"uote', "7", "node", "ü"]
    g = CausalGraph(nodes=names)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if rng.random() < 0.5:
                g.add_edge(names[i], names[j], kinds[rng.integers(len(kinds))])
    return g


# ------------------------------------------------------------------------------------------ DOT
def test_dot_hand_written_subset():
    text = """
    // a comment
    strict digraph "my graph" {
      rankdir=LR; node [shape=box]
      /* block
         comment */
      "node one" -> B -> C [color=red];
      A -> {B C}
      D -> E [dir=none]; E -> F [dir=both]
      F -> G [dir=both, arrowtail=odot, arrowhead=normal]
      G -> H [dir=both arrowtail=odot arrowhead=odot]
      H -> I [dir=back]
      subgraph cluster_x { J; K -> L }
      M:port1 -> N:n
      # preprocessor-style line
    }"""
    g = from_dot(text)
    assert sorted(g.to_edge_list()) == sorted([
        "node one --> B", "B --> C", "A --> B", "A --> C", "D --- E", "E <-> F", "F o-> G", "G o-o H",
        "I --> H", "K --> L", "M --> N",
    ])
    assert "J" in g and len(g.adjacent("J")) == 0


def test_dot_undirected_graph_and_dagitty():
    assert from_dot("graph { A -- B; B -- C }").to_edge_list() == ["A --- B", "B --- C"]
    g = from_dot('dag { X [exposure]; Y [outcome]; X -> Y; X <-> Z; Z <- W; bb="0,0,1,1" }')
    assert sorted(g.to_edge_list()) == ["W --> Z", "X --> Y", "X <-> Z"]


def test_dot_written_by_causallearn_uses_labels_for_numeric_ids():
    text = """digraph {
    fontsize=18;
    0 [label=A];
    1 [label=B];
    2 [label=C];
    0 -> 1 [dir=both, arrowtail=none, arrowhead=normal];
    2 -> 1 [dir=both, arrowtail=odot, arrowhead=normal];
    0 -> 2 [dir=both, arrowtail=normal, arrowhead=normal];
    }"""
    assert sorted(from_dot(text).to_edge_list()) == ["A --> B", "A <-> C", "C o-> B"]


def test_dot_keeps_ids_when_labels_are_display_text():
    g = from_dot('digraph { qsmk [label="Quit smoking"]; qsmk -> wt }')
    assert g.nodes == ["qsmk", "wt"]


@pytest.mark.parametrize("seed", range(5))
def test_dot_round_trip(seed):
    g = random_mixed_graph(seed)
    assert from_dot(to_dot(g)) == g


def test_dot_round_trip_all_edge_kinds():
    back = from_dot(to_dot(ALL_KINDS))
    assert back == ALL_KINDS and back.nodes == ALL_KINDS.nodes


def test_dot_errors():
    with pytest.raises(InvalidInputError, match="DOT"):
        from_dot("digraph { A -> B")
    with pytest.raises(InvalidInputError, match="must start"):
        from_dot("network { A -> B }")
    with pytest.raises(GraphError, match="two different edges"):
        from_dot("digraph { A -> B; B -> A }")
    with pytest.raises(GraphError, match="self-loop"):
        from_dot("digraph { A -> A }")
    with pytest.raises(InvalidInputError, match="dir="):
        from_dot("digraph { A -> B [dir=sideways] }")


# ------------------------------------------------------------------------------------------ GML / networkx
@pytest.mark.parametrize("seed", range(3))
def test_gml_and_networkx_round_trips(seed):
    g = random_mixed_graph(seed)
    g_str = CausalGraph(nodes=g.nodes, edges=g.edges())
    assert from_gml(to_gml(g_str)) == g_str
    assert from_networkx(g.to_networkx()) == g
    assert from_networkx(ALL_KINDS.to_networkx()) == ALL_KINDS


def test_from_networkx_conventions():
    d = nx.DiGraph([("A", "B"), ("B", "C"), ("C", "B")])
    d.add_node("Z")
    g = from_networkx(d)
    assert sorted(g.to_edge_list()) == ["A --> B", "B --- C"] and "Z" in g
    assert from_networkx(nx.Graph([("A", "B")])).to_edge_list() == ["A --- B"]
    bad = nx.DiGraph()
    bad.add_edge("A", "B", kind="<->")
    bad.add_edge("B", "A", kind="-->")
    with pytest.raises(GraphError, match="two different edges"):
        from_networkx(bad)
    with pytest.raises(InvalidInputError, match="kind"):
        from_networkx(nx.DiGraph([("A", "B", {"kind": "=>"})]))
    with pytest.raises(InvalidInputError, match="multigraph"):
        from_networkx(nx.MultiDiGraph([("A", "B")]))
    with pytest.raises(GraphError, match="self-loop"):
        from_networkx(nx.DiGraph([("A", "A")]))


# ------------------------------------------------------------------------------------------ pgmpy / causal-learn
def test_from_pgmpy_models():
    from pgmpy.base import ADMG, DAG, PDAG
    from pgmpy.models import DiscreteBayesianNetwork

    assert from_pgmpy(DAG([("A", "B"), ("B", "C")])).to_edge_list() == ["A --> B", "B --> C"]
    assert from_pgmpy(DiscreteBayesianNetwork([("A", "B")])).to_edge_list() == ["A --> B"]
    pdag = from_pgmpy(PDAG(directed_ebunch=[("A", "B")], undirected_ebunch=[("B", "C")]))
    assert pdag == from_edge_list("A -> B; B --- C")
    admg = from_pgmpy(ADMG(directed_ebunch=[("A", "B")], bidirected_ebunch=[("B", "C")]))
    assert admg == from_edge_list("A -> B; B <-> C")
    # latent projection: U -> X, U -> Y (confounder) and X -> L -> Y (latent mediator)
    proj = from_pgmpy(DAG([("U", "X"), ("U", "Y"), ("X", "L"), ("L", "Y"), ("Y", "Z")], latents={"U", "L"}))
    assert set(proj.nodes) == {"X", "Y", "Z"}
    assert sorted(proj.to_edge_list()) == ["X --> Y", "Y --> Z"]
    proj2 = from_pgmpy(DAG([("U", "X"), ("U", "Y"), ("Z", "X")], latents={"U"}))
    assert sorted(proj2.to_edge_list()) == ["X <-> Y", "Z --> X"]
    with pytest.raises(InvalidInputError, match="pgmpy"):
        from_pgmpy(nx.DiGraph())


def test_from_causallearn_general_graph():
    from causallearn.graph.GeneralGraph import GeneralGraph
    from causallearn.graph.GraphNode import GraphNode

    cg = GeneralGraph([GraphNode(n) for n in ALL_KINDS.nodes])
    cg.graph = to_adjacency(ALL_KINDS, "causal-learn")
    assert from_causallearn(cg) == ALL_KINDS
    assert parse_graph(cg) == ALL_KINDS
    with pytest.raises(InvalidInputError, match="GeneralGraph"):
        from_causallearn(object())


# ------------------------------------------------------------------------------------------ adjacency
def test_adjacency_encodings_by_hand():
    a = np.array([[0, 1, 0], [0, 0, 1], [0, 1, 0]])
    g = from_adjacency(a, ["A", "B", "C"])
    assert sorted(g.to_edge_list()) == ["A --> B", "B --- C"]
    assert (to_adjacency(g) == a).all()
    cl = np.array([[0, -1, 0, 0], [1, 0, 1, 2], [0, 1, 0, 0], [0, 2, 0, 0]])
    g2 = from_adjacency(cl, ["A", "B", "C", "D"], encoding="causal-learn")
    assert sorted(g2.to_edge_list()) == ["A --> B", "B <-> C", "B o-o D"]
    assert (to_adjacency(g2, "causal-learn") == cl).all()
    frame = to_adjacency(g, as_frame=True)
    assert list(frame.columns) == ["A", "B", "C"] and from_adjacency(frame) == g


@pytest.mark.parametrize("seed", range(3))
def test_adjacency_round_trip(seed):
    g = random_mixed_graph(seed)
    assert from_adjacency(to_adjacency(g, "causal-learn"), g.nodes, encoding="causal-learn") == g


def test_adjacency_errors():
    with pytest.raises(InvalidInputError, match="square"):
        from_adjacency(np.zeros((2, 3)))
    with pytest.raises(InvalidInputError, match="not allowed"):
        from_adjacency([[0, 0.5], [0, 0]], ["A", "B"])
    with pytest.raises(GraphError, match="self-loop on 'B'"):
        from_adjacency([[0, 0], [0, 1]], ["A", "B"])
    with pytest.raises(InvalidInputError, match="3 node names"):
        from_adjacency(np.zeros((2, 2)), ["A", "B", "C"])
    with pytest.raises(InvalidInputError, match="both ends"):
        from_adjacency([[0, -1], [0, 0]], ["A", "B"], encoding="causal-learn")
    with pytest.raises(InvalidInputError, match="encoding"):
        from_adjacency(np.zeros((2, 2)), encoding="pcalg")
    with pytest.raises(GraphError, match="binary"):
        to_adjacency(from_edge_list("A <-> B"))


# ------------------------------------------------------------------------------------------ edge lists / dispatch
def test_edge_list_strings():
    g = from_edge_list("A -> B -> C; D o-> C  # a comment\nE <-> A\nF\nX->Y; P <- Q; R -- S")
    assert sorted(g.to_edge_list()) == sorted(
        ["A --> B", "B --> C", "D o-> C", "A <-> E", "X --> Y", "Q --> P", "R --- S"]
    )
    assert "F" in g
    assert from_edge_list(["well-being -> happiness"]).to_edge_list() == ["well-being --> happiness"]
    g2 = from_edge_list([("A", "B"), ("B", "C", "<->"), "C o-o D"], nodes=["Z"])
    assert g2.nodes[0] == "Z" and sorted(g2.to_edge_list()) == ["A --> B", "B <-> C", "C o-o D"]


def test_edge_list_errors():
    with pytest.raises(GraphError, match="two different edges"):
        from_edge_list("A -> B; B -> A")
    with pytest.raises(InvalidInputError, match="Cannot read edge"):
        from_edge_list("A -> ")
    with pytest.raises(InvalidInputError, match="Cannot read edge"):
        from_edge_list([("A", "B", "C", "D")])
    with pytest.raises(InvalidInputError, match="unknown kind"):
        from_edge_list([("A", "B", "=>")])
    with pytest.raises(GraphError, match="self-loop"):
        from_edge_list("A -> A")
    with pytest.raises(InvalidInputError, match="no connector"):
        from_edge_list("A => B")


def test_parse_graph_dispatch():
    from pgmpy.base import DAG

    target = from_edge_list("A -> B; B -> C")
    inputs = [
        target,
        nx.DiGraph([("A", "B"), ("B", "C")]),
        DAG([("A", "B"), ("B", "C")]),
        "digraph { A -> B; B -> C }",
        "A -> B; B -> C",
        "A -> B\nB -> C",
        ["A -> B", "B -> C"],
        [("A", "B"), ("B", "C")],
        to_gml(target),
        pd.DataFrame([[0, 1, 0], [0, 0, 1], [0, 0, 0]], index=list("ABC"), columns=list("ABC")),
    ]
    for obj in inputs:
        assert parse_graph(obj) == target, type(obj)
    assert parse_graph(np.array([[0, 1], [0, 0]]), nodes=["A", "B"]).to_edge_list() == ["A --> B"]
    assert parse_graph(target) is target
    with pytest.raises(InvalidInputError, match="DOT string"):
        parse_graph(42)
    with pytest.raises(InvalidInputError, match="networkx DiGraph"):
        parse_graph({"A": "B"})


def test_check_same_nodes_names_the_node():
    from causalkit.graphs.io import _check_same_nodes

    with pytest.raises(UnknownNodeError, match="'C'"):
        _check_same_nodes(from_edge_list("A -> B"), from_edge_list("A -> B; C"))
