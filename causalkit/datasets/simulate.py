"""Simulators of continuous data with known causal truth: linear SEMs, nonlinear additive noise
models and heterogeneous (multi-context) data."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_choice, check_positive_int, check_random_state
from causalkit.datasets._base import (
    SimulatedData,
    _dag_from,
    _noise,
    _random_weights,
    _scale_range,
    _seed_record,
)
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph

__all__ = ["simulate_linear_gaussian", "simulate_nonlinear_anm", "simulate_heterogeneous", "nonlinear_function"]

_NOISES = ["gaussian", "uniform", "laplace", "exponential"]


def _user_weights(graph: CausalGraph, weights: Any) -> pd.DataFrame:
    """Weight matrix from a ``{(u, v): w}`` mapping or a DataFrame; must match the graph's edges."""
    nodes = graph.nodes
    if isinstance(weights, pd.DataFrame):
        w = weights.reindex(index=nodes, columns=nodes)
        if w.isna().any().any():
            raise InvalidInputError("The `weights` DataFrame must have every node of the graph as index and column.")
        w = w.astype(float)
    elif isinstance(weights, Mapping):
        w = pd.DataFrame(0.0, index=nodes, columns=nodes)
        for key, value in weights.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise InvalidInputError(f"`weights` keys must be (parent, child) pairs; got {key!r}.")
            graph.check_nodes(key)
            w.loc[key[0], key[1]] = float(value)
    else:
        raise InvalidInputError("`weights` must be a {(parent, child): weight} dict or a DataFrame.")
    for e in graph.edges():
        if w.loc[e.u, e.v] == 0:
            raise InvalidInputError(f"`weights` gives no (or a zero) weight for the edge {e}; every edge needs one.")
    off = [(u, v) for u in nodes for v in nodes if w.loc[u, v] != 0 and not graph.is_directed_edge(u, v)]
    if off:
        raise InvalidInputError(f"`weights` has a weight for {off[0][0]} --> {off[0][1]}, which is not an edge of the graph.")
    return w


def simulate_linear_gaussian(
    graph_or_n_nodes: Any,
    n_samples: int,
    *,
    weights: Any = None,
    weight_range: Any = (0.5, 2.0),
    noise_scale: Any = (0.5, 1.5),
    noise: str = "gaussian",
    standardize: bool = False,
    random_state: Any = None,
) -> SimulatedData:
    """Sample a linear structural equation model ``X_j = sum_i W[i, j] X_i + e_j``.

    Parameters
    ----------
    graph_or_n_nodes : int, CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
        The true DAG, or a number of nodes for a :func:`random_dag` (expected degree 3).
    n_samples : int
        Number of rows.
    weights : dict or DataFrame, optional
        Fixed weights ``{(parent, child): w}`` for every edge; random when None.
    weight_range : (float, float)
        Magnitude range of random weights; each gets a random sign.
    noise_scale : float or (float, float)
        Standard deviation of each node's noise (drawn per node from the range).
    noise : {"gaussian", "uniform", "laplace", "exponential"}
        Noise family (zero mean; non-Gaussian noise makes the DAG identifiable by LiNGAM).
    standardize : bool
        Scale every variable to unit (population) variance; ``weights`` and ``noise_scale`` are
        rescaled to match, so the truth stays exact. Removes "varsortability".
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    SimulatedData
        With ``weights``, ``noise_scale``, ``true_effects`` and ``total_effect(x, y)``.

    Examples
    --------
    >>> sim = simulate_linear_gaussian("Z -> X; Z -> Y; X -> Y", 500,
    ...                                weights={("Z", "X"): 1.0, ("Z", "Y"): 1.0, ("X", "Y"): 2.0}, random_state=0)
    >>> sim.total_effect("Z", "Y")
    3.0
    """
    rng = check_random_state(random_state)
    n = check_positive_int(n_samples, "n_samples")
    check_choice(noise, _NOISES, "noise")
    graph = _dag_from(graph_or_n_nodes, rng, "simulate_linear_gaussian")
    nodes = graph.nodes
    w = _random_weights(graph, weight_range, rng) if weights is None else _user_weights(graph, weights)
    scale = _scale_range(noise_scale, "noise_scale", len(nodes), rng)
    idx = {v: i for i, v in enumerate(nodes)}
    wm = w.to_numpy()
    inv = np.linalg.inv(np.eye(len(nodes)) - wm)
    x = (_noise(noise, (n, len(nodes)), rng) * scale) @ inv
    if standardize:
        sd = np.sqrt(np.diag(inv.T @ np.diag(scale**2) @ inv))
        x = x / sd
        wm = wm * sd[:, None] / sd[None, :]
        scale = scale / sd
        w = pd.DataFrame(wm, index=nodes, columns=nodes)
        inv = np.linalg.inv(np.eye(len(nodes)) - wm)
    effects = {
        (a, b): float(inv[idx[a], idx[b]])
        for a in nodes
        for b in graph.descendants(a)
    }
    return SimulatedData(
        data=pd.DataFrame(x, columns=nodes),
        graph=graph,
        weights=w,
        noise_scale=dict(zip(nodes, map(float, scale), strict=True)),
        true_effects=effects,
        params={
            "simulator": "linear", "n_samples": n, "weight_range": weight_range, "noise_scale": noise_scale,
            "noise": noise, "standardize": standardize, "random_state": _seed_record(random_state),
        },
    )


