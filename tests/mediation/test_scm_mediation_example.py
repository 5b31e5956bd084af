"""The examples/scm_mediation.py tour runs and its headline numbers match the simulator's truth."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scm_mediation.py"


def test_example_runs_and_recovers_truth(capsys):
    spec = importlib.util.spec_from_file_location("scm_mediation_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(n=1500, seed=1, n_boot=40)
    printed = capsys.readouterr().out
    assert "Mediation of training -> skills -> earnings" in printed
    assert out["nde"] == pytest.approx(out["nde_true"], abs=0.5)
    assert out["nie"] == pytest.approx(out["nie_true"], abs=0.6)
    assert out["ate"] == pytest.approx(out["nde_true"] + out["nie_true"], abs=0.8)
