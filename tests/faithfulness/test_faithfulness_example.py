"""The faithfulness example runs and shows the planted difference."""

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "faithfulness_audit.py"


def test_example_runs(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("faithfulness_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reports = module.main(["--n-items", "12", "--out", str(tmp_path / "audit.md")])
    assert reports["faithful"].score("early", "aoc") > 0.5 and reports["unfaithful"].score("early", "aoc") == 0.0
    assert (tmp_path / "audit_faithful.md").is_file() and (tmp_path / "audit_unfaithful.png").is_file()
    out = capsys.readouterr().out
    assert "FLAG number  40%" in out
