"""Causal tracing (ROME, Meng et al. 2022): corrupt the subject with noise, restore single states.

The corrupted run adds Gaussian noise to the token embeddings of the subject (scale: a multiple,
3 by default, of the standard deviation of the embedding matrix; several seeded noise samples).
Each cell restores one clean activation in the noised run - a hidden state (``resid_post`` of a
layer at a position), or the MLP or attention outputs of a *window* of layers around a layer at a
position - and records the probability of the clean answer. The indirect effect of a cell is
``p(restored) - p(noised)`` (:attr:`PatchingResult.indirect_effect`); ``effect`` is the same
normalised to 0 = noised, 1 = clean. All noise samples and cells run through the batched engine of
:mod:`causalkit.interp._engine`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from causalkit._validation import check_choice, check_positive_int, check_random_state
from causalkit.exceptions import InvalidInputError
from causalkit.interp._common import check_model, make_result, resolve_layers, resolve_positions
from causalkit.interp._engine import hook_name, sweep
from causalkit.interp._torch import torch
from causalkit.interp.datasets import PromptPairs
from causalkit.interp.hooked import HookedModel
from causalkit.interp.metrics import make_metric
from causalkit.interp.results import PatchingResult

__all__ = ["causal_tracing", "subject_positions", "TRACE_COMPONENTS"]

TRACE_COMPONENTS = ("resid_post", "mlp_out", "attn_out")


def subject_positions(model: HookedModel, prompt: str, subject: str) -> list[int]:
    """Token positions of ``subject`` inside ``prompt`` (tokens overlapping its characters).

    Raises
    ------
    InvalidInputError
        If ``subject`` does not occur in ``prompt``.
    """
    start = prompt.find(subject)
    if start < 0:
        raise InvalidInputError(f"The subject {subject!r} does not occur in the prompt {prompt!r}.")
    end = start + len(subject)
    tok = model._need_tokenizer()
    try:
        offsets = tok(prompt, return_offsets_mapping=True)["offset_mapping"]
        return [i for i, (a, b) in enumerate(offsets) if a < end and b > start and b > a]
    except (NotImplementedError, KeyError, TypeError, ValueError):  # slow tokenizer: compare prefixes
        before = len(tok(prompt[:start])["input_ids"])
        through = len(tok(prompt[:end])["input_ids"])
        return list(range(before, through))


def _windows(component: str, layers: list[int], window: int, n_layers: int) -> list[tuple[int, ...]]:
    if component == "resid_post":
        return [(layer,) for layer in layers]
    return [tuple(range(max(0, layer - window // 2), min(n_layers, layer - (-window // 2)))) for layer in layers]


def causal_tracing(
    model: HookedModel,
    prompts: str | Sequence[Any] | PromptPairs,
    subjects: str | Sequence[str] | None = None,
    answers: str | Sequence[Any] | None = None,
    *,
    subject_token_positions: Sequence[int] | Sequence[Sequence[int]] | None = None,
    component: str = "resid_post",
    window: int = 10,
    n_samples: int = 10,
    noise_multiplier: float = 3.0,
    noise_scale: float | None = None,
    layers: Sequence[int] | None = None,
    positions: Sequence[int] | None = None,
    max_rows: int = 2048,
    method: str = "batched",
    n_boot: int = 1000,
    alpha: float = 0.05,
    random_state: Any = 0,
) -> PatchingResult:
    """ROME causal tracing: restore clean states in a run with a noised subject.

    Parameters
    ----------
    model : HookedModel
    prompts : str, list of str / token-id lists, or PromptPairs
        Factual prompts of one common token length (PromptPairs: the clean prompts, their
        ``subjects`` and clean answers are used).
    subjects : str or list of str, optional
        The subject substring of each prompt (or give ``subject_token_positions``).
    answers : str or list, optional
        Answer continuation per prompt (with its leading space) or token id; default: the model's
        top prediction on the clean prompt.
    subject_token_positions : list of int (or one list per prompt), optional
        Token positions to noise, instead of ``subjects`` (the tokenizer-free path).
    component : {"resid_post", "mlp_out", "attn_out"}
        Restore hidden states, or MLP / attention outputs over a window of layers.
    window : int
        Number of layers restored together for ``"mlp_out"``/``"attn_out"`` (ROME uses 10).
    n_samples : int
        Noise samples per prompt.
    noise_multiplier, noise_scale : float
        Noise standard deviation: ``noise_scale`` if given, else ``noise_multiplier`` times the
        standard deviation of the embedding matrix.
    layers, positions : sequence of int, optional
        Restrict the grid.
    max_rows : int
        Largest batch of one forward pass.
    method : {"batched", "loop"}
        Batched engine, or one full forward per cell (reference).
    n_boot, alpha, random_state
        Bootstrap over prompts; seed of the noise and the bootstrap.

    Returns
    -------
    PatchingResult
        Rows are layers (the window centre for windows), columns positions (subject tokens marked
        ``*``); metric ``"prob"`` of the answer; ``indirect_effect`` = restored - noised.
    """
    started = time.perf_counter()
    model = check_model(model)
    check_choice(component, TRACE_COMPONENTS, "component")
    check_choice(method, ("batched", "loop"), "method")
    n_samples = check_positive_int(n_samples, "n_samples")
    window = check_positive_int(window, "window")
    rng = check_random_state(random_state)
    if isinstance(prompts, PromptPairs):
        subjects = prompts.subjects if subjects is None else subjects
        answers = prompts.clean_answer if answers is None else answers
        prompts = prompts.clean
    prompt_list = [prompts] if isinstance(prompts, str) else prompts if isinstance(prompts, torch.Tensor) else list(prompts)
    tokens = model.to_tokens(prompt_list)
    n, length = int(tokens.shape[0]), int(tokens.shape[1])
    if subject_token_positions is not None:
        spos: list[Any] = list(subject_token_positions)
        per_prompt = [list(map(int, p)) for p in spos] if spos and isinstance(spos[0], (list, tuple)) else [
            list(map(int, spos))] * n
    elif subjects is not None:
        subj = [subjects] * n if isinstance(subjects, str) else list(subjects)
        if len(subj) != n or isinstance(prompt_list, torch.Tensor) or not all(isinstance(p, str) for p in prompt_list):
            raise InvalidInputError("Give one subject string per text prompt (or `subject_token_positions`).")
        per_prompt = [subject_positions(model, p, s) for p, s in zip(prompt_list, subj, strict=False)]
    else:
        raise InvalidInputError("Causal tracing needs the subject: pass `subjects` or `subject_token_positions`.")
    if len(per_prompt) != n or any(not p or min(p) < 0 or max(p) >= length for p in per_prompt):
        raise InvalidInputError(f"Subject positions must be non-empty and within 0..{length - 1} for each prompt.")
    with torch.no_grad():
        clean_logits, _ = model.run_with_cache(tokens, names=[], last_only=True)
        if answers is None:
            answer_ids = clean_logits.argmax(-1)
        else:
            ans = [answers] * n if isinstance(answers, (str, int)) else list(answers)
            answer_ids = torch.tensor([model.answer_token(a)[0] for a in ans], device=model.device)
    metric_fn, _ = make_metric("prob", correct=answer_ids)
    scale = float(noise_scale) if noise_scale is not None else float(noise_multiplier) * float(
        model.embedding_matrix().detach().float().std())
    layer_list = resolve_layers(model, layers)
    pos_list = resolve_positions(length, positions)
    windows = _windows(component, layer_list, window, model.n_layers)

    prompt_of_row = torch.arange(n * n_samples, device=model.device) // n_samples
    base_tokens = tokens[prompt_of_row]
    mask = torch.zeros(n, length, 1, device=model.device)
    for i, p in enumerate(per_prompt):
        mask[i, p] = 1.0
    gen = torch.Generator(device="cpu").manual_seed(int(rng.integers(2**31 - 1)))
    noise = (torch.randn(n * n_samples, length, model.d_model, generator=gen) * scale).to(model.device)
    noise = noise * mask[prompt_of_row]
    noise_hook = [("embed", lambda x, _name: x + noise.to(x.dtype))]

    needed = {f"blocks.{layer}.resid_pre" for layer in range(model.n_layers)}
    needed |= {f"blocks.{model.n_layers - 1}.resid_post"} | {hook_name(component, layer) for w in windows for layer in w}
    with torch.no_grad():
        clean_logits, clean_cache = model.run_with_cache(tokens, names=sorted(needed), last_only=True)
        noised_logits, noised_cache = model.run_with_cache(base_tokens, names=sorted(needed), fwd_hooks=noise_hook,
                                                          last_only=True)
        src_cache = {name: value[prompt_of_row] for name, value in clean_cache.items()}
        values = sweep(model, base_tokens, noised_cache, src_cache, component, windows, pos_list, metric_fn,
                       prompt_of_row, max_rows=max_rows, base_hooks=noise_hook, method=method)
        clean_p = metric_fn(clean_logits, torch.arange(n, device=model.device)).double().cpu().numpy()
        noised_p = metric_fn(noised_logits, prompt_of_row).double().cpu().numpy()
    per = values.reshape(n, n_samples, len(windows), len(pos_list)).mean(axis=1)
    noised_mean = noised_p.reshape(n, n_samples).mean(axis=1)
    str_tokens = model.to_str_tokens(tokens[:1])
    labels = [f"{p}: {str_tokens[p].strip() or repr(str_tokens[p])}{'*' if p in per_prompt[0] else ''}" for p in pos_list]
    warnings = []
    if (clean_p - noised_mean).mean() < 0.05:
        warnings.append(f"The noise lowers the answer probability by only {(clean_p - noised_mean).mean():.3f} on "
                        "average; increase noise_multiplier or check the subject positions.")
    return make_result(
        per, clean_p, noised_mean, row_labels=[str(layer) for layer in layer_list],
        col_labels=labels, component=component, metric="prob", method="causal_tracing", mode="denoising",
        n_boot=n_boot, alpha=alpha, random_state=random_state, warnings=warnings, started=started,
        params={"model": model.name, "n_prompts": n, "n_samples": n_samples, "noise_scale": scale,
                "window": window if component != "resid_post" else 1, "windows": [list(w) for w in windows],
                "subject_positions": per_prompt, "layers": layer_list, "positions": pos_list},
    )
