"""Question templates for :func:`~causalkit.knowledge.propose_priors` (several phrasings per kind)."""

from __future__ import annotations

from collections.abc import Sequence

from causalkit.knowledge._asking import Question
from causalkit.knowledge.metadata import VariableMetadata

__all__ = ["build_questions", "context_line"]

_MAX_CONTEXT = 30

_DIRECT = (
    "Does changing {a} directly change {b} (not only through the other variables listed)?",
    "If we intervened on {a} while holding every other listed variable fixed, would {b} change?",
    "Is {a} a direct cause of {b}?",
)
_CAUSE = (
    ("Which cause-and-effect relationship is more likely?",
     ("changing {a} causes a change in {b}", "changing {b} causes a change in {a}", "neither causes the other")),
    ("Which is the cause and which is the effect?",
     ("{a} causes {b}", "{b} causes {a}", "neither causes the other directly")),
    ("Which statement about these two variables is true?",
     ("{a} influences {b}", "{b} influences {a}", "neither influences the other")),
)
_ORDER = (
    ("Which of these is determined earlier in time?", ("{a}", "{b}", "neither: same time or no order")),
    ("Which comes first in time?", ("{a} comes first", "{b} comes first", "neither comes first")),
)
_TIER = (
    "Which stage does {a} belong to?",
    "When is {a} determined? Choose the stage.",
)


def context_line(meta: VariableMetadata, pair: Sequence[str]) -> str:
    shown = meta if len(meta) <= _MAX_CONTEXT else meta.subset(pair)
    return "Variables: " + "; ".join(v.label() for v in shown) + "."


def build_questions(
    meta: VariableMetadata,
    pairs: Sequence[tuple[str, str]],
    kinds: Sequence[str],
    phrasings: int,
    both_orders: bool,
    tier_names: Sequence[str] | None,
) -> list[Question]:
    """All questions of one :func:`propose_priors` call, in a fixed order."""
    qs: list[Question] = []
    for pair in pairs:
        orders = [pair, pair[::-1]] if both_orders else [pair]
        ctx = context_line(meta, pair)
        for a, b in orders:
            la, lb = meta[a].label(), meta[b].label()
            if "direct" in kinds:
                for i, t in enumerate(_DIRECT[:phrasings]):
                    qs.append(Question("direct", (a, b), i, f"{ctx}\n{t.format(a=la, b=lb)}", ("yes", "no"), ("yes", "no")))
            if "cause" in kinds:
                for i, (t, opts) in enumerate(_CAUSE[:phrasings]):
                    qs.append(Question("cause", (a, b), i, f"{ctx}\n{t}", tuple(o.format(a=la, b=lb) for o in opts),
                                       ("fwd", "bwd", "none")))
            if "order" in kinds:
                for i, (t, opts) in enumerate(_ORDER[:phrasings]):
                    qs.append(Question("order", (a, b), i, f"{ctx}\n{t}", tuple(o.format(a=la, b=lb) for o in opts),
                                       ("first", "second", "same")))
        if "direct" in kinds and not both_orders:  # the reverse direct question is a different edge
            a, b = pair[::-1]
            for i, t in enumerate(_DIRECT[:phrasings]):
                qs.append(Question("direct", (a, b), i, f"{ctx}\n{t.format(a=meta[a].label(), b=meta[b].label())}",
                                   ("yes", "no"), ("yes", "no")))
    if tier_names:
        stages = "Stages, earliest first: " + "; ".join(f"{i + 1}. {t}" for i, t in enumerate(tier_names)) + "."
        for v in meta:
            ctx = context_line(meta, [v.name])
            for i, t in enumerate(_TIER[:phrasings]):
                qs.append(Question("tier", (v.name,), i, f"{ctx}\n{stages}\n{t.format(a=v.label())}",
                                   tuple(tier_names), tuple(str(k) for k in range(len(tier_names)))))
    return qs
