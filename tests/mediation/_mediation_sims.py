"""Simulators with known natural direct and indirect effects, shared by the mediation tests."""

import numpy as np
import pandas as pd

# Y = A0 + B X + C M + D X M + 0.7 Z + e_Y,   M = E + F X + 0.5 Z + e_M
A0, B, C, D, E, F = 1.0, 0.5, 1.2, 0.8, 0.3, 1.5


def simulate(n, rng, *, d=D, treatment="binary", confounded=True):
    z = rng.normal(size=n)
    if treatment == "binary":
        x = rng.binomial(1, 1 / (1 + np.exp(-0.8 * z))) if confounded else rng.binomial(1, 0.5, n)
    else:
        x = 1.0 + 0.5 * z + rng.normal(size=n) if confounded else 1.0 + rng.normal(size=n)
    gz = 0.5 * z if confounded else 0.0
    m = E + F * x + gz + rng.normal(size=n)
    y = A0 + B * x + C * m + d * x * m + 0.7 * z * confounded + rng.normal(size=n)
    return pd.DataFrame({"X": x, "M": m, "Y": y, "Z": z})


def truth(x1, x0, d=D):
    """NDE = (B + D E[M(x0)]) (x1 - x0), NIE = (C + D x1) F (x1 - x0), E[Z] = 0."""
    nde = (B + d * (E + F * x0)) * (x1 - x0)
    nie = (C + d * x1) * F * (x1 - x0)
    return nde, nie
