"""FCI: causal discovery that allows latent confounders and returns a PAG (via causal-learn)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from causalkit._validation import check_alpha
from causalkit.discovery._causallearn import (
    DISCRETE_TESTS,
    CITBridge,
    causallearn_errors,
    check_ci_test_name,
    check_depth,
    check_knowledge,
    enforce_knowledge,
    graph_from_causallearn,
    make_nodes,
    make_result,
    prepare_data,
    to_causallearn_knowledge,
)
from causalkit.results import DiscoveryResult

__all__ = ["fci"]

_PROPERTY_NAMES = {
    "dd": "definitely_direct",
    "pd": "possibly_direct",
    "nl": "no_latent_confounder",
    "pl": "possible_latent_confounder",
}


def _edge_record(edge: Any) -> dict[str, Any]:
    from causalkit.graphs import Edge, Mark

    marks = {"TAIL": Mark.TAIL, "ARROW": Mark.ARROW, "CIRCLE": Mark.CIRCLE}
    e = Edge(edge.get_node1().get_name(), edge.get_node2().get_name(),
             marks.get(edge.get_endpoint1().name, Mark.CIRCLE), marks.get(edge.get_endpoint2().name, Mark.CIRCLE))
    return {
        "edge": str(e),
        "source": e.u,
        "target": e.v,
        "properties": [_PROPERTY_NAMES.get(p.name, p.name) for p in edge.properties],
    }


def fci(
    data: Any,
    *,
    alpha: float = 0.05,
    ci_test: str | Callable = "fisherz",
    max_depth: int | None = None,
    max_path_length: int | None = None,
    background_knowledge: Any = None,
    columns: Sequence[str] | None = None,
    **ci_kwargs: Any,
) -> DiscoveryResult:
    """Learn a partial ancestral graph (PAG) with the Fast Causal Inference algorithm.

    FCI does not assume causal sufficiency: a ``<->`` edge means a latent common cause, ``o->``
    and ``o-o`` mark what the data cannot decide. Runs causal-learn's ``fci`` with a causalkit CI
    test.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Samples in rows, variables in columns (column names become node names).
    alpha : float
        Significance level of the CI tests.
    ci_test : str or callable
        A registered CI test (``"fisherz"``, ``"chisq"``, ``"gsq"``, ``"kci"``, ...) or a callable
        ``test(x, y, cond) -> p_value`` over column indices.
    max_depth : int, optional
        Largest conditioning set in the adjacency search (None: unlimited).
    max_path_length : int, optional
        Longest discriminating path considered (None: unlimited).
    background_knowledge : BackgroundKnowledge, optional
        Required / forbidden edges and tiers. Forbidden edges are never in the output; a required
        edge the data do not support is added back with a warning.
    columns : sequence of str, optional
        Use only these columns.
    **ci_kwargs
        Options for the CI test (e.g. ``max_rows``/``random_state`` for ``kci``).

    Returns
    -------
    DiscoveryResult
        ``graph`` is the PAG (edges ``-->``, ``<->``, ``o->``, ``o-o``); ``extra["edges"]`` lists
        causal-learn's edges with their properties (``definitely_direct``, ``possibly_direct``,
        ``no_latent_confounder``, ``possible_latent_confounder``). FCI does not expose its
        separating sets, so ``sepsets`` is empty.

    Raises
    ------
    InvalidInputError
        Bad data (NaN, constant or non-numeric column), unknown CI test, bad alpha or depth.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=500), rng.normal(size=500)
    >>> df = pd.DataFrame({"A": a, "B": b, "C": a + b + rng.normal(size=500)})
    >>> fci(df).graph.edges()  # doctest: +SKIP
    [Edge(u='A', v='C', ...), Edge(u='B', v='C', ...)]
    """
    start = time.perf_counter()
    alpha = check_alpha(alpha)
    ci = check_ci_test_name(ci_test)
    depth = check_depth(max_depth, "max_depth")
    path_length = check_depth(max_path_length, "max_path_length")
    _, x, names = prepare_data(data, columns, discrete=ci in DISCRETE_TESTS)
    bk = check_knowledge(background_knowledge, names)

    from causallearn.search.ConstraintBased.FCI import fci as cl_fci

    bridge = CITBridge(x, ci, **ci_kwargs)
    nodes = make_nodes(names)
    with causallearn_errors("FCI") as notes:
        cl_bk = to_causallearn_knowledge(bk, nodes)
        g, edges = cl_fci(
            x, CITBridge.METHOD, alpha, depth=depth, max_path_length=path_length,
            background_knowledge=cl_bk, show_progress=False, node_names=names, **bridge.kwargs(),
        )
    graph, graph_notes = graph_from_causallearn(g, names)
    notes = notes + graph_notes + enforce_knowledge(graph, bk)
    params = {
        "alpha": alpha,
        "ci_test": ci if isinstance(ci, str) else bridge.name,
        "max_depth": max_depth,
        "max_path_length": max_path_length,
        "background_knowledge": bk is not None,
        **{k: v for k, v in ci_kwargs.items() if isinstance(v, (int, float, str, bool))},
    }
    return make_result(
        graph, "fci", params, start, warnings=notes, n_ci_tests=bridge.n_tests,
        extra={"edges": [_edge_record(e) for e in edges]},
    )
