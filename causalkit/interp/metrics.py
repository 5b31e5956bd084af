"""Patching metrics: logit difference, answer probability, KL divergence, normalised effect.

A *metric function* maps last-position logits ``(R, V)`` of ``R`` batch rows and the index of the
prompt each row belongs to ``(R,)`` to one number per row ``(R,)``. The batched patching routines
stack many patched copies of each prompt, so a metric must look up per-prompt data (answer tokens,
reference logits) through that index. :func:`make_metric` builds the standard ones; any callable
with the same signature works.

The *normalised patching effect* is ``(patched - corrupted) / (clean - corrupted)``: 0 means the
patched run scores like the corrupted run, 1 like the clean run, for both denoising (clean into
corrupted) and noising (corrupted into clean).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from causalkit.exceptions import InvalidInputError
from causalkit.interp._torch import torch
from causalkit.interp.results import normalized_effect

__all__ = [
    "MetricFn",
    "METRICS",
    "logit_diff",
    "answer_probability",
    "kl_divergence",
    "normalized_effect",
    "make_metric",
]

MetricFn = Callable[[Any, Any], Any]
METRICS = ("logit_diff", "prob", "kl")


def logit_diff(logits: Any, correct: Any, wrong: Any) -> Any:
    """``logits[correct] - logits[wrong]`` per row (token ids per row, shape ``(R,)``)."""
    rows = torch.arange(logits.shape[0], device=logits.device)
    return logits[rows, correct] - logits[rows, wrong]


def answer_probability(logits: Any, token: Any) -> Any:
    """Softmax probability of ``token`` per row."""
    rows = torch.arange(logits.shape[0], device=logits.device)
    return torch.softmax(logits.float(), dim=-1)[rows, token]


def kl_divergence(logits: Any, reference_logits: Any) -> Any:
    """``KL(reference || patched)`` per row, in nats."""
    ref = torch.log_softmax(reference_logits.float(), dim=-1)
    log_p = torch.log_softmax(logits.float(), dim=-1)
    return (ref.exp() * (ref - log_p)).sum(-1)


class _LogitDiff:
    """Logit-difference metric that also works on logits restricted to :attr:`needed_tokens`.

    The batched engine computes only the unembedding rows a metric declares in ``needed_tokens``
    (two per prompt instead of the whole vocabulary); logits of that width are indexed through
    the remapped answer ids.
    """

    __name__ = "logit_diff"

    def __init__(self, correct: Any, wrong: Any):
        self.correct, self.wrong = correct, wrong
        self.needed_tokens = torch.unique(torch.cat([correct, wrong]))
        self._sub = (torch.searchsorted(self.needed_tokens, correct), torch.searchsorted(self.needed_tokens, wrong))

    def __call__(self, logits: Any, idx: Any) -> Any:
        if logits.shape[-1] == len(self.needed_tokens):
            return logit_diff(logits, self._sub[0][idx], self._sub[1][idx])
        return logit_diff(logits, self.correct[idx], self.wrong[idx])


def make_metric(metric: str | MetricFn, *, correct: Any = None, wrong: Any = None,
                reference_logits: Any = None) -> tuple[MetricFn, str]:
    """Return a metric function and its name.

    Parameters
    ----------
    metric : {"logit_diff", "prob", "kl"} or callable
        ``"logit_diff"``: logit of the clean answer minus logit of the corrupted answer;
        ``"prob"``: probability of the clean answer; ``"kl"``: KL divergence from the clean run's
        next-token distribution (0 at the clean run). A callable ``fn(logits, prompt_index)`` is
        used as is.
    correct, wrong : LongTensor ``(N,)``
        Clean and corrupted answer token per prompt.
    reference_logits : Tensor ``(N, V)``
        Clean last-position logits (for ``"kl"``).

    Returns
    -------
    (metric_fn, name)
    """
    if callable(metric):
        return metric, getattr(metric, "__name__", "custom")
    if metric == "logit_diff":
        return _LogitDiff(correct, wrong), metric
    if metric == "prob":
        return (lambda logits, idx: answer_probability(logits, correct[idx])), metric
    if metric == "kl":
        return (lambda logits, idx: kl_divergence(logits, reference_logits[idx])), metric
    raise InvalidInputError(f"`metric` must be one of {list(METRICS)} or a callable fn(logits, prompt_index); "
                            f"got {metric!r}.")
