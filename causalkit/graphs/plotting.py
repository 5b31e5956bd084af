"""Drawing causal graphs with matplotlib (imported lazily; safe with the Agg backend).

Directed edges are arrows, undirected edges plain lines, bidirected edges dashed double arrows and
circle marks small open circles at the edge end. The default ``"dot-like"`` layout puts nodes in
topological layers so that a DAG reads top-down, and orders each layer to reduce crossings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import networkx as nx

from causalkit._validation import check_choice
from causalkit.exceptions import InvalidInputError
from causalkit.graphs._graph import CausalGraph, Mark
from causalkit.graphs.io import parse_graph

__all__ = ["plot_graph", "graph_layout"]

_NODE_H = 0.28  # node half-height (data units)
_CHAR_W = 0.075  # half-width added per label character


def _half_width(name: Any) -> float:
    return max(_NODE_H, _CHAR_W * len(str(name)) + 0.1)


def _layers(graph: CausalGraph) -> list[list[Any]]:
    """Topological layers: directed edges point down; other edges follow node order unless that
    would close a cycle. Nodes in each layer are ordered by the barycentre heuristic."""
    d = nx.DiGraph()
    d.add_nodes_from(graph.nodes)
    d.add_edges_from((e.u, e.v) for e in graph.edges("-->"))
    if not nx.is_directed_acyclic_graph(d):
        d = nx.DiGraph()
        d.add_nodes_from(graph.nodes)
    for e in graph.edges():
        if e.kind != "-->" and not d.has_edge(e.u, e.v) and not d.has_edge(e.v, e.u):
            u, v = (e.v, e.u) if nx.has_path(d, e.v, e.u) else (e.u, e.v)
            d.add_edge(u, v)
    level: dict[Any, int] = {}
    for n in nx.topological_sort(d):
        level[n] = max((level[p] + 1 for p in d.predecessors(n)), default=0)
    layers: list[list[Any]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for n in graph.nodes:
        layers[level[n]].append(n)
    und = d.to_undirected()
    for sweep in range(4):  # barycentre ordering, alternately top-down and bottom-up
        rng = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        for i in rng:
            ref = layers[i - 1] if sweep % 2 == 0 else layers[i + 1]
            pos = {n: k for k, n in enumerate(ref)}
            here = {n: k for k, n in enumerate(layers[i])}

            def bary(n: Any, pos: dict = pos, here: dict = here) -> float:
                ks = [pos[m] for m in und.neighbors(n) if m in pos]
                return sum(ks) / len(ks) if ks else here[n]

            layers[i].sort(key=bary)
    return layers


def graph_layout(graph: Any, layout: str = "dot-like") -> dict[Any, tuple[float, float]]:
    """Node positions for :func:`plot_graph`.

    Parameters
    ----------
    graph : CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
    layout : {"dot-like", "spring", "circular"}
        ``"dot-like"``: topological layers top-down (roots at the top); ``"spring"``:
        force-directed (seeded, so deterministic); ``"circular"``: nodes on a circle.

    Returns
    -------
    dict
        ``node -> (x, y)`` in data units, with room for the node labels.
    """
    graph = parse_graph(graph)
    check_choice(layout, ["dot-like", "spring", "circular"], "layout")
    if len(graph) == 0:
        return {}
    if layout == "dot-like":
        pos = {}
        for depth, layer in enumerate(_layers(graph)):
            widths = [2 * _half_width(n) + 0.5 for n in layer]
            x = -sum(widths) / 2
            for n, w in zip(layer, widths, strict=True):
                pos[n] = (x + w / 2, -1.2 * depth)
                x += w
        return pos
    skeleton = nx.Graph()
    skeleton.add_nodes_from(graph.nodes)
    skeleton.add_edges_from((e.u, e.v) for e in graph.edges())
    raw = nx.spring_layout(skeleton, seed=0) if layout == "spring" else nx.circular_layout(skeleton)
    pts = list(raw.values())
    dmin = min((math.dist(p, q) for i, p in enumerate(pts) for q in pts[i + 1 :]), default=1.0) or 1.0
    need = 2 * max(_half_width(n) for n in graph.nodes) + 0.4
    scale = need / dmin
    return {n: (float(p[0]) * scale, float(p[1]) * scale) for n, p in raw.items()}


def _boundary(center: tuple[float, float], half_w: float, dx: float, dy: float) -> tuple[float, float]:
    """Point where the ray from ``center`` along unit ``(dx, dy)`` leaves the node ellipse."""
    t = 1.0 / math.sqrt((dx / half_w) ** 2 + (dy / _NODE_H) ** 2)
    return center[0] + t * dx, center[1] + t * dy


def _unit(dx: float, dy: float) -> tuple[float, float]:
    length = math.hypot(dx, dy) or 1.0
    return dx / length, dy / length


def _clearance(pos: dict, u: Any, v: Any, rad: float) -> float:
    """Smallest distance (in node half-widths) from another node to the arc3 curve from u to v."""
    (x0, y0), (x1, y1) = pos[u], pos[v]
    cx, cy = (x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0)
    ts = [i / 16 for i in range(1, 16)]
    curve = [((1 - t) ** 2 * x0 + 2 * t * (1 - t) * cx + t**2 * x1,
              (1 - t) ** 2 * y0 + 2 * t * (1 - t) * cy + t**2 * y1) for t in ts]
    best = math.inf
    for n, (x, y) in pos.items():
        if n not in (u, v):
            hw = _half_width(n)
            best = min(best, min(math.hypot((px - x) / hw, (py - y) / _NODE_H) for px, py in curve))
    return best


def _bend(pos: dict, u: Any, v: Any) -> float:
    """Curvature for the edge u-v: 0 (straight) unless the line passes through another node."""
    if _clearance(pos, u, v, 0.0) > 1.3:
        return 0.0
    return max((0.2, -0.2, 0.35, -0.35), key=lambda r: _clearance(pos, u, v, r))


def _highlights(graph: CausalGraph, highlight: Iterable[Any]) -> tuple[set, set]:
    nodes, edges = set(), set()
    for h in highlight or ():
        if isinstance(h, (tuple, list)) and len(h) == 2:
            graph.check_nodes(h)
            edges.add(frozenset(h))
        elif h in graph:
            nodes.add(h)
        else:
            raise InvalidInputError(
                f"Cannot highlight {h!r}: give node names or (u, v) pairs of nodes in the graph."
            )
    return nodes, edges


def plot_graph(
    graph: Any,
    ax: Any = None,
    path: str | None = None,
    layout: str = "dot-like",
    highlight: Iterable[Any] = (),
    title: str | None = None,
) -> Any:
    """Draw a causal graph.

    Parameters
    ----------
    graph : CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when None.
    path : str, optional
        Save the figure there (PNG, or any format matplotlib infers from the suffix).
    layout : {"dot-like", "spring", "circular"}
        See :func:`graph_layout`.
    highlight : iterable
        Node names and/or ``(u, v)`` pairs to draw in colour (e.g. treatment, outcome, a path).
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_graph("Z -> X; Z -> Y; X -> Y", highlight=["X", "Y"])
    """
    graph = parse_graph(graph)
    pos = graph_layout(graph, layout)
    hi_nodes, hi_edges = _highlights(graph, highlight)
    from matplotlib.patches import Circle, Ellipse, FancyArrowPatch

    if ax is None:
        xs = [p[0] for p in pos.values()] or [0.0]
        ys = [p[1] for p in pos.values()] or [0.0]
        size = (min(14.0, max(3.0, (max(xs) - min(xs)) * 0.9 + 2)), min(12.0, max(2.5, (max(ys) - min(ys)) * 0.9 + 1.6)))
        if path is not None:  # no pyplot state: nothing to close, nothing shown
            from matplotlib.figure import Figure

            ax = Figure(figsize=size).add_subplot()
        else:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=size)
    edge_colour, hi_colour = "#333333", "#d62728"
    bulges = []  # mid points of curved edges, to keep them inside the axes
    for e in graph.edges():
        rad = _bend(pos, e.u, e.v)
        (x0, y0), (x1, y1) = pos[e.u], pos[e.v]
        cx, cy = (x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0)  # arc3 control point
        bulges.append(((x0 + 2 * cx + x1) / 4, (y0 + 2 * cy + y1) / 4))
        du, dv = _unit(cx - x0, cy - y0), _unit(x1 - cx, y1 - cy)
        start = _boundary(pos[e.u], _half_width(e.u), *du)
        end = _boundary(pos[e.v], _half_width(e.v), -dv[0], -dv[1])
        colour = hi_colour if frozenset((e.u, e.v)) in hi_edges else edge_colour
        rc = 0.06
        if e.mark_u == Mark.CIRCLE:
            ax.add_patch(Circle((start[0] + rc * du[0], start[1] + rc * du[1]), rc, fc="white", ec=colour, lw=1.2, zorder=3))
            start = (start[0] + 2 * rc * du[0], start[1] + 2 * rc * du[1])
        if e.mark_v == Mark.CIRCLE:
            ax.add_patch(Circle((end[0] - rc * dv[0], end[1] - rc * dv[1]), rc, fc="white", ec=colour, lw=1.2, zorder=3))
            end = (end[0] - 2 * rc * dv[0], end[1] - 2 * rc * dv[1])
        style = ("<|" if e.mark_u == Mark.ARROW else "") + "-" + ("|>" if e.mark_v == Mark.ARROW else "")
        ax.add_patch(FancyArrowPatch(
            start, end, arrowstyle=style, mutation_scale=14, color=colour, lw=1.4,
            linestyle="--" if e.kind == "<->" else "-", shrinkA=0, shrinkB=0, zorder=2,
            connectionstyle=f"arc3,rad={rad}",
        ))
    for n, (x, y) in pos.items():
        hi = n in hi_nodes
        ax.add_patch(Ellipse((x, y), 2 * _half_width(n), 2 * _NODE_H, fc="#ffd8a8" if hi else "#e8f0fe",
                             ec=hi_colour if hi else "#1f4e79", lw=1.6 if hi else 1.2, zorder=4))
        ax.text(x, y, str(n), ha="center", va="center", fontsize=9, zorder=5)
    if pos:
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        pad = max(_half_width(n) for n in pos) + 0.2
        bx = [b[0] for b in bulges] or xs
        by = [b[1] for b in bulges] or ys
        ax.set_xlim(min(min(xs) - pad, min(bx) - 0.2), max(max(xs) + pad, max(bx) + 0.2))
        ax.set_ylim(min(min(ys) - _NODE_H - 0.2, min(by) - 0.2), max(max(ys) + _NODE_H + 0.2, max(by) + 0.2))
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    if path is not None:
        ax.figure.savefig(path, dpi=150, bbox_inches="tight")
    return ax
