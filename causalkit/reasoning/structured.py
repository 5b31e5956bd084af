"""The structured form of a question, its JSON schemas, and solving it.

Both the rule-based parsers and the model fallback produce the same structure, so everything after
parsing is shared and deterministic:

* Corr2Cause: ``{"kind": "corr2cause", "variables": [...], "facts": ["A _||_ C | B", "A correlates
  with B", ...], "closure": true, "hypothesis": {"relation": "parent", "x": "A", "y": "B"}}``
* CLadder: ``{"kind": "cladder", "nodes": [...], "edges": [["X", "Y"], ...], "unobserved": [...],
  "probabilities": [{"event": {"Y": 1}, "given": {"X": 0}, "value": 0.3}], "mechanisms":
  [{"target": "Y", "target_value": 1, "op": "or", "inputs": [["X", 1], ["Z", 1]]}],
  "evidence": {"Z": 1}, "query": {"type": "ate", "treatment": "X", "outcome": "Y", "x": 1, "y": 1,
  "positive": true, ...}}`` - ``positive`` is true when the question asks about an increase (more
  likely, larger, positively, "affects", Method 1 better than Method 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from causalkit.exceptions import InvalidInputError, MissingDependencyError, NotIdentifiableError
from causalkit.reasoning.mechanisms import Mechanism
from causalkit.reasoning.probability import MissingProbabilityError, ProbStatement
from causalkit.reasoning.queries import QueryResult, make_problem, run_query
from causalkit.results import ResultMixin

__all__ = ["Answer", "CLADDER_SCHEMA", "CORR2CAUSE_SCHEMA", "validate_structured", "solve_structured", "ZERO_TOL",
           "decide_answer"]

#: Effects smaller than this in absolute value count as zero (CLadder's convention).
ZERO_TOL = 0.005

_BIN = {"type": "integer", "enum": [0, 1]}
_ASSIGN = {"type": "object", "additionalProperties": _BIN}
CLADDER_SCHEMA: dict = {
    "type": "object",
    "required": ["kind", "edges", "query"],
    "properties": {
        "kind": {"const": "cladder"},
        "nodes": {"type": "array", "items": {"type": "string"}},
        "edges": {"type": "array", "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}},
        "unobserved": {"type": "array", "items": {"type": "string"}},
        "probabilities": {"type": "array", "items": {
            "type": "object", "required": ["event", "value"],
            "properties": {"event": _ASSIGN, "given": _ASSIGN, "value": {"type": "number", "minimum": 0, "maximum": 1}},
            "additionalProperties": False}},
        "mechanisms": {"type": "array", "items": {
            "type": "object", "required": ["target", "inputs"],
            "properties": {"target": {"type": "string"}, "target_value": _BIN, "op": {"enum": ["and", "or"]},
                           "inputs": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2}}},
            "additionalProperties": False}},
        "evidence": _ASSIGN,
        "query": {
            "type": "object", "required": ["type"],
            "properties": {
                "type": {"enum": ["marginal", "correlation", "exp_away", "ate", "backadj", "collider_bias", "ett",
                                  "nde", "nie", "det_counterfactual"]},
                "treatment": {"type": "string"}, "outcome": {"type": "string"}, "collider": {"type": "string"},
                "x": _BIN, "y": _BIN, "c": _BIN, "x_factual": _BIN, "positive": {"type": "boolean"},
                "mediators": {"type": "array", "items": {"type": "string"}},
                "sets": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
CORR2CAUSE_SCHEMA: dict = {
    "type": "object",
    "required": ["kind", "variables", "facts", "hypothesis"],
    "properties": {
        "kind": {"const": "corr2cause"},
        "variables": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        "facts": {"type": "array", "items": {"type": "string"}},
        "closure": {"type": "boolean"},
        "hypothesis": {"type": "object", "required": ["relation", "x", "y"], "additionalProperties": False,
                       "properties": {"relation": {"enum": ["parent", "child", "ancestor", "descendant", "confounder",
                                                            "collider"]},
                                      "x": {"type": "string"}, "y": {"type": "string"}}},
    },
    "additionalProperties": False,
}


def validate_structured(d: Any) -> dict:
    """Check a structured question against its schema (needs ``jsonschema``); return it.

    Raises
    ------
    InvalidInputError
        Listing the schema violations.
    """
    if not isinstance(d, dict) or d.get("kind") not in ("cladder", "corr2cause"):
        raise InvalidInputError("A structured question is a JSON object with kind 'cladder' or 'corr2cause'.")
    try:
        import jsonschema
    except ImportError as exc:  # pragma: no cover - jsonschema ships with the agent extra
        raise MissingDependencyError("jsonschema", "agent", "Validating model-parsed questions") from exc
    schema = CLADDER_SCHEMA if d["kind"] == "cladder" else CORR2CAUSE_SCHEMA
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(d), key=lambda e: list(e.path))
    if errors:
        shown = "; ".join(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:5])
        raise InvalidInputError(f"The structured question does not match the schema: {shown}.")
    return d


@dataclass(frozen=True, repr=False)
class Answer(ResultMixin):
    """A yes/no answer with its derivation.

    Attributes
    ----------
    answer : {"yes", "no"}
    kind : {"corr2cause", "cladder"}
    derivation : str
        The reasoning: equivalence class and verdict, or identification, terms and arithmetic.
    value : float or None
        The computed quantity (CLadder) or the share of DAGs where the hypothesis holds (Corr2Cause).
    structured : dict
        The parsed question.
    parser : str
        ``"rules"`` or ``"model"``.
    warnings : tuple of str
    """

    answer: str
    kind: str
    derivation: str
    value: float | None = None
    structured: dict = field(default_factory=dict)
    parser: str = "rules"
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """Answer and derivation."""
        return "\n".join([f"Answer: {self.answer}", self.derivation, *[f"warning: {w}" for w in self.warnings]])

    def to_frame(self) -> pd.DataFrame:
        """One row."""
        return pd.DataFrame([{"answer": self.answer, "kind": self.kind, "value": self.value, "parser": self.parser}])

    def __repr__(self) -> str:
        return f"Answer({self.answer!r}, kind={self.kind!r})"


def decide_answer(query: dict, value: float | None) -> str:
    """Map a computed value to CLadder's yes/no for the asked direction (see :mod:`._rung`)."""
    kind, pos = query["type"], bool(query.get("positive", True))
    if value is None:
        return "no"
    if kind == "marginal":
        d = value - 0.5
    elif kind == "det_counterfactual":
        return "yes" if int(round(value)) == int(query.get("y", 1)) else "no"
    elif kind == "backadj":
        return "yes" if value > 0 else "no"
    elif kind == "collider_bias":
        affects = abs(value) >= ZERO_TOL
        return "yes" if affects == pos else "no"
    else:
        d = value
    if abs(d) < ZERO_TOL:
        return "no"
    return "yes" if (d > 0) == pos else "no"


