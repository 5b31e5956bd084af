"""The batched patching engine shared by activation patching and causal tracing.

A *sweep* scores a grid of single-component interventions: rows are windows of layers patched
together (one layer for plain patching), columns are cells (positions, or heads). Three exact
savings make the batched engine fast:

1. **No recomputation below the patch.** A copy of the prompt patched at layer ``l`` enters the
   forward pass at layer ``l`` from the cached residual stream; layers below are skipped.
2. **One forward pass for many layers (growing batch).** Copies are sorted by entry layer and join
   the batch at their layer, so a whole sweep runs as a few forward passes, not one per layer or
   per cell.
3. **No recomputation before the patched position.** With causal attention, positions before the
   patched position ``p`` are unchanged; copies patched at ``p`` process only positions ``p..T-1``
   and attend to the cached keys/values of positions ``< p``.

Cells whose source and base activations are identical (e.g. a shared prompt prefix) are not run:
they score exactly like the base run. This is decided per prompt: a copy of a prompt runs only for
the cells whose patch changes that prompt (prompt pairs that differ at different positions share
no wasted rows), and a head patched at all positions starts, per prompt, at the first position
where its source and base outputs differ. ``method="loop"`` is the reference: one full forward per
cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from causalkit.exceptions import InvalidInputError
from causalkit.interp._common import entry_resid
from causalkit.interp._torch import torch
from causalkit.interp.hooked import HookedModel, _replace_first
from causalkit.interp.metrics import MetricFn

__all__ = ["sweep", "hook_name", "POSITION_KINDS"]

POSITION_KINDS = ("resid_pre", "resid_post", "attn_out", "mlp_out", "mlp_hidden")


def hook_name(kind: str, layer: int) -> str:
    """Hook name of component ``kind`` at ``layer``."""
    return f"blocks.{layer}.{'attn.head_out' if kind == 'head_out' else kind}"


@dataclass
class _Item:
    row: int
    col: int
    entry: int
    window: tuple[int, ...]
    cell: int
    start: int  # first position processed
    prompts: Any  # LongTensor: the base rows (prompts) this copy runs


def _entry(kind: str, window: Sequence[int]) -> int:
    return window[0] + 1 if kind == "resid_post" else min(window)


def _to_numpy(values: Any) -> np.ndarray:
    return values.detach().double().cpu().numpy()


def sweep(model: HookedModel, base_tokens: Any, base_cache: Any, src_cache: Any, kind: str,
          windows: Sequence[Sequence[int]], cells: Sequence[int], metric_fn: MetricFn, base_index: Any, *,
          head_positions: Sequence[int] | None = None, max_rows: int = 2048, method: str = "batched",
          reuse_prefix: bool = True, base_hooks: Sequence[tuple[str, Any]] = ()) -> np.ndarray:
    """Patched metric for every (window, cell): array ``(n_base, len(windows), len(cells))``.

    ``kind`` is a component; a window is the tuple of layers patched together. Cells are positions,
    or heads for ``"head_out"`` (patched at ``head_positions``, default all). Row ``b`` of
    ``base_tokens`` is scored with ``metric_fn(logits, base_index[b])``. ``base_cache`` must hold
    the residual stream entering every layer (and the final one); ``src_cache`` the patched
    activations. ``base_hooks`` are the interventions that define the base run (e.g. embedding
    noise); they apply where the base run is recomputed, never to the patched copies, which start
    from ``base_cache``.
    """
    n_base, length = (int(s) for s in base_tokens.shape)
    out = np.empty((n_base, len(windows), len(cells)))
    if kind in ("resid_pre", "resid_post") and any(len(w) != 1 for w in windows):
        raise InvalidInputError("Residual-stream patching takes one layer per row (no windows).")
    if method == "loop":
        _loop(model, base_tokens, src_cache, kind, windows, cells, metric_fn, base_index, head_positions, out,
              base_hooks)
        return out
    if reuse_prefix:
        base_logits, kv = keys_values(model, base_tokens, fwd_hooks=base_hooks)
    else:
        base_logits, kv = model._run(base_tokens, fwd_hooks=base_hooks), None
    base_values = _to_numpy(metric_fn(base_logits, base_index))
    groups: dict[int, list[_Item]] = defaultdict(list)
    dev = base_tokens.device
    for r, window in enumerate(windows):
        window = tuple(int(w) for w in window)
        for c, cell in enumerate(cells):
            starts = _first_change(base_cache, src_cache, kind, window, int(cell), head_positions, length, n_base)
            by_start: dict[int, list[int]] = defaultdict(list)
            for b, start in enumerate(starts):
                if start is None:  # the patch writes what is already there: the base run's value
                    out[b, r, c] = base_values[b]
                else:
                    by_start[start if kv is not None else 0].append(b)
            for start, rows in by_start.items():
                groups[start].append(_Item(r, c, _entry(kind, window), window, int(cell), start,
                                           torch.tensor(rows, dtype=torch.long, device=dev)))
    for items in groups.values():
        items.sort(key=lambda it: it.entry)
        for chunk in _chunks(items, max_rows):
            values = _run_chunk(model, base_tokens, base_cache, src_cache, kind, chunk, metric_fn, base_index,
                                kv, head_positions, n_base, length)
            offset = 0
            for it in chunk:
                n = len(it.prompts)
                out[it.prompts.cpu().numpy(), it.row, it.col] = values[offset:offset + n]
                offset += n
    return out


def _chunks(items: list[_Item], max_rows: int) -> list[list[_Item]]:
    """Consecutive runs of ``items`` of at most ``max_rows`` rows (at least one item each)."""
    chunks: list[list[_Item]] = [[]]
    rows = 0
    for it in items:
        if chunks[-1] and rows + len(it.prompts) > max_rows:
            chunks.append([])
            rows = 0
        chunks[-1].append(it)
        rows += len(it.prompts)
    return [chunk for chunk in chunks if chunk]


def keys_values(model: HookedModel, tokens: Any,
                fwd_hooks: Sequence[tuple[str, Any]] = ()) -> tuple[Any, list[tuple[Any, Any]] | None]:
    """Last-position logits and every layer's attention keys/values ``(B, kv_heads, T, d)``.

    The keys/values are ``None`` where this transformers version's cache cannot be read.
    """
    try:
        from transformers import DynamicCache

        cache = DynamicCache()
    except (ImportError, TypeError):  # pragma: no cover - very old transformers
        return model._run(tokens, fwd_hooks=fwd_hooks), None
    logits = model._run(tokens, kv_cache=cache, fwd_hooks=fwd_hooks)
    try:
        if hasattr(cache, "layers"):
            kv = [(layer.keys, layer.values) for layer in cache.layers]  # type: ignore[union-attr]
        else:  # pragma: no cover - transformers 4.x
            kv = [(cache.key_cache[i], cache.value_cache[i])  # type: ignore[attr-defined]
                  for i in range(len(cache.key_cache))]  # type: ignore[attr-defined]
    except (AttributeError, IndexError, TypeError):  # pragma: no cover
        return logits, None
    if len(kv) != model.n_layers or any(k is None or k.ndim != 4 or k.shape[-2] != tokens.shape[1] for k, _ in kv):
        return logits, None
    return logits, kv


def prefix_cache(kv: list[tuple[Any, Any]]) -> Any:
    """A fresh key/value cache holding ``kv`` (per layer), or ``None`` if it cannot be built."""
    from transformers import DynamicCache

    try:
        return DynamicCache(ddp_cache_data=kv)
    except TypeError:  # pragma: no cover - transformers 4.x
        try:
            return DynamicCache.from_legacy_cache(tuple(kv))  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            return None


def _first_change(base_cache: Any, src_cache: Any, kind: str, window: tuple[int, ...], cell: int,
                  head_positions: Sequence[int] | None, length: int, n_base: int) -> list[int | None]:
    """Per prompt, the first position the patch changes (``None``: it changes nothing in that prompt).

    Earlier positions are reused. A position cell changes at most its own position. A head cell
    (patched at ``head_positions``) changes the first position where the source and base outputs of
    that head differ.
    """
    if kind != "head_out":
        changed = torch.zeros(n_base, dtype=torch.bool)
        for layer in window:
            name = hook_name(kind, layer)
            if name not in base_cache:
                return [cell] * n_base
            diff = base_cache[name][:, cell] != src_cache[name][:, cell]
            changed |= diff.reshape(n_base, -1).any(dim=1).cpu()
        return [cell if c else None for c in changed.tolist()]
    allowed = list(range(length)) if head_positions is None else sorted(set(head_positions))
    hits = torch.zeros(n_base, len(allowed), dtype=torch.bool)
    for layer in window:
        name = hook_name(kind, layer)
        if name not in base_cache:
            return [allowed[0]] * n_base
        differs = (base_cache[name][:, allowed, cell] != src_cache[name][:, allowed, cell]).any(dim=2)
        hits |= differs.cpu()
    return [allowed[int(row.to(torch.uint8).argmax())] if bool(row.any()) else None for row in hits]


def _run_chunk(model: HookedModel, base_tokens: Any, base_cache: Any, src_cache: Any, kind: str,
               items: list[_Item], metric_fn: MetricFn, base_index: Any, kv: Any,
               head_positions: Sequence[int] | None, n_base: int, length: int) -> np.ndarray:
    """One forward pass for ``items`` (sorted by entry layer, sharing their first position).

    Item ``j`` contributes one row per prompt in ``items[j].prompts``, in item order.
    """
    start = items[0].start
    dev = base_tokens.device
    entries = [it.entry for it in items]

    def new_rows(group: list[int]) -> Any:
        """Residual streams of the copies entering at one layer (patched for residual kinds)."""
        resid = entry_resid(base_cache, entries[group[0]], model.n_layers)[:, start:]
        rows = resid[torch.cat([items[j].prompts for j in group])]
        if kind in ("resid_pre", "resid_post"):
            offset = 0
            for j in group:
                it = items[j]
                n = len(it.prompts)
                rows[offset:offset + n, it.cell - start] = src_cache[hook_name(kind, it.window[0])][it.prompts, it.cell]
                offset += n
        return rows

    by_entry: dict[int, list[int]] = defaultdict(list)
    for j, e in enumerate(entries):
        by_entry[e].append(j)
    first = entries[0]
    module_hooks = []
    for e, group in by_entry.items():
        if e == first:
            continue
        rows = new_rows(group)
        module_hooks.append((model.entry_module(e),
                             lambda m, a, kw, rows=rows: _replace_first(a, kw, torch.cat([a[0] if a else kw["hidden_states"], rows]))))
    fwd_hooks = [] if kind in ("resid_pre", "resid_post") else _component_hooks(
        model, src_cache, kind, items, head_positions, start, dev)
    kv_cache = None
    if start > 0:
        prefix = []
        for layer in range(model.n_layers):
            # the batch at this layer: copies that entered at or below it (below the first entry the
            # layer is skipped; any rows keep the cache well formed)
            joined = [it.prompts for it in items if it.entry <= layer] or [items[0].prompts]
            rows = torch.cat(joined)
            k, v = kv[layer]
            prefix.append((k[rows, :, :start], v[rows, :, :start]))
        kv_cache = prefix_cache(prefix)
        if kv_cache is None:  # pragma: no cover - cannot build a cache: recompute the prefix
            for it in items:
                it.start = 0
            return _run_chunk(model, base_tokens, base_cache, src_cache, kind, items, metric_fn, base_index,
                              None, head_positions, n_base, length)
    logits = model._run(base_tokens[:1, start:], start=(first, new_rows(by_entry[first])), fwd_hooks=fwd_hooks,
                        module_pre_hooks=module_hooks, kv_cache=kv_cache,
                        logit_tokens=getattr(metric_fn, "needed_tokens", None))
    return _to_numpy(metric_fn(logits, base_index[torch.cat([it.prompts for it in items])]))


def _component_hooks(model: HookedModel, src_cache: Any, kind: str, items: list[_Item],
                     head_positions: Sequence[int] | None, start: int, dev: Any) -> list:
    """Hooks writing the source activation into the rows of every copy whose window has that layer."""
    hooks: list[tuple[str, Any]] = []
    sizes = [len(it.prompts) for it in items]
    offsets = [sum(sizes[:j]) for j in range(len(items))]
    layers = sorted({layer for it in items for layer in it.window})
    for layer in layers:
        mine = [(j, it) for j, it in enumerate(items) if layer in it.window]
        rows = torch.cat([offsets[j] + torch.arange(sizes[j], device=dev) for j, _ in mine])
        src_rows = torch.cat([it.prompts for _, it in mine])
        cells = torch.cat([torch.full((sizes[j],), it.cell, dtype=torch.long, device=dev) for j, it in mine])
        src = src_cache[hook_name(kind, layer)]
        if kind == "head_out":
            heads = cells
            values = src[:, start:][src_rows, :, heads]  # (rows, T', d_head)
            mask = None
            if head_positions is not None:
                mask = torch.zeros(src.shape[1], dtype=torch.bool, device=dev)
                mask[list(head_positions)] = True
                mask = mask[start:]

            def set_heads(z: Any, _name: str, rows: Any = rows, heads: Any = heads, values: Any = values,
                          mask: Any = mask) -> Any:
                z = z.clone()
                new = values.to(z.dtype)
                if mask is not None:
                    new = torch.where(mask[None, :, None], new, z[rows, :, heads])
                z[rows, :, heads] = new
                return z

            hooks.append((hook_name(kind, layer), set_heads))
        else:
            pos = cells
            values = src[src_rows, pos]  # (rows, D)
            rel = pos - start

            def set_positions(x: Any, _name: str, rows: Any = rows, rel: Any = rel, values: Any = values) -> Any:
                x = x.clone()
                x[rows, rel] = values.to(x.dtype)
                return x

            hooks.append((hook_name(kind, layer), set_positions))
    return hooks


def _loop(model: HookedModel, base_tokens: Any, src_cache: Any, kind: str, windows: Sequence[Sequence[int]],
          cells: Sequence[int], metric_fn: MetricFn, base_index: Any, head_positions: Any, out: np.ndarray,
          base_hooks: Sequence[tuple[str, Any]] = ()) -> None:
    """Reference implementation: one full forward pass per cell (all prompts batched)."""
    pos_sel = slice(None) if head_positions is None else list(head_positions)
    for r, window in enumerate(windows):
        for c, cell in enumerate(cells):
            hooks = list(base_hooks)
            for layer in window:
                src = src_cache[hook_name(kind, layer)]

                def fn(x: Any, _name: str, s: Any = src, cell: int = cell) -> Any:
                    x = x.clone()
                    if kind == "head_out":
                        x[:, pos_sel, cell] = s[:, pos_sel, cell]
                    else:
                        x[:, cell] = s[:, cell]
                    return x

                hooks.append((hook_name(kind, layer), fn))
            out[:, r, c] = _to_numpy(metric_fn(model._run(base_tokens, fwd_hooks=hooks), base_index))
