"""Graph comparison metrics on hand-worked examples."""

import pytest

from causalkit.exceptions import UnknownNodeError
from causalkit.graphs import arrowhead_metrics, compare_graphs, shd, skeleton_metrics

TRUE = "A -> B; B -> C; C -> D"
EST = "A -> B; C -> B; D --- C; A -> D"  # same, reversed, undirected, extra


def test_shd_hand_worked():
    assert shd(TRUE, TRUE) == 0
    assert shd(TRUE, EST) == 3
    assert shd(TRUE, EST, double_for_reversal=True) == 4  # reversal 2 + undirected 1 + extra 1
    assert shd(TRUE, "A -> B; C; D") == 2  # two missing edges
    assert shd("A --> B", "A <-> B") == 1
    assert shd("A --> B", "A <-> B", double_for_reversal=True) == 1
    assert shd("A o-> B", "A --> B") == 1


def test_skeleton_and_arrowhead_metrics_hand_worked():
    s = skeleton_metrics(TRUE, EST)
    assert (s["tp"], s["fp"], s["fn"]) == (3, 1, 0)
    assert s["precision"] == pytest.approx(0.75) and s["recall"] == 1.0 and s["f1"] == pytest.approx(6 / 7)
    a = arrowhead_metrics(TRUE, EST)
    assert (a["tp"], a["fp"], a["fn"]) == (1, 2, 2)
    assert a["precision"] == pytest.approx(1 / 3) and a["recall"] == pytest.approx(1 / 3)
    bi = arrowhead_metrics("A <-> B", "A --> B")
    assert (bi["tp"], bi["fp"], bi["fn"]) == (1, 0, 1)


def test_empty_graph_conventions():
    empty = skeleton_metrics("A; B", "A; B")
    assert empty["precision"] == empty["recall"] == empty["f1"] == 1.0
    none_found = skeleton_metrics("A -> B", "A; B")
    assert none_found["precision"] == 1.0 and none_found["recall"] == 0.0 and none_found["f1"] == 0.0


def test_compare_graphs_collects_everything():
    out = compare_graphs(TRUE, EST)
    assert out["shd"] == 3 and out["shd_double"] == 4
    assert out["n_true_edges"] == 3 and out["n_est_edges"] == 4
    assert out["skeleton_tp"] == 3 and out["arrowhead_tp"] == 1
    assert set(out) >= {"skeleton_precision", "skeleton_recall", "skeleton_f1", "arrowhead_f1"}


def test_node_sets_must_match():
    with pytest.raises(UnknownNodeError, match="'C'.*first graph"):
        shd("A -> B; C", "A -> B")
    with pytest.raises(UnknownNodeError, match="'Z'"):
        compare_graphs("A -> B", "A -> B; Z")
