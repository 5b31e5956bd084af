"""Simulators with known truth for the FCI / GES / CD-NOD / LiNGAM tests (no dependency on datasets)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from causalkit.graphs import CausalGraph, d_separated


def simulate_linear(graph: CausalGraph, n: int, seed: int, noise: str = "gauss",
                    low: float = 0.6, high: float = 1.2) -> tuple[pd.DataFrame, dict]:
    """Linear SEM over a DAG; coefficients of random sign with |b| in [low, high]."""
    rng = np.random.default_rng(seed)
    values: dict[str, np.ndarray] = {}
    coefs: dict[tuple[str, str], float] = {}
    for node in graph.topological_order():
        if noise == "uniform":
            e = rng.uniform(-1, 1, n)
        else:
            e = rng.normal(size=n)
        x = e
        for p in graph.parents(node):
            b = rng.choice([-1, 1]) * rng.uniform(low, high)
            coefs[(p, node)] = b
            x = x + b * values[p]
        values[node] = x
    return pd.DataFrame({k: values[k] for k in graph.nodes}), coefs


def context_data(seed: int, n_contexts: int = 4, n_per: int = 300) -> pd.DataFrame:
    """X1 -> X2 -> X3 <- X4, X3 -> X5 pooled over contexts; X2's mean, X3's coefficient on X2 and
    X4's variance change across contexts (changing modules: X2, X3, X4)."""
    rng = np.random.default_rng(seed)
    dom = np.repeat(np.arange(n_contexts), n_per)
    n = len(dom)
    shift = rng.permutation(np.linspace(-1.5, 1.5, n_contexts))
    scale = rng.permutation(np.linspace(0.5, 2.0, n_contexts))
    coef = rng.permutation(np.linspace(0.3, 1.5, n_contexts))
    x1 = rng.normal(size=n)
    x2 = 0.8 * x1 + shift[dom] + rng.normal(size=n)
    x4 = scale[dom] * rng.normal(size=n)
    x3 = coef[dom] * x2 + 0.7 * x4 + rng.normal(size=n)
    x5 = 0.8 * x3 + rng.normal(size=n)
    return pd.DataFrame({"X1": x1, "X2": x2, "X3": x3, "X4": x4, "X5": x5, "domain": dom})


def oracle(graph: CausalGraph, names: list[str]):
    """A d-separation CI 'test' over ``graph``: p = 1 if separated, else 0."""

    def test(x: int, y: int, cond) -> float:
        return 1.0 if d_separated(graph, names[x], names[y], [names[c] for c in cond]) else 0.0

    return test


@pytest.fixture
def latent_dag() -> CausalGraph:
    """A -> B <- L -> C <- D, C -> E, B -> F with L latent: the PAG has B <-> C."""
    return CausalGraph(edges=["A --> B", "L --> B", "L --> C", "D --> C", "C --> E", "B --> F"])


@pytest.fixture
def latent_data(latent_dag):
    df, _ = simulate_linear(latent_dag, 3000, seed=1)
    return df.drop(columns=["L"])


@pytest.fixture
def dag6() -> CausalGraph:
    """A DAG with two v-structures, an undirected part and a Meek-rule orientation."""
    return CausalGraph(edges=["A --> C", "B --> C", "C --> D", "D --> E", "F --> E", "A --> G"])
