"""GES: greedy equivalence search over CPDAGs with a decomposable score (via causal-learn)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from causalkit._validation import check_choice, check_positive_int
from causalkit.discovery._causallearn import (
    causallearn_errors,
    graph_from_causallearn,
    make_result,
    prepare_data,
)
from causalkit.exceptions import InvalidInputError
from causalkit.results import DiscoveryResult

__all__ = ["ges", "GES_SCORES"]

#: causalkit score name -> causal-learn score function name.
GES_SCORES = {
    "bic": "local_score_BIC",
    "bdeu": "local_score_BDeu",
    "generalized": "local_score_marginal_general",
}


def ges(
    data: Any,
    *,
    score: str = "bic",
    max_parents: int | None = None,
    columns: Sequence[str] | None = None,
    background_knowledge: Any = None,
) -> DiscoveryResult:
    """Learn a CPDAG with Greedy Equivalence Search.

    Runs causal-learn's ``ges``: a forward phase adds edges while the score improves, a backward
    phase removes them; the result is the Markov equivalence class (CPDAG) of the best DAG.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Samples in rows, variables in columns.
    score : {"bic", "bdeu", "generalized"}
        ``"bic"``: linear-Gaussian BIC (continuous data). ``"bdeu"``: Bayesian Dirichlet score for
        discrete (integer-coded) data. ``"generalized"``: kernel marginal-likelihood score for
        nonlinear relations; it costs O(n^3) per evaluation, so keep n to a few hundred.
    max_parents : int, optional
        Limit on parents (None: no limit). causal-learn applies its ``maxP`` before an insertion
        (it allows one more parent than ``maxP``), so ``maxP = max_parents - 1`` is passed; an
        insertion can still turn undirected neighbours into parents, so a node may end with more
        than ``max_parents`` parents in the CPDAG - the result then carries a warning.
    columns : sequence of str, optional
        Use only these columns.
    background_knowledge : None
        Not supported: causal-learn's GES has no background knowledge and it cannot be applied
        afterwards without breaking the score optimum. Passing any raises
        :class:`~causalkit.exceptions.InvalidInputError`; use ``pc`` or ``fci`` instead.

    Returns
    -------
    DiscoveryResult
        ``graph`` is a CPDAG; ``extra["score"]`` is causal-learn's score of the result (its
        scores are *negated* log-scores, lower is better) and ``extra["score_name"]`` the score.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=500), rng.normal(size=500)
    >>> df = pd.DataFrame({"A": a, "B": b, "C": a + b + rng.normal(size=500)})
    >>> ges(df).graph.to_edge_list()  # doctest: +SKIP
    ['A --> C', 'B --> C']
    """
    start = time.perf_counter()
    if background_knowledge is not None:
        raise InvalidInputError(
            "GES does not support background knowledge (causal-learn's GES has no such option, and "
            "editing its output afterwards would no longer be a score optimum). Use method 'pc' or "
            "'fci' with background_knowledge, or drop it."
        )
    check_choice(score, list(GES_SCORES), "score")
    if max_parents is not None:
        max_parents = check_positive_int(max_parents, "max_parents", minimum=0)
    _, x, names = prepare_data(data, columns, discrete=score == "bdeu")
    notes: list[str] = []
    if score == "generalized" and len(x) > 500:
        notes.append(
            f"the generalized (kernel) score costs O(n^3); with n={len(x)} GES may take very long. "
            "Sub-sample the rows (data.sample(500, random_state=0)) if it does."
        )

    from causallearn.search.ScoreBased.GES import ges as cl_ges

    with causallearn_errors("GES") as cl_notes:
        record = cl_ges(x, score_func=GES_SCORES[score], node_names=names,
                        maxP=None if max_parents is None else max_parents - 1)
    graph, graph_notes = graph_from_causallearn(record["G"], names)
    if max_parents is not None:
        over = [n for n in names if len(graph.parents(n)) > max_parents]
        if over:
            notes.append(f"{over[0]!r} has {len(graph.parents(over[0]))} parents, more than max_parents="
                         f"{max_parents} (GES inserts with the undirected neighbours as extra parents).")
    cl_score = record.get("score")
    try:
        cl_score = float(cl_score)
    except (TypeError, ValueError):
        cl_score = float("nan")
    return make_result(
        graph,
        "ges",
        {"score": score, "max_parents": max_parents},
        start,
        warnings=notes + cl_notes + graph_notes,
        extra={"score": cl_score, "score_name": score},
    )
