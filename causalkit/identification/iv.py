"""Instrumental variables read off the graph.

``Z`` is an instrument for the effect of ``X`` on ``Y`` given a (possibly empty) set ``W`` when

* **relevance**: ``Z`` and ``X`` are d-connected given ``W`` (so ``Z`` moves ``X``);
* **exclusion**: every directed path from ``Z`` to ``Y`` goes through ``X``;
* **unconfoundedness**: ``Z`` and ``Y`` are d-separated given ``W`` once ``X``'s outgoing edges are
  removed (no open path other than through ``X``), and ``W`` holds no descendant of ``X``.

Graphical conditions make ``Z`` a valid instrument; the effect itself then follows only under an
extra assumption (a linear / constant effect for the Wald ratio ``Cov(Z, Y) / Cov(Z, X)``, or
monotonicity for a local average effect). Conditional instruments are searched among the minimal
separators of ``Z`` and ``Y`` (van der Zander, Textor & Liśkiewicz 2015 use the nearest separator).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from causalkit._validation import as_list
from causalkit.exceptions import InvalidInputError, UnknownNodeError
from causalkit.identification._model import (
    Model,
    build_model,
    check_query,
    d_connected_nodes,
    d_separated,
    directed_path,
    fmt_set,
    format_path,
    open_paths,
    sorted_tuple,
)
from causalkit.identification._separators import ancestral_closure, list_minimal_separators

__all__ = ["InstrumentCheck", "check_instrument", "find_instruments"]


@dataclass(frozen=True)
class InstrumentCheck:
    """The verdict on one candidate instrument.

    Attributes
    ----------
    instrument : str
    conditioning : tuple of str
        The set ``W`` the conditions were checked given.
    relevance, exclusion, unconfounded : bool
        Each graphical condition.
    reason : str
        Empty when valid, else the first failing condition in words, with a path.
    paths : tuple of str
        Paths that show a failure.
    """

    instrument: Any
    conditioning: tuple[Any, ...]
    relevance: bool
    exclusion: bool
    unconfounded: bool
    reason: str = ""
    paths: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """Whether all three conditions hold."""
        return self.relevance and self.exclusion and self.unconfounded and not self.reason


def _cut_out(dag: nx.DiGraph, node: Any) -> nx.DiGraph:
    g = dag.copy()
    g.remove_edges_from([(node, c) for c in dag.successors(node)])
    return g


def instrument_check(
    model: Model, x: Any, y: Any, z: Any, w: Iterable[Any] = (), *, explain: bool = True
) -> InstrumentCheck:
    """Check the three conditions for ``z`` given ``w`` on a validated model.

    ``explain=False`` skips the search for open paths behind a failure (for fast searches).
    """
    w = set(w)
    dag = model.dag
    de_x = nx.descendants(dag, x)
    relevance = not d_separated(dag, {z}, {x}, w)
    exclusion_path = directed_path(dag, z, y, avoid={x})
    exclusion = exclusion_path is None
    unconfounded = d_separated(dag, {z}, {y}, w, cut_out={x})
    reasons: list[tuple[str, list[str]]] = []
    if z in de_x:
        reasons.append(
            (f"{z} is a descendant of {x}; an instrument must be a cause of {x}, not an effect", [])
        )
    bad_w = sorted(w & (de_x | {x, y, z}), key=str)
    if bad_w:
        reasons.append(
            (
                f"the conditioning set contains {bad_w[0]}, which is {x}, {y}, {z} or a descendant of {x}",
                [],
            )
        )
    if not relevance:
        reasons.append(
            (
                f"relevance fails: {z} is d-separated from {x} given {fmt_set(w)}, so it does not move {x}",
                [],
            )
        )
    if not exclusion:
        text = format_path(dag, exclusion_path)
        reasons.append(
            (
                f"exclusion fails: the directed path {text} reaches {y} without passing through {x}",
                [text],
            )
        )
    elif not unconfounded:
        cut = _cut_out(dag, x)
        paths = [format_path(cut, p) for p in open_paths(cut, z, y, w, limit=2)] if explain else []
        shown = ("the path " + ", ".join(f'"{p}"' for p in paths)) if paths else "an open path"
        reasons.append(
            (
                f"unconfoundedness fails: {shown} connects {z} and {y} other than through {x}"
                + (f" given {fmt_set(w)}" if w else ""),
                paths,
            )
        )
    reason, paths = reasons[0] if reasons else ("", [])
    return InstrumentCheck(
        z, sorted_tuple(w), relevance, exclusion, unconfounded, reason, tuple(paths)
    )


def _candidates(model: Model, x: Any, y: Any) -> list[Any]:
    de_x = nx.descendants(model.dag, x)
    return [n for n in model.observed if n not in (x, y) and n not in de_x]


def search_instruments(
    model: Model, x: Any, y: Any, conditional: bool = True, max_conditional: int = 50
) -> dict[Any, tuple[Any, ...]]:
    """Instruments (with their conditioning sets) on a validated DAG/ADMG model.

    Unconditional instruments come from three reachability sweeps; conditional ones are searched
    among the minimal separators of ``Z`` and ``Y`` for at most ``max_conditional`` candidates.
    """
    if model.is_class:
        return {}
    dag = model.dag
    de_x = nx.descendants(dag, x)
    relevant = d_connected_nodes(dag, {x})
    without_x = dag.subgraph([n for n in dag.nodes if n != x])
    reaches_y = ancestral_closure(without_x, {y})  # a directed path to Y that avoids X
    confounded = d_connected_nodes(dag, {y}, (), cut_out={x})
    out: dict[Any, tuple[Any, ...]] = {}
    tried = 0
    for z in _candidates(model, x, y):
        if z in reaches_y:
            continue  # exclusion fails whatever we condition on
        if z in relevant and z not in confounded:
            out[z] = ()
            continue
        if not conditional or tried >= max_conditional:
            continue
        tried += 1
        allowed = set(model.observed) - de_x - {x, y, z}
        seps, _ = list_minimal_separators(dag, {z}, {y}, allowed, max_sets=20, cut_out={x})
        for w in seps:
            if w and instrument_check(model, x, y, z, w, explain=False).valid:
                out[z] = sorted_tuple(w)
                break
    return dict(sorted(out.items(), key=lambda kv: (len(kv[1]), str(kv[0]))))


def find_instruments(
    graph: Any,
    treatment: Any,
    outcome: Any,
    *,
    conditional: bool = True,
    latent: Iterable[Any] | None = None,
) -> dict[Any, tuple[Any, ...]]:
    """Find instrumental variables for the effect of ``treatment`` on ``outcome``.

    Parameters
    ----------
    graph : CausalGraph, networkx.DiGraph, list of edges or str
        A DAG or ADMG (``u <-> v`` marks a latent common cause).
    treatment, outcome : str
    conditional : bool, default True
        Also look for conditional instruments (valid given a set ``W`` of observed covariates).
    latent : iterable of str, optional
        Unobserved nodes of ``graph``.

    Returns
    -------
    dict
        ``{instrument: conditioning_set}``; the conditioning set is ``()`` for an unconditional
        instrument. Unconditional instruments come first.

    Examples
    --------
    >>> find_instruments(["Z --> X", "X --> Y", "X <-> Y"], "X", "Y")
    {'Z': ()}
    """
    model = build_model(graph, latent)
    (x,), (y,) = check_query(model, treatment, outcome, single=True)
    if model.is_class:
        raise InvalidInputError(
            f"Instrument search needs a DAG or ADMG, not a {model.kind.upper()}."
        )
    return search_instruments(model, x, y, conditional)


def check_instrument(
    graph: Any,
    treatment: Any,
    outcome: Any,
    instrument: Any,
    conditioning: Iterable[Any] = (),
    *,
    latent: Iterable[Any] | None = None,
) -> InstrumentCheck:
    """Check whether ``instrument`` is a valid instrument (given ``conditioning``) and say why not.

    Examples
    --------
    >>> check_instrument(["Z --> X", "X --> Y", "Z --> Y"], "X", "Y", "Z").reason
    'exclusion fails: the directed path Z -> Y reaches Y without passing through X'
    """
    model = build_model(graph, latent)
    (x,), (y,) = check_query(model, treatment, outcome, single=True)
    for n in [instrument, *as_list(conditioning)]:
        if n not in model.dag:
            raise UnknownNodeError(
                f"The instrument/conditioning node {n!r} is not a node of the graph."
            )
        if n not in model.observed:
            raise InvalidInputError(
                f"{n!r} is latent; instruments and conditioning variables must be observed."
            )
    if instrument in (x, y):
        raise InvalidInputError(f"The instrument {instrument!r} is the treatment or the outcome.")
    return instrument_check(model, x, y, instrument, as_list(conditioning))
