"""Glue between causalkit and causal-learn: graphs, nodes, knowledge, CI tests and errors.

Every discovery algorithm that delegates to causal-learn goes through this module, so that

- causal-learn graphs become :class:`~causalkit.graphs.CausalGraph` objects with the column names
  (:func:`graph_from_causallearn`; no magic integers leave this module),
- causal-learn's ``assert`` / ``ValueError`` / ``LinAlgError`` become causalkit errors with a
  message that says what to do (:func:`causallearn_errors`), and its progress bars and prints are
  silenced,
- the CI tests of causalkit's registry (:mod:`causalkit.discovery.ci_tests`) run inside causal-learn's
  algorithms, with a per-run cache and a test counter (:class:`CITBridge`),
- background knowledge is given to causal-learn and, where causal-learn cannot guarantee it,
  enforced on the output (:func:`enforce_knowledge`).

causal-learn's endpoint encoding (``causallearn.graph.Endpoint``): for an edge between nodes ``i`` and
``j`` of a ``GeneralGraph``, ``G.graph[i, j]`` is the mark at ``i``'s end: ``-1`` tail, ``1``
arrowhead, ``2`` circle. So ``G.graph[i, j] == -1`` and ``G.graph[j, i] == 1`` is ``i --> j``;
both ``-1`` is ``i --- j``; both ``1`` is ``i <-> j``; ``2`` at ``[i, j]`` and ``1`` at ``[j, i]`` is
``i o-> j``. The values ``4`` (TAIL_AND_ARROW) and ``5`` (ARROW_AND_ARROW) encode two edges
between the same pair (``-->`` or ``---`` plus ``<->``), which a CausalGraph cannot hold.
"""

from __future__ import annotations

import contextlib
import io
import numbers
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_data
from causalkit.discovery.ci_tests import get_ci_test
from causalkit.discovery.knowledge import BackgroundKnowledge
from causalkit.exceptions import CausalKitError, EstimationError, InvalidInputError
from causalkit.graphs import CausalGraph
from causalkit.graphs.io import from_adjacency
from causalkit.results import DiscoveryResult, provenance

__all__ = [
    "DISCRETE_TESTS",
    "CITBridge",
    "check_ci_test_name",
    "check_depth",
    "causallearn_errors",
    "graph_from_causallearn",
    "graph_from_matrix",
    "make_nodes",
    "to_causallearn_knowledge",
    "check_knowledge",
    "enforce_knowledge",
    "prepare_data",
    "make_result",
    "sepsets_from_causallearn",
]

_TAIL_AND_ARROW, _ARROW_AND_ARROW = 4, 5


# ---------------------------------------------------------------------------------- graphs
def graph_from_matrix(matrix: np.ndarray, names: Sequence[str]) -> tuple[CausalGraph, list[str]]:
    """Convert a causal-learn endpoint matrix into a :class:`CausalGraph`.

    Parameters
    ----------
    matrix : numpy.ndarray
        Square endpoint matrix in causal-learn's encoding (see the module docstring).
    names : sequence of str
        Node names in matrix order.

    Returns
    -------
    graph : CausalGraph
        The graph over ``names`` (isolated nodes kept).
    notes : list of str
        Warnings, e.g. where causal-learn put two edges between one pair.
    """
    m = np.array(matrix, dtype=float)
    names = [str(n) for n in names]
    notes: list[str] = []
    double = np.isin(m, (_TAIL_AND_ARROW, _ARROW_AND_ARROW))
    for i, j in zip(*np.nonzero(np.triu(double | double.T)), strict=True):
        # Two edges between the pair: keep the <-> (it records the latent confounding).
        m[i, j] = m[j, i] = 1
        notes.append(
            f"causal-learn found both a directed/undirected edge and a bidirected edge between "
            f"{names[i]!r} and {names[j]!r}; kept '{names[i]} <-> {names[j]}'."
        )
    return from_adjacency(m, names, encoding="causal-learn"), notes


