"""Where each architecture family keeps its modules: the only architecture-specific code.

A :class:`Architecture` maps the stable hook names of :class:`~causalkit.interp.HookedModel` onto
the module tree of a Hugging Face causal LM. Llama-style decoders (Llama, SmolLM2, Qwen2, Mistral)
share one map; GPT-2-style decoders (GPT-2, with ``Conv1D`` weights stored as ``(in, out)``) another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from causalkit.exceptions import InvalidInputError
from causalkit.interp._torch import torch

__all__ = ["Architecture", "architecture_for", "SUPPORTED_MODEL_TYPES"]


@dataclass(frozen=True)
class Architecture:
    """Dotted module paths of one architecture family.

    ``layers``, ``final_norm`` and ``embed`` are relative to the causal-LM model; the others are
    relative to one decoder layer. ``conv1d`` is True where projection weights are stored as
    ``(in_features, out_features)`` (GPT-2's ``Conv1D``) rather than ``nn.Linear``'s ``(out, in)``.
    """

    family: str
    layers: str
    final_norm: str
    embed: str
    attn: str
    o_proj: str
    mlp: str
    mlp_out_proj: str
    attn_norm: str
    mlp_norm: str
    conv1d: bool

    def get(self, root: Any, path: str) -> Any:
        """Return the sub-module at dotted ``path`` below ``root``."""
        module = root
        for part in path.split("."):
            module = module[int(part)] if part.isdigit() else getattr(module, part)
        return module

    def layer_list(self, model: Any) -> Any:
        """The ``nn.ModuleList`` of decoder layers."""
        return self.get(model, self.layers)

    def linear_weight(self, module: Any) -> Any:
        """Weight of a projection as an ``(in_features, out_features)`` matrix (``y = x @ W + b``)."""
        return module.weight if self.conv1d else module.weight.T


_LLAMA: dict[str, Any] = dict(
    layers="model.layers", final_norm="model.norm", embed="model.embed_tokens", attn="self_attn",
    o_proj="self_attn.o_proj", mlp="mlp", mlp_out_proj="mlp.down_proj", attn_norm="input_layernorm",
    mlp_norm="post_attention_layernorm", conv1d=False,
)
_GPT2: dict[str, Any] = dict(
    layers="transformer.h", final_norm="transformer.ln_f", embed="transformer.wte", attn="attn",
    o_proj="attn.c_proj", mlp="mlp", mlp_out_proj="mlp.c_proj", attn_norm="ln_1", mlp_norm="ln_2",
    conv1d=True,
)
_FAMILIES: dict[str, dict[str, Any]] = {
    "llama": _LLAMA, "qwen2": _LLAMA, "mistral": _LLAMA, "qwen3": _LLAMA, "gpt2": _GPT2,
}
SUPPORTED_MODEL_TYPES = tuple(sorted(_FAMILIES))


def _looks_like(model: Any, spec: dict[str, Any]) -> bool:
    arch = Architecture(family="probe", **spec)
    try:
        layer = arch.layer_list(model)[0]
        for path in (spec["o_proj"], spec["mlp_out_proj"], spec["attn_norm"], spec["mlp_norm"]):
            arch.get(layer, path)
        arch.get(model, spec["final_norm"])
        arch.get(model, spec["embed"])
    except (AttributeError, IndexError, TypeError):
        return False
    return True


def architecture_for(model: Any) -> Architecture:
    """Return the :class:`Architecture` of a Hugging Face causal LM.

    Raises
    ------
    InvalidInputError
        If the model is not a causal LM of a supported family (the message lists them).
    """
    if not isinstance(model, torch.nn.Module):
        raise InvalidInputError(
            f"`model` must be a Hugging Face causal LM (a torch.nn.Module); got {type(model).__name__}."
        )
    model_type = str(getattr(getattr(model, "config", None), "model_type", "")).lower()
    if model_type in _FAMILIES and _looks_like(model, _FAMILIES[model_type]):
        return Architecture(family=model_type, **_FAMILIES[model_type])
    for family, spec in (("llama", _LLAMA), ("gpt2", _GPT2)):  # same layout under another name
        if _looks_like(model, spec):
            return Architecture(family=family, **spec)
    raise InvalidInputError(
        f"Unsupported model architecture {model_type or type(model).__name__!r}. Supported families: "
        f"{', '.join(SUPPORTED_MODEL_TYPES)} (and models with the same module layout). Load a causal LM "
        "such as a Llama/SmolLM2, Qwen2 or GPT-2 style model."
    )
