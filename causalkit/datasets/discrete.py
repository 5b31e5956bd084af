"""Discrete Bayesian networks: random CPTs, a fast numpy ancestral sampler, and the classic networks
bundled inside pgmpy's wheel (asia, sachs, alarm, child, insurance, ...), read offline."""

from __future__ import annotations

import functools
import gzip
import numbers
import warnings
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_choice, check_positive_int, check_random_state
from causalkit.datasets._base import SimulatedData, _dag_from, _seed_record
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph, from_pgmpy

__all__ = ["simulate_discrete", "to_pgmpy_model", "load_network", "sample_network", "list_networks"]

_DISCRETE = (
    "asia", "cancer", "earthquake", "sachs", "survey",  # small
    "alarm", "barley", "child", "insurance", "mildew", "water",  # medium
    "hailfinder", "hepar2", "win95pts",  # large
    "andes", "diabetes", "link", "munin1", "munin2", "munin3", "munin4", "pathfinder", "pigs", "munin",
)
_GAUSSIAN = ("ecoli70", "magic-niab", "magic-irri", "arth150")
_DAGITTY = (
    "M-bias", "confounding", "mediator", "paths", "Sebastiani_2005", "Polzer_2012", "Schipf_2010",
    "Shrier_2008", "Acid_1996", "Thoemmes_2013", "Kampen_2014", "Didelez_2010",
)


