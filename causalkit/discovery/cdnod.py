"""CD-NOD: causal discovery from heterogeneous / nonstationary data (via causal-learn's PC parts).

A context variable ``C`` (domain label or time index) is added to the data as a node that can
only be a cause. Variables adjacent to ``C`` are those whose causal mechanism (mean, variance or
coefficients) changes across contexts, and the edges ``C --> X`` give extra orientations
(``C --> X <-- Y`` colliders and what Meek's rules derive from them).

The search is causal-learn's CD-NOD (skeleton search, ``C --> X`` orientation, unshielded colliders,
Meek rules) with two additions causal-learn's ``cdnod`` lacks: ``max_depth`` and background
knowledge in the skeleton search. Tests that involve the context use, for ``fisherz`` data, a
test that sees every kind of change (see :class:`ContextCITest`): Fisher-z alone only sees changes
of the mean that are linear in the context label.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from copy import deepcopy
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from causalkit._validation import check_alpha, check_choice, check_column, check_data
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
    sepsets_from_causallearn,
)
from causalkit.discovery.ci_tests import get_ci_test
from causalkit.discovery.knowledge import BackgroundKnowledge
from causalkit.exceptions import InvalidInputError
from causalkit.results import DiscoveryResult

__all__ = ["cdnod", "ContextCITest"]

#: A numeric context with more distinct values than this is treated as a time index and cut
#: into consecutive segments for the context tests.
MAX_CONTEXT_LEVELS = 20
_N_SEGMENTS = 10
_MIN_GROUP_ROWS = 10


class ContextCITest:
    """CI test for data augmented with a discrete context column (the last column).

    - ``C _||_ Y | S``: likelihood-ratio test that the linear-Gaussian regression of ``Y`` on ``S``
      (intercept, slopes and residual variance) is the same in every context; chi-square with
      ``(K - 1)(|S| + 2)`` degrees of freedom for ``K`` contexts. It detects changes of the mean,
      of the coefficients and of the noise variance.
    - ``X _||_ Y | S, C``: Fisher-z partial correlation within each context, ``sum z_c^2`` against
      chi-square with one degree of freedom per context (valid when coefficients change).
    - other tests: ``base`` (any CI test over the observed columns).

    Parameters
    ----------
    data : numpy.ndarray
        Observed columns followed by the context column.
    groups : numpy.ndarray of int
        Context level of each row (0..K-1).
    base : callable
        ``base(x, y, cond) -> p`` for tests that do not involve the context.
    """

    def __init__(self, data: np.ndarray, groups: np.ndarray, base: Callable[..., float]):
        x = np.asarray(data, dtype=float)[:, :-1]
        self.c = x.shape[1]
        self.base = base
        self.n = len(x)
        self.pooled = np.cov(x, rowvar=False, bias=True)
        levels = np.unique(groups)
        self.sizes = np.array([(groups == g).sum() for g in levels])
        self.covs = [np.cov(x[groups == g], rowvar=False, bias=True) for g in levels]
        self.__name__ = "context_lrt"

    @staticmethod
    def _resid_var(cov: np.ndarray, y: int, s: list[int]) -> float:
        v = cov[y, y]
        if s:
            c_ys = cov[y, s]
            v = v - c_ys @ np.linalg.pinv(cov[np.ix_(s, s)]) @ c_ys
        return float(max(v, 1e-12 * max(cov[y, y], 1e-300)))

    def _invariance(self, y: int, s: list[int]) -> float:
        ok = self.sizes > len(s) + 1
        if ok.sum() < 2:
            return 1.0
        sizes = self.sizes[ok]
        groups = [cv for cv, k in zip(self.covs, ok, strict=True) if k]
        pooled = self._resid_var(self.pooled, y, s)
        lr = sizes.sum() * np.log(pooled) - sum(n_c * np.log(self._resid_var(cv, y, s))
                                                for n_c, cv in zip(sizes, groups, strict=True))
        return float(stats.chi2.sf(max(lr, 0.0), (len(sizes) - 1) * (len(s) + 2)))

    def _within(self, i: int, j: int, s: list[int]) -> float:
        stat, dof = 0.0, 0
        idx = [i, j] + s
        for n_c, cv in zip(self.sizes, self.covs, strict=True):
            if n_c - len(s) - 3 <= 0:
                continue
            sub = cv[np.ix_(idx, idx)]
            d = np.sqrt(np.clip(np.diag(sub), 1e-300, None))
            prec = np.linalg.pinv(sub / np.outer(d, d))
            r = -prec[0, 1] / np.sqrt(abs(prec[0, 0] * prec[1, 1]))
            r = float(np.clip(r, -1 + 1e-12, 1 - 1e-12))
            stat += (n_c - len(s) - 3) * np.arctanh(r) ** 2
            dof += 1
        return float(stats.chi2.sf(stat, dof)) if dof else 1.0

    def __call__(self, x: int, y: int, cond: Sequence[int] = ()) -> float:
        cond = [int(k) for k in cond]
        if self.c in (x, y):
            other = y if x == self.c else x
            return self._invariance(other, cond)
        if self.c in cond:
            return self._within(x, y, [k for k in cond if k != self.c])
        return self.base(x, y, cond)


def _context_values(df: pd.DataFrame, context: Any) -> tuple[np.ndarray, str, pd.DataFrame]:
    """The context as numbers, its node name, and the data without it."""
    if np.ndim(context) == 0:  # a column name
        col = check_column(df, context, role="context column")
        raw, name, rest = df[col], str(col), df.drop(columns=[col])
    else:
        shape = np.shape(context)
        if len(shape) > 2 or (len(shape) == 2 and min(shape) != 1):
            raise InvalidInputError(f"`context` must be a column name or a 1-D array; got shape {shape}.")
        raw = pd.Series(np.asarray(context).ravel())
        if len(raw) != len(df):
            raise InvalidInputError(
                f"`context` has {len(raw)} values but the data have {len(df)} rows; give one context value per row."
            )
        name, rest = "context", df
        while name in df.columns:
            name += "_"
    if raw.isna().any():
        raise InvalidInputError(f"The context {name!r} has {int(raw.isna().sum())} missing value(s); drop those rows.")
    if raw.nunique() < 2:
        raise InvalidInputError(
            f"The context {name!r} takes a single value; CD-NOD needs data from at least two contexts "
            "(domains or time points)."
        )
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=float)
    else:
        values = pd.factorize(raw, sort=True)[0].astype(float)
    return values, name, rest


def _context_groups(values: np.ndarray) -> tuple[np.ndarray, str | None]:
    levels = np.unique(values)
    if len(levels) <= MAX_CONTEXT_LEVELS:
        return np.searchsorted(levels, values), None
    k = min(_N_SEGMENTS, max(2, len(values) // (5 * _MIN_GROUP_ROWS)))
    ranks = stats.rankdata(values, method="min") - 1
    groups = np.minimum((ranks * k) // len(values), k - 1).astype(int)
    return groups, (f"the context has {len(levels)} distinct values; it is treated as a time index and "
                    f"the context tests compare {k} consecutive segments of it.")


def _orient(cg: Any, uc_rule: int, uc_priority: int, alpha: float, bk: Any) -> Any:
    """causal-learn's CD-NOD orientation phase (unshielded colliders, then Meek's rules)."""
    from causallearn.utils.PCUtils import Meek, UCSepset
    from causallearn.utils.PCUtils.BackgroundKnowledgeOrientUtils import (
        orient_by_background_knowledge,
    )

    if bk is not None:
        orient_by_background_knowledge(cg, bk)
    if uc_rule == 0:
        return Meek.meek(UCSepset.uc_sepset(cg, uc_priority, background_knowledge=bk), background_knowledge=bk)
    if uc_rule == 1:
        return Meek.meek(UCSepset.maxp(cg, uc_priority, background_knowledge=bk), background_knowledge=bk)
    cg2 = UCSepset.definite_maxp(cg, alpha, uc_priority, background_knowledge=bk)
    return Meek.meek(Meek.definite_meek(cg2, background_knowledge=bk), background_knowledge=bk)


def cdnod(
    data: Any,
    context: Any,
    *,
    alpha: float = 0.05,
    ci_test: str | Callable = "fisherz",
    max_depth: int | None = None,
    background_knowledge: Any = None,
    columns: Sequence[str] | None = None,
    context_test: str = "auto",
    uc_rule: int = 0,
    uc_priority: int = 2,
    **ci_kwargs: Any,
) -> DiscoveryResult:
    """Causal discovery from data pooled over several contexts (domains or time) with CD-NOD.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Samples in rows, variables in columns.
    context : str or array-like
        The name of the context column of ``data`` (domain label, regime, site, time index; text
        labels are allowed), or a 1-D array with one context value per row.
    alpha : float
        Significance level of the CI tests.
    ci_test : str or callable
        CI test between observed variables (``"fisherz"``, ``"chisq"``, ``"gsq"``, ``"kci"``, ...).
    max_depth : int, optional
        Largest conditioning set in the skeleton search (None: unlimited).
    background_knowledge : BackgroundKnowledge, optional
        Required / forbidden edges and tiers over the observed variables (the context node may be
        named too). Used in the skeleton search and the orientation, and enforced on the output.
    columns : sequence of str, optional
        Observed variables to use (default: every column except the context).
    context_test : {"auto", "lrt", "same"}
        How tests that involve the context are done. ``"lrt"``: :class:`ContextCITest` (sees changes
        of means, coefficients and variances; for continuous data). ``"same"``: ``ci_test`` on the
        context column like any variable (what causal-learn does; right for ``chisq``/``gsq`` and
        ``kci``). ``"auto"``: ``"lrt"`` with ``fisherz``, else ``"same"``.
    uc_rule, uc_priority : int
        causal-learn's collider rule (0 sepset, 1 maxP, 2 definite maxP) and conflict priority.
    **ci_kwargs
        Options for the CI test.

    Returns
    -------
    DiscoveryResult
        ``graph`` is the CPDAG over the observed variables. ``extra`` holds
        ``"context_node"`` (its name), ``"changing_modules"`` (variables adjacent to the context:
        their mechanism changes across contexts), ``"context_orientations"`` (edges oriented only
        thanks to the context: directed here but not when the same skeleton is oriented without
        the context node) and ``"graph_with_context"``.

    Raises
    ------
    InvalidInputError
        Unknown context column, a context with one value or missing values, bad data, unknown
        CI test.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> dom = np.repeat([0, 1, 2], 300)
    >>> a = rng.normal(size=900)
    >>> b = a + np.array([0.0, 2.0, -1.0])[dom] + rng.normal(size=900)  # B's mechanism changes
    >>> res = cdnod(pd.DataFrame({"A": a, "B": b, "domain": dom}), "domain")
    >>> res.extra["changing_modules"], res.graph.to_edge_list()
    (['B'], ['A --> B'])
    """
    start = time.perf_counter()
    alpha = check_alpha(alpha)
    ci = check_ci_test_name(ci_test)
    depth = check_depth(max_depth, "max_depth")
    check_choice(context_test, ["auto", "lrt", "same"], "context_test")
    check_choice(uc_rule, [0, 1, 2], "uc_rule")
    check_choice(uc_priority, [-1, 0, 1, 2, 3, 4], "uc_priority")
    frame = check_data(data, numeric=False, allow_constant=True, allow_missing=True)
    c_values, c_name, rest = _context_values(frame, context)
    _, x, names = prepare_data(rest, columns, discrete=ci in DISCRETE_TESTS)
    bk = check_knowledge(background_knowledge, names + [c_name])
    notes: list[str] = []

    mode = context_test if context_test != "auto" else ("lrt" if ci == "fisherz" else "same")
    groups, note = _context_groups(c_values)
    if note and mode == "lrt":
        notes.append(note)
    if mode == "lrt" and np.bincount(groups).min() < _MIN_GROUP_ROWS:
        notes.append(f"some context has fewer than {_MIN_GROUP_ROWS} rows; the context tests use "
                     f"{ci!r} on the context label instead.")
        mode = "same"
    x_aug = np.column_stack([x, c_values if mode == "same" else groups.astype(float)])
    names_aug = names + [c_name]
    test: Any = ci
    if mode == "lrt":
        test = ContextCITest(x_aug, groups, get_ci_test(ci, x, **ci_kwargs) if isinstance(ci, str) else ci)
    bridge = CITBridge(x_aug, test, **({} if mode == "lrt" else ci_kwargs))

    # The context is exogenous: forbid every edge into it.
    merged = BackgroundKnowledge(
        required=list(bk.required) if bk else [],
        forbidden=(list(bk.forbidden) if bk else []) + [(n, c_name) for n in names],
        tiers=bk.tiers if bk else [],
        forbid_within_tiers=bk.forbid_within_tiers if bk else False,
    )
    from causallearn.utils.PCUtils.SkeletonDiscovery import skeleton_discovery

    with causallearn_errors("CD-NOD") as cl_notes:
        cl_bk = merged.to_causallearn(make_nodes(names_aug))
        cg = skeleton_discovery(x_aug, alpha, bridge.cit(x_aug), True, background_knowledge=cl_bk,
                                show_progress=False, node_names=names_aug, max_k=None if depth < 0 else depth)
        no_context = deepcopy(cg)
        c_node = cg.G.get_nodes()[-1]
        for nb in cg.G.get_adjacent_nodes(c_node):
            cg.G.add_directed_edge(c_node, nb)
            no_context.G.remove_edge(no_context.G.get_edge(c_node, nb))
        cg = _orient(cg, uc_rule, uc_priority, alpha, cl_bk)
        no_context = _orient(no_context, uc_rule, uc_priority, alpha, cl_bk)
    with_context, g_notes = graph_from_causallearn(cg, names_aug)
    notes += cl_notes + g_notes + enforce_knowledge(with_context, merged)
    graph = with_context.subgraph(names)
    plain, _ = graph_from_causallearn(no_context, names_aug)
    plain = plain.subgraph(names)
    oriented = [str(e) for e in graph.edges("-->") if not plain.is_directed_edge(e.u, e.v)]

    params = {
        "alpha": alpha,
        "ci_test": ci if isinstance(ci, str) else bridge.name,
        "context": c_name,
        "context_test": mode,
        "max_depth": max_depth,
        "uc_rule": uc_rule,
        "uc_priority": uc_priority,
        "background_knowledge": bk is not None,
    }
    return make_result(
        graph, "cdnod", params, start, warnings=notes, n_ci_tests=bridge.n_tests,
        sepsets=sepsets_from_causallearn(cg, names_aug),
        extra={
            "context_node": c_name,
            "changing_modules": with_context.adjacent(c_name),
            "context_orientations": oriented,
            "graph_with_context": with_context,
            "n_contexts": int(len(np.unique(c_values))),
        },
    )

