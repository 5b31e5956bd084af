"""Comparing an estimated graph with the true one: structural Hamming distance, skeleton and
arrowhead precision/recall/F1.

All metrics work over unordered node pairs and the marks at each end of an edge, so they apply to
DAGs, CPDAGs, PAGs and mixed graphs alike. To score a CPDAG learned by PC or GES, compare it with the
true CPDAG (``dag_to_cpdag(true_dag)``) rather than the true DAG, or every reversible edge counts as
an error.
"""

from __future__ import annotations

from typing import Any

from causalkit.graphs._graph import CausalGraph, Mark
from causalkit.graphs.io import _check_same_nodes, parse_graph

__all__ = ["shd", "skeleton_metrics", "arrowhead_metrics", "compare_graphs"]


def _prepare(true: Any, est: Any) -> tuple[CausalGraph, CausalGraph]:
    t, e = parse_graph(true), parse_graph(est)
    _check_same_nodes(t, e, "the true and estimated graphs")
    return t, e


def _ends(g: CausalGraph) -> dict[frozenset, dict[Any, Mark]]:
    """``{frozenset({u, v}): {u: mark at u, v: mark at v}}`` for every edge."""
    return {frozenset((e.u, e.v)): {e.u: e.mark_u, e.v: e.mark_v} for e in g.edges()}


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """Precision, recall and F1; an empty denominator counts as perfect (nothing to get wrong)."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def shd(true: Any, est: Any, *, double_for_reversal: bool = False) -> int:
    """Structural Hamming distance between two graphs over the same nodes.

    Counted over unordered node pairs: +1 for each pair adjacent in one graph but not the other
    (a missing or extra edge), and +1 for each pair adjacent in both whose edge marks differ (a
    reversed, wrongly (un)directed or wrongly bidirected edge).

    Parameters
    ----------
    true, est : CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
        The graphs; their node sets must be equal.
    double_for_reversal : bool
        When True, a pair adjacent in both graphs counts the number of edge *ends* whose marks
        differ (0-2), so a reversed edge ``A --> B`` vs ``A <-- B`` costs 2 while ``A --> B`` vs
        ``A --- B`` costs 1 (as in the CDT package's ``double_for_anticausal``).

    Returns
    -------
    int

    Raises
    ------
    UnknownNodeError
        Naming a node that is in one graph but not the other.

    Examples
    --------
    >>> shd("A -> B; B -> C", "A -> B; C -> B")
    1
    >>> shd("A -> B; B -> C", "A -> B; C -> B", double_for_reversal=True)
    2
    >>> shd("A -> B; C", "A --- B; B -> C")
    2
    """
    t, e = _prepare(true, est)
    te, ee = _ends(t), _ends(e)
    dist = len(te.keys() ^ ee.keys())
    for pair in te.keys() & ee.keys():
        wrong = sum(te[pair][n] != ee[pair][n] for n in pair)
        dist += wrong if double_for_reversal else int(wrong > 0)
    return dist


def skeleton_metrics(true: Any, est: Any) -> dict[str, float | int]:
    """Precision, recall and F1 of the estimated adjacencies (edge marks ignored).

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``tp`` (pairs adjacent in both), ``fp`` (adjacent only in
        ``est``), ``fn`` (adjacent only in ``true``). With no estimated edges precision is 1.0
        (nothing claimed wrongly); with no true edges recall is 1.0.

    Examples
    --------
    >>> skeleton_metrics("A -> B; B -> C", "A -> B; A -> C")["tp"]
    1
    """
    t, e = _prepare(true, est)
    ts, es = set(_ends(t)), set(_ends(e))
    return _prf(len(ts & es), len(es - ts), len(ts - es))


def arrowhead_metrics(true: Any, est: Any) -> dict[str, float | int]:
    """Precision, recall and F1 of the estimated arrowheads.

    An arrowhead is an edge end with an arrow mark (``A --> B`` has one at ``B``; ``A <-> B`` two).
    It is a true positive when the true graph has an arrowhead at the same node on an edge between
    the same pair.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``tp``, ``fp``, ``fn`` (counts of arrowheads).

    Examples
    --------
    >>> arrowhead_metrics("A -> B; C -> B", "A -> B; B -> C")["precision"]
    0.5
    """
    t, e = _prepare(true, est)

    def heads(g: CausalGraph) -> set[tuple[frozenset, Any]]:
        return {(pair, n) for pair, m in _ends(g).items() for n, mark in m.items() if mark == Mark.ARROW}

    th, eh = heads(t), heads(e)
    return _prf(len(th & eh), len(eh - th), len(th - eh))


def compare_graphs(true: Any, est: Any) -> dict[str, float | int]:
    """All comparison metrics in one flat dictionary.

    Returns
    -------
    dict
        ``shd``, ``shd_double`` (with ``double_for_reversal=True``), ``n_true_edges``,
        ``n_est_edges``, ``skeleton_{precision,recall,f1,tp,fp,fn}`` and
        ``arrowhead_{precision,recall,f1,tp,fp,fn}``.

    Examples
    --------
    >>> compare_graphs("A -> B", "A -> B")["shd"]
    0
    """
    t, e = _prepare(true, est)
    out: dict[str, float | int] = {
        "shd": shd(t, e),
        "shd_double": shd(t, e, double_for_reversal=True),
        "n_true_edges": len(t.edges()),
        "n_est_edges": len(e.edges()),
    }
    out.update({f"skeleton_{k}": v for k, v in skeleton_metrics(t, e).items()})
    out.update({f"arrowhead_{k}": v for k, v in arrowhead_metrics(t, e).items()})
    return out
