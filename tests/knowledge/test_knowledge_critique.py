import json

import pytest
from _knowledge_oracle import oracle_choice, oracle_model

from agent.testing import ScriptedModel
from causalkit.exceptions import GraphError, InvalidInputError
from causalkit.graphs import CausalGraph
from causalkit.knowledge import Suggestion, accept, critique_graph

TRUTH = {("age", "income"), ("education", "income")}


def test_critique_suggests_but_never_applies():
    graph = CausalGraph(edges=["income --> age", "education --> income", "age --> shoe_size", "education --- age"])
    before = graph.to_edge_list()
    crit = critique_graph(graph, oracle_model(TRUTH, confounded=[("education", "income")]), threshold=0.8)
    assert graph.to_edge_list() == before and crit.graph == graph
    kinds = {(s.kind, s.u, s.v) for s in crit.suggestions}
    assert kinds == {
        ("reverse_edge", "income", "age"),
        ("remove_edge", "age", "shoe_size"),
        ("remove_edge", "age", "education"),  # undirected edge, neither direction plausible
        ("add_confounder", "income", "education"),  # pairs are written in node order
    }
    assert [s.id for s in crit.suggestions] == [f"s{i}" for i in range(1, len(crit.suggestions) + 1)]
    assert "none applied" in crit.summary()
    json.dumps(crit.to_dict())


def test_accepting_suggestions_returns_a_new_graph():
    graph = CausalGraph(edges=["income --> age", "age --> shoe_size", "education --> income"])
    crit = critique_graph(graph, oracle_model(TRUTH, confounded=[("education", "income")]))
    by_kind = {s.kind: s for s in crit.suggestions}
    new = crit.accept(by_kind["reverse_edge"].id, by_kind["remove_edge"].id)
    assert new == CausalGraph(nodes=["shoe_size"], edges=["age --> income", "education --> income"])
    assert graph.has_edge("income", "age") and graph.edge_kind("income", "age") == "-->"
    conf = crit.accept(by_kind["add_confounder"])
    assert set(conf.children("U_income_education")) == {"education", "income"}
    with pytest.raises(GraphError, match="added before"):
        crit.accept(by_kind["add_confounder"], graph=conf)
    with pytest.raises(InvalidInputError, match="No suggestion"):
        crit.accept("s99")
    with pytest.raises(InvalidInputError, match="Name the suggestions"):
        crit.accept()


def test_orientation_suggestion_for_undirected_edges_and_named_confounders():
    choose = oracle_choice(TRUTH, confounded=[("age", "income")])
    model = ScriptedModel([], default=choose)
    crit = critique_graph("age --- income", model, name_confounders=False)
    assert [(s.kind, s.u, s.v) for s in crit.suggestions] == [("orient_edge", "age", "income"),
                                                              ("add_confounder", "age", "income")]
    assert crit.accept("s1") == CausalGraph(edges=["age --> income"])

    class Namer(ScriptedModel):
        def chat(self, messages, tools=None, **kw):
            self.requests.append({"kind": "chat", "messages": messages})
            from agent.messages import ModelResponse
            return ModelResponse(content="Family background.")

    named = critique_graph("age --> income", Namer([], default=choose), name_confounders=True)
    s = [s for s in named.suggestions if s.kind == "add_confounder"][0]
    assert s.confounder == "Family background" and "Family background" in named.accept(s).nodes


def test_accept_free_function_checks_the_graph():
    s = Suggestion("s1", "remove_edge", "a", "b", "remove a --> b", 0.9, "")
    assert accept(s, "a -> b; b -> c").to_edge_list() == ["b --> c"]
    with pytest.raises(GraphError, match="no longer has"):
        accept(s, "a -> c; b -> c")
    with pytest.raises(InvalidInputError):
        accept("s1", "a -> b")
