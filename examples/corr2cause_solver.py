"""Answer Corr2Cause questions exactly: stated (in)dependences -> equivalence class -> verdict.

Run it on generated items (default) or on your own copy of the Corr2Cause test split::

    python examples/corr2cause_solver.py                    # 600 generated items, 2-6 variables
    python examples/corr2cause_solver.py --items test.csv   # Corr2Cause's CSV (columns input, label)

It prints one worked derivation, then accuracy and F1 beside the always-"no" baseline, per relation type.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from causalkit.bench import SolverBackend, generate_corr2cause, load_items, run_benchmark
from causalkit.reasoning import solve


def main(argv: Sequence[str] | None = None) -> int:
    """Run the example; returns 0."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", help="a Corr2Cause CSV/JSON file (default: generate items)")
    p.add_argument("-n", type=int, default=600, help="number of generated items")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    items = load_items(args.items, "corr2cause") if args.items else generate_corr2cause(args.n, random_state=args.seed)

    example = next((it for it in items if it.answer == "yes" and it.metadata.get("num_variables", 0) >= 3), items[0])
    print(example.question, "\n")
    answer = solve(example.question)
    print(answer.summary(), f"\n(gold answer: {example.answer})\n")

    report = run_benchmark(items, SolverBackend(), n_boot=500, random_state=args.seed, progress=False)
    print(report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
