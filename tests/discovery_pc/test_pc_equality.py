"""pc() gives exactly causal-learn's CPDAG, skeleton, separating sets and test count."""

import warnings

import numpy as np
import pandas as pd
import pytest
from _pc_helpers import linear_gaussian, marks, random_dag, skeleton
from causallearn.graph.GraphNode import GraphNode
from causallearn.search.ConstraintBased.PC import pc as cl_pc

from causalkit.discovery.knowledge import BackgroundKnowledge
from causalkit.discovery.pc import pc


def _causallearn(X, alpha=0.05, test="fisherz", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cl_pc(X, alpha, test, show_progress=False, **kw)


def _data(n_nodes, degree, n_rows, seed):
    rng = np.random.default_rng(seed)
    return linear_gaussian(random_dag(n_nodes, degree, rng), n_rows, rng)


def _cl_sepset_union(cg, i, j):
    entry = cg.sepset[i, j]
    return None if entry is None else set().union(*[set(map(int, s)) for s in entry])


def _assert_same(cg, res):
    ours = res.extra["endpoint_matrix"]
    assert skeleton(ours) == skeleton(cg.G.graph)
    assert marks(ours) == marks(cg.G.graph)
    assert res.n_ci_tests == len(cg.test.pvalue_cache) - 3  # causal-learn's cache: one entry per test
    names = res.graph.nodes
    index = {v: k for k, v in enumerate(names)}
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            mine = res.sepsets.get(frozenset((names[i], names[j])))
            theirs = _cl_sepset_union(cg, i, j)
            assert (mine is None) == (theirs is None), (i, j)
            if mine is not None:
                assert {index[v] for v in mine} == theirs, (i, j)


@pytest.mark.parametrize(
    "n_nodes, degree, n_rows, seed",
    [(10, 2, 500, 0), (10, 3, 200, 1), (15, 3, 300, 2), (20, 3, 300, 3), (30, 4, 1000, 4)],
)
def test_default_pc_equals_causallearn(n_nodes, degree, n_rows, seed):
    X = _data(n_nodes, degree, n_rows, seed)
    _assert_same(_causallearn(X), pc(X))


@pytest.mark.parametrize(
    "options",
    [
        {"stable": False},
        {"uc_priority": 0},
        {"uc_priority": 1},
        {"uc_priority": 3},
        {"uc_priority": 4},
        {"uc_rule": 1},
        {"uc_rule": 1, "uc_priority": 1},
        {"uc_rule": 2},
        {"uc_rule": 2, "uc_priority": 2},
        {"max_depth": 1},
        {"alpha": 0.2},
        {"alpha": 0.001, "stable": False, "uc_priority": 0},
    ],
    ids=str,
)
def test_options_equal_causallearn(options):
    X = _data(12, 3, 100, 3)  # small n: conflicting colliders, so the priorities give different graphs
    cl_options = {("max_k" if k == "max_depth" else k): v for k, v in options.items() if k != "alpha"}
    cg = _causallearn(X, options.get("alpha", 0.05), **cl_options)
    _assert_same(cg, pc(X, **options))


def _knowledge(names, B, rng, seed):
    src, dst = np.nonzero(B)
    pick = rng.choice(len(src), 4, replace=False)
    required = [(names[src[k]], names[dst[k]]) for k in pick[:2]]
    forbidden = [(names[dst[k]], names[src[k]]) for k in pick[2:]]  # reversed true edges
    forbidden += [(names[0], names[5]), (names[5], names[0]), (names[3], names[8])]
    forbidden = [e for e in forbidden if e not in required]
    tiers = [names[:3], names[3:6]] if seed % 2 == 0 else []
    return BackgroundKnowledge(required=required, forbidden=forbidden, tiers=tiers,
                               forbid_within_tiers=seed == 2)


@pytest.mark.parametrize("seed, stable", [(0, True), (1, True), (2, False)])
def test_background_knowledge_equals_causallearn(seed, stable):
    rng = np.random.default_rng(50 + seed)
    B = random_dag(15, 3, rng)
    X = linear_gaussian(B, 300, rng)
    names = [f"V{i}" for i in range(15)]
    bk = _knowledge(names, B, rng, seed)
    cg = _causallearn(X, node_names=names, stable=stable,
                      background_knowledge=bk.to_causallearn([GraphNode(v) for v in names]))
    res = pc(pd.DataFrame(X, columns=names), background_knowledge=bk, stable=stable)
    _assert_same(cg, res)
    for u, v in bk.required:  # kept edges point the required way
        if res.graph.has_edge(u, v):
            assert res.graph.is_directed_edge(u, v)


@pytest.mark.parametrize("test", ["gsq", "chisq"])
def test_discrete_tests_equal_causallearn(test):
    rng = np.random.default_rng(11)
    X = linear_gaussian(random_dag(7, 2.5, rng), 1200, rng)
    D = np.column_stack([np.digitize(c, np.quantile(c, [0.33, 0.66])) for c in X.T]).astype(float)
    _assert_same(_causallearn(D, test=test), pc(D, ci_test=test))


def test_callable_ci_test_equals_named_test():
    rng = np.random.default_rng(12)
    X = linear_gaussian(random_dag(6, 2, rng), 800, rng)
    D = np.column_stack([(c > np.median(c)).astype(float) for c in X.T])
    from causalkit.discovery.ci_tests import get_ci_test

    named = pc(D, ci_test="gsq")
    custom = pc(D, ci_test=get_ci_test("gsq", D))
    assert marks(named.extra["endpoint_matrix"]) == marks(custom.extra["endpoint_matrix"])
    assert named.n_ci_tests == custom.n_ci_tests


def test_graph_and_sepsets_use_column_names():
    X = _data(8, 2, 2000, 5)
    names = [f"node_{c}" for c in "abcdefgh"]
    res = pc(pd.DataFrame(X, columns=names))
    m = res.extra["endpoint_matrix"]
    assert res.graph.nodes == names
    for i, j, mi, mj in marks(m):
        kind = res.graph.edge_kind(names[i], names[j])
        assert kind == {(-1, 1): "-->", (1, -1): "<--", (-1, -1): "---"}[(mi, mj)]
    for pair, sep in res.sepsets.items():
        u, v = sorted(pair)
        assert not res.graph.has_edge(u, v)
        assert set(sep) <= set(names) - {u, v}
    assert len(res.graph.edges()) == len(marks(m))
    assert res.method == "pc" and res.params["ci_test"] == "fisherz"
    assert res.extra["tests_per_depth"][0] == 8 * 7 // 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("n_nodes, degree, n_rows", [(20, 4, 500), (30, 5, 2000), (50, 4, 10000)])
def test_sweep_equals_causallearn(n_nodes, degree, n_rows, seed):
    X = _data(n_nodes, degree, n_rows, 1000 + seed)
    _assert_same(_causallearn(X), pc(X))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("options", [{"stable": False}, {"uc_priority": 0}, {"uc_priority": 1},
                                     {"uc_rule": 1}, {"uc_rule": 2}, {"uc_priority": 3}], ids=str)
def test_sweep_options_equal_causallearn(options, seed):
    X = _data(14, 3, 100, 2000 + seed)
    _assert_same(_causallearn(X, **options), pc(X, **options))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10))
