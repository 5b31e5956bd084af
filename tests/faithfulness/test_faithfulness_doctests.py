"""The examples in the docstrings of causalkit.faithfulness run as written."""

import doctest
import importlib

import pytest

MODULES = ["segment", "items", "generators", "prompts", "reasoner", "interventions", "metrics", "testing",
           "agent_audit", "runner", "__init__"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module("causalkit.faithfulness" + ("" if name == "__init__" else f".{name}"))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and (result.attempted > 0 or name == "__init__")
