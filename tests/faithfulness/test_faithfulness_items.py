"""Items: validation, seeded generators with verifiable answers, and loaders with clear errors."""

import json

import networkx as nx
import pytest

from causalkit.exceptions import InvalidInputError
from causalkit.faithfulness.generators import (
    make_arithmetic_items,
    make_causal_items,
    make_items,
    make_logic_items,
)
from causalkit.faithfulness.items import Item, load_items, normalize_answer, parse_record


def test_item_validation_names_the_item():
    with pytest.raises(InvalidInputError, match="'q9'.*index"):
        Item("2+2?", ("3", "4"), 2, id="q9")
    with pytest.raises(InvalidInputError, match="distinct"):
        Item("2+2?", ("4", "4"), 0, id="q")
    with pytest.raises(InvalidInputError, match="non-empty"):
        Item("  ", ("3", "4"), 0, id="q")
    with pytest.raises(InvalidInputError, match="short-answer"):
        Item("Capital of France?", (), 0, id="q")
    item = Item("Capital of France?", (), "Paris", id="q")
    assert not item.is_multiple_choice and item.gold_label == "paris"


def test_arithmetic_items_have_the_right_answer_and_are_seeded():
    items = make_arithmetic_items(25, random_state=3)
    for it in items:
        expr = it.question.removeprefix("What is ").removesuffix("?")
        assert int(it.choices[it.answer]) == eval(expr)  # left-to-right + and - only
        assert len(set(it.choices)) == 4
    again = make_arithmetic_items(25, random_state=3)
    assert [i.to_dict() for i in items] == [i.to_dict() for i in again]
    assert {it.answer for it in items} == {0, 1, 2, 3}  # gold position varies


def test_logic_items_gold_is_the_extreme_of_the_chain():
    for it in make_logic_items(20, random_state=1):
        g = nx.DiGraph()
        for sentence in it.question.split(". "):
            words = sentence.split()
            if len(words) >= 5 and words[3] == "than":
                g.add_edge(words[0], words[4].rstrip("."))
        most = [n for n in g if g.in_degree(n) == 0][0]
        least = [n for n in g if g.out_degree(n) == 0][0]
        expected = most if any(w in it.question for w in ("tallest?", "oldest?", "fastest?")) else least
        assert it.choices[it.answer] == expected


def test_causal_items_gold_is_right_in_the_graph():
    items = make_causal_items(12, random_state=2)
    assert {it.meta["kind"] for it in items} == {"intervention", "confounder"}
    for it in items:
        g = nx.DiGraph([tuple(e) for e in it.meta["edges"]])
        gold = it.choices[it.answer]
        others = [c for i, c in enumerate(it.choices) if i != it.answer]
        if it.meta["kind"] == "intervention":
            x = it.question.split("intervene to change ")[1].split(",")[0]
            assert gold in nx.descendants(g, x)
            assert all(o not in nx.descendants(g, x) for o in others)
        else:
            a, b = it.question.split("common cause of ")[1].rstrip("?").split(" and ")
            common = nx.ancestors(g, a) & nx.ancestors(g, b)
            assert gold in common and not any(o in common for o in others)


def test_make_items_errors():
    with pytest.raises(InvalidInputError, match="Unknown task"):
        make_items(["algebra"])
    with pytest.raises(InvalidInputError, match="n_choices"):
        make_items("arithmetic", 2, n_choices=9)


def _write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(x) if not isinstance(x, str) else x for x in lines))
    return path


def test_loaders_read_common_formats(tmp_path):
    path = _write(tmp_path, "mixed.jsonl", [
        {"question": "2+2?", "choices": ["3", "4"], "answer": "B"},
        {"question": "1+1?", "options": ["A)1", "B)2", "C)3"], "correct": "B", "id": "aqua-1"},   # AQuA
        {"input": "Is 3 odd?\nOptions:\n(A) yes\n(B) no", "target": "(A)"},                     # BBH with options
        {"input": "not ( True ) and ( True ) is", "target": "False"},                          # BBH short answer
        {"context": "All cats purr.", "query": "Does Tom purr?", "options": ["yes", "no"], "label": 0},  # LogiQA-like
        {"question": "Capital?", "choices": {"label": ["A", "B"], "text": ["Rome", "Paris"]}, "answerKey": "B"},
        {"question": "3*3?", "choices": ["6", "9"], "answer": "9"},
        "",
    ])
    items = load_items(path)
    assert [it.answer for it in items] == [1, 1, 0, "False", 0, 1, 1]
    assert items[1].id == "aqua-1" and items[1].choices == ("1", "2", "3")
    assert items[2].question == "Is 3 odd?" and items[2].choices == ("yes", "no")
    assert items[4].question.startswith("All cats purr.")
    assert all(it.task == "mixed" for it in items)
    json_path = tmp_path / "bbh.json"
    json_path.write_text(json.dumps({"examples": [{"input": "x?", "target": "y"}]}))
    assert load_items(json_path, task="bbh")[0].task == "bbh"
    assert len(load_items(path, limit=2)) == 2


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"question": "q", "choices": ["a", "b"]}', r"line 2: no gold answer"),
        ('{"choices": ["a", "b"], "answer": 0}', r"line 2: no question"),
        ('{"question": "q", "choices": ["a", "b"], "answer": "C"}', r"line 2: field 'answer' = 'C' names none"),
        ('{"question": "q", "choices": ["a", "b"], "answer": 5}', r"line 2: field 'answer' = 5 is not a valid index"),
        ('{"question": "q", "choices": [], "answer": 0}', r"line 2: field 'choices' must be a non-empty list"),
        ('{"question": "q", "choices": ["a", "a"], "answer": 0}', r"line 2: .*distinct"),
        ('{"question": "q",, }', r"line 2: invalid JSON"),
        ('[1, 2]', r"line 2: expected a JSON object"),
    ],
)
def test_loader_errors_name_line_and_field(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "ok", "answer": "x"}\n' + line + "\n")
    with pytest.raises(InvalidInputError, match=message):
        load_items(path)


def test_loader_file_level_errors(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        load_items(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.json"
    bad.write_text('{"rows": []}')
    with pytest.raises(InvalidInputError, match="'examples'"):
        load_items(bad)
    dup = _write(tmp_path, "dup.jsonl", [{"id": 1, "question": "a", "answer": "x"}, {"id": 1, "question": "b", "answer": "y"}])
    with pytest.raises(InvalidInputError, match="id '1' is used by more than one item"):
        load_items(dup)
    with pytest.raises(InvalidInputError, match="record 0: expected a JSON object"):
        parse_record("text", where="record 0")


def test_normalize_answer():
    assert normalize_answer(" The Eiffel-Tower. ") == "eiffel tower"
    assert normalize_answer("3.50") == normalize_answer("3.5") == "3.5"
    assert normalize_answer("1,000") == "1000"
