"""Coverage of mediation confidence intervals over simulation replications."""

import numpy as np
import pytest
from _mediation_sims import simulate, truth  # noqa: E402  (helper in this directory)

from causalkit.mediation import mediate


def _coverage(reps, n, n_boot, *, seed0, interaction=True, ci_method="bootstrap"):
    nde, nie = truth(1, 0)
    hits = {"nde": 0, "nie": 0, "te": 0}
    for r in range(reps):
        data = simulate(n, np.random.default_rng(seed0 + r))
        res = mediate(data, "X", "M", "Y", ["Z"], interaction=interaction, ci_method=ci_method,
                      n_boot=n_boot, random_state=r)
        for key, est, true in (("nde", res.direct_effect, nde), ("nie", res.indirect_effect, nie),
                               ("te", res.total_effect, nde + nie)):
            hits[key] += est.ci[0] <= true <= est.ci[1]
    return {k: v / reps for k, v in hits.items()}


def test_bootstrap_coverage_fast():
    # 40 replications: Binomial(40, 0.95) falls below 0.85 with probability < 1 %.
    good = _coverage(40, 300, 150, seed0=1000)
    assert all(c >= 0.85 for c in good.values()), good
    # The same intervals from a wrong model (no X*M interaction although D = 0.8) miss the NIE.
    wrong = _coverage(40, 300, 0, seed0=1000, interaction=False, ci_method="delta")
    assert wrong["nie"] < 0.5, wrong


@pytest.mark.slow
def test_bootstrap_and_delta_coverage_full():
    boot = _coverage(200, 300, 500, seed0=5000)
    assert all(0.91 <= c <= 0.99 for c in boot.values()), boot
    delta = _coverage(200, 300, 0, seed0=5000, ci_method="delta")
    assert all(0.91 <= c <= 0.99 for c in delta.values()), delta
