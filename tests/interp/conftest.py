"""Fixtures for tests/interp (defined in _interp_helpers.py so test modules can import helpers by a unique name)."""

from _interp_helpers import *  # noqa: F401,F403
