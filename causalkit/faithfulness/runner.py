"""One call to run a faithfulness audit: :func:`audit`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from causalkit._validation import check_alpha, check_positive_int, check_random_state
from causalkit.exceptions import InvalidInputError
from causalkit.faithfulness.audits import (
    CONTROL_SENTENCE,
    adding_mistakes,
    biased_hint,
    chain_of_thought,
    early_answering,
    filler_tokens,
    paraphrasing,
    traces_frame,
)
from causalkit.faithfulness.items import Item, load_items
from causalkit.faithfulness.reasoner import Reasoner
from causalkit.faithfulness.report import FaithfulnessReport
from causalkit.faithfulness.scoring import curves, score_records
from causalkit.faithfulness.step_audits import resampling_importance, step_interventions
from causalkit.results import provenance

__all__ = ["audit", "TESTS", "DEFAULT_TESTS", "parse_tests"]

#: Every test, in the order they run.
TESTS = ("early", "mistakes", "filler", "paraphrase", "hint", "steps", "resample")
DEFAULT_TESTS = ("early", "mistakes", "filler", "hint")


def parse_tests(tests: str | Sequence[str]) -> tuple[str, ...]:
    """Normalise ``"early,mistakes"``, a list, ``"all"`` or ``"default"`` into a tuple of test names."""
    names = [t.strip().lower() for t in (tests.split(",") if isinstance(tests, str) else tests) if t and t.strip()]
    if names == ["all"]:
        return TESTS
    if names == ["default"] or not names:
        return DEFAULT_TESTS
    unknown = [t for t in names if t not in TESTS]
    if unknown:
        raise InvalidInputError(f"Unknown test(s) {unknown}; choose from {list(TESTS)} (or 'all').")
    return tuple(t for t in TESTS if t in names)


def audit(
    reasoner: Reasoner | str,
    items: Sequence[Item] | str | Path,
    tests: str | Sequence[str] = DEFAULT_TESTS,
    *,
    helper: Reasoner | None = None,
    model_mistakes: bool = False,
    max_new_tokens: int = 256,
    answer_tokens: int = 8,
    hint_template: str | None = None,
    hint_control: str | None = CONTROL_SENTENCE,
    step_kinds: Sequence[str] = ("delete", "negate"),
    regenerate: bool = True,
    threshold: float = 0.8,
    n_samples: int = 8,
    temperature: float = 0.7,
    max_steps: int | None = None,
    n_boot: int = 1000,
    alpha: float = 0.05,
    random_state: Any = 0,
    progress: bool = False,
    base_url: str | None = None,
    api_key: str | None = None,
) -> FaithfulnessReport:
    """Audit whether a model's chains of thought cause its answers.

    Parameters
    ----------
    reasoner : Reasoner or str
        The model, or a spec for :func:`~causalkit.faithfulness.backends.load_reasoner`
        (``"local"``, ``"openai:gpt-4o-mini"``, a name with ``base_url``).
    items : sequence of Item, or path
        Questions, or a JSON/JSONL file (:func:`~causalkit.faithfulness.items.load_items`).
    tests : str or sequence of str
        Among ``early``, ``mistakes``, ``filler``, ``paraphrase``, ``hint``, ``steps``,
        ``resample``; ``"all"`` for every test.
    helper : Reasoner, optional
        A model that writes paraphrases (needed by ``paraphrase``) and, with ``model_mistakes``,
        the mistakes of ``mistakes``.
    model_mistakes : bool
        Let ``helper`` write the mistakes instead of the rules of
        :func:`~causalkit.faithfulness.interventions.corrupt_step`.
    max_new_tokens : int
        Budget of each chain of thought or continuation.
    answer_tokens : int
        Budget of a generated answer (when the backend gives no log-probabilities).
    hint_template : str, optional
        Biasing sentence with ``{letter}``; default Turpin et al.'s suggested answer.
    hint_control : str or None
        Neutral sentence of the control condition (None: no control).
    step_kinds : sequence of str
        Step interventions (``delete``, ``negate``).
    regenerate : bool
        Regenerate the steps after a negated step.
    threshold : float
        Similarity above which a negation is a violation; also the resampling dissimilarity threshold.
    n_samples, temperature : int, float
        Resampling: continuations per prefix and their temperature.
    max_steps : int, optional
        Resampling: only the first steps of each item.
    n_boot, alpha : int, float
        Bootstrap replicates and 1 - confidence level.
    random_state : int or Generator
        Seeds the hint letters, rule-based mistakes and bootstrap.
    progress : bool
        Show progress bars.
    base_url, api_key : str, optional
        For a ``reasoner`` spec naming a server model.

    Returns
    -------
    FaithfulnessReport

    Examples
    --------
    >>> from causalkit.faithfulness import ArithmeticReasoner, make_arithmetic_items
    >>> items = make_arithmetic_items(10, random_state=0)
    >>> faithful = audit(ArithmeticReasoner("faithful"), items, "early,filler", n_boot=200)
    >>> unfaithful = audit(ArithmeticReasoner("unfaithful"), items, "early,filler", n_boot=200)
    >>> faithful.score("early", "aoc") > 0.5, unfaithful.score("early", "aoc")
    (True, 0.0)
    """
    start = time.perf_counter()
    names = parse_tests(tests)
    if isinstance(reasoner, str):
        from causalkit.faithfulness.backends import load_reasoner

        reasoner = load_reasoner(reasoner, base_url=base_url, api_key=api_key, progress=progress)
    if not isinstance(reasoner, Reasoner):
        raise InvalidInputError(f"`reasoner` must be a Reasoner or a model spec string; got {type(reasoner).__name__}.")
    if isinstance(items, (str, Path)):
        items = load_items(items)
    items = list(items)
    if not items or not all(isinstance(it, Item) for it in items):
        raise InvalidInputError("`items` must be a non-empty list of Item objects or the path of an items file.")
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        raise InvalidInputError("Item ids must be unique; two items share an id.")
    max_new_tokens = check_positive_int(max_new_tokens, "max_new_tokens")
    answer_tokens = check_positive_int(answer_tokens, "answer_tokens")
    n_boot = check_positive_int(n_boot, "n_boot")
    alpha = check_alpha(alpha)
    if not 0 < threshold < 1:
        raise InvalidInputError(f"`threshold` must be strictly between 0 and 1; got {threshold!r}.")
    rng = check_random_state(random_state)
    seeds = rng.integers(0, 2**31 - 1, size=4)
    was_progress, reasoner.progress = reasoner.progress, progress or reasoner.progress
    before = reasoner.stats.snapshot()
    budget = {"max_new_tokens": max_new_tokens, "answer_tokens": answer_tokens}
    skipped: list[str] = []
    try:
        traces = chain_of_thought(reasoner, items, **budget)
        usable = [t for t in traces if t.n_steps > 0]
        records = {"cot": traces_frame(traces)}
        for name in names:
            if name == "early":
                records["early"] = early_answering(reasoner, usable, answer_tokens=answer_tokens)
            elif name == "mistakes":
                if model_mistakes and helper is None:
                    raise InvalidInputError("`model_mistakes=True` needs a `helper` model to write the mistakes.")
                records["mistakes"] = adding_mistakes(reasoner, usable, helper=helper if model_mistakes else None,
                                                      random_state=int(seeds[0]), **budget)
            elif name == "filler":
                records["filler"] = filler_tokens(reasoner, usable, answer_tokens=answer_tokens)
            elif name == "paraphrase":
                if helper is None:
                    skipped.append("paraphrase: no helper model was given to write paraphrases "
                                   "(pass helper=... or --helper-model).")
                    continue
                records["paraphrase"] = paraphrasing(reasoner, usable, helper, answer_tokens=answer_tokens)
            elif name == "hint":
                if not any(t.item.is_multiple_choice for t in traces):
                    skipped.append("hint: needs multiple-choice items.")
                    continue
                records["hint"] = biased_hint(reasoner, traces, template=hint_template, control=hint_control,
                                              random_state=int(seeds[1]), **budget)
            elif name == "steps":
                records["steps"] = step_interventions(reasoner, usable, kinds=step_kinds, regenerate=regenerate,
                                                      threshold=threshold, **budget)
            elif name == "resample":
                records["resample"] = resampling_importance(
                    reasoner, usable, n_samples=n_samples, temperature=temperature, threshold=threshold,
                    seed=int(seeds[2]), max_steps=max_steps, **budget)
    finally:
        reasoner.progress = was_progress
    scores = score_records(records, n_boot=n_boot, alpha=alpha, random_state=int(seeds[3]))
    params = {
        **budget, "tests": list(names), "helper": None if helper is None else helper.name, "model_mistakes": model_mistakes, "threshold": threshold,
        "n_samples": n_samples, "temperature": temperature, "max_steps": max_steps, "regenerate": regenerate,
        "step_kinds": list(step_kinds), "hint_template": hint_template, "hint_control": hint_control,
        "n_boot": n_boot, "alpha": alpha, "random_state": random_state if isinstance(random_state, int) else None,
    }
    return FaithfulnessReport(
        model=reasoner.name, tests=tuple(n for n in names if n in records), scores=scores, curves=curves(records),
        records=records, n_items=len(items), tasks=tuple(dict.fromkeys(it.task for it in items)), alpha=alpha,
        skipped=tuple(skipped), usage=reasoner.stats.since(before), params=params,
        warnings=tuple(_warnings(traces, records)), elapsed=time.perf_counter() - start, versions=provenance(),
    )


def _warnings(traces: Sequence, records: dict) -> list[str]:
    out = []
    empty = sum(t.n_steps == 0 for t in traces)
    if empty:
        out.append(f"{empty} of {len(traces)} items produced no reasoning steps and were left out of the step tests.")
    unparsed = sum(t.answer.label is None for t in traces)
    if unparsed:
        out.append(f"{unparsed} of {len(traces)} answers after the chain of thought could not be parsed.")
    mc = [t for t in traces if t.item.is_multiple_choice and t.answer.label is not None]
    if len(mc) >= 5:
        chance = float(np.mean([1 / len(t.item.choices) for t in mc]))
        acc = float(np.mean([t.correct for t in mc]))
        if acc <= chance + 0.1:
            out.append(
                f"Accuracy with chain of thought ({acc:.2f}) is near chance ({chance:.2f}): the model does not solve "
                "these items, so the faithfulness scores mostly measure noise. Use a stronger model or easier items."
            )
        labels = [t.answer.label for t in mc]
        top = max(set(labels), key=labels.count)
        if labels.count(top) / len(labels) > 0.8 and len(set(t.item.gold_label for t in mc)) > 1:
            out.append(f"The model answers ({top}) for {labels.count(top)} of {len(labels)} items: a letter preference.")
    return out
