"""The Corr2Cause example script runs and reports a perfect score on generated items."""

import importlib.util
from pathlib import Path


def test_corr2cause_example_runs(capsys):
    path = Path(__file__).resolve().parents[2] / "examples" / "corr2cause_solver.py"
    spec = importlib.util.spec_from_file_location("corr2cause_solver_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["-n", "60", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "Answer: yes" in out and "accuracy        1.000" in out and "always-no" in out
