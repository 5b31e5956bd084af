"""Known-truth fixtures for the extension tools: a DAG 'expert' model, chain data, a tiny LM on disk."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from agent.testing import ScriptedModel

#: The true DAG of :func:`chain_data`; ``noise`` is isolated.
NAMES = ("smoke", "tar", "cancer", "noise")
EDGES = {("smoke", "tar"), ("tar", "cancer")}


def _in_order(text: str) -> list[str]:
    hits = sorted((m.start(), n) for n in NAMES for m in [re.search(rf"(?<!\w){n}(?!\w)", text)] if m)
    return [n for _, n in hits]


def dag_choice(edges=EDGES):
    """A ``choose`` callable answering the knowledge questions from ``edges`` (no hidden confounders)."""

    def choose(prompt, options):
        last = prompt.strip().splitlines()[-1]
        if options == ["yes", "no"]:
            if re.search(r"unmeasured common cause|outside the listed variables", last):
                return 1
            a, b = _in_order(last)[:2]
            return 0 if (a, b) in edges else 1
        a, b = _in_order(options[0])[:2]  # "a causes b" / "b causes a" / "neither"
        return 0 if (a, b) in edges else 1 if (b, a) in edges else 2

    return choose


def dag_model(edges=EDGES, **kwargs):
    """A ScriptedModel whose every constrained choice comes from the DAG ``edges``."""
    return ScriptedModel([], default=dag_choice(edges), name="dag-expert", **kwargs)


def chain_data(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """smoke -> tar -> cancer (linear Gaussian) plus an independent ``noise`` column."""
    rng = np.random.default_rng(seed)
    smoke = rng.normal(size=n)
    tar = 0.8 * smoke + rng.normal(size=n)
    cancer = 0.8 * tar + rng.normal(size=n)
    return pd.DataFrame({"smoke": smoke, "tar": tar, "cancer": cancer, "noise": rng.normal(size=n)})


def anm_pair(n: int = 400, seed: int = 1) -> pd.DataFrame:
    """cause ~ U(-2, 2), effect = tanh(2 cause) + uniform noise: an additive-noise pair."""
    rng = np.random.default_rng(seed)
    cause = rng.uniform(-2, 2, n)
    return pd.DataFrame({"effect": np.tanh(2 * cause) + 0.3 * rng.uniform(-1, 1, n), "cause": cause})


WORDS = ["[UNK]", "The", "big", "red", "tower", "is", "in", "Paris", "Rome"]


def save_tiny_lm(directory) -> str:
    """A randomly initialised 2-layer Llama with a word-level tokenizer, saved as a model directory."""
    import torch
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers

    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(vocab_size=len(WORDS), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, initializer_range=0.3,
                                   max_position_embeddings=64)
    transformers.LlamaForCausalLM(cfg).eval().save_pretrained(directory)
    tk = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    transformers.PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]").save_pretrained(directory)
    return str(directory)
