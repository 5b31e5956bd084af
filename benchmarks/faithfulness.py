"""Speed of the faithfulness audits: batching and caching, against the one-prompt-at-a-time baseline.

On SmolLM2-135M (CPU, in-process) it times, in the same run:

1. chain-of-thought generation for N prompts one at a time (``batch_size=1``, the reference) vs in
   one left-padded batch, and checks that the outputs are identical;
2. answer scoring (letter log-probabilities) one prompt at a time vs one batched forward pass, and
   the largest difference between the two;
3. an audit run twice on the same on-disk cache: the second run makes no model call.

It also times the whole audit pipeline (all seven tests) on the planted scripted reasoner, which
measures the library's own overhead. Results go to ``benchmarks/RESULTS_faithfulness.md``.

Run::

    OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE python benchmarks/faithfulness.py [--n 8] [--tokens 32]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main(argv: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="prompts")
    parser.add_argument("--tokens", type=int, default=32, help="max new tokens per chain of thought")
    parser.add_argument("--out", default="benchmarks/RESULTS_faithfulness.md")
    args = parser.parse_args(argv)

    import torch

    from causalkit.faithfulness import (
        ArithmeticReasoner,
        LocalReasoner,
        audit,
        make_arithmetic_items,
        make_items,
    )
    from causalkit.faithfulness.prompts import answer_prompt, cot_prompt

    threads = torch.get_num_threads()
    rows: list[tuple[str, str, str, str]] = []
    items = make_items(["arithmetic", "logic"], n_per_task=max(1, args.n // 2), random_state=0)[: args.n]
    base, load_s = timed(lambda: LocalReasoner("smollm2", cache=False, batch_size=1))
    print(f"loaded SmolLM2-135M in {load_s:.1f} s ({threads} threads)")

    prompts = [cot_prompt(it) for it in items]
    single, t_single = timed(lambda: base.generate(prompts, max_new_tokens=args.tokens))
    tokens = base.stats.tokens_generated
    batched_r = LocalReasoner(base, cache=False, batch_size=len(prompts))
    batched, t_batch = timed(lambda: batched_r.generate(prompts, max_new_tokens=args.tokens))
    same = sum(a == b for a, b in zip(single, batched, strict=True))
    rows.append((f"generate {len(prompts)} CoTs x {args.tokens} tokens", f"{t_single:.1f} s ({tokens / t_single:.1f} tok/s)",
                 f"{t_batch:.1f} s ({tokens / t_batch:.1f} tok/s)", f"{t_single / t_batch:.2f}x; {same}/{len(prompts)} identical"))

    answers = [answer_prompt(it, r) for it, r in zip(items, single, strict=True)]
    letters = items[0].letters
    lp_single, s_single = timed(lambda: np.vstack([base.answer_logprobs([p], letters) for p in answers]))
    lp_batch, s_batch = timed(lambda: batched_r.answer_logprobs(answers, letters))
    rows.append((f"score {len(answers)} answers ({len(letters)} letters)", f"{s_single:.2f} s", f"{s_batch:.2f} s",
                 f"{s_single / s_batch:.2f}x; max |diff| {np.max(np.abs(lp_single - lp_batch)):.1e}"))

    with tempfile.TemporaryDirectory() as cache:
        small = items[: min(4, len(items))]
        first = LocalReasoner(base, cache=Path(cache), batch_size=8)
        r1, a1 = timed(lambda: audit(first, small, "early,filler", max_new_tokens=args.tokens, n_boot=200))
        second = LocalReasoner(base, cache=Path(cache), batch_size=8)
        r2, a2 = timed(lambda: audit(second, small, "early,filler", max_new_tokens=args.tokens, n_boot=200))
        rows.append((f"audit early+filler, {len(small)} items (fresh vs cached)", f"{a1:.1f} s, {r1.usage['prompts_sent']:.0f} prompts",
                     f"{a2:.2f} s, {second.stats.backend_calls} model calls", f"{a1 / a2:.0f}x; scores equal: {r2.scores.equals(r1.scores)}"))

    planted_items = make_arithmetic_items(100, random_state=0)
    rep, t_planted = timed(lambda: audit(ArithmeticReasoner("faithful"), planted_items, "all", n_samples=4, n_boot=1000))
    rows.append(("all 7 tests, 100 items, planted reasoner (library overhead)", "-", f"{t_planted:.1f} s",
                 f"{rep.usage['prompts_sent']:.0f} prompts"))

    header = ["what", "one prompt at a time / first run", "batched / cached", "ratio"]
    lines = [
        "# Faithfulness audits: batching and caching",
        "",
        f"SmolLM2-135M-Instruct (GGUF Q4_1 dequantised to float32), transformers, CPU "
        f"({platform.processor() or platform.machine()}, {threads} torch threads, machine shared with other jobs). "
        "Reference = the same backend one prompt at a time (`batch_size=1`). Command: "
        f"`OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '?')} python benchmarks/faithfulness.py "
        f"--n {args.n} --tokens {args.tokens}`.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return rows


if __name__ == "__main__":
    main()
