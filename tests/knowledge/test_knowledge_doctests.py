"""The Examples sections of causalkit.knowledge run and print what they claim."""

import doctest
import importlib

import pytest

MODULES = ["__init__", "metadata", "_asking", "priors", "apply", "critique", "pairwise"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module("causalkit.knowledge" + ("" if name == "__init__" else f".{name}"))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
