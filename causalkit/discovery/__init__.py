"""Causal discovery: PC, FCI, GES, CD-NOD and LiNGAM, with CI tests and background knowledge."""

from causalkit.discovery.api import DISCOVERY_METHODS, discover, suggest_method
from causalkit.discovery.cdnod import cdnod
from causalkit.discovery.ci_tests import available_ci_tests, get_ci_test, register_ci_test
from causalkit.discovery.fci import fci
from causalkit.discovery.ges import ges
from causalkit.discovery.knowledge import BackgroundKnowledge
from causalkit.discovery.lingam import lingam
from causalkit.discovery.pc import pc

__all__ = [
    "BackgroundKnowledge",
    "available_ci_tests",
    "get_ci_test",
    "register_ci_test",
    "discover",
    "suggest_method",
    "DISCOVERY_METHODS",
    "pc",
    "fci",
    "ges",
    "cdnod",
    "lingam",
]
