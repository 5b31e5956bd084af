"""Fixtures of the agent application tests: simulated data with a known effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

TRUE_EFFECT = 2.0


def confounded(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    """z -> x, z -> y, w -> y, x -> y (binary x, effect 2), x -> m (a descendant of x)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    w = rng.normal(size=n)
    x = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    y = TRUE_EFFECT * x + 1.5 * z + 0.5 * w + rng.normal(size=n)
    m = x + rng.normal(size=n)
    return pd.DataFrame({"z": z, "w": w, "x": x, "y": y, "m": m})


GRAPH = "z -> x; z -> y; w -> y; x -> y; x -> m"


@pytest.fixture
def sim_df() -> pd.DataFrame:
    return confounded()


@pytest.fixture
def sim_csv(tmp_path, sim_df):
    path = tmp_path / "sim.csv"
    sim_df.to_csv(path, index=False)
    return path
