"""HookedModel: hook names, caching, hook removal, per-head outputs, interventions."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from causalkit.exceptions import InvalidInputError, MissingDependencyError, UnknownNodeError  # noqa: E402
from causalkit.interp import HookedModel  # noqa: E402


def _hook_count(model) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_hook_names_cover_every_layer(tiny):
    kinds = ["resid_pre", "attn_in", "attn.head_out", "attn_out", "mlp_in", "mlp_hidden", "mlp_out", "resid_post"]
    assert tiny.hook_names == ("embed",) + tuple(f"blocks.{i}.{k}" for i in range(2) for k in kinds)
    _, cache = tiny.run_with_cache(torch.zeros(1, 5, dtype=torch.long))
    assert set(cache) == set(tiny.hook_names)
    assert cache["blocks.1.attn.head_out"].shape == (1, 5, 4, 8)
    assert cache["blocks.0.resid_post"].shape == (1, 5, 32)


def test_unknown_hook_names_raise_naming_them(tiny):
    for bad in ["blocks.0.resid", "blocks.9.resid_pre", "blocks.0.attn.head_out.9", "mlp"]:
        with pytest.raises(UnknownNodeError, match=bad.replace(".", r"\.")):
            with tiny.hooks([(bad, lambda x, n: None)]):
                pass
    with pytest.raises(UnknownNodeError, match="blocks.0.attn.head_out.7"):
        tiny.parse("blocks.0.attn.head_out.7", allow_head=True)
    _, cache = tiny.run_with_cache(torch.zeros(1, 3, dtype=torch.long), names=["blocks.0.mlp_out"])
    with pytest.raises(UnknownNodeError, match="blocks.1.mlp_out"):
        cache["blocks.1.mlp_out"]


def test_hooks_removed_after_block_even_on_exception(tiny):
    before = _hook_count(tiny.model)
    tokens = torch.arange(6)[None]
    reference = tiny.logits(tokens)
    with tiny.hooks([("blocks.0.mlp_out", lambda x, n: x * 0), ("blocks.1.attn.head_out", lambda z, n: z * 2)]):
        assert _hook_count(tiny.model) == before + 2
        changed = tiny.logits(tokens)
    assert not torch.allclose(changed, reference)
    assert _hook_count(tiny.model) == before
    with pytest.raises(RuntimeError, match="boom"):
        with tiny.hooks([("blocks.1.resid_pre", lambda x, n: x + 1.0)]):
            raise RuntimeError("boom")
    assert _hook_count(tiny.model) == before
    assert torch.equal(tiny.logits(tokens), reference)
    # an exception raised by a hook inside the forward pass also leaves no hook behind
    with pytest.raises(InvalidInputError, match="returned shape"):
        with tiny.hooks([("blocks.0.attn_out", lambda x, n: x[:, :1])]):
            tiny.logits(tokens)
    assert _hook_count(tiny.model) == before


def test_head_contributions_sum_to_attention_output(tiny):
    tokens = torch.randint(0, 64, (3, 7), generator=torch.Generator().manual_seed(0))
    _, cache = tiny.run_with_cache(tokens)
    for layer in range(tiny.n_layers):
        per_head = tiny.head_contributions(layer, cache[f"blocks.{layer}.attn.head_out"])
        assert per_head.shape == (3, 7, 4, 32)
        np.testing.assert_allclose((per_head.sum(2) + tiny.b_O(layer)).detach().numpy(),
                                   cache[f"blocks.{layer}.attn_out"].numpy(), atol=1e-5)


def test_starting_from_cached_residual_equals_full_forward(tiny):
    tokens = torch.randint(0, 64, (2, 6), generator=torch.Generator().manual_seed(3))
    full, cache = tiny.run_with_cache(tokens, last_only=True)
    for layer in range(tiny.n_layers + 1):
        resid = cache[f"blocks.{layer}.resid_pre"] if layer < tiny.n_layers else cache["blocks.1.resid_post"]
        out = tiny._run(tokens, start=(layer, resid))
        np.testing.assert_allclose(out.numpy(), full.numpy(), atol=1e-5)
    assert all(type(m).__name__ != "_PassThrough" for m in tiny.arch.layer_list(tiny.model))


def test_patch_and_add_interventions_are_scoped(tiny):
    tokens = torch.arange(5)[None]
    reference, cache = tiny.run_with_cache(tokens, names=["blocks.1.resid_post"], last_only=True)
    final = cache["blocks.1.resid_post"]
    with tiny.patch("blocks.1.resid_post", torch.zeros_like(final), positions=[4]):
        zeroed = tiny.logits(tokens, last_only=True)
    # with a zero final residual the logits are the unembedding of a zero vector after the norm
    assert not torch.allclose(zeroed, reference)
    with tiny.add("blocks.0.mlp_out", torch.ones(32), scale=0.0):
        same = tiny.logits(tokens, last_only=True)
    assert torch.equal(same, reference)
    assert torch.equal(tiny.logits(tokens, last_only=True), reference)


def test_text_path_and_equal_length_check(tiny_text):
    assert tiny_text.to_str_tokens("The big tower is in") == ["The", "big", "tower", "is", "in"]
    assert tiny_text.answer_token(" Paris") == (8, 1)
    with pytest.raises(InvalidInputError, match="different lengths"):
        tiny_text.to_tokens(["The big tower is in", "The tower is in"])


def test_no_tokenizer_asks_for_token_ids(tiny):
    with pytest.raises(InvalidInputError, match="no tokenizer"):
        tiny.to_tokens("hello")


def test_rejects_models_of_unknown_architecture():
    with pytest.raises(InvalidInputError, match="Unsupported model architecture"):
        HookedModel(torch.nn.Linear(2, 2))


def test_missing_torch_raises_missing_dependency(monkeypatch):
    import sys

    from causalkit.interp._torch import require_torch

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingDependencyError, match=r"causalkit\[interp\]"):
        require_torch()


def test_datasets_and_results_import_without_torch():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from causalkit.interp import PromptPairs, factual_recall_pairs, PatchingResult, plot_patching\n"
        "assert len(factual_recall_pairs()) > 10\n"
        "try:\n"
        "    from causalkit.interp import HookedModel\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("MissingDependencyError") and "causalkit[interp]" in out.stdout
