"""Equivalence classes produced by causalkit.graphs: CPDAGs from DAGs, PAGs from DAGs with latents."""

import itertools

import networkx as nx
import numpy as np
import pytest
from _identification_reference import adjustment_valid_by_paths, random_dag

from causalkit.exceptions import NotIdentifiableError
from causalkit.graphs import CausalGraph
from causalkit.identification import backdoor_adjustment_sets, identify

graphs = pytest.importorskip("causalkit.graphs")


@pytest.mark.skipif(
    not hasattr(graphs, "dag_to_cpdag"), reason="causalkit.graphs.dag_to_cpdag missing"
)
def test_identify_on_cpdag_from_dag_to_cpdag():
    # Z1 -> X <- Z2 is a v-structure, so X -> Y and Z1 -> Y are compelled; W --- Z1 stays undirected
    dag = CausalGraph(edges=["Z1 --> X", "Z2 --> X", "X --> Y", "Z1 --> Y", "W --> Z1"])
    cpdag = graphs.dag_to_cpdag(dag)
    assert "Z1 --- W" in cpdag.to_edge_list()
    res = identify(cpdag, "X", "Y")
    assert res.strategy == "backdoor"
    assert res.alternatives["graph_kind"] == "cpdag"
    assert backdoor_adjustment_sets(cpdag, "X", "Y") == [("Z1",)]
    assert res.adjustment_set == ("Z1",)


def _marks_agree_with(pag, dag) -> bool:
    """Every arrowhead/tail of the PAG matches (non-)ancestry in the true DAG.

    causal-learn's ``dag2pag`` (behind ``dag_to_pag``) sometimes puts an arrowhead at an ancestor,
    e.g. for V0 -> V2, V0 -> V4, V1 -> V2, V1 -> V6, V2 -> V6, V3 -> V4, V3 -> V6 with V0 latent it
    returns V2 <-> V1 <-> V6 although V1 causes both; such PAGs are skipped.
    """
    for e in pag.edges():
        for a, b, mark in ((e.u, e.v, e.mark_u), (e.v, e.u, e.mark_v)):
            is_anc = a in nx.ancestors(dag, b)
            if (mark.value == ">" and is_anc) or (mark.value == "-" and not is_anc):
                return False
    return True


@pytest.mark.skipif(not hasattr(graphs, "dag_to_pag"), reason="causalkit.graphs.dag_to_pag missing")
def test_pag_adjustment_sets_are_valid_in_the_true_dag():
    rng = np.random.default_rng(0)
    identified = refused = 0
    for _ in range(20):
        g = random_dag(rng, 7, 0.3)
        latent = [str(v) for v in rng.choice(list(g.nodes), 1, replace=False)]
        pag = graphs.dag_to_pag(CausalGraph(nodes=list(g.nodes), edges=list(g.edges)), latent)
        if not _marks_agree_with(pag, g):
            continue
        observed = [n for n in g.nodes if n not in latent and n in pag]
        for x, y in itertools.permutations(observed, 2):
            if y not in nx.descendants(g, x):
                continue
            try:
                res = identify(pag, x, y)
            except NotIdentifiableError:
                refused += 1
                continue
            identified += 1
            assert adjustment_valid_by_paths(g, x, y, res.adjustment_set), (
                pag.to_edge_list(),
                x,
                y,
            )
    assert identified >= 3 and refused >= 10


@pytest.mark.skipif(
    not hasattr(graphs, "d_separated"), reason="causalkit.graphs.d_separated missing"
)
def test_internal_m_separation_agrees_with_causalkit_graphs():
    from _identification_reference import random_admg

    from causalkit.identification._model import build_model, d_separated

    rng = np.random.default_rng(9)
    checked = 0
    for _ in range(30):
        edges, _ = random_admg(rng, 6, 0.35, n_bi=2)
        pairs = [frozenset((e.split()[0], e.split()[2])) for e in edges]
        if len(set(pairs)) < len(pairs):  # CausalGraph keeps one edge per pair
            continue
        cg = CausalGraph(edges=edges)
        model = build_model(edges)
        nodes = cg.nodes
        for _ in range(10):
            x, y, *rest = rng.permutation(nodes)
            z = set(rest[: int(rng.integers(0, 3))])
            assert d_separated(model.dag, {x}, {y}, z) == graphs.d_separated(cg, x, y, z)
            checked += 1
    assert checked > 100
