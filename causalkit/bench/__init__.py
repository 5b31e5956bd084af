"""Benchmark harness for causal reasoning (``causalkit bench``).

* Items in JSONL (:class:`Item`, :func:`read_jsonl`, :func:`write_jsonl`); loaders for user copies of
  the Corr2Cause and CLadder test sets (:func:`load_items`; expected fields in :mod:`.loaders`).
* Generators with exact labels: :func:`generate_corr2cause` (all DAGs / equivalence classes over 2-6
  variables, d-separation premises, six relation types) and :func:`generate_cladder` (CLadder's
  graphs with random parameters, labels from the full SCM).
* Backends: :class:`SolverBackend` (no model), :class:`ModelBackend` (a bare chat model),
  :class:`AgentBackend` (the agent with the reasoning tools); a resumable :class:`ResponseCache`.
* :func:`run_benchmark` -> :class:`BenchReport`: accuracy and F1 beside the always-"no" baseline,
  per-category scores, seeded bootstrap CIs, tokens and time.
"""

from causalkit.bench.backends import (
    AgentBackend,
    Backend,
    ModelBackend,
    Prediction,
    SolverBackend,
    extract_yes_no,
    make_backend,
)
from causalkit.bench.cache import ResponseCache, cache_key
from causalkit.bench.gen_cladder import generate_cladder
from causalkit.bench.gen_corr2cause import generate_corr2cause
from causalkit.bench.items import Item, normalize_label, read_jsonl, write_jsonl
from causalkit.bench.loaders import load_cladder, load_corr2cause, load_items
from causalkit.bench.metrics import baselines, binary_metrics, bootstrap_ci, per_category
from causalkit.bench.runner import BenchReport, run_benchmark

__all__ = [
    "Item", "read_jsonl", "write_jsonl", "normalize_label",
    "load_items", "load_corr2cause", "load_cladder",
    "generate_corr2cause", "generate_cladder",
    "Backend", "SolverBackend", "ModelBackend", "AgentBackend", "Prediction", "extract_yes_no", "make_backend",
    "ResponseCache", "cache_key",
    "binary_metrics", "baselines", "bootstrap_ci", "per_category",
    "run_benchmark", "BenchReport",
]
