"""Journeys 1-10 of the user journeys, end to end over the real demo store: the window (pytest-qt)
and the command line (the real command). The window helpers are the window tests' own."""

from __future__ import annotations

from tests.ui.conftest import make_controller  # noqa: F401 - a fixture the journeys share
from tests.ui.conftest import wait_idle


def started(qtbot, make_controller, launcher):  # noqa: F811 - the fixture's value, passed in
    """A controller over ``launcher``, its profile opened and idle."""
    controller = make_controller(launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller, timeout=30_000)
    return controller
