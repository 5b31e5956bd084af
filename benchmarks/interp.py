"""Benchmark: a full residual-stream patching sweep on SmolLM2-135M (every layer x position).

Compares, on the same prompt pairs and the same model weights:

* causalkit ``activation_patching`` (batched engine: copies of the prompts for all cells, entering
  at their layer from the cached residual stream, reusing cached keys/values before the patched
  position, skipping cells whose activations are identical, unembedding only the answer tokens);
* causalkit ``method="loop"``: one forward pass per cell, all prompts batched (what generic
  activation-patching helpers do);
* TransformerLens ``patching.get_act_patch_resid_pre`` on a ``TransformerBridge`` wrapping a copy of
  the same Hugging Face model (TransformerLens is not a causalkit dependency: install it beside
  the project, e.g. ``pip install --target /tmp/tl transformer_lens`` and put that on PYTHONPATH).

All three use eager attention (the bridge forces it), so the per-prompt metric values must agree to
1e-4. Run::

    OMP_NUM_THREADS=1 PYTHONPATH=/path/to/transformer_lens/site python benchmarks/interp.py --pairs 12
"""

from __future__ import annotations

import argparse
import copy
import os
import time

import numpy as np


def _time(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _transformer_lens_sweep(hm, enc, correct, wrong):
    """Generic TransformerLens activation patching of resid_pre on a bridge around a model copy."""
    import torch
    from transformer_lens import patching
    from transformer_lens.model_bridge.sources._bridge_builder import build_bridge_from_module

    model = copy.deepcopy(hm.model)
    bridge = build_bridge_from_module(model, type(model).__name__, hf_config=model.config, tokenizer=hm.tokenizer)
    bridge.eval()
    rows = torch.arange(enc.n)

    def metric(logits):
        last = logits[:, -1]
        return last[rows, correct] - last[rows, wrong]

    with torch.no_grad():
        _, clean_cache = bridge.run_with_cache(enc.clean)
        result = patching.get_act_patch_resid_pre(bridge, enc.corrupted, clean_cache, metric, reduce="none")
    values = result.values if hasattr(result, "values") else result
    return values.detach().double().numpy().transpose(2, 0, 1)  # (layer, pos, batch) -> (batch, layer, pos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=12, help="number of prompt pairs")
    parser.add_argument("--skip-tl", action="store_true", help="do not run TransformerLens")
    parser.add_argument("--extra", action="store_true",
                        help="also time the head sweep and causal tracing against their per-cell loops")
    args = parser.parse_args()

    import torch

    from causalkit.interp import activation_patching, equal_length, factual_recall_pairs, load_model
    from causalkit.interp._common import encode_pairs

    hm = load_model("smollm2")
    hm.model.set_attn_implementation("eager")
    pairs = equal_length(factual_recall_pairs(), hm)
    pairs = pairs.subset(range(min(args.pairs, len(pairs))))
    enc = encode_pairs(hm, pairs)
    print(f"SmolLM2-135M, {enc.n} pairs of {enc.length} tokens, {hm.n_layers} layers -> "
          f"{hm.n_layers * enc.length} cells; torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    activation_patching(hm, pairs.subset([0]), layers=[0], n_boot=0)  # warm-up
    ours, t_ours = _time(lambda: activation_patching(hm, pairs, n_boot=0))
    loop, t_loop = _time(lambda: activation_patching(hm, pairs, n_boot=0, method="loop"))
    rows = [("causalkit batched", t_ours, 0.0), ("per-cell loop (causalkit method='loop')", t_loop,
                                                 float(np.abs(loop.per_prompt - ours.per_prompt).max()))]
    if not args.skip_tl:
        try:
            tl_values, t_tl = _time(lambda: _transformer_lens_sweep(hm, enc, enc.correct, enc.wrong))
            rows.append(("TransformerLens generic patching (TransformerBridge)", t_tl,
                         float(np.abs(tl_values - ours.per_prompt).max())))
        except ImportError as exc:
            print(f"TransformerLens not run: {exc}")
    print("\n| implementation | seconds | speed-up of batched | max abs diff vs batched |\n|---|---:|---:|---:|")
    for name, seconds, diff in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / t_ours:.1f}x | {diff:.1e} |")
    worst = max(diff for _, _, diff in rows)
    print(f"\nresults equal to 1e-4: {worst <= 1e-4} (largest difference {worst:.1e}; "
          f"logit differences range {ours.per_prompt.min():.1f}..{ours.per_prompt.max():.1f})")
    if args.extra:
        _extra(hm, pairs)


def _extra(hm, pairs) -> None:
    """Head sweep and causal tracing: batched engine vs one forward per cell."""
    from causalkit.interp import activation_patching, causal_tracing

    print("\n| sweep | batched s | per-cell loop s | speed-up | max abs diff |\n|---|---:|---:|---:|---:|")
    jobs = {
        f"heads (layer x head), {len(pairs)} pairs": lambda m: activation_patching(hm, pairs, component="head_out",
                                                                                    n_boot=0, method=m),
        "causal tracing, MLP windows of 10, 10 noise samples": lambda m: causal_tracing(
            hm, "The Eiffel Tower is in", "Eiffel Tower", " Paris", component="mlp_out", n_samples=10, n_boot=0,
            method=m),
    }
    for name, job in jobs.items():
        fast, t_fast = _time(lambda job=job: job("batched"))
        slow, t_slow = _time(lambda job=job: job("loop"))
        diff = float(np.abs(fast.per_prompt - slow.per_prompt).max())
        print(f"| {name} | {t_fast:.2f} | {t_slow:.2f} | {t_slow / t_fast:.1f}x | {diff:.1e} |")


if __name__ == "__main__":
    main()
