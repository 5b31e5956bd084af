"""The ID algorithm and the identifying formulas, checked numerically on discrete SCMs with latents."""

import networkx as nx
import numpy as np
import pytest
from _identification_reference import DiscreteSCM, backdoor_value, frontdoor_value, random_admg

from causalkit.exceptions import GraphError, NotIdentifiableError
from causalkit.identification import (
    backdoor_adjustment_sets,
    frontdoor_sets,
    id_algorithm,
    identify,
    optimal_adjustment_set,
)


def _latent_dag(edges):
    """DAG with an explicit latent parent for every bidirected edge."""
    g = nx.DiGraph()
    for k, e in enumerate(edges):
        u, conn, v = e.split()
        if conn == "-->":
            g.add_edge(u, v)
        else:
            g.add_edge(f"L{k}", u)
            g.add_edge(f"L{k}", v)
    return g


def _check_formula(edges, x, y, seed):
    full = _latent_dag(edges)
    scm = DiscreteSCM(full, np.random.default_rng(seed))
    observed = [n for n in full.nodes if not n.startswith("L")]
    table = scm.observed_table(observed)
    formula = id_algorithm(edges, x, y)
    for xv in (0, 1):
        for yv in (0, 1):
            got = formula.evaluate(table, {x: xv, y: yv}, weights="p")
            assert got == pytest.approx(scm.do_prob(y, x, xv, yv), abs=1e-10), (edges, str(formula))
    return formula, scm, table


NAPKIN = ["W1 --> W2", "W2 --> X", "X --> Y", "W1 <-> X", "W1 <-> Y"]


@pytest.mark.parametrize(
    "edges",
    [
        NAPKIN,
        ["X --> M", "M --> Y", "X <-> Y"],
        ["Z --> X", "Z --> Y", "X --> Y"],
        # Tian & Pearl style: identifiable by ID, neither by adjustment nor by front-door
        ["X --> Z1", "Z1 --> Y", "Z1 --> Z2", "Z2 --> Y", "X <-> Z2", "Z2 <-> Y"],
        ["W --> X", "X --> Z", "Z --> Y", "X <-> W", "W <-> Y"],
    ],
)
def test_id_formulas_match_the_interventional_distribution(edges):
    _check_formula(edges, "X", "Y", seed=0)


def test_napkin_not_by_backdoor_or_frontdoor_but_by_id():
    with pytest.raises(NotIdentifiableError):
        optimal_adjustment_set(NAPKIN, "X", "Y")
    assert frontdoor_sets(NAPKIN, "X", "Y") == []
    formula, _, _ = _check_formula(NAPKIN, "X", "Y", seed=3)
    assert formula.free_variables == ["W2", "X", "Y"]  # W2 is fixed at any value


@pytest.mark.parametrize(
    "edges",
    [
        ["X --> Y", "X <-> Y"],  # bow
        ["Z --> X", "X --> Y", "X <-> Y"],  # instrument only
        ["X --> Z", "Z --> Y", "X <-> Z"],  # confounded mediator
        ["X --> Y", "Z --> Y", "X <-> Z", "Z <-> Y"],
        [
            "W --> X",
            "X --> Z",
            "Z --> Y",
            "W <-> Z",
            "W <-> Y",
            "X <-> W",
        ],  # hedge for P(z | do(x))
    ],
)
def test_hedges(edges):
    with pytest.raises(NotIdentifiableError, match="hedge"):
        id_algorithm(edges, "X", "Y")


def test_random_admgs_all_formulas_are_sound():
    rng = np.random.default_rng(1)
    identified = refused = 0
    for _ in range(30):
        edges, full = random_admg(rng, 5, 0.4, n_bi=3)
        text = " ".join(edges)
        observed = sorted(n for n in full.nodes if not n.startswith("L") and n in text)
        if len(observed) < 3:
            continue
        x, y = (str(v) for v in rng.choice(observed, size=2, replace=False))
        scm = DiscreteSCM(
            full.subgraph(observed + [n for n in full if n.startswith("L")]).copy(), rng
        )
        table = scm.observed_table(observed)
        truth = scm.do_prob(y, x, 1)
        sets = backdoor_adjustment_sets(edges, x, y)
        fd = frontdoor_sets(edges, x, y)
        try:
            formula = id_algorithm(edges, x, y)
        except NotIdentifiableError:
            assert not sets and not fd  # ID is complete: adjustment/front-door imply ID
            refused += 1
            continue
        identified += 1
        assert formula.evaluate(table, {x: 1, y: 1}, weights="p") == pytest.approx(truth, abs=1e-10)
        for z in sets:
            assert backdoor_value(table, x, y, z, 1) == pytest.approx(truth, abs=1e-10)
        for m in fd:
            assert frontdoor_value(table, x, y, m, 1) == pytest.approx(truth, abs=1e-10)
        res = identify(edges, x, y)
        if res.strategy == "backdoor":
            assert backdoor_value(table, x, y, res.adjustment_set, 1) == pytest.approx(
                truth, abs=1e-10
            )
    assert identified >= 10 and refused >= 2


def test_formula_from_samples_is_close():
    edges = ["X --> M", "M --> Y", "X <-> Y"]
    full = _latent_dag(edges)
    scm = DiscreteSCM(full, np.random.default_rng(4))
    table = scm.observed_table(["X", "M", "Y"])
    rng = np.random.default_rng(5)
    rows = table.loc[rng.choice(len(table), size=20000, p=table["p"] / table["p"].sum())]
    data = rows.drop(columns="p").reset_index(drop=True)
    got = id_algorithm(edges, "X", "Y").evaluate(data, {"X": 1, "Y": 1})
    assert got == pytest.approx(scm.do_prob("Y", "X", 1), abs=0.02)


def test_id_rejects_equivalence_classes_and_sets_work():
    with pytest.raises(GraphError, match="CPDAG"):
        id_algorithm(["X --- Z", "X --> Y"], "X", "Y")
    formula = id_algorithm(["X1 --> Y", "X2 --> Y", "X1 <-> X2"], ["X1", "X2"], "Y")
    assert str(formula) == "P(Y | do(X1, X2)) = P(Y | X1, X2)"