def graph_from_causallearn(cl_graph: Any, names: Sequence[str] | None = None) -> tuple[CausalGraph, list[str]]:
    """Convert a causal-learn ``GeneralGraph`` (or a ``CausalGraph`` holding one in ``.G``).

    Parameters
    ----------
    cl_graph : causallearn GeneralGraph or causallearn CausalGraph
        The graph returned by a causal-learn algorithm.
    names : sequence of str, optional
        Node names; default: the names of the graph's nodes.

    Returns
    -------
    graph : CausalGraph
    notes : list of str
    """
    g = getattr(cl_graph, "G", cl_graph)
    if names is None:
        names = [n.get_name() for n in g.get_nodes()]
    return graph_from_matrix(g.graph, names)


def make_nodes(names: Sequence[str]) -> list:
    """causal-learn ``GraphNode`` objects named ``names`` (with the ``id`` attribute FCI uses)."""
    from causallearn.graph.GraphNode import GraphNode

    nodes = []
    for i, name in enumerate(names):
        node = GraphNode(str(name))
        node.add_attribute("id", i)
        nodes.append(node)
    return nodes


def sepsets_from_causallearn(cg: Any, names: Sequence[str]) -> dict[frozenset, tuple[str, ...]]:
    """Separating sets from a causal-learn ``CausalGraph.sepset`` array, keyed by node-name pairs."""
    out: dict[frozenset, tuple[str, ...]] = {}
    sep = getattr(cg, "sepset", None)
    if sep is None:
        return out
    k = len(names)
    for i in range(k):
        for j in range(i + 1, k):
            entry = sep[i, j]
            if entry is None or cg.G.graph[i, j] != 0:
                continue
            first = entry[0] if len(entry) else ()
            out[frozenset((names[i], names[j]))] = tuple(names[s] for s in first)
    return out


# ---------------------------------------------------------------------------------- arguments
#: CI tests that need discrete (integer-coded) data.
DISCRETE_TESTS = ("chisq", "gsq")


def check_depth(value: Any, name: str) -> int:
    """``None`` -> ``-1`` (unlimited); else a non-negative integer (shared by FCI and CD-NOD)."""
    if value is None:
        return -1
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise InvalidInputError(f"`{name}` must be None (unlimited) or an integer >= 0; got {value!r}.")
    return int(value)


def check_ci_test_name(ci_test: Any) -> str | Callable:
    """A CI-test name (checked against the registry) or a callable ``test(x, y, cond) -> p``."""
    from causalkit.discovery.ci_tests import available_ci_tests

    if callable(ci_test) and not isinstance(ci_test, str):
        return ci_test
    if not isinstance(ci_test, str) or ci_test not in available_ci_tests():
        raise InvalidInputError(
            f"Unknown CI test {ci_test!r}; available: {available_ci_tests()} "
            "(or register one with causalkit.discovery.register_ci_test)."
        )
    return ci_test


# ---------------------------------------------------------------------------------- knowledge
def check_knowledge(background_knowledge: Any, names: Sequence[str]) -> BackgroundKnowledge | None:
    """Check that ``background_knowledge`` is a :class:`BackgroundKnowledge` over ``names``."""
    if background_knowledge is None:
        return None
    if not isinstance(background_knowledge, BackgroundKnowledge):
        raise InvalidInputError(
            "`background_knowledge` must be a causalkit.discovery.BackgroundKnowledge "
            f"(e.g. BackgroundKnowledge(forbidden=[('Y', 'X')])); got {type(background_knowledge).__name__}."
        )
    background_knowledge.check_nodes(names)
    return background_knowledge


def to_causallearn_knowledge(bk: BackgroundKnowledge | None, nodes: list) -> Any:
    """causal-learn's ``BackgroundKnowledge`` over ``nodes`` (None passes through)."""
    return None if bk is None else bk.to_causallearn(nodes)


