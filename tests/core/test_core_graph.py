"""Tests of the CausalGraph core type."""

import networkx as nx
import pytest

from causalkit.exceptions import GraphError, InvalidInputError, UnknownNodeError
from causalkit.graphs import CausalGraph, Edge, Mark, parse_edge


def test_parse_edge_all_connectors():
    assert parse_edge("A --> B") == Edge("A", "B", Mark.TAIL, Mark.ARROW)
    assert parse_edge("A <- B").kind == "<--"
    assert parse_edge("A o-> B") == Edge("A", "B", Mark.CIRCLE, Mark.ARROW)
    assert parse_edge("smoking status <-> lung cancer").u == "smoking status"
    with pytest.raises(InvalidInputError, match="Cannot parse edge"):
        parse_edge("A => B")


def test_queries_on_mixed_graph():
    g = CausalGraph(edges=["Z --> X", "Z --> Y", "X --> Y", "W --- Z", "X <-> Y2"])
    assert g.parents("Y") == ["X", "Z"]
    assert g.children("Z") == ["X", "Y"]
    assert g.neighbors("Z") == ["W"]
    assert g.spouses("X") == ["Y2"]
    assert g.ancestors("Y") == {"X", "Z"}
    assert g.descendants("Z") == {"X", "Y"}
    assert g.kind == "mixed"
    assert g.edge_kind("Y", "X") == "<--"
    assert g.edge_kind("X", "Y") == "-->"
    assert g.edge_kind("W", "Y") is None


def test_kinds():
    assert CausalGraph(edges=[("a", "b"), ("b", "c")]).kind == "dag"
    assert CausalGraph(edges=["a --> b", "b --- c"]).kind == "cpdag"
    assert CausalGraph(edges=["a --> b", "b <-> c"]).kind == "admg"
    assert CausalGraph(edges=["a o-> b"]).kind == "pag"
    cyc = CausalGraph(edges=[("a", "b"), ("b", "c"), ("c", "a")])
    assert cyc.kind == "mixed" and not cyc.is_dag()
    with pytest.raises(GraphError, match="directed cycle"):
        cyc.require_dag("Estimation")
    with pytest.raises(GraphError, match="'a --- b' is not directed"):
        CausalGraph(edges=["a --- b"]).require_dag()


def test_edges_canonical_and_equality():
    g1 = CausalGraph(edges=["A --> B", "C <-- B", "C --- D"])
    g2 = CausalGraph(edges=["D --- C", "B --> C", ("A", "B")])
    assert g1 == g2
    assert [str(e) for e in g1.edges()] == ["A --> B", "B --> C", "C --- D"]
    assert g1.edges("---") == [Edge("C", "D", Mark.TAIL, Mark.TAIL)]
    g3 = g1.copy()
    g3.orient("C", "D")
    assert g3 != g1 and g1.edge_kind("C", "D") == "---"


def test_to_networkx_round_trip_information():
    g = CausalGraph(edges=["A --> B", "B --- C", "C <-> D"])
    d = g.to_networkx()
    assert isinstance(d, nx.DiGraph)
    assert d.has_edge("A", "B") and not d.has_edge("B", "A")
    assert d.has_edge("B", "C") and d.has_edge("C", "B") and d.edges["B", "C"]["kind"] == "---"
    assert d.edges["D", "C"]["kind"] == "<->"


def test_errors_name_nodes():
    g = CausalGraph(edges=["A --> B"])
    with pytest.raises(UnknownNodeError, match="'Q' is not in the graph"):
        g.parents("Q")
    with pytest.raises(GraphError, match="Self-loop on node 'A'"):
        g.add_edge("A", "A")
    with pytest.raises(InvalidInputError, match="Unknown edge kind"):
        g.add_edge("A", "B", "==>")
    with pytest.raises(GraphError, match="no edge between 'A' and 'C'"):
        g.add_node("C")
        g.remove_edge("A", "C")


def test_subgraph_and_topological_order():
    g = CausalGraph(edges=[("a", "b"), ("b", "c"), ("a", "c")])
    assert g.topological_order() == ["a", "b", "c"]
    assert g.subgraph(["a", "c"]).edges() == [Edge("a", "c", Mark.TAIL, Mark.ARROW)]


def test_results_with_graphs_are_json_serialisable():
    import json

    from causalkit.results import DiscoveryResult

    g = CausalGraph(edges=["A --> B", "C o-> B"])
    d = json.loads(json.dumps(DiscoveryResult(graph=g, method="fci", extra={"pag": g}).to_dict()))
    assert d["graph"] == {"kind": "pag", "nodes": ["A", "B", "C"], "edges": ["A --> B", "C o-> B"]}
    assert d["extra"]["pag"]["edges"] == ["A --> B", "C o-> B"]
