"""The agent's tools: thin wrappers over causalkit registered in :data:`REGISTRY`.

Each tool takes JSON-friendly arguments (validated against a schema built from its signature),
runs one causalkit function on objects kept in the :class:`~agent.session.Session`, stores the
result under a handle and returns a small summary. Every call is logged in the session.

Examples
--------
>>> from agent.tools import REGISTRY
>>> all(name in REGISTRY for name in ("discover", "estimate", "ask_causal_knowledge", "audit_last_answer"))
True
"""

from agent.tools._base import REGISTRY, tool
from agent.tools.data import EMBEDDED_DATASETS, describe_data, load_data, load_embedded
from agent.tools.effects import DEFAULT_REFUTERS, estimate, identify, mediate, refute
from agent.tools.graph import ci_test, discover, edit_graph, set_graph, show_graph
from agent.tools.reporting import report
from agent.tools.scm import counterfactual, scm_do

# isort: split
# knowledge, audit, reasoning and interp tools come after the workflow tools (the order the model sees them)
from agent.tools.audit import audit_faithfulness, audit_last_answer, check_agent_answer
from agent.tools.interp import INTERP_TOOLS
from agent.tools.knowledge import (
    accept_suggestions,
    ask_causal_knowledge,
    check_graph,
    discover_with_knowledge,
    orient_pair_from_data,
    use_model,
)
from agent.tools.reasoning import REASONING_TOOLS, answer_causal_question, parse_causal_question

__all__ = [
    "REGISTRY",
    "tool",
    "EMBEDDED_DATASETS",
    "DEFAULT_REFUTERS",
    "load_embedded",
    "load_data",
    "describe_data",
    "discover",
    "set_graph",
    "edit_graph",
    "show_graph",
    "ci_test",
    "identify",
    "estimate",
    "refute",
    "mediate",
    "scm_do",
    "counterfactual",
    "report",
    "use_model",
    "ask_causal_knowledge",
    "check_graph",
    "accept_suggestions",
    "discover_with_knowledge",
    "orient_pair_from_data",
    "audit_faithfulness",
    "check_agent_answer",
    "audit_last_answer",
    "answer_causal_question",
    "parse_causal_question",
    "REASONING_TOOLS",
    "INTERP_TOOLS",
]
