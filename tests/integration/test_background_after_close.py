"""The window starts a profile's background on a worker after its first paint; a profile closed
meanwhile (the window quit, another profile opened) starts nothing on its closed database."""

from __future__ import annotations

from collections.abc import Callable

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.services.profile import Profile


def test_a_closed_profile_starts_no_schedule(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> None:
    context = make_context(make_demo_store(products=3))
    scheduler = context.parts.scheduler
    context.close()

    assert context.start_background() is None
    assert not scheduler.running  # before, it ran, and its ticks read the closed file


def test_an_open_profile_starts_its_schedule_once(
    make_demo_store: Callable[..., DemoStore], make_context: Callable[..., Profile]
) -> None:
    context = make_context(make_demo_store(products=3))

    context.start_background()
    context.start_background()

    assert context.parts.scheduler.running
