"""The agent's tools: thin wrappers over causalkit registered in :data:`REGISTRY`.

Each tool takes JSON-friendly arguments (validated against a schema built from its signature),
runs one causalkit function on objects kept in the :class:`~agent.session.Session`, stores the
result under a handle and returns a small summary. Every call is logged in the session.

Examples
--------
>>> from agent.tools import REGISTRY
>>> sorted(t.name for t in REGISTRY)[:4]
['ci_test', 'counterfactual', 'describe_data', 'discover']
"""

from agent.tools._base import REGISTRY, tool
from agent.tools.data import EMBEDDED_DATASETS, describe_data, load_data, load_embedded
from agent.tools.effects import DEFAULT_REFUTERS, estimate, identify, mediate, refute
from agent.tools.graph import ci_test, discover, edit_graph, set_graph, show_graph
from agent.tools.reporting import report
from agent.tools.scm import counterfactual, scm_do

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
]
