"""Typed, JSON-in/JSON-out functions the agent registers as tools (``agent.registry.ToolRegistry.tool``).

Each takes only JSON-compatible arguments, validates them through the library's public functions
(so errors come back as causalkit exceptions with a message the model can act on) and returns a
small JSON-friendly dict. :data:`TOOLS` lists them for registration::

    from agent.registry import ToolRegistry
    from causalkit.reasoning.agent_tools import TOOLS
    registry = ToolRegistry()
    for fn in TOOLS:
        registry.tool(fn)
"""

from __future__ import annotations

from typing import Any, Literal

from causalkit.exceptions import InvalidInputError

__all__ = ["discover_from_independences", "decide_causal_hypothesis", "compute_causal_query", "parse_causal_question",
           "answer_causal_question", "answer_structured_question", "TOOLS"]

Relation = Literal["parent", "child", "ancestor", "descendant", "confounder", "collider"]
QueryType = Literal["marginal", "correlation", "exp_away", "p_do", "ate", "backadj", "collider_bias", "ett", "att", "nde",
                    "nie", "pn", "ps", "det_counterfactual"]


def discover_from_independences(variables: list[str], facts: list[str], closure: bool = True,
                                latent_confounders: bool = False) -> dict:
    """Find the Markov equivalence class implied by stated (in)dependences.

    Parameters
    ----------
    variables : list of str
        All variables of the closed system, in the order the text lists them.
    facts : list of str
        Statements such as "A _||_ C | B", "A is independent of C", "A correlates with B".
    closure : bool
        Treat every unstated (pair, conditioning set) as dependent.
    latent_confounders : bool
        Allow hidden common causes (FCI, returns a PAG) instead of assuming none (PC, returns a CPDAG).

    Returns
    -------
    dict
        ``method``, ``kind`` (cpdag/pag), ``edges``, ``faithful`` and ``warnings``.
    """
    from causalkit.reasoning.oracle import oracle_fci, oracle_pc

    res = oracle_fci(variables, facts, closure=closure) if latent_confounders else \
        oracle_pc(variables, facts, closure=closure, on_unfaithful="warn")
    return {"method": res.method, "kind": res.graph.kind, "edges": res.graph.to_edge_list(),
            "faithful": bool(res.extra.get("faithful", True)), "warnings": list(res.warnings)}


def decide_causal_hypothesis(variables: list[str], facts: list[str], relation: Relation, x: str, y: str,
                             closure: bool = True, semantics: Literal["corr2cause", "standard"] = "corr2cause") -> dict:
    """Decide whether a causal relation between two variables follows from stated (in)dependences.

    Parameters
    ----------
    variables : list of str
        All variables, in the order the text lists them.
    facts : list of str
        Statements such as "A _||_ C | B" or "A correlates with B".
    relation : {"parent", "child", "ancestor", "descendant", "confounder", "collider"}
        parent: x directly causes y; ancestor: x causes y through a mediator; confounder: x and y have a
        common cause; collider: x and y have a common effect; child/descendant are the reverses.
    x : str
        First variable.
    y : str
        Second variable.
    closure : bool
        Treat every unstated (pair, conditioning set) as dependent.
    semantics : {"corr2cause", "standard"}
        "corr2cause" reproduces the Corr2Cause dataset's labels.

    Returns
    -------
    dict
        ``verdict`` (follows/contradicted/undetermined), ``answer`` (yes/no), ``n_graphs``, ``n_true``,
        ``class_edges`` and ``explanation``.
    """
    from causalkit.reasoning.hypotheses import Hypothesis, decide
    from causalkit.reasoning.oracle import oracle_pc

    cls = oracle_pc(variables, facts, closure=closure)
    d = decide(Hypothesis(relation, x, y), cls, semantics=semantics, order=variables)
    return {"verdict": d.verdict, "answer": d.label, "n_graphs": d.n_graphs, "n_true": d.n_true,
            "class_edges": cls.graph.to_edge_list(), "explanation": d.explanation}


