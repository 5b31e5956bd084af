"""Drawing the replicates of a refuter and refitting them (batched OLS or joblib), plus verdict statistics.

Replicate ``s`` draws from ``numpy.random.default_rng(seeds[s])``: a permutation (placebo), a
standard-normal column (random common cause), a subset without replacement or a bootstrap index.
The batched and joblib paths use the same draws, so they give the same refits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from causalkit.exceptions import EstimationError
from causalkit.refutation import _linear
from causalkit.refutation._interacted import regression_effects
from causalkit.refutation._spec import Spec, child_seeds, refit_many

__all__ = ["draw_replicate", "batched_refits", "generic_refits", "simulate", "rank_pvalue", "mean_zero_pvalue"]


def draw_replicate(kind: str, rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Replicate draw: a permutation, a normal covariate, a subset or a bootstrap index."""
    if kind == "placebo":
        return rng.permutation(n)
    if kind == "random_common_cause":
        return rng.standard_normal(n)
    if kind == "subset":
        return rng.choice(n, size=m, replace=False)
    return rng.integers(0, n, size=n)  # bootstrap


def batched_refits(spec: Spec, kind: str, seeds: np.ndarray, m: int) -> np.ndarray:
    """All refits of a linear-regression estimate at once (batched least squares)."""
    p = spec.prepared
    n = len(p.y)

    def draw(cols: slice) -> np.ndarray:
        block = [draw_replicate(kind, np.random.default_rng(s), n, m) for s in seeds[cols]]
        if kind == "placebo":
            return np.column_stack([p.t[idx] for idx in block])
        if kind == "random_common_cause":
            return np.column_stack(block)
        W = np.zeros((n, len(block)))
        for j, idx in enumerate(block):
            W[:, j] = np.bincount(idx, minlength=n)
        return W

    if spec.linear == "regression":
        role = {"placebo": "treatment", "random_common_cause": "covariate"}.get(kind, "weights")
        return regression_effects(p.t, p.y, p.X, draw, len(seeds), role=role, **spec.linear_options)
    kernel = {
        "placebo": _linear.placebo_coefs,
        "random_common_cause": _linear.added_covariate_coefs,
    }.get(kind, _linear.weighted_coefs)
    return kernel(p.t, p.y, p.X, draw, len(seeds))


def generic_refits(spec: Spec, kind: str, seeds: np.ndarray, m: int, n_jobs: int | None) -> np.ndarray:
    """All refits of any estimator, through joblib."""
    df = spec.prepared.data.reset_index(drop=True)
    n = len(df)
    extra = "_random_common_cause"
    while extra in df.columns:
        extra += "_"

    def make(rng: np.random.Generator) -> tuple[pd.DataFrame, tuple[str, ...] | None]:
        draw = draw_replicate(kind, rng, n, m)
        if kind == "placebo":
            out = df.copy()
            out[spec.treatment] = df[spec.treatment].to_numpy()[draw]
            return out, None
        if kind == "random_common_cause":
            return df.assign(**{extra: draw}), (*spec.adjustment, extra)
        rows = np.sort(draw) if kind == "subset" else draw
        return df.iloc[rows].reset_index(drop=True), None

    return refit_many(spec, seeds, make, n_jobs)


def simulate(
    spec: Spec, kind: str, n_simulations: int, random_state: Any, n_jobs: int | None, m: int = 0
) -> np.ndarray:
    _, seeds = child_seeds(random_state, n_simulations)
    sims = batched_refits(spec, kind, seeds, m) if spec.batched else generic_refits(spec, kind, seeds, m, n_jobs)
    if np.isfinite(sims).sum() < 2:
        raise EstimationError(
            f"Fewer than two of the {n_simulations} refits gave a finite estimate; the treatment "
            "effect is not identified on the modified data (too few rows or no treatment variation)."
        )
    return sims


# ----------------------------------------------------------------------------- statistics


def rank_pvalue(sims: np.ndarray, orig: float) -> float:
    """Two-sided rank p-value of ``orig`` among ``sims`` (ties count on both sides)."""
    tol = 1e-9 * max(1.0, abs(orig))
    below = int(np.sum(sims <= orig + tol))
    above = int(np.sum(sims >= orig - tol))
    return float(min(1.0, 2 * (min(below, above) + 1) / (len(sims) + 1)))


def mean_zero_pvalue(sims: np.ndarray) -> float:
    """Two-sided one-sample t-test p-value of ``mean(sims) = 0``."""
    mean, sd = float(sims.mean()), float(sims.std(ddof=1))
    if sd == 0.0:
        return 1.0 if mean == 0.0 else 0.0
    return float(2 * stats.t.sf(abs(mean) / (sd / np.sqrt(len(sims))), len(sims) - 1))
