"""Attribution patching, causal tracing, path patching and subspace interventions on tiny models."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from causalkit.exceptions import InvalidInputError, UnknownNodeError  # noqa: E402
from causalkit.interp import (  # noqa: E402
    HookedModel,
    PromptPairs,
    activation_patching,
    agreement,
    attribution_patching,
    causal_tracing,
    fit_das,
    illusion_check,
    path_patching,
    subspace_patching,
)
from causalkit.interp.subspace import _verdict  # noqa: E402


@pytest.fixture(scope="module")
def near_linear(make_model, make_pairs):
    """A model whose corrupted tokens have embeddings within 1e-3 of the clean ones: a first-order regime."""
    model = make_model("llama", seed=5)
    pairs = make_pairs(n=5, length=6, changed=(1, 3), seed=2)
    emb = model.get_input_embeddings().weight
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for clean, corrupted in zip(pairs.clean, pairs.corrupted, strict=False):
            for a, b in zip(clean, corrupted, strict=False):
                if a != b:
                    emb[b] = emb[a] + 1e-3 * torch.randn(emb.shape[1], generator=g)
    return HookedModel(model), pairs


@pytest.mark.parametrize("component", ["resid_pre", "attn_out", "mlp_out", "head_out"])
def test_attribution_agrees_with_real_patching_when_near_linear(near_linear, component):
    hm, pairs = near_linear
    attr = attribution_patching(hm, pairs, component=component, n_boot=0)
    real = activation_patching(hm, pairs, component=component, n_boot=0)
    stats = agreement(attr, real)
    assert stats["pearson"] > 0.99 and stats["top_k_overlap"] >= 0.8
    scale = np.abs(real.per_prompt - real.corrupted_per_prompt[:, None, None]).max()
    assert np.abs(attr.per_prompt - real.per_prompt).max() < 0.05 * scale


def test_attribution_noising_and_agreement_errors(tiny, pairs):
    attr = attribution_patching(tiny, pairs, mode="noising", n_boot=0)
    expected = np.broadcast_to(attr.clean_per_prompt[:, None, None], (6, 2, 2))
    np.testing.assert_allclose(attr.per_prompt[:, :, :2], expected, atol=1e-6)  # identical prefix: no change
    heads = attribution_patching(tiny, pairs, component="head_out", n_boot=0)
    with pytest.raises(InvalidInputError, match="grids differ"):
        agreement(attr, heads)
    assert all(p.requires_grad for p in tiny.model.parameters())  # parameters unfrozen afterwards


def test_causal_tracing_identities(tiny):
    tokens = torch.randint(0, 64, (2, 6), generator=torch.Generator().manual_seed(8))
    kwargs = dict(subject_token_positions=[1, 2], answers=[5, 9], n_samples=4, n_boot=0, random_state=1)
    states = causal_tracing(tiny, tokens, **kwargs)
    assert states.effect.shape == (2, 6) and states.col_labels[1].endswith("*")
    assert states.effect[-1, -1] == pytest.approx(1.0, abs=1e-5)  # restoring the final state restores all
    np.testing.assert_allclose(states.indirect_effect[:, 0], 0.0, atol=1e-7)  # before the subject: unchanged
    assert states.clean_value > 0 and states.corrupted_value != states.clean_value
    again = causal_tracing(tiny, tokens, **kwargs)
    np.testing.assert_array_equal(states.values, again.values)
    for component in ["resid_post", "mlp_out", "attn_out"]:
        batched = causal_tracing(tiny, tokens, component=component, window=2, **kwargs)
        loop = causal_tracing(tiny, tokens, component=component, window=2, method="loop", **kwargs)
        np.testing.assert_allclose(batched.values, loop.values, atol=1e-6)
    quiet = causal_tracing(tiny, tokens, noise_scale=0.0, **kwargs)
    np.testing.assert_allclose(quiet.values, quiet.clean_value, atol=1e-6)
    assert any("noise lowers" in w for w in quiet.warnings)


def test_causal_tracing_finds_subject_tokens_from_text(tiny_text):
    res = causal_tracing(tiny_text, "The big tower is in", "big tower", " Paris", n_samples=3, n_boot=0)
    assert res.params["subject_positions"] == [[1, 2]]
    assert res.col_labels == ("0: The", "1: big*", "2: tower*", "3: is", "4: in")
    with pytest.raises(InvalidInputError, match="does not occur"):
        causal_tracing(tiny_text, "The big tower is in", "arena")


def test_path_patching_matches_activation_patching_where_paths_are_all_paths(tiny, pairs):
    last = tiny.n_layers - 1
    # the last MLP reaches the logits only directly
    via_logits = path_patching(tiny, pairs, senders=[f"blocks.{last}.mlp_out", "blocks.0.mlp_out"],
                               receivers="logits", n_boot=0)
    full = activation_patching(tiny, pairs, component="mlp_out", layers=[last], n_boot=0)
    whole = _patch_all_positions(tiny, pairs, f"blocks.{last}.mlp_out")
    np.testing.assert_allclose(via_logits.per_prompt[:, 0, 0], whole, atol=1e-5)
    assert full.per_prompt.shape[2] == 7
    # a head of the last layer reaches the logits directly and through that layer's MLP only
    heads = path_patching(tiny, pairs, senders="heads", receivers=[f"blocks.{last}.mlp_out", "logits"], n_boot=0)
    real = activation_patching(tiny, pairs, component="head_out", layers=[last], n_boot=0)
    np.testing.assert_allclose(heads.per_prompt[:, last], real.per_prompt[:, 0], atol=1e-5)
    # a head receiver at layer 1 only hears senders of layer 0
    to_head = path_patching(tiny, pairs, senders="heads", receivers="blocks.1.attn.head_out.2", n_boot=0)
    assert np.isnan(to_head.effect[1]).all() and np.isfinite(to_head.effect[0]).all()
    assert any("not upstream" in w for w in to_head.warnings)


def _patch_all_positions(hm, pairs, name):
    from causalkit.interp._common import baselines, encode_pairs

    enc = encode_pairs(hm, pairs)
    base = baselines(hm, enc, "logit_diff", [name])
    with torch.no_grad():
        logits = hm._run(enc.corrupted, fwd_hooks=[(name, lambda x, n: base.clean_cache[name])])
    return base.metric_fn(logits, torch.arange(enc.n)).numpy()


def test_path_patching_errors(tiny, pairs):
    with pytest.raises(InvalidInputError, match="only be a receiver"):
        path_patching(tiny, pairs, senders=["logits"])
    with pytest.raises(InvalidInputError, match="cannot be a path-patching sender"):
        path_patching(tiny, pairs, senders=["blocks.0.resid_pre"])
    with pytest.raises(UnknownNodeError, match="blocks.7.mlp_out"):
        path_patching(tiny, pairs, receivers=["blocks.7.mlp_out"])


def test_full_rank_subspace_equals_position_patching(tiny, pairs):
    full = activation_patching(tiny, pairs, component="resid_pre", layers=[1], positions=[6], n_boot=0)
    sub = subspace_patching(tiny, pairs, "blocks.1.resid_pre", np.eye(32), position=-1, n_boot=0)
    np.testing.assert_allclose(sub.per_prompt[:, 0, 0], full.per_prompt[:, 0, 0], atol=1e-5)
    with pytest.raises(InvalidInputError, match="32 rows"):
        subspace_patching(tiny, pairs, "blocks.1.resid_pre", np.ones(5))
    with pytest.raises(InvalidInputError, match="Subspace interventions support"):
        subspace_patching(tiny, pairs, "blocks.1.attn.head_out", np.ones(32))


def test_illusion_check_splits_rowspace_and_nullspace(tiny, pairs):
    w_out = tiny.W_out(0).detach().double()  # (d_mlp, d_model): the MLP output reads this column space
    q, _ = torch.linalg.qr(w_out, mode="complete")
    d_model = w_out.shape[1]
    null, row = q[:, d_model + 3], q[:, 0]
    assert float((null @ w_out).abs().max()) < 1e-10
    dead = subspace_patching(tiny, pairs, "blocks.0.mlp_hidden", null.numpy(), n_boot=0)
    np.testing.assert_allclose(dead.per_prompt[:, 0, 0], dead.corrupted_per_prompt, atol=1e-5)
    check = illusion_check(tiny, pairs, "blocks.0.mlp_hidden", (0.8 * null + 0.6 * row).numpy())
    assert check["nullspace_fraction"] == pytest.approx(0.64, abs=1e-9)
    assert check["effect_nullspace"] == pytest.approx(0.0, abs=1e-4)
    assert check["verdict"] in {"consistent", "possible illusion", "dormant direction"}
    resid = illusion_check(tiny, pairs, "blocks.1.resid_pre", np.eye(32)[:, :1])
    assert resid["nullspace_fraction"] is None and resid["effect_rowspace"] == resid["effect_full"]


def test_illusion_verdict_rules():
    base = dict(effect_full=0.8, effect_rowspace=0.1, nullspace_fraction=0.9, rowspace_spread=1.0)
    assert _verdict(base)["verdict"] == "possible illusion"
    assert _verdict({**base, "effect_rowspace": 0.7})["verdict"] == "consistent"
    assert _verdict({**base, "nullspace_fraction": None, "rowspace_spread": 0.01})["verdict"] == "dormant direction"


def test_das_learns_a_direction_that_moves_the_answer(make_model, make_pairs):
    hm = HookedModel(make_model("llama", seed=2))
    pairs = make_pairs(n=12, length=6, changed=(2,), seed=9)
    res = fit_das(hm, pairs, "blocks.1.resid_pre", steps=25, lr=0.05, random_state=0)
    assert res.direction.shape == (32, 1)
    np.testing.assert_allclose(res.direction.T @ res.direction, np.eye(1), atol=1e-5)
    assert res.losses[-1] < res.losses[0]
    assert res.train.n_prompts == 9 and res.test.n_prompts == 3
    assert res.illusion["verdict"] in {"consistent", "possible illusion", "dormant direction"}
    assert "DAS subspace" in res.summary()
    with pytest.raises(InvalidInputError, match="at least 2 training"):
        fit_das(hm, pairs.subset([0, 1, 2]), "blocks.1.resid_pre")


def test_text_pairs_tokenized_through_same_paths(tiny_text):
    pairs = PromptPairs(("The big tower is in",) * 2, ("The old arena is in",) * 2, (" Paris",) * 2, (" Rome",) * 2)
    res = path_patching(tiny_text, pairs, senders=["blocks.0.mlp_out"], receivers="logits", n_boot=0)
    assert res.row_labels == ("blocks.0.mlp_out",) and res.effect.shape == (1, 1)
