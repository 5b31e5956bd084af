"""Knowledge in the loop: a model's causal priors, their use in discovery, and a graph critique.

Simulated data with known truth (age -> education -> income -> health <- exercise, age -> income).
By default the "model" is a scripted expert that knows the truth except one edge (it believes
health -> income), so the run shows both what knowledge adds and a disagreement with the data.
Any backend works instead: ``--model local`` (the embedded SmolLM2, weak), ``--model openai:gpt-4o-mini``.

Run: ``python examples/priors.py [--model expert] [--n-samples 3000] [--out examples/output]``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

from causalkit.discovery import discover
from causalkit.graphs import CausalGraph, shd
from causalkit.knowledge import (
    critique_graph,
    discover_with_priors,
    orient_pair,
    propose_priors,
    variable_metadata,
)

TRUTH = CausalGraph(edges=["age --> education", "age --> income", "education --> income",
                           "income --> health", "exercise --> health"])
DESCRIPTIONS = {
    "age": {"description": "age of the person", "unit": "years"},
    "education": {"description": "years of schooling completed", "unit": "years"},
    "income": {"description": "yearly income", "unit": "1000 USD"},
    "exercise": {"description": "weekly hours of exercise", "unit": "hours"},
    "health": {"description": "self-rated health score"},
}


def simulate(n: int, seed: int = 0) -> pd.DataFrame:
    """Linear-Gaussian data from :data:`TRUTH` (non-Gaussian noise on income, for the pairwise check)."""
    rng = np.random.default_rng(seed)
    age = rng.normal(45, 12, n)
    education = 0.08 * age + rng.normal(12, 2, n)
    income = 0.5 * age + 3 * education + rng.exponential(10, n)
    exercise = rng.normal(3, 1.5, n)
    health = 0.05 * income + 0.8 * exercise + rng.normal(0, 1, n)
    df = pd.DataFrame({"age": age, "education": education, "income": income, "exercise": exercise, "health": health})
    df.attrs["variables"] = DESCRIPTIONS
    return df


def expert_model(meta, believed: CausalGraph):
    """A scripted model answering every multiple-choice question from the ``believed`` graph."""
    from agent.testing import ScriptedModel

    labels = {v.name: v.label() for v in meta}
    edges = {(e.u, e.v) for e in believed.edges("-->")}

    def mentioned(text: str) -> list[str]:
        hits = [(text.find(lab), name) for name, lab in labels.items() if lab in text]
        return [name for _, name in sorted(hits)]

    def choose(prompt: str, options: list[str]) -> int:
        last = prompt.strip().splitlines()[-1]
        if options == ["yes", "no"]:
            a, b = mentioned(last)[:2]
            if "common cause" in last or "influence both" in last:
                return 1
            return 0 if (a, b) in edges else 1
        a, b = mentioned(options[0])[0], mentioned(options[1])[0]
        if re.search(r"earlier|first in time", last):
            return 2
        return 0 if (a, b) in edges else 1 if (b, a) in edges else 2

    return ScriptedModel([], default=choose, name="scripted-expert")


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="expert", help="'expert' (scripted) or an agent.llm spec")
    parser.add_argument("--n-samples", type=int, default=3000)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--out", default=str(Path(__file__).parent / "output"))
    args = parser.parse_args(argv)

    df = simulate(args.n_samples)
    meta = variable_metadata(df)
    believed = CausalGraph(edges=[e for e in TRUTH.to_edge_list() if e != "income --> health"] + ["health --> income"])
    if args.model == "expert":
        model = expert_model(meta, believed)
    else:
        from agent.llm import load_model

        model = load_model(args.model)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    print("== 1. What the model believes (every answer kept, cached in priors_cache.jsonl)")
    priors = propose_priors(meta, model, cache=out / "priors_cache.jsonl")
    print(priors.summary(args.threshold))

    print("\n== 2. Data only (PC, Fisher-z)")
    data_only = discover(df, "pc")
    print(data_only.graph.to_edge_list())

    print("\n== 3. Soft priors: orient what the data leave undirected; never override the data")
    soft = discover_with_priors(df, priors, "pc", mode="soft", threshold=args.threshold)
    print(soft.summary())

    print("\n== 4. Hard knowledge: confident statements as background knowledge for PC")
    hard = discover_with_priors(df, priors, "pc", mode="hard", threshold=args.threshold)
    print(hard.summary())

    print("\n== 5. The model critiques the data-only graph (suggestions only)")
    crit = critique_graph(data_only.graph, model, variables=meta, confounders="none")
    print(crit.summary())

    print("\n== 6. Data-only pairwise orientation of age and income (not the model)")
    for method in ("lingam", "igci", "reci"):
        print(" ", orient_pair(df["age"], df["income"], method, names=("age", "income"), random_state=0).summary())

    metrics = {"shd_data_only": shd(TRUTH, data_only.graph), "shd_soft": shd(TRUTH, soft.graph),
               "shd_hard": shd(TRUTH, hard.graph), "n_conflicts_soft": len(soft.conflicts),
               "n_conflicts_hard": len(hard.conflicts), "n_suggestions": len(crit.suggestions)}
    print("\nSHD to the truth:", metrics)
    return metrics


if __name__ == "__main__":
    main()
