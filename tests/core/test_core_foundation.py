"""Tests of the foundation: exceptions, validation, results."""

import numpy as np
import pandas as pd
import pytest

from causalkit._validation import (
    check_alpha,
    check_binary,
    check_data,
    check_random_state,
)
from causalkit.exceptions import (
    CausalKitError,
    InvalidInputError,
    MissingDependencyError,
    UnknownNodeError,
)
from causalkit.results import (
    DiscoveryResult,
    EffectEstimate,
    IdentificationResult,
    MediationResult,
    RefutationResult,
)


def _df():
    return pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0, 1, 0, 1], "c": [5.0, 1.0, 2.0, 0.5]})


def test_exception_hierarchy_is_catchable_by_builtin_types():
    with pytest.raises(KeyError):
        raise UnknownNodeError("node 'x' missing")
    with pytest.raises(ValueError):
        raise UnknownNodeError("node 'x' missing")
    assert str(UnknownNodeError("node 'x' missing")) == "node 'x' missing"
    assert issubclass(InvalidInputError, CausalKitError)
    err = MissingDependencyError("torch", "interp", "Activation patching")
    assert isinstance(err, ImportError) and "causalkit[interp]" in str(err)


def test_check_data_accepts_clean_frame_and_converts_bools():
    df = _df().assign(d=[True, False, True, True])
    out = check_data(df)
    assert out["d"].dtype.kind == "i"
    assert list(check_data(df, ["c", "a"]).columns) == ["c", "a"]


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda d: d.assign(a=[1.0, np.nan, 3.0, 4.0]), r"'a' has 1 missing"),
        (lambda d: d.assign(c=[1.0, np.inf, 3.0, 4.0]), r"'c' contains infinite"),
        (lambda d: d.assign(s=["x", "y", "x", "y"]), r"'s' is not numeric"),
        (lambda d: d.assign(k=[2.0, 2.0, 2.0, 2.0]), r"'k' is constant"),
        (lambda d: d.iloc[:1], r"1 rows"),
    ],
)
def test_check_data_names_the_bad_column(mutate, match):
    with pytest.raises(InvalidInputError, match=match):
        check_data(mutate(_df()))


def test_check_data_unknown_and_duplicate_columns():
    with pytest.raises(UnknownNodeError, match="'zz' is not a column"):
        check_data(_df(), ["a", "zz"])
    dup = pd.DataFrame(np.arange(8.0).reshape(4, 2), columns=["x", "x"])
    with pytest.raises(InvalidInputError, match="duplicate column names"):
        check_data(dup)


def test_check_data_array_input_and_shape_errors():
    out = check_data(np.arange(12.0).reshape(4, 3), names=["p", "q", "r"])
    assert list(out.columns) == ["p", "q", "r"]
    with pytest.raises(InvalidInputError, match="2-D array"):
        check_data(np.arange(4.0))
    with pytest.raises(InvalidInputError, match="3 columns but 2 names"):
        check_data(np.arange(12.0).reshape(4, 3), names=["p", "q"])
    with pytest.raises(InvalidInputError, match="DataFrame or a 2-D numpy array"):
        check_data([[1, 2], [3, 4]])


def test_small_checks():
    assert check_alpha(0.05) == 0.05
    for bad in (0, 1, -0.1, "0.05", True):
        with pytest.raises(InvalidInputError, match="alpha"):
            check_alpha(bad)
    a = check_random_state(3).normal(size=3)
    b = check_random_state(3).normal(size=3)
    assert np.array_equal(a, b)
    with pytest.raises(InvalidInputError):
        check_random_state("seed")
    assert check_binary(pd.Series([True, False, True], name="t")).tolist() == [1, 0, 1]
    with pytest.raises(InvalidInputError, match="'dose' must be binary"):
        check_binary(pd.Series([0.0, 0.5, 1.0], name="dose"))


def _estimate(**kw):
    base = dict(value=2.0, stderr=0.5, ci=(1.02, 2.98), alpha=0.05, estimand="ATE", method="ols",
                treatment="t", outcome="y", n_obs=100, pvalue=1e-4)
    base.update(kw)
    return EffectEstimate(**base)


def test_effect_estimate_is_frozen_and_serialisable():
    e = _estimate(warnings=("low overlap",), cate=np.array([1.0, 2.0]))
    with pytest.raises(AttributeError):
        e.value = 3.0  # type: ignore[misc]
    d = e.to_dict()
    assert d["value"] == 2.0 and d["ci"] == [1.02, 2.98] and d["cate"] == [1.0, 2.0]
    assert "warning: low overlap" in e.summary()
    assert e.to_frame().loc[0, "ci_upper"] == 2.98
    assert "ATE=2" in repr(e)


def test_other_results_summaries():
    from causalkit.graphs import CausalGraph

    g = CausalGraph(edges=["A --> B", "B --- C"])
    dr = DiscoveryResult(graph=g, method="pc", params={"alpha": 0.05}, sepsets={frozenset({"A", "C"}): ("B",)})
    assert "A --> B" in dr.summary() and dr.to_dict()["sepsets"] == {"A|C": ["B"]}
    assert list(dr.to_frame()["edge"]) == ["-->", "---"]
    ir = IdentificationResult(strategy="backdoor", treatment="X", outcome="Y", estimand="E[Y|do(X)]",
                              adjustment_set=("Z",))
    assert "adjustment set: {Z}" in ir.summary()
    rr = RefutationResult("placebo_treatment", 2.0, 0.01, True, 0.8, "p-value", "ok")
    assert "PASS" in rr.summary()
    mr = MediationResult(_estimate(), _estimate(value=1.5), _estimate(value=0.5), "t", "m", "y", "regression",
                         proportion_mediated=0.25)
    assert mr.to_frame()["estimate"].tolist() == [2.0, 1.5, 0.5]
    assert "proportion mediated" in mr.summary()
