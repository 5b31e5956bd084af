"""Helpers for the refutation tests: simulated data with known effects and a reference OLS."""

from __future__ import annotations

import numpy as np
import pandas as pd


def lstsq_effect(data: pd.DataFrame, treatment: str, outcome: str, adjustment=()) -> float:
    """Reference OLS: coefficient of the treatment from ``numpy.linalg.lstsq`` (one fit)."""
    D = np.column_stack([np.ones(len(data)), data[list(adjustment)].to_numpy(float), data[treatment].to_numpy(float)])
    return float(np.linalg.lstsq(D, data[outcome].to_numpy(float), rcond=None)[0][-1])


def make_linear(n: int = 400, p: int = 3, effect: float = 2.0, seed: int = 0) -> pd.DataFrame:
    """Confounded linear data: t depends on x0, x1; y = effect * t + sum(x) + noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    t = X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n)
    y = effect * t + X.sum(axis=1) + rng.normal(size=n)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(p)])
    df["t"], df["y"] = t, y
    return df
