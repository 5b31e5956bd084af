"""Structural causal models: fit mechanisms on a DAG, then sample, intervene (``do``) and compute
counterfactuals by abduction-action-prediction.
"""

from causalkit.scm._effects import scm_effect
from causalkit.scm._mechanisms import (
    AdditiveNoiseMechanism,
    ClassifierMechanism,
    DiscreteMechanism,
    LinearMechanism,
    Mechanism,
    default_regressor,
    linearity_pvalue,
)
from causalkit.scm._model import StructuralCausalModel

__all__ = [
    "StructuralCausalModel",
    "scm_effect",
    "Mechanism",
    "LinearMechanism",
    "AdditiveNoiseMechanism",
    "DiscreteMechanism",
    "ClassifierMechanism",
    "linearity_pvalue",
    "default_regressor",
]
