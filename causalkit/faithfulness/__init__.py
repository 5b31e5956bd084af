"""Chain-of-thought faithfulness: does a model's written reasoning cause its answer?

Reasoning steps are treated as variables of a structural causal model: the audits intervene on
them (truncate, corrupt, replace by filler, paraphrase, delete, negate, resample) or on the
prompt (a biasing hint), and measure the effect on the answer, with bootstrap intervals over
items. Anchors: Lanham et al. (2023) "Measuring Faithfulness in Chain-of-Thought Reasoning";
Turpin et al. (2023) "Language Models Don't Always Say What They Think"; Project Ariadne (causal
sensitivity and violation density of step interventions); Thought Anchors / Thought Branches
(resampling importance). :func:`audit_agent_answer` checks the other way round that every
number and causal claim in an agent's answer is backed by a tool result.

Examples
--------
>>> from causalkit.faithfulness import ArithmeticReasoner, audit, make_arithmetic_items
>>> report = audit(ArithmeticReasoner("faithful"), make_arithmetic_items(8, random_state=0), "early", n_boot=100)
>>> report.score("early", "aoc") > 0.5
True
"""

from causalkit.faithfulness.agent_audit import AgentAuditResult, Claim, audit_agent_answer
from causalkit.faithfulness.audits import (
    Answer,
    Trace,
    adding_mistakes,
    biased_hint,
    chain_of_thought,
    early_answering,
    elicit_answers,
    filler_tokens,
    paraphrasing,
)
from causalkit.faithfulness.backends import LocalReasoner, OpenAIReasoner, load_reasoner
from causalkit.faithfulness.cli import audit_faithfulness, check_agent_answer
from causalkit.faithfulness.generators import (
    make_arithmetic_items,
    make_causal_items,
    make_items,
    make_logic_items,
)
from causalkit.faithfulness.items import Item, load_items
from causalkit.faithfulness.prompts import Prompt
from causalkit.faithfulness.reasoner import OutputCache, Reasoner, ReasonerError, ScriptedReasoner
from causalkit.faithfulness.report import FaithfulnessReport
from causalkit.faithfulness.runner import TESTS, audit
from causalkit.faithfulness.segment import segment, split_steps, strip_answer
from causalkit.faithfulness.step_audits import resampling_importance, step_interventions
from causalkit.faithfulness.testing import ArithmeticReasoner

__all__ = [
    "audit",
    "TESTS",
    "FaithfulnessReport",
    "Reasoner",
    "ScriptedReasoner",
    "LocalReasoner",
    "OpenAIReasoner",
    "ArithmeticReasoner",
    "load_reasoner",
    "OutputCache",
    "ReasonerError",
    "Prompt",
    "Item",
    "load_items",
    "make_items",
    "make_arithmetic_items",
    "make_logic_items",
    "make_causal_items",
    "segment",
    "split_steps",
    "strip_answer",
    "Answer",
    "Trace",
    "chain_of_thought",
    "elicit_answers",
    "early_answering",
    "adding_mistakes",
    "filler_tokens",
    "paraphrasing",
    "biased_hint",
    "step_interventions",
    "resampling_importance",
    "audit_agent_answer",
    "AgentAuditResult",
    "Claim",
    "audit_faithfulness",
    "check_agent_answer",
]
