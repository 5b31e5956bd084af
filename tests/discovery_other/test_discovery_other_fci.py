"""FCI: exact PAG with an oracle, latent-confounder recovery from data, knowledge, options."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _discovery_other_helpers import oracle, simulate_linear

from causalkit.discovery import BackgroundKnowledge, fci
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph, dag_to_pag

OBSERVED = ["A", "B", "C", "D", "E", "F"]
TRUE_PAG = sorted(["A o-> B", "B <-> C", "B --> F", "C --> E", "D o-> C"])


def test_fci_with_dsep_oracle_returns_the_true_pag(latent_dag):
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(30, 6)), columns=OBSERVED)
    res = fci(df, ci_test=oracle(latent_dag, OBSERVED))
    assert sorted(res.graph.to_edge_list()) == TRUE_PAG
    assert res.graph == dag_to_pag(latent_dag, latent=["L"])
    assert res.graph.kind == "pag"
    assert res.n_ci_tests > 0


@pytest.mark.parametrize("seed", [1, 2])
def test_fci_finds_the_latent_confounder_from_data(latent_dag, seed):
    df, _ = simulate_linear(latent_dag, 3000, seed=seed)
    res = fci(df.drop(columns=["L"]))
    assert res.graph.edge_kind("B", "C") == "<->"
    assert res.graph.edge_kind("A", "B") == "o->"
    assert res.graph.edge_kind("D", "C") == "o->"
    assert sorted(res.graph.to_edge_list()) == TRUE_PAG


def test_fci_edge_properties_mark_visible_directed_edges(latent_data):
    res = fci(latent_data)
    props = {r["edge"]: set(r["properties"]) for r in res.extra["edges"]}
    assert props["B --> F"] == {"definitely_direct", "no_latent_confounder"}
    assert props["C --> E"] == {"definitely_direct", "no_latent_confounder"}
    assert props["B <-> C"] == set()
    assert len(res.extra["edges"]) == len(res.graph.edges())
    assert res.method == "fci" and res.versions["causal-learn"]
    assert res.params["ci_test"] == "fisherz" and res.params["alpha"] == 0.05


def test_fci_without_confounding_orients_like_the_dag_pag():
    dag = CausalGraph(edges=["X --> Z", "Y --> Z", "Z --> W"])
    df, _ = simulate_linear(dag, 2000, seed=3)
    res = fci(df)
    assert res.graph == dag_to_pag(dag)
    assert sorted(res.graph.to_edge_list()) == ["X o-> Z", "Y o-> Z", "Z --> W"]


def test_fci_background_knowledge_forbidden_never_required_always(latent_data):
    bk = BackgroundKnowledge(forbidden=[("C", "E"), ("E", "C")], required=[("A", "D"), ("F", "E")])
    res = fci(latent_data, background_knowledge=bk)
    assert not res.graph.has_edge("C", "E")  # true edge, forbidden both ways
    assert res.graph.is_directed_edge("A", "D")  # not in the truth, required
    assert res.graph.is_directed_edge("F", "E")
    assert any("required edge A --> D" in w for w in res.warnings)
    assert res.params["background_knowledge"] is True


def test_fci_tiers_forbid_backward_arrows(latent_data):
    bk = BackgroundKnowledge(tiers=[["E", "F"], ["A", "B", "C", "D"]])
    res = fci(latent_data, background_knowledge=bk)
    for e in res.graph.edges("-->"):
        assert not bk.is_forbidden(e.u, e.v), str(e)


def test_fci_kci_on_tiny_nonlinear_data():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 200))
    z = np.sin(2 * x) + y**2 + 0.3 * rng.normal(size=200)
    res = fci(pd.DataFrame({"X": x, "Y": y, "Z": z}), ci_test="kci")
    assert sorted(res.graph.to_edge_list()) == ["X o-> Z", "Y o-> Z"]


def test_fci_columns_and_numpy_input(latent_data):
    res = fci(latent_data.to_numpy(), columns=None)
    assert res.graph.nodes == ["X0", "X1", "X2", "X3", "X4", "X5"]
    sub = fci(latent_data, columns=["A", "B", "F"])
    assert sub.graph.nodes == ["A", "B", "F"]


@pytest.mark.parametrize("bad, match", [
    ({"ci_test": "nope"}, "nope"),
    ({"ci_test": "chisq"}, "not discrete"),
    ({"alpha": 1.5}, "alpha"),
    ({"max_depth": -1}, "max_depth"),
    ({"max_path_length": 1.5}, "max_path_length"),
    ({"background_knowledge": {"forbidden": []}}, "BackgroundKnowledge"),
    ({"background_knowledge": BackgroundKnowledge(forbidden=[("A", "Q")])}, "Q"),
])
def test_fci_rejects_bad_options(latent_data, bad, match):
    with pytest.raises(InvalidInputError, match=match):
        fci(latent_data, **bad)
