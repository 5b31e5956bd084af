"""The Examples sections of the SCM and mediation docstrings run and print what they claim."""

import doctest

import pytest

import causalkit.mediation._api
import causalkit.mediation._results
import causalkit.scm._model


@pytest.mark.parametrize("module", [causalkit.scm._model, causalkit.mediation._api, causalkit.mediation._results])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
