"""Shared simulation with a known truth for the estimation_basic tests.

Design: X1, X2 ~ N(0, 1) independent; P(T=1 | X) = expit(-0.3 + 0.8 X1 - 0.6 X2);
Y = 1 + X1 + 0.5 X2 + T (2 + 1.5 X1) + N(0, 1). The unit effect is 2 + 1.5 X1, so ATE = 2 and,
because treated units have larger X1, ATT > ATE > ATC. With eta = -0.3 + 0.8 X1 - 0.6 X2 ~ N(-0.3, 1),
Stein's lemma gives E[X1 e(eta)] = 0.8 E[e (1 - e)], so
ATT = 2 + 1.5 * 0.8 E[e(1-e)] / E[e] and ATC = 2 - 1.5 * 0.8 E[e(1-e)] / E[1-e] (1-D quadrature).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import expit

COVARIATES = ["x1", "x2"]


def simulate(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    t = (rng.random(n) < expit(-0.3 + 0.8 * x1 - 0.6 * x2)).astype(int)
    y = 1 + x1 + 0.5 * x2 + t * (2 + 1.5 * x1) + rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "t": t, "y": y})


def _expect(f) -> float:
    val, _ = integrate.quad(
        lambda z: f(expit(z)) * stats.norm.pdf(z, -0.3, 1.0), -12, 12, epsabs=1e-13
    )
    return val


def truth() -> dict[str, float]:
    ee1e = _expect(lambda e: e * (1 - e))
    pe = _expect(lambda e: e)
    return {"ATE": 2.0, "ATT": 2 + 1.5 * 0.8 * ee1e / pe, "ATC": 2 - 1.5 * 0.8 * ee1e / (1 - pe)}


TRUTH = truth()


@pytest.fixture(autouse=True)
def single_thread():
    """BLAS threads oversubscribe the shared cores (20x slower lstsq); use one."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
