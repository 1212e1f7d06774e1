"""Integration fixtures: a profile connected to a fresh demo store."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.services.profile import Profile
from tests.integration.support import connect_context


@pytest.fixture
def make_context(home: str) -> Iterator[Callable[..., Profile]]:
    """Build contexts on the test's profile folder; all closed at teardown."""
    made: list[Profile] = []

    def make(store: DemoStore, **client_options: Any) -> Profile:
        context = connect_context(home, store, **client_options)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
