"""The PC algorithm: a CPDAG from conditional-independence tests.

:func:`pc` returns the same CPDAG as causal-learn's ``causallearn.search.ConstraintBased.PC.pc``
with the same options (skeleton, separating sets, collider rule and conflict priority, Meek rules
and background knowledge are replicated step for step, including causal-learn's iteration orders),
but runs the Fisher-z test for all tests of a PC level at once from the correlation matrix and
orients edges on plain matrices, so it is about two orders of magnitude faster (see
benchmarks/RESULTS_discovery.md). Any other test of the registry
(:mod:`causalkit.discovery.ci_tests`) - ``chisq``, ``gsq``, ``kci`` or a registered one - goes
through a generic path that evaluates the tests of a level one by one, optionally in parallel
with joblib.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy

from causalkit._validation import check_alpha, check_choice, check_data, check_positive_int
from causalkit.discovery import _colliders
from causalkit.discovery._ci_backends import Backend, FisherZBackend, GenericBackend
from causalkit.discovery._orientation import EndpointGraph, definite_meek, meek, orient_by_knowledge
from causalkit.discovery._skeleton import SkeletonResult, stable_skeleton, unstable_skeleton
from causalkit.discovery.knowledge import BackgroundKnowledge
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import from_adjacency
from causalkit.results import DiscoveryResult, provenance

__all__ = ["pc"]

_DEFAULT_PRIORITY = {0: 3, 1: 3, 2: 4}  # causal-learn's defaults when uc_priority == -1


def pc(
    data: pd.DataFrame | np.ndarray,
    *,
    alpha: float = 0.05,
    ci_test: str | Callable[[int, int, Sequence[int]], float] = "fisherz",
    stable: bool = True,
    uc_rule: int = 0,
    uc_priority: int = 2,
    max_depth: int | None = None,
    background_knowledge: BackgroundKnowledge | None = None,
    n_jobs: int | None = None,
    columns: Sequence[str] | None = None,
    **ci_kwargs: Any,
) -> DiscoveryResult:
    """Learn a CPDAG with the PC algorithm.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Samples in rows, variables in columns; column names are node names.
    alpha : float
        Significance level: ``x`` and ``y`` are judged independent given ``S`` when ``p > alpha``.
    ci_test : str or callable
        A registered CI test (``"fisherz"``, ``"chisq"``, ``"gsq"``, ``"kci"``, ...; see
        :func:`~causalkit.discovery.available_ci_tests`) or a callable ``test(x, y, cond) -> p``
        over column indices. ``"fisherz"`` uses causalkit's vectorised implementation.
    stable : bool
        PC-stable (order-independent) skeleton search; ``False`` removes edges at once.
    uc_rule : {0, 1, 2}
        Unshielded colliders from separating sets (0), MaxP (1) or definite MaxP (2).
    uc_priority : {-1, 0, 1, 2, 3, 4}
        Conflict resolution between colliders: -1 the rule's default, 0 overwrite, 1 bidirected,
        2 keep existing orientations, 3 stronger colliders first, 4 stronger* first.
    max_depth : int, optional
        Largest conditioning-set size (default: no limit).
    background_knowledge : BackgroundKnowledge, optional
        Required / forbidden edges and tiers, used as causal-learn uses them: a pair forbidden in
        both directions is never adjacent, knowledge orients skeleton edges before the collider
        step, and no rule orients against it. A required edge the tests remove stays absent
        (reported in ``warnings``).
    n_jobs : int, optional
        Parallel workers for the tests of one level with a non-Fisher-z test (joblib; the
        Fisher-z path is vectorised and ignores it).
    columns : sequence of str, optional
        For a DataFrame, the columns to use; for an array, the column names.
    **ci_kwargs
        Options for the CI test (e.g. ``kci_max_rows`` for ``"kci"``).

    Returns
    -------
    DiscoveryResult
        ``graph`` is the CPDAG (``-->`` and ``---`` edges; ``<->`` only with ``uc_priority=1``);
        ``sepsets`` maps each non-adjacent pair ``frozenset({x, y})`` to its separating set: with
        ``stable=True`` the union of all conditioning sets found independent at the level the edge
        was removed (causal-learn's record, the one the collider rule reads). ``extra`` holds
        ``endpoint_matrix`` (causal-learn's ``G.graph`` encoding) and ``tests_per_depth``.

    Raises
    ------
    InvalidInputError
        Bad data (NaN, constant or non-numeric column, too few rows) or options.
    UnknownNodeError
        Background knowledge names a node that is not a column.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=2000); z = rng.normal(size=2000)
    >>> y = x + z + rng.normal(size=2000)
    >>> res = pc(pd.DataFrame({"x": x, "y": y, "z": z}))
    >>> res.graph.parents("y")
    ['x', 'z']
    """
    start = time.perf_counter()
    opts = _check_options(alpha, ci_test, stable, uc_rule, uc_priority, max_depth, background_knowledge, n_jobs)
    alpha, priority = opts["alpha"], opts["priority"]
    df, values = _check_data(data, columns)
    names = list(df.columns)
    n_rows, n_vars = df.shape
    fast = isinstance(ci_test, str) and ci_test == "fisherz"
    if fast and ci_kwargs:
        raise InvalidInputError(f"The 'fisherz' test takes no options; got {sorted(ci_kwargs)}.")
    if fast and n_rows <= n_vars + 3:
        raise InvalidInputError(
            f"`data` has {n_rows} rows for {n_vars} variables; the Fisher-z test needs more rows than "
            f"variables + 3 (at least {n_vars + 4}). Use fewer columns or more rows."
        )
    F = R = banned = None
    if background_knowledge is not None:
        F, R = _knowledge_matrices(background_knowledge, names)
        banned = F & F.T
    backend = FisherZBackend(values, names, alpha) if fast else GenericBackend(values, ci_test, alpha, n_jobs, ci_kwargs)

    if stable:
        # orientation rules that run tests of their own need the skeleton's tests to count alike
        record = backend.seen if (uc_rule != 0 or priority in (3, 4)) else None
        skel = stable_skeleton(n_vars, backend.decide, banned=banned, max_depth=max_depth, record=record)
    else:
        skel = unstable_skeleton(n_vars, backend.first_independent, banned=banned, max_depth=max_depth)
    G = _orient(skel, uc_rule, priority, alpha, backend, F, R)

    warns = []
    if background_knowledge is not None:
        for u, v in background_knowledge.required:
            i, j = _names_index(names, u), _names_index(names, v)
            if not skel.adjacency[i, j]:
                warns.append(
                    f"Required edge {u} --> {v} was removed by the CI tests (causal-learn keeps the "
                    f"test's verdict); add it to the graph yourself if it must be there."
                )
    matrix = G.matrix()
    return DiscoveryResult(
        graph=from_adjacency(matrix, names, encoding="causal-learn"),
        method="pc",
        params=_params(opts, ci_test, max_depth, background_knowledge, n_jobs, ci_kwargs, stable, uc_rule),
        sepsets={frozenset((names[a], names[b])): tuple(names[s] for s in S) for (a, b), S in skel.sepsets.items()},
        n_ci_tests=skel.n_tests + backend.orientation_tests,
        elapsed=time.perf_counter() - start,
        warnings=tuple(warns),
        extra={"endpoint_matrix": matrix, "tests_per_depth": list(skel.tests_per_depth)},
        versions=provenance(scipy=scipy.__version__, **({} if fast else _causallearn_version())),
    )


# ---------------------------------------------------------------------- validation
def _check_options(alpha, ci_test, stable, uc_rule, uc_priority, max_depth, bk, n_jobs) -> dict[str, Any]:
    alpha = check_alpha(alpha)
    if not (isinstance(ci_test, str) or callable(ci_test)):
        raise InvalidInputError(f"`ci_test` must be a test name or a callable; got {type(ci_test).__name__}.")
    if not isinstance(stable, (bool, np.bool_)):
        raise InvalidInputError(f"`stable` must be True or False; got {stable!r}.")
    for name, value in (("uc_rule", uc_rule), ("uc_priority", uc_priority)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise InvalidInputError(f"`{name}` must be an integer; got {value!r}.")
    check_choice(int(uc_rule), [0, 1, 2], "uc_rule")
    check_choice(int(uc_priority), [-1, 0, 1, 2, 3, 4], "uc_priority")
    priority = _DEFAULT_PRIORITY[int(uc_rule)] if uc_priority == -1 else int(uc_priority)
    if uc_rule == 2 and priority not in (2, 3, 4):
        raise InvalidInputError(f"`uc_rule=2` (definite MaxP) needs `uc_priority` in (-1, 2, 3, 4); got {uc_priority}.")
    if max_depth is not None:
        check_positive_int(max_depth, "max_depth", minimum=0)
    if bk is not None and not isinstance(bk, BackgroundKnowledge):
        raise InvalidInputError(
            f"`background_knowledge` must be a causalkit BackgroundKnowledge; got {type(bk).__name__}."
        )
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0):
        raise InvalidInputError(f"`n_jobs` must be None or a non-zero integer (-1 = all cores); got {n_jobs!r}.")
    return {"alpha": alpha, "priority": priority}


def _check_data(data: Any, columns: Sequence[str] | None) -> tuple[pd.DataFrame, np.ndarray]:
    """``check_data`` with its constant-column check done on the array (pandas' nunique is slow)."""
    if isinstance(data, np.ndarray):
        df = check_data(data, names=columns, min_rows=3, allow_constant=True)
    else:
        df = check_data(data, columns=columns, min_rows=3, allow_constant=True)
    values = df.to_numpy(dtype=float)
    constant = np.flatnonzero((values == values[:1]).all(axis=0))
    if len(constant):
        raise InvalidInputError(
            f"Column {df.columns[constant[0]]!r} is constant; it carries no information. "
            f"Drop it before the analysis."
        )
    return df, values


def _names_index(names: list, name: str) -> int:
    """Index of the column whose name (as a string) is ``name``."""
    for i, n in enumerate(names):
        if str(n) == str(name):
            return i
    raise InvalidInputError(f"Unknown node {name!r}.")  # pragma: no cover - checked before


def _knowledge_matrices(bk: BackgroundKnowledge, names: list) -> tuple[np.ndarray, np.ndarray]:
    labels = [str(n) for n in names]
    bk.check_nodes(labels)
    n = len(names)
    F = np.zeros((n, n), dtype=bool)
    R = np.zeros((n, n), dtype=bool)
    for i, u in enumerate(labels):
        for j, v in enumerate(labels):
            if i != j:
                F[i, j] = bk.is_forbidden(u, v)
                R[i, j] = bk.is_required(u, v)
    return F, R


def _params(opts, ci_test, max_depth, bk, n_jobs, ci_kwargs, stable, uc_rule) -> dict[str, Any]:
    knowledge = None
    if bk is not None:
        knowledge = {
            "required": [list(e) for e in bk.required],
            "forbidden": [list(e) for e in bk.forbidden],
            "tiers": [list(t) for t in bk.tiers],
            "forbid_within_tiers": bk.forbid_within_tiers,
        }
    return {
        "alpha": opts["alpha"],
        "ci_test": ci_test if isinstance(ci_test, str) else getattr(ci_test, "__name__", repr(ci_test)),
        "stable": bool(stable),
        "uc_rule": int(uc_rule),
        "uc_priority": opts["priority"],
        "max_depth": max_depth,
        "background_knowledge": knowledge,
        "n_jobs": n_jobs,
        "ci_kwargs": dict(ci_kwargs),
    }


def _causallearn_version() -> dict[str, str]:
    try:
        from importlib.metadata import version

        return {"causal-learn": version("causal-learn")}
    except Exception:  # pragma: no cover - metadata missing
        return {}


# ---------------------------------------------------------------------- orientation
def _orient(
    skel: SkeletonResult,
    uc_rule: int,
    priority: int,
    alpha: float,
    backend: Backend,
    F: np.ndarray | None,
    R: np.ndarray | None,
) -> EndpointGraph:
    G = EndpointGraph(skel.adjacency)
    if F is not None:
        orient_by_knowledge(G, F, R)
    if uc_rule == 0:
        _colliders.uc_sepset(G, skel.sepsets, priority, backend.pvalues, F, R)
    elif uc_rule == 1:
        _colliders.maxp(G, backend.pvalues, priority, F, R)
    else:
        uc, non_uc = _colliders.definite_maxp(G, backend.pvalues, alpha, priority, F, R)
        definite_meek(G, uc, non_uc, F, R)
    meek(G, F, R)
    return G

