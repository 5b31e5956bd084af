"""examples/priors.py runs end to end: the priors fix the orientations the data leave open."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "priors.py"


def test_priors_example_runs(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("causalkit_example_priors", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    metrics = module.main(["--n-samples", "3000", "--out", str(tmp_path)])
    assert metrics["shd_data_only"] == 3 and metrics["shd_soft"] == 0  # soft priors orient the 3 open edges
    assert metrics["shd_hard"] == 1 and metrics["n_conflicts_soft"] == 1  # the expert's wrong edge is reported
    assert (tmp_path / "priors_cache.jsonl").exists()
    assert "disagreements between data and knowledge" in capsys.readouterr().out
