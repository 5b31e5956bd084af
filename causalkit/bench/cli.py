"""``causalkit bench``: generate item files and run a backend over them.

Examples::

    causalkit bench generate corr2cause -n 2000 --seed 0 -o c2c.jsonl
    causalkit bench generate cladder -n 1000 --seed 0 -o cladder.jsonl
    causalkit bench run c2c.jsonl                                  # the no-model solver
    causalkit bench run test.csv --format corr2cause --backend model --model openai:gpt-4o-mini --cache cache.jsonl
    causalkit bench run cladder-v1-balanced.json --format cladder --models cladder-v1-meta-models.json \\
        --backend agent --model qwen2.5 --base-url http://127.0.0.1:8080/v1 --limit 200
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from causalkit.exceptions import CausalKitError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``causalkit bench``."""
    p = argparse.ArgumentParser(prog="causalkit bench", description="Causal-reasoning benchmarks for models, agents and the solver.")
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write generated items to a JSONL file")
    g.add_argument("dataset", choices=["corr2cause", "cladder"])
    g.add_argument("-n", "--n-items", type=int, default=1000)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("-o", "--output", required=True)
    g.add_argument("--min-nodes", type=int, default=2, help="corr2cause: fewest variables")
    g.add_argument("--max-nodes", type=int, default=6, help="corr2cause: most variables")
    g.add_argument("--semantics", choices=["corr2cause", "standard"], default="corr2cause")
    g.add_argument("--paraphrased", action="store_true", help="corr2cause: paraphrased hypothesis templates")
    g.add_argument("--queries", nargs="*", help="cladder: query types to include")
    g.add_argument("--names", choices=["nonsense", "letters", "from_z"], default=None)

    r = sub.add_parser("run", help="run a backend over an item file and print the report")
    r.add_argument("items")
    r.add_argument("--format", choices=["auto", "jsonl", "corr2cause", "cladder"], default="auto")
    r.add_argument("--models", help="CLadder meta-models JSON (backgrounds by model_id)")
    r.add_argument("--backend", choices=["solver", "model", "agent"], default="solver")
    r.add_argument("--model", help="model spec, e.g. openai:gpt-4o-mini, local:smollm2, or a name with --base-url")
    r.add_argument("--base-url")
    r.add_argument("--cache", help="JSONL cache of model outputs (resumable)")
    r.add_argument("--limit", type=int)
    r.add_argument("--max-tokens", type=int, default=512)
    r.add_argument("--n-boot", type=int, default=1000)
    r.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    r.add_argument("--n-jobs", type=int, default=1)
    r.add_argument("--output", help="write per-item predictions (JSONL)")
    r.add_argument("--report", help="write the report as JSON")
    r.add_argument("--no-progress", action="store_true")
    return p


def _generate(a: argparse.Namespace) -> int:
    from causalkit.bench import generate_cladder, generate_corr2cause, write_jsonl

    if a.dataset == "corr2cause":
        items = generate_corr2cause(a.n_items, min_nodes=a.min_nodes, max_nodes=a.max_nodes, random_state=a.seed,
                                    semantics=a.semantics, names=a.names or "letters", paraphrased=a.paraphrased)
    else:
        items = generate_cladder(a.n_items, queries=a.queries, random_state=a.seed, names=a.names or "nonsense")
    path = write_jsonl(items, a.output)
    yes = sum(it.answer == "yes" for it in items)
    print(f"wrote {len(items)} items ({yes} yes, {len(items) - yes} no) to {path}")
    return 0


def _run(a: argparse.Namespace) -> int:
    from causalkit.bench import ResponseCache, load_items, make_backend, run_benchmark

    items = load_items(a.items, a.format, models_path=a.models, limit=a.limit)
    cache = ResponseCache(a.cache) if a.cache else None
    kw = {}
    if a.backend in ("model", "agent"):
        if not a.model:
            print("error: --backend model/agent needs --model", file=sys.stderr)
            return 2
        kw = {"max_tokens": a.max_tokens, "base_url": a.base_url}
    elif a.base_url:
        kw = {"base_url": a.base_url}
    backend = make_backend(a.backend, a.model, cache=cache, **kw)
    report = run_benchmark(items, backend, n_boot=a.n_boot, random_state=a.seed, progress=not a.no_progress,
                           n_jobs=a.n_jobs)
    print(report.summary())
    if a.output:
        Path(a.output).parent.mkdir(parents=True, exist_ok=True)
        report.predictions.to_json(a.output, orient="records", lines=True)
    if a.report:
        Path(a.report).write_text(json.dumps(report.to_dict(), indent=2, default=str), encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``causalkit bench``; returns the exit status (errors print one line, status 2)."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    errors: tuple[type[BaseException], ...] = (CausalKitError,)
    try:
        from agent.exceptions import AgentError

        errors = (CausalKitError, AgentError)
    except ImportError:  # pragma: no cover - the agent package ships with causalkit
        pass
    try:
        return _generate(args) if args.command == "generate" else _run(args)
    except errors as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
