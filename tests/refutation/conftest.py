"""Fixtures for the refutation tests."""

from __future__ import annotations

import pandas as pd
import pytest
from refutation_helpers import make_linear


@pytest.fixture
def linear_df() -> pd.DataFrame:
    return make_linear()


@pytest.fixture
def adj() -> list[str]:
    return ["x0", "x1", "x2"]
