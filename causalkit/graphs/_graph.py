"""The :class:`CausalGraph` type: DAGs, CPDAGs, PAGs and mixed graphs over networkx.

An edge between ``u`` and ``v`` carries one *mark* at each end (:class:`Mark`): a tail ``-``,
an arrowhead ``>`` or a circle ``o``. So ``u --> v`` has a tail at ``u`` and an arrowhead at ``v``;
``u --- v`` is undirected (CPDAG), ``u <-> v`` bidirected (latent confounding), and ``u o-> v``,
``u o-o v`` are PAG edges. No magic integers: marks are an :class:`enum.Enum`.

Edges are written as strings like ``"A --> B"``, ``"A <-> B"``, ``"A o-o B"`` (``->``, ``--``,
``<-`` are accepted abbreviations).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import networkx as nx
import pandas as pd

from causalkit.exceptions import GraphError, InvalidInputError, UnknownNodeError

__all__ = ["Mark", "Edge", "CausalGraph", "parse_edge"]


class Mark(str, enum.Enum):
    """The mark at one end of an edge."""

    TAIL = "-"
    ARROW = ">"
    CIRCLE = "o"


class Edge(NamedTuple):
    """An edge ``u *-* v`` with the mark at ``u``'s end and the mark at ``v``'s end."""

    u: str
    v: str
    mark_u: Mark
    mark_v: Mark

    @property
    def kind(self) -> str:
        """The edge as a connector string: ``-->``, ``<--``, ``---``, ``<->``, ``o->``, ``o-o``, ..."""
        left = {Mark.TAIL: "-", Mark.ARROW: "<", Mark.CIRCLE: "o"}[self.mark_u]
        right = {Mark.TAIL: "-", Mark.ARROW: ">", Mark.CIRCLE: "o"}[self.mark_v]
        return f"{left}-{right}"

    def reversed(self) -> Edge:
        """The same edge written from ``v`` to ``u``."""
        return Edge(self.v, self.u, self.mark_v, self.mark_u)

    def __str__(self) -> str:
        return f"{self.u} {self.kind} {self.v}"


_CONNECTORS = {
    "-->": (Mark.TAIL, Mark.ARROW),
    "->": (Mark.TAIL, Mark.ARROW),
    "<--": (Mark.ARROW, Mark.TAIL),
    "<-": (Mark.ARROW, Mark.TAIL),
    "---": (Mark.TAIL, Mark.TAIL),
    "--": (Mark.TAIL, Mark.TAIL),
    "<->": (Mark.ARROW, Mark.ARROW),
    "o->": (Mark.CIRCLE, Mark.ARROW),
    "<-o": (Mark.ARROW, Mark.CIRCLE),
    "o-o": (Mark.CIRCLE, Mark.CIRCLE),
    "o--": (Mark.CIRCLE, Mark.TAIL),
    "--o": (Mark.TAIL, Mark.CIRCLE),
}
_EDGE_RE = re.compile(r"^\s*(.+?)\s+(" + "|".join(sorted(map(re.escape, _CONNECTORS), key=len, reverse=True)) + r")\s+(.+?)\s*$")


def parse_edge(text: str) -> Edge:
    """Parse ``"A --> B"`` (or ``A -> B``, ``A <-> B``, ``A o-o B``, ...) into an :class:`Edge`.

    Node names may contain spaces; the connector must be surrounded by whitespace.
    """
    m = _EDGE_RE.match(text)
    if not m:
        raise InvalidInputError(
            f"Cannot parse edge {text!r}. Write edges as 'A --> B', 'A --- B', 'A <-> B', "
            f"'A o-> B' or 'A o-o B' (spaces around the connector)."
        )
    u, conn, v = m.group(1), m.group(2), m.group(3)
    mu, mv = _CONNECTORS[conn]
    return Edge(u, v, mu, mv)


class CausalGraph:
    """A causal graph over named nodes with marked edges (DAG, CPDAG, PAG or mixed).

    Parameters
    ----------
    nodes : iterable of str, optional
        Node names, in order. Nodes named in ``edges`` are added automatically.
    edges : iterable, optional
        Each edge either a ``(u, v)`` pair (meaning ``u --> v``), a ``(u, v, kind)`` triple with
        ``kind`` a connector like ``"-->"``, ``"<->"``, ``"o-o"``, an :class:`Edge`, or a string
        ``"u --> v"``.

    Examples
    --------
    >>> g = CausalGraph(edges=["Z --> X", "Z --> Y", "X --> Y"])
    >>> g.parents("Y")
    ['X', 'Z']
    >>> g.is_dag()
    True
    """

    def __init__(self, nodes: Iterable[str] | None = None, edges: Iterable[Any] | None = None):
        self._g = nx.Graph()
        for n in nodes or ():
            self.add_node(n)
        for e in edges or ():
            self.add_edge(*self._coerce_edge(e))

    # ------------------------------------------------------------------ construction
    @staticmethod
    def _coerce_edge(e: Any) -> tuple[str, str, str]:
        if isinstance(e, Edge):
            return e.u, e.v, e.kind
        if isinstance(e, str):
            pe = parse_edge(e)
            return pe.u, pe.v, pe.kind
        if isinstance(e, (tuple, list)) and len(e) == 2:
            return e[0], e[1], "-->"
        if isinstance(e, (tuple, list)) and len(e) == 3:
            return e[0], e[1], e[2]
        raise InvalidInputError(
            f"Cannot read edge {e!r}: give (u, v), (u, v, '-->'), an Edge or a string 'u --> v'."
        )

    def add_node(self, node: str) -> None:
        """Add a node (no-op if present)."""
        if node is None or (isinstance(node, str) and not node.strip()):
            raise InvalidInputError("Node names must be non-empty strings.")
        self._g.add_node(node)

    def add_edge(self, u: str, v: str, kind: str = "-->") -> None:
        """Add (or replace) the edge between ``u`` and ``v``.

        Parameters
        ----------
        u, v : str
            End points; added as nodes if new.
        kind : str
            Connector: ``"-->"``, ``"<--"``, ``"---"``, ``"<->"``, ``"o->"``, ``"<-o"``, ``"o-o"``,
            ``"o--"``, ``"--o"`` (``"->"``, ``"--"``, ``"<-"`` also accepted).
        """
        if u == v:
            raise GraphError(f"Self-loop on node {u!r}: causal graphs here have no self-loops.")
        if kind not in _CONNECTORS:
            raise InvalidInputError(f"Unknown edge kind {kind!r}; use one of {sorted(set(_CONNECTORS))}.")
        mu, mv = _CONNECTORS[kind]
        self.add_node(u)
        self.add_node(v)
        self._g.add_edge(u, v, marks={u: mu, v: mv})

    def set_marks(self, u: str, v: str, mark_u: Mark, mark_v: Mark) -> None:
        """Set both marks of an existing edge (adds the edge if absent)."""
        self.add_node(u)
        self.add_node(v)
        self._g.add_edge(u, v, marks={u: Mark(mark_u), v: Mark(mark_v)})

    def remove_edge(self, u: str, v: str) -> None:
        """Remove the edge between ``u`` and ``v`` (any marks)."""
        self._check_nodes(u, v)
        if not self._g.has_edge(u, v):
            raise GraphError(f"There is no edge between {u!r} and {v!r} to remove.")
        self._g.remove_edge(u, v)

    def orient(self, u: str, v: str) -> None:
        """Orient the existing edge between ``u`` and ``v`` as ``u --> v``."""
        if not self.has_edge(u, v):
            raise GraphError(f"There is no edge between {u!r} and {v!r} to orient.")
        self.add_edge(u, v, "-->")

    def copy(self) -> CausalGraph:
        """Return an independent copy."""
        g = CausalGraph()
        g._g = nx.Graph()
        g._g.add_nodes_from(self._g.nodes)
        for u, v, d in self._g.edges(data=True):
            g._g.add_edge(u, v, marks=dict(d["marks"]))
        return g

    # ------------------------------------------------------------------ queries
    @property
    def nodes(self) -> list[str]:
        """Node names in insertion order."""
        return list(self._g.nodes)

    def __contains__(self, node: object) -> bool:
        return node in self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._g.nodes)

    def _check_nodes(self, *nodes: str) -> None:
        for n in nodes:
            if n not in self._g:
                shown = ", ".join(map(str, self.nodes[:20]))
                raise UnknownNodeError(f"Node {n!r} is not in the graph. Nodes: {shown}{' ...' if len(self) > 20 else ''}.")

    def check_nodes(self, nodes: Iterable[str]) -> None:
        """Raise :class:`UnknownNodeError` naming the first of ``nodes`` not in the graph."""
        self._check_nodes(*nodes)

    def has_edge(self, u: str, v: str) -> bool:
        """Whether ``u`` and ``v`` are adjacent (any edge kind)."""
        return self._g.has_edge(u, v)

    def marks(self, u: str, v: str) -> tuple[Mark, Mark]:
        """Return ``(mark at u, mark at v)`` of the edge between ``u`` and ``v``."""
        self._check_nodes(u, v)
        if not self._g.has_edge(u, v):
            raise GraphError(f"There is no edge between {u!r} and {v!r}.")
        m = self._g.edges[u, v]["marks"]
        return m[u], m[v]

    def edge(self, u: str, v: str) -> Edge:
        """Return the :class:`Edge` between ``u`` and ``v``, written from ``u``."""
        mu, mv = self.marks(u, v)
        return Edge(u, v, mu, mv)

    def edge_kind(self, u: str, v: str) -> str | None:
        """Connector string of the edge from ``u`` to ``v`` (e.g. ``"-->"``), or None if not adjacent."""
        if not self._g.has_edge(u, v):
            return None
        return self.edge(u, v).kind

    def is_directed_edge(self, u: str, v: str) -> bool:
        """Whether the graph has ``u --> v``."""
        return self.edge_kind(u, v) == "-->"

    def edges(self, kind: str | None = None) -> list[Edge]:
        """All edges, each written once in a canonical direction.

        Directed edges are written ``u --> v``; others from the earlier node in node order.
        ``kind`` filters by connector (``"-->"``, ``"---"``, ``"<->"``, ...).
        """
        order = {n: i for i, n in enumerate(self._g.nodes)}
        out = []
        for u, v, d in self._g.edges(data=True):
            if order[u] > order[v]:
                u, v = v, u
            e = Edge(u, v, d["marks"][u], d["marks"][v])
            if e.mark_u == Mark.ARROW and e.mark_v != Mark.ARROW:
                e = e.reversed()
            out.append(e)
        out.sort(key=lambda e: (order[e.u], order[e.v]))
        if kind is not None:
            if kind not in _CONNECTORS:
                raise InvalidInputError(f"Unknown edge kind {kind!r}.")
            mu, mv = _CONNECTORS[kind]
            out = [e for e in out if (e.mark_u, e.mark_v) == (mu, mv) or (e.mark_v, e.mark_u) == (mu, mv)]
        return out

    def _nbrs_with(self, node: str, mark_here: Mark | None, mark_there: Mark | None) -> list[str]:
        self._check_nodes(node)
        out = []
        for w in self._g.neighbors(node):
            m = self._g.edges[node, w]["marks"]
            if (mark_here is None or m[node] == mark_here) and (mark_there is None or m[w] == mark_there):
                out.append(w)
        return sorted(out, key=str)

    def parents(self, node: str) -> list[str]:
        """Nodes ``p`` with ``p --> node``."""
        return self._nbrs_with(node, Mark.ARROW, Mark.TAIL)

    def children(self, node: str) -> list[str]:
        """Nodes ``c`` with ``node --> c``."""
        return self._nbrs_with(node, Mark.TAIL, Mark.ARROW)

    def neighbors(self, node: str) -> list[str]:
        """Nodes joined to ``node`` by an undirected edge ``---``."""
        return self._nbrs_with(node, Mark.TAIL, Mark.TAIL)

    def spouses(self, node: str) -> list[str]:
        """Nodes joined to ``node`` by a bidirected edge ``<->``."""
        return self._nbrs_with(node, Mark.ARROW, Mark.ARROW)

    def adjacent(self, node: str) -> list[str]:
        """All nodes adjacent to ``node``."""
        return self._nbrs_with(node, None, None)

    def _directed_view(self) -> nx.DiGraph:
        d = nx.DiGraph()
        d.add_nodes_from(self._g.nodes)
        for e in self.edges("-->"):
            d.add_edge(e.u, e.v)
        return d

    def ancestors(self, node: str) -> set[str]:
        """Nodes with a directed path into ``node`` (directed edges only)."""
        self._check_nodes(node)
        return nx.ancestors(self._directed_view(), node)

    def descendants(self, node: str) -> set[str]:
        """Nodes reachable from ``node`` by a directed path (directed edges only)."""
        self._check_nodes(node)
        return nx.descendants(self._directed_view(), node)

    # ------------------------------------------------------------------ graph types
    @property
    def kind(self) -> str:
        """``"dag"``, ``"cpdag"`` (directed + undirected), ``"admg"`` (directed + bidirected),
        ``"pag"`` (has circle marks) or ``"mixed"`` (anything else, e.g. cycles)."""
        kinds = {e.kind for e in self.edges()}
        has_circle = any(Mark.CIRCLE in (e.mark_u, e.mark_v) for e in self.edges())
        if has_circle:
            return "pag"
        acyclic = nx.is_directed_acyclic_graph(self._directed_view())
        if not acyclic:
            return "mixed"
        if kinds <= {"-->"}:
            return "dag"
        if kinds <= {"-->", "---"}:
            return "cpdag"
        if kinds <= {"-->", "<->"}:
            return "admg"
        return "mixed"

    def is_dag(self) -> bool:
        """Whether every edge is directed and there is no directed cycle."""
        return self.kind == "dag"

    def find_cycle(self) -> list[str] | None:
        """A directed cycle as a node list, or None."""
        try:
            cyc = nx.find_cycle(self._directed_view())
        except nx.NetworkXNoCycle:
            return None
        return [u for u, _ in cyc] + [cyc[0][0]]

    def require_dag(self, purpose: str = "this operation") -> None:
        """Raise :class:`GraphError` with the reason if the graph is not a DAG."""
        cycle = self.find_cycle()
        if cycle:
            raise GraphError(f"{purpose} needs a DAG, but the graph has a directed cycle: {' --> '.join(cycle)}.")
        bad = [e for e in self.edges() if e.kind != "-->"]
        if bad:
            raise GraphError(
                f"{purpose} needs a DAG, but edge '{bad[0]}' is not directed. Orient it "
                f"(graph.orient(u, v)) or use a method that accepts {self.kind.upper()}s."
            )

    def topological_order(self) -> list[str]:
        """Nodes in a topological order (DAGs only)."""
        self.require_dag("A topological order")
        return list(nx.topological_sort(self._directed_view()))

    # ------------------------------------------------------------------ conversion
    def to_networkx(self) -> nx.DiGraph:
        """Return a :class:`networkx.DiGraph`.

        A directed edge ``u --> v`` becomes the arc ``(u, v)``. Any other edge becomes arcs in both
        directions, each with attributes ``kind`` (connector as written from the arc's source),
        ``mark_source`` and ``mark_target``. For a DAG this is the plain DAG.
        """
        d = nx.DiGraph()
        d.add_nodes_from(self._g.nodes)
        for e in self.edges():
            if e.kind == "-->":
                d.add_edge(e.u, e.v, kind="-->", mark_source=Mark.TAIL, mark_target=Mark.ARROW)
            else:
                d.add_edge(e.u, e.v, kind=e.kind, mark_source=e.mark_u, mark_target=e.mark_v)
                r = e.reversed()
                d.add_edge(r.u, r.v, kind=r.kind, mark_source=r.mark_u, mark_target=r.mark_v)
        return d

    def to_frame(self) -> pd.DataFrame:
        """Edges as a DataFrame with columns ``source``, ``target``, ``edge``."""
        return pd.DataFrame([(e.u, e.v, e.kind) for e in self.edges()], columns=["source", "target", "edge"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: ``{"kind": ..., "nodes": [...], "edges": ["A --> B", ...]}``."""
        return {"kind": self.kind, "nodes": list(self.nodes), "edges": self.to_edge_list()}

    def to_edge_list(self) -> list[str]:
        """Edges as strings like ``"A --> B"``."""
        return [str(e) for e in self.edges()]

    def subgraph(self, nodes: Iterable[str]) -> CausalGraph:
        """The induced subgraph on ``nodes``."""
        nodes = list(nodes)
        self._check_nodes(*nodes)
        g = CausalGraph(nodes=nodes)
        keep = set(nodes)
        for e in self.edges():
            if e.u in keep and e.v in keep:
                g.add_edge(e.u, e.v, e.kind)
        return g

    # ------------------------------------------------------------------ delegations
    # Thin conveniences over the free functions in causalkit.graphs (imported lazily to avoid cycles).
    @classmethod
    def parse(cls, obj: Any) -> CausalGraph:
        """Build a graph from anything :func:`causalkit.graphs.parse_graph` accepts."""
        from causalkit.graphs.io import parse_graph

        return parse_graph(obj)

    @classmethod
    def from_dot(cls, text: str) -> CausalGraph:
        """Parse a DOT digraph (see :func:`causalkit.graphs.from_dot`)."""
        from causalkit.graphs.io import from_dot

        return from_dot(text)

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph) -> CausalGraph:
        """Convert a networkx DiGraph (see :func:`causalkit.graphs.from_networkx`)."""
        from causalkit.graphs.io import from_networkx

        return from_networkx(graph)

    def to_dot(self) -> str:
        """Write the graph as a DOT digraph."""
        from causalkit.graphs.io import to_dot

        return to_dot(self)

    def d_separated(self, x: Any, y: Any, z: Any = ()) -> bool:
        """Whether ``x`` and ``y`` are d-separated (m-separated in ADMGs) given ``z``."""
        from causalkit.graphs.separation import d_separated

        return d_separated(self, x, y, z)

    def to_cpdag(self) -> CausalGraph:
        """The CPDAG (Markov equivalence class) of this DAG."""
        from causalkit.graphs.equivalence import dag_to_cpdag

        return dag_to_cpdag(self)

    def plot(self, **kwargs: Any) -> Any:
        """Draw the graph with matplotlib (see :func:`causalkit.graphs.plot_graph`)."""
        from causalkit.graphs.plotting import plot_graph

        return plot_graph(self, **kwargs)

    # ------------------------------------------------------------------ dunder
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CausalGraph):
            return NotImplemented
        if set(self.nodes) != set(other.nodes):
            return False
        mine = {frozenset([(e.u, e.mark_u), (e.v, e.mark_v)]) for e in self.edges()}
        theirs = {frozenset([(e.u, e.mark_u), (e.v, e.mark_v)]) for e in other.edges()}
        return mine == theirs

    def __hash__(self) -> int:  # mutable: identity hash like networkx graphs
        return id(self)

    def __repr__(self) -> str:
        edges = self.to_edge_list()
        shown = ", ".join(edges[:6]) + (", ..." if len(edges) > 6 else "")
        return f"CausalGraph({self.kind}, {len(self)} nodes, {len(edges)} edges: {shown})"
