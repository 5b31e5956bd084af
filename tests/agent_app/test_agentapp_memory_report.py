"""Conversation memory across turns; reports, the reproduce script and replay."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _agent_app_helpers import GRAPH

from agent import Agent, build_report, reproduce_script


def test_memory_across_turns(sim_df):
    agent = Agent(model=None, data=sim_df, n_simulations=10)
    agent.set_graph("z -> x; z -> y; x -> y; x -> m")  # w is not in this graph
    first = agent.ask("What is the effect of x on y?")
    assert set(first.estimate.adjustment_set) == {"z"}
    second = agent.ask("now adjust for w too")
    assert second.kind == "followup" and set(second.estimate.adjustment_set) == {"z", "w"}
    assert (second.estimate.treatment, second.estimate.outcome) == ("x", "y")
    assert second.estimate.stderr < first.estimate.stderr  # w explains outcome variance
    third = agent.ask("what about the ATT, with the graph from before?")
    assert third.estimate.estimand == "ATT" and set(third.estimate.adjustment_set) == {"z", "w"}
    assert third.handles.get("graph") is None  # no new graph: the previous one was reused
    assert third.identification is not None and agent.session.current["graph"] == "graph:user"


def test_adjusting_for_a_descendant_is_refused(sim_df):
    agent = Agent(model=None, data=sim_df, graph=GRAPH, n_simulations=10)
    agent.ask("effect of x on y")
    ans = agent.ask("now adjust for m too")
    assert not ans.ok and "Refusing to adjust for \"m\"" in ans.text


def test_adjust_only_replaces_the_set_and_is_checked_against_the_graph(sim_df):
    agent = Agent(model=None, data=sim_df, graph=GRAPH, n_simulations=10)
    first = agent.ask("effect of x on y")
    assert set(first.estimate.adjustment_set) == {"z", "w"}  # the O-set keeps the precision variable w
    again = agent.ask("now adjust for z too")
    assert "already in the adjustment set" in again.text and again.estimate.value == first.estimate.value
    only_w = agent.ask("now adjust for w only")  # leaves x <- z -> y open
    assert not only_w.ok and "not valid in the current graph" in only_w.text
    only_z = agent.ask("adjust only for z")
    assert only_z.ok and set(only_z.estimate.adjustment_set) == {"z"}
    assert abs(only_z.estimate.value - 2.0) < 4 * only_z.estimate.stderr
    assert only_z.estimate.stderr > first.estimate.stderr  # dropping w costs precision


@pytest.mark.parametrize("given", ["frame", "csv"])
def test_report_and_reproduce_script_give_the_same_number(tmp_path, sim_df, sim_csv, given):
    data = sim_df if given == "frame" else str(sim_csv)
    agent = Agent(model=None, data=data, graph=GRAPH, n_simulations=10, seed=7)
    ans = agent.ask("Does x raise y?")
    path = agent.save(tmp_path / "out" / "report.md")
    text = path.read_text()
    for needle in ("## Causal graph", "## Identification", "## Estimate", "## Refutations", "## Decisions",
                   "## Tool calls", "report_graph.png", "Seed: 7", "backdoor"):
        assert needle in text
    assert (tmp_path / "out" / "report_graph.png").stat().st_size > 1000
    script = tmp_path / "out" / "report_reproduce.py"
    assert script.read_text() == reproduce_script(agent.session, data_file=str(tmp_path / "out" / "report_data.csv")
                                                  if given == "frame" else None)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    values = dict(line.split(" ", 1) for line in out.stdout.splitlines() if line.startswith(("VALUE", "STDERR")))
    assert float(values["VALUE"]) == ans.estimate.value  # exactly, not approximately
    assert float(values["STDERR"]) == ans.estimate.stderr
    assert "placebo_treatment: PASS" in out.stdout


def test_html_report_and_replay(sim_df):
    agent = Agent(model=None, data=sim_df, graph=GRAPH, n_simulations=10)
    agent.ask("effect of x on y")
    html = build_report(agent.session, "html")
    assert html.startswith("<!DOCTYPE html>") and "<table>" in html and "&lt;" not in html.split("<body>")[0]
    rows = agent.replay()
    assert [r["tool"] for r in rows] == ["set_graph", "describe_data", "identify", "estimate", "refute"]
    assert all(r["same"] for r in rows)


def test_report_without_estimate_says_so():
    from agent import Session

    assert "nothing to reproduce" in build_report(Session())
