"""examples/discovery.py runs end to end and its numbers are sane."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "discovery.py"


def _load():
    spec = importlib.util.spec_from_file_location("causalkit_example_discovery", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_runs_fast_on_asia(tmp_path):
    out = tmp_path / "fig" / "asia.png"
    metrics = _load().main(["--network", "asia", "--n-samples", "2000", "--second", "fci", "--out", str(out)])
    assert out.exists() and out.stat().st_size > 10_000
    assert set(metrics) == {"pc", "fci"}
    assert metrics["pc"]["skeleton_precision"] == 1.0  # every edge PC keeps is a true edge


@pytest.mark.slow
def test_example_default_run_recovers_sachs_with_ges(tmp_path):
    out = tmp_path / "sachs.png"
    metrics = _load().main(["--out", str(out)])
    assert out.exists()
    assert metrics["ges"]["shd"] <= 2 and metrics["pc"]["skeleton_f1"] >= 0.9
