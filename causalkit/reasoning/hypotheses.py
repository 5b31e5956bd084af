"""Hypotheses about a pair of variables, decided over a Markov equivalence class.

A :class:`Hypothesis` names one of the six Corr2Cause relation types for an ordered pair
``(x, y)``:

``parent``      x directly causes y (``x --> y``)
``child``       y directly causes x
``ancestor``    x causes y through at least one mediator (a directed path ``x --> m --> ... --> y``)
``descendant``  y causes x through at least one mediator
``confounder``  x and y have a common cause (directed paths from it to each, sharing only it)
``collider``    x and y have a common effect (directed paths from each to it, sharing only it)

:func:`decide` evaluates the hypothesis in every DAG of a CPDAG's class (enumerated with
:func:`causalkit.graphs.enumerate_dags`, memoised per class) and answers ``"follows"`` (true in
all), ``"contradicted"`` (true in none) or ``"undetermined"``; the yes/no label is Corr2Cause's:
"yes" (valid) exactly when it follows. For a PAG the edge marks are read instead (sound, not
complete: ``"undetermined"`` where a finer analysis might decide).

``semantics="corr2cause"`` reproduces the released Corr2Cause generator (``code/data_gen.cpp``),
whose confounder rule only finds common causes that are parents of the later variable of the
pair in the premise's order; ``"standard"`` uses the definition above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from causalkit._validation import check_choice
from causalkit.exceptions import GraphError, InvalidInputError, UnknownNodeError
from causalkit.graphs import CausalGraph, enumerate_dags
from causalkit.graphs.io import parse_graph
from causalkit.reasoning._bits import RELATION_NAMES, BitDAG, bitdag_from_graph
from causalkit.results import DiscoveryResult, ResultMixin

__all__ = ["RELATIONS", "SEMANTICS", "Hypothesis", "Decision", "decide", "relation_holds"]

RELATIONS = RELATION_NAMES
SEMANTICS = ("standard", "corr2cause")
VERDICTS = ("follows", "contradicted", "undetermined")
_SYMMETRIC = {"collider"}
_REVERSE = {"parent": "child", "child": "parent", "ancestor": "descendant", "descendant": "ancestor"}


@dataclass(frozen=True)
class Hypothesis:
    """``relation(x, y)``, e.g. ``Hypothesis("parent", "A", "B")``: A directly causes B.

    Examples
    --------
    >>> Hypothesis("ancestor", "A", "C").text()
    'A causes C through at least one mediator'
    """

    relation: str
    x: str
    y: str

    def __post_init__(self) -> None:
        check_choice(self.relation, RELATIONS, "relation")
        if self.x == self.y:
            raise InvalidInputError(f"A hypothesis needs two different variables; got {self.x!r} twice.")

    def text(self) -> str:
        """The hypothesis in words."""
        return {
            "parent": f"{self.x} directly causes {self.y}",
            "child": f"{self.y} directly causes {self.x}",
            "ancestor": f"{self.x} causes {self.y} through at least one mediator",
            "descendant": f"{self.y} causes {self.x} through at least one mediator",
            "confounder": f"{self.x} and {self.y} have a common cause",
            "collider": f"{self.x} and {self.y} have a common effect",
        }[self.relation]

    def __str__(self) -> str:
        return f"{self.relation}({self.x}, {self.y})"


@dataclass(frozen=True, repr=False)
class Decision(ResultMixin):
    """The verdict on a hypothesis over an equivalence class.

    Attributes
    ----------
    hypothesis : Hypothesis
    verdict : {"follows", "contradicted", "undetermined"}
    label : {"yes", "no"}
        Corr2Cause's label: "yes" exactly when the hypothesis follows in every graph of the class.
    n_graphs : int
        DAGs in the class (0 for a PAG, decided from its marks).
    n_true : int
        DAGs in which the hypothesis holds.
    explanation : str
        The reasoning in words.
    class_kind : str
        ``"cpdag"``, ``"dag"`` or ``"pag"``.
    semantics : str
    counterexample : list of str
        Edges of a DAG of the class where the hypothesis fails (empty if none).
    """

    hypothesis: Hypothesis
    verdict: str
    label: str
    n_graphs: int
    n_true: int
    explanation: str
    class_kind: str = "cpdag"
    semantics: str = "standard"
    counterexample: list[str] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        """Share of the class's DAGs in which the hypothesis holds (nan for a PAG)."""
        return self.n_true / self.n_graphs if self.n_graphs else float("nan")

    def summary(self) -> str:
        """The verdict and its explanation."""
        return f"{self.hypothesis.text()}: {self.verdict} (answer: {self.label})\n{self.explanation}"

    def to_frame(self) -> pd.DataFrame:
        """One row: hypothesis, verdict, label, counts."""
        return pd.DataFrame([{"relation": self.hypothesis.relation, "x": self.hypothesis.x, "y": self.hypothesis.y,
                              "verdict": self.verdict, "label": self.label, "n_graphs": self.n_graphs,
                              "n_true": self.n_true}])

    def __repr__(self) -> str:
        return f"Decision({self.hypothesis}, verdict={self.verdict!r}, {self.n_true}/{self.n_graphs} graphs)"


