"""Validation and evaluation of interventions for :class:`~causalkit.scm.StructuralCausalModel`.

An intervention on a node is a scalar, an array with one value per unit, or (for hard
interventions) a function of the DataFrame of the node's parents; a shift is a scalar or array
added to the node's natural value.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from causalkit.exceptions import CausalKitError, InvalidInputError, UnknownNodeError
from causalkit.graphs import CausalGraph

__all__ = ["Intervention", "check_node", "check_interventions", "intervention_values", "apply_policy",
           "describe_value"]

Intervention = float | np.ndarray | Callable[[pd.DataFrame], Any]


def check_node(graph: CausalGraph, node: Any, role: str) -> str:
    """Return ``node`` if it is in ``graph``; raise :class:`UnknownNodeError` naming it otherwise."""
    if node not in graph:
        shown = ", ".join(map(str, graph.nodes[:20]))
        raise UnknownNodeError(f"The {role} {node!r} is not a node of the graph. Nodes: {shown}.")
    return node


def intervention_values(value: Any, n: int, node: str, arg: str) -> np.ndarray:
    """Broadcast a scalar or check an array of ``n`` finite values for ``node``."""
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, np.complexfloating):
        arr = np.full(n, float(value))
    else:
        try:
            arr = np.asarray(value, dtype=float).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"The value for {node!r} in `{arg}` must be a number, an array of {n} numbers"
                f"{' or a function of its parents' if arg == 'interventions' else ''}; got {value!r}."
            ) from exc
        if arr.size == 1:
            arr = np.full(n, float(arr[0]))
        if arr.size != n:
            raise InvalidInputError(
                f"The value for {node!r} in `{arg}` has {arr.size} entries; expected {n} (one per unit)."
            )
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(f"The value for {node!r} in `{arg}` contains NaN or infinite values.")
    return arr


def check_interventions(
    graph: CausalGraph, interventions: Mapping[str, Any] | None, shift: Mapping[str, Any] | None, n: int
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Validate hard interventions and shifts; return ``(hard, shifts)`` with arrays of length ``n``.

    Functions in ``interventions`` are kept as they are and evaluated during propagation.
    """
    hard: dict[str, Any] = {}
    shifts: dict[str, np.ndarray] = {}
    for arg, given, target in (("interventions", interventions, hard), ("shift", shift, shifts)):
        given = {} if given is None else given
        if not isinstance(given, Mapping):
            raise InvalidInputError(f"`{arg}` must be a dict node -> value; got {type(given).__name__}.")
        for node, value in given.items():
            check_node(graph, node, f"node to intervene on (in `{arg}`)")
            if callable(value) and arg == "interventions":
                target[node] = value
            else:
                target[node] = intervention_values(value, n, node, arg)
    both = set(hard) & set(shifts)
    if both:
        raise InvalidInputError(
            f"Node {sorted(both)[0]!r} is both set (`interventions`) and shifted (`shift`); choose one."
        )
    return hard, shifts


def apply_policy(policy: Callable[[pd.DataFrame], Any], parents: pd.DataFrame, node: str) -> np.ndarray:
    """Evaluate a functional intervention on the frame of ``node``'s parents."""
    try:
        value = policy(parents)
    except CausalKitError:
        raise
    except Exception as exc:
        raise InvalidInputError(
            f"The intervention function for {node!r} failed on the frame of its parents "
            f"{list(parents.columns)}: {exc}"
        ) from exc
    return intervention_values(value, len(parents), node, "interventions")


def describe_value(value: Any) -> Any:
    """A JSON-friendly description of an intervention value, for result parameters."""
    if callable(value):
        return getattr(value, "__name__", "function")
    if isinstance(value, (numbers.Real, np.number)):
        return float(value)
    return "array"
