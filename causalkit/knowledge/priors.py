"""Causal priors proposed by a language model: :func:`propose_priors` and the :class:`PriorSet` it returns.

The model is asked, for each pair of variables, several multiple-choice questions:

* ``direct`` - "Does changing A directly change B?" (yes / no), for both ``A -> B`` and ``B -> A``;
* ``cause`` - "Which cause-and-effect relationship is more likely?" (A causes B / B causes A /
  neither), asked with the variables in both orders so that a preference for the first option
  cancels out;
* ``order`` - "Which is determined earlier in time?" (A / B / neither), both orders;
* ``tier`` (only with ``tier_names``) - "Which stage does A belong to?", one question per variable.

Each kind is asked in several phrasings. Every raw answer is kept (:attr:`PriorSet.answers`) and
aggregated by averaging option probabilities: ``P(A -> B)`` is the mean, over every ``direct``
question about ``A -> B`` and every ``cause`` question about the pair, of the probability the
answer gives to "A directly causes B". With a backend that returns log-probabilities
(:class:`~agent.llm.LocalModel`) these are soft; with one that only names an option they are votes.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from causalkit._validation import check_choice, check_positive_int
from causalkit.discovery.knowledge import BackgroundKnowledge
from causalkit.exceptions import InvalidInputError
from causalkit.knowledge._asking import Answer, AnswerCache, ask_all, model_id
from causalkit.knowledge._questions import build_questions
from causalkit.knowledge.metadata import VariableMetadata, variable_metadata
from causalkit.results import provenance

__all__ = ["PriorSet", "propose_priors", "QUESTION_KINDS", "check_threshold", "unordered_pairs"]

QUESTION_KINDS = ("direct", "cause", "order")

def check_threshold(threshold: float, name: str = "threshold") -> float:
    """A confidence threshold in (0.5, 1]."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.5 < float(threshold) <= 1.0:
        raise InvalidInputError(f"`{name}` must be a probability in (0.5, 1]; got {threshold!r}.")
    return float(threshold)


def unordered_pairs(names: Sequence[str], pairs: Iterable[Any] | None) -> list[tuple[str, str]]:
    """The unordered pairs to ask about, each as a tuple in variable order (all pairs when None)."""
    order = {n: i for i, n in enumerate(names)}
    if pairs is None:
        return list(itertools.combinations(names, 2))
    out: list[tuple[str, str]] = []
    for p in pairs:
        if isinstance(p, str):
            from causalkit.graphs import parse_edge

            e = parse_edge(p)
            u, v = e.u, e.v
        elif isinstance(p, (tuple, list)) and len(p) == 2:
            u, v = str(p[0]), str(p[1])
        else:
            raise InvalidInputError(f"A pair must be (u, v) or a string 'u --- v'; got {p!r}.")
        for n in (u, v):
            if n not in order:
                raise InvalidInputError(f"Pair {p!r} names {n!r}, which is not among the variables {list(names)[:20]}.")
        if u == v:
            raise InvalidInputError(f"Pair {p!r} names the same variable twice.")
        key = (u, v) if order[u] < order[v] else (v, u)
        if key not in out:
            out.append(key)
    return out


