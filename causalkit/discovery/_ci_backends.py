"""CI-test back ends for PC: batched decisions for the skeleton, exact cached p-values for orientation.

* :class:`FisherZBackend` - causalkit's vectorised Fisher-z (:mod:`._fisherz`).
* :class:`GenericBackend` - any test of the registry (or a callable), one test at a time, the tests of
  one level optionally spread over joblib workers.

Both count the tests they run the way causal-learn's cache does (each ``({x, y}, S)`` once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import joblib
import numpy as np

from causalkit.discovery._fisherz import FisherZBatch
from causalkit.discovery.ci_tests import get_ci_test

__all__ = ["Backend", "FisherZBackend", "GenericBackend"]


class Backend:
    """Shared cache of orientation-stage p-values (compared with each other, so exact) and test counter.

    ``decide(x, y, S)`` gives the skeleton's batched decisions, ``first_independent`` the
    unstable skeleton's sequential ones, ``pvalues(x, z, sets)`` the orientation rules' p-values.
    """

    def __init__(self, alpha: float):
        self.alpha = alpha
        self._cache: dict[tuple, float] = {}
        self.seen: set[tuple] = set()
        self.orientation_tests = 0

    @staticmethod
    def _key(x: int, y: int, s: Sequence[int]) -> tuple:
        return (min(x, y), max(x, y), tuple(sorted(int(v) for v in s)))

    def decide(self, x: np.ndarray, y: np.ndarray, s: np.ndarray) -> np.ndarray:  # pragma: no cover
        """Independence decisions ``p > alpha`` of a batch of tests ``x[i] _||_ y[i] | s[i]``."""
        raise NotImplementedError

    def _compute(self, keys: list[tuple]) -> list[float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def pvalues(self, x: int, z: int, sets: list[tuple[int, ...]], count: bool = True) -> np.ndarray:
        """P-values of ``x _||_ z | S`` for each ``S`` in ``sets`` (cached; counted if ``count``)."""
        keys = [self._key(x, z, s) for s in sets]
        missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            self._cache.update(zip(missing, self._compute(missing), strict=True))
        if count:
            new = [k for k in dict.fromkeys(keys) if k not in self.seen]
            self.seen.update(new)
            self.orientation_tests += len(new)
        return np.array([self._cache[k] for k in keys], dtype=float)

    def first_independent(self, x: int, y: int, rows: np.ndarray) -> tuple[int, int]:
        """Index of the first row ``S`` with ``x _||_ y | S`` (or -1) and the number of new tests."""
        hit, ran = -1, 0
        for idx, p in self._scan(x, y, rows):
            key = self._key(x, y, rows[idx])
            if key not in self.seen:
                self.seen.add(key)
                ran += 1
            if p > self.alpha:
                hit = idx
                break
        return hit, ran

    def _scan(self, x: int, y: int, rows: np.ndarray):  # pragma: no cover - abstract
        raise NotImplementedError


class FisherZBackend(Backend):
    """Vectorised Fisher-z: whole levels at once, decisions and p-values as causal-learn's."""

    def __init__(self, values: np.ndarray, names: list, alpha: float):
        super().__init__(alpha)
        self.fz = FisherZBatch(values, [str(n) for n in names])

    def decide(self, x: np.ndarray, y: np.ndarray, s: np.ndarray) -> np.ndarray:
        return self.fz.independent(x, y, s, self.alpha)

    def _compute(self, keys: list[tuple]) -> list[float]:
        out: dict[tuple, float] = {}
        by_size: dict[int, list[tuple]] = {}
        for k in keys:
            by_size.setdefault(len(k[2]), []).append(k)
        for d, group in by_size.items():
            arr = np.array([(a, b, *s) for a, b, s in group], dtype=np.intp).reshape(len(group), d + 2)
            out.update(zip(group, self.fz.pvalues(arr[:, 0], arr[:, 1], arr[:, 2:]).tolist(), strict=True))
        return [out[k] for k in keys]

    def _scan(self, x: int, y: int, rows: np.ndarray):
        m = len(rows)
        p = self.fz.pvalues(np.full(m, x), np.full(m, y), rows)
        return enumerate(p.tolist())


def _run_tests(test: Callable, tasks: list[tuple[int, int, list[int]]]) -> list[float]:
    return [float(test(a, b, s)) for a, b, s in tasks]


class GenericBackend(Backend):
    """Any registered CI test (or a callable ``test(x, y, cond) -> p``), test by test."""

    def __init__(self, values: np.ndarray, ci_test, alpha: float, n_jobs: int | None, ci_kwargs: dict):
        super().__init__(alpha)
        self.test = get_ci_test(ci_test, values, **ci_kwargs) if isinstance(ci_test, str) else ci_test
        self.n_jobs = n_jobs

    def _evaluate(self, tasks: list[tuple[int, int, list[int]]]) -> list[float]:
        if self.n_jobs in (None, 1) or len(tasks) < 8:
            return _run_tests(self.test, tasks)
        workers = joblib.effective_n_jobs(self.n_jobs)
        size = -(-len(tasks) // (4 * workers))
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        results = joblib.Parallel(n_jobs=self.n_jobs)(joblib.delayed(_run_tests)(self.test, c) for c in chunks)
        return [p for chunk in results for p in chunk]

    def decide(self, x: np.ndarray, y: np.ndarray, s: np.ndarray) -> np.ndarray:
        p = self._evaluate(list(zip(x.tolist(), y.tolist(), s.tolist(), strict=True)))
        return np.array([v > self.alpha for v in p], dtype=bool)

    def _compute(self, keys: list[tuple]) -> list[float]:
        return self._evaluate([(a, b, list(s)) for a, b, s in keys])

    def _scan(self, x: int, y: int, rows: np.ndarray):
        for idx, s in enumerate(rows.tolist()):
            yield idx, float(self.test(x, y, s))
