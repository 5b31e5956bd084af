"""Background knowledge for causal discovery: required edges, forbidden edges and tiers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from causalkit.exceptions import InvalidInputError, UnknownNodeError

__all__ = ["BackgroundKnowledge"]


@dataclass
class BackgroundKnowledge:
    """What is known before looking at the data.

    Parameters
    ----------
    required : iterable of (str, str)
        Edges ``u --> v`` that must be in the graph.
    forbidden : iterable of (str, str)
        Edges ``u --> v`` that must not be in the graph (``v --> u`` stays allowed).
    tiers : sequence of sequence of str
        Temporal tiers, earliest first: no edge may point from a later tier into an earlier one.
    forbid_within_tiers : bool
        Also forbid edges between nodes of the same tier.

    Examples
    --------
    >>> bk = BackgroundKnowledge(tiers=[["age", "sex"], ["education"], ["income"]])
    >>> bk.is_forbidden("income", "age")
    True
    """

    required: Iterable[tuple[str, str]] = field(default_factory=list)
    forbidden: Iterable[tuple[str, str]] = field(default_factory=list)
    tiers: Sequence[Sequence[str]] = field(default_factory=list)
    forbid_within_tiers: bool = False

    def __post_init__(self) -> None:
        self.required = [self._pair(e, "required") for e in self.required]
        self.forbidden = [self._pair(e, "forbidden") for e in self.forbidden]
        self.tiers = [list(t) for t in self.tiers]
        self._tier_of: dict[str, int] = {}
        for i, tier in enumerate(self.tiers):
            for n in tier:
                if n in self._tier_of:
                    raise InvalidInputError(f"Node {n!r} is listed in two tiers ({self._tier_of[n]} and {i}).")
                self._tier_of[n] = i
        clash = set(self.required) & set(self.forbidden)
        if clash:
            u, v = sorted(clash)[0]
            raise InvalidInputError(f"Edge {u} --> {v} is both required and forbidden.")
        for u, v in self.required:
            if self.is_forbidden(u, v):
                raise InvalidInputError(f"Required edge {u} --> {v} contradicts the tiers.")

    @staticmethod
    def _pair(e: object, what: str) -> tuple[str, str]:
        if isinstance(e, str):
            from causalkit.graphs import parse_edge

            pe = parse_edge(e)
            if pe.kind != "-->":
                raise InvalidInputError(f"A {what} edge must be directed ('u --> v'); got {e!r}.")
            return pe.u, pe.v
        if isinstance(e, (tuple, list)) and len(e) == 2:
            return str(e[0]), str(e[1])
        raise InvalidInputError(f"A {what} edge must be a pair (u, v) or a string 'u --> v'; got {e!r}.")

    def tier(self, node: str) -> int | None:
        """The tier index of ``node`` or None if it has none."""
        return self._tier_of.get(node)

    def is_forbidden(self, u: str, v: str) -> bool:
        """Whether the directed edge ``u --> v`` is forbidden."""
        if (u, v) in self.forbidden:
            return True
        tu, tv = self._tier_of.get(u), self._tier_of.get(v)
        if tu is not None and tv is not None:
            if tu > tv:
                return True
            if tu == tv and self.forbid_within_tiers:
                return True
        return False

    def is_required(self, u: str, v: str) -> bool:
        """Whether the directed edge ``u --> v`` is required."""
        return (u, v) in self.required

    def nodes(self) -> set[str]:
        """Every node mentioned."""
        out = set(self._tier_of)
        for u, v in list(self.required) + list(self.forbidden):
            out |= {u, v}
        return out

    def check_nodes(self, nodes: Iterable[str]) -> None:
        """Raise :class:`UnknownNodeError` if the knowledge mentions a node that is not a variable."""
        known = set(nodes)
        unknown = sorted(self.nodes() - known)
        if unknown:
            raise UnknownNodeError(
                f"Background knowledge mentions {unknown[0]!r}, which is not a column of the data."
            )

    def to_causallearn(self, cl_nodes: list) -> object:
        """Build causal-learn's ``BackgroundKnowledge`` over its ``GraphNode`` objects.

        Parameters
        ----------
        cl_nodes : list of causallearn GraphNode
            Nodes whose ``get_name()`` are the variable names.
        """
        from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge as CLBK

        by_name = {n.get_name(): n for n in cl_nodes}
        self.check_nodes(by_name)
        bk = CLBK()
        for u, v in self.required:
            bk.add_required_by_node(by_name[u], by_name[v])
        for u, v in self.forbidden:
            bk.add_forbidden_by_node(by_name[u], by_name[v])
        for i, tier in enumerate(self.tiers):
            for n in tier:
                bk.add_node_to_tier(by_name[n], i)
            if self.forbid_within_tiers:
                bk.forbid_within_tier(i)
        return bk