# ---------------------------------------------------------------------- the result
@dataclass(frozen=True, repr=False)
class PriorSet:
    """Per-edge causal probabilities with the raw answers behind them.

    Attributes
    ----------
    variables : VariableMetadata
    edge_prob : dict
        ``(u, v) -> P(u directly causes v)`` for every ordered pair asked about.
    earlier_prob : dict
        ``(u, v) -> P(u is determined before v)`` from ``order`` questions.
    none_prob : dict
        ``frozenset({u, v}) -> P(neither causes the other)`` from ``cause`` questions.
    tier_names : tuple of str
        Stage names of ``tier`` questions (empty when none were asked).
    tier_prob : dict
        ``variable -> tuple`` of probabilities over ``tier_names``.
    answers : tuple of Answer
        Every raw answer, in the order asked (see :meth:`answers_frame`).
    model : str
        Model id (``"user"`` for priors given by hand).
    params : dict
    elapsed : float
    versions : dict
    """

    variables: VariableMetadata
    edge_prob: dict[tuple[str, str], float] = field(default_factory=dict)
    earlier_prob: dict[tuple[str, str], float] = field(default_factory=dict)
    none_prob: dict[frozenset, float] = field(default_factory=dict)
    tier_names: tuple[str, ...] = ()
    tier_prob: dict[str, tuple[float, ...]] = field(default_factory=dict)
    answers: tuple[Answer, ...] = ()
    model: str = "user"
    params: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ queries
    def prob(self, u: str, v: str) -> float:
        """``P(u directly causes v)``; ``nan`` when the pair was not asked about."""
        return float(self.edge_prob.get((u, v), float("nan")))

    def orientation(self, u: str, v: str) -> float:
        """``P(u -> v | u and v adjacent) = p(u->v) / (p(u->v) + p(v->u))``; nan when unknown."""
        a, b = self.prob(u, v), self.prob(v, u)
        if np.isnan(a) or np.isnan(b) or a + b <= 0:
            return float("nan")
        return a / (a + b)

    def earlier(self, u: str, v: str) -> float:
        """``P(u is determined before v)``; nan when not asked."""
        return float(self.earlier_prob.get((u, v), float("nan")))

    def to_frame(self) -> pd.DataFrame:
        """One row per ordered pair: ``source, target, p_edge, p_reverse, p_orientation, p_none, p_earlier, n_answers``."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for a in self.answers:
            if a.question.kind in ("direct", "cause") and a.probs:
                s = a.question.subject
                counts[s] += 1
                if a.question.kind == "cause":
                    counts[s[::-1]] += 1
        rows = []
        for (u, v), p in self.edge_prob.items():
            rows.append({
                "source": u, "target": v, "p_edge": p, "p_reverse": self.prob(v, u),
                "p_orientation": self.orientation(u, v), "p_none": self.none_prob.get(frozenset((u, v)), float("nan")),
                "p_earlier": self.earlier(u, v), "n_answers": counts.get((u, v), 0),
            })
        cols = ["source", "target", "p_edge", "p_reverse", "p_orientation", "p_none", "p_earlier", "n_answers"]
        return pd.DataFrame(rows, columns=cols)

    def answers_frame(self) -> pd.DataFrame:
        """Every raw answer as a row (kind, subject, phrasing, prompt, options, probabilities, cached, ...)."""
        return pd.DataFrame([a.to_dict() for a in self.answers])

    def tiers(self, threshold: float = 0.9) -> list[list[str]]:
        """Variables grouped by stage, earliest first; a variable is placed when one stage has prob >= threshold."""
        t = check_threshold(threshold)
        groups: list[list[str]] = [[] for _ in self.tier_names]
        for name, probs in self.tier_prob.items():
            k = int(np.argmax(probs))
            if probs[k] >= t:
                groups[k].append(name)
        return [g for g in groups if g]

    # ------------------------------------------------------------------ hard knowledge
    def statements(self, threshold: float = 0.9) -> pd.DataFrame:
        """The hard statements the priors support at ``threshold`` and whether each is used.

        Rows have ``kind`` (``required``, ``forbidden``, ``forbidden_by_order``), ``source``,
        ``target``, ``prob`` (the confidence) and ``status`` (``"used"`` or ``"dropped: why"``).
        Contradictions are resolved here: two required edges in opposite directions are both
        dropped; a required edge against a confident temporal order or the tiers is dropped in
        favour of the stronger statement.
        """
        t = check_threshold(threshold)
        rows: list[dict[str, Any]] = []
        tier_of = {n: i for i, g in enumerate(self.tiers(t)) for n in g}
        for (u, v), p in self.edge_prob.items():
            if p >= t:
                rows.append({"kind": "required", "source": u, "target": v, "prob": p, "status": "used"})
            elif p <= 1 - t:
                rows.append({"kind": "forbidden", "source": u, "target": v, "prob": 1 - p, "status": "used"})
        for (u, v), p in self.earlier_prob.items():
            if p >= t:  # u before v: v cannot cause u
                rows.append({"kind": "forbidden_by_order", "source": v, "target": u, "prob": p, "status": "used"})
        req = {(r["source"], r["target"]): r for r in rows if r["kind"] == "required"}
        for (u, v), r in req.items():
            if (v, u) in req:
                r["status"] = f"dropped: {v} --> {u} is required too (the answers contradict each other)"
                continue
            by_order = [o for o in rows if o["kind"] == "forbidden_by_order" and (o["source"], o["target"]) == (u, v)]
            for o in by_order:
                if o["prob"] > r["prob"]:
                    r["status"] = f"dropped: {v} is determined before {u} (p={o['prob']:.2f})"
                else:
                    o["status"] = f"dropped: the edge {u} --> {v} is required (p={r['prob']:.2f})"
            if r["status"] == "used" and u in tier_of and v in tier_of and tier_of[u] > tier_of[v]:
                r["status"] = f"dropped: {u} is in a later stage than {v}"
        cols = ["kind", "source", "target", "prob", "status"]
        rank = {"required": 0, "forbidden": 1, "forbidden_by_order": 2}
        rows.sort(key=lambda r: (rank[r["kind"]], -r["prob"]))
        return pd.DataFrame(rows, columns=cols)

    def to_background_knowledge(
        self, threshold: float = 0.9, use: Sequence[str] = ("required", "forbidden", "tiers")
    ) -> BackgroundKnowledge:
        """Hard background knowledge from the statements with confidence >= ``threshold``.

        Parameters
        ----------
        threshold : float
            Required edges need ``P(u -> v) >= threshold``; forbidden ones ``P(u -> v) <= 1 - threshold``
            or ``P(v before u) >= threshold``; a variable joins a tier when ``P(stage) >= threshold``.
        use : sequence of {"required", "forbidden", "tiers"}
            Which kinds of statements to turn into knowledge.

        Returns
        -------
        BackgroundKnowledge
        """
        for u in use:
            check_choice(u, ["required", "forbidden", "tiers"], "use")
        st = self.statements(threshold)
        st = st[st["status"] == "used"]
        required = [(r.source, r.target) for r in st.itertuples() if r.kind == "required"] if "required" in use else []
        forbidden = (
            sorted({(r.source, r.target) for r in st.itertuples() if r.kind != "required"}) if "forbidden" in use else []
        )
        forbidden = [e for e in forbidden if e not in set(required)]
        tiers = self.tiers(threshold) if "tiers" in use else []
        return BackgroundKnowledge(required=required, forbidden=forbidden, tiers=tiers)

    # ------------------------------------------------------------------ text
    def summary(self, threshold: float = 0.9, max_rows: int = 20) -> str:
        """The confident statements and where the answers disagree."""
        n_cached = sum(a.cached for a in self.answers)
        n_failed = sum(bool(a.error) for a in self.answers)
        lines = [
            f"Causal priors from {self.model}: {len(self.variables)} variables, {len(self.edge_prob)} directed "
            f"pairs, {len(self.answers)} answers ({n_cached} cached, {n_failed} unreadable)",
        ]
        st = self.statements(threshold)
        if len(st):
            lines.append(f"statements with confidence >= {threshold}:")
            for r in st.head(max_rows).itertuples():
                arrow = {"required": "-->", "forbidden": "-/->", "forbidden_by_order": "-/-> (time)"}[r.kind]
                note = "" if r.status == "used" else f"   [{r.status}]"
                lines.append(f"  {r.source} {arrow} {r.target}   p={r.prob:.2f}{note}")
            if len(st) > max_rows:
                lines.append(f"  ... {len(st) - max_rows} more (statements(threshold))")
        else:
            lines.append(f"no statement reaches confidence {threshold}.")
        uncertain = [(u, v, p) for (u, v), p in self.edge_prob.items() if 1 - threshold < p < threshold and p >= 0.5]
        if uncertain:
            lines.append("uncertain (0.5 <= p < threshold): " + ", ".join(f"{u} --> {v} ({p:.2f})" for u, v, p in uncertain[:8]))
        tiers = self.tiers(threshold) if self.tier_names else []
        if tiers:
            lines.append("tiers: " + " | ".join(", ".join(t) for t in tiers))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (probabilities keyed by ``"u --> v"``)."""
        return {
            "model": self.model, "variables": self.variables.to_dict(),
            "edge_prob": {f"{u} --> {v}": p for (u, v), p in self.edge_prob.items()},
            "earlier_prob": {f"{u} < {v}": p for (u, v), p in self.earlier_prob.items()},
            "tier_names": list(self.tier_names), "tier_prob": {k: list(v) for k, v in self.tier_prob.items()},
            "answers": [a.to_dict() for a in self.answers], "params": dict(self.params),
            "elapsed": self.elapsed, "versions": dict(self.versions),
        }

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"PriorSet(model={self.model!r}, {len(self.variables)} variables, {len(self.edge_prob)} directed pairs)"

    # ------------------------------------------------------------------ construction by hand
    @classmethod
    def from_probabilities(
        cls,
        edge_prob: Mapping[Any, float],
        variables: Any = None,
        *,
        earlier_prob: Mapping[Any, float] | None = None,
    ) -> PriorSet:
        """Priors given directly (by a user or another source), e.g. ``{("age", "income"): 0.95}``.

        Keys are ``(u, v)`` pairs or strings ``"u --> v"``; a pair that is listed in one direction
        only gets ``P(v -> u) = 0`` when ``P(u -> v) >= 0.5`` (no two-way effect), else stays unknown.

        Examples
        --------
        >>> p = PriorSet.from_probabilities({"age --> income": 0.95})
        >>> p.prob("age", "income"), p.prob("income", "age")
        (0.95, 0.0)
        """
        probs = {_key(k): _prob(p, k) for k, p in edge_prob.items()}
        for (u, v), p in list(probs.items()):
            if (v, u) not in probs and p >= 0.5:
                probs[(v, u)] = 0.0
        earlier = {_key(k, "<"): _prob(p, k) for k, p in (earlier_prob or {}).items()}
        names = list(dict.fromkeys(n for pair in list(probs) + list(earlier) for n in pair))
        meta = variable_metadata(variables) if variables is not None else VariableMetadata.from_names(names)
        meta.check_names(names, role="variable of a prior")
        return cls(variables=meta, edge_prob=probs, earlier_prob=earlier, model="user",
                   params={"source": "from_probabilities"}, versions=provenance())