def _sample_cpts(
    order: list[str], cpts: dict[str, tuple[tuple[str, ...], np.ndarray]], n: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Ancestral sampling: ``cpts[node] = (parents, table)`` with ``table[parent states..., state]``."""
    x: dict[str, np.ndarray] = {}
    for node in order:
        parents, table = cpts[node]
        k = table.shape[-1]
        flat = table.reshape(-1, k)
        row = np.ravel_multi_index(tuple(x[p] for p in parents), table.shape[:-1]) if parents else np.zeros(n, dtype=int)
        cum = np.cumsum(flat, axis=1)[row]
        x[node] = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), k - 1)
    return x


def simulate_discrete(
    graph_or_n_nodes: Any,
    n_samples: int,
    *,
    cardinality: Any = (2, 3),
    dirichlet_alpha: float = 1.0,
    random_state: Any = None,
) -> SimulatedData:
    """Sample a discrete Bayesian network with random conditional probability tables.

    Parameters
    ----------
    graph_or_n_nodes : int, CausalGraph or anything parse_graph reads
        The true DAG, or a number of nodes for a random DAG.
    n_samples : int
    cardinality : int or (int, int)
        Number of states per node, or an inclusive range to draw it from.
    dirichlet_alpha : float
        Each CPT row is drawn from a symmetric Dirichlet; smaller values give more peaked rows
        and so stronger dependences.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    SimulatedData
        Integer-coded columns (0 .. k-1); ``extra["cpts"][node] = (parents, table)`` with
        ``table[parent states..., state] = P(node = state | parents)`` and ``extra["cardinality"]``.
        :func:`to_pgmpy_model` turns it into a pgmpy network for exact inference.
    """
    rng = check_random_state(random_state)
    n = check_positive_int(n_samples, "n_samples")
    if isinstance(dirichlet_alpha, bool) or not isinstance(dirichlet_alpha, numbers.Real) or dirichlet_alpha <= 0:
        raise InvalidInputError(f"`dirichlet_alpha` must be a positive number; got {dirichlet_alpha!r}.")
    graph = _dag_from(graph_or_n_nodes, rng, "simulate_discrete")
    if isinstance(cardinality, numbers.Integral) and not isinstance(cardinality, bool):
        low = high = int(cardinality)
    else:
        try:
            low, high = (int(c) for c in cardinality)
        except (TypeError, ValueError):
            raise InvalidInputError(f"`cardinality` must be an int or a (low, high) pair; got {cardinality!r}.") from None
    if low < 2 or high < low:
        raise InvalidInputError(f"`cardinality` needs 2 <= low <= high; got ({low}, {high}).")
    card = {v: int(rng.integers(low, high + 1)) for v in graph.nodes}
    order = graph.topological_order()
    cpts = {}
    for v in order:
        parents = tuple(graph.parents(v))
        shape = tuple(card[p] for p in parents) + (card[v],)
        cpts[v] = (parents, rng.dirichlet(np.full(card[v], float(dirichlet_alpha)), size=shape[:-1]).reshape(shape))
    x = _sample_cpts(order, cpts, n, rng)
    return SimulatedData(
        data=pd.DataFrame({v: x[v] for v in graph.nodes}),
        graph=graph,
        params={"simulator": "discrete", "n_samples": n, "cardinality": cardinality,
                "dirichlet_alpha": dirichlet_alpha, "random_state": _seed_record(random_state)},
        extra={"cpts": cpts, "cardinality": card},
    )


def to_pgmpy_model(sim: SimulatedData) -> Any:
    """A pgmpy ``DiscreteBayesianNetwork`` with the CPTs of discrete simulated data (for exact inference)."""
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork

    if "cpts" not in sim.extra:
        raise InvalidInputError("to_pgmpy_model needs discrete simulated data (with CPTs).")
    model = DiscreteBayesianNetwork([(e.u, e.v) for e in sim.graph.edges()])
    model.add_nodes_from(sim.graph.nodes)
    names = sim.extra.get("state_names")
    for v, (parents, table) in sim.extra["cpts"].items():
        k = table.shape[-1]
        model.add_cpds(TabularCPD(
            v, k, table.reshape(-1, k).T, evidence=list(parents) or None,
            evidence_card=list(table.shape[:-1]) or None,
            state_names={u: names[u] for u in (v, *parents)} if names else {},
        ))
    return model


# ------------------------------------------------------------------------------------ bundled networks
def list_networks(kind: str | None = None) -> list[str]:
    """Names of the networks bundled in pgmpy's wheel that :func:`load_network` reads offline.

    Parameters
    ----------
    kind : {"discrete", "gaussian", "dag"}, optional
        ``"discrete"``: Bayesian networks with CPTs (bnlearn repository, smallest first);
        ``"gaussian"``: linear Gaussian networks; ``"dag"``: graphs only (dagitty examples).
    """
    if kind is not None:
        check_choice(kind, ["discrete", "gaussian", "dag"], "kind")
    groups = {"discrete": _DISCRETE, "gaussian": _GAUSSIAN, "dag": _DAGITTY}
    return [name for k, names in groups.items() if kind in (None, k) for name in names]


@functools.lru_cache(maxsize=8)
def _pgmpy_model(name: str) -> Any:
    base = files("pgmpy") / "utils" / "example_models"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name in _DISCRETE:
            from pgmpy.readwrite import BIFReader

            with gzip.open(str(base / f"{name}.bif.gz")) as fh:
                return BIFReader(string=fh.read().decode("utf-8")).get_model()
        if name in _GAUSSIAN:
            from pgmpy.models import LinearGaussianBayesianNetwork

            return LinearGaussianBayesianNetwork.load(str(base / f"{name}.json"))
        from pgmpy.base import DAG

        return DAG.from_dagitty(filename=str(base / f"{name}.txt"))


def _check_name(name: str) -> str:
    if name not in list_networks():
        raise InvalidInputError(f"Unknown network {name!r}. Available: {', '.join(list_networks())}.")
    return name


def load_network(name: str) -> CausalGraph:
    """The DAG of a bundled network (see :func:`list_networks`); read offline from pgmpy's wheel.

    Examples
    --------
    >>> load_network("asia").parents("dysp")
    ['bronc', 'either']
    """
    return from_pgmpy(_pgmpy_model(_check_name(name))).copy()


def sample_network(name: str, n_samples: int, random_state: Any = None, *, labels: bool = False) -> SimulatedData:
    """Sample a bundled network with its published parameters.

    Parameters
    ----------
    name : str
        A discrete or Gaussian network from :func:`list_networks`.
    n_samples : int
    random_state : None, int or numpy.random.Generator
    labels : bool
        Discrete networks: return pandas categoricals with the state names instead of integer codes.

    Returns
    -------
    SimulatedData
        Discrete: ``extra["cpts"]`` and ``extra["state_names"]``. Gaussian: ``weights``,
        ``noise_scale`` and ``extra["intercepts"]`` (so ``total_effect`` is exact).
    """
    _check_name(name)
    if name in _DAGITTY:
        raise InvalidInputError(
            f"Network {name!r} is a graph without parameters; simulate data on it instead, e.g. "
            f"simulate_linear_gaussian(load_network({name!r}), n_samples)."
        )
    rng = check_random_state(random_state)
    n = check_positive_int(n_samples, "n_samples")
    model = _pgmpy_model(name)
    graph = from_pgmpy(model)
    order = graph.topological_order()
    params = {"simulator": f"network:{name}", "n_samples": n, "random_state": _seed_record(random_state)}
    if name in _GAUSSIAN:
        nodes = graph.nodes
        w = pd.DataFrame(0.0, index=nodes, columns=nodes)
        intercept, scale = {}, {}
        for cpd in model.get_cpds():
            intercept[cpd.variable], scale[cpd.variable] = float(cpd.beta[0]), float(cpd.std)
            for p, b in zip(cpd.evidence, cpd.beta[1:], strict=True):
                w.loc[p, cpd.variable] = float(b)
        e = rng.standard_normal((n, len(nodes))) * np.array([scale[v] for v in nodes]) + np.array([intercept[v] for v in nodes])
        inv = np.linalg.inv(np.eye(len(nodes)) - w.to_numpy())
        idx = {v: i for i, v in enumerate(nodes)}
        effects = {(a, b): float(inv[idx[a], idx[b]]) for a in nodes for b in graph.descendants(a)}
        return SimulatedData(data=pd.DataFrame(e @ inv, columns=nodes), graph=graph, weights=w, noise_scale=scale,
                             true_effects=effects, params=params, extra={"intercepts": intercept})
    cpts, states = {}, {}
    for cpd in model.get_cpds():
        cpts[cpd.variable] = (tuple(cpd.variables[1:]), np.moveaxis(np.asarray(cpd.values, dtype=float), 0, -1))
        states[cpd.variable] = list(cpd.state_names[cpd.variable])
    x = _sample_cpts(order, cpts, n, rng)
    data = pd.DataFrame({v: x[v] for v in graph.nodes})
    if labels:
        data = pd.DataFrame({v: pd.Categorical.from_codes(data[v], categories=states[v]) for v in graph.nodes})
    card = {v: len(s) for v, s in states.items()}
    return SimulatedData(data=data, graph=graph, params=params,
                         extra={"cpts": cpts, "state_names": states, "cardinality": card})