def test_sweep_background_knowledge_equals_causallearn(seed):
    rng = np.random.default_rng(3000 + seed)
    B = random_dag(20, 3, rng)
    X = linear_gaussian(B, 400, rng)
    names = [f"V{i}" for i in range(20)]
    bk = _knowledge(names, B, rng, seed % 3)
    for stable in (True, False):
        cg = _causallearn(X, node_names=names, stable=stable,
                          background_knowledge=bk.to_causallearn([GraphNode(v) for v in names]))
        _assert_same(cg, pc(pd.DataFrame(X, columns=names), background_knowledge=bk, stable=stable))


def test_parallel_generic_tests_give_the_same_graph():
    import joblib

    rng = np.random.default_rng(13)
    X = linear_gaussian(random_dag(7, 2.5, rng), 1000, rng)
    D = np.column_stack([np.digitize(c, np.quantile(c, [0.5])) for c in X.T]).astype(float)
    serial = pc(D, ci_test="gsq", uc_rule=1)
    with joblib.parallel_config(backend="threading"):
        parallel = pc(D, ci_test="gsq", uc_rule=1, n_jobs=2)
    assert marks(parallel.extra["endpoint_matrix"]) == marks(serial.extra["endpoint_matrix"])
    assert parallel.n_ci_tests == serial.n_ci_tests


def test_kci_equals_causallearn():
    rng = np.random.default_rng(0)
    n = 150
    a, b = rng.normal(size=n), rng.normal(size=n)
    c = np.tanh(a) + b**2 / 2 + 0.3 * rng.normal(size=n)
    d = np.sin(c) + 0.3 * rng.normal(size=n)
    X = np.column_stack([a, b, c, d])
    _assert_same(_causallearn(X, test="kci"), pc(X, ci_test="kci"))
