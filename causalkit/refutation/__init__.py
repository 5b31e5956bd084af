"""causalkit.refutation: refuters and sensitivity analysis for effect estimates.

Refuters refit an estimate on modified data (placebo treatment, random common cause, data
subsets, bootstrap resamples); linear-regression estimates are refitted as one batched
least-squares problem, other estimators in parallel through joblib. Sensitivity analyses
quantify how strong unmeasured confounding would have to be (E-value, partial-R2 robustness value).
"""

from causalkit.refutation.api import REFUTERS, refute
from causalkit.refutation.refuters import (
    bootstrap_stability,
    data_subset,
    placebo_treatment,
    random_common_cause,
)
from causalkit.refutation.sensitivity import e_value, partial_r2_stats, robustness_value

__all__ = [
    "placebo_treatment",
    "random_common_cause",
    "data_subset",
    "bootstrap_stability",
    "refute",
    "REFUTERS",
    "e_value",
    "robustness_value",
    "partial_r2_stats",
]
