"""Deciding pair hypotheses on a PAG from its edge marks (sound, not complete).

Relations are about the *observed* variables: mediators and common effects are observed nodes; a
common cause may be latent (a ``<->`` edge certifies one). Rules:

* a definite directed path uses only ``-->`` edges; a *possibly* directed path from ``a`` never
  enters an edge through an arrowhead at its near end (``a o-> b``, ``a o-o b``, ``a --> b``);
* ``parent``: follows on ``x --> y``; contradicted when not adjacent or ``x <-* y``;
* ``ancestor``: follows on a definite directed path ``x --> m --> ... --> y``; contradicted when no
  possibly directed path of that length exists;
* ``collider``: follows on definite directed paths from ``x`` and ``y`` into a common observed node
  (sharing only it); contradicted when no node is reachable from both by possibly directed paths;
* ``confounder``: follows on ``x <-> y`` or definite directed paths from a common observed node;
  contradicted only when ``x`` and ``y`` are not connected at all in the PAG.
"""

from __future__ import annotations

from causalkit.graphs import CausalGraph, Mark
from causalkit.reasoning.hypotheses import Hypothesis

__all__ = ["decide_pag"]


def _steps(g: CausalGraph, definite: bool) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {v: set() for v in g.nodes}
    for e in g.edges():
        for a, b, ma, mb in ((e.u, e.v, e.mark_u, e.mark_v), (e.v, e.u, e.mark_v, e.mark_u)):
            if definite:
                if ma == Mark.TAIL and mb == Mark.ARROW:
                    out[a].add(b)
            elif ma != Mark.ARROW and mb != Mark.TAIL:
                out[a].add(b)
    return out


def _reach(step: dict[str, set[str]], start: str, avoid: set[str]) -> set[str]:
    seen: set[str] = set()
    stack = [w for w in step[start] if w not in avoid]
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        stack.extend(w for w in step[v] if w not in avoid and w not in seen)
    return seen


def _long_path(step: dict[str, set[str]], x: str, y: str) -> bool:
    """A path ``x -> m -> ... -> y`` through at least one node ``m`` other than ``x``, ``y``."""
    return any(y in _reach(step, m, {x}) for m in step[x] if m != y)


def _reverse(step: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {v: set() for v in step}
    for a, bs in step.items():
        for b in bs:
            out[b].add(a)
    return out


def decide_pag(h: Hypothesis, g: CausalGraph) -> tuple[str, str]:
    """``(verdict, explanation)`` of ``h`` on the PAG ``g``."""
    rel, x, y = h.relation, h.x, h.y
    if rel in ("child", "descendant"):
        rel, x, y = {"child": "parent", "descendant": "ancestor"}[rel], y, x
    sure, maybe = _steps(g, True), _steps(g, False)
    edges = ", ".join(g.to_edge_list()) or "no edges"
    lead = f"PAG: {edges}. "
    if rel == "parent":
        if g.is_directed_edge(x, y):
            return "follows", lead + f"{x} --> {y}: {x} is a cause of {y} in every graph of the class."
        if not g.has_edge(x, y) or g.marks(x, y)[0] == Mark.ARROW:
            why = "they are not adjacent" if not g.has_edge(x, y) else f"the edge has an arrowhead at {x}"
            return "contradicted", lead + f"{x} cannot directly cause {y}: {why}."
        return "undetermined", lead + f"the edge {g.edge(x, y)} leaves the direction open."
    if rel == "ancestor":
        if _long_path(sure, x, y):
            return "follows", lead + f"a directed path leads from {x} to {y} through other variables."
        if not _long_path(maybe, x, y):
            return "contradicted", lead + f"no possibly directed path leads from {x} to {y} through other variables."
        return "undetermined", lead + "only possibly directed paths connect them through mediators."
    if rel == "collider":
        common = _reach(sure, x, {y}) & _reach(sure, y, {x})
        if common:
            return "follows", lead + f"{sorted(common)[0]} is a common effect of {x} and {y}."
        if not (_reach(maybe, x, {y}) & _reach(maybe, y, {x})):
            return "contradicted", lead + f"no variable can be an effect of both {x} and {y}."
        return "undetermined", lead + "a common effect is possible but not certain."
    # confounder
    if g.has_edge(x, y) and g.marks(x, y) == (Mark.ARROW, Mark.ARROW):
        return "follows", lead + f"{x} <-> {y}: they share a latent common cause."
    back = _reverse(sure)
    common = _reach(back, x, {y}) & _reach(back, y, {x})
    if common:
        return "follows", lead + f"{sorted(common)[0]} is a common cause of {x} and {y}."
    connected = _reach({v: set(g.adjacent(v)) for v in g.nodes}, x, set())
    if y not in connected:
        return "contradicted", lead + f"{x} and {y} are not connected, so they share no cause."
    return "undetermined", lead + "a (possibly latent) common cause is neither certain nor excluded."
