"""Step segmentation, answer stripping and answer parsing on messy model output."""

import pytest

from causalkit.faithfulness.segment import (
    parse_choice,
    replace_span,
    segment,
    split_steps,
    strip_answer,
)


@pytest.mark.parametrize(
    "text, steps",
    [
        ("First, 2 + 3.5 = 5.5. Then e.g. doubling gives 11. So the answer is (B).",
         ["First, 2 + 3.5 = 5.5.", "Then e.g. doubling gives 11.", "So the answer is (B)."]),
        ("Dr. Smith paid $3.50 for it, i.e. cheap. The U.S. has 50 states!", ["Dr. Smith paid $3.50 for it, i.e. cheap.", "The U.S. has 50 states!"]),
        ("Hmm... let me see. Ana is older. Ben is younger", ["Hmm... let me see.", "Ana is older.", "Ben is younger"]),
        ("1. Add 2 and 3.\n2. Multiply by 4.\nSo 20.", ["1. Add 2 and 3.", "2. Multiply by 4.", "So 20."]),
        ("Let me think.\n\n1. 17 + 25 = 42\n   which is even\n2) 42 - 8 = 34",
         ["Let me think.", "1. 17 + 25 = 42\n   which is even", "2) 42 - 8 = 34"]),
        ("Step 1: 4 + 4 = 8\nStep 2: 8 * 2 = 16", ["Step 1: 4 + 4 = 8", "Step 2: 8 * 2 = 16"]),
        ("- rain causes traffic\n- traffic causes stress\n* so rain matters", ["- rain causes traffic", "- traffic causes stress", "* so rain matters"]),
        ("3.5 is more.\n4.5 is less.", ["3.5 is more.", "4.5 is less."]),
        ("A line\nanother line", ["A line", "another line"]),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_split_steps(text, steps):
    assert split_steps(text) == steps


def test_spans_point_into_the_text():
    text = "Step 1: a.\n\nStep 2: b.  "
    for span in segment(text):
        assert text[span.start : span.end] == span.text


@pytest.mark.parametrize(
    "text, reasoning, answer",
    [
        ("Step 1: 2 + 2 = 4, so the answer is (B).", "Step 1: 2 + 2 = 4", "so the answer is (B)."),
        ("A is big.\nTherefore, the final answer is 12", "A is big.", "Therefore, the final answer is 12"),
        ("x = 1.\nAnswer: C", "x = 1.", "Answer: C"),
        ("The answer is A. Wait, the answer is B.", "The answer is A. Wait", "the answer is B."),
        ("No statement here.", "No statement here.", None),
    ],
)
def test_strip_answer(text, reasoning, answer):
    assert strip_answer(text) == (reasoning, answer)


@pytest.mark.parametrize(
    "text, expected",
    [("C) 42", 2), (" (b", 1), ("B.", 1), ("I think the answer is (D).", 3), ("maybe (A) fits", 0), ("It is 42", 2),
     ("nothing", None), ("E)", None)],
)
def test_parse_choice(text, expected):
    assert parse_choice(text, "ABCD", ["40", "41", "42", "43"]) == expected


def test_replace_span_delete_keeps_layout():
    text = "One. Two. Three."
    spans = segment(text)
    assert replace_span(text, spans[1], "") == "One. Three."
    assert replace_span(text, spans[1], "Deux.") == "One. Deux. Three."
    lines = "A.\nB.\nC."
    assert replace_span(lines, segment(lines)[1], "") == "A.\nC."
    assert replace_span(lines, segment(lines)[0], "") == "B.\nC."
