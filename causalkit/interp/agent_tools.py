"""Plain, typed functions that answer interpretability questions, for the agent to register.

Each takes JSON-friendly arguments, returns a JSON-friendly ``dict`` with a one-paragraph
``summary``, and loads the model once per process (``"smollm2"`` by default, or a local model
directory). Answers are next-word continuations: a leading space is added to a word that lacks
one (``"Paris"`` -> ``" Paris"``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

import numpy as np

from causalkit.exceptions import InvalidInputError
from causalkit.interp.datasets import PromptPairs

__all__ = ["which_layers_carry", "trace_fact", "mediation_through"]


@lru_cache(maxsize=2)
def _model(name: str) -> Any:
    from causalkit.interp.loading import load_model

    return load_model(name)


def _answer(text: str, role: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"`{role}` must be a non-empty string.")
    return " " + text if text[0].isalpha() else text


def _round(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 4)


def which_layers_carry(
    subject_prompt: str,
    other_prompt: str,
    answer: str,
    other_answer: str,
    model: str = "smollm2",
    component: Literal["resid_pre", "attn_out", "mlp_out"] = "resid_pre",
    threshold: float = 0.5,
) -> dict[str, Any]:
    """Find the layers and positions that carry the information distinguishing two prompts.

    Patches each (layer, position) activation of ``subject_prompt`` into a run on
    ``other_prompt`` and measures how far the answer moves from ``other_answer`` to ``answer``
    (normalised effect: 0 = no change, 1 = fully moved).

    Parameters
    ----------
    subject_prompt : str
        Prompt whose information is traced, e.g. "The Eiffel Tower is in".
    other_prompt : str
        Prompt of the same token length with a different subject, e.g. "The Colosseum is in".
    answer : str
        Expected next word after ``subject_prompt``, e.g. "Paris".
    other_answer : str
        Expected next word after ``other_prompt``, e.g. "Rome".
    model : str
        "smollm2" or a local model directory.
    component : {"resid_pre", "attn_out", "mlp_out"}
        Residual stream, attention output or MLP output.
    threshold : float
        Effect above which a layer counts as carrying the answer at the last position.

    Returns
    -------
    dict
        ``effect_by_layer_last_position``, ``carrying_layers_last_position``, ``first_carrying_layer``,
        ``top_cells``, the clean/corrupted logit differences, ``warnings`` and a ``summary``.
    """
    from causalkit.interp.patching import activation_patching

    hm = _model(model)
    pairs = PromptPairs((subject_prompt,), (other_prompt,), (_answer(answer, "answer"),),
                        (_answer(other_answer, "other_answer"),), "agent query")
    res = activation_patching(hm, pairs, component=component, n_boot=0)
    last = res.effect[:, -1]
    carrying = [int(layer) for layer, e in zip(res.row_labels, last, strict=False) if np.isfinite(e) and e >= threshold]
    top = res.top(5)
    cells = [{"layer": int(r["layer"]), "position": str(r["position"]), "effect": _round(r["effect"])}
             for _, r in top.iterrows()]
    first = carrying[0] if carrying else None
    summary = (f"Patching {component} from {subject_prompt!r} into {other_prompt!r}: at the last position the "
               + (f"answer moves to {answer!r} from layer {first} on (effect >= {threshold})" if first is not None
                  else f"answer never moves by {threshold} or more")
               + f"; strongest cell: layer {cells[0]['layer']}, position {cells[0]['position']} "
               f"(effect {cells[0]['effect']}).")
    return {
        "model": hm.name, "component": component, "positions": list(res.col_labels),
        "effect_by_layer_last_position": {int(la): _round(e) for la, e in zip(res.row_labels, last, strict=False)},
        "carrying_layers_last_position": carrying, "first_carrying_layer": first, "top_cells": cells,
        "clean_logit_diff": _round(res.clean_value), "corrupted_logit_diff": _round(res.corrupted_value),
        "warnings": list(res.warnings), "summary": summary,
    }


def trace_fact(
    prompt: str,
    subject: str,
    answer: str | None = None,
    model: str = "smollm2",
    component: Literal["resid_post", "mlp_out", "attn_out"] = "resid_post",
    n_samples: int = 5,
) -> dict[str, Any]:
    """Causal tracing (ROME): where is a fact about ``subject`` recalled?

    Noises the subject's token embeddings and restores one clean state (or a window of MLP or
    attention outputs) at a time, measuring how much of the answer's probability comes back.

    Parameters
    ----------
    prompt : str
        Factual prompt, e.g. "The Eiffel Tower is in".
    subject : str
        The subject inside the prompt, e.g. "Eiffel Tower".
    answer : str, optional
        Expected next word; default the model's prediction.
    model : str
        "smollm2" or a local model directory.
    component : {"resid_post", "mlp_out", "attn_out"}
        Hidden states, or windows of MLP / attention outputs.
    n_samples : int
        Noise samples.

    Returns
    -------
    dict
        Clean and noised answer probabilities, the strongest restorations and a ``summary``.
    """
    from causalkit.interp.tracing import causal_tracing

    hm = _model(model)
    res = causal_tracing(hm, prompt, subject, None if answer is None else _answer(answer, "answer"),
                         component=component, n_samples=n_samples, n_boot=0)
    top = res.top(5)
    cells = [{"layer": int(r["layer"]), "position": str(r["position"]), "indirect_effect":
              _round(r["value"] - res.corrupted_value)} for _, r in top.iterrows()]
    summary = (f"Noising {subject!r} lowers the answer probability from {res.clean_value:.3f} to "
               f"{res.corrupted_value:.3f}; restoring {component} at layer {cells[0]['layer']}, position "
               f"{cells[0]['position']} brings back {cells[0]['indirect_effect']} (subject tokens marked *).")
    return {"model": hm.name, "component": component, "clean_probability": _round(res.clean_value),
            "noised_probability": _round(res.corrupted_value), "top_restorations": cells,
            "positions": list(res.col_labels), "warnings": list(res.warnings), "summary": summary}


def mediation_through(
    clean_prompt: str,
    corrupted_prompt: str,
    answer: str,
    other_answer: str,
    mediators: list[str],
    model: str = "smollm2",
) -> dict[str, Any]:
    """How much of the effect of changing the prompt flows through the given components?

    Parameters
    ----------
    clean_prompt : str
        Prompt giving ``answer``.
    corrupted_prompt : str
        Prompt of the same token length giving ``other_answer``.
    answer : str
        Expected next word after ``clean_prompt``.
    other_answer : str
        Expected next word after ``corrupted_prompt``.
    mediators : list of str
        Component names such as "blocks.20.mlp_out" or "blocks.25.attn.head_out.3".
    model : str
        "smollm2" or a local model directory.

    Returns
    -------
    dict
        Total, direct and indirect effects on the logit difference and a ``summary``. With a single
        pair there is no interval; use :func:`causalkit.interp.component_mediation` on a dataset for one.
    """
    from causalkit.interp._common import encode_pairs
    from causalkit.interp.mediation import mediation_values

    hm = _model(model)
    names = [mediators] if isinstance(mediators, str) else list(mediators)
    pairs = PromptPairs((clean_prompt,), (corrupted_prompt,), (_answer(answer, "answer"),),
                        (_answer(other_answer, "other_answer"),), "agent query")
    te_a, nde_a, nie_a, _ = mediation_values(hm, encode_pairs(hm, pairs), names, None, "logit_diff")
    te, nde, nie = float(te_a[0]), float(nde_a[0]), float(nie_a[0])
    share = nie / te if te else float("nan")
    summary = (f"Changing {corrupted_prompt!r} to {clean_prompt!r} moves the logit difference by {te:.3f}; "
               f"setting only {', '.join(names)} to their clean values moves it by {nie:.3f} "
               f"({share:.0%} of the total); freezing them leaves a direct effect of {nde:.3f}.")
    return {"model": hm.name, "mediators": names, "total_effect": _round(te), "indirect_effect": _round(nie),
            "direct_effect": _round(nde), "proportion_mediated": _round(share), "summary": summary}
