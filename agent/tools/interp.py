"""Interpretability tools: where inside a language model is a piece of information carried?

Registered from :mod:`causalkit.interp.agent_tools` (activation patching across layers, causal
tracing of a fact, mediation through named components). The model to study is ``"smollm2"``
(the embedded SmolLM2-135M) or a model directory the user gave; any other path is refused.
Results are compact (one number per layer, the strongest cells) and stored under ``interp:*``.
"""

from __future__ import annotations

from typing import Any

from agent.session import Session
from agent.tools.reasoning import register_plain

__all__ = ["INTERP_TOOLS", "SKIPPED", "check_model_argument"]

#: Names of the interp tools registered.
INTERP_TOOLS: list[str] = []
#: Functions that could not be registered (name -> reason).
SKIPPED: dict[str, str] = {}


def check_model_argument(session: Session, arguments: dict[str, Any]) -> dict[str, Any]:
    """Keep a known model name; a path must be one the user gave (resolved), else a tool error."""
    from causalkit.interp.loading import MODEL_ALIASES

    model = arguments.get("model")
    if isinstance(model, str) and model.strip().lower() not in MODEL_ALIASES:
        arguments = {**arguments, "model": str(session.check_path(model))}
    return arguments


def _register() -> None:
    from causalkit.interp import agent_tools as it

    for name in getattr(it, "__all__", ()):
        fn = getattr(it, name, None)
        if not callable(fn):
            continue
        try:
            register_plain(fn, "interp", prepare=check_model_argument)
        except (TypeError, ValueError) as exc:  # a schema that cannot be built must not break the agent
            SKIPPED[name] = f"{type(exc).__name__}: {exc}"
            continue
        INTERP_TOOLS.append(name)


_register()
