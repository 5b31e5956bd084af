"""Suffix-only recomputation in the batched patching engine.

A copy patched at position ``p`` runs only positions ``p..T-1`` and attends to the base run's
cached keys/values of positions ``< p``. These tests check that this path is taken and that it
gives the same numbers as the full-length batched engine (``reuse_prefix=False``) and the per-cell
loop, for every (layer, position) component, both modes, on Llama, Qwen2 and GPT-2 style models.
"""

import functools

import numpy as np
import pytest
import torch
import transformers
from _interp_helpers import random_pairs

import causalkit.interp.patching as patching_mod
from causalkit.interp import HookedModel, activation_patching
from causalkit.interp._engine import POSITION_KINDS, keys_values, sweep

ATOL = 1e-5


def _tiny_qwen2(seed: int = 0):
    torch.manual_seed(seed)
    cfg = transformers.Qwen2Config(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                                   num_attention_heads=4, num_key_value_heads=2, initializer_range=0.3,
                                   max_position_embeddings=64)
    return transformers.Qwen2ForCausalLM(cfg).eval()


@pytest.fixture(scope="module")
def qwen2():
    return HookedModel(_tiny_qwen2())


def _count_run_tokens(monkeypatch, model):
    """Record (tokens processed, kv cache given) of every forward pass of ``model``."""
    calls = []
    original = HookedModel._run

    def spy(self, tokens, **kwargs):
        if self is model:
            calls.append((int(tokens.shape[1]), kwargs.get("kv_cache") is not None))
        return original(self, tokens, **kwargs)

    monkeypatch.setattr(HookedModel, "_run", spy)
    return calls


def _three_ways(monkeypatch, model, pairs, **kwargs):
    """Per-prompt results of the suffix engine, the full-length engine and the per-cell loop."""
    suffix = activation_patching(model, pairs, n_boot=0, **kwargs).per_prompt
    with monkeypatch.context() as m:
        m.setattr(patching_mod, "sweep", functools.partial(sweep, reuse_prefix=False))
        full = activation_patching(model, pairs, n_boot=0, **kwargs).per_prompt
    loop = activation_patching(model, pairs, n_boot=0, method="loop", **kwargs).per_prompt
    return suffix, full, loop


@pytest.mark.parametrize("mode", ["denoising", "noising"])
@pytest.mark.parametrize("component", list(POSITION_KINDS))
def test_suffix_engine_equals_full_engine_and_loop(monkeypatch, tiny, component, mode):
    pairs = random_pairs(n=4, length=7, changed=(2, 5), seed=3)
    suffix, full, loop = _three_ways(monkeypatch, tiny, pairs, component=component, mode=mode)
    assert np.isfinite(suffix).all()
    np.testing.assert_allclose(suffix, full, atol=ATOL, rtol=0)
    np.testing.assert_allclose(suffix, loop, atol=ATOL, rtol=0)
    # patches before the first changed position write what is already there: the base run's value
    assert np.ptp(suffix[:, :, :2], axis=(1, 2)).max() < ATOL


@pytest.mark.parametrize("mode", ["denoising", "noising"])
@pytest.mark.parametrize("component", list(POSITION_KINDS) + ["head_out"])
def test_suffix_engine_on_qwen2_with_chunking(monkeypatch, qwen2, component, mode):
    # three layers (copies join at layers 0, 1, 2 with per-layer prefix caches), qkv biases, and a
    # small max_rows so one start position is split over several forward passes
    pairs = random_pairs(n=3, length=6, changed=(1, 3), seed=5)
    suffix, full, loop = _three_ways(monkeypatch, qwen2, pairs, component=component, mode=mode, max_rows=7)
    np.testing.assert_allclose(suffix, full, atol=ATOL, rtol=0)
    np.testing.assert_allclose(suffix, loop, atol=ATOL, rtol=0)


def test_head_sweep_over_chosen_positions_uses_suffix(monkeypatch, tiny):
    pairs = random_pairs(n=4, length=7, changed=(3,), seed=7)
    kwargs = dict(component="head_out", positions=[4, 6])
    suffix, full, loop = _three_ways(monkeypatch, tiny, pairs, **kwargs)
    np.testing.assert_allclose(suffix, full, atol=ATOL, rtol=0)
    np.testing.assert_allclose(suffix, loop, atol=ATOL, rtol=0)
    calls = _count_run_tokens(monkeypatch, tiny)
    activation_patching(tiny, pairs, n_boot=0, **kwargs)
    patched = [n for n, cached in calls[3:]]  # after the two baselines and the keys/values run
    assert patched and max(patched) == 3  # heads differ from position 3 on, patched at 4 and 6: 4..6


