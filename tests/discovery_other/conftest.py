"""Fixtures for tests/discovery_other (defined in _discovery_other_helpers.py so test modules can import helpers by a unique name)."""

from _discovery_other_helpers import *  # noqa: F401,F403
