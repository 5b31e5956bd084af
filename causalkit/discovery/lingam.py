"""LiNGAM: linear non-Gaussian acyclic models, which identify a full DAG (causal order via causal-learn).

With linear relations and non-Gaussian noise the whole DAG is identifiable, not just its
equivalence class. The causal order comes from causal-learn's ``DirectLiNGAM`` (or ``ICALiNGAM``);
the weights are then estimated exactly as the reference ``lingam`` package does (adaptive lasso
with BIC on standardised data for selection, then ordinary least squares on the original scale for
the kept parents), which causal-learn's copy does not do (it returns shrunken lasso weights).
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from causalkit._validation import check_choice, check_random_state
from causalkit.discovery._causallearn import (
    causallearn_errors,
    check_knowledge,
    make_result,
    prepare_data,
)
from causalkit.discovery.knowledge import BackgroundKnowledge
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph
from causalkit.results import DiscoveryResult

__all__ = ["lingam", "knowledge_to_prior_matrix"]


def knowledge_to_prior_matrix(bk: BackgroundKnowledge, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Map background knowledge to LiNGAM's prior-knowledge matrix and a direct-edge mask.

    Parameters
    ----------
    bk : BackgroundKnowledge
    names : sequence of str
        Variable names in column order.

    Returns
    -------
    prior : numpy.ndarray
        ``prior[i, j]`` in the ``lingam`` convention: ``1`` if ``j`` has a directed path to ``i``
        (required edges ``j --> i``), ``0`` if it has none (tiers: a later tier never causes an
        earlier one), ``-1`` unknown.
    no_edge : numpy.ndarray of bool
        ``no_edge[i, j]``: the direct edge ``j --> i`` is excluded from the weights (explicitly
        forbidden edges and edges within a tier when ``forbid_within_tiers``); these do not
        constrain the causal order, since a forbidden *direct* edge still allows an indirect path.
    """
    idx = {n: i for i, n in enumerate(names)}
    p = len(names)
    prior = -np.ones((p, p))
    no_edge = np.zeros((p, p), dtype=bool)
    for u, v in bk.required:
        prior[idx[v], idx[u]] = 1
    for a in names:
        for b in names:
            ta, tb = bk.tier(a), bk.tier(b)
            if a == b or ta is None or tb is None:
                continue
            if ta > tb:  # a is later: no path from a into b
                prior[idx[b], idx[a]] = 0
            elif ta == tb and bk.forbid_within_tiers:
                no_edge[idx[b], idx[a]] = True
    for u, v in bk.forbidden:
        no_edge[idx[v], idx[u]] = True
    np.fill_diagonal(prior, -1)
    return prior, no_edge


def _adaptive_lasso(x: np.ndarray, predictors: list[int], target: int, keep: set[int]) -> np.ndarray:
    """The reference ``lingam`` pruning: adaptive lasso (BIC) on standardised data, then OLS.

    ``keep`` are predictors that stay whatever the lasso says (required edges).
    """
    from sklearn.linear_model import LassoLarsIC, LinearRegression

    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    lr = LinearRegression().fit(xs[:, predictors], xs[:, target])
    weight = np.abs(lr.coef_)
    reg = LassoLarsIC(criterion="bic").fit(xs[:, predictors] * weight, xs[:, target])
    kept = np.abs(reg.coef_ * weight) > 0.0
    kept |= np.isin(predictors, list(keep))
    coef = np.zeros(len(predictors))
    if kept.any():
        cols = np.asarray(predictors)[kept]
        coef[kept] = LinearRegression().fit(x[:, cols], x[:, target]).coef_
    return coef


def _weights(x: np.ndarray, order: list[int], prior: np.ndarray | None, no_edge: np.ndarray) -> np.ndarray:
    p = x.shape[1]
    b = np.zeros((p, p))
    for pos in range(1, len(order)):
        target = order[pos]
        predictors = [j for j in order[:pos]
                      if not no_edge[target, j] and (prior is None or prior[target, j] != 0)]
        if not predictors:
            continue
        keep = set() if prior is None else {j for j in predictors if prior[target, j] == 1}
        b[target, predictors] = _adaptive_lasso(x, predictors, target, keep)
    return b


def _prior_from_argument(prior_knowledge: Any, background_knowledge: Any,
                         names: list[str]) -> tuple[np.ndarray | None, np.ndarray]:
    """The prior matrix (or None) and the forbidden-direct-edge mask from either argument."""
    if prior_knowledge is not None and background_knowledge is not None:
        raise InvalidInputError("Give either `prior_knowledge` or `background_knowledge`, not both.")
    knowledge = prior_knowledge if prior_knowledge is not None else background_knowledge
    p = len(names)
    if knowledge is None:
        return None, np.zeros((p, p), dtype=bool)
    if isinstance(knowledge, BackgroundKnowledge):
        check_knowledge(knowledge, names)
        return knowledge_to_prior_matrix(knowledge, names)
    prior = np.asarray(knowledge, dtype=float)
    if prior.shape != (p, p) or not np.isin(prior, (-1, 0, 1)).all():
        raise InvalidInputError(
            f"`prior_knowledge` must be a BackgroundKnowledge or a {p}x{p} matrix of -1/0/1 in the lingam "
            f"convention (prior[i, j] = 1: column j has a directed path to column i); got shape {prior.shape}."
        )
    return prior, np.zeros((p, p), dtype=bool)