# ---------------------------------------------------------------------------------- DAG classes
def _class_key(graph: CausalGraph) -> tuple:
    return tuple(graph.nodes), tuple(sorted((e.u, e.v, e.kind) for e in graph.edges()))


@lru_cache(maxsize=8192)
def _class_dags(key: tuple) -> tuple[BitDAG, ...]:
    nodes, edges = key
    g = CausalGraph(nodes=list(nodes), edges=[(u, v, k) for u, v, k in edges])
    return tuple(bitdag_from_graph(d, list(nodes)) for d in enumerate_dags(g, max_dags=None))


@lru_cache(maxsize=8192)
def _class_relations(key: tuple, semantics: str) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """Per relation and node: (bits true in *every* DAG, bits true in *some* DAG), plus the count."""
    dags = _class_dags(key)
    n = len(key[0])
    full = (1 << n) - 1
    all_true = [[full] * n for _ in RELATIONS]
    any_true = [[0] * n for _ in RELATIONS]
    for dag in dags:
        planes = dag.relations(semantics)
        for k, plane in enumerate(planes):
            a, s = all_true[k], any_true[k]
            for x in range(n):
                a[x] &= plane[x]
                s[x] |= plane[x]
    return tuple(tuple(r) for r in all_true), tuple(tuple(r) for r in any_true)


def relation_holds(dag: Any, hypothesis: Hypothesis, semantics: str = "standard") -> bool:
    """Whether ``hypothesis`` holds in one DAG.

    Examples
    --------
    >>> relation_holds("A -> B; B -> C", Hypothesis("ancestor", "A", "C"))
    True
    """
    g = parse_graph(dag)
    g.require_dag("relation_holds")
    check_choice(semantics, SEMANTICS, "semantics")
    g.check_nodes([hypothesis.x, hypothesis.y])
    names = g.nodes
    bd = bitdag_from_graph(g, names)
    k = RELATIONS.index(hypothesis.relation)
    return bool(bd.relations(semantics)[k][names.index(hypothesis.x)] >> names.index(hypothesis.y) & 1)


# ---------------------------------------------------------------------------------- decide
def _coerce_hypothesis(h: Any, y: Any = None) -> Hypothesis:
    if isinstance(h, Hypothesis):
        return h
    if isinstance(h, (tuple, list)) and len(h) == 3:
        return Hypothesis(*map(str, h))
    if isinstance(h, str):
        from causalkit.reasoning.parse_corr2cause import parse_hypothesis

        return parse_hypothesis(h)
    raise InvalidInputError(
        "`hypothesis` must be a Hypothesis, a (relation, x, y) triple or a sentence such as 'A directly causes B.'"
    )


def _coerce_class(equivalence_class: Any) -> CausalGraph:
    if isinstance(equivalence_class, DiscoveryResult):
        return equivalence_class.graph
    return parse_graph(equivalence_class)


