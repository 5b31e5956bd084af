"""Activation patching over every (layer, position) or (layer, head) cell, batched.

Denoising patches activations of the clean run into the corrupted run (is the component
*sufficient* to restore the clean behaviour?); noising patches corrupted activations into the clean
run (is it *necessary*?). Both report the normalised effect ``(patched - corrupted) / (clean -
corrupted)``.

How the sweep is fast (see :mod:`causalkit.interp._engine`): every cell becomes one copy of each
prompt in a batch; a copy patched at layer ``l`` starts from the cached residual stream entering
``l`` (the layers below compute exactly what they computed in the cached run), copies join one
forward pass at their layer, and copies patched at position ``p`` reuse the cached keys/values of
the positions before ``p``. ``method="loop"`` runs the straightforward one-forward-per-cell version
(as generic activation-patching helpers do) and gives the same numbers.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from causalkit._validation import check_choice, check_positive_int
from causalkit.exceptions import InvalidInputError
from causalkit.interp._common import (
    MODES,
    Encoded,
    baselines,
    check_model,
    encode_pairs,
    make_result,
    resolve_layers,
    resolve_positions,
)
from causalkit.interp._engine import hook_name, sweep
from causalkit.interp._torch import torch
from causalkit.interp.datasets import PromptPairs
from causalkit.interp.hooked import HookedModel
from causalkit.interp.metrics import MetricFn
from causalkit.interp.results import PatchingResult

__all__ = ["activation_patching", "COMPONENTS"]

COMPONENTS = ("resid_pre", "resid_post", "attn_out", "mlp_out", "mlp_hidden", "head_out")
_ALIASES = {"resid": "resid_pre", "heads": "head_out", "attn.head_out": "head_out", "mlp": "mlp_out",
            "attn": "attn_out"}


def activation_patching(
    model: HookedModel,
    pairs: PromptPairs,
    *,
    component: str = "resid_pre",
    mode: str = "denoising",
    metric: str | MetricFn = "logit_diff",
    layers: Sequence[int] | None = None,
    positions: Sequence[int] | int | None = None,
    heads: Sequence[int] | None = None,
    method: str = "batched",
    max_rows: int = 2048,
    n_boot: int = 1000,
    alpha: float = 0.05,
    random_state: Any = 0,
) -> PatchingResult:
    """Patch one component at a time over a (layer, position) or (layer, head) grid.

    Parameters
    ----------
    model : HookedModel
    pairs : PromptPairs
        Clean/corrupted prompt pairs of one common token length.
    component : {"resid_pre", "resid_post", "attn_out", "mlp_out", "mlp_hidden", "head_out"}
        What to patch. ``"head_out"`` gives a (layer, head) grid, patching each head's output at
        ``positions`` (default all positions); the others a (layer, position) grid.
    mode : {"denoising", "noising"}
        ``"denoising"``: clean activations into the corrupted run (sufficiency);
        ``"noising"``: corrupted activations into the clean run (necessity).
    metric : {"logit_diff", "prob", "kl"} or callable
        Scored at the last position (see :func:`causalkit.interp.metrics.make_metric`).
    layers, positions, heads : sequence of int, optional
        Restrict the grid (default: everything).
    method : {"batched", "loop"}
        ``"batched"``: copies of the prompts for all cells in a few forward passes that skip what a
        patch cannot change; ``"loop"``: one full forward per cell (reference; same numbers, slower).
    max_rows : int
        Largest batch (cells x prompts) of one forward pass.
    n_boot, alpha, random_state
        Bootstrap over prompts for the effect's percentile interval.

    Returns
    -------
    PatchingResult
        ``effect[layer, cell]``: normalised effect (0 = corrupted, 1 = clean).

    Raises
    ------
    InvalidInputError
        Unequal token lengths, unknown component, out-of-range layers/positions/heads.

    Examples
    --------
    >>> from causalkit.interp import load_model, factual_recall_pairs, activation_patching  # doctest: +SKIP
    >>> hm = load_model("smollm2")                                                           # doctest: +SKIP
    >>> res = activation_patching(hm, factual_recall_pairs().subset([0]))                    # doctest: +SKIP
    >>> res.effect[-1, -1] > 0.5                                                              # doctest: +SKIP
    True
    """
    started = time.perf_counter()
    model = check_model(model)
    kind = _ALIASES.get(component, component)
    check_choice(kind, COMPONENTS, "component")
    check_choice(mode, MODES, "mode")
    check_choice(method, ("batched", "loop"), "method")
    max_rows = check_positive_int(max_rows, "max_rows")
    enc: Encoded = encode_pairs(model, pairs)
    layer_list = resolve_layers(model, layers)
    pos_list = resolve_positions(enc.length, positions)
    if kind == "head_out":
        cells = list(range(model.n_heads)) if heads is None else [int(h) for h in heads]
        bad = [h for h in cells if not 0 <= h < model.n_heads]
        if bad:
            raise InvalidInputError(f"Head(s) {bad} out of range; layers have heads 0..{model.n_heads - 1}.")
        col_labels, col_name = [f"H{h}" for h in cells], "head"
        head_positions = None if positions is None else pos_list
    else:
        cells, col_labels, col_name, head_positions = pos_list, [enc.labels[p] for p in pos_list], "position", None
    names = {f"blocks.{layer}.resid_pre" for layer in range(model.n_layers)}
    names |= {f"blocks.{model.n_layers - 1}.resid_post"} | {hook_name(kind, layer) for layer in layer_list}
    with torch.no_grad():
        base = baselines(model, enc, metric, sorted(names))
        if mode == "denoising":
            base_tokens, base_cache, src_cache = enc.corrupted, base.corrupted_cache, base.clean_cache
        else:
            base_tokens, base_cache, src_cache = enc.clean, base.clean_cache, base.corrupted_cache
        per_prompt = sweep(model, base_tokens, base_cache, src_cache, kind, [(layer,) for layer in layer_list],
                           cells, base.metric_fn, torch.arange(enc.n, device=model.device),
                           head_positions=head_positions, max_rows=max_rows, method=method)
    return make_result(
        per_prompt, base.clean_values, base.corrupted_values, row_labels=[str(la) for la in layer_list],
        col_labels=col_labels, component=kind, metric=base.metric_name, method="activation_patching", mode=mode,
        col_name=col_name, n_boot=n_boot, alpha=alpha, random_state=random_state, warnings=enc.warnings,
        params={"model": model.name, "dataset": pairs.name, "n_prompts": enc.n, "layers": layer_list,
                "positions": pos_list, "engine": method, "max_rows": max_rows},
        started=started,
    )
