"""Path patching (Wang et al. 2022; Goldowsky-Dill et al. 2023): the effect of one sender on the
output that flows *only* through chosen receivers.

For a sender ``s`` and receivers ``R``:

1. ``delta_s`` = the sender's output in the source run minus its output in the base run (its
   contribution to the residual stream; for a head ``h`` of layer ``l``: ``(z_src - z_base)_h @ W_O[h]``).
2. Each receiver recomputes its output with its input set to *its base input plus* ``delta_s`` -
   every other component frozen at its base value - so only the direct edge ``s -> r`` carries the
   change. A head receiver reads the change through its queries, keys and values.
3. The base run is re-run with the receivers' outputs replaced by those values (and, for the
   receiver ``"logits"``, ``delta_s`` added to the final residual stream); the metric is read.

The normalised effect is reported as in activation patching (0 = base/corrupted, 1 = clean).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from causalkit._validation import check_choice, check_positive_int
from causalkit.exceptions import InvalidInputError
from causalkit.interp._common import (
    MODES,
    baselines,
    check_model,
    encode_pairs,
    entry_resid,
    make_result,
)
from causalkit.interp._torch import torch
from causalkit.interp.datasets import PromptPairs
from causalkit.interp.hooked import HookedModel, HookPoint, _StopForward
from causalkit.interp.metrics import MetricFn
from causalkit.interp.results import PatchingResult

__all__ = ["path_patching"]


@dataclass(frozen=True)
class _Node:
    name: str
    layer: int
    kind: str  # "head", "attn", "mlp" or "logits"
    head: int | None = None


def _node(model: HookedModel, name: str, role: str) -> _Node:
    if name == "logits":
        if role == "sender":
            raise InvalidInputError("'logits' can only be a receiver.")
        return _Node(name, model.n_layers, "logits")
    hp: HookPoint = model.parse(name, allow_head=True)
    if hp.kind == "attn.head_out" and hp.head is not None:
        return _Node(name, hp.layer, "head", hp.head)  # type: ignore[arg-type]
    if hp.kind == "attn_out":
        return _Node(name, hp.layer, "attn")  # type: ignore[arg-type]
    if hp.kind == "mlp_out":
        return _Node(name, hp.layer, "mlp")  # type: ignore[arg-type]
    raise InvalidInputError(f"{name!r} cannot be a path-patching {role}; use blocks.l.attn.head_out.h, "
                            "blocks.l.attn_out, blocks.l.mlp_out" + (" or 'logits'." if role == "receiver" else "."))


def _upstream(sender: _Node, receiver: _Node) -> bool:
    if receiver.kind == "logits":
        return True
    return sender.layer < receiver.layer or (sender.layer == receiver.layer and sender.kind in ("head", "attn")
                                             and receiver.kind == "mlp")


def _hook_of(node: _Node) -> str:
    return {"head": f"blocks.{node.layer}.attn.head_out", "attn": f"blocks.{node.layer}.attn_out",
            "mlp": f"blocks.{node.layer}.mlp_out"}[node.kind]


def _input_hook_of(node: _Node) -> str:
    return f"blocks.{node.layer}.{'mlp_in' if node.kind == 'mlp' else 'attn_in'}"


def path_patching(
    model: HookedModel,
    pairs: PromptPairs,
    *,
    senders: str | Sequence[str] = "heads",
    receivers: str | Sequence[str] = "logits",
    mode: str = "denoising",
    metric: str | MetricFn = "logit_diff",
    max_rows: int = 2048,
    n_boot: int = 1000,
    alpha: float = 0.05,
    random_state: Any = 0,
) -> PatchingResult:
    """Effect of each sender on the metric through the receivers only.

    Parameters
    ----------
    model : HookedModel
    pairs : PromptPairs
    senders : "heads" or list of str
        ``"heads"``: every attention head (a layer x head grid; heads not upstream of any receiver
        are NaN); or component names ``blocks.l.attn.head_out.h``, ``blocks.l.attn_out``,
        ``blocks.l.mlp_out`` (one row each).
    receivers : str or list of str
        ``"logits"`` (the direct path to the unembedding) and/or heads (``blocks.l.attn.head_out.h``,
        receiving through their queries, keys and values), whole attention layers
        (``blocks.l.attn_out``) or MLPs (``blocks.l.mlp_out``).
    mode : {"denoising", "noising"}
        Sender activations from the clean run into the corrupted run, or the reverse.
    metric, max_rows, n_boot, alpha, random_state
        As in :func:`~causalkit.interp.activation_patching`.

    Returns
    -------
    PatchingResult
        ``method="path_patching"``.

    Raises
    ------
    UnknownNodeError, InvalidInputError
        Unknown component names, a sender that is not a component, 'logits' as a sender.
    """
    started = time.perf_counter()
    model = check_model(model)
    check_choice(mode, MODES, "mode")
    max_rows = check_positive_int(max_rows, "max_rows")
    recv = [_node(model, r, "receiver") for r in ([receivers] if isinstance(receivers, str) else list(receivers))]
    if not recv:
        raise InvalidInputError("Give at least one receiver.")
    if senders == "heads":
        send = [_Node(f"blocks.{layer}.attn.head_out.{h}", layer, "head", h)
                for layer in range(model.n_layers) for h in range(model.n_heads)]
        row_labels, col_labels, row_name, col_name = ([str(la) for la in range(model.n_layers)],
                                                      [f"H{h}" for h in range(model.n_heads)], "layer", "head")
        shape = (model.n_layers, model.n_heads)
    else:
        names = [senders] if isinstance(senders, str) else list(senders)
        send = [_node(model, s, "sender") for s in names]
        row_labels, col_labels, row_name, col_name = names, ["effect"], "sender", "path"
        shape = (len(send), 1)
    enc = encode_pairs(model, pairs)
    inner = [r for r in recv if r.kind != "logits"]
    sender_layers = sorted({s.layer for s in send})
    cache_names = {f"blocks.{layer}.resid_pre" for layer in range(model.n_layers)}
    cache_names |= {f"blocks.{model.n_layers - 1}.resid_post"} | {_input_hook_of(r) for r in inner}
    cache_names |= {_hook_of(s) for s in send} | {_hook_of(r) for r in inner}
    with torch.no_grad():
        base = baselines(model, enc, metric, sorted(cache_names))
        base_tokens, base_cache, src_cache = ((enc.corrupted, base.corrupted_cache, base.clean_cache)
                                              if mode == "denoising" else (enc.clean, base.clean_cache, base.corrupted_cache))
        head_delta = {layer: model.head_contributions(layer, src_cache[f"blocks.{layer}.attn.head_out"]
                                                      - base_cache[f"blocks.{layer}.attn.head_out"])
                      for layer in sender_layers if any(s.kind == "head" and s.layer == layer for s in send)}

        def delta(s: _Node) -> Any:
            if s.kind == "head":
                return head_delta[s.layer][:, :, s.head]
            return src_cache[_hook_of(s)] - base_cache[_hook_of(s)]

        active = [i for i, s in enumerate(send) if any(_upstream(s, r) for r in recv)]
        out = np.full((enc.n, len(send)), np.nan)
        per_batch = max(1, max_rows // enc.n)
        for c0 in range(0, len(active), per_batch):
            chunk = [send[i] for i in active[c0:c0 + per_batch]]
            values = _run_senders(model, base_tokens, base_cache, chunk, recv, inner, delta, base.metric_fn, enc.n)
            out[:, active[c0:c0 + per_batch]] = values
    warnings = list(enc.warnings)
    if len(active) < len(send):
        warnings.append(f"{len(send) - len(active)} sender(s) are not upstream of any receiver; their effects are NaN.")
    return make_result(
        out.reshape(enc.n, *shape), base.clean_values, base.corrupted_values, row_labels=row_labels,
        col_labels=col_labels, component=f"path to {', '.join(r.name for r in recv)}", metric=base.metric_name,
        method="path_patching", mode=mode, row_name=row_name, col_name=col_name, n_boot=n_boot, alpha=alpha,
        random_state=random_state, warnings=warnings, started=started,
        params={"model": model.name, "dataset": pairs.name, "n_prompts": enc.n, "receivers": [r.name for r in recv],
                "senders": senders if isinstance(senders, str) else list(senders)},
    )


def _run_senders(model: HookedModel, base_tokens: Any, base_cache: Any, chunk: list[_Node], recv: list[_Node],
                 inner: list[_Node], delta: Any, metric_fn: MetricFn, n_base: int) -> np.ndarray:
    """Steps 2 and 3 for a batch of senders; returns metric values ``(n_base, len(chunk))``."""
    n_s = len(chunk)
    deltas = {r.name: torch.cat([delta(s) if _upstream(s, r) else torch.zeros_like(delta(s)) for s in chunk])
              for r in recv}
    tokens = base_tokens.repeat(n_s, 1)
    start_layer = min(r.layer for r in recv)
    start = (start_layer, entry_resid(base_cache, start_layer, model.n_layers).repeat(n_s, 1, 1))
    receiver_out: dict[str, Any] = {}
    hooks: list[tuple[str, Any]] = []
    if inner:  # step 2: receivers' outputs with input = base input + delta (everything else frozen)
        for r in inner:
            base_in = base_cache[_input_hook_of(r)].repeat(n_s, 1, 1)
            hooks.append((_input_hook_of(r), lambda x, _n, b=base_in, d=deltas[r.name]: b + d))
        last = max(inner, key=lambda r: (r.layer, r.kind == "mlp"))

        def capture(x: Any, name: str) -> None:
            for r in inner:
                if _hook_of(r) == name and r.name not in receiver_out:
                    receiver_out[r.name] = x[:, :, r.head].clone() if r.kind == "head" else x.clone()
            if name == _hook_of(last):
                raise _StopForward

        hooks += [(name, capture) for name in dict.fromkeys(_hook_of(r) for r in inner)]
        model._run(tokens, start=start, fwd_hooks=hooks)
        hooks = []  # step 3: base run with the receivers' outputs replaced
    for r in inner:
        def replace(x: Any, _n: str, r: _Node = r) -> Any:
            x = x.clone()
            if r.kind == "head":
                x[:, :, r.head] = receiver_out[r.name]
            else:
                x[...] = receiver_out[r.name]
            return x
        hooks.append((_hook_of(r), replace))
    module_hooks = []
    if any(r.kind == "logits" for r in recv):
        d = deltas["logits"]
        module_hooks.append((model.entry_module(model.n_layers),
                             lambda m, a, kw: ((a[0] + d,) + tuple(a[1:]), kw) if a else (a, {**kw, "hidden_states": kw["hidden_states"] + d})))
    logits = model._run(tokens, start=start, fwd_hooks=hooks, module_pre_hooks=module_hooks)
    idx = torch.arange(n_base, device=tokens.device).repeat(n_s)
    return metric_fn(logits, idx).double().cpu().numpy().reshape(n_s, n_base).T
