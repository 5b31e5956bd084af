"""Question routing to the extension tools: rule-based parse, the guided workflow, and the free tool loop."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _ext_tools_helpers import anm_pair, chain_data, dag_model

from agent import Agent
from agent.loop import run_loop
from agent.parse import parse_question
from agent.session import Session
from agent.testing import ScriptedModel
from agent.tools import REGISTRY, use_model

COLLIDER = ("Premise: Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations among "
            "these 3 variables are as follows: A correlates with C. B correlates with C. However, A is independent of "
            "B.\nHypothesis: A directly causes C.")
COLS = ["smoke", "tar", "cancer", "noise"]


@pytest.mark.parametrize("question, columns, kind", [
    ("Audit your last answer", COLS, "audit"),
    ("Can you fact-check the previous answer?", None, "audit"),
    ("Please check my graph", COLS, "critique"),
    ("Is my causal graph plausible?", COLS, "critique"),
    ("What do you know about how smoke, tar and cancer relate?", COLS, "knowledge"),
    (COLLIDER, COLS, "reasoning"),
    ("A is independent of B. A correlates with C. Is A a direct cause of C?", None, "reasoning"),
    # data questions keep their kinds
    ("A is independent of B. A correlates with C. Is A a direct cause of C?", ["A", "B", "C"], "direct_cause"),
    ("Are smoke and noise independent given tar?", COLS, "independence"),
    ("What is the causal graph?", COLS, "graph"),
    ("What is the effect of smoke on cancer? Check the graph first.", COLS, "effect"),
])
def test_parse_routes_tool_questions(question, columns, kind):
    assert parse_question(question, columns).kind == kind


def test_knowledge_question_names_its_columns():
    q = parse_question("What do you know about how smoke, tar and cancer relate?", COLS)
    assert q.given == ["smoke", "tar", "cancer"]


def test_guided_answers_from_the_tools():
    agent = Agent(model=None)
    ans = agent.ask(COLLIDER)  # no data needed
    assert ans.kind == "reasoning" and ans.ok and ans.text.startswith("Answer: yes.")
    audit = agent.ask("Audit your last answer")
    assert audit.kind == "audit" and audit.ok and agent.session.get(None, "audit").passed
    assert [e.name for e in agent.session.tool_calls()] == ["answer_causal_question", "audit_last_answer"]
    crit = agent.ask("Check my graph")
    assert crit.kind == "critique" and not crit.ok and "--model local" in crit.text


def test_guided_knowledge_question_uses_the_agents_model():
    model = dag_model(supports_tools=False)  # no native tools: the guided workflow
    agent = Agent(model=model, data=chain_data(200))
    ans = agent.ask("What do you know about how smoke, tar and cancer relate?")
    assert ans.mode == "guided" and ans.ok and "smoke --> tar (p=1.00)" in ans.text and "tar --> cancer" in ans.text
    priors = agent.session.get(None, "priors")
    assert list(priors.variables.names) == ["smoke", "tar", "cancer"]  # only the columns the question named


def test_guided_audit_of_a_real_answer():
    rng = np.random.default_rng(0)
    z = rng.normal(size=500)
    x = (rng.random(500) < 1 / (1 + np.exp(-z))).astype(int)
    df = pd.DataFrame({"z": z, "x": x, "y": 2 * x + z + rng.normal(size=500)})
    agent = Agent(model=None, data=df, graph="z -> x; z -> y; x -> y", n_simulations=3)
    first = agent.ask("What is the effect of x on y using regression?")
    assert first.ok and first.estimate is not None
    audit = agent.ask("Audit your last answer")
    res = agent.session.get(None, "audit")
    assert res.passed and res.claims and audit.text.startswith("All ")


def test_free_tool_loop_calls_an_extension_tool_and_answers():
    s = Session(seed=0)
    s.put("data", anm_pair(), label="pair")
    model = ScriptedModel([
        {"tool": "orient_pair_from_data", "arguments": {"x": "cause", "y": "effect", "method": "anm"}},
        lambda messages, tools: {"tool": "check_agent_answer", "arguments": {  # cites the score it was shown
            "answer": f"The ANM score is {json.loads(messages[-1]['content'])['decisions'][0]['score']}; 12.5 is made up."}},
        {"content": "Additive-noise orientation says cause -> effect (an assumption-laden, data-only reading)."},
    ])
    use_model(s, model)
    messages = [{"role": "user", "content": "Which way does the data point for cause and effect?"}]
    result = run_loop(model, REGISTRY, messages, session=s, summarize=s.render)
    assert result.answer.startswith("Additive-noise orientation") and [st.kind for st in result.steps
                                                                      if st.kind in ("tool", "error")] == ["tool", "tool"]
    tool_msgs = [m for m in model.requests[-1]["messages"] if m["role"] == "tool"]
    first = json.loads(tool_msgs[0]["content"])
    assert first["decisions"][0]["direction"] == "cause -> effect" and first["handle"].startswith("orientation:")
    check = json.loads(tool_msgs[1]["content"])
    assert check["n_numbers"] == 2 and [u["text"] for u in check["unbacked"]] == ["12.5"]
    offered = {t["function"]["name"] for t in model.requests[0]["tools"]}
    assert {"orient_pair_from_data", "ask_causal_knowledge", "audit_last_answer", "answer_causal_question",
            "which_layers_carry"} <= offered


def test_agent_tool_mode_model_asks_itself_for_priors():
    expert = dag_model().default  # the DAG expert's choose callable

    def reply(first, second):
        if isinstance(first, str):  # choose(prompt, options): the knowledge questions
            return expert(first, second)
        return {"content": "The model believes smoke --> tar and tar --> cancer (beliefs, not data findings)."}

    model = ScriptedModel([{"tool": "ask_causal_knowledge", "arguments": {"variables": ["smoke", "tar", "cancer"]}}],
                          default=reply)
    agent = Agent(model=model, data=chain_data(200))
    use_model(agent.session, agent.model)  # what Agent.__init__ should do (see the report); harmless once it does
    ans = agent.ask("What do you know about how smoke, tar and cancer relate?")
    assert ans.mode == "tools" and ans.ok and ans.text.startswith("The model believes")
    priors = agent.session.get(None, "priors")
    assert priors.prob("smoke", "tar") == 1.0 and priors.prob("tar", "smoke") == 0.0 and priors.prob("smoke", "cancer") == 0.0
    assert sum(r["kind"] == "choose" for r in model.requests) == len(priors.answers)
