"""The :class:`SimulatedData` container and :func:`random_dag`, shared by all simulators."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_positive_int, check_random_state
from causalkit.exceptions import GraphError, InvalidInputError
from causalkit.graphs import CausalGraph, dag_to_cpdag, parse_graph

__all__ = ["SimulatedData", "random_dag"]


@dataclass(frozen=True, eq=False, repr=False)
class SimulatedData:
    """Data drawn from a known causal model, with the truth needed to score methods on it.

    Attributes
    ----------
    data : pandas.DataFrame
        The samples, one column per node (plus the context column for heterogeneous data).
    graph : CausalGraph
        The true DAG.
    weights : pandas.DataFrame or None
        For linear SEMs: ``weights.loc[i, j]`` is the coefficient of ``i`` in the equation of ``j``
        (non-zero exactly for edges ``i --> j``), so ``X = X @ W + E`` row-wise.
    noise_scale : dict
        Standard deviation of each node's noise term.
    changing_modules : tuple of str
        Nodes whose mechanism or noise changes across contexts (heterogeneous data).
    context : str or None
        Name of the context column, if any.
    true_effects : dict
        ``(x, y) -> total causal effect`` where it is known exactly (linear SEMs: every ordered pair
        with a directed path from ``x`` to ``y``).
    params : dict
        The simulator and the arguments it was called with (including ``random_state``).
    extra : dict
        Simulator-specific truth: CPTs, per-context weights, mechanisms, state names, ...
    """

    data: pd.DataFrame
    graph: CausalGraph
    weights: pd.DataFrame | None = None
    noise_scale: dict[str, float] = field(default_factory=dict)
    changing_modules: tuple[str, ...] = ()
    context: str | None = None
    true_effects: dict[tuple[str, str], float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def nodes(self) -> list[str]:
        """The graph's nodes (the data columns other than the context)."""
        return self.graph.nodes

    def true_cpdag(self) -> CausalGraph:
        """The CPDAG of the true DAG: what PC or GES can recover at best."""
        return dag_to_cpdag(self.graph)

    def total_effect(self, x: str, y: str) -> float:
        """The exact total causal effect of ``x`` on ``y`` (linear SEMs only).

        It is the ``(x, y)`` entry of ``(I - W)^-1``: the sum over directed paths of the products
        of edge weights (0 when there is no directed path).

        Raises
        ------
        InvalidInputError
            For data whose effects are not constant (no weight matrix).
        """
        self.graph.check_nodes([x, y])
        if self.weights is None:
            raise InvalidInputError(
                f"total_effect needs a linear SEM; data from {self.params.get('simulator', 'this simulator')!r} "
                "has no weight matrix (its effects are not one number)."
            )
        w = self.weights.to_numpy()
        total = np.linalg.inv(np.eye(len(w)) - w)
        i, j = self.weights.index.get_loc(x), self.weights.columns.get_loc(y)
        return float(total[i, j]) if x != y else 1.0

    def implied_covariance(self) -> pd.DataFrame:
        """The exact covariance of a linear SEM: ``(I - W)^-T diag(noise_scale^2) (I - W)^-1``."""
        if self.weights is None:
            raise InvalidInputError("implied_covariance needs a linear SEM (a weight matrix).")
        w = self.weights.to_numpy()
        inv = np.linalg.inv(np.eye(len(w)) - w)
        omega = np.diag([self.noise_scale[n] ** 2 for n in self.weights.index])
        return pd.DataFrame(inv.T @ omega @ inv, index=self.weights.index, columns=self.weights.columns)

    def __repr__(self) -> str:
        extra = f", changing_modules={list(self.changing_modules)}" if self.changing_modules else ""
        return (
            f"SimulatedData({self.params.get('simulator', '?')}, n={len(self.data)}, "
            f"{len(self.graph)} nodes, {len(self.graph.edges())} edges{extra})"
        )


