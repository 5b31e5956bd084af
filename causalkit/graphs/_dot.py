"""A small reader and writer of DOT (Graphviz) and dagitty graph text; no pydot/pygraphviz needed.

Edge marks in DOT
-----------------
``A -> B`` is ``A --> B``; ``[dir=none]`` makes it undirected ``A --- B``; ``[dir=both]`` bidirected
``A <-> B``; ``arrowhead``/``arrowtail`` set to ``odot`` give circle marks (``o``) and ``none`` a tail,
so ``A -> B [dir=both, arrowtail=odot]`` is ``A o-> B`` (this is also what causal-learn writes).
In an undirected ``graph { A -- B }`` the edge is ``A --- B``. dagitty's ``dag { A -> B; B <-> C }``
is read as written.
"""

from __future__ import annotations

import re
from typing import Any

from causalkit.exceptions import GraphError, InvalidInputError
from causalkit.graphs._graph import _CONNECTORS, CausalGraph, Edge, Mark

__all__ = ["from_dot", "to_dot"]

_KIND = {v: k for k, v in _CONNECTORS.items() if len(k) == 3}  # (mark_u, mark_v) -> 3-char connector


def _add(g: CausalGraph, u: Any, v: Any, mu: Mark, mv: Mark, seen: dict, where: str) -> None:
    """Add ``u *-* v`` to ``g`` unless the pair already has a different edge (then raise)."""
    key = frozenset((u, v))
    new = {u: mu, v: mv}
    if key in seen and seen[key] != new:
        old = seen[key]
        raise GraphError(
            f"{where} gives two different edges between {u!r} and {v!r} "
            f"({Edge(u, v, old[u], old[v])} and {Edge(u, v, mu, mv)}); a causal graph has at most one "
            f"edge per pair. Write a bidirected edge as 'u <-> v' and an undirected one as 'u --- v'."
        )
    seen[key] = new
    g.add_edge(u, v, _KIND[(mu, mv)])



