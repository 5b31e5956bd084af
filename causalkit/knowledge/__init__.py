"""Knowledge in the loop: variable metadata, language-model priors, their use in discovery, graph
critique, and data-only pairwise orientation for comparison.

Examples
--------
>>> from causalkit.knowledge import PriorSet, apply_priors
>>> priors = PriorSet.from_probabilities({"age --> income": 0.97})
>>> priors.prob("age", "income")
0.97
"""

from causalkit.knowledge._asking import Answer, AnswerCache, Question
from causalkit.knowledge.apply import (
    Conflict,
    EdgeSource,
    KnowledgeDiscoveryResult,
    apply_priors,
    discover_with_priors,
    find_conflicts,
    merge_knowledge,
)
from causalkit.knowledge.critique import GraphCritique, Suggestion, accept, critique_graph
from causalkit.knowledge.metadata import (
    VariableInfo,
    VariableMetadata,
    read_codebook,
    variable_metadata,
)
from causalkit.knowledge.pairwise import (
    PAIRWISE_METHODS,
    PairwiseResult,
    hsic_gamma_test,
    orient_pair,
    orient_pairs,
    weighted_accuracy,
)
from causalkit.knowledge.priors import PriorSet, propose_priors

__all__ = [
    "VariableInfo",
    "VariableMetadata",
    "variable_metadata",
    "read_codebook",
    "Question",
    "Answer",
    "AnswerCache",
    "PriorSet",
    "propose_priors",
    "EdgeSource",
    "Conflict",
    "KnowledgeDiscoveryResult",
    "apply_priors",
    "discover_with_priors",
    "find_conflicts",
    "merge_knowledge",
    "Suggestion",
    "GraphCritique",
    "critique_graph",
    "accept",
    "PairwiseResult",
    "PAIRWISE_METHODS",
    "orient_pair",
    "orient_pairs",
    "hsic_gamma_test",
    "weighted_accuracy",
]