def _solve_cladder(d: dict, approximate: bool) -> tuple[QueryResult, list[str]]:
    q = d["query"]
    stmts = [ProbStatement.make(p["event"], p.get("given") or {}, p["value"]) for p in d.get("probabilities", [])]
    mechs = [Mechanism(m["target"], tuple((str(a), int(b)) for a, b in m["inputs"]), m.get("op", "or"),
                       int(m.get("target_value", 1))) for m in d.get("mechanisms", [])]
    edges = [f"{u} --> {v}" for u, v in d.get("edges", [])]
    nodes = list(d.get("nodes") or [])
    for m in mechs:  # deterministic stories may name variables only in the mechanisms
        nodes += [m.target, *[v for v, _ in m.inputs]]
    problem = make_problem(edges, stmts, unobserved=d.get("unobserved", []), mechanisms=mechs,
                           evidence=d.get("evidence") or {}, nodes=list(dict.fromkeys(nodes)), approximate=approximate)
    kind = q["type"]
    kw: dict[str, Any] = {k: q[k] for k in ("treatment", "outcome", "collider", "x", "y", "c", "mediators", "sets") if k in q}
    if kind == "backadj" and "sets" in q:
        kw["sets"] = [list(s) for s in q["sets"]]
    if kind == "det_counterfactual":
        evidence = dict(d.get("evidence") or {})
        if "x_factual" in q:
            evidence[q["treatment"]] = int(q["x_factual"])
        kw = {"outcome": q["outcome"], "do": {q["treatment"]: int(q.get("x", 1))}, "evidence": evidence}
    result = run_query(problem, kind, **kw)
    return result, list(result.warnings)


def solve_structured(d: dict, *, semantics: str = "corr2cause", parser: str = "rules") -> Answer:
    """Answer a structured question (see the module docstring) with its derivation.

    For CLadder questions the exact computation is tried first; if the stated numbers do not
    determine a needed term, the approximate fallback of
    :class:`~causalkit.reasoning.probability.ProbabilityFacts` is tried and its assumption reported.

    Raises
    ------
    InvalidInputError, NotIdentifiableError
        When the question cannot be answered from what it states.
    """
    if d.get("kind") == "corr2cause":
        from causalkit.reasoning.hypotheses import Hypothesis, decide
        from causalkit.reasoning.oracle import oracle_pc

        h = d["hypothesis"]
        hyp = Hypothesis(h["relation"], h["x"], h["y"])
        cls = oracle_pc(d["variables"], d["facts"], closure=d.get("closure", True))
        dec = decide(hyp, cls, semantics=semantics, order=d["variables"])
        return Answer(dec.label, "corr2cause", dec.explanation, dec.fraction, d, parser, cls.warnings)
    if d.get("kind") != "cladder":
        raise InvalidInputError("The structured question must have kind 'cladder' or 'corr2cause'.")
    try:
        result, warns = _solve_cladder(d, approximate=False)
    except (MissingProbabilityError, NotIdentifiableError) as exact_error:
        try:
            result, warns = _solve_cladder(d, approximate=True)
        except (MissingProbabilityError, NotIdentifiableError):
            raise exact_error from None
    label = decide_answer(d["query"], result.value)
    return Answer(label, "cladder", result.summary(), result.value, d, parser, tuple(warns))