_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*|\#[^\n]*|/\*.*?\*/)
  | (?P<op><->|->|<-|--|[{}\[\];,=:@])
  | (?P<qid>"(?:[^"\\]|\\.)*")
  | (?P<html><)
  | (?P<id>[A-Za-z_\x80-\uffff][A-Za-z_0-9.\x80-\uffff]*|-?(?:\.\d+|\d+(?:\.\d*)?))
    """,
    re.VERBOSE | re.DOTALL,
)
_HEADERS = {"graph", "digraph", "dag", "pdag", "mag", "pag"}


def _tokenize(text: str) -> list[tuple[str, str]]:
    """Split DOT text into ``(type, value)`` tokens; ``type`` is ``op``, ``id``."""
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            line = text.count("\n", 0, pos) + 1
            raise InvalidInputError(f"Cannot read the DOT text at line {line}: {text[pos:pos + 30]!r}.")
        kind = m.lastgroup
        if kind == "html":  # <...> with nesting
            depth, end = 0, pos
            while end < len(text):
                depth += {"<": 1, ">": -1}.get(text[end], 0)
                end += 1
                if depth == 0:
                    break
            tokens.append(("id", text[pos + 1 : end - 1]))
            pos = end
            continue
        if kind == "qid":
            tokens.append(("id", re.sub(r'\\(.)', r"\1", m.group(kind)[1:-1].replace("\\\n", ""))))
        elif kind == "id":
            tokens.append(("id", m.group(kind)))
        elif kind == "op":
            tokens.append(("op", m.group(kind)))
        pos = m.end()
    return tokens


class _DotParser:
    """Recursive-descent reader of the DOT grammar (and dagitty's variant) into a CausalGraph."""

    def __init__(self, text: str):
        self.toks = _tokenize(text)
        self.i = 0
        self.graph = CausalGraph()
        self.seen: dict = {}
        self._collect: list[list[str]] = []
        self.labels: dict[str, str] = {}  # node names met inside each open subgraph operand

    def peek(self, k: int = 0) -> tuple[str, str] | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self, value: str | None = None) -> str:
        tok = self.peek()
        if tok is None:
            raise InvalidInputError(f"The DOT text ends early; expected {value or 'more input'!r}. Is a '}}' missing?")
        if value is not None and tok[1] != value:
            raise InvalidInputError(f"Expected {value!r} in the DOT text but found {tok[1]!r}.")
        self.i += 1
        return tok[1]

    def at(self, value: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "op" and tok[1] == value

    def parse(self) -> CausalGraph:
        tok = self.peek()
        if tok is not None and tok[1].lower() == "strict":
            self.take()
        head = self.take().lower()
        if head not in _HEADERS:
            raise InvalidInputError(
                f"DOT text must start with 'digraph {{', 'graph {{' or dagitty's 'dag {{'; found {head!r}."
            )
        self.directed = head != "graph"
        if not self.at("{"):
            self.take()  # graph name
        self.take("{")
        self.stmt_list()
        self.take("}")
        rest = self.peek()
        if rest is not None:
            raise InvalidInputError(f"Unexpected {rest[1]!r} after the closing '}}' of the DOT graph.")
        return self._relabel()

    def _relabel(self) -> CausalGraph:
        """Use ``label`` attributes as names when every node id is a number (as pydot and
        causal-learn write DOT: ``0 [label=X1]``) and the labels are unique."""
        nodes = self.graph.nodes
        names = [self.labels.get(n, n) for n in nodes]
        if not self.labels or not all(re.fullmatch(r"-?\d+", n) for n in nodes) or len(set(names)) < len(names):
            return self.graph
        mapping = dict(zip(nodes, names, strict=True))
        return CausalGraph(nodes=names, edges=[(mapping[e.u], mapping[e.v], e.kind) for e in self.graph.edges()])

    def stmt_list(self) -> None:
        while self.peek() is not None and not self.at("}"):
            self.stmt()
            while self.at(";") or self.at(","):
                self.take()

    def attr_list(self) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while self.at("["):
            self.take("[")
            while not self.at("]"):
                key = self.take()
                if self.at("="):
                    self.take("=")
                    attrs[key.lower()] = self.take()
                else:
                    attrs[key.lower()] = "true"  # dagitty flags such as [exposure]
                while self.at(",") or self.at(";"):
                    self.take()
            self.take("]")
        return attrs

    def operand(self) -> list[str]:
        """A node id (with optional port) or a subgraph; returns the node names it stands for."""
        tok = self.peek()
        if tok is not None and (self.at("{") or (tok[0] == "id" and tok[1].lower() == "subgraph")):
            self._collect.append([])
            self.subgraph()
            return list(dict.fromkeys(self._collect.pop()))
        if tok is None or tok[0] != "id":
            found = tok[1] if tok else "the end"
            raise InvalidInputError(f"Expected a node name in the DOT text but found {found!r}.")
        name = self.take()
        while self.at(":"):  # port and compass point
            self.take(":")
            self.take()
        self.graph.add_node(name)
        for members in self._collect:
            members.append(name)
        return [name]

    def subgraph(self) -> None:
        if not self.at("{"):
            self.take()  # 'subgraph'
            if not self.at("{"):
                self.take()  # its name
        self.take("{")
        self.stmt_list()
        self.take("}")

    def stmt(self) -> None:
        tok = self.peek()
        if tok is None:  # stmt_list only calls stmt before the end of input
            return
        if tok[0] == "id" and tok[1].lower() in {"graph", "node", "edge"} and self.peek(1) == ("op", "["):
            self.take()
            self.attr_list()
            return
        if tok[0] == "id" and self.peek(1) == ("op", "="):
            self.take(), self.take("="), self.take()  # graph attribute such as rankdir=LR
            return
        if self.at("@"):
            raise InvalidInputError("dagitty '@' position annotations are not supported; remove them.")
        groups, ops = [self.operand()], []
        while self.at("->") or self.at("--") or self.at("<-") or self.at("<->"):
            ops.append(self.take())
            groups.append(self.operand())
        attrs = self.attr_list()
        if not ops and len(groups[0]) == 1 and "label" in attrs:
            self.labels[groups[0][0]] = attrs["label"]
        for left, op, right in zip(groups, ops, groups[1:], strict=False):
            mu, mv = self._marks(op, attrs)
            for u in left:
                for v in right:
                    if u == v:
                        raise GraphError(f"The DOT text has a self-loop on {u!r}; causal graphs here have none.")
                    _add(self.graph, u, v, mu, mv, self.seen, "The DOT text")

    def _marks(self, op: str, attrs: dict[str, str]) -> tuple[Mark, Mark]:
        if op == "<->":
            return Mark.ARROW, Mark.ARROW
        if op == "<-":
            return Mark.ARROW, Mark.TAIL
        default_dir = "forward" if (op == "->" and self.directed) else "none"
        direction = attrs.get("dir", default_dir).lower()
        if direction not in {"forward", "back", "both", "none"}:
            raise InvalidInputError(f"Unknown DOT edge attribute dir={direction!r}; use forward, back, both or none.")

        def mark(name: str, drawn: bool) -> Mark:
            if not drawn:
                return Mark.TAIL
            style = attrs.get(name, "normal").lower()
            if style in {"none", "tee"}:
                return Mark.TAIL
            if "dot" in style:  # odot, dot, invodot, ...
                return Mark.CIRCLE
            return Mark.ARROW

        return mark("arrowtail", direction in {"back", "both"}), mark("arrowhead", direction in {"forward", "both"})


def from_dot(text: str) -> CausalGraph:
    """Read a DOT (Graphviz) or dagitty graph.

    Parameters
    ----------
    text : str
        ``digraph { A -> B; B -> C [dir=none]; C -> D [dir=both] }``, ``graph { A -- B }``, or
        dagitty's ``dag { A -> B; B <-> C }``. Statements may be separated by ``;`` or new lines;
        comments (``//``, ``#``, ``/* */``), quoted names, ports, attribute statements, subgraphs
        and chains ``A -> B -> C`` are read; node and graph attributes are ignored.

    Returns
    -------
    CausalGraph

    Raises
    ------
    InvalidInputError
        When the text is not DOT; the message says where reading stopped.
    GraphError
        When two different edges are given for the same pair (e.g. ``A -> B`` and ``B -> A``).

    Examples
    --------
    >>> from_dot('digraph { Z -> X; Z -> Y; X -> Y; U -> X [dir=both] }').to_edge_list()
    ['Z --> X', 'Z --> Y', 'X --> Y', 'X <-> U']
    """
    if not isinstance(text, str):
        raise InvalidInputError(f"from_dot needs a string; got {type(text).__name__}.")
    return _DotParser(text).parse()


_PLAIN_ID = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


def _dot_id(name: Any) -> str:
    s = str(name)
    if _PLAIN_ID.match(s) and s.lower() not in {"node", "edge", "graph", "digraph", "subgraph", "strict"}:
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: CausalGraph, name: str = "G") -> str:
    """Write a graph as DOT text that :func:`from_dot` (and Graphviz) reads back.

    Directed edges are plain arcs; an undirected edge gets ``dir=none``, a bidirected one
    ``dir=both, style=dashed``, and circle marks ``arrowhead``/``arrowtail`` ``odot``.

    Parameters
    ----------
    graph : CausalGraph
    name : str
        The graph's name in the DOT header.

    Returns
    -------
    str

    Examples
    --------
    >>> print(to_dot(CausalGraph(edges=["A --> B"])))
    digraph G {
      A;
      B;
      A -> B;
    }
    """
    if not isinstance(graph, CausalGraph):
        from causalkit.graphs.io import parse_graph

        graph = parse_graph(graph)
    style = {Mark.ARROW: "normal", Mark.CIRCLE: "odot", Mark.TAIL: "none"}
    lines = [f"digraph {_dot_id(name)} {{"]
    lines += [f"  {_dot_id(n)};" for n in graph.nodes]
    for e in graph.edges():
        arc = f"  {_dot_id(e.u)} -> {_dot_id(e.v)}"
        if e.kind == "-->":
            lines.append(arc + ";")
        elif e.kind == "---":
            lines.append(arc + " [dir=none];")
        elif e.kind == "<->":
            lines.append(arc + " [dir=both, style=dashed];")
        else:
            lines.append(arc + f" [dir=both, arrowtail={style[e.mark_u]}, arrowhead={style[e.mark_v]}];")
    lines.append("}")
    return "\n".join(lines)


