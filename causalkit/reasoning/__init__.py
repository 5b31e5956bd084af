"""Causal reasoning from stated facts.

* Independence facts -> equivalence class: :func:`oracle_pc` (CPDAG) and :func:`oracle_fci` (PAG) run
  causalkit's PC/FCI on an independence oracle, with a faithfulness check.
* Hypotheses about a pair (parent, child, ancestor, descendant, confounder, collider) decided over
  the class: :func:`decide` -> "follows" / "contradicted" / "undetermined" and Corr2Cause's yes/no.
* Rung-1/2/3 queries on a graph with stated probabilities of binary variables
  (:func:`make_problem`, :func:`run_query`): P(y | do(x)), ATE, ETT, NDE/NIE, explaining away,
  back-door comparisons, deterministic counterfactuals - via :func:`causalkit.identification.identify`
  and exact arithmetic, with the strategy and the arithmetic as text.
* Question text -> structure (rule-based parsers for Corr2Cause and CLadder templates, a chat model
  as fallback) -> yes/no with the derivation: :func:`solve`.
* :class:`BinarySCM`: exact observational, interventional and counterfactual quantities of small
  binary SCMs (the generators' ground truth).
"""

from causalkit.reasoning.binary_scm import BinarySCM
from causalkit.reasoning.facts import FactSet, IndependenceFact, make_oracle_test, parse_fact
from causalkit.reasoning.hypotheses import (
    RELATIONS,
    SEMANTICS,
    Decision,
    Hypothesis,
    decide,
    relation_holds,
)
from causalkit.reasoning.mechanisms import (
    Mechanism,
    det_counterfactual,
    evaluate_mechanisms,
    parse_mechanism,
)
from causalkit.reasoning.oracle import check_faithful, independence_facts_of, oracle_fci, oracle_pc
from causalkit.reasoning.parse_cladder import CladderParseError, parse_cladder
from causalkit.reasoning.parse_corr2cause import (
    Corr2CauseProblem,
    parse_corr2cause,
    parse_hypothesis,
    parse_premise,
)
from causalkit.reasoning.probability import (
    MissingProbabilityError,
    ProbabilityFacts,
    ProbStatement,
    parse_probability,
)
from causalkit.reasoning.queries import (
    QUERY_TYPES,
    CausalProblem,
    QueryResult,
    make_problem,
    run_query,
)
from causalkit.reasoning.solver import parse_question, solve
from causalkit.reasoning.structured import (
    Answer,
    decide_answer,
    solve_structured,
    validate_structured,
)

__all__ = [
    # facts and discovery
    "IndependenceFact", "FactSet", "parse_fact", "make_oracle_test", "oracle_pc", "oracle_fci", "check_faithful",
    "independence_facts_of",
    # hypotheses
    "Hypothesis", "Decision", "decide", "relation_holds", "RELATIONS", "SEMANTICS",
    # probabilities and queries
    "ProbStatement", "ProbabilityFacts", "parse_probability", "MissingProbabilityError", "CausalProblem",
    "QueryResult", "make_problem", "run_query", "QUERY_TYPES", "Mechanism", "parse_mechanism",
    "evaluate_mechanisms", "det_counterfactual", "BinarySCM",
    # parsing and solving
    "Corr2CauseProblem", "parse_corr2cause", "parse_premise", "parse_hypothesis", "parse_cladder", "CladderParseError",
    "parse_question", "solve", "solve_structured", "validate_structured", "decide_answer", "Answer",
]