def random_dag(
    n_nodes: int,
    expected_degree: float = 3.0,
    random_state: Any = None,
    names: list[str] | None = None,
) -> CausalGraph:
    """A random DAG: an Erdos-Renyi graph oriented along a random topological order.

    Parameters
    ----------
    n_nodes : int
        Number of nodes.
    expected_degree : float
        Expected number of neighbours per node (each pair is joined with probability
        ``expected_degree / (n_nodes - 1)``, capped at 1).
    random_state : None, int or numpy.random.Generator
    names : list of str, optional
        Node names (default ``X0, ..., X{n-1}``); the topological order is random, not the name order.

    Returns
    -------
    CausalGraph

    Examples
    --------
    >>> g = random_dag(10, expected_degree=2, random_state=0)
    >>> g.is_dag()
    True
    """
    n = check_positive_int(n_nodes, "n_nodes")
    if isinstance(expected_degree, bool) or not isinstance(expected_degree, numbers.Real) or expected_degree < 0:
        raise InvalidInputError(f"`expected_degree` must be a non-negative number; got {expected_degree!r}.")
    rng = check_random_state(random_state)
    names = [f"X{i}" for i in range(n)] if names is None else list(names)
    if len(names) != n or len(set(names)) != n:
        raise InvalidInputError(f"`names` must hold {n} distinct names; got {len(names)} ({len(set(names))} distinct).")
    p = min(1.0, expected_degree / (n - 1)) if n > 1 else 0.0
    order = rng.permutation(n)
    upper = np.triu(rng.random((n, n)) < p, k=1)
    edges = [(names[order[i]], names[order[j]]) for i, j in zip(*np.nonzero(upper), strict=True)]
    return CausalGraph(nodes=names, edges=edges)


def _seed_record(random_state: Any) -> Any:
    """What to record of a ``random_state`` argument (a Generator is recorded by its type name)."""
    return random_state if random_state is None or isinstance(random_state, numbers.Integral) else type(random_state).__name__


def _dag_from(graph_or_n: Any, random_state: np.random.Generator, what: str) -> CausalGraph:
    """A DAG from a node count (random) or anything parse_graph reads (checked to be a DAG)."""
    if isinstance(graph_or_n, numbers.Integral) and not isinstance(graph_or_n, bool):
        return random_dag(int(graph_or_n), random_state=random_state)
    graph = parse_graph(graph_or_n)
    if len(graph) == 0:
        raise GraphError(f"{what} needs a graph with at least one node.")
    graph.require_dag(what)
    bad = [n for n in graph.nodes if not isinstance(n, str)]
    if bad:
        raise InvalidInputError(f"{what} needs string node names (they become columns); got {bad[0]!r}.")
    return graph


def _scale_range(value: Any, name: str, size: int, rng: np.random.Generator, positive: bool = True) -> np.ndarray:
    """Draw ``size`` values uniformly from a ``(low, high)`` range, or repeat a single number."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        low = high = float(value)
    else:
        try:
            low, high = (float(v) for v in value)
        except (TypeError, ValueError):
            raise InvalidInputError(f"`{name}` must be a number or a (low, high) pair; got {value!r}.") from None
    if low > high or (positive and low <= 0) or (not positive and low < 0):
        raise InvalidInputError(
            f"`{name}` must satisfy {'0 <' if positive else '0 <='} low <= high; got ({low}, {high})."
        )
    return rng.uniform(low, high, size=size)


def _noise(kind: str, size: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, unit-variance noise of the given family."""
    if kind == "gaussian":
        return rng.standard_normal(size)
    if kind == "uniform":
        return rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), size)
    if kind == "laplace":
        return rng.laplace(0.0, 1.0 / np.sqrt(2.0), size)
    if kind == "exponential":
        return rng.exponential(1.0, size) - 1.0
    raise InvalidInputError(f"`noise` must be one of gaussian, uniform, laplace, exponential; got {kind!r}.")


def _random_weights(graph: CausalGraph, weight_range: Any, rng: np.random.Generator) -> pd.DataFrame:
    """Edge weights with magnitude uniform in ``weight_range`` and random sign."""
    nodes = graph.nodes
    w = pd.DataFrame(0.0, index=nodes, columns=nodes)
    edges = graph.edges()
    mags = _scale_range(weight_range, "weight_range", len(edges), rng)
    signs = rng.choice([-1.0, 1.0], size=len(edges))
    for e, m, s in zip(edges, mags, signs, strict=True):
        w.loc[e.u, e.v] = m * s
    return w
