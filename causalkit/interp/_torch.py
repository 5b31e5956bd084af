"""Lazy access to the optional dependencies of :mod:`causalkit.interp` (torch, transformers).

Every module of the sub-package that needs torch imports it through :func:`require_torch`, so that
``import causalkit`` never needs torch and a missing install gives a clear
:class:`~causalkit.exceptions.MissingDependencyError` naming the ``[interp]`` extra.
"""

from __future__ import annotations

from types import ModuleType

from causalkit.exceptions import MissingDependencyError

__all__ = ["require_torch", "require_transformers", "torch"]


def require_torch(feature: str = "Language-model interpretability (causalkit.interp)") -> ModuleType:
    """Import and return :mod:`torch`, or raise :class:`MissingDependencyError`."""
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("torch", "interp", feature) from exc
    return torch


def require_transformers(feature: str = "Loading language models (causalkit.interp)") -> ModuleType:
    """Import and return :mod:`transformers`, or raise :class:`MissingDependencyError`."""
    try:
        import transformers
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("transformers", "interp", feature) from exc
    return transformers


try:
    import torch
except ImportError as _exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("torch", "interp", "Language-model interpretability (causalkit.interp)") from _exc
