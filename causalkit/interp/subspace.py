"""Interchange interventions on a linear subspace, a learned (DAS) subspace, and the illusion check.

An interchange intervention on the subspace spanned by the orthonormal columns of ``U`` sets an
activation ``a`` of the base run to ``a + U U^T (a_source - a)`` at one position: the coordinates
inside the subspace come from the source run, the rest stays. :func:`fit_das` learns ``U`` by
gradient descent on an orthogonal parametrisation (distributed alignment search, Geiger et al.
2023), on training pairs, and reports the effect on held-out pairs.

A patch along a direction can work for the wrong reason (Makelov, Lange & Nanda 2023): the
direction may combine a part the downstream weights ignore (nullspace) but that varies with the
input, with a *dormant* part the weights read but the data never moves - the patch then writes an
off-distribution value into the dormant part. :func:`illusion_check` splits the subspace into its
components in the row space and the nullspace of the downstream weights (defined for
``blocks.l.mlp_hidden``, whose only reader is the MLP output projection; the residual stream has
no such nullspace) and patches each; it also measures how much the data varies along the
subspace. Its verdict is a heuristic flag with the numbers behind it, not a proof.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from causalkit._validation import check_choice, check_positive_int, check_random_state
from causalkit.exceptions import InvalidInputError
from causalkit.interp._common import MODES, baselines, check_model, encode_pairs, make_result
from causalkit.interp._torch import torch
from causalkit.interp.attribution import _frozen_parameters
from causalkit.interp.datasets import PromptPairs
from causalkit.interp.hooked import HookedModel
from causalkit.interp.metrics import MetricFn
from causalkit.interp.results import PatchingResult, normalized_effect
from causalkit.results import ResultMixin

__all__ = ["subspace_patching", "fit_das", "illusion_check", "SubspaceResult"]

_SUBSPACE_KINDS = ("resid_pre", "resid_post", "attn_out", "mlp_out", "mlp_hidden")


def _check_hook(model: HookedModel, hook: str) -> tuple[str, int]:
    hp = model.parse(hook)
    if hp.kind not in _SUBSPACE_KINDS:
        raise InvalidInputError(f"Subspace interventions support {', '.join(f'blocks.l.{k}' for k in _SUBSPACE_KINDS)}; "
                                f"got {hook!r}.")
    return hp.kind, int(hp.layer)  # type: ignore[arg-type]


def _basis(direction: Any, dim: int, name: str = "direction") -> Any:
    """Orthonormal basis ``(dim, k)`` of the span of ``direction`` (a vector or ``dim x k`` matrix)."""
    u = torch.as_tensor(np.asarray(direction, dtype=np.float64) if not isinstance(direction, torch.Tensor)
                        else direction.detach().double().cpu())
    u = u.reshape(-1, 1) if u.ndim == 1 else u
    if u.ndim != 2 or u.shape[0] != dim:
        raise InvalidInputError(f"`{name}` must have {dim} rows (the activation size); got shape {tuple(u.shape)}.")
    if not torch.isfinite(u).all() or torch.linalg.matrix_rank(u) < u.shape[1]:
        raise InvalidInputError(f"`{name}` must be finite with linearly independent columns.")
    q, _ = torch.linalg.qr(u)
    return q


def _interchange_hook(hook: str, basis: Any, src: Any, position: int) -> tuple[str, Any]:
    def fn(x: Any, _name: str) -> Any:
        u = basis.to(device=x.device, dtype=x.dtype)
        x = x.clone()
        diff = src[:, position].to(x.dtype) - x[:, position]
        x[:, position] = x[:, position] + (diff @ u) @ u.T
        return x
    return hook, fn


def _position(length: int, position: int) -> int:
    if not -length <= position < length:
        raise InvalidInputError(f"`position` {position} is out of range for prompts of {length} tokens.")
    return position % length


def _patched_values(model: HookedModel, enc: Any, base: Any, hook: str, basis: Any, position: int, mode: str) -> np.ndarray:
    tokens, src = (enc.corrupted, base.clean_cache[hook]) if mode == "denoising" else (enc.clean, base.corrupted_cache[hook])
    with torch.no_grad():
        logits = model._run(tokens, fwd_hooks=[_interchange_hook(hook, basis, src, position)])
        return base.metric_fn(logits, torch.arange(enc.n, device=model.device)).double().cpu().numpy()


def subspace_patching(model: HookedModel, pairs: PromptPairs, hook: str, direction: Any, *, position: int = -1,
                      mode: str = "denoising", metric: str | MetricFn = "logit_diff", n_boot: int = 1000,
                      alpha: float = 0.05, random_state: Any = 0) -> PatchingResult:
    """Interchange intervention on the span of ``direction`` at one hook and position.

    Parameters
    ----------
    model : HookedModel
    pairs : PromptPairs
    hook : str
        ``blocks.l.resid_pre``, ``resid_post``, ``attn_out``, ``mlp_out`` or ``mlp_hidden``.
    direction : array-like
        A vector ``(d,)`` or a basis ``(d, k)`` of the subspace (orthonormalised here).
    position : int
        Token position (negative counts from the end).
    mode, metric, n_boot, alpha, random_state
        As in :func:`~causalkit.interp.activation_patching`.

    Returns
    -------
    PatchingResult
        A 1 x 1 grid (``effect[0, 0]``) with per-prompt values and bootstrap interval.
    """
    started = time.perf_counter()
    model = check_model(model)
    check_choice(mode, MODES, "mode")
    _check_hook(model, hook)
    enc = encode_pairs(model, pairs)
    pos = _position(enc.length, position)
    with torch.no_grad():
        base = baselines(model, enc, metric, [hook])
    basis = _basis(direction, base.clean_cache[hook].shape[-1])
    values = _patched_values(model, enc, base, hook, basis, pos, mode)
    return make_result(values[:, None, None], base.clean_values, base.corrupted_values, row_labels=[hook],
                       col_labels=[enc.labels[pos]], component=f"subspace (k={basis.shape[1]})", metric=base.metric_name,
                       method="subspace_patching", mode=mode, row_name="hook", n_boot=n_boot, alpha=alpha,
                       random_state=random_state, warnings=enc.warnings, started=started,
                       params={"model": model.name, "hook": hook, "position": pos, "k": int(basis.shape[1])})


def illusion_check(model: HookedModel, pairs: PromptPairs, hook: str, direction: Any, *, position: int = -1,
                   mode: str = "denoising", metric: str | MetricFn = "logit_diff", n_random: int = 64,
                   random_state: Any = 0) -> dict[str, Any]:
    """Check that a subspace's patching effect is not an interpretability illusion.

    Returns
    -------
    dict
        ``effect_full``, ``effect_rowspace``, ``effect_nullspace`` (normalised effects of patching the
        subspace and its row-space / nullspace components; NaN where a component is empty),
        ``nullspace_fraction`` (share of the subspace's squared norm in the nullspace of the
        downstream weights; ``None`` where the hook has no such nullspace), ``spread`` and
        ``rowspace_spread`` (standard deviation of the clean and corrupted activations along the
        subspace, relative to the median over ``n_random`` random directions), ``verdict``
        (``"consistent"``, ``"possible illusion"`` or ``"dormant direction"``) and ``explanation``.
    """
    model = check_model(model)
    kind, layer = _check_hook(model, hook)
    n_random = check_positive_int(n_random, "n_random")
    enc = encode_pairs(model, pairs)
    pos = _position(enc.length, position)
    with torch.no_grad():
        base = baselines(model, enc, metric, [hook])
    dim = base.clean_cache[hook].shape[-1]
    u = _basis(direction, dim)
    clean, corr = base.clean_values.mean(), base.corrupted_values.mean()

    def effect(basis: Any) -> float:
        if basis is None:
            return float("nan")
        return float(normalized_effect(_patched_values(model, enc, base, hook, basis, pos, mode).mean(), clean, corr))

    def component(matrix: Any) -> Any:
        return None if torch.linalg.norm(matrix) < 1e-6 * max(1.0, float(torch.linalg.norm(u))) else _basis(matrix, dim)

    if kind == "mlp_hidden":
        q, _ = torch.linalg.qr(model.W_out(layer).detach().double().cpu())  # columns span what the projection reads
        u_row, u_null = q @ (q.T @ u), u - q @ (q.T @ u)
        null_fraction: float | None = float((u_null ** 2).sum() / (u ** 2).sum())
        row_basis, null_basis = component(u_row), component(u_null)
    else:
        null_fraction, row_basis, null_basis = None, u, None
    acts = torch.cat([base.clean_cache[hook][:, pos], base.corrupted_cache[hook][:, pos]]).double().cpu()
    gen = torch.Generator().manual_seed(int(check_random_state(random_state).integers(2**31 - 1)))
    rand = torch.randn(dim, n_random, generator=gen, dtype=torch.float64)
    reference = float(torch.median((acts @ (rand / rand.norm(dim=0))).std(dim=0)))

    def spread(basis: Any) -> float:
        return float("nan") if basis is None else float((acts @ basis).std(dim=0).mean() / max(reference, 1e-12))

    out: dict[str, Any] = {
        "effect_full": effect(u), "effect_rowspace": effect(row_basis) if null_fraction is not None else effect(u),
        "effect_nullspace": effect(null_basis) if null_fraction is not None else float("nan"),
        "nullspace_fraction": null_fraction, "spread": spread(u), "rowspace_spread": spread(row_basis),
    }
    out.update(_verdict(out))
    return out


def _verdict(numbers: dict[str, Any]) -> dict[str, str]:
    """Heuristic verdict from the numbers of :func:`illusion_check` (thresholds documented there)."""
    full, row = numbers["effect_full"], numbers["effect_rowspace"]
    frac, spread = numbers["nullspace_fraction"], numbers["rowspace_spread"]
    if frac is not None and frac > 0.5 and np.isfinite(full) and not (abs(row) >= 0.5 * abs(full)):
        return {"verdict": "possible illusion",
                "explanation": f"{frac:.0%} of the subspace lies in the nullspace of the downstream weights and patching "
                               f"its row-space part alone gives {row:.3g} of the full {full:.3g}: the effect may come "
                               "from a disconnected direction that varies with the input steering a dormant one."}
    if np.isfinite(spread) and spread < 0.1:
        return {"verdict": "dormant direction",
                "explanation": f"The activations barely vary along the (read) subspace (spread {spread:.3g} of a random "
                               "direction's); a patching effect there writes values the data never produces."}
    return {"verdict": "consistent",
            "explanation": "The effect is carried by the part of the subspace the model reads, and the data varies along it."}


@dataclass(frozen=True, repr=False)
class SubspaceResult(ResultMixin):
    """A learned subspace with its train / held-out interchange effects and the illusion check."""

    direction: np.ndarray
    hook: str
    position: int
    train: PatchingResult
    test: PatchingResult
    illusion: dict[str, Any]
    losses: tuple[float, ...]
    params: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0

    def summary(self) -> str:
        """Text summary."""
        return (f"DAS subspace (k={self.direction.shape[1]}) at {self.hook}, position {self.position}\n"
                f"train effect {self.train.effect[0, 0]:.3f} ({self.train.n_prompts} pairs); held-out effect "
                f"{self.test.effect[0, 0]:.3f} ({self.test.n_prompts} pairs)\n"
                f"loss {self.losses[0]:.4g} -> {self.losses[-1]:.4g}\n"
                f"illusion check: {self.illusion['verdict']} - {self.illusion['explanation']}")

    def __repr__(self) -> str:
        return f"SubspaceResult(hook={self.hook!r}, k={self.direction.shape[1]}, test_effect={self.test.effect[0, 0]:.3g})"


def fit_das(model: HookedModel, pairs: PromptPairs, hook: str, *, position: int = -1, k: int = 1, steps: int = 200,
            lr: float = 0.01, test_fraction: float = 0.25, mode: str = "denoising", random_state: Any = 0) -> SubspaceResult:
    """Learn a ``k``-dimensional subspace whose interchange moves the answer (DAS).

    The subspace is fit on a random ``1 - test_fraction`` of the pairs (loss: ``-log sigmoid`` of the
    logit difference towards the source run's answer) and evaluated on the rest.

    Returns
    -------
    SubspaceResult
        ``direction`` (``d x k``, orthonormal columns), train and held-out
        :class:`PatchingResult`, the :func:`illusion_check` on the held-out pairs and the loss curve.
    """
    started = time.perf_counter()
    model = check_model(model)
    check_choice(mode, MODES, "mode")
    kind, layer = _check_hook(model, hook)
    k, steps = check_positive_int(k, "k"), check_positive_int(steps, "steps")
    if not 0 < test_fraction < 1:
        raise InvalidInputError(f"`test_fraction` must be in (0, 1); got {test_fraction!r}.")
    rng = check_random_state(random_state)
    n = len(pairs)
    n_test = int(round(n * test_fraction))
    if n < 4 or n_test < 1 or n - n_test < 2:
        raise InvalidInputError(f"DAS needs at least 2 training and 1 held-out pair; got {n} pairs.")
    order = rng.permutation(n)
    train, test = pairs.subset(order[n_test:].tolist()), pairs.subset(order[:n_test].tolist())
    enc = encode_pairs(model, train)
    pos = _position(enc.length, position)
    entry = layer + 1 if kind == "resid_post" else layer
    with torch.no_grad():
        base = baselines(model, enc, "logit_diff", [hook, f"blocks.{layer}.resid_pre", f"blocks.{layer}.resid_post"])
    src_cache, base_cache = ((base.clean_cache, base.corrupted_cache) if mode == "denoising"
                             else (base.corrupted_cache, base.clean_cache))
    src = src_cache[hook]
    tokens = enc.corrupted if mode == "denoising" else enc.clean
    start = (entry, base_cache[f"blocks.{layer}.resid_post"] if entry > layer else base_cache[f"blocks.{layer}.resid_pre"])
    sign = 1.0 if mode == "denoising" else -1.0  # towards the source run's answer
    gen = torch.Generator().manual_seed(int(rng.integers(2**31 - 1)))
    dim = src.shape[-1]
    linear = torch.nn.Linear(k, dim, bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(dim, k, generator=gen))
    rotation: Any = torch.nn.utils.parametrizations.orthogonal(linear.to(model.device))
    optimizer = torch.optim.Adam(rotation.parameters(), lr=lr)
    idx = torch.arange(enc.n, device=model.device)
    losses = []
    with _frozen_parameters(model):
        for _ in range(steps):
            u = rotation.weight
            # layers below the intervention are the same in every step: start from the cached stream
            logits = model._run(tokens, start=start, fwd_hooks=[_interchange_hook(hook, u, src, pos)], grad=True)
            loss = -torch.nn.functional.logsigmoid(sign * base.metric_fn(logits, idx)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
    direction = rotation.weight.detach().double()
    kwargs = dict(position=position, mode=mode, random_state=random_state)
    train_res = subspace_patching(model, train, hook, direction, **kwargs)
    test_res = subspace_patching(model, test, hook, direction, **kwargs)
    check = illusion_check(model, test, hook, direction, **kwargs)
    return SubspaceResult(direction=direction.cpu().numpy(), hook=hook, position=pos, train=train_res, test=test_res,
                          illusion=check, losses=tuple(losses), elapsed=time.perf_counter() - started,
                          params={"k": k, "steps": steps, "lr": lr, "test_fraction": test_fraction, "mode": mode,
                                  "n_train": n - n_test, "n_test": n_test, "layer": layer, "kind": kind})