def enforce_knowledge(graph: CausalGraph, bk: BackgroundKnowledge | None) -> list[str]:
    """Make ``graph`` obey ``bk`` in place; return one note per change.

    causal-learn's skeleton search may remove a required edge, and its orientation rules do not
    always keep knowledge-implied orientations. Here a required ``u --> v`` is added or re-oriented,
    a forbidden ``u --> v`` is turned into ``v --> u`` (or removed when that is forbidden too) and an
    undirected ``u --- v`` with ``u --> v`` forbidden is oriented ``v --> u``. Circle marks are left
    alone: ``u o-> v`` asserts no direct effect of ``u`` on ``v``.
    """
    notes: list[str] = []
    if bk is None:
        return notes
    for u, v in bk.required:
        if u not in graph or v not in graph or graph.is_directed_edge(u, v):
            continue
        was = graph.edge(u, v) if graph.has_edge(u, v) else None
        graph.add_edge(u, v, "-->")
        notes.append(
            f"required edge {u} --> {v} was "
            + (f"found as '{was}'; re-oriented" if was is not None else "not supported by the data; added")
            + " to respect the background knowledge."
        )
    for e in graph.edges():
        for a, b in ((e.u, e.v), (e.v, e.u)):
            if not graph.has_edge(a, b) or not bk.is_forbidden(a, b):
                continue
            kind = graph.edge_kind(a, b)
            if kind == "-->" or kind == "---":
                if bk.is_forbidden(b, a):
                    graph.remove_edge(a, b)
                    notes.append(f"edge '{a} {kind} {b}' removed: both directions are forbidden.")
                else:
                    graph.add_edge(b, a, "-->")
                    if kind == "-->":
                        notes.append(f"forbidden edge {a} --> {b} was found; re-oriented as {b} --> {a}.")
    return notes


# ---------------------------------------------------------------------------------- CI tests
def _cit_base() -> type:
    from causallearn.utils.cit import CIT_Base

    return CIT_Base


class CITBridge:
    """Run a causalkit CI test (from the registry, or any callable) inside causal-learn.

    causal-learn's algorithms build their test with ``CIT(data, method, **kwargs)``; this class is
    registered there under the name ``"causalkit"`` (causal-learn's own extension point), so
    ``fci(data, "causalkit", test=bridge.test)`` runs the causalkit test with a result cache.

    Parameters
    ----------
    data : numpy.ndarray
        Data matrix (rows = samples).
    ci_test : str or callable
        A registered CI-test name or a callable ``test(x, y, cond) -> p_value``.
    **ci_kwargs
        Passed to the CI-test factory.

    Attributes
    ----------
    n_tests : int
        Number of distinct tests run so far.
    """

    METHOD = "causalkit"
    _registered = False

    def __init__(self, data: np.ndarray, ci_test: Any, **ci_kwargs: Any):
        if callable(ci_test) and not isinstance(ci_test, str):
            self.test = ci_test
            self.name = getattr(ci_test, "__name__", "custom")
        else:
            self.name = str(ci_test)
            try:
                self.test = get_ci_test(self.name, data, **ci_kwargs)
            except TypeError as exc:
                raise InvalidInputError(
                    f"CI test {self.name!r} does not accept the options {sorted(ci_kwargs)}: {exc}"
                ) from exc
        self.cache: dict[tuple, float] = {}
        self.register()

    @property
    def n_tests(self) -> int:
        """Number of distinct CI tests run."""
        return len(self.cache)

    def __call__(self, x: int, y: int, cond: Sequence[int] = ()) -> float:
        a, b = (int(x), int(y)) if int(x) < int(y) else (int(y), int(x))
        key = (a, b, tuple(sorted(int(c) for c in cond)))
        if key not in self.cache:
            p = float(self.test(a, b, list(key[2])))
            self.cache[key] = 1.0 if np.isnan(p) else p
        return self.cache[key]

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments that make causal-learn's ``CIT(data, "causalkit", ...)`` use this test."""
        return {"bridge": self}

    def cit(self, data: np.ndarray) -> Any:
        """A causal-learn ``CIT_Base`` object that runs this test (for causal-learn internals)."""
        from causallearn.utils.cit import CIT

        return CIT(np.asarray(data, dtype=float), self.METHOD, **self.kwargs())

    @classmethod
    def register(cls) -> None:
        """Register the bridge class in causal-learn's CI-test registry (once)."""
        if cls._registered:
            return
        from causallearn.utils.cit import register_ci_test

        base = _cit_base()

        class _CausalkitCIT(base):  # type: ignore[misc, valid-type]
            def __init__(self, data: np.ndarray, bridge: CITBridge, **kwargs: Any):
                super().__init__(data, **kwargs)
                self.check_cache_method_consistent(CITBridge.METHOD, "bridge")
                self.bridge = bridge

            def __call__(self, X: Any, Y: Any, condition_set: Any = None) -> float:
                return self.bridge(int(X), int(Y), list(condition_set or ()))

        register_ci_test(cls.METHOD, _CausalkitCIT)
        cls._registered = True


