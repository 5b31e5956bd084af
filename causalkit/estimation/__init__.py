"""causalkit.estimation: effect estimators that return :class:`~causalkit.results.EffectEstimate`.

:func:`estimate` picks an estimator from the identification strategy; the estimators can also be
called directly: :func:`regression_adjustment`, :func:`ipw`, :func:`aipw`, :func:`dml`,
:func:`iv_2sls`, :func:`wald`, :func:`frontdoor`.
"""

from causalkit.estimation.aipw import aipw
from causalkit.estimation.api import estimate
from causalkit.estimation.dml import dml
from causalkit.estimation.frontdoor import frontdoor
from causalkit.estimation.ipw import ipw, ipw_weights
from causalkit.estimation.iv import iv_2sls, wald
from causalkit.estimation.propensity import (
    LogisticPropensity,
    check_overlap,
    effective_sample_size,
    fit_propensity,
    overlap_diagnostics,
)
from causalkit.estimation.regression import regression_adjustment

__all__ = [
    "estimate",
    "regression_adjustment",
    "ipw",
    "ipw_weights",
    "aipw",
    "dml",
    "iv_2sls",
    "wald",
    "frontdoor",
    "LogisticPropensity",
    "fit_propensity",
    "check_overlap",
    "overlap_diagnostics",
    "effective_sample_size",
]