def test_suffix_path_runs_only_positions_from_the_patch(monkeypatch, tiny):
    pairs = random_pairs(n=4, length=8, changed=(5,), seed=2)
    calls = _count_run_tokens(monkeypatch, tiny)
    activation_patching(tiny, pairs, n_boot=0)
    # two baselines and one run caching keys/values, all at full length
    assert [n for n, _ in calls[:3]] == [8, 8, 8]
    patched = calls[3:]
    # positions 0..4 are identical in both prompts: skipped; position p runs p..7 on a prefix cache
    assert sorted(n for n, _ in patched) == [1, 2, 3]
    assert all(cached for _, cached in patched)
    assert sum(n for n, _ in patched) < 8 * len(patched)


def test_changed_first_position_runs_full_length_without_cache(monkeypatch, tiny):
    pairs = random_pairs(n=3, length=5, changed=(0,), seed=4)
    calls = _count_run_tokens(monkeypatch, tiny)
    res = activation_patching(tiny, pairs, n_boot=0)
    starts = sorted(n for n, _ in calls[3:])
    assert starts[-1] == 5 and not [c for n, c in calls[3:] if n == 5][0]  # start 0: no prefix to reuse
    loop = activation_patching(tiny, pairs, n_boot=0, method="loop")
    np.testing.assert_allclose(res.per_prompt, loop.per_prompt, atol=ATOL, rtol=0)


def test_cached_keys_values_match_a_fresh_run(tiny, pairs):
    tokens = pairs.corrupted if isinstance(pairs.corrupted, torch.Tensor) else torch.tensor(pairs.corrupted)
    logits, kv = keys_values(tiny, tokens)
    assert kv is not None and len(kv) == tiny.n_layers
    for k, v in kv:
        assert k.shape[0] == tokens.shape[0] and k.shape[-2] == tokens.shape[1] and v.shape == k.shape
    np.testing.assert_allclose(logits.numpy(), tiny._run(tokens).numpy(), atol=1e-6)
    # the prefix keys/values of a run do not depend on later tokens (causal attention)
    _, kv_short = keys_values(tiny, tokens[:, :4])
    for (k, v), (ks, vs) in zip(kv, kv_short, strict=True):
        np.testing.assert_allclose(k[:, :, :4].numpy(), ks.numpy(), atol=1e-6)
        np.testing.assert_allclose(v[:, :, :4].numpy(), vs.numpy(), atol=1e-6)


def _mixed_pairs():
    """Prompts changed at different positions: rows 0-2 at position 2, rows 3-5 at position 4."""
    from causalkit.interp import PromptPairs

    a, b = random_pairs(n=3, length=6, changed=(2,), seed=11), random_pairs(n=3, length=6, changed=(4,), seed=12)
    cat = lambda x, y: torch.cat([torch.as_tensor(x), torch.as_tensor(y)])  # noqa: E731
    return PromptPairs.from_token_ids(cat(a.clean, b.clean), cat(a.corrupted, b.corrupted),
                                      cat(a.clean_answer, b.clean_answer),
                                      cat(a.corrupted_answer, b.corrupted_answer))


@pytest.mark.parametrize("mode", ["denoising", "noising"])
@pytest.mark.parametrize("component", list(POSITION_KINDS) + ["head_out"])
def test_per_prompt_skipping_is_exact(monkeypatch, tiny, component, mode):
    pairs = _mixed_pairs()
    suffix, full, loop = _three_ways(monkeypatch, tiny, pairs, component=component, mode=mode, max_rows=5)
    np.testing.assert_allclose(suffix, loop, atol=ATOL, rtol=0)
    np.testing.assert_allclose(full, loop, atol=ATOL, rtol=0)


def test_per_prompt_skipping_runs_only_changed_prompts(monkeypatch, tiny):
    pairs = _mixed_pairs()
    rows = []
    original = HookedModel._run

    def spy(self, tokens, **kwargs):
        start = kwargs.get("start")
        if start is not None:
            rows.append((int(tokens.shape[1]), int(start[1].shape[0])))
        return original(self, tokens, **kwargs)

    monkeypatch.setattr(HookedModel, "_run", spy)
    activation_patching(tiny, pairs, component="resid_pre", layers=[0], n_boot=0)
    # layer 0: position 2 changes rows 0-2 only (4 positions from 2), position 4 rows 3-5 only (2 positions)
    assert sorted(rows) == [(2, 3), (4, 3)]
