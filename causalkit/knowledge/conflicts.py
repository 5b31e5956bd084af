"""Disagreements between a data-only discovery result and the knowledge from priors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from causalkit.graphs import CausalGraph
from causalkit.knowledge.priors import PriorSet, check_threshold
from causalkit.results import DiscoveryResult

__all__ = ["Conflict", "find_conflicts"]


@dataclass(frozen=True)
class Conflict:
    """A point where the data and the knowledge disagree.

    Attributes
    ----------
    u, v : str
    data : str
        What the data-only result says (e.g. ``"A --> B"`` or ``"no edge (separated by {C})"``).
    knowledge : str
        What the knowledge says (e.g. ``"B --> A (p=0.95)"``).
    prob : float
        Confidence of the knowledge statement.
    resolution : str
        What the final graph shows.
    """

    u: str
    v: str
    data: str
    knowledge: str
    prob: float
    resolution: str

    def __str__(self) -> str:
        return f"{self.u} / {self.v}: data says {self.data}; knowledge says {self.knowledge} -> {self.resolution}"


def _sep_text(data_result: DiscoveryResult | None, u: str, v: str) -> str:
    sep = (data_result.sepsets.get(frozenset((u, v))) if data_result is not None else None)
    return "no edge" + (f" (separated by {{{', '.join(sep)}}})" if sep is not None else "")


def _final_text(graph: CausalGraph, u: str, v: str) -> str:
    return str(graph.edge(u, v)) if graph.has_edge(u, v) else "no edge"


def find_conflicts(
    data_graph: CausalGraph,
    priors: PriorSet,
    threshold: float = 0.9,
    final_graph: CausalGraph | None = None,
    data_result: DiscoveryResult | None = None,
) -> list[Conflict]:
    """Disagreements between a data-only graph and the priors' confident statements.

    Three kinds: the data orient ``u --> v`` but the knowledge says ``v --> u`` or forbids
    ``u --> v`` (also by temporal order); the data find no edge where the knowledge requires one;
    the data find an edge where the knowledge forbids both directions.
    """
    t = check_threshold(threshold)
    st = priors.statements(t)
    st = st[st["status"] == "used"]
    final = final_graph if final_graph is not None else data_graph
    names = set(data_graph.nodes)
    required = {(r.source, r.target): r.prob for r in st.itertuples() if r.kind == "required"}
    forbidden: dict[tuple[str, str], tuple[float, str]] = {}
    for r in st.itertuples():
        if r.kind != "required":
            why = "temporal order" if r.kind == "forbidden_by_order" else "no direct effect"
            key = (r.source, r.target)
            if key not in forbidden or forbidden[key][0] < r.prob:
                forbidden[key] = (r.prob, why)
    out: list[Conflict] = []
    seen: set[frozenset] = set()

    def add(u: str, v: str, data: str, knowledge: str, prob: float) -> None:
        key = frozenset((u, v))
        if key in seen:
            return
        seen.add(key)
        out.append(Conflict(u, v, data, knowledge, float(prob), "final graph: " + _final_text(final, u, v)))

    for e in data_graph.edges():
        if e.u not in names or e.v not in names:
            continue
        if e.kind == "-->":
            u, v = e.u, e.v
            if (v, u) in required:
                add(u, v, str(e), f"{v} --> {u} (p={required[(v, u)]:.2f})", required[(v, u)])
            elif (u, v) in forbidden:
                prob, why = forbidden[(u, v)]
                add(u, v, str(e), f"{u} cannot cause {v} ({why}, p={prob:.2f})", prob)
        if (e.u, e.v) in forbidden and (e.v, e.u) in forbidden and frozenset((e.u, e.v)) not in seen:
            prob = min(forbidden[(e.u, e.v)][0], forbidden[(e.v, e.u)][0])
            add(e.u, e.v, str(e), f"neither causes the other directly (p={prob:.2f}); a hidden common cause?", prob)
    for (u, v), prob in required.items():
        if u in names and v in names and not data_graph.has_edge(u, v):
            add(u, v, _sep_text(data_result, u, v), f"{u} --> {v} (p={prob:.2f})", prob)
    for e in final.edges("-->"):  # orientations forced by the data once other knowledge was applied
        u, v = e.u, e.v
        if data_graph.edge_kind(u, v) != "---":
            continue
        against = [(required[(v, u)], f"{v} --> {u} (p={required[(v, u)]:.2f})")] if (v, u) in required else []
        if (u, v) in forbidden:
            against.append((forbidden[(u, v)][0], f"{u} cannot cause {v} ({forbidden[(u, v)][1]}, p={forbidden[(u, v)][0]:.2f})"))
        if against:
            prob, text = max(against)
            add(u, v, f"{u} --- {v}, and with the other knowledge applied its constraints force {u} --> {v}", text, prob)
    out += _collider_conflicts(final, data_graph, priors, data_result, seen)
    return out


def _collider_conflicts(final: CausalGraph, data_graph: CausalGraph, priors: PriorSet,
                        data_result: DiscoveryResult | None, seen: set[frozenset]) -> list[Conflict]:
    """Colliders ``a --> b <-- c`` in the final graph where the data separated ``a`` and ``c`` given ``b``."""
    from causalkit.graphs import v_structures

    if data_result is None or final.kind not in ("dag", "cpdag") or data_graph.kind not in ("dag", "cpdag"):
        return []
    out = []
    for a, b, c in sorted(v_structures(final) - v_structures(data_graph)):
        sep = data_result.sepsets.get(frozenset((a, c)))
        if sep is None or b not in sep or frozenset((a, c)) in seen:
            continue
        prob = float(np.nanmin([priors.prob(a, b), priors.prob(c, b)]))
        out.append(Conflict(a, c, f"{a} and {c} are independent given {{{', '.join(sep)}}}, so {b} is no common effect",
                            f"{a} --> {b} <-- {c}", prob, f"final graph: {a} --> {b} <-- {c}"))
    return out
