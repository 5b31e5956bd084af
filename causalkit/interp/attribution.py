"""Attribution patching: a first-order (gradient) approximation of activation patching.

For each cell the effect of patching activation ``a`` from the source run into the base run is
approximated by ``(a_source - a_base) . d metric / d a`` evaluated on the base run - one forward
pass per run and one backward pass for the whole grid (Nanda 2023; Syed et al. 2023). It is exact
for a metric linear in the activation and can be badly off where the model is not (saturated
softmaxes, large patches), so :func:`agreement` compares it with real patching on the same grid.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy import stats

from causalkit._validation import check_choice
from causalkit.exceptions import InvalidInputError
from causalkit.interp._common import MODES, check_model, encode_pairs, make_result, resolve_layers
from causalkit.interp._engine import hook_name
from causalkit.interp._torch import torch
from causalkit.interp.datasets import PromptPairs
from causalkit.interp.hooked import HookedModel
from causalkit.interp.metrics import MetricFn, make_metric
from causalkit.interp.results import PatchingResult

__all__ = ["attribution_patching", "agreement", "ATTRIBUTION_COMPONENTS"]

ATTRIBUTION_COMPONENTS = ("resid_pre", "resid_post", "attn_out", "mlp_out", "head_out")


@contextmanager
def _frozen_parameters(model: HookedModel) -> Any:
    """Parameters do not require gradients inside the block (only activations get gradients)."""
    params = list(model.model.parameters())
    flags = [p.requires_grad for p in params]
    try:
        for p in params:
            p.requires_grad_(False)
        yield
    finally:
        for p, flag in zip(params, flags, strict=False):
            p.requires_grad_(flag)


def attribution_patching(
    model: HookedModel,
    pairs: PromptPairs,
    *,
    component: str = "resid_pre",
    mode: str = "denoising",
    metric: str | MetricFn = "logit_diff",
    layers: Sequence[int] | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    random_state: Any = 0,
) -> PatchingResult:
    """Gradient approximation of :func:`~causalkit.interp.activation_patching` (2 forwards + 1 backward).

    Parameters
    ----------
    model : HookedModel
    pairs : PromptPairs
    component : {"resid_pre", "resid_post", "attn_out", "mlp_out", "head_out"}
        ``"head_out"`` gives a (layer, head) grid (heads patched at all positions), the others a
        (layer, position) grid.
    mode : {"denoising", "noising"}
        Gradient at the corrupted run with clean-minus-corrupted differences, or the reverse.
    metric, layers, n_boot, alpha, random_state
        As in :func:`~causalkit.interp.activation_patching`.

    Returns
    -------
    PatchingResult
        ``method="attribution_patching"``; ``per_prompt`` holds base metric + attribution, so
        ``effect`` is on the same normalised scale as real patching.
    """
    started = time.perf_counter()
    model = check_model(model)
    kind = {"heads": "head_out"}.get(component, component)
    check_choice(kind, ATTRIBUTION_COMPONENTS, "component")
    check_choice(mode, MODES, "mode")
    enc = encode_pairs(model, pairs)
    layer_list = resolve_layers(model, layers)
    names = [hook_name(kind, layer) for layer in layer_list]
    with torch.no_grad():
        clean_logits, clean_cache = model.run_with_cache(enc.clean, names=names, last_only=True)
        corrupted_logits = None
        if mode == "noising":
            corrupted_logits, src_cache = model.run_with_cache(enc.corrupted, names=names, last_only=True)
    fn, metric_name = make_metric(metric, correct=enc.correct, wrong=enc.wrong, reference_logits=clean_logits)
    idx = torch.arange(enc.n, device=model.device)
    base_tokens = enc.corrupted if mode == "denoising" else enc.clean
    if mode == "denoising":
        src_cache = clean_cache
    stored: dict[str, Any] = {}

    def keep(x: Any, name: str) -> Any:
        y = x * 1.0  # a fresh node of the graph whose gradient we can ask for
        stored[name] = y
        return y

    def leaf(x: Any, _name: str) -> Any:
        return x.detach().requires_grad_(True)

    with _frozen_parameters(model), torch.enable_grad():
        base_logits = model._run(base_tokens, fwd_hooks=[("embed", leaf)] + [(n, keep) for n in names], grad=True)
        values = fn(base_logits, idx)
        grads = torch.autograd.grad(values.sum(), [stored[n] for n in names], allow_unused=True)
    base_values = values.detach().double().cpu().numpy()
    attributions = []
    for name, grad in zip(names, grads, strict=False):
        diff = (src_cache[name] - stored[name].detach()).double()
        g = torch.zeros_like(diff) if grad is None else grad.double()
        per_cell = (diff * g).sum(-1)  # (N, T) or (N, T, H)
        attributions.append(per_cell.sum(1) if kind == "head_out" else per_cell)
    attr = torch.stack(attributions, dim=1).cpu().numpy()  # (N, L, cells)
    with torch.no_grad():
        if mode == "denoising":
            clean_v, corr_v = fn(clean_logits, idx).double().cpu().numpy(), base_values
        else:
            clean_v, corr_v = base_values, fn(corrupted_logits, idx).double().cpu().numpy()
    if kind == "head_out":
        col_labels, col_name = [f"H{h}" for h in range(model.n_heads)], "head"
    else:
        col_labels, col_name = list(enc.labels), "position"
    return make_result(
        base_values[:, None, None] + attr, clean_v, corr_v, row_labels=[str(la) for la in layer_list],
        col_labels=col_labels, component=kind, metric=metric_name, method="attribution_patching", mode=mode,
        col_name=col_name, n_boot=n_boot, alpha=alpha, random_state=random_state, warnings=enc.warnings,
        params={"model": model.name, "dataset": pairs.name, "n_prompts": enc.n, "layers": layer_list},
        started=started,
    )


def agreement(attribution: PatchingResult, real: PatchingResult, *, threshold: float = 0.1) -> dict[str, float]:
    """How well an approximate grid (e.g. attribution patching) matches real patching.

    Parameters
    ----------
    attribution, real : PatchingResult
        Results on the same grid (same rows, columns, metric and mode).
    threshold : float
        Cells with ``|real effect| >= threshold`` count for sign agreement and top-k overlap.

    Returns
    -------
    dict
        ``pearson`` and ``spearman`` correlations of the normalised effects over all cells,
        ``sign_agreement`` (share of important cells with the same sign), ``top_k_overlap``
        (share of the k most important real cells among the k largest approximate cells, k = number of
        important cells, at least 1), ``mean_abs_error`` and ``max_abs_error`` of the effects,
        and ``n_cells``.

    Raises
    ------
    InvalidInputError
        When the grids differ.
    """
    if not isinstance(attribution, PatchingResult) or not isinstance(real, PatchingResult):
        raise InvalidInputError("agreement() compares two PatchingResult objects.")
    if attribution.effect.shape != real.effect.shape or attribution.row_labels != real.row_labels:
        raise InvalidInputError(f"The grids differ: {attribution.effect.shape} vs {real.effect.shape}; run both on the "
                                "same pairs, component and layers.")
    a, r = attribution.effect.reshape(-1), real.effect.reshape(-1)
    ok = np.isfinite(a) & np.isfinite(r)
    a, r = a[ok], r[ok]
    if len(a) < 2:
        raise InvalidInputError("Fewer than two cells with defined effects; nothing to compare.")
    important = np.abs(r) >= threshold
    k = max(1, int(important.sum()))
    top_real = set(np.argsort(-np.abs(r))[:k].tolist())
    top_attr = set(np.argsort(-np.abs(a))[:k].tolist())
    constant = np.std(a) == 0 or np.std(r) == 0
    return {
        "pearson": float("nan") if constant else float(stats.pearsonr(a, r)[0]),
        "spearman": float("nan") if constant else float(stats.spearmanr(a, r)[0]),
        "sign_agreement": float(np.mean(np.sign(a[important]) == np.sign(r[important]))) if important.any() else float("nan"),
        "top_k_overlap": len(top_real & top_attr) / k,
        "mean_abs_error": float(np.mean(np.abs(a - r))),
        "max_abs_error": float(np.max(np.abs(a - r))),
        "n_cells": int(len(a)),
    }
