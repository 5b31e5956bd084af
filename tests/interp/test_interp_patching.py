"""Activation patching: identities, batched engine == per-cell loop, errors, results and plots."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from causalkit.exceptions import InvalidInputError  # noqa: E402
from causalkit.interp import PatchingResult, PromptPairs, activation_patching  # noqa: E402

COMPONENTS = ["resid_pre", "resid_post", "attn_out", "mlp_out", "mlp_hidden", "head_out"]


@pytest.mark.parametrize("component", COMPONENTS)
@pytest.mark.parametrize("mode", ["denoising", "noising"])
def test_batched_sweep_equals_per_cell_loop(tiny, pairs, component, mode):
    batched = activation_patching(tiny, pairs, component=component, mode=mode, max_rows=17, n_boot=0)
    loop = activation_patching(tiny, pairs, component=component, mode=mode, method="loop", n_boot=0)
    assert batched.per_prompt.shape == (6, 2, 4 if component == "head_out" else 7)
    np.testing.assert_allclose(batched.per_prompt, loop.per_prompt, atol=1e-5)
    assert np.ptp(batched.per_prompt) > 1e-3  # the patches do change the metric


def test_batched_equals_loop_for_heads_at_some_positions_and_other_metrics(tiny, make_pairs):
    pairs = make_pairs(n=4, length=8, changed=(1, 5), seed=4)
    for metric in ["prob", "kl"]:
        for kwargs in [dict(component="head_out", positions=[5, 7]), dict(component="resid_pre", layers=[1])]:
            a = activation_patching(tiny, pairs, metric=metric, n_boot=0, **kwargs)
            b = activation_patching(tiny, pairs, metric=metric, n_boot=0, method="loop", **kwargs)
            np.testing.assert_allclose(a.per_prompt, b.per_prompt, atol=1e-6)


def test_patching_clean_into_clean_changes_nothing(tiny, pairs):
    same = PromptPairs(pairs.clean, pairs.clean, pairs.clean_answer, pairs.corrupted_answer)
    for component in ["resid_pre", "attn_out", "head_out"]:
        res = activation_patching(tiny, same, component=component, n_boot=0)
        np.testing.assert_allclose(res.per_prompt, np.broadcast_to(res.clean_per_prompt[:, None, None],
                                                                   res.per_prompt.shape), atol=1e-5)
        assert np.isnan(res.effect).all() and any("undefined" in w for w in res.warnings)
    kl = activation_patching(tiny, same, metric="kl", n_boot=0)
    np.testing.assert_allclose(kl.per_prompt, 0.0, atol=1e-6)


def test_full_restoration_has_effect_one_and_untouched_prefix_zero(tiny, pairs):
    res = activation_patching(tiny, pairs, component="resid_post", n_boot=0)
    # the last layer's output at the last position determines the logits: full recovery
    assert res.effect[-1, -1] == pytest.approx(1.0, abs=1e-5)
    # positions before the first changed token are identical in both runs: patching them does nothing
    np.testing.assert_allclose(res.effect[:, :2], 0.0, atol=1e-6)
    noising = activation_patching(tiny, pairs, component="resid_post", mode="noising", n_boot=0)
    assert noising.effect[-1, -1] == pytest.approx(0.0, abs=1e-5)
    np.testing.assert_allclose(noising.effect[:, :2], 1.0, atol=1e-6)


def test_results_carry_labels_intervals_and_frames(tiny, pairs):
    res = activation_patching(tiny, pairs, n_boot=200, random_state=3)
    again = activation_patching(tiny, pairs, n_boot=200, random_state=3)
    np.testing.assert_array_equal(res.ci_low, again.ci_low)
    finite = np.isfinite(res.effect) & (np.abs(res.effect) > 1e-3)
    assert (res.ci_low[finite] <= res.ci_high[finite]).all()
    assert isinstance(res, PatchingResult) and res.row_labels == ("0", "1")
    assert res.col_labels[2].startswith("2: #") and "/" in res.col_labels[2]  # changed token shows both ids
    frame = res.to_frame()
    assert len(frame) == 14 and {"layer", "position", "effect", "ci_lower", "ci_upper"} <= set(frame.columns)
    assert "activation_patching of resid_pre" in res.summary()
    assert res.to_dict()["effect"] == res.effect.tolist()
    assert res.top(3)["effect"].abs().is_monotonic_decreasing


def test_plots_write_png_and_standalone_html(tiny, pairs, tmp_path):
    res = activation_patching(tiny, pairs, component="head_out", n_boot=0)
    png = tmp_path / "heads.png"
    fig = res.plot(png)
    assert png.read_bytes()[:4] == b"\x89PNG" and fig.axes[0].get_xlabel() == "head"
    html = res.to_html(tmp_path / "heads.html")
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html
    assert (tmp_path / "heads.html").read_text().count("<img") == 1


def test_unequal_lengths_and_bad_arguments_raise(tiny, tiny_text, pairs):
    bad = PromptPairs(("The big tower is in",), ("The tower is in",), (" Paris",), (" Rome",))
    with pytest.raises(InvalidInputError, match="Pair 0.*5 tokens.*4"):
        activation_patching(tiny_text, bad)
    mixed = PromptPairs(("The big tower is in", "The tower is in"), ("The old arena is in", "The arena is in"),
                        (" Paris", " Paris"), (" Rome", " Rome"))
    with pytest.raises(InvalidInputError, match="different token lengths"):
        activation_patching(tiny_text, mixed)
    with pytest.raises(InvalidInputError, match="component"):
        activation_patching(tiny, pairs, component="attention")
    with pytest.raises(InvalidInputError, match="Layer 5"):
        activation_patching(tiny, pairs, layers=[5])
    with pytest.raises(InvalidInputError, match="Position 9"):
        activation_patching(tiny, pairs, positions=[9])
    with pytest.raises(InvalidInputError, match="Head"):
        activation_patching(tiny, pairs, component="head_out", heads=[4])
    with pytest.raises(InvalidInputError, match="metric"):
        activation_patching(tiny, pairs, metric="accuracy")
    with pytest.raises(InvalidInputError, match="HookedModel"):
        activation_patching(object(), pairs)


def test_text_prompts_on_word_level_model(tiny_text):
    pairs = PromptPairs(("The big tower is in", "The red house is in"), ("The old arena is in", "The blue house is in"),
                        (" Paris", " Paris"), (" Rome", " Rome"))
    res = activation_patching(tiny_text, pairs, n_boot=0)
    assert res.col_labels == ("0: The", "1: big/old", "2: tower/arena", "3: is", "4: in")
    loop = activation_patching(tiny_text, pairs, n_boot=0, method="loop")
    np.testing.assert_allclose(res.per_prompt, loop.per_prompt, atol=1e-5)


def test_qwen2_family_supported(pairs):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    cfg = transformers.Qwen2Config(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                   initializer_range=0.3)
    from causalkit.interp import HookedModel

    hm = HookedModel(transformers.Qwen2ForCausalLM(cfg))
    assert hm.arch.family == "qwen2"
    for component in ["resid_pre", "head_out", "mlp_out"]:
        a = activation_patching(hm, pairs, component=component, n_boot=0)
        b = activation_patching(hm, pairs, component=component, n_boot=0, method="loop")
        np.testing.assert_allclose(a.per_prompt, b.per_prompt, atol=1e-5)
    _, cache = hm.run_with_cache(torch.arange(5)[None])
    summed = hm.head_contributions(1, cache["blocks.1.attn.head_out"]).sum(2) + hm.b_O(1)
    np.testing.assert_allclose(summed.detach().numpy(), cache["blocks.1.attn_out"].numpy(), atol=1e-5)
