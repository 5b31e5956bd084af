"""Identification of causal effects from a causal graph.

:func:`identify` is the entry point; the building blocks are public too: adjustment sets
(:func:`backdoor_adjustment_sets`, :func:`optimal_adjustment_set`, :func:`is_valid_adjustment_set`),
front-door sets (:func:`frontdoor_sets`, :func:`is_frontdoor_set`), instruments
(:func:`find_instruments`, :func:`check_instrument`) and the ID algorithm (:func:`id_algorithm`).
Graphs may be DAGs, ADMGs (``u <-> v`` for latent confounding), CPDAGs or PAGs (adjustment only).
"""

from causalkit.identification.adjustment import (
    backdoor_adjustment_sets,
    is_valid_adjustment_set,
    optimal_adjustment_set,
)
from causalkit.identification.frontdoor import frontdoor_sets, is_frontdoor_set
from causalkit.identification.general import Formula, id_algorithm
from causalkit.identification.identify import STRATEGIES, identify
from causalkit.identification.iv import InstrumentCheck, check_instrument, find_instruments

__all__ = [
    "identify",
    "STRATEGIES",
    "backdoor_adjustment_sets",
    "optimal_adjustment_set",
    "is_valid_adjustment_set",
    "frontdoor_sets",
    "is_frontdoor_set",
    "find_instruments",
    "check_instrument",
    "InstrumentCheck",
    "id_algorithm",
    "Formula",
]
