"""Fixtures for tests/agent_app (defined in _agent_app_helpers.py so test modules can import helpers by a unique name)."""

from _agent_app_helpers import *  # noqa: F401,F403
