"""The Examples sections of causalkit.reasoning and causalkit.bench run as written."""

import doctest
import importlib

import pytest

MODULES = [
    "causalkit.reasoning.facts", "causalkit.reasoning.oracle", "causalkit.reasoning.hypotheses",
    "causalkit.reasoning.binary_scm", "causalkit.reasoning.probability", "causalkit.reasoning.queries",
    "causalkit.reasoning.mechanisms", "causalkit.reasoning.parse_corr2cause", "causalkit.reasoning.parse_cladder",
    "causalkit.reasoning.solver", "causalkit.bench.items", "causalkit.bench.metrics", "causalkit.bench.cache",
    "causalkit.bench.backends", "causalkit.bench.gen_corr2cause", "causalkit.bench.gen_cladder", "causalkit.bench.runner",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
