"""Benchmark scores on hand-computed cases."""

import numpy as np
import pytest

from causalkit.bench import baselines, binary_metrics, bootstrap_ci, per_category
from causalkit.exceptions import InvalidInputError


def test_binary_metrics_hand_computed():
    gold = ["yes", "yes", "yes", "no", "no", "no", "no", "no"]
    pred = ["yes", "yes", "no", "yes", "no", "no", None, "maybe"]
    m = binary_metrics(gold, pred)
    # tp=2, fn=1, fp=1, correct = 2 (tp) + 2 (tn among valid) = 4 of 8; two invalid predictions are wrong
    assert m["accuracy"] == pytest.approx(4 / 8)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert m["n_invalid"] == 2 and m["gold_yes_rate"] == pytest.approx(3 / 8)


def test_invalid_prediction_on_a_yes_item_is_a_false_negative():
    m = binary_metrics(["yes", "no"], [None, "no"])
    assert m["accuracy"] == 0.5 and m["recall"] == 0.0 and m["f1"] == 0.0


def test_baselines():
    b = baselines(["yes", "no", "no", "no"])
    assert b["always_no"]["accuracy"] == 0.75 and b["always_no"]["f1"] == 0.0
    assert b["always_yes"]["accuracy"] == 0.25 and b["always_yes"]["f1"] == pytest.approx(2 / 5)


def test_bootstrap_ci_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(0)
    gold = list(rng.choice(["yes", "no"], size=300))
    pred = [g if rng.random() < 0.8 else ("no" if g == "yes" else "yes") for g in gold]
    a = bootstrap_ci(gold, pred, n_boot=400, random_state=7)
    b = bootstrap_ci(gold, pred, n_boot=400, random_state=7)
    assert a == b
    acc = binary_metrics(gold, pred)["accuracy"]
    lo, hi = a["accuracy"]
    assert lo < acc < hi and hi - lo < 0.15
    # perfect predictions: a degenerate interval at 1
    assert bootstrap_ci(gold, gold, n_boot=50)["f1"] == (1.0, 1.0)


def test_per_category_and_errors():
    table = per_category(["a", "a", "b"], ["yes", "no", "no"], ["yes", "yes", "no"])
    assert table.set_index("category").loc["a", "accuracy"] == 0.5
    assert table.set_index("category").loc["b", "always_no_accuracy"] == 1.0
    with pytest.raises(InvalidInputError):
        binary_metrics(["yes"], ["yes", "no"])
    with pytest.raises(InvalidInputError):
        binary_metrics([], [])
