"""Reliability fixtures: the integration tests' profile contexts, shared here."""

from __future__ import annotations

from tests.integration.conftest import make_context

__all__ = ["make_context"]
