"""Shared plumbing of the patching routines: encoding prompt pairs, indexing cells, building results."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from causalkit._validation import check_alpha, check_choice
from causalkit.exceptions import InvalidInputError
from causalkit.interp._torch import torch
from causalkit.interp.datasets import PromptPairs
from causalkit.interp.hooked import HookedModel
from causalkit.interp.metrics import MetricFn, make_metric
from causalkit.interp.results import PatchingResult, bootstrap_effect, normalized_effect
from causalkit.results import provenance

__all__ = ["Encoded", "encode_pairs", "entry_resid", "set_position_cells", "set_head_cells", "make_result",
           "check_model", "resolve_layers", "resolve_positions", "Baselines", "baselines", "MODES"]

MODES = ("denoising", "noising")


@dataclass
class Encoded:
    """Token ids and answer ids of a batch of prompt pairs."""

    clean: Any
    corrupted: Any
    correct: Any
    wrong: Any
    labels: tuple[str, ...]
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.clean.shape[0])

    @property
    def length(self) -> int:
        return int(self.clean.shape[1])


def check_model(model: Any) -> HookedModel:
    """Check that ``model`` is a :class:`HookedModel`."""
    if not isinstance(model, HookedModel):
        raise InvalidInputError(f"`model` must be a causalkit.interp.HookedModel (see load_model); got "
                                f"{type(model).__name__}.")
    return model


def encode_pairs(model: HookedModel, pairs: PromptPairs) -> Encoded:
    """Tokenize prompt pairs; every pair must have clean and corrupted prompts of equal token length.

    Raises
    ------
    InvalidInputError
        Naming the first pair whose prompts differ in length, or when pairs differ in length.
    """
    if not isinstance(pairs, PromptPairs):
        raise InvalidInputError(f"`pairs` must be a causalkit.interp.PromptPairs; got {type(pairs).__name__}.")
    clean_rows, corrupted_rows = [], []
    for i, (c, k) in enumerate(zip(pairs.clean, pairs.corrupted, strict=False)):
        a, b = model.to_tokens([c])[0], model.to_tokens([k])[0]
        if a.shape[0] != b.shape[0]:
            raise InvalidInputError(
                f"Pair {i}: the clean prompt {c!r} has {a.shape[0]} tokens but the corrupted prompt {k!r} has "
                f"{b.shape[0]}; patching needs equal lengths. Reword one of them or filter the pairs with "
                "causalkit.interp.datasets.equal_length."
            )
        clean_rows.append(a)
        corrupted_rows.append(b)
    lengths = sorted({int(r.shape[0]) for r in clean_rows})
    if len(lengths) > 1:
        raise InvalidInputError(f"The pairs have different token lengths {lengths}; positions must align across "
                                "prompts. Keep one length with causalkit.interp.datasets.equal_length.")
    warnings: list[str] = []
    correct: list[int] = []
    wrong: list[int] = []
    for ans_list, out in ((pairs.clean_answer, correct), (pairs.corrupted_answer, wrong)):
        for answer in ans_list:
            token, n_tokens = model.answer_token(answer)
            if n_tokens > 1:
                warnings.append(f"Answer {answer!r} has {n_tokens} tokens; only its first token is scored.")
            out.append(token)
    clean, corrupted = torch.stack(clean_rows), torch.stack(corrupted_rows)
    labels = []
    clean_str, corr_str = model.to_str_tokens(clean[:1]), model.to_str_tokens(corrupted[:1])
    for p, (a, b) in enumerate(zip(clean_str, corr_str, strict=False)):
        labels.append(f"{p}: {a.strip() or repr(a)}" + ("" if a == b else f"/{b.strip() or repr(b)}"))
    dev = model.device
    return Encoded(clean, corrupted, torch.tensor(correct, device=dev), torch.tensor(wrong, device=dev),
                   tuple(labels), sorted(set(warnings)))


def resolve_layers(model: HookedModel, layers: Sequence[int] | None) -> list[int]:
    """Validated layer indices (default: all)."""
    if layers is None:
        return list(range(model.n_layers))
    out = []
    for layer in layers:
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not -model.n_layers <= layer < model.n_layers:
            raise InvalidInputError(f"Layer {layer!r} is out of range; the model has layers 0..{model.n_layers - 1}.")
        out.append(int(layer) % model.n_layers)
    return out


def resolve_positions(length: int, positions: Sequence[int] | int | None) -> list[int]:
    """Validated non-negative positions (default: all); negative values count from the end."""
    if positions is None:
        return list(range(length))
    if isinstance(positions, (int, np.integer)):
        positions = [int(positions)]
    out = []
    for p in positions:
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or not -length <= p < length:
            raise InvalidInputError(f"Position {p!r} is out of range for prompts of {length} tokens.")
        out.append(int(p) % length)
    return out


def entry_resid(cache: Any, layer: int, n_layers: int) -> Any:
    """Residual stream entering ``layer`` (the final norm's input for ``layer == n_layers``)."""
    return cache[f"blocks.{layer}.resid_pre"] if layer < n_layers else cache[f"blocks.{n_layers - 1}.resid_post"]


def set_position_cells(x: Any, src: Any, positions: Sequence[int], n_base: int) -> Any:
    """Copy of ``x`` (``C * n_base`` rows, cell-major) with cell ``c`` taking ``src`` at ``positions[c]``."""
    n_cells = len(positions)
    out = x.clone()
    view = out.view(n_cells, n_base, *x.shape[1:])
    pos = torch.as_tensor(list(positions), device=x.device)
    view[torch.arange(n_cells, device=x.device), :, pos] = src[:, pos].transpose(0, 1).to(x.dtype)
    return out


def set_head_cells(z: Any, src: Any, heads: Sequence[int], n_base: int, position_mask: Any = None) -> Any:
    """Copy of per-head ``z`` with cell ``c`` taking ``src`` for head ``heads[c]`` (at masked positions)."""
    n_cells = len(heads)
    out = z.clone()
    view = out.view(n_cells, n_base, *z.shape[1:])
    rows = torch.arange(n_cells, device=z.device)
    h = torch.as_tensor(list(heads), device=z.device)
    patched = src[:, :, h].permute(2, 0, 1, 3).to(z.dtype)  # (C, n_base, T, d_head)
    if position_mask is not None:
        patched = torch.where(position_mask[None, None, :, None], patched, view[rows, :, :, h])
    view[rows, :, :, h] = patched
    return out


@dataclass
class Baselines:
    """Clean and corrupted runs: caches, last-position logits and metric values per prompt."""

    clean_cache: Any
    corrupted_cache: Any
    clean_logits: Any
    corrupted_logits: Any
    metric_fn: MetricFn
    metric_name: str
    clean_values: np.ndarray
    corrupted_values: np.ndarray


def baselines(model: HookedModel, enc: Encoded, metric: Any, names: Sequence[str]) -> Baselines:
    """Run clean and corrupted prompts once, caching ``names`` and scoring both with the metric."""
    clean_logits, clean_cache = model.run_with_cache(enc.clean, names=list(names), last_only=True)
    corr_logits, corr_cache = model.run_with_cache(enc.corrupted, names=list(names), last_only=True)
    fn, name = make_metric(metric, correct=enc.correct, wrong=enc.wrong, reference_logits=clean_logits)
    idx = torch.arange(enc.n, device=model.device)
    with torch.no_grad():
        clean_v = fn(clean_logits, idx).detach().cpu().double().numpy()
        corr_v = fn(corr_logits, idx).detach().cpu().double().numpy()
    return Baselines(clean_cache, corr_cache, clean_logits, corr_logits, fn, name, clean_v, corr_v)


def make_result(per_prompt: np.ndarray, clean: np.ndarray, corrupted: np.ndarray, *, row_labels: Sequence[str],
                col_labels: Sequence[str], component: str, metric: str, method: str, mode: str,
                row_name: str = "layer", col_name: str = "position", n_boot: int = 1000, alpha: float = 0.05,
                random_state: Any = 0, params: dict[str, Any] | None = None, warnings: Sequence[str] = (),
                started: float | None = None) -> PatchingResult:
    """Assemble a :class:`PatchingResult` (normalised effect of prompt means + bootstrap interval)."""
    alpha = check_alpha(alpha)
    check_choice(mode, MODES, "mode")
    per_prompt = np.asarray(per_prompt, dtype=float)
    clean, corrupted = np.asarray(clean, dtype=float), np.asarray(corrupted, dtype=float)
    warnings = list(warnings)
    gap = clean.mean() - corrupted.mean()
    if not np.isfinite(gap) or abs(gap) < 1e-8:
        warnings.append("Clean and corrupted runs score the same on average; normalised effects are undefined.")
    elif metric == "logit_diff" and gap < 0:
        warnings.append("The mean logit difference is lower on the clean prompts than on the corrupted ones: the "
                        "model does not prefer the clean answer, so effects may be hard to interpret.")
    values = per_prompt.mean(axis=0)
    effect = normalized_effect(values, clean.mean(), corrupted.mean())
    ci = bootstrap_effect(per_prompt, clean, corrupted, n_boot=n_boot, alpha=alpha, random_state=random_state)
    extra = {"torch": torch.__version__}
    return PatchingResult(
        effect=effect, values=values, per_prompt=per_prompt, clean_per_prompt=clean, corrupted_per_prompt=corrupted,
        row_labels=tuple(map(str, row_labels)), col_labels=tuple(map(str, col_labels)), component=component,
        metric=metric, method=method, mode=mode, row_name=row_name, col_name=col_name,
        ci_low=None if ci is None else ci[0], ci_high=None if ci is None else ci[1], alpha=alpha,
        params=dict(params or {}, n_boot=n_boot, random_state=random_state if isinstance(random_state, int) else None),
        warnings=tuple(dict.fromkeys(warnings)),
        elapsed=0.0 if started is None else time.perf_counter() - started, versions=provenance(**extra),
    )