def decide(
    hypothesis: Hypothesis | str | Sequence[str],
    equivalence_class: DiscoveryResult | CausalGraph | Any,
    *,
    semantics: str = "standard",
    order: Sequence[str] | None = None,
) -> Decision:
    """Decide whether a hypothesis about a pair follows from a Markov equivalence class.

    Parameters
    ----------
    hypothesis : Hypothesis, str or (relation, x, y)
        E.g. ``Hypothesis("parent", "A", "B")`` or ``"A directly causes B."`` (Corr2Cause phrasings).
    equivalence_class : DiscoveryResult, CausalGraph or graph description
        A CPDAG (or DAG) - e.g. the result of :func:`oracle_pc` - or a PAG from :func:`oracle_fci`.
    semantics : {"standard", "corr2cause"}
        ``"corr2cause"`` reproduces the labels of the released Corr2Cause data (see the module notes).
    order : sequence of str, optional
        Variable order for ``semantics="corr2cause"`` (the premise's order); default: the graph's. The
        dataset labels a confounder/collider hypothesis for the pair in this order, however the
        sentence orders the two names.

    Returns
    -------
    Decision
        ``verdict`` "follows" / "contradicted" / "undetermined" and the yes/no ``label``.

    Raises
    ------
    UnknownNodeError
        The hypothesis names a variable not in the class.
    GraphError
        The graph is neither a DAG, a CPDAG nor a PAG, or the CPDAG has no DAG extension.

    Examples
    --------
    >>> from causalkit.reasoning import oracle_pc
    >>> cls = oracle_pc(["A", "B", "C"], ["A _||_ C"])
    >>> decide("A directly causes B.", cls).verdict
    'follows'
    >>> decide("There exists at least one confounder (i.e., common cause) of A and C.", cls).label
    'no'
    """
    check_choice(semantics, SEMANTICS, "semantics")
    h = _coerce_hypothesis(hypothesis)
    graph = _coerce_class(equivalence_class)
    for v in (h.x, h.y):
        if v not in graph:
            raise UnknownNodeError(f"The hypothesis names {v!r}, which is not a variable of the class ({graph.nodes}).")
    if graph.kind == "pag" or any(e.kind == "<->" for e in graph.edges()):
        from causalkit.reasoning._pag import decide_pag

        verdict, why = decide_pag(h, graph)
        return Decision(h, verdict, "yes" if verdict == "follows" else "no", 0, 0, why, "pag", semantics)
    if graph.kind not in ("dag", "cpdag"):
        raise GraphError(f"decide needs a DAG, CPDAG or PAG; this graph is a {graph.kind.upper()}.")
    names = list(order) if order is not None else graph.nodes
    if sorted(names) != sorted(graph.nodes):
        raise InvalidInputError(f"`order` must list exactly the class's variables {graph.nodes}; got {list(names)}.")
    if order is not None:
        graph = graph.subgraph(names)
    key = _class_key(graph)
    if not _class_dags(key):
        raise GraphError("The CPDAG has no consistent DAG extension; is it a valid equivalence class?")
    all_true, any_true = _class_relations(key, semantics)
    k = RELATIONS.index(h.relation)
    ix, iy = names.index(h.x), names.index(h.y)
    if semantics == "corr2cause" and h.relation in ("confounder", "collider"):
        ix, iy = min(ix, iy), max(ix, iy)  # the dataset labels the pair in premise order, whatever the wording
    holds_all = bool(all_true[k][ix] >> iy & 1)
    holds_any = bool(any_true[k][ix] >> iy & 1)
    dags = _class_dags(key)
    n_true = sum(1 for d in dags if d.relations(semantics)[k][ix] >> iy & 1) if holds_any and not holds_all \
        else (len(dags) if holds_all else 0)
    verdict = "follows" if holds_all else ("contradicted" if not holds_any else "undetermined")
    counter: list[str] = []
    if not holds_all:
        bad = next(d for d in dags if not d.relations(semantics)[k][ix] >> iy & 1)
        counter = [f"{names[u]} --> {names[v]}" for v in range(len(names)) for u in range(len(names)) if bad.pa[v] >> u & 1]
    explanation = _explain(h, verdict, len(dags), n_true, graph, counter)
    return Decision(h, verdict, "yes" if holds_all else "no", len(dags), n_true, explanation,
                    graph.kind, semantics, counter)


def _explain(h: Hypothesis, verdict: str, n: int, n_true: int, graph: CausalGraph, counter: list[str]) -> str:
    edges = ", ".join(graph.to_edge_list()) or "no edges"
    lines = [f"Markov equivalence class: {edges} ({n} DAG{'s' if n != 1 else ''})."]
    if verdict == "follows":
        lines.append(f"'{h.text()}' holds in every DAG of the class, so it follows from the facts.")
    elif verdict == "contradicted":
        lines.append(f"'{h.text()}' holds in no DAG of the class, so the facts contradict it.")
    else:
        lines.append(f"'{h.text()}' holds in {n_true} of the {n} DAGs: the facts do not decide it.")
    if counter and verdict != "contradicted":
        lines.append(f"A DAG of the class where it fails: {', '.join(counter) or 'no edges'}.")
    return " ".join(lines)
