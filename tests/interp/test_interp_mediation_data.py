"""Component mediation, prompt-pair datasets, model loading and agent tools (tiny models only)."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from causalkit.exceptions import InvalidInputError, UnknownNodeError  # noqa: E402
from causalkit.interp import (  # noqa: E402
    HookedModel,
    PromptPairs,
    component_mediation,
    equal_length,
    factual_recall_pairs,
    greater_than_pairs,
    ioi_pairs,
    load_model,
    load_pairs,
)
from causalkit.results import MediationResult  # noqa: E402


@pytest.fixture(scope="module")
def linear_toy(make_model):
    """GPT-2 made exactly linear in its embeddings: no norms, identity MLP activation, uniform attention."""
    model = make_model("gpt2", seed=3)
    model.config.activation_function = "linear"
    with torch.no_grad():
        for block in model.transformer.h:
            block.ln_1, block.ln_2 = torch.nn.Identity(), torch.nn.Identity()
            block.mlp.act = transformers.activations.ACT2FN["linear"]
            d = model.config.n_embd
            block.attn.c_attn.weight[:, : 2 * d] = 0.0  # queries and keys zero: uniform causal attention
            block.attn.c_attn.bias[: 2 * d] = 0.0
        model.transformer.ln_f = torch.nn.Identity()
    return HookedModel(model)


def test_te_equals_nde_plus_nie_on_linear_toy(linear_toy, make_pairs):
    pairs = make_pairs(n=8, length=6, changed=(1, 4), seed=5)
    for mediators in (["blocks.0.mlp_out"], ["blocks.0.attn.head_out.1", "blocks.1.mlp_out"], ["blocks.1.attn_out"]):
        res = component_mediation(linear_toy, pairs, mediators, n_boot=300, random_state=0)
        te, nde, nie = (np.asarray(res.params["per_pair"][k]) for k in ("te", "nde", "nie"))
        np.testing.assert_allclose(te, nde + nie, atol=1e-4 * max(1.0, np.abs(te).max()))
        assert abs(nie).max() > 1e-3 and abs(nde).max() > 1e-3  # both paths carry something
        assert res.params["interaction"] == pytest.approx(0.0, abs=1e-4 * max(1.0, abs(te).max()))
        assert not any("interact" in w for w in res.total_effect.warnings)


def test_whole_residual_stream_mediates_everything(tiny, pairs):
    res = component_mediation(tiny, pairs, "blocks.1.resid_pre", n_boot=500, random_state=1)
    assert isinstance(res, MediationResult)
    assert res.indirect_effect.value == pytest.approx(res.total_effect.value, abs=1e-5)
    assert res.direct_effect.value == pytest.approx(0.0, abs=1e-5)
    assert res.proportion_mediated == pytest.approx(1.0, abs=1e-5)
    lo, hi = res.total_effect.ci
    assert lo <= res.total_effect.value <= hi and res.total_effect.n_obs == 6
    again = component_mediation(tiny, pairs, "blocks.1.resid_pre", n_boot=500, random_state=1)
    assert again.total_effect.ci == res.total_effect.ci
    # the same set only at the unchanged prefix carries nothing
    prefix = component_mediation(tiny, pairs, "blocks.1.resid_pre", positions=[0, 1], n_boot=100)
    assert prefix.indirect_effect.value == pytest.approx(0.0, abs=1e-6)


def test_mediation_errors(tiny, pairs):
    with pytest.raises(InvalidInputError, match="at least 2 prompt pairs"):
        component_mediation(tiny, pairs.subset([0]), "blocks.0.mlp_out")
    with pytest.raises(UnknownNodeError, match="blocks.0.mlp"):
        component_mediation(tiny, pairs, ["blocks.0.mlp"])


def test_datasets_are_well_formed(tokenizer):
    facts = factual_recall_pairs()
    assert facts.clean[0] == "The Eiffel Tower is in" and facts.corrupted[0] == "The Colosseum is in"
    assert facts.clean_answer[0] == " Paris" and facts.corrupted_answer[0] == " Rome"
    assert all(a != b for a, b in zip(facts.clean_answer, facts.corrupted_answer, strict=False))
    assert len(factual_recall_pairs("capitals")) == 16 and facts.subjects[0] == "Eiffel Tower"
    ioi = ioi_pairs(8, random_state=3)
    for clean, corrupted, a, b in zip(ioi.clean, ioi.corrupted, ioi.clean_answer, ioi.corrupted_answer, strict=False):
        assert a != b and clean.replace(a.strip(), "#").replace(b.strip(), a.strip()).replace("#", b.strip()) == corrupted
        assert clean.count(b.strip()) == 2 and clean.count(a.strip()) == 1  # subject twice, indirect object once
    assert ioi.clean == ioi_pairs(8, random_state=3).clean
    gt = greater_than_pairs(5, random_state=0)
    for clean, corrupted, a, b in zip(gt.clean, gt.corrupted, gt.clean_answer, gt.corrupted_answer, strict=False):
        start = int(clean.split("the year ")[1][2:4])
        assert corrupted.split("the year ")[1][2:4] == "01" and int(a) == start + 10 and int(b) == start - 10
    swapped = facts.swapped()
    assert swapped.clean == facts.corrupted and swapped.clean_answer == facts.corrupted_answer
    with pytest.raises(InvalidInputError, match="same length"):
        PromptPairs(("a", "b"), ("c",), (" x",), (" y",))


def test_equal_length_keeps_aligned_pairs(tokenizer):
    pairs = PromptPairs(("The big tower is in", "The tower is in", "The red house is in"),
                        ("The old arena is in", "The old arena is in", "The blue house is in"),
                        (" Paris",) * 3, (" Rome",) * 3)
    kept = equal_length(pairs, tokenizer)
    assert kept.clean == ("The big tower is in", "The red house is in")
    with pytest.raises(InvalidInputError, match="equal token length"):
        equal_length(pairs.subset([1]), tokenizer)


def test_load_pairs_csv_and_jsonl(tmp_path):
    frame = factual_recall_pairs().to_frame().head(3)
    frame.to_csv(tmp_path / "pairs.csv", index=False)
    with open(tmp_path / "pairs.jsonl", "w") as fh:
        for record in frame.to_dict(orient="records"):
            fh.write(json.dumps(record) + "\n")
    for name in ("pairs.csv", "pairs.jsonl"):
        loaded = load_pairs(tmp_path / name)
        assert loaded.clean == tuple(frame["clean"]) and loaded.clean_answer[0] == " Paris"
        assert loaded.subjects[0] == "Eiffel Tower"
    frame.drop(columns="corrupted_answer").to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InvalidInputError, match="corrupted_answer"):
        load_pairs(tmp_path / "bad.csv")
    (tmp_path / "pairs.txt").write_text("clean")
    with pytest.raises(InvalidInputError, match="Unknown file type"):
        load_pairs(tmp_path / "pairs.txt")


def test_load_model_from_local_directory(tmp_path, make_model, tokenizer):
    model = make_model("gpt2", seed=1)
    model.save_pretrained(tmp_path / "tiny")
    tokenizer.save_pretrained(tmp_path / "tiny")
    hm = load_model(tmp_path / "tiny")
    assert hm.arch.family == "gpt2" and hm.tokenizer is not None and hm.n_layers == 2
    tokens = torch.arange(5)[None]
    np.testing.assert_allclose(hm.logits(tokens).detach().numpy(), model(tokens).logits.detach().numpy(), atol=1e-6)
    with pytest.raises(InvalidInputError, match="neither a known model name"):
        load_model(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInputError, match="no config.json"):
        load_model(tmp_path / "empty")
    with pytest.raises(InvalidInputError, match="dtype"):
        load_model(tmp_path / "tiny", dtype="float99")


def test_agent_tools_on_a_local_model(tmp_path, tiny_text, tokenizer):
    from causalkit.interp.agent_tools import mediation_through, trace_fact, which_layers_carry

    tiny_text.model.save_pretrained(tmp_path / "m")
    tokenizer.save_pretrained(tmp_path / "m")
    path = str(tmp_path / "m")
    out = which_layers_carry("The big tower is in", "The old arena is in", "Paris", "Rome", model=path)
    assert set(out["effect_by_layer_last_position"]) == {0, 1} and out["positions"][1] == "1: big/old"
    assert out["effect_by_layer_last_position"][1] is not None and "summary" in out
    json.dumps(out)  # JSON-friendly
    traced = trace_fact("The big tower is in", "big tower", "Paris", model=path, n_samples=2)
    assert traced["positions"][1] == "1: big*" and json.dumps(traced)
    med = mediation_through("The big tower is in", "The old arena is in", "Paris", "Rome", ["blocks.1.resid_pre"],
                            model=path)
    assert med["indirect_effect"] == pytest.approx(med["total_effect"], abs=1e-4) and med["direct_effect"] == 0.0
