"""Pair relations and decisions: bitmask rules against brute-force path enumeration."""

import itertools

import networkx as nx
import numpy as np
import pytest

from causalkit.bench.gen_corr2cause import all_dags, mec_signature
from causalkit.exceptions import InvalidInputError, UnknownNodeError
from causalkit.graphs import CausalGraph, dag_to_cpdag
from causalkit.reasoning import Hypothesis, decide, oracle_fci, oracle_pc, relation_holds
from causalkit.reasoning._bits import RELATION_NAMES, BitDAG, bits


def _simple_paths(edges, n, x, y):
    adj = {v: set() for v in range(n)}
    for u, v in edges:
        adj[u].add(v)
        adj[v].add(u)
    out, stack = [], [[x]]
    while stack:
        path = stack.pop()
        for w in adj[path[-1]]:
            if w in path:
                continue
            if w == y:
                out.append(path + [w])
            else:
                stack.append(path + [w])
    return out


def c2c_reference(edges, n, x, y):
    """Line-by-line port of compute_relation() in Corr2Cause's code/data_gen.cpp (bits 0..5)."""
    bitset = 0
    for path in _simple_paths(edges, n, x, y):
        p = len(path)
        if p <= 2:
            bitset |= 1 if (x, y) in edges else 1 << 2
            continue
        left = 0
        for i in range(p - 1):
            if (path[i], path[i + 1]) in edges:
                left += 1
            else:
                break
        right = 0
        for i in range(p - 1, 0, -1):
            if (path[i], path[i - 1]) in edges:
                right += 1
            else:
                break
        if left == p - 1:
            bitset |= 1 << 1
        elif right == p - 1:
            bitset |= 1 << 3
        elif left + right == p - 1:
            bitset |= 1 << 4
        else:
            left2 = 0
            for i in range(p - 1):
                if (path[i + 1], path[i]) in edges:
                    left2 += 1
                else:
                    break
            right2 = 1 if (path[p - 2], path[p - 1]) in edges else 0  # the C++ loop stops after one step
            bitset |= (1 << 5) if left2 + right2 == p - 1 else (1 << 6)
    return bitset


def standard_reference(edges, n, x, y):
    """Definitions via networkx: common cause / effect with paths sharing only that node."""
    g = nx.DiGraph(list(edges))
    g.add_nodes_from(range(n))
    out = {}
    out["parent"] = g.has_edge(x, y)
    out["child"] = g.has_edge(y, x)
    out["ancestor"] = any(len(p) >= 3 for p in nx.all_simple_paths(g, x, y))
    out["descendant"] = any(len(p) >= 3 for p in nx.all_simple_paths(g, y, x))

    def disjoint(paths_a, paths_b):
        return any(set(a[:-1]).isdisjoint(b[:-1]) for a in paths_a for b in paths_b)

    out["collider"] = any(disjoint(list(nx.all_simple_paths(g, x, c)), list(nx.all_simple_paths(g, y, c)))
                          for c in range(n) if c not in (x, y))
    out["confounder"] = any(disjoint([p[::-1] for p in nx.all_simple_paths(g, c, x)], [p[::-1] for p in nx.all_simple_paths(g, c, y)])
                            for c in range(n) if c not in (x, y))
    return out


# the C++ bit of each of RELATION_NAMES (parent, child, ancestor, descendant, collider, confounder)
_CPP_BIT = (0, 2, 1, 3, 4, 5)


def _edges(d: BitDAG):
    return {(u, v) for v in range(d.n) for u in bits(d.pa[v])}


def _random_dag(n, rng, p=0.5):
    perm = rng.permutation(n)
    pa = [0] * n
    for a, b in itertools.combinations(range(n), 2):
        if rng.random() < p:
            pa[int(perm[b])] |= 1 << int(perm[a])
    return BitDAG(tuple(pa))


def _check_against_reference(d: BitDAG):
    e = _edges(d)
    c2c = d.relations("corr2cause")
    std = d.relations("standard")
    for x, y in itertools.permutations(range(d.n), 2):
        ref = c2c_reference(e, d.n, x, y)
        for k, bit in enumerate(_CPP_BIT):
            assert bool(c2c[k][x] >> y & 1) == bool(ref >> bit & 1), (e, x, y, RELATION_NAMES[k])
        sref = standard_reference(e, d.n, x, y)
        for k, name in enumerate(RELATION_NAMES):
            assert bool(std[k][x] >> y & 1) == sref[name], (e, x, y, name)


def test_relations_match_corr2cause_generator_and_definitions_on_all_dags_up_to_4():
    for n in (2, 3, 4):
        for d in all_dags(n):
            _check_against_reference(d)


def test_relations_match_references_on_random_5_and_6_node_dags():
    rng = np.random.default_rng(3)
    for _ in range(40):
        _check_against_reference(_random_dag(int(rng.integers(5, 7)), rng, p=float(rng.uniform(0.3, 0.7))))


