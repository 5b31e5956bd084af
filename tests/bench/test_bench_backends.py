"""Backends through the harness: scripted models, the agent loop, the resumable cache, the CLI."""

import json

import pytest

from agent.testing import ScriptedModel
from causalkit.bench import (
    AgentBackend,
    Item,
    ModelBackend,
    ResponseCache,
    SolverBackend,
    extract_yes_no,
    generate_corr2cause,
    run_benchmark,
    write_jsonl,
)
from causalkit.bench.cli import main


def _items():
    return [Item(str(k), f"Question {k}?", ans, {"category": cat}) for k, (ans, cat) in
            enumerate([("yes", "a"), ("no", "a"), ("yes", "b"), ("no", "b")])]


def test_extract_yes_no():
    assert extract_yes_no("blah\nAnswer: no") == "no"
    assert extract_yes_no("**Answer:** Yes.") == "yes"
    assert extract_yes_no("yes... no, wait: yes") == "yes"
    assert extract_yes_no("I am not sure") is None


def test_scripted_model_backend_scores_and_tokens():
    replies = [{"content": "Answer: yes", "usage": {"total_tokens": 10}}, {"content": "Answer: yes", "usage": {"total_tokens": 12}},
               {"content": "no", "usage": {"total_tokens": 5}}, {"content": "hmm", "usage": {"total_tokens": 7}}]
    model = ScriptedModel(replies, name="scripted")
    rep = run_benchmark(_items(), ModelBackend(model), progress=False, n_boot=100)
    # predictions: yes, yes, no, None -> correct: item0 only (item3 gold no but unanswered)
    assert rep.metrics["accuracy"] == pytest.approx(0.25) and rep.metrics["n_invalid"] == 1
    assert rep.metrics["f1"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 1))
    assert rep.tokens["total_tokens"] == 34
    assert rep.baselines["always_no"]["accuracy"] == 0.5
    assert "always-no" in rep.summary() and set(rep.categories["category"]) == {"a", "b"}
    assert model.requests[0]["messages"][1]["content"] == "Question 0?"


def test_cache_resumes_an_interrupted_run(tmp_path):
    cache_path = tmp_path / "cache.jsonl"
    first = ScriptedModel(["Answer: yes", "Answer: no"], name="m")  # runs out after two items
    backend = ModelBackend(first, cache=ResponseCache(cache_path))
    partial = run_benchmark(_items(), backend, progress=False, n_boot=20)
    assert partial.metrics["n_invalid"] == 2  # the script was exhausted: those items failed
    with cache_path.open("a") as f:
        f.write('{"key": "torn')  # a write interrupted by a crash
    second = ScriptedModel(["Answer: yes", "Answer: no"], name="m")
    resumed = run_benchmark(_items(), ModelBackend(second, cache=ResponseCache(cache_path)), progress=False, n_boot=20)
    assert len(second.requests) == 2  # only the two missing items reached the model
    assert resumed.metrics["accuracy"] == 1.0 and int(resumed.predictions["cached"].sum()) == 2
    third = ScriptedModel([], name="m")
    again = run_benchmark(_items(), ModelBackend(third, cache=ResponseCache(cache_path)), progress=False, n_boot=20)
    assert not third.requests and again.metrics["accuracy"] == 1.0
    other = ScriptedModel(["Answer: no"] * 4, name="other-model")  # another model: other keys
    run_benchmark(_items(), ModelBackend(other, cache=ResponseCache(cache_path)), progress=False, n_boot=20)
    assert len(other.requests) == 4


def test_agent_backend_calls_the_reasoning_tools():
    items = generate_corr2cause(4, min_nodes=3, max_nodes=3, random_state=3)

    def call_tool(messages, tools):
        assert any(t["function"]["name"] == "answer_causal_question" for t in tools)
        return {"tool": "answer_causal_question", "arguments": {"question": messages[1]["content"]}}

    def final(messages, tools):
        result = json.loads(messages[-1]["content"])
        return {"content": f"The tool derived it.\nAnswer: {result['answer']}"}

    model = ScriptedModel([call_tool, final] * len(items), name="scripted-agent")
    rep = run_benchmark(items, AgentBackend(model), progress=False, n_boot=20)
    assert rep.metrics["accuracy"] == 1.0 and rep.backend == "agent+scripted-agent"


def test_solver_backend_reports_errors_as_invalid():
    items = [Item("bad", "What is the meaning of life?", "no")] + generate_corr2cause(5, max_nodes=3, random_state=1)
    rep = run_benchmark(items, SolverBackend(), progress=False, n_boot=20)
    assert rep.metrics["n_invalid"] == 1
    assert rep.predictions.loc[0, "error"].startswith("CladderParseError")
    assert rep.metrics["accuracy"] == pytest.approx(5 / 6)


def test_cli_generate_and_run(tmp_path, capsys):
    out = tmp_path / "c2c.jsonl"
    assert main(["generate", "corr2cause", "-n", "40", "--max-nodes", "4", "-o", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 40
    preds, report = tmp_path / "preds.jsonl", tmp_path / "report.json"
    assert main(["run", str(out), "--n-boot", "50", "--no-progress", "--output", str(preds), "--report", str(report)]) == 0
    text = capsys.readouterr().out
    assert "accuracy" in text and "always-no" in text
    assert json.loads(report.read_text())["metrics"]["accuracy"] == 1.0
    assert len(preds.read_text().splitlines()) == 40
    assert main(["run", str(tmp_path / "missing.jsonl"), "--no-progress"]) == 2
    assert main(["run", str(out), "--backend", "model", "--no-progress"]) == 2  # no --model
    cl = tmp_path / "cl.jsonl"
    assert main(["generate", "cladder", "-n", "10", "--queries", "ate", "nie", "-o", str(cl)]) == 0
    write_jsonl([], tmp_path / "empty.jsonl")
    assert main(["run", str(tmp_path / "empty.jsonl"), "--no-progress"]) == 2
