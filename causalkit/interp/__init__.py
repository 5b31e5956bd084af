"""Language-model internals as causal variables.

The components of a language model - the residual stream at each (layer, position), attention
and MLP outputs, single attention heads, learned subspaces - are treated as the variables of a
structural causal model; a (clean, corrupted) prompt pair is the treatment. Interventions on
components answer *which parts carry the information* with the same vocabulary (total, direct and
indirect effects) as the rest of causalkit.

Main entry points::

    hm = load_model("smollm2")                                  # HookedModel, offline
    pairs = equal_length(factual_recall_pairs(), hm)            # PromptPairs
    res = activation_patching(hm, pairs)                        # PatchingResult (layer x position)
    res.plot("patching.png")
    causal_tracing(hm, "The Eiffel Tower is in", "Eiffel Tower")  # ROME
    attribution_patching(hm, pairs); agreement(attr, res)       # gradient approximation + check
    path_patching(hm, pairs, senders="heads", receivers="logits")
    component_mediation(hm, pairs, ["blocks.20.mlp_out"])       # MediationResult (TE/NDE/NIE)
    fit_das(hm, pairs, "blocks.20.resid_pre")                   # learned subspace + illusion check

torch and transformers are optional (``pip install 'causalkit[interp]'``); they are imported only
when a model-facing name is first used. :class:`PromptPairs`, the dataset builders and
:class:`PatchingResult` work without them.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    # torch-free
    "PromptPairs", "FACTS", "factual_recall_pairs", "ioi_pairs", "greater_than_pairs", "load_pairs", "equal_length",
    "PatchingResult", "normalized_effect",
    # model-facing (need torch)
    "HookedModel", "ActivationCache", "load_model", "smollm2_gguf_path",
    "logit_diff", "answer_probability", "kl_divergence", "make_metric",
    "activation_patching", "causal_tracing", "subject_positions", "attribution_patching", "agreement",
    "path_patching", "subspace_patching", "illusion_check", "fit_das", "SubspaceResult", "component_mediation",
    "plot_patching", "patching_html",
]

_LOCATIONS = {
    "PromptPairs": "datasets", "FACTS": "datasets", "factual_recall_pairs": "datasets", "ioi_pairs": "datasets",
    "greater_than_pairs": "datasets", "load_pairs": "datasets", "equal_length": "datasets",
    "PatchingResult": "results", "normalized_effect": "results",
    "HookedModel": "hooked", "ActivationCache": "hooked", "load_model": "loading", "smollm2_gguf_path": "loading",
    "logit_diff": "metrics", "answer_probability": "metrics", "kl_divergence": "metrics", "make_metric": "metrics",
    "activation_patching": "patching", "causal_tracing": "tracing", "subject_positions": "tracing",
    "attribution_patching": "attribution", "agreement": "attribution", "path_patching": "path_patching",
    "subspace_patching": "subspace", "illusion_check": "subspace", "fit_das": "subspace",
    "SubspaceResult": "subspace", "component_mediation": "mediation",
    "plot_patching": "plots", "patching_html": "plots",
}


def __getattr__(name: str) -> Any:
    """Import the sub-module that defines ``name`` on first use (torch only when needed)."""
    if name in _LOCATIONS:
        value = getattr(importlib.import_module(f"causalkit.interp.{_LOCATIONS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'causalkit.interp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
