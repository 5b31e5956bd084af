"""Every user error of the SCM is a named causalkit exception."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from causalkit.exceptions import GraphError, InvalidInputError, NotFittedError, UnknownNodeError
from causalkit.graphs import CausalGraph
from causalkit.scm import StructuralCausalModel


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    return pd.DataFrame({"X": x, "Y": x + rng.normal(size=200), "D": rng.integers(0, 2, 200), "W": rng.normal(size=200)})


def test_cycle_and_undirected_edge(data):
    with pytest.raises(GraphError, match=r"directed cycle: .* --> .* --> "):
        StructuralCausalModel(["X --> Y", "Y --> W", "W --> X"]).fit(data)
    with pytest.raises(GraphError, match="not directed"):
        StructuralCausalModel(CausalGraph(edges=["X --- Y"])).fit(data)


def test_missing_column_and_bad_inputs(data):
    with pytest.raises(UnknownNodeError, match="'Z'"):
        StructuralCausalModel(["X --> Y", "Y --> Z"]).fit(data)
    with pytest.raises(UnknownNodeError, match="'Q'"):
        StructuralCausalModel(["X --> Y"], mechanisms={"Q": "linear"}).fit(data)
    with pytest.raises(InvalidInputError, match="Mechanism for node 'Y'"):
        StructuralCausalModel(["X --> Y"], mechanisms={"Y": "quadratic"}).fit(data)
    with pytest.raises(InvalidInputError, match="mechanisms"):
        StructuralCausalModel(["X --> Y"], mechanisms="quadratic").fit(data)
    with pytest.raises(InvalidInputError, match="non-integer"):
        StructuralCausalModel(["X --> Y"], mechanisms={"Y": "discrete"}).fit(data)
    with pytest.raises(InvalidInputError, match="DataFrame"):
        StructuralCausalModel(["X --> Y"]).fit(data.to_numpy())
    with pytest.raises(InvalidInputError, match="missing"):
        StructuralCausalModel(["X --> Y"]).fit(data.assign(Y=np.r_[np.nan, data["Y"].to_numpy()[1:]]))


def test_not_fitted(data):
    scm = StructuralCausalModel(["X --> Y"])
    for call in (lambda: scm.sample(10), lambda: scm.do({"X": 1}), lambda: scm.counterfactual(data, {"X": 0}),
                 lambda: scm.ate("X", "Y")):
        with pytest.raises(NotFittedError, match="fit"):
            call()


def test_bad_interventions(data):
    scm = StructuralCausalModel(["X --> Y", "D --> Y"], random_state=0).fit(data)
    with pytest.raises(UnknownNodeError, match="'V'"):
        scm.do({"V": 1.0}, n=10)
    with pytest.raises(UnknownNodeError, match="'V'"):
        scm.ate("V", "Y")
    with pytest.raises(UnknownNodeError, match="'V'"):
        scm.interventional_mean("V", {"X": 0.0})
    with pytest.raises(InvalidInputError, match="expected 10"):
        scm.do({"X": np.zeros(3)}, n=10)
    with pytest.raises(InvalidInputError, match="both set"):
        scm.do({"X": 0.0}, n=10, shift={"X": 1.0})
    with pytest.raises(InvalidInputError, match="NaN"):
        scm.do({"X": np.nan}, n=10)
    with pytest.raises(InvalidInputError, match="function for 'X' failed"):
        scm.do({"X": lambda pa: pa["nope"]}, n=10)
    with pytest.raises(InvalidInputError, match="same node"):
        scm.ate("X", "X")
    with pytest.raises(UnknownNodeError, match="'D'"):
        scm.counterfactual(data[["X", "Y"]], {"X": 0.0})


def test_unseen_level_of_discrete_parent():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, 300)
    data = pd.DataFrame({"A": a, "B": (a + rng.integers(0, 2, 300)) % 2})
    scm = StructuralCausalModel(["A --> B"], random_state=0).fit(data)
    with pytest.raises(InvalidInputError, match=r"'A'.*never observed.*\[0.0, 1.0\]"):
        scm.do({"A": 5}, n=10)
    with pytest.raises(InvalidInputError, match="not one of its levels"):
        scm.counterfactual(pd.DataFrame({"A": [0], "B": [3]}), {"A": 1})


def test_sklearn_compatible(data):
    scm = StructuralCausalModel(["X --> Y"], noise="gaussian", random_state=3)
    assert clone(scm).get_params()["noise"] == "gaussian"
    fitted = scm.fit(data)
    assert fitted is scm and scm.n_obs_ == 200 and scm.nodes_ == ["X", "Y"]