_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "sin": lambda z: np.sin(2.0 * z),
    "quadratic": lambda z: z**2 - 1.0,
    "cubic": lambda z: z**3 / 3.0,
    "sigmoid": lambda z: 2.0 / (1.0 + np.exp(-2.0 * z)) - 1.0,
    "linear": lambda z: z,
}


def nonlinear_function(name: str) -> Any:
    """The named mechanism used by :func:`simulate_nonlinear_anm` (a numpy ufunc-like callable)."""
    check_choice(name, list(_FUNCTIONS), "function")
    return _FUNCTIONS[name]


def simulate_nonlinear_anm(
    graph_or_n_nodes: Any,
    n_samples: int,
    *,
    functions: Iterable[str] = ("tanh", "sin", "quadratic", "cubic"),
    weight_range: Any = (0.5, 2.0),
    noise_scale: Any = (0.3, 0.7),
    noise: str = "gaussian",
    random_state: Any = None,
) -> SimulatedData:
    """Sample a nonlinear additive noise model ``X_j = sum_p w_pj f_pj(z_p) + e_j``.

    Each edge gets a function drawn from ``functions`` (``tanh``, ``sin`` = sin(2z),
    ``quadratic`` = z^2 - 1, ``cubic`` = z^3/3, ``sigmoid``, ``linear``) and a weight; ``z_p`` is the
    parent standardised with its sample mean and standard deviation (recorded, so the mechanism is
    exact), which keeps values bounded down long chains.

    Parameters
    ----------
    graph_or_n_nodes : int, CausalGraph or anything parse_graph reads
    n_samples : int
    functions : iterable of str
    weight_range : (float, float)
    noise_scale : float or (float, float)
    noise : {"gaussian", "uniform", "laplace", "exponential"}
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    SimulatedData
        ``extra["mechanisms"][node]`` lists ``(parent, function, weight, mean, sd)`` per parent and
        ``extra["noise"]`` the noise draws, so ``X_j - sum(...)`` recovers them exactly.
    """
    rng = check_random_state(random_state)
    n = check_positive_int(n_samples, "n_samples", minimum=2)
    check_choice(noise, _NOISES, "noise")
    funcs = [functions] if isinstance(functions, str) else list(functions)
    if not funcs:
        raise InvalidInputError("`functions` must name at least one function.")
    for f in funcs:
        check_choice(f, list(_FUNCTIONS), "functions")
    graph = _dag_from(graph_or_n_nodes, rng, "simulate_nonlinear_anm")
    nodes = graph.nodes
    scale = dict(zip(nodes, _scale_range(noise_scale, "noise_scale", len(nodes), rng), strict=True))
    x: dict[str, np.ndarray] = {}
    noises: dict[str, np.ndarray] = {}
    mechanisms: dict[str, list[tuple[str, str, float, float, float]]] = {}
    for j in graph.topological_order():
        parents = graph.parents(j)
        mags = _scale_range(weight_range, "weight_range", len(parents), rng)
        signs = rng.choice([-1.0, 1.0], size=len(parents))
        names = rng.choice(funcs, size=len(parents))
        signal = np.zeros(n)
        mechanisms[j] = []
        for p, m, s, fname in zip(parents, mags, signs, names, strict=True):
            mean, sd = float(x[p].mean()), float(x[p].std()) or 1.0
            signal += m * s * _FUNCTIONS[fname]((x[p] - mean) / sd)
            mechanisms[j].append((p, str(fname), float(m * s), mean, sd))
        noises[j] = _noise(noise, (n,), rng) * scale[j]
        x[j] = signal + noises[j]
    return SimulatedData(
        data=pd.DataFrame({v: x[v] for v in nodes}),
        graph=graph,
        noise_scale={k: float(v) for k, v in scale.items()},
        params={
            "simulator": "nonlinear_anm", "n_samples": n, "functions": tuple(funcs), "weight_range": weight_range,
            "noise_scale": noise_scale, "noise": noise, "random_state": _seed_record(random_state),
        },
        extra={"mechanisms": mechanisms, "noise": pd.DataFrame({v: noises[v] for v in nodes})},
    )


