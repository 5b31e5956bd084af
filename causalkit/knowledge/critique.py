"""Graph critique by a language model: implausible edges and likely hidden confounders, as suggestions.

:func:`critique_graph` never changes the graph. It returns a :class:`GraphCritique` listing
:class:`Suggestion` objects (remove an edge, reverse it, orient an undirected edge, add a hidden
common cause); each is applied only when the user (or the agent) accepts it explicitly with
:func:`accept` / :meth:`GraphCritique.accept`, which return a new graph.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from causalkit._validation import check_choice, check_positive_int
from causalkit.exceptions import GraphError, InvalidInputError
from causalkit.graphs import CausalGraph
from causalkit.knowledge._asking import Answer, AnswerCache, Question, ask_all, model_id
from causalkit.knowledge.metadata import variable_metadata
from causalkit.knowledge.priors import PriorSet, check_threshold, propose_priors
from causalkit.results import provenance

__all__ = ["Suggestion", "GraphCritique", "critique_graph", "accept"]

_CONFOUNDER = (
    "Is there likely an unmeasured common cause of {a} and {b} that is not among the listed variables?",
    "Could some factor outside the listed variables influence both {a} and {b}?",
)


@dataclass(frozen=True)
class Suggestion:
    """One proposed change to a graph; nothing happens until it is accepted.

    Attributes
    ----------
    id : str
        ``"s1"``, ``"s2"``, ... (stable within one critique).
    kind : str
        ``"remove_edge"``, ``"reverse_edge"``, ``"orient_edge"`` or ``"add_confounder"``.
    u, v : str
        The pair concerned (for edges, as written in the graph).
    proposal : str
        The change in words, e.g. ``"reverse income --> age to age --> income"``.
    confidence : float
        The model's aggregated probability behind the suggestion.
    rationale : str
        The evidence (aggregated answers).
    confounder : str
        Name of the latent node ``add_confounder`` adds (a model-given name or ``U_u_v``).
    """

    id: str
    kind: str
    u: str
    v: str
    proposal: str
    confidence: float
    rationale: str
    confounder: str = ""

    def __str__(self) -> str:
        return f"[{self.id}] {self.proposal} (confidence {self.confidence:.2f}; {self.rationale})"


def accept(suggestion: Suggestion, graph: Any) -> CausalGraph:
    """Apply one accepted suggestion to a copy of ``graph`` and return the copy.

    Raises
    ------
    GraphError
        The suggestion no longer fits the graph (e.g. its edge was removed).

    Examples
    --------
    >>> g = CausalGraph(edges=["income --> age"])
    >>> s = Suggestion("s1", "reverse_edge", "income", "age", "reverse", 0.97, "")
    >>> accept(s, g).to_edge_list()
    ['age --> income']
    """
    if not isinstance(suggestion, Suggestion):
        raise InvalidInputError(f"`suggestion` must be a Suggestion from a GraphCritique; got {type(suggestion).__name__}.")
    g = CausalGraph.parse(graph).copy() if not isinstance(graph, CausalGraph) else graph.copy()
    u, v = suggestion.u, suggestion.v
    g.check_nodes([u, v])
    if suggestion.kind in ("remove_edge", "reverse_edge", "orient_edge") and not g.has_edge(u, v):
        raise GraphError(f"Suggestion {suggestion.id} is about the edge between {u!r} and {v!r}, which the graph no longer has.")
    if suggestion.kind == "remove_edge":
        g.remove_edge(u, v)
    elif suggestion.kind == "reverse_edge":
        g.add_edge(v, u, "-->")
    elif suggestion.kind == "orient_edge":
        g.orient(u, v)
    elif suggestion.kind == "add_confounder":
        name = suggestion.confounder or f"U_{u}_{v}"
        if name in g:
            raise GraphError(f"The graph already has a node {name!r}; the confounder was added before.")
        g.add_edge(name, u, "-->")
        g.add_edge(name, v, "-->")
    else:
        raise InvalidInputError(f"Unknown suggestion kind {suggestion.kind!r}.")
    return g


@dataclass(frozen=True, repr=False)
class GraphCritique:
    """A model's critique of a graph: suggestions only, applied with :meth:`accept`.

    Attributes
    ----------
    graph : CausalGraph
        The graph critiqued (a copy; never modified).
    suggestions : tuple of Suggestion
        Most confident first within each kind.
    priors : PriorSet
        The edge answers behind the edge suggestions.
    confounder_answers : tuple of Answer
        Raw answers to the hidden-confounder questions.
    model : str
    params : dict
    elapsed : float
    versions : dict
    """

    graph: CausalGraph
    suggestions: tuple[Suggestion, ...]
    priors: PriorSet
    confounder_answers: tuple[Answer, ...] = ()
    model: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)

    def get(self, which: str | Suggestion) -> Suggestion:
        """The suggestion with id ``which`` (or ``which`` itself)."""
        if isinstance(which, Suggestion):
            return which
        for s in self.suggestions:
            if s.id == which:
                return s
        raise InvalidInputError(f"No suggestion {which!r}; ids are {[s.id for s in self.suggestions]}.")

    def accept(self, *which: str | Suggestion, graph: Any = None) -> CausalGraph:
        """Apply the chosen suggestions (ids or objects), in order, to a copy of the graph.

        Parameters
        ----------
        *which : str or Suggestion
            The accepted suggestions; at least one.
        graph : CausalGraph, optional
            Apply to this graph instead of the critiqued one (e.g. after earlier edits).
        """
        if not which:
            raise InvalidInputError("Name the suggestions to accept, e.g. critique.accept('s1', 's3').")
        g = self.graph if graph is None else graph
        for w in which:
            g = accept(self.get(w), g)
        return g

    def to_frame(self) -> pd.DataFrame:
        """One row per suggestion."""
        cols = ["id", "kind", "u", "v", "proposal", "confidence", "rationale", "confounder"]
        return pd.DataFrame([vars(s) for s in self.suggestions], columns=cols)

    def summary(self) -> str:
        """The suggestions, with how to accept them."""
        lines = [f"Critique of a graph with {len(self.graph.edges())} edges by {self.model}: "
                 f"{len(self.suggestions)} suggestion(s) (none applied)"]
        lines += [f"  {s}" for s in self.suggestions]
        if self.suggestions:
            lines.append("accept with critique.accept('s1', ...) - each returns a new graph.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"graph": self.graph.to_dict(), "suggestions": [vars(s) for s in self.suggestions],
                "model": self.model, "params": dict(self.params), "elapsed": self.elapsed,
                "priors": self.priors.to_dict(), "confounder_answers": [a.to_dict() for a in self.confounder_answers]}

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"GraphCritique({len(self.suggestions)} suggestions, model={self.model!r})"


def _confounder_name(model: Any, label_a: str, label_b: str) -> str:
    """Ask the model to name the confounder; '' when it cannot chat or answers nothing usable."""
    if not callable(getattr(model, "chat", None)):
        return ""
    messages = [{"role": "user", "content": f"Name the most likely unmeasured common cause of {label_a} and "
                                            f"{label_b} in at most five words. Reply with the name only."}]
    try:
        reply = model.chat(messages, temperature=0.0, max_tokens=16)
    except Exception:  # noqa: BLE001 - naming is optional; the suggestion stands without a name
        return ""
    text = re.sub(r"[^\w\s\-]", "", (getattr(reply, "content", "") or "")).strip()
    return " ".join(text.split()[:5])


def critique_graph(
    graph: Any,
    model: Any,
    *,
    variables: Any = None,
    descriptions: Mapping[str, Any] | None = None,
    threshold: float = 0.8,
    phrasings: int = 2,
    confounders: str = "adjacent",
    name_confounders: bool = False,
    cache: str | os.PathLike | AnswerCache | None = None,
    n_jobs: int | None = None,
) -> GraphCritique:
    """Ask a model which edges of a graph look wrong and which pairs likely share a hidden cause.

    Parameters
    ----------
    graph : CausalGraph or anything :func:`~causalkit.graphs.parse_graph` reads
        The graph to check (DAG, CPDAG or mixed).
    model : agent.llm.ChatModel
    variables : list, dict, DataFrame, CSV path or VariableMetadata, optional
        Descriptions of the nodes (default: node names only).
    descriptions : dict, optional
        Extra descriptions.
    threshold : float
        Confidence in (0.5, 1] a suggestion needs.
    phrasings : int
        Phrasings per question.
    confounders : {"adjacent", "all", "none"}
        Which pairs to ask the hidden-confounder question about.
    name_confounders : bool
        Also ask the model (free text) to name each suggested confounder.
    cache : str, path or AnswerCache, optional
    n_jobs : int, optional

    Returns
    -------
    GraphCritique
        Suggestions only; the graph is not changed.

    Examples
    --------
    >>> from agent.testing import ScriptedModel
    >>> no = lambda prompt, options: options.index("no") if "no" in options else len(options) - 1
    >>> crit = critique_graph("age --> income", ScriptedModel([], default=no), confounders="none")
    >>> [s.kind for s in crit.suggestions]
    ['remove_edge']
    """
    start = time.perf_counter()
    g = CausalGraph.parse(graph).copy() if not isinstance(graph, CausalGraph) else graph.copy()
    t = check_threshold(threshold)
    phrasings = check_positive_int(phrasings, "phrasings")
    check_choice(confounders, ["adjacent", "all", "none"], "confounders")
    nodes = [str(n) for n in g.nodes]
    meta = (variable_metadata(variables, descriptions).with_names(nodes) if variables is not None
            else variable_metadata(nodes, descriptions))
    store = cache if isinstance(cache, AnswerCache) else AnswerCache(cache)
    edges = [e for e in g.edges() if e.kind in ("-->", "---")]
    priors = propose_priors(meta, model, pairs=[(e.u, e.v) for e in edges] or None, questions=("direct", "cause"),
                            phrasings=phrasings, cache=store, n_jobs=n_jobs) if edges else PriorSet(meta)
    suggestions: list[tuple[str, str, str, str, float, str, str]] = []
    for e in edges:
        fwd, bwd = priors.prob(e.u, e.v), priors.prob(e.v, e.u)
        why = f"P({e.u} -> {e.v}) = {fwd:.2f}, P({e.v} -> {e.u}) = {bwd:.2f}"
        if e.kind == "---":
            for a, b in ((e.u, e.v), (e.v, e.u)):
                if priors.orientation(a, b) >= t and priors.prob(a, b) >= 0.5:
                    suggestions.append(("orient_edge", a, b, f"orient {e} as {a} --> {b}", priors.orientation(a, b), why, ""))
            if max(fwd, bwd) <= 1 - t:
                suggestions.append(("remove_edge", e.u, e.v, f"remove {e}: neither direct effect is plausible",
                                    1 - max(fwd, bwd), why, ""))
        elif bwd >= t and priors.orientation(e.v, e.u) >= t:
            suggestions.append(("reverse_edge", e.u, e.v, f"reverse {e} to {e.v} --> {e.u}", bwd, why, ""))
        elif fwd <= 1 - t:
            suggestions.append(("remove_edge", e.u, e.v, f"remove {e}: a direct effect is implausible", 1 - fwd, why, ""))
    conf_answers = _ask_confounders(g, meta, model, confounders, phrasings, store, n_jobs)
    by_pair: dict[frozenset, list[float]] = {}
    for a in conf_answers:
        if a.probs:
            by_pair.setdefault(frozenset(a.question.subject), []).append(a.prob_of("yes"))
    for pair, probs in by_pair.items():
        p = sum(probs) / len(probs)
        if p >= t:
            u, v = sorted(pair, key=nodes.index)
            name = _confounder_name(model, meta[u].label(), meta[v].label()) if name_confounders else ""
            node = name if name and name not in nodes else f"U_{u}_{v}"
            hint = f" ('{name}')" if name else ""
            suggestions.append(("add_confounder", u, v, f"add a hidden common cause{hint} of {u} and {v}: {node} --> {u}, "
                                f"{node} --> {v}", p, f"P(hidden common cause) = {p:.2f} over {len(probs)} answers", node))
    order = {"reverse_edge": 0, "remove_edge": 1, "orient_edge": 2, "add_confounder": 3}
    suggestions.sort(key=lambda s: (order[s[0]], -s[4]))
    out = tuple(Suggestion(f"s{i}", *s) for i, s in enumerate(suggestions, 1))
    return GraphCritique(graph=g, suggestions=out, priors=priors, confounder_answers=tuple(conf_answers),
                         model=model_id(model), params={"threshold": t, "phrasings": phrasings,
                                                        "confounders": confounders, "name_confounders": name_confounders},
                         elapsed=time.perf_counter() - start, versions=provenance())


def _ask_confounders(g: CausalGraph, meta: Any, model: Any, which: str, phrasings: int, store: AnswerCache,
                     n_jobs: int | None) -> list[Answer]:
    if which == "none":
        return []
    nodes = [str(n) for n in g.nodes]
    pairs: Iterable[Sequence[str]]
    if which == "adjacent":
        pairs = [(e.u, e.v) for e in g.edges() if e.u in meta and e.v in meta]
    else:
        pairs = [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]]
    qs = []
    for a, b in pairs:
        ctx = "Variables: " + "; ".join(v.label() for v in meta) + "."
        for order in ((a, b), (b, a)):
            for i, tmpl in enumerate(_CONFOUNDER[:phrasings]):
                text = tmpl.format(a=meta[order[0]].label(), b=meta[order[1]].label())
                qs.append(Question("confounder", tuple(order), i, f"{ctx}\n{text}", ("yes", "no"), ("yes", "no")))
    return ask_all(model, qs, cache=store, n_jobs=n_jobs)