def test_corr2cause_confounder_rule_differs_from_standard_where_expected():
    # c -> x and c -> d -> y: a common cause, but not a parent of y (the later variable)
    g = "C --> X; C --> D; D --> Y"
    assert relation_holds(g, Hypothesis("confounder", "X", "Y"))
    names = ["X", "Y", "C", "D"]
    cls = CausalGraph(nodes=names, edges=["C --> X", "C --> D", "D --> Y"])
    d_std = decide(Hypothesis("confounder", "X", "Y"), cls, semantics="standard")
    d_c2c = decide(Hypothesis("confounder", "Y", "X"), cls, semantics="corr2cause", order=names)
    assert d_c2c.n_graphs == d_std.n_graphs  # same class either way
    # with the premise order X before Y the dataset rule needs a parent of Y that causes X: none
    dag = CausalGraph(nodes=names, edges=["C --> X", "C --> D", "D --> Y"])
    one = decide(Hypothesis("confounder", "X", "Y"), dag.to_cpdag(), semantics="corr2cause", order=names)
    both = decide(Hypothesis("confounder", "Y", "X"), dag.to_cpdag(), semantics="corr2cause", order=names)
    assert one.verdict == both.verdict  # wording order does not matter, premise order does


def test_classic_three_variable_classes():
    collider = oracle_pc(["A", "B", "C"], ["A _||_ C"])
    assert decide(Hypothesis("parent", "A", "B"), collider).verdict == "follows"
    assert decide(Hypothesis("collider", "A", "C"), collider).label == "yes"
    assert decide(Hypothesis("confounder", "A", "C"), collider).verdict == "contradicted"
    chain = oracle_pc(["A", "B", "C"], ["A _||_ C | B"])
    d = decide(Hypothesis("parent", "A", "B"), chain)
    assert (d.verdict, d.n_graphs, d.n_true, d.label) == ("undetermined", 3, 1, "no")
    assert d.counterexample  # a DAG of the class where it fails
    assert decide(Hypothesis("ancestor", "A", "C"), chain).n_true == 1  # only A->B->C of A->B->C, C->B->A, A<-B->C


def test_decide_counts_against_enumeration_of_all_members():
    from causalkit.graphs import enumerate_dags

    every = all_dags(4)
    names = list("ABCD")
    rng = np.random.default_rng(0)
    for k in rng.choice(len(every), size=25, replace=False):
        d = every[int(k)]
        g = CausalGraph(nodes=names, edges=[(names[u], names[v]) for u, v in _edges(d)])
        cpdag = dag_to_cpdag(g)
        h = Hypothesis(RELATION_NAMES[int(k) % 6], "A", "C")
        dec = decide(h, cpdag)
        dags = enumerate_dags(cpdag)
        assert dec.n_graphs == len(dags)
        assert dec.n_true == sum(relation_holds(m, h) for m in dags)
        # the class is exactly the DAGs with the same skeleton and v-structures
        sig = mec_signature(d)
        assert dec.n_graphs == sum(mec_signature(m) == sig for m in every)


def test_decide_errors_and_hypothesis_validation():
    cls = oracle_pc(["A", "B", "C"], ["A _||_ C"])
    with pytest.raises(UnknownNodeError, match="Q"):
        decide(Hypothesis("parent", "A", "Q"), cls)
    with pytest.raises(InvalidInputError, match="relation"):
        Hypothesis("sibling", "A", "B")
    with pytest.raises(InvalidInputError):
        Hypothesis("parent", "A", "A")
    with pytest.raises(InvalidInputError, match="order"):
        decide(Hypothesis("parent", "A", "B"), cls, order=["A", "B"])


def test_decide_accepts_text_and_triples():
    cls = oracle_pc(["A", "B", "C"], ["A _||_ C"])
    assert decide("C directly causes B.", cls).label == "yes"
    assert decide(("collider", "A", "C"), cls).label == "yes"


def test_pag_decisions():
    pag = oracle_fci(["A", "B", "C"], ["A _||_ C"])  # A o-> B <-o C
    assert decide(Hypothesis("parent", "A", "B"), pag).verdict == "undetermined"
    assert decide(Hypothesis("parent", "B", "A"), pag).verdict == "contradicted"  # arrowhead at B
    assert decide(Hypothesis("collider", "A", "C"), pag).verdict == "undetermined"  # B could be confounded
    # definite structure: A -> B <- C, B -> D with D's edges oriented by FCI
    pag2 = oracle_fci(["A", "B", "C", "D"], ["A _||_ C", "A _||_ D | B", "C _||_ D | B", "A _||_ C | D"] +
                      ["A _||_ D | B, C", "C _||_ D | A, B"])
    kinds = {str(e) for e in pag2.graph.edges()}
    assert "B --> D" in kinds
    assert decide(Hypothesis("parent", "B", "D"), pag2).verdict == "follows"
    assert decide(Hypothesis("ancestor", "A", "D"), pag2).verdict in ("undetermined", "follows")
    assert decide(Hypothesis("confounder", "A", "C"), pag2).verdict in ("undetermined", "contradicted")
    latent = CausalGraph(edges=["X <-> Y", "Z o-> X"])
    assert decide(Hypothesis("confounder", "X", "Y"), latent).verdict == "follows"
