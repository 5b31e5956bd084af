"""A seeded, joblib-parallel nonparametric bootstrap of a vector-valued statistic.

Shared by :mod:`causalkit.scm` (refit bootstrap of SCM effects) and :mod:`causalkit.mediation`.
Each replicate gets its own child seed drawn up front, so results do not depend on ``n_jobs``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from joblib import Parallel, delayed

from causalkit._validation import check_random_state
from causalkit.exceptions import CausalKitError, EstimationError

__all__ = ["bootstrap_replicates"]


def bootstrap_replicates(
    statistic: Callable[[np.ndarray, np.random.Generator], np.ndarray],
    n: int,
    *,
    n_boot: int,
    random_state: Any = None,
    n_jobs: int | None = None,
    what: str = "the estimate",
) -> np.ndarray:
    """Evaluate ``statistic(row_indices, rng)`` on ``n_boot`` resamples of ``n`` rows.

    Parameters
    ----------
    statistic : callable
        Maps an index array (rows drawn with replacement) and a replicate-specific generator
        (for any Monte Carlo step inside) to a 1-D array of numbers.
    n : int
        Number of rows in the data.
    n_boot : int
        Number of replicates.
    random_state : int, Generator or None
        Seed of the replicate seeds.
    n_jobs : int or None
        joblib parallelism over replicates (chunked to keep overhead low).
    what : str
        Name used in the error message.

    Returns
    -------
    numpy.ndarray
        ``(n_ok, k)`` replicates; replicates that raised a causalkit error or produced non-finite
        values are dropped.

    Raises
    ------
    EstimationError
        If fewer than half of the replicates (or fewer than 10) succeeded.
    """
    rng = check_random_state(random_state)
    seeds = rng.integers(0, 2**32 - 1, size=n_boot)

    def run(chunk: np.ndarray) -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = []
        for seed in chunk:
            r = np.random.default_rng(seed)
            idx = r.integers(0, n, size=n)
            try:
                out.append(np.atleast_1d(np.asarray(statistic(idx, r), dtype=float)))
            except (CausalKitError, np.linalg.LinAlgError, ValueError, FloatingPointError):
                out.append(None)
        return out

    n_chunks = max(1, min(n_boot, 4 * abs(n_jobs))) if n_jobs not in (None, 1) else 1
    chunks = np.array_split(seeds, n_chunks)
    if n_chunks == 1:
        results = run(chunks[0])
    else:
        results = [r for part in Parallel(n_jobs=n_jobs)(delayed(run)(c) for c in chunks) for r in part]
    good = [r for r in results if r is not None and np.all(np.isfinite(r))]
    if len(good) < max(min(10, n_boot), n_boot // 2):
        raise EstimationError(
            f"{len(results) - len(good)} of {n_boot} bootstrap replicates of {what} failed; the model is "
            f"unstable on resampled data (rare categories, separation, tiny samples). Use more data or "
            f"a simpler model."
        )
    return np.vstack(good)
