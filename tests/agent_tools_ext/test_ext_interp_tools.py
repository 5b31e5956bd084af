"""Interp tools on a tiny random Llama saved to disk: known truths of activation patching and tracing."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from _ext_tools_helpers import save_tiny_lm  # noqa: E402

from agent.exceptions import ToolInputError  # noqa: E402
from agent.session import Session  # noqa: E402
from agent.tools import INTERP_TOOLS, REGISTRY  # noqa: E402
from agent.tools import interp as interp_tools  # noqa: E402

PAIR = {"subject_prompt": "The big tower is in", "other_prompt": "The red tower is in", "answer": "Paris",
        "other_answer": "Rome"}


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return save_tiny_lm(tmp_path_factory.mktemp("tiny_lm"))


def test_interp_tools_are_registered():
    from causalkit.interp.agent_tools import __all__ as names

    assert interp_tools.SKIPPED == {} and set(names) == set(INTERP_TOOLS)
    assert "model" in REGISTRY.get("which_layers_carry").schema["parameters"]["properties"]


def test_which_layers_carry_known_cells(tiny_dir):
    s = Session(allowed_paths=[tiny_dir])
    out = REGISTRY.call("which_layers_carry", {**PAIR, "model": tiny_dir}, session=s)
    # the prompts differ only at position 1: patching its layer-0 input reproduces the subject run exactly,
    # and the last position's layer-0 input is the same token in both prompts (no effect)
    assert out["top_cells"][0] == {"layer": 0, "position": "1: big/red", "effect": 1.0}
    assert out["effect_by_layer_last_position"][0] == 0.0
    assert out["positions"] == ["0: The", "1: big/red", "2: tower", "3: is", "4: in"]
    assert s.objects[out["handle"]].kind == "interp" and len(s.render(out)) < 2000
    json.dumps(out)
    med = REGISTRY.call("mediation_through", {"clean_prompt": PAIR["subject_prompt"],
                                              "corrupted_prompt": PAIR["other_prompt"], "answer": "Paris",
                                              "other_answer": "Rome", "mediators": ["blocks.1.resid_post"],
                                              "model": tiny_dir}, session=s)
    # everything flows through the last residual stream; the total is the clean - corrupted logit difference
    assert med["direct_effect"] == pytest.approx(0.0, abs=1e-3) and med["proportion_mediated"] == pytest.approx(1.0, abs=1e-3)
    assert med["total_effect"] == pytest.approx(out["clean_logit_diff"] - out["corrupted_logit_diff"], abs=1e-3)
    tr = REGISTRY.call("trace_fact", {"prompt": PAIR["subject_prompt"], "subject": "big", "answer": "Paris",
                                      "model": tiny_dir, "n_samples": 3}, session=s)
    best = tr["top_restorations"][0]  # restoring the last layer at the last position restores everything
    assert (best["layer"], best["position"]) == (1, "4: in")
    assert best["indirect_effect"] == pytest.approx(tr["clean_probability"] - tr["noised_probability"], abs=2e-4)


def test_a_model_path_the_user_did_not_give_is_refused(tiny_dir):
    s = Session()
    with pytest.raises(ToolInputError, match="File access refused"):
        REGISTRY.call("which_layers_carry", {**PAIR, "model": tiny_dir}, session=s)
    assert s.tool_calls()[-1].ok is False
    with pytest.raises(ToolInputError, match="component"):
        REGISTRY.call("which_layers_carry", {**PAIR, "model": tiny_dir, "component": "everything"}, session=s)