def simulate_heterogeneous(
    graph_or_n_nodes: Any,
    n_samples: int,
    *,
    n_contexts: int = 4,
    changing: Iterable[str] | None = None,
    change: str = "mechanism",
    context_name: str = "C",
    weight_range: Any = (0.5, 2.0),
    noise_scale: Any = (0.5, 1.0),
    noise: str = "gaussian",
    random_state: Any = None,
) -> SimulatedData:
    """Sample a linear SEM whose mechanisms change across contexts (domains, time periods).

    Rows are split evenly into ``n_contexts`` contexts, numbered in the column ``context_name``.
    For each changing node, each context gets (``change="mechanism"``) its own incoming weights
    and an intercept shift (shifts are spread over about [-2, 2], so they differ clearly), and/or
    (``change="noise"``) its own noise scale (factors spread from 0.5 to 2.5). Other nodes keep one
    mechanism. This is the setting of CD-NOD, which should find ``C --> j`` for the changing ``j``.

    Parameters
    ----------
    graph_or_n_nodes : int, CausalGraph or anything parse_graph reads
    n_samples : int
        Total rows (at least 2 per context).
    n_contexts : int
        Number of contexts (>= 2).
    changing : iterable of str, optional
        The changing nodes; by default about a third of the nodes (at least one), at random.
    change : {"mechanism", "noise", "both"}
    context_name : str
        Name of the context column; must not be a node name.
    weight_range, noise_scale, noise, random_state
        As in :func:`simulate_linear_gaussian`.

    Returns
    -------
    SimulatedData
        ``changing_modules``, ``context``; ``extra`` holds per-context ``weights``, ``intercepts``
        and ``noise_scales`` and ``graph_with_context`` (the DAG plus ``C --> j`` for changing ``j``).
    """
    rng = check_random_state(random_state)
    k = check_positive_int(n_contexts, "n_contexts", minimum=2)
    n = check_positive_int(n_samples, "n_samples", minimum=2 * k)
    check_choice(change, ["mechanism", "noise", "both"], "change")
    check_choice(noise, _NOISES, "noise")
    graph = _dag_from(graph_or_n_nodes, rng, "simulate_heterogeneous")
    nodes = graph.nodes
    if not isinstance(context_name, str) or context_name in graph:
        raise InvalidInputError(f"`context_name` {context_name!r} must be a string that is not a node name.")
    if changing is None:
        size = max(1, round(len(nodes) / 3))
        chg = [nodes[i] for i in sorted(rng.choice(len(nodes), size=size, replace=False))]
    else:
        chg = [changing] if isinstance(changing, str) else list(dict.fromkeys(changing))
        graph.check_nodes(chg)
    base_w = _random_weights(graph, weight_range, rng)
    base_s = _scale_range(noise_scale, "noise_scale", len(nodes), rng)
    idx = {v: i for i, v in enumerate(nodes)}
    sizes = np.full(k, n // k) + (np.arange(k) < n % k)
    contexts = np.repeat(np.arange(k), sizes)
    shifts = {j: rng.permutation(np.linspace(-1.0, 1.0, k)) * rng.uniform(1.5, 2.5) for j in chg}
    factors = {j: rng.permutation(np.geomspace(0.5, 2.5, k)) for j in chg}
    ws, bs, ss, blocks = [], [], [], []
    for c in range(k):
        w, b, s = base_w.to_numpy().copy(), np.zeros(len(nodes)), base_s.copy()
        for j in chg:
            col = idx[j]
            if change in {"mechanism", "both"}:
                b[col] = shifts[j][c]
                for p in graph.parents(j):
                    w[idx[p], col] = rng.uniform(*_pair(weight_range)) * rng.choice([-1.0, 1.0])
            if change in {"noise", "both"}:
                s[col] = base_s[col] * factors[j][c]
        e = _noise(noise, (int(sizes[c]), len(nodes)), rng) * s + b
        blocks.append(e @ np.linalg.inv(np.eye(len(nodes)) - w))
        ws.append(pd.DataFrame(w, index=nodes, columns=nodes))
        bs.append(dict(zip(nodes, map(float, b), strict=True)))
        ss.append(dict(zip(nodes, map(float, s), strict=True)))
    data = pd.DataFrame(np.vstack(blocks), columns=nodes)
    data[context_name] = contexts
    aug = CausalGraph(nodes=[*nodes, context_name], edges=[*graph.edges(), *((context_name, j) for j in chg)])
    return SimulatedData(
        data=data,
        graph=graph,
        noise_scale=dict(zip(nodes, map(float, base_s), strict=True)),
        changing_modules=tuple(chg),
        context=context_name,
        params={
            "simulator": "heterogeneous", "n_samples": n, "n_contexts": k, "change": change,
            "weight_range": weight_range, "noise_scale": noise_scale, "noise": noise,
            "random_state": _seed_record(random_state),
        },
        extra={"weights": ws, "intercepts": bs, "noise_scales": ss, "graph_with_context": aug},
    )


def _pair(value: Any) -> tuple[float, float]:
    if isinstance(value, (int, float)):
        return float(value), float(value)
    low, high = value
    return float(low), float(high)
