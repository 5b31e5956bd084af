"""Run a backend over items and report accuracy, F1 (beside the always-"no" baseline), per-category
scores, seeded bootstrap intervals, tokens and time."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from causalkit._validation import check_alpha, check_positive_int
from causalkit.bench.backends import Backend, Prediction
from causalkit.bench.items import Item
from causalkit.bench.metrics import baselines, binary_metrics, bootstrap_ci, per_category
from causalkit.exceptions import InvalidInputError
from causalkit.results import ResultMixin, provenance

__all__ = ["BenchReport", "run_benchmark"]


@dataclass(frozen=True, repr=False)
class BenchReport(ResultMixin):
    """The outcome of a benchmark run.

    Attributes
    ----------
    backend : str
    params : dict
        Backend parameters, ``n_boot``, ``alpha``, ``random_state``.
    metrics : dict
        ``accuracy``, ``precision``, ``recall``, ``f1``, ``n``, ``n_invalid``, rates.
    ci : dict
        Bootstrap ``(lower, upper)`` per metric.
    baselines : dict
        ``always_no`` and ``always_yes`` scores.
    categories : pandas.DataFrame
        Per-category n, accuracy, F1, gold "yes" rate, always-"no" accuracy.
    predictions : pandas.DataFrame
        One row per item: id, category, gold, pred, correct, error, tokens, elapsed, cached.
    tokens : dict
        Summed token usage (keys as the backend reports them).
    elapsed : float
        Wall time of the run (s).
    versions : dict
    """

    backend: str
    params: dict
    metrics: dict
    ci: dict
    baselines: dict
    categories: pd.DataFrame
    predictions: pd.DataFrame
    tokens: dict = field(default_factory=dict)
    elapsed: float = 0.0
    versions: dict = field(default_factory=dict)

    def summary(self) -> str:
        """A text report."""
        m, ci, base = self.metrics, self.ci, self.baselines
        level = int(round(100 * (1 - self.params.get("alpha", 0.05))))
        lines = [
            f"Benchmark: {m['n']} items, backend {self.backend}",
            "=" * 72,
            f"{'metric':<12}{'value':>9}   {level}% bootstrap CI      {'always-no':>10}{'always-yes':>11}",
        ]
        for k in ("accuracy", "f1", "precision", "recall"):
            lo, hi = ci[k]
            lines.append(f"{k:<12}{m[k]:>9.3f}   [{lo:.3f}, {hi:.3f}]{'':>8}{base['always_no'][k]:>10.3f}{base['always_yes'][k]:>11.3f}")
        lines.append(f"gold yes-rate {m['gold_yes_rate']:.3f}; predicted yes-rate {m['pred_yes_rate']:.3f}; "
                     f"invalid/unanswered {m['n_invalid']}")
        n_cached = int(self.predictions["cached"].sum()) if len(self.predictions) else 0
        tok = ", ".join(f"{k}={int(v)}" for k, v in sorted(self.tokens.items())) or "none"
        lines.append(f"tokens: {tok}; time: {self.elapsed:.2f}s total, "
                     f"{self.predictions['elapsed'].mean() if len(self.predictions) else 0:.4f}s per item; cached: {n_cached}")
        lines += ["-" * 72, "per category:"]
        cat = self.categories.copy()
        for col in ("accuracy", "f1", "gold_yes_rate", "always_no_accuracy"):
            cat[col] = cat[col].map(lambda v: f"{v:.3f}")
        lines += ["  " + row for row in cat.to_string(index=False).splitlines()]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The per-category table."""
        return self.categories.copy()

    def __repr__(self) -> str:
        return f"BenchReport({self.backend}: n={self.metrics['n']}, accuracy={self.metrics['accuracy']:.3f}, f1={self.metrics['f1']:.3f})"


def _predict_one(backend: Backend, item: Item) -> Prediction:
    return backend.predict(item)


def run_benchmark(
    items: Sequence[Item],
    backend: Backend,
    *,
    n_boot: int = 1000,
    alpha: float = 0.05,
    random_state: Any = 0,
    progress: bool = True,
    n_jobs: int | None = 1,
) -> BenchReport:
    """Answer every item with ``backend`` and score the answers.

    Parameters
    ----------
    items : sequence of Item
    backend : Backend
        :class:`~causalkit.bench.backends.SolverBackend`, :class:`~causalkit.bench.backends.ModelBackend`
        or :class:`~causalkit.bench.backends.AgentBackend`.
    n_boot : int
        Bootstrap resamples for the intervals.
    alpha : float
        1 - confidence level of the intervals.
    random_state : int or Generator
        Seed of the bootstrap.
    progress : bool
        Show a tqdm progress bar.
    n_jobs : int, optional
        Parallel workers (joblib; processes for the solver, threads for model backends).

    Returns
    -------
    BenchReport

    Examples
    --------
    >>> from causalkit.bench import generate_corr2cause, SolverBackend
    >>> rep = run_benchmark(generate_corr2cause(30, max_nodes=3), SolverBackend(), progress=False, n_boot=50)
    >>> rep.metrics["accuracy"]
    1.0
    """
    if not isinstance(backend, Backend):
        raise InvalidInputError(f"`backend` must be a causalkit.bench Backend; got {type(backend).__name__}.")
    items = list(items)
    if not items:
        raise InvalidInputError("No items to run.")
    n_boot = check_positive_int(n_boot, "n_boot")
    alpha = check_alpha(alpha)
    from tqdm.auto import tqdm

    start = time.perf_counter()
    bar = tqdm(total=len(items), desc=f"bench [{backend.name}]", disable=not progress, leave=False)
    preds: list[Prediction] = []
    if n_jobs in (None, 1):
        for it in items:
            preds.append(backend.predict(it))
            bar.update(1)
    else:
        import joblib

        gen = joblib.Parallel(n_jobs=n_jobs, backend=backend.parallel, return_as="generator")(
            joblib.delayed(_predict_one)(backend, it) for it in items)
        for p in gen:
            preds.append(p)
            bar.update(1)
    bar.close()
    elapsed = time.perf_counter() - start
    gold = [it.answer for it in items]
    pred = [p.pred for p in preds]
    cats = [it.category for it in items]
    tokens: dict[str, float] = {}
    for p in preds:
        for k, v in p.usage.items():
            tokens[k] = tokens.get(k, 0) + v
    table = pd.DataFrame({
        "id": [it.id for it in items], "category": cats, "gold": gold, "pred": pred,
        "correct": [g == p for g, p in zip(gold, pred, strict=True)], "error": [p.error for p in preds],
        "tokens": [sum(v for k, v in p.usage.items() if k in ("total_tokens",)) or sum(p.usage.values()) for p in preds],
        "elapsed": [p.elapsed for p in preds], "cached": [p.cached for p in preds],
    })
    return BenchReport(
        backend=backend.name,
        params={**backend.params, "n_boot": n_boot, "alpha": alpha, "random_state": random_state, "n_jobs": n_jobs},
        metrics=binary_metrics(gold, pred),
        ci=bootstrap_ci(gold, pred, n_boot=n_boot, alpha=alpha, random_state=random_state),
        baselines=baselines(gold),
        categories=per_category(cats, gold, pred),
        predictions=table,
        tokens=tokens,
        elapsed=elapsed,
        versions=provenance(),
    )
