"""The NSW job-training experiment (LaLonde 1986; Dehejia & Wahba 1999): the experimental benchmark.

On the Dehejia-Wahba NSW sample (185 treated, 260 randomised controls; outcome: 1978 earnings
``re78`` in US$), Dehejia & Wahba (1999, JASA 94:1053-1062, Table 3, row "NSW") report

* the difference in means: **1,794 (SE 633)**, and
* the regression-adjusted estimate: **1,672 (SE 638)**, covariates age, age^2, education, no degree,
  black, Hispanic, RE74, RE75 (Table 3, note a); conventional (homoskedastic) OLS standard errors.

causalkit reproduces both with :func:`~causalkit.estimation.regression_adjustment`
(``interactions=False, cov_type="nonrobust"``), then shows its default estimators (Lin-interacted OLS
with HC3 SEs, IPW, AIPW), which should agree within sampling error because treatment was randomised.

Run: ``python examples/lalonde_nsw.py``
"""

from __future__ import annotations

import pandas as pd

from causalkit.datasets import load_lalonde
from causalkit.estimation import aipw, estimate, ipw, regression_adjustment

PUBLISHED = {
    "difference_in_means": {"value": 1794, "stderr": 633},
    "regression_adjusted": {"value": 1672, "stderr": 638},
    "source": "Dehejia & Wahba (1999), JASA 94(448):1053-1062, Table 3, NSW row, columns (1)-(2)",
}
COVARIATES = ["age", "age_sq", "educ", "nodegree", "black", "hisp", "re74", "re75"]


def load_data() -> pd.DataFrame:
    """The NSW experimental sample with ``age_sq`` added."""
    d = load_lalonde("nsw").data.copy()
    d["age_sq"] = d["age"].astype(float) ** 2
    return d


def run(random_state: int = 0) -> dict:
    """Compute the replications; returns ``{name: EffectEstimate}``."""
    d = load_data()
    return {
        "difference_in_means": regression_adjustment(d, "treat", "re78", [], cov_type="nonrobust"),
        "regression_adjusted": regression_adjustment(
            d, "treat", "re78", COVARIATES, interactions=False, cov_type="nonrobust"
        ),
        "lin_ols_hc3": regression_adjustment(d, "treat", "re78", COVARIATES),
        "ipw": ipw(d, "treat", "re78", COVARIATES),
        "aipw": aipw(d, "treat", "re78", COVARIATES, random_state=random_state),
        "estimate_randomised": estimate(
            d, "treat", "re78", adjustment=[], random_state=random_state
        ),
    }


def main() -> None:
    res = run()
    print(f"NSW experimental sample (Dehejia-Wahba): n = {res['difference_in_means'].n_obs}")
    fmt = "{:<40}{:>10}{:>10}   {}"
    print(fmt.format("estimator (ATE of treat on re78, US$)", "estimate", "SE", "published"))
    labels = {
        "difference_in_means": "difference in means (OLS, classical SE)",
        "regression_adjusted": "regression adjusted (OLS, classical SE)",
        "lin_ols_hc3": "Lin-interacted OLS, HC3 (default)",
        "ipw": "IPW, logistic propensity, sandwich SE",
        "aipw": "AIPW, linear/logistic, 5-fold",
        "estimate_randomised": "estimate(adjustment=[]) -> auto",
    }
    for key, label in labels.items():
        e = res[key]
        pub = PUBLISHED.get(key)
        shown = f"{pub['value']:,} ({pub['stderr']})" if isinstance(pub, dict) else "-"
        print(fmt.format(label, f"{e.value:,.0f}", f"{e.stderr:,.0f}", shown))
    print(f"\nsource: {PUBLISHED['source']}")


if __name__ == "__main__":
    main()
