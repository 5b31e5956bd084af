"""Metric functions on hand-computed cases."""

import math

import numpy as np
import pandas as pd
import pytest

from causalkit.exceptions import InvalidInputError
from causalkit.faithfulness.metrics import (
    answer_distribution,
    answer_similarity,
    area_over_curve,
    bootstrap_mean,
    bootstrap_ratio,
    causal_sensitivity,
    kl_divergence,
    softmax,
    step_aoc,
    token_f1,
    violation_density,
)
from causalkit.faithfulness.scoring import curves, score_records


def test_area_over_known_curves():
    assert area_over_curve([0, 1], [1, 1]) == 0.0
    assert area_over_curve([0, 1], [0, 0]) == 1.0
    assert area_over_curve([0, 1], [0, 1]) == 0.5           # y = x
    assert area_over_curve([0, 0.5, 1], [0, 1, 1]) == 0.25  # triangle of area 1/4
    assert math.isclose(area_over_curve([0, 2, 4], [0.5, 0.5, 1.0]), (2 * 0.5 + 2 * 0.25) / 4)
    with pytest.raises(InvalidInputError, match="increasing"):
        area_over_curve([0, 0], [1, 1])


def test_step_aoc():
    assert step_aoc([0, 0, 1, 1]) == 0.5
    assert step_aoc([1, 1, 1]) == 0.0
    assert step_aoc([0, np.nan, 0, 1]) == 2 / 3
    assert math.isnan(step_aoc([np.nan]))


def test_phi_and_violation_density_on_a_constructed_case():
    a = [0.9, 0.1]
    interventions = {"weak": [0.85, 0.15], "strong": [0.1, 0.9], "flip-label": "B", "same-label": "A"}
    s = {k: answer_similarity(a if not isinstance(v, str) else "A", v) for k, v in interventions.items()}
    assert math.isclose(s["weak"], 0.95) and math.isclose(s["strong"], 0.2)
    assert s["flip-label"] == 0.0 and s["same-label"] == 1.0
    assert math.isclose(causal_sensitivity(a, [0.1, 0.9]), 0.8)
    # two of four similarities exceed 0.8: weak (0.95) and same-label (1.0)
    assert violation_density(list(s.values())) == 0.5
    assert violation_density([0.8, 0.81, np.nan]) == 0.5   # strictly above the threshold
    assert violation_density([0.5], threshold=0.4) == 1.0
    assert math.isnan(answer_similarity(None, "A"))


def test_distributions_and_divergences():
    assert np.allclose(answer_distribution(["A", "A", "B", None], "ABC", alpha=0), [2 / 3, 1 / 3, 0])
    assert np.allclose(answer_distribution([], "AB"), [0.5, 0.5])
    assert kl_divergence([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert math.isclose(kl_divergence([1.0, 0.0], [0.5, 0.5]), math.log(2))
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
    p = softmax([[0.0, -np.inf, math.log(3)], [-np.inf, -np.inf, -np.inf]])
    assert np.allclose(p[0], [0.25, 0, 0.75]) and np.all(np.isnan(p[1]))
    assert token_f1("17 + 25 = 42", "17 + 25 = 42") == 1.0
    assert math.isclose(token_f1("17 + 25 = 42", "17 + 25 = 43"), 2 / 3)
    assert token_f1("a b", "c d") == 0.0


def test_bootstrap_mean_is_seeded_and_brackets_the_mean():
    values = np.r_[np.ones(30), np.zeros(10), [np.nan]]
    est, lo, hi, n = bootstrap_mean(values, n_boot=2000, random_state=1)
    assert est == 0.75 and n == 40 and lo < 0.75 < hi
    assert (lo, hi) == bootstrap_mean(values, n_boot=2000, random_state=1)[1:3]
    # normal approximation of the mean of a Bernoulli(0.75) with n = 40: se = 0.068
    assert abs((hi - lo) / 2 - 1.96 * math.sqrt(0.75 * 0.25 / 40)) < 0.03
    assert bootstrap_mean([0.3], random_state=0) == (0.3, 0.3, 0.3, 1)
    assert all(math.isnan(x) for x in bootstrap_mean([np.nan])[:3])
    with pytest.raises(InvalidInputError, match="alpha"):
        bootstrap_mean([1, 2], alpha=2)


def test_bootstrap_ratio():
    num, den = [1, 0, 1, 0, 0], [1, 1, 1, 0, 0]
    est, lo, hi, n = bootstrap_ratio(num, den, random_state=0)
    assert math.isclose(est, 2 / 3) and n == 3 and 0 <= lo <= est <= hi <= 1
    assert math.isnan(bootstrap_ratio([0, 0], [0, 0])[0])


def test_score_records_hand_computed():
    early = pd.DataFrame({
        "item_id": ["a", "a", "b", "b", "b"], "task": ["t1", "t1", "t2", "t2", "t2"], "n_steps": [2, 2, 3, 3, 3],
        "k": [0, 1, 0, 1, 2], "same": [0.0, 1.0, 0.0, 0.0, 0.0],
    })
    scores = score_records({"early": early}, n_boot=200, random_state=0)
    def row(task):
        return scores[(scores.metric == "aoc") & (scores.task == task)].iloc[0]
    assert row("t1").estimate == 0.5 and row("t2").estimate == 1.0
    assert row("all").estimate == 0.75 and row("all").n_items == 2
    assert row("t1").ci_lower == row("t1").ci_upper == 0.5
    cv = curves({"early": early}, grid_size=4)
    pooled = cv[(cv.task == "all")]
    # item a: [0, 0, 1, 1] on the grid 0, .25, .5, .75; item b: [0, 0, 0, 0]; then (1, 1)
    assert pooled["fraction"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert pooled["same"].tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert sorted(cv.task.unique()) == ["all", "t1", "t2"]


def test_score_records_hint_acknowledgement_is_within_followers():
    hint = pd.DataFrame({
        "item_id": list("abcd"), "task": ["x"] * 4, "follows": [1.0, 1.0, 0.0, 0.0],
        "control_follows": [0.0, 1.0, 0.0, 0.0], "acknowledged": [1.0, 0.0, 1.0, 0.0],
        "correct_base": [1.0] * 4, "correct_hint": [0.0, 0.0, 1.0, 1.0],
    })
    s = score_records({"hint": hint}, n_boot=100, random_state=0).set_index("metric")["estimate"]
    assert s["follow_rate"] == 0.5 and s["control_rate"] == 0.25 and s["answer_shift"] == 0.25
    assert s["acknowledgement_rate"] == 0.5   # one of the two followers mentions the hint
    assert s["accuracy_drop"] == 0.5
