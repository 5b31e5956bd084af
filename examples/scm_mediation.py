"""Structural causal models and mediation analysis in causalkit.

A simulated job-training study with a known truth:

    age --> training --> skills --> earnings,   training --> earnings,   age --> {skills, earnings}

``training`` is binary (older people train less), ``skills`` is the mediator, ``earnings`` the
outcome (with a training x skills interaction). The script

1. fits a structural causal model on the graph (mechanisms chosen automatically),
2. answers interventional questions with ``do()`` and an ATE with bootstrap uncertainty,
3. computes a counterfactual for one person (abduction - action - prediction),
4. decomposes the effect of training into natural direct and indirect effects with ``mediate``.

Run: ``python examples/scm_mediation.py`` (a few seconds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from causalkit.graphs import CausalGraph
from causalkit.mediation import mediate
from causalkit.scm import StructuralCausalModel

# earnings = 10 + 2 training + 3 skills + 1 training*skills + 0.1 (age - 40) + noise
# skills   = 1 + 1.5 training - 0.02 (age - 40) + noise
B_T, B_S, B_TS, S0, S_T = 2.0, 3.0, 1.0, 1.0, 1.5


def simulate(n: int, seed: int) -> pd.DataFrame:
    """Draw ``n`` people from the true model."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(20, 60, n)
    training = rng.binomial(1, 1 / (1 + np.exp(0.08 * (age - 40))))
    skills = S0 + S_T * training - 0.02 * (age - 40) + rng.normal(0, 1, n)
    earnings = 10 + B_T * training + B_S * skills + B_TS * training * skills + 0.1 * (age - 40) + rng.normal(0, 2, n)
    return pd.DataFrame({"age": age, "training": training, "skills": skills, "earnings": earnings})


def main(n: int = 3000, seed: int = 0, n_boot: int = 200) -> dict[str, float]:
    """Run the tour; return the headline numbers (used by the test of this example)."""
    data = simulate(n, seed)
    graph = CausalGraph(edges=["age --> training", "age --> skills", "age --> earnings",
                               "training --> skills", "training --> earnings", "skills --> earnings"])

    # 1. Fit the SCM. `training` is an integer 0/1 column with a continuous parent -> classifier.
    scm = StructuralCausalModel(graph, random_state=seed).fit(data)
    print("Fitted mechanisms:")
    print(scm.mechanism_summary()[["node", "kind", "parents", "r2"]].to_string(index=False), "\n")

    # 2. Interventions. Truth: E[earnings | do(training=t)] differs by
    #    B_T + B_S S_T + B_TS (S0 + S_T + E[skills noise]) = 2 + 4.5 + 2.5 = 9.
    y1 = scm.interventional_mean("earnings", {"training": 1}, random_state=seed)
    y0 = scm.interventional_mean("earnings", {"training": 0}, random_state=seed)
    print(f"E[earnings | do(training=1)] = {y1:.2f},  do(training=0) = {y0:.2f}")
    older = scm.do({"training": lambda parents: (parents["age"] < 30).astype(int)}, n=20_000, random_state=seed)
    print(f"Policy 'train only the under-30s': mean earnings {older['earnings'].mean():.2f}")
    ate = scm.ate("training", "earnings", n_boot=n_boot // 4, random_state=seed)
    print(ate.summary(), "\n")

    # 3. A counterfactual: what would person 0 have earned with the other training status?
    person = data.iloc[[0]]
    flipped = 1 - int(person["training"].iloc[0])
    cf = scm.counterfactual(person, {"training": flipped})
    print("Person 0, observed vs counterfactual (training flipped):")
    print(pd.concat([person.assign(world="observed"), cf.assign(world="counterfactual")]).to_string(index=False))
    print()

    # 4. Mediation: how much of the effect of training runs through skills?
    res = mediate(data, "training", "skills", "earnings", covariates=["age"], mediator_value=1.0,
                  n_boot=n_boot, random_state=seed)
    print(res.summary())
    nde_true = B_T + B_TS * S0  # E[skills(0)] = S0 at the mean age
    nie_true = (B_S + B_TS) * S_T
    print(f"(truth: NDE = {nde_true:.2f}, NIE = {nie_true:.2f}, TE = {nde_true + nie_true:.2f})")
    return {"ate": ate.value, "nde": res.direct_effect.value, "nie": res.indirect_effect.value,
            "cf_earnings": float(cf["earnings"].iloc[0]), "nde_true": nde_true, "nie_true": nie_true}


if __name__ == "__main__":
    main()
