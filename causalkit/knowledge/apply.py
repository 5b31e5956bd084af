"""Use priors in discovery, and record which edges came from data and which from knowledge.

Three modes (:func:`discover_with_priors`):

* ``"soft"`` - run discovery on the data, then orient the edges it left undirected where the prior
  orientation ``P(u -> v | adjacent) >= threshold``, one at a time from the most confident, keeping
  only orientations that stay in the data's Markov equivalence class (no new v-structure, a DAG
  still extends the graph), and close under Meek's rules. Nothing the data decided is changed.
* ``"hard"`` - statements with confidence >= ``threshold`` become
  :class:`~causalkit.discovery.BackgroundKnowledge` (required / forbidden edges, tiers) given to
  PC, FCI or CD-NOD; required edges the tests removed are added back and flagged.
* ``"score"`` - GES's linear-Gaussian BIC plus ``prior_weight`` times the prior log-odds of every
  edge, maximised by a hill climb from the GES result; the prior can add or remove edges when the
  data are weak. The reported graph is the CPDAG of the best DAG, soft-oriented by the prior.

The data-only result is always computed too; every edge of the final graph gets a source
(:class:`EdgeSource`) and every point where data and knowledge disagree is listed
(:class:`Conflict`), in the result's ``summary()``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_choice
from causalkit.discovery.knowledge import BackgroundKnowledge
from causalkit.exceptions import InvalidInputError
from causalkit.graphs import CausalGraph
from causalkit.knowledge._pdag import dag_extension, orient_in_class
from causalkit.knowledge.conflicts import Conflict, find_conflicts
from causalkit.knowledge.priors import PriorSet, check_threshold
from causalkit.results import DiscoveryResult, provenance

__all__ = [
    "EdgeSource",
    "Conflict",
    "KnowledgeDiscoveryResult",
    "apply_priors",
    "discover_with_priors",
    "find_conflicts",
    "merge_knowledge",
]

_HARD_METHODS = ("pc", "fci", "cdnod")


@dataclass(frozen=True)
class EdgeSource:
    """Where one edge of the final graph came from.

    Attributes
    ----------
    edge : str
        The edge as written in the final graph, e.g. ``"A --> B"``.
    source : str
        ``"data"``; ``"data, knowledge agrees"``; ``"data, oriented by knowledge"``;
        ``"data, oriented by Meek rules after knowledge"``; ``"knowledge"`` (edge not found by the
        data); ``"changed by knowledge"`` (the data-only run had another mark).
    data_edge : str or None
        The same pair in the data-only graph (None when not adjacent there).
    prior : float
        ``P(u -> v)`` of the edge's direction (nan when unknown or undirected).
    """

    edge: str
    source: str
    data_edge: str | None
    prior: float = float("nan")


@dataclass(frozen=True, repr=False)
class KnowledgeDiscoveryResult(DiscoveryResult):
    """A :class:`~causalkit.results.DiscoveryResult` that also records the knowledge's part.

    Attributes (besides those of DiscoveryResult)
    ---------------------------------------------
    data_result : DiscoveryResult or None
        The same method on the data alone.
    edge_sources : tuple of EdgeSource
        One per edge of ``graph``.
    conflicts : tuple of Conflict
        Disagreements between data and knowledge, shown by ``summary()``.
    mode : str
        ``"soft"``, ``"hard"`` or ``"score"``.
    threshold : float
    knowledge_statements : pandas.DataFrame or None
        The statements derived from the priors (:meth:`PriorSet.statements`).
    """

    data_result: DiscoveryResult | None = None
    edge_sources: tuple[EdgeSource, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    mode: str = "soft"
    threshold: float = 0.9
    knowledge_statements: pd.DataFrame | None = None

    def provenance_frame(self) -> pd.DataFrame:
        """One row per edge: ``edge, source, data_edge, prior``."""
        return pd.DataFrame([vars(e) for e in self.edge_sources], columns=["edge", "source", "data_edge", "prior"])

    def conflicts_frame(self) -> pd.DataFrame:
        """One row per disagreement: ``u, v, data, knowledge, prob, resolution``."""
        return pd.DataFrame([vars(c) for c in self.conflicts], columns=["u", "v", "data", "knowledge", "prob", "resolution"])

    def to_frame(self) -> pd.DataFrame:
        """Edges with their source: ``source, target, edge, origin, data_edge, prior``."""
        frame = self.graph.to_frame()
        by_edge = {e.edge: e for e in self.edge_sources}
        keys = [f"{r.source} {r.edge} {r.target}" for r in frame.itertuples()]
        frame["origin"] = [by_edge[k].source if k in by_edge else "" for k in keys]
        frame["data_edge"] = [by_edge[k].data_edge if k in by_edge else None for k in keys]
        frame["prior"] = [by_edge[k].prior if k in by_edge else float("nan") for k in keys]
        return frame

    def summary(self) -> str:
        """Edges with their source, then the disagreements between data and knowledge."""
        lines = [
            f"{self.method}: {len(self.graph.nodes)} nodes, {len(self.graph.edges())} edges "
            f"(knowledge mode {self.mode!r}, threshold {self.threshold})",
            "edges:",
        ]
        width = max([len(e.edge) for e in self.edge_sources] + [4])
        for e in self.edge_sources:
            prior = "" if np.isnan(e.prior) else f"  p={e.prior:.2f}"
            lines.append(f"  {e.edge:<{width}}  [{e.source}]{prior}")
        if self.conflicts:
            lines.append(f"disagreements between data and knowledge ({len(self.conflicts)}):")
            lines += [f"  - {c}" for c in self.conflicts]
        else:
            lines.append("data and knowledge agree (no disagreement at this threshold).")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"KnowledgeDiscoveryResult(method={self.method!r}, mode={self.mode!r}, graph={self.graph!r}, "
                f"conflicts={len(self.conflicts)})")


# ---------------------------------------------------------------------- provenance
def _edge_sources(final: CausalGraph, data: CausalGraph, priors: PriorSet, threshold: float,
                  by_knowledge: set[tuple[str, str]], by_meek: set[tuple[str, str]]) -> list[EdgeSource]:
    out = []
    for e in final.edges():
        prior = priors.prob(e.u, e.v) if e.kind == "-->" else float("nan")
        if not data.has_edge(e.u, e.v):
            out.append(EdgeSource(str(e), "knowledge", None, prior))
            continue
        d = data.edge(e.u, e.v)
        if d.kind == e.kind:
            agrees = e.kind == "-->" and priors.orientation(e.u, e.v) >= threshold
            out.append(EdgeSource(str(e), "data, knowledge agrees" if agrees else "data", str(d), prior))
        elif (e.u, e.v) in by_knowledge:
            out.append(EdgeSource(str(e), "data, oriented by knowledge", str(d), prior))
        elif (e.u, e.v) in by_meek:
            out.append(EdgeSource(str(e), "data, oriented by Meek rules after knowledge", str(d), prior))
        else:
            out.append(EdgeSource(str(e), "changed by knowledge", str(d), prior))
    return out


def _soft_orient(graph: CausalGraph, priors: PriorSet, threshold: float) -> tuple[CausalGraph, set, set, list[str]]:
    """Orient undirected edges by confident prior orientations, staying in the equivalence class."""
    if graph.kind not in ("dag", "cpdag"):
        raise InvalidInputError(
            f"Soft priors orient the undirected edges of a CPDAG; this graph is a {graph.kind.upper()}. "
            "Use mode='hard' (background knowledge) for FCI/PAGs."
        )
    cands = []
    for e in graph.edges("---"):
        for u, v in ((e.u, e.v), (e.v, e.u)):
            q = priors.orientation(u, v)
            if not np.isnan(q) and q >= threshold:
                cands.append((q, u, v))
    cands.sort(key=lambda c: (-c[0], c[1], c[2]))
    g = graph.copy()
    by_knowledge: set[tuple[str, str]] = set()
    notes: list[str] = []
    for q, u, v in cands:
        if g.edge_kind(u, v) != "---":
            continue
        new = orient_in_class(g, u, v)
        if new is None:
            notes.append(f"prior orientation {u} --> {v} (p={q:.2f}) was not applied: it would leave the "
                         "data's equivalence class (new v-structure or cycle).")
            continue
        g = new
        by_knowledge.add((u, v))
    by_meek = {(e.u, e.v) for e in g.edges("-->")
               if graph.edge_kind(e.u, e.v) == "---" and (e.u, e.v) not in by_knowledge}
    return g, by_knowledge, by_meek, notes


def _result(base: DiscoveryResult, graph: CausalGraph, data_result: DiscoveryResult, priors: PriorSet, mode: str,
            threshold: float, method: str, params: dict[str, Any], start: float, notes: list[str],
            by_knowledge: set, by_meek: set, extra: dict[str, Any] | None = None) -> KnowledgeDiscoveryResult:
    conflicts = find_conflicts(data_result.graph, priors, threshold, graph, data_result)
    sources = _edge_sources(graph, data_result.graph, priors, threshold, by_knowledge, by_meek)
    return KnowledgeDiscoveryResult(
        graph=graph, method=method, params={**base.params, **params}, sepsets=dict(base.sepsets),
        n_ci_tests=base.n_ci_tests + (data_result.n_ci_tests if data_result is not base else 0),
        elapsed=time.perf_counter() - start,
        warnings=tuple(base.warnings) + tuple(notes) + tuple(f"knowledge/data disagreement: {c}" for c in conflicts),
        extra={**base.extra, **(extra or {}), "priors_model": priors.model},
        versions=provenance(), data_result=data_result, edge_sources=tuple(sources), conflicts=tuple(conflicts),
        mode=mode, threshold=threshold, knowledge_statements=priors.statements(threshold),
    )


def apply_priors(result: DiscoveryResult, priors: PriorSet, *, threshold: float = 0.9) -> KnowledgeDiscoveryResult:
    """Orient the edges a discovery result left undirected by confident priors (soft use).

    Parameters
    ----------
    result : DiscoveryResult
        A data-only result whose graph is a CPDAG (PC, GES, CD-NOD) or DAG.
    priors : PriorSet
    threshold : float
        Orient ``u --- v`` as ``u --> v`` when ``P(u -> v | adjacent) >= threshold``.

    Returns
    -------
    KnowledgeDiscoveryResult
        Its ``summary()`` marks each edge's source and lists the disagreements.

    Examples
    --------
    >>> from causalkit.graphs import CausalGraph
    >>> data = DiscoveryResult(graph=CausalGraph(edges=["age --- income"]), method="pc")
    >>> priors = PriorSet.from_probabilities({"age --> income": 0.97})
    >>> apply_priors(data, priors).graph.to_edge_list()
    ['age --> income']
    """
    start = time.perf_counter()
    t = check_threshold(threshold)
    if not isinstance(result, DiscoveryResult):
        raise InvalidInputError(f"`result` must be a DiscoveryResult; got {type(result).__name__}.")
    _check_priors(priors, result.graph.nodes)
    graph, by_k, by_m, notes = _soft_orient(result.graph, priors, t)
    return _result(result, graph, result, priors, "soft", t, f"{result.method}+priors", {"knowledge_mode": "soft",
                   "threshold": t}, start, notes, by_k, by_m)


def _check_priors(priors: Any, nodes: list[str]) -> None:
    if not isinstance(priors, PriorSet):
        raise InvalidInputError(
            f"`priors` must be a PriorSet (propose_priors(...) or PriorSet.from_probabilities(...)); got {type(priors).__name__}."
        )
    unknown = sorted({n for pair in priors.edge_prob for n in pair} - set(map(str, nodes)))
    if unknown:
        raise InvalidInputError(
            f"The priors mention {unknown[0]!r}, which is not a variable of the discovery result; "
            "ask about the data's columns only."
        )


def merge_knowledge(user: BackgroundKnowledge | None, derived: BackgroundKnowledge) -> BackgroundKnowledge:
    """Combine the user's background knowledge with knowledge from priors; the user's wins on a clash."""
    if user is None:
        return derived
    if not isinstance(user, BackgroundKnowledge):
        raise InvalidInputError(f"`background_knowledge` must be a BackgroundKnowledge; got {type(user).__name__}.")
    tiers = user.tiers if user.tiers else derived.tiers
    probe = BackgroundKnowledge(tiers=tiers, forbid_within_tiers=user.forbid_within_tiers)
    required = list(user.required) + [e for e in derived.required
                                      if e not in user.forbidden and not probe.is_forbidden(*e) and e not in user.required]
    forbidden = list(user.forbidden) + [e for e in derived.forbidden if e not in set(required) and e not in user.forbidden]
    return BackgroundKnowledge(required=required, forbidden=forbidden, tiers=tiers,
                               forbid_within_tiers=user.forbid_within_tiers)


def discover_with_priors(
    data: Any,
    priors: PriorSet,
    method: str = "pc",
    *,
    mode: str = "soft",
    threshold: float = 0.9,
    prior_weight: float = 1.0,
    add_required: bool = True,
    **kwargs: Any,
) -> KnowledgeDiscoveryResult:
    """Causal discovery that uses priors, with the data-only answer and the disagreements recorded.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
    priors : PriorSet
        From :func:`~causalkit.knowledge.propose_priors` or :meth:`PriorSet.from_probabilities`.
    method : str
        A method of :func:`~causalkit.discovery.discover`; ``mode="hard"`` needs pc, fci or cdnod,
        ``mode="score"`` needs ges.
    mode : {"soft", "hard", "score"}
        See the module docstring.
    threshold : float
        Confidence in (0.5, 1] a prior statement needs to be used (and to count as a disagreement).
    prior_weight : float
        Weight of the prior log-odds against the BIC (``mode="score"``); 0 ignores the prior.
    add_required : bool
        ``mode="hard"``: add required edges the CI tests removed (flagged as from knowledge).
    **kwargs
        Options of the discovery method (``alpha``, ``ci_test``, ``background_knowledge``, ...).

    Returns
    -------
    KnowledgeDiscoveryResult

    Raises
    ------
    InvalidInputError
        Unknown mode, a method that cannot use the mode, or priors about unknown variables.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=1000); b = a + rng.normal(size=1000); c = b + rng.normal(size=1000)
    >>> df = pd.DataFrame({"a": a, "b": b, "c": c})
    >>> res = discover_with_priors(df, PriorSet.from_probabilities({"a --> b": 0.99}))
    >>> res.graph.to_edge_list()
    ['a --> b', 'b --> c']
    """
    from causalkit.discovery import discover

    start = time.perf_counter()
    check_choice(mode, ["soft", "hard", "score"], "mode")
    t = check_threshold(threshold)
    method = str(method).lower()
    params = {"knowledge_mode": mode, "threshold": t}
    if mode == "soft":
        data_result = discover(data, method, **kwargs)
        _check_priors(priors, data_result.graph.nodes)
        graph, by_k, by_m, notes = _soft_orient(data_result.graph, priors, t)
        return _result(data_result, graph, data_result, priors, mode, t, f"{method}+priors", params, start, notes, by_k, by_m)
    if mode == "hard":
        if method not in _HARD_METHODS:
            raise InvalidInputError(
                f"mode='hard' passes background knowledge to the algorithm; {method!r} takes none. "
                f"Use one of {list(_HARD_METHODS)}, or mode='score' for GES."
            )
        data_result = discover(data, method, **kwargs)
        _check_priors(priors, data_result.graph.nodes)
        derived = priors.to_background_knowledge(t)
        bk = merge_knowledge(kwargs.pop("background_knowledge", None), derived)
        result = discover(data, method, background_knowledge=bk, **kwargs)
        graph, notes = result.graph.copy(), []
        if add_required:
            for u, v in bk.required:
                if not graph.has_edge(u, v):
                    graph.add_edge(u, v, "-->")
                    notes.append(f"required edge {u} --> {v} was removed by the CI tests; added back from knowledge.")
        params["background_knowledge"] = {"required": [list(e) for e in bk.required],
                                          "forbidden": [list(e) for e in bk.forbidden], "tiers": bk.tiers}
        direct = {e for e in bk.required} | {(v, u) for u, v in bk.forbidden}
        direct |= {(u, v) for u in bk.nodes() for v in bk.nodes() if u != v and bk.is_forbidden(v, u)}
        by_k = {(e.u, e.v) for e in graph.edges("-->") if (e.u, e.v) in direct}
        by_m = {(e.u, e.v) for e in graph.edges("-->") if (e.u, e.v) not in direct}
        return _result(result, graph, data_result, priors, mode, t, f"{method}+knowledge", params, start, notes,
                       by_k, by_m)
    return _score_mode(data, priors, method, t, prior_weight, params, start, kwargs)


def _score_mode(data: Any, priors: PriorSet, method: str, t: float, weight: float, params: dict[str, Any],
                start: float, kwargs: dict[str, Any]) -> KnowledgeDiscoveryResult:
    from causalkit.discovery import discover
    from causalkit.knowledge._score_search import PriorScore, hill_climb

    if method != "ges" or kwargs.get("score", "bic") != "bic":
        raise InvalidInputError("mode='score' adds the prior to GES's linear-Gaussian BIC: use method='ges' (score='bic').")
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
        raise InvalidInputError(f"`prior_weight` must be a number >= 0; got {weight!r}.")
    data_result = discover(data, "ges", **kwargs)
    names = [str(n) for n in data_result.graph.nodes]
    _check_priors(priors, names)
    from causalkit.discovery._causallearn import prepare_data

    _, x, _ = prepare_data(data, kwargs.get("columns"))
    p = len(names)
    log_odds = np.zeros((p, p))
    eps = 1e-3
    for (u, v), prob in priors.edge_prob.items():
        q = min(max(prob, eps), 1 - eps)
        log_odds[names.index(u), names.index(v)] = np.log(q / (1 - q))
    start_dag = dag_extension(data_result.graph) or CausalGraph(nodes=names)
    adj0 = np.zeros((p, p), dtype=bool)
    for e in start_dag.edges("-->"):
        adj0[names.index(e.u), names.index(e.v)] = True
    scorer = PriorScore(x, log_odds, weight)
    adj, best, iters = hill_climb(scorer, adj0)
    dag = CausalGraph(nodes=names, edges=[(names[i], names[j]) for i, j in zip(*np.nonzero(adj), strict=True)])
    cpdag = dag.to_cpdag()
    graph, by_k, by_m, notes = _soft_orient(cpdag, priors, t)
    params.update({"prior_weight": float(weight), "score": "bic"})
    extra = {"prior_dag": dag.to_edge_list(), "posterior_score": best,
             "start_score": scorer.total(adj0), "hill_climb_iterations": iters}
    return _result(data_result, graph, data_result, priors, "score", t, "ges+priors", params, start, notes, by_k, by_m,
                   extra)
