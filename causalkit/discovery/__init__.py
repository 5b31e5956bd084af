"""Causal discovery: PC, FCI, GES, CD-NOD and LiNGAM, with CI tests and background knowledge."""

from causalkit.discovery.ci_tests import available_ci_tests, get_ci_test, register_ci_test
from causalkit.discovery.knowledge import BackgroundKnowledge

__all__ = ["BackgroundKnowledge", "available_ci_tests", "get_ci_test", "register_ci_test"]
