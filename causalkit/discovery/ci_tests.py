"""Conditional-independence tests by name, through one registry.

``get_ci_test(name, data)`` returns a callable ``test(x, y, cond) -> p_value`` over column
*indices*. The built-in tests wrap causal-learn's implementations (with its result cache):

- ``fisherz``: partial correlation, linear-Gaussian data.
- ``chisq`` / ``gsq``: Pearson chi-square / G-square, discrete data.
- ``kci``: kernel CI test, nonlinear data; O(n^3), so data above ``kci_max_rows`` rows are
  sub-sampled (seeded) with a warning.

Register another test with :func:`register_ci_test`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from causalkit._validation import check_random_state
from causalkit.exceptions import InvalidInputError

__all__ = ["CITest", "get_ci_test", "register_ci_test", "available_ci_tests", "KCI_MAX_ROWS"]

#: Above this many rows KCI sub-samples (its cost grows as n^3).
KCI_MAX_ROWS = 1500

CITest = Callable[[int, int, Sequence[int]], float]
_REGISTRY: dict[str, Callable[..., CITest]] = {}


def register_ci_test(name: str, factory: Callable[..., CITest]) -> None:
    """Register a CI test.

    Parameters
    ----------
    name : str
        Name used by ``ci_test=`` arguments.
    factory : callable
        ``factory(data: np.ndarray, **kwargs) -> test`` where ``test(x, y, cond) -> p_value``.
    """
    _REGISTRY[name] = factory


def available_ci_tests() -> list[str]:
    """Names of the registered CI tests."""
    return sorted(_REGISTRY)


def _causallearn_factory(method: str) -> Callable[..., CITest]:
    def factory(data: np.ndarray, **kwargs: Any) -> CITest:
        from causallearn.utils.cit import CIT

        cit = CIT(np.asarray(data), method, **kwargs)

        def test(x: int, y: int, cond: Sequence[int] = ()) -> float:
            return float(cit(int(x), int(y), [int(c) for c in cond]))

        test.method = method  # type: ignore[attr-defined]
        return test

    return factory


def _kci_factory(data: np.ndarray, max_rows: int = KCI_MAX_ROWS, random_state: Any = 0, **kwargs: Any) -> CITest:
    data = np.asarray(data, dtype=float)
    if len(data) > max_rows:
        rng = check_random_state(random_state)
        idx = np.sort(rng.choice(len(data), size=max_rows, replace=False))
        warnings.warn(
            f"KCI costs O(n^3): using a random sub-sample of {max_rows} of {len(data)} rows "
            f"(seeded; pass max_rows=N to the CI test to use more).",
            stacklevel=3,
        )
        data = data[idx]
    return _causallearn_factory("kci")(data, **kwargs)


for _name in ("fisherz", "chisq", "gsq"):
    register_ci_test(_name, _causallearn_factory(_name))
register_ci_test("kci", _kci_factory)


def get_ci_test(name: str, data: np.ndarray, **kwargs: Any) -> CITest:
    """Build the named CI test over ``data`` (a 2-D array; columns are variables).

    Raises
    ------
    InvalidInputError
        If ``name`` is not registered.
    """
    if name not in _REGISTRY:
        raise InvalidInputError(f"Unknown CI test {name!r}; available: {available_ci_tests()}.")
    return _REGISTRY[name](np.asarray(data), **kwargs)