def lingam(
    data: Any,
    *,
    method: str = "direct",
    prior_knowledge: Any = None,
    background_knowledge: Any = None,
    measure: str = "pwling",
    random_state: Any = None,
    columns: Sequence[str] | None = None,
    threshold: float = 0.0,
) -> DiscoveryResult:
    """Learn a DAG from a linear non-Gaussian acyclic model (LiNGAM).

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Continuous data; identifiability needs non-Gaussian noise (check with a normality test).
    method : {"direct", "ica"}
        ``"direct"``: DirectLiNGAM (deterministic, supports prior knowledge). ``"ica"``: ICA-LiNGAM
        (FastICA, seeded by ``random_state``; no prior knowledge).
    prior_knowledge : BackgroundKnowledge or array, optional
        Background knowledge, or LiNGAM's prior-knowledge matrix (``prior[i, j]``: ``1`` column ``j``
        has a directed path to ``i``, ``0`` it has none, ``-1`` unknown). Tiers become "no path
        from a later tier into an earlier one" (they constrain the causal order); required edges
        ``u --> v`` constrain the order and are always kept; forbidden edges are left out of the
        weights (a forbidden direct edge still allows an indirect path).
    background_knowledge : BackgroundKnowledge, optional
        Alias of ``prior_knowledge`` (the name the other algorithms use).
    measure : {"pwling", "kernel"}
        Independence measure of DirectLiNGAM (``"kernel"`` is O(n^2) per pair: small n only).
    random_state : int, numpy Generator or None
        Seed of FastICA for ``method="ica"`` (DirectLiNGAM is deterministic).
    columns : sequence of str, optional
        Use only these columns.
    threshold : float
        After the adaptive lasso, also drop weights with ``|b| < threshold`` (0: keep what the
        adaptive lasso keeps, exactly like the ``lingam`` package).

    Returns
    -------
    DiscoveryResult
        ``graph`` is a DAG with ``j --> i`` wherever ``B[i, j] != 0``;
        ``extra["adjacency_matrix"]`` is ``B`` (``B[i, j]`` = direct effect of column ``j`` on
        column ``i``, as in the ``lingam`` package), ``extra["causal_order"]`` the causal order as
        names and ``extra["columns"]`` the column order of ``B``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> a = rng.uniform(-1, 1, 2000)
    >>> df = pd.DataFrame({"A": a, "B": 2 * a + rng.uniform(-1, 1, 2000)})
    >>> lingam(df).graph.to_edge_list()
    ['A --> B']
    """
    start = time.perf_counter()
    check_choice(method, ["direct", "ica"], "method")
    check_choice(measure, ["pwling", "kernel"], "measure")
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or threshold < 0:
        raise InvalidInputError(f"`threshold` must be a number >= 0; got {threshold!r}.")
    _, x, names = prepare_data(data, columns)
    if len(x) <= x.shape[1] + 1:
        raise InvalidInputError(
            f"LiNGAM needs more rows than variables + 1 to fit its regressions; got {len(x)} rows "
            f"for {x.shape[1]} variables."
        )
    prior, no_edge = _prior_from_argument(prior_knowledge, background_knowledge, names)
    if method == "ica" and (prior is not None or no_edge.any()):
        raise InvalidInputError(
            "ICA-LiNGAM cannot use prior knowledge; use method='direct' with prior_knowledge."
        )
    seed = random_state if isinstance(random_state, numbers.Integral) or random_state is None else int(
        check_random_state(random_state).integers(2**31 - 1)
    )

    from causallearn.search.FCMBased.lingam import DirectLiNGAM, ICALiNGAM

    with causallearn_errors("LiNGAM") as cl_notes:
        if method == "direct":
            model = DirectLiNGAM(random_state=seed, prior_knowledge=prior, measure=measure)
        else:
            model = ICALiNGAM(random_state=seed)
        model.fit(x)
        order = [int(i) for i in model.causal_order_]
        b = _weights(x, order, prior, no_edge)
    if threshold > 0:
        keep = np.zeros_like(no_edge) if prior is None else prior == 1
        b[(np.abs(b) < threshold) & ~keep] = 0.0

    graph = CausalGraph(nodes=names)
    for i, j in zip(*np.nonzero(b), strict=True):
        graph.add_edge(names[j], names[i], "-->")
    params = {
        "method": method,
        "measure": measure,
        "threshold": threshold,
        "random_state": random_state if isinstance(random_state, (int, type(None))) else "Generator",
        "prior_knowledge": prior is not None or bool(no_edge.any()),
    }
    return make_result(
        graph,
        "lingam" if method == "direct" else "ica_lingam",
        params,
        start,
        warnings=cl_notes,
        extra={
            "adjacency_matrix": b,
            "causal_order": [names[i] for i in order],
            "columns": list(names),
            "prior_knowledge_matrix": prior,
        },
    )
