"""Simulators with known truth for the advanced estimators (DML, IV, front-door)."""

import numpy as np
import pandas as pd
import pytest


def plr_data(n: int, rng: np.random.Generator, theta: float = 2.0, p: int = 5, nonlinear: bool = True) -> pd.DataFrame:
    """Partially linear model; confounding through X is nonlinear when ``nonlinear``."""
    X = rng.normal(size=(n, p))
    if nonlinear:
        m = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] ** 2 + 0.5 * X[:, 2]
        g = 2 * np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + np.abs(X[:, 2])
    else:
        m = X[:, 0] + 0.5 * X[:, 1]
        g = X[:, 0] - X[:, 2]
    d = m + rng.normal(size=n)
    y = theta * d + g + rng.normal(size=n)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(p)]).assign(d=d, y=y)


def irm_data(n: int, rng: np.random.Generator, p: int = 5) -> pd.DataFrame:
    """Binary treatment with heterogeneous effects; ATE = 1.0 + 0.5 E[x1] = 1.0."""
    X = rng.normal(size=(n, p))
    ps = 1 / (1 + np.exp(-(0.8 * X[:, 0] - 0.4 * X[:, 1])))
    d = (rng.uniform(size=n) < ps).astype(float)
    y = d * (1.0 + 0.5 * X[:, 1]) + X[:, 0] + 0.5 * X[:, 2] + rng.normal(size=n)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(p)]).assign(d=d, y=y)


def iv_data(n: int, rng: np.random.Generator, beta: float = 1.0, hetero: bool = True) -> pd.DataFrame:
    """Confounded continuous treatment with two instruments and a covariate.

    The treatment's own noise is large relative to the outcome error, so that the naive
    second-stage standard errors (residuals ``y - X̂ b``) are about twice too large.
    """
    u = rng.normal(size=n)
    z1, z2, w = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    d = 1.0 * z1 + 0.6 * z2 + 0.5 * w + u + 2.5 * rng.normal(size=n)
    eps = rng.normal(size=n) * (np.sqrt(0.5 + z1**2) if hetero else 1.0)
    y = beta * d + 0.5 * w - 0.8 * u + eps
    return pd.DataFrame({"z1": z1, "z2": z2, "w": w, "d": d, "y": y})


def frontdoor_data(n: int, rng: np.random.Generator, binary: bool = False) -> pd.DataFrame:
    """X <- U -> Y latent confounding, X -> M -> Y; true effect 0.8 * 1.5 = 1.2."""
    u = rng.normal(size=n)
    x = u + rng.normal(size=n)
    if binary:
        x = (x > 0).astype(float)
    m = 0.8 * x + rng.normal(size=n)
    y = 1.5 * m + 2.0 * u + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "y": y})


@pytest.fixture(scope="session")
def sims():
    """The simulators, as a namespace."""

    class S:
        plr = staticmethod(plr_data)
        irm = staticmethod(irm_data)
        iv = staticmethod(iv_data)
        frontdoor = staticmethod(frontdoor_data)

    return S