# ---------------------------------------------------------------------------------- errors
_HINT = (
    "Check for duplicated, collinear or derived columns (drop them), for columns that are almost "
    "constant, and that the CI test suits the data (fisherz: continuous; chisq/gsq: discrete)."
)


@contextlib.contextmanager
def causallearn_errors(algorithm: str) -> Iterator[list[str]]:
    """Run causal-learn code with its errors translated and its output silenced.

    Yields a list that collects causal-learn's warnings as strings (add them to the result).

    Raises
    ------
    EstimationError
        For singular matrices and other numerical failures.
    InvalidInputError
        For causal-learn's assertions and value errors about its input.

    Examples
    --------
    >>> with causallearn_errors("FCI") as notes:  # doctest: +SKIP
    ...     g, edges = fci(x, "fisherz", 0.05, show_progress=False)
    """
    notes: list[str] = []
    sink = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(sink):
                yield notes
        except CausalKitError:
            raise
        except np.linalg.LinAlgError as exc:
            raise EstimationError(f"{algorithm} failed: a matrix is singular ({exc}). {_HINT}") from exc
        except (AssertionError, ValueError, ZeroDivisionError, FloatingPointError) as exc:
            msg = str(exc) or type(exc).__name__
            if "singular" in msg.lower():
                raise EstimationError(f"{algorithm} failed: {msg} {_HINT}") from exc
            raise InvalidInputError(f"{algorithm} rejected the input: {msg}. {_HINT}") from exc
        finally:
            for w in caught:
                text = str(w.message)
                if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning)):
                    continue
                if text not in notes:
                    notes.append(text)


# ---------------------------------------------------------------------------------- data & results
def prepare_data(data: Any, columns: Sequence[str] | None, *, min_rows: int = 10,
                 discrete: bool = False) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Validate ``data`` once: return the frame, a float matrix and the column names as strings.

    ``discrete=True`` also checks that every column has integer values (for chisq/gsq/BDeu).
    """
    df = check_data(data, columns, numeric=True, min_rows=min_rows)
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"Column names {list(df.columns)} collide when converted to strings; rename them.")
    x = df.to_numpy(dtype=float)
    if x.shape[1] < 2:
        raise InvalidInputError(f"Causal discovery needs at least two variables; got {names}.")
    if discrete:
        bad = [n for n, col in zip(names, x.T, strict=True) if not np.allclose(col, np.round(col))]
        if bad:
            raise InvalidInputError(
                f"Column {bad[0]!r} is not discrete (it has non-integer values), but the chosen test/score "
                "needs discrete data. Discretise it (e.g. pandas.qcut(...).cat.codes) or use a continuous "
                "test such as 'fisherz' / score 'bic'."
            )
    return df, x, names


def make_result(graph: CausalGraph, method: str, params: dict[str, Any], start: float, *,
                warnings: Sequence[str] = (), extra: dict[str, Any] | None = None,
                sepsets: dict[frozenset, tuple[str, ...]] | None = None, n_ci_tests: int = 0,
                **versions: str) -> DiscoveryResult:
    """Build the :class:`DiscoveryResult` with provenance (causal-learn's version included)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        cl_version = version("causal-learn")
    except PackageNotFoundError:  # pragma: no cover - installed from source
        cl_version = "unknown"
    return DiscoveryResult(
        graph=graph,
        method=method,
        params=params,
        sepsets=sepsets or {},
        n_ci_tests=int(n_ci_tests),
        elapsed=time.perf_counter() - start,
        warnings=tuple(dict.fromkeys(warnings)),
        extra=extra or {},
        versions=provenance(**{"causal-learn": cl_version}, **versions),
    )
