"""Mediation analysis: total, natural direct, natural indirect and controlled direct effects.

:func:`mediate` estimates them from data (regression closed forms or simulation with any
scikit-learn models); :func:`mediation_result_from_samples` turns replicates of the effects from any
source (e.g. language-model components) into a :class:`~causalkit.results.MediationResult`.
"""

from causalkit.mediation._api import mediate
from causalkit.mediation._results import mediation_result_from_samples

__all__ = ["mediate", "mediation_result_from_samples"]
