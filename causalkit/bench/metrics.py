"""Scores for yes/no benchmarks: accuracy, F1 of the "yes" class, baselines and bootstrap intervals.

A prediction that is neither "yes" nor "no" (an unparseable reply, a solver error) counts as wrong:
it is a miss for accuracy and is treated as "no" for F1 (so it can only add false negatives).
F1 is undefined (nan) when neither the gold labels nor the predictions contain a "yes".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_alpha, check_positive_int, check_random_state
from causalkit.exceptions import InvalidInputError

__all__ = ["binary_metrics", "bootstrap_ci", "per_category", "baselines"]


def _arrays(gold: Sequence[str], pred: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(gold) != len(pred):
        raise InvalidInputError(f"{len(gold)} gold labels but {len(pred)} predictions.")
    g = np.array([x == "yes" for x in gold], dtype=bool)
    valid = np.array([p in ("yes", "no") for p in pred], dtype=bool)
    p = np.array([x == "yes" for x in pred], dtype=bool)
    return g, p, valid


def _scores(g: np.ndarray, p: np.ndarray, valid: np.ndarray) -> dict[str, np.ndarray]:
    """Row-wise scores for 2-D boolean arrays (one row per bootstrap sample)."""
    correct = (g == p) & valid
    tp = (g & p).sum(axis=-1)
    fp = (~g & p).sum(axis=-1)
    fn = (g & ~p).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
        recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), 0.0)
        # no "yes" in gold or predictions: F1 is undefined (nan), not 0
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), np.nan)
    return {"accuracy": correct.mean(axis=-1), "precision": precision, "recall": recall, "f1": f1}


def binary_metrics(gold: Sequence[str], pred: Sequence[str | None]) -> dict[str, Any]:
    """Accuracy, precision, recall and F1 (positive class "yes"), with counts.

    Examples
    --------
    >>> m = binary_metrics(["yes", "no", "yes", "no"], ["yes", "yes", "no", "no"])
    >>> m["accuracy"], m["f1"]
    (0.5, 0.5)
    """
    g, p, valid = _arrays(gold, pred)
    if not len(g):
        raise InvalidInputError("No items to score.")
    s = {k: float(v) for k, v in _scores(g, p, valid).items()}
    s.update({"n": int(len(g)), "n_invalid": int((~valid).sum()), "gold_yes_rate": float(g.mean()),
              "pred_yes_rate": float(p.mean())})
    return s


def baselines(gold: Sequence[str]) -> dict[str, dict[str, float]]:
    """Scores of the constant answers: always "no" (accuracy = share of "no", F1 = 0) and always "yes"."""
    g = np.array([x == "yes" for x in gold], dtype=bool)
    out = {}
    for name, value in (("always_no", False), ("always_yes", True)):
        p = np.full(len(g), value)
        out[name] = {k: float(v) for k, v in _scores(g, p, np.ones(len(g), dtype=bool)).items()}
    return out


def bootstrap_ci(gold: Sequence[str], pred: Sequence[str | None], *, n_boot: int = 1000, alpha: float = 0.05,
                 random_state: Any = 0) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap intervals for accuracy, precision, recall and F1 (items resampled, seeded).

    Returns
    -------
    dict
        ``metric -> (lower, upper)`` at level ``1 - alpha``.
    """
    n_boot = check_positive_int(n_boot, "n_boot")
    alpha = check_alpha(alpha)
    g, p, valid = _arrays(gold, pred)
    if not len(g):
        raise InvalidInputError("No items to score.")
    rng = check_random_state(random_state)
    idx = rng.integers(0, len(g), size=(n_boot, len(g)))
    scores = _scores(g[idx], p[idx], valid[idx])
    lo, hi = 100 * alpha / 2, 100 * (1 - alpha / 2)
    with np.errstate(all="ignore"):
        return {k: (float(np.nanpercentile(v, lo)), float(np.nanpercentile(v, hi))) if np.isfinite(v).any()
                else (float("nan"), float("nan")) for k, v in scores.items()}


def per_category(categories: Sequence[str], gold: Sequence[str], pred: Sequence[str | None]) -> pd.DataFrame:
    """One row per category: n, accuracy, F1, gold "yes" rate and the always-"no" accuracy."""
    df = pd.DataFrame({"category": list(categories), "gold": list(gold), "pred": list(pred)})
    rows = []
    for cat, sub in df.groupby("category", sort=True):
        m = binary_metrics(sub["gold"].tolist(), sub["pred"].tolist())
        rows.append({"category": cat, "n": m["n"], "accuracy": m["accuracy"], "f1": m["f1"],
                     "gold_yes_rate": m["gold_yes_rate"], "always_no_accuracy": 1 - m["gold_yes_rate"],
                     "n_invalid": m["n_invalid"]})
    return pd.DataFrame(rows, columns=["category", "n", "accuracy", "f1", "gold_yes_rate", "always_no_accuracy", "n_invalid"])