def _key(k: Any, sep: str = "-->") -> tuple[str, str]:
    if isinstance(k, str):
        parts = [p.strip() for p in k.replace("-->", "\0").replace("->", "\0").replace("<", "\0").split("\0")]
        if len(parts) != 2 or not all(parts):
            raise InvalidInputError(f"Cannot read the prior key {k!r}; write 'u --> v' or give a pair (u, v).")
        return parts[0], parts[1]
    if isinstance(k, (tuple, list)) and len(k) == 2:
        return str(k[0]), str(k[1])
    raise InvalidInputError(f"A prior key must be a pair (u, v) or 'u {sep} v'; got {k!r}.")


def _prob(p: Any, k: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0.0 <= float(p) <= 1.0:
        raise InvalidInputError(f"The prior of {k!r} must be a probability in [0, 1]; got {p!r}.")
    return float(p)


# ---------------------------------------------------------------------- aggregation
def aggregate(meta: VariableMetadata, answers: Sequence[Answer], tier_names: Sequence[str] | None) -> dict[str, Any]:
    """Average the answers into edge, none, order and tier probabilities."""
    edge: dict[tuple[str, str], list[float]] = defaultdict(list)
    none: dict[frozenset, list[float]] = defaultdict(list)
    earlier: dict[tuple[str, str], list[float]] = defaultdict(list)
    tiers: dict[str, list[tuple[float, ...]]] = defaultdict(list)
    for ans in answers:
        if not ans.probs:
            continue
        q = ans.question
        if q.kind == "direct":
            edge[q.subject].append(ans.prob_of("yes"))
        elif q.kind == "cause":
            a, b = q.subject
            edge[(a, b)].append(ans.prob_of("fwd"))
            edge[(b, a)].append(ans.prob_of("bwd"))
            none[frozenset(q.subject)].append(ans.prob_of("none"))
        elif q.kind == "order":
            a, b = q.subject
            earlier[(a, b)].append(ans.prob_of("first"))
            earlier[(b, a)].append(ans.prob_of("second"))
        elif q.kind == "tier":
            tiers[q.subject[0]].append(ans.probs)
    return {
        "edge_prob": {k: float(np.mean(v)) for k, v in edge.items() if v},
        "none_prob": {k: float(np.mean(v)) for k, v in none.items()},
        "earlier_prob": {k: float(np.mean(v)) for k, v in earlier.items()},
        "tier_prob": {k: tuple(float(x) for x in np.mean(np.array(v), axis=0)) for k, v in tiers.items()},
    }


def propose_priors(
    variables: Any,
    model: Any,
    *,
    descriptions: Mapping[str, Any] | None = None,
    pairs: Iterable[Any] | None = None,
    questions: Sequence[str] = ("direct", "cause"),
    phrasings: int = 2,
    both_orders: bool = True,
    tier_names: Sequence[str] | None = None,
    method: str = "choose",
    samples: int = 1,
    temperature: float = 0.7,
    cache: str | os.PathLike | AnswerCache | None = None,
    n_jobs: int | None = None,
) -> PriorSet:
    """Ask a language model what it knows about how the variables relate causally.

    Parameters
    ----------
    variables : list of str, dict, DataFrame, CSV path or VariableMetadata
        The variables with optional descriptions/units (see :func:`variable_metadata`).
    model : agent.llm.ChatModel
        Any backend: OpenAI-compatible, the embedded local model, or a scripted one. Needs
        ``choose(prompt, options)`` (and ``chat`` for ``method="sample"``).
    descriptions : dict, optional
        Extra descriptions overriding those in ``variables``.
    pairs : iterable of (str, str), optional
        Unordered pairs to ask about (e.g. the adjacencies a discovery run found); default all
        pairs. The number of questions grows with the square of the number of variables.
    questions : sequence of {"direct", "cause", "order"}
        Question kinds to ask per pair (see the module docstring).
    phrasings : int
        Phrasings per question kind (1-3; ``order`` and ``tier`` have 2).
    both_orders : bool
        Also ask each question with the two variables swapped.
    tier_names : sequence of str, optional
        Stage names, earliest first (e.g. ``["fixed at birth", "schooling", "working life"]``): each
        variable is asked which stage it belongs to, giving tiers for background knowledge.
    method : {"choose", "sample"}
        ``"choose"``: one constrained choice per question (probabilities when the backend gives
        them). ``"sample"``: ``samples`` free-text answers at ``temperature``, counted as votes.
    samples : int
        Answers per question for ``method="sample"``.
    temperature : float
        Sampling temperature for ``method="sample"``.
    cache : str, path or AnswerCache, optional
        JSON-lines file of answers keyed by model id and prompt; re-running asks only new questions.
    n_jobs : int, optional
        Threads asking uncached questions at once (useful for API models); None asks in order.

    Returns
    -------
    PriorSet

    Raises
    ------
    InvalidInputError
        Fewer than two variables, an unknown pair or question kind, or bad options.
    EstimationError
        Every answer was unreadable.

    Examples
    --------
    >>> from agent.testing import ScriptedModel
    >>> model = ScriptedModel([], default={"choose": 0})   # always picks the first option
    >>> priors = propose_priors(["age", "income"], model, questions=("cause",), phrasings=1)
    >>> priors.prob("age", "income"), priors.prob("income", "age")
    (0.5, 0.5)
    """
    from causalkit.exceptions import EstimationError

    start = time.perf_counter()
    meta = variable_metadata(variables, descriptions)
    if len(meta) < 2 and not tier_names:
        raise InvalidInputError("Priors need at least two variables.")
    if isinstance(questions, str):
        questions = (questions,)
    for k in questions:
        check_choice(k, list(QUESTION_KINDS), "questions")
    phrasings = check_positive_int(phrasings, "phrasings")
    check_choice(method, ["choose", "sample"], "method")
    samples = check_positive_int(samples, "samples")
    if method == "choose" and samples > 1:
        raise InvalidInputError("`samples` > 1 needs method='sample' (a constrained choice is deterministic).")
    if tier_names is not None and (isinstance(tier_names, str) or len(tier_names) < 2):
        raise InvalidInputError("`tier_names` must list at least two stages, earliest first.")
    if not callable(getattr(model, "choose", None)):
        raise InvalidInputError(
            f"`model` must be a chat model with a choose() method (agent.llm.load_model(...)); got {type(model).__name__}."
        )
    pair_list = unordered_pairs(meta.names, pairs)
    qs = build_questions(meta, pair_list, list(questions), phrasings, both_orders, tier_names)
    store = cache if isinstance(cache, AnswerCache) else AnswerCache(cache)
    answers = ask_all(model, qs, method=method, samples=samples, temperature=temperature, cache=store, n_jobs=n_jobs)
    if answers and all(a.error for a in answers):
        raise EstimationError(
            f"None of the model's {len(answers)} answers named an option; first reply problem: {answers[0].error}"
        )
    agg = aggregate(meta, answers, tier_names)
    return PriorSet(
        variables=meta, edge_prob=agg["edge_prob"], earlier_prob=agg["earlier_prob"], none_prob=agg["none_prob"],
        tier_names=tuple(tier_names or ()), tier_prob=agg["tier_prob"], answers=tuple(answers), model=model_id(model),
        params={"questions": list(questions), "phrasings": phrasings, "both_orders": both_orders, "method": method,
                "samples": samples, "temperature": temperature if method == "sample" else None,
                "n_pairs": len(pair_list), "cache": str(store.path) if store.path else None},
        elapsed=time.perf_counter() - start, versions=provenance(),
    )