def compute_causal_query(edges: list[str], query: QueryType, treatment: str = "", outcome: str = "",
                         probabilities: list[str] | None = None, unobserved: list[str] | None = None,
                         treatment_value: int = 1, outcome_value: int = 1, collider: str | None = None,
                         collider_value: int = 1, mediators: list[str] | None = None,
                         adjustment_sets: list[list[str]] | None = None, mechanisms: list[str] | None = None,
                         evidence: dict[str, int] | None = None) -> dict:
    """Compute a rung-1/2/3 quantity from a causal graph and stated probabilities of binary variables.

    Parameters
    ----------
    edges : list of str
        Causal edges such as "Z --> X" (latent nodes included; list them in unobserved).
    query : str
        marginal P(Y=y); correlation P(y|x)-P(y|x'); exp_away P(y|x,c)-P(y|c); p_do P(y|do(x)); ate
        P(y|do(x))-P(y|do(x')); backadj (compare two adjustment_sets); collider_bias; ett
        P(Y_{x'}=y|x)-P(y|x); att P(Y_1=y|x)-P(Y_0=y|x); nde; nie; pn P(Y_0=0|X=1,Y=1) and ps
        P(Y_1=1|X=0,Y=0) (monotone effect); det_counterfactual (outcome under do(treatment=treatment_value)).
    treatment : str
        Treatment variable.
    outcome : str
        Outcome variable.
    probabilities : list of str, optional
        Stated numbers such as "P(Y=1 | X=0, Z=1) = 0.3" or "P(X=1) = 60%".
    unobserved : list of str, optional
        Latent variables of the graph.
    treatment_value : int
        x (0 or 1).
    outcome_value : int
        y (0 or 1).
    collider : str, optional
        Conditioning variable for exp_away.
    collider_value : int
        Its value c.
    mediators : list of str, optional
        Mediators for nde/nie (default: all).
    adjustment_sets : list of list of str, optional
        The two candidate sets for backadj.
    mechanisms : list of str, optional
        Deterministic rules such as "Y = X or Z", "M = not X" (det_counterfactual).
    evidence : dict, optional
        Observed values for det_counterfactual, e.g. {"Z": 1, "X": 0}.

    Returns
    -------
    dict
        ``value``, ``strategy``, ``estimand``, ``arithmetic``, ``steps`` and ``warnings``.
    """
    from causalkit.reasoning.mechanisms import parse_mechanism
    from causalkit.reasoning.queries import make_problem, run_query

    mechs = [parse_mechanism(m) for m in (mechanisms or [])]
    nodes = [v for m in mechs for v in (m.target, *[i for i, _ in m.inputs])]
    problem = make_problem(edges, probabilities or [], unobserved=unobserved or [], mechanisms=mechs,
                           evidence=evidence or {}, nodes=list(dict.fromkeys(nodes)))
    if query == "det_counterfactual":
        kw: dict[str, Any] = {"outcome": outcome, "do": {treatment: int(treatment_value)}, "evidence": evidence or {}}
    else:
        kw = {"treatment": treatment, "outcome": outcome, "x": int(treatment_value), "y": int(outcome_value),
              "mediators": mediators, "sets": adjustment_sets or []}
        if query == "exp_away":
            if not collider:
                raise InvalidInputError("exp_away needs `collider` (the variable conditioned on).")
            kw.update({"collider": collider, "c": int(collider_value)})
        if query == "marginal":
            kw = {"outcome": outcome, "y": int(outcome_value)}
    res = run_query(problem, query, **kw)
    return {"value": res.value, "strategy": res.strategy, "estimand": res.estimand, "arithmetic": res.arithmetic,
            "steps": list(res.steps), "warnings": list(res.warnings)}


def parse_causal_question(question: str) -> dict:
    """Read a Corr2Cause- or CLadder-style question into its structured form (rule-based).

    Parameters
    ----------
    question : str
        The full question text.

    Returns
    -------
    dict
        The structure (variables, facts or graph, probabilities, query); check it, correct it if
        needed and pass it to answer_structured_question.
    """
    from causalkit.reasoning.solver import parse_question

    return parse_question(question)[0]


def answer_causal_question(question: str) -> dict:
    """Answer a Corr2Cause- or CLadder-style yes/no causal question exactly, with the derivation.

    Parameters
    ----------
    question : str
        The full question text (premise and hypothesis, or story, numbers and question).

    Returns
    -------
    dict
        ``answer`` (yes/no), ``kind``, ``value`` and ``derivation``.
    """
    from causalkit.reasoning.solver import solve

    a = solve(question)
    return {"answer": a.answer, "kind": a.kind, "value": a.value, "derivation": a.derivation, "warnings": list(a.warnings)}


def answer_structured_question(structured: dict) -> dict:
    """Answer a question given in structured form (the output of parse_causal_question, possibly corrected).

    Parameters
    ----------
    structured : dict
        ``{"kind": "corr2cause", "variables", "facts", "closure", "hypothesis"}`` or ``{"kind": "cladder",
        "edges", "unobserved", "probabilities", "mechanisms", "evidence", "query"}``.

    Returns
    -------
    dict
        ``answer`` (yes/no), ``value`` and ``derivation``.
    """
    from causalkit.reasoning.structured import solve_structured, validate_structured

    a = solve_structured(validate_structured(structured))
    return {"answer": a.answer, "kind": a.kind, "value": a.value, "derivation": a.derivation, "warnings": list(a.warnings)}


TOOLS = (discover_from_independences, decide_causal_hypothesis, compute_causal_query, parse_causal_question,
         answer_causal_question, answer_structured_question)
