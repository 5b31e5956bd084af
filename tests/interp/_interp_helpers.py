"""Fixtures for causalkit.interp: tiny randomly initialised models (Llama and GPT-2 style) and a
word-level tokenizer, all built in memory (no downloads)."""

import importlib.util

import pytest

if importlib.util.find_spec("torch") is None or importlib.util.find_spec("transformers") is None:
    collect_ignore_glob = ["test_*.py"]  # the [interp] extra is not installed: nothing to test here
else:
    import torch
    import transformers

    from causalkit.interp import HookedModel, PromptPairs

VOCAB = 64
WORDS = ["[UNK]", "The", "big", "old", "tower", "arena", "is", "in", "Paris", "Rome", "city", "of", "a", "red",
         "blue", "house", "capital", "France", "Italy", "was", "built", "by", "Mary", "John", "gave", "to"]


def tiny_llama(seed: int = 0, vocab: int = VOCAB):
    torch.manual_seed(seed)
    cfg = transformers.LlamaConfig(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, initializer_range=0.3,
                                   max_position_embeddings=64)
    return transformers.LlamaForCausalLM(cfg).eval()


def tiny_gpt2(seed: int = 0, vocab: int = VOCAB):
    torch.manual_seed(seed)
    cfg = transformers.GPT2Config(vocab_size=vocab, n_embd=32, n_layer=2, n_head=4, n_positions=64,
                                  initializer_range=0.3, bos_token_id=0, eos_token_id=0)
    return transformers.GPT2LMHeadModel(cfg).eval()


def word_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers

    tk = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]")


@pytest.fixture(scope="session", params=["llama", "gpt2"])
def tiny(request):
    """A tiny HookedModel without tokenizer (token-id path), one per architecture family."""
    return HookedModel(tiny_llama() if request.param == "llama" else tiny_gpt2())


@pytest.fixture(scope="session")
def tiny_text():
    """A tiny Llama with a word-level tokenizer (text path)."""
    return HookedModel(tiny_llama(vocab=len(WORDS)), word_tokenizer(), name="tiny-text")


def random_pairs(n: int = 6, length: int = 7, changed=(2,), seed: int = 1) -> PromptPairs:
    """Token-id pairs differing at ``changed`` positions, with distinct answer tokens."""
    g = torch.Generator().manual_seed(seed)
    clean = torch.randint(0, VOCAB, (n, length), generator=g)
    corrupted = clean.clone()
    for p in changed:
        corrupted[:, p] = (clean[:, p] + 1 + torch.randint(0, VOCAB - 1, (n,), generator=g)) % VOCAB
    answers = torch.randperm(VOCAB, generator=g)[: 2 * n]
    return PromptPairs.from_token_ids(clean, corrupted, answers[:n], answers[n:])


@pytest.fixture(scope="session")
def pairs():
    """Six token-id pairs of length 7 differing at position 2."""
    return random_pairs()


@pytest.fixture(scope="session")
def make_pairs():
    """Factory: ``make_pairs(n, length, changed, seed)`` -> PromptPairs of token ids."""
    return random_pairs


@pytest.fixture(scope="session")
def make_model():
    """Factory: ``make_model("llama" | "gpt2", seed)`` -> a fresh tiny HF model (not wrapped)."""
    return lambda family="llama", seed=0: tiny_llama(seed) if family == "llama" else tiny_gpt2(seed)


@pytest.fixture(scope="session")
def tokenizer():
    """The word-level tokenizer of ``tiny_text``."""
    return word_tokenizer()
