"""Item files, loaders for user copies of the public test sets, and the generators."""

import csv
import json

import pytest

from causalkit.bench import (
    Item,
    generate_cladder,
    generate_corr2cause,
    load_items,
    read_jsonl,
    write_jsonl,
)
from causalkit.bench.gen_corr2cause import all_dags, mec_signature
from causalkit.exceptions import InvalidInputError

PREMISE = ("Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations among these 3 "
           "variables are as follows: A correlates with C. B correlates with C. However, A is independent of B.")


def test_jsonl_round_trip(tmp_path):
    items = [Item("1", "Q1?", "yes", {"category": "a"}), Item("2", "Q2?", True), Item("3", "Q3?", 0)]
    path = write_jsonl(items, tmp_path / "sub" / "items.jsonl")
    back = read_jsonl(path)
    assert [(i.id, i.answer, i.category) for i in back] == [("1", "yes", "a"), ("2", "yes", "all"), ("3", "no", "all")]
    (tmp_path / "broken.jsonl").write_text('{"question": "q", "answer": "yes"}\n{not json\n')
    with pytest.raises(InvalidInputError, match="line 2"):
        read_jsonl(tmp_path / "broken.jsonl")
    with pytest.raises(InvalidInputError, match="yes/no"):
        Item("x", "q", "perhaps")


def test_load_corr2cause_csv_and_json(tmp_path):
    csv_path = tmp_path / "test.csv"
    with csv_path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["input", "label", "num_variables", "template"])
        w.writeheader()
        w.writerow({"input": f"Premise: {PREMISE}\nHypothesis: A directly causes C.", "label": 1, "num_variables": 3, "template": "original"})
        w.writerow({"input": f"Premise: {PREMISE}\nHypothesis: C directly causes A.", "label": 0, "num_variables": 3, "template": "original"})
    items = load_items(csv_path)
    assert [(i.answer, i.category, i.metadata["num_variables"]) for i in items] == [("yes", "parent", 3), ("no", "parent", 3)]
    js = tmp_path / "test.json"
    js.write_text(json.dumps([{"premise": PREMISE, "hypothesis": "There exists at least one collider (i.e., common effect) of A and B.",
                               "relation": "entailment", "id": "num_nodes=3__mec_id=1__node_i=1__node_j=2__causal_relation=has_collider__prob=1.00"},
                              {"premise": PREMISE, "hypothesis": "A directly causes B.", "relation": "contradiction", "id": "x"}]))
    items = load_items(js)
    assert [(i.answer, i.category) for i in items] == [("yes", "collider"), ("no", "parent")]
    assert items[0].question.startswith("Premise: ")


def test_load_cladder_with_models_file(tmp_path):
    qs = [{"question_id": 7, "given_info": "The overall probability of zuph is 60%.", "question": "Is zuph more likely than not zuph overall?",
           "answer": "yes", "meta": {"query_type": "marginal", "rung": 1, "graph_id": "chain", "model_id": 3}}]
    models = [{"model_id": 3, "background": "Imagine a world: Zuph has a direct effect on glimx."}]
    (tmp_path / "q.json").write_text(json.dumps(qs))
    (tmp_path / "m.json").write_text(json.dumps(models))
    items = load_items(tmp_path / "q.json", models_path=tmp_path / "m.json")
    assert items[0].id == "7" and items[0].category == "marginal" and items[0].metadata["rung"] == 1
    assert items[0].question.startswith("Imagine a world") and items[0].question.endswith("overall?")
    with pytest.raises(InvalidInputError, match="fmt"):
        load_items(tmp_path / "q.json", fmt="xml")


def test_corr2cause_generator_is_seeded_and_covers_all_classes():
    a = generate_corr2cause(200, random_state=5)
    b = generate_corr2cause(200, random_state=5)
    assert [i.to_dict() for i in a] == [i.to_dict() for i in b]
    assert {i.category for i in a} == {"parent", "ancestor", "child", "descendant", "collider", "confounder"}
    # the known numbers of Markov equivalence classes: 2 on two nodes, 11 on three, 185 on four
    for n, count in ((2, 2), (3, 11), (4, 185)):
        assert len({mec_signature(d) for d in all_dags(n)}) == count
    three = generate_corr2cause(10_000, min_nodes=3, max_nodes=3, random_state=0)
    assert len(three) == 11 * 18  # every class, every pair and relation type once


def test_generated_labels_follow_the_class_shares():
    for it in generate_corr2cause(300, random_state=9):
        assert (it.answer == "yes") == (it.metadata["share"] == 1.0)


def test_cladder_generator_labels_from_truth():
    items = generate_cladder(120, random_state=4)
    again = generate_cladder(120, random_state=4)
    assert [i.question for i in items] == [i.question for i in again]
    for it in items:
        m = it.metadata
        if it.category in ("ate", "ett", "nde", "nie", "correlation", "exp_away", "marginal"):
            assert abs(m["truth"]) >= 0.02
        assert it.answer == ("yes" if (m["truth"] > 0) == m["positive"] else "no")
    with pytest.raises(InvalidInputError, match="Unknown query"):
        generate_cladder(5, queries=["magic"])
