"""LocalReasoner on a tiny randomly initialised transformers model: batching with left padding
must give the same outputs and scores as one prompt at a time."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from causalkit.faithfulness.backends import LocalReasoner  # noqa: E402
from causalkit.faithfulness.prompts import Prompt  # noqa: E402

CHARS = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;?!()+-=*/'\"\n")


@pytest.fixture(scope="module")
def tiny():
    vocab = {"<pad>": 0, "<eos>": 1, **{c: i + 2 for i, c in enumerate(CHARS)}}
    tok = tokenizers.Tokenizer(tokenizers.models.BPE(vocab=vocab, merges=[], unk_token=None))
    tok.decoder = tokenizers.decoders.Fuse()
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>")
    torch.manual_seed(0)
    config = transformers.LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512,
                                      pad_token_id=0, eos_token_id=1, bos_token_id=1)
    model = transformers.LlamaForCausalLM(config).eval()
    return LocalReasoner(model, tokenizer, name="tiny", cache=False, batch_size=4)


PROMPTS = [Prompt("What is 2 + 2?", "Step 1:"), Prompt("Hi"), Prompt("A much longer question, with more characters?", "So (")]


def test_batched_generation_equals_one_at_a_time(tiny):
    batched = tiny.generate(PROMPTS, max_new_tokens=6)
    single = [tiny.generate([p], max_new_tokens=6)[0] for p in PROMPTS]
    assert batched == single and all(isinstance(t, str) for t in batched)
    assert tiny.stats.tokens_generated > 0 and tiny.render(PROMPTS[0]).endswith("Step 1:")


def test_sampling_is_reproducible_with_its_seed(tiny):
    a = tiny.generate(PROMPTS[:2], max_new_tokens=6, temperature=1.0, seed=3)
    b = tiny.generate(PROMPTS[:2], max_new_tokens=6, temperature=1.0, seed=3)
    assert a == b


def test_answer_logprobs_batched_and_multi_token(tiny):
    letters = ["A", "B", "C"]
    batched = tiny.answer_logprobs(PROMPTS, letters)
    single = np.vstack([tiny.answer_logprobs([p], letters) for p in PROMPTS])
    assert batched.shape == (3, 3) and np.allclose(batched, single, atol=1e-5)
    assert np.all(batched < 0)
    # multi-token options: summed log-likelihood, checked against a direct computation
    scores = tiny.answer_logprobs([PROMPTS[1]], ["ab", "b"])[0]
    ids = tiny.tokenizer(tiny.render(PROMPTS[1]) + "ab", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logp = torch.log_softmax(tiny.model(torch.tensor([ids])).logits[0], -1)
    n = len(ids) - 2
    expected = float(logp[n - 1, ids[n]] + logp[n, ids[n + 1]])
    assert abs(scores[0] - expected) < 1e-4
    assert tiny.count_tokens("abc d") == 5
