"""Bad input to pc() raises causalkit's errors, naming the column, node or argument."""

import numpy as np
import pandas as pd
import pytest

from causalkit.discovery.knowledge import BackgroundKnowledge
from causalkit.discovery.pc import pc
from causalkit.exceptions import InvalidInputError, UnknownNodeError


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    X[:, 1] += X[:, 0]
    return pd.DataFrame(X, columns=["age", "income", "score"])


def test_nan_names_column(frame):
    frame.loc[3, "income"] = np.nan
    with pytest.raises(InvalidInputError, match="'income'.*missing"):
        pc(frame)


def test_constant_column_named(frame):
    frame["score"] = 1.0
    with pytest.raises(InvalidInputError, match="'score' is constant"):
        pc(frame)


def test_non_numeric_column_named(frame):
    frame["city"] = ["a", "b"] * 25
    with pytest.raises(InvalidInputError, match="'city' is not numeric"):
        pc(frame)


def test_too_few_rows(frame):
    with pytest.raises(InvalidInputError, match="rows"):
        pc(frame.iloc[:2])
    with pytest.raises(InvalidInputError, match="Fisher-z test needs more rows"):
        pc(frame.iloc[:6])  # 3 variables need at least 7 rows
    assert len(pc(frame.iloc[:7]).graph.nodes) == 3


def test_unknown_knowledge_node(frame):
    bk = BackgroundKnowledge(forbidden=[("age", "height")])
    with pytest.raises(UnknownNodeError, match="'height'"):
        pc(frame, background_knowledge=bk)


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, "0.05", True, None])
def test_bad_alpha(frame, alpha):
    with pytest.raises(InvalidInputError, match="alpha"):
        pc(frame, alpha=alpha)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"uc_rule": 3}, "uc_rule"),
        ({"uc_priority": 5}, "uc_priority"),
        ({"uc_rule": 2, "uc_priority": 0}, "uc_priority"),
        ({"max_depth": -1}, "max_depth"),
        ({"stable": "yes"}, "stable"),
        ({"ci_test": "nope"}, "Unknown CI test 'nope'"),
        ({"ci_test": 3}, "ci_test"),
        ({"background_knowledge": {"required": []}}, "background_knowledge"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"cache_path": "x.json"}, "fisherz"),
        ({"columns": ["age", "weight"]}, "'weight'"),
    ],
)
def test_bad_options(frame, kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        pc(frame, **kwargs)


def test_array_input_with_names_and_columns_subset(frame):
    res = pc(frame.to_numpy(), columns=["a", "b", "c"])
    assert res.graph.nodes == ["a", "b", "c"]
    sub = pc(frame, columns=["income", "age"])
    assert sub.graph.nodes == ["income", "age"]
    assert sub.graph.has_edge("income", "age")
    with pytest.raises(InvalidInputError, match="2 names"):
        pc(frame.to_numpy(), columns=["a", "b"])


def test_result_records_run(frame):
    res = pc(frame, alpha=0.01)
    assert res.params["alpha"] == 0.01 and res.params["uc_priority"] == 2
    assert res.n_ci_tests >= 3
    assert res.elapsed != 0.0  # elapsed time is recorded (not a speed claim)
    assert "numpy" in res.versions and "scipy" in res.versions
    assert "pc discovery" in res.summary()
    assert isinstance(res.to_dict()["extra"]["endpoint_matrix"], list)
