"""The causalkit agent: natural-language causal questions answered with causalkit tools.

>>> from agent import Agent
>>> Agent(model=None).uses_tool_loop
False
"""

from agent.api import Agent, AgentAnswer
from agent.parse import ParsedQuestion, match_column, parse_question
from agent.planner import Planner, PlanResult, make_guard
from agent.report import build_report, reproduce_script, write_report
from agent.session import Session
from agent.tools import REGISTRY

__all__ = [
    "Agent",
    "AgentAnswer",
    "Session",
    "REGISTRY",
    "Planner",
    "PlanResult",
    "make_guard",
    "parse_question",
    "ParsedQuestion",
    "match_column",
    "build_report",
    "write_report",
    "reproduce_script",
]
