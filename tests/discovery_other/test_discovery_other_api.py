"""discover() dispatch, suggest_method() rules, bad inputs across methods, causal-learn glue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _discovery_other_helpers import context_data, simulate_linear

from causalkit.discovery import (
    DISCOVERY_METHODS,
    BackgroundKnowledge,
    discover,
    fci,
    ges,
    lingam,
    suggest_method,
)
from causalkit.discovery._causallearn import (
    causallearn_errors,
    enforce_knowledge,
    graph_from_matrix,
)
from causalkit.exceptions import EstimationError, InvalidInputError
from causalkit.graphs import CausalGraph
from causalkit.results import DiscoveryResult

DAG = CausalGraph(edges=["A --> C", "B --> C", "C --> D"])


@pytest.fixture(scope="module")
def gauss():
    return simulate_linear(DAG, 1500, seed=0)[0]


@pytest.fixture(scope="module")
def uniform():
    return simulate_linear(DAG, 1500, seed=0, noise="uniform")[0]


# ------------------------------------------------------------------ discover
def test_discover_dispatches_to_each_algorithm(gauss, uniform):
    assert discover(gauss, "fci").graph == fci(gauss).graph
    assert discover(gauss, "ges").graph == ges(gauss).graph
    assert discover(uniform, "lingam").graph == lingam(uniform).graph == DAG
    assert discover(uniform, "ica_lingam", random_state=0).method == "ica_lingam"
    pc_res = discover(gauss, "pc", alpha=0.01)
    assert isinstance(pc_res, DiscoveryResult) and pc_res.method == "pc"
    assert sorted(pc_res.graph.to_edge_list()) == ["A --> C", "B --> C", "C --> D"]
    res = discover(context_data(0), "cdnod", context="domain")
    assert res.extra["changing_modules"] == ["X2", "X3", "X4"]
    assert set(DISCOVERY_METHODS) >= {"pc", "fci", "ges", "cdnod", "lingam"}


def test_discover_method_name_is_case_insensitive(gauss):
    assert discover(gauss, "GES").method == "ges"


@pytest.mark.parametrize("method, kwargs, match", [
    ("magic", {}, "'magic'"),
    ("ges", {"alpha": 0.1}, "'alpha'"),
    ("cdnod", {}, "context"),
    ("fci", {"ci_test": "pearson"}, "'pearson'"),
    ("cdnod", {"context": "C", "ci_test": "pearson"}, "'pearson'"),
    ("pc", {"ci_test": "pearson"}, "pearson"),
])
def test_discover_clear_errors(gauss, method, kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        discover(gauss, method, **kwargs)


# ------------------------------------------------------------------ bad data, every method
BAD_DATA = {
    "NaN": (lambda df: df.assign(B=df["B"].where(df.index > 5)), "'B'.*missing"),
    "constant": (lambda df: df.assign(B=1.0), "'B' is constant"),
    "non-numeric": (lambda df: df.assign(B=["x", "y", "z"] * 500), "'B' is not numeric"),
    "infinite": (lambda df: df.assign(B=df["B"].replace(df["B"].iloc[0], np.inf)), "'B'.*infinite"),
}


@pytest.mark.parametrize("problem", list(BAD_DATA))
@pytest.mark.parametrize("method", ["fci", "ges", "lingam", "cdnod", "pc"])
def test_bad_data_raises_a_named_error(gauss, method, problem):
    make, match = BAD_DATA[problem]
    df = make(gauss.copy())
    kwargs = {"context": np.repeat([0, 1, 2], 500)} if method == "cdnod" else {}
    with pytest.raises(InvalidInputError, match=match):
        discover(df, method, **kwargs)


def test_unknown_column_and_collinear_data(gauss):
    with pytest.raises(InvalidInputError, match="'Q'"):
        fci(gauss, columns=["A", "Q"])
    dup = gauss.assign(E=2 * gauss["A"])  # exactly collinear: singular correlation matrix
    with pytest.raises(EstimationError, match="singular"):
        fci(dup)


# ------------------------------------------------------------------ suggest_method
def test_suggest_method_rules(gauss, uniform):
    rng = np.random.default_rng(0)
    discrete = pd.DataFrame(rng.integers(0, 3, size=(500, 3)), columns=list("XYZ"))
    assert suggest_method(discrete)[:2] == ("pc", "gsq")
    assert suggest_method(gauss)[:2] == ("pc", "fisherz")
    method, ci, reason = suggest_method(uniform)
    assert (method, ci) == ("lingam", None) and "non-Gaussian" in reason
    x = rng.normal(size=800)
    nonlinear = pd.DataFrame({"x": x, "y": x**2 + 0.3 * rng.normal(size=800), "z": rng.normal(size=800)})
    assert suggest_method(nonlinear)[:2] == ("pc", "kci")
    mixed = gauss.assign(D=(gauss["D"] > 0).astype(int))
    assert suggest_method(mixed)[:2] == ("pc", "fisherz")
    assert suggest_method(context_data(0), context="domain")[:2] == ("cdnod", "fisherz")
    assert suggest_method(gauss, hidden_confounding=True)[:2] == ("fci", "fisherz")
    assert suggest_method(discrete, hidden_confounding=True)[:2] == ("fci", "gsq")


def test_suggest_method_validates(gauss):
    with pytest.raises(InvalidInputError, match="'site'"):
        suggest_method(gauss, context="site")
    with pytest.raises(InvalidInputError, match="'B'"):
        suggest_method(gauss.assign(B=np.nan))


# ------------------------------------------------------------------ causal-learn glue
def test_graph_from_matrix_reads_every_causallearn_mark():
    names = ["a", "b", "c", "d", "e"]
    m = np.zeros((5, 5))
    m[0, 1], m[1, 0] = -1, 1  # a --> b
    m[1, 2], m[2, 1] = -1, -1  # b --- c
    m[2, 3], m[3, 2] = 1, 1  # c <-> d
    m[3, 4], m[4, 3] = 2, 1  # d o-> e
    m[0, 4], m[4, 0] = 2, 2  # a o-o e
    g, notes = graph_from_matrix(m, names)
    assert sorted(g.to_edge_list()) == sorted(["a --> b", "b --- c", "c <-> d", "d o-> e", "a o-o e"])
    assert notes == []
    m2 = np.zeros((2, 2))
    m2[0, 1], m2[1, 0] = 4, 5  # TAIL_AND_ARROW / ARROW_AND_ARROW: --> and <-> at once
    g2, notes2 = graph_from_matrix(m2, ["u", "v"])
    assert g2.to_edge_list() == ["u <-> v"] and "bidirected" in notes2[0]


def test_causallearn_errors_translate_and_never_leak_asserts():
    with pytest.raises(InvalidInputError, match="X, Y cannot be in condition_set"):
        with causallearn_errors("FCI"):
            raise AssertionError("X, Y cannot be in condition_set.")
    with pytest.raises(EstimationError, match="singular"):
        with causallearn_errors("PC"):
            raise np.linalg.LinAlgError("Singular matrix")
    with pytest.raises(InvalidInputError, match="GES rejected the input: bad shape"):
        with causallearn_errors("GES"):
            raise ValueError("bad shape")
    with causallearn_errors("FCI") as notes:
        print("causal-learn chatter")
        import warnings

        warnings.warn("The number of features is much larger than the sample size!", stacklevel=1)
    assert notes == ["The number of features is much larger than the sample size!"]


def test_enforce_knowledge_fixes_a_graph():
    g = CausalGraph(edges=["A --> B", "B --- C", "C --> D"])
    bk = BackgroundKnowledge(forbidden=[("A", "B"), ("C", "B")], required=[("D", "A")])
    notes = enforce_knowledge(g, bk)
    assert sorted(g.to_edge_list()) == ["B --> A", "B --> C", "C --> D", "D --> A"]
    assert len(notes) == 2
