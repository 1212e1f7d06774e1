"""The worker primitive and the event bridge: results, errors and events reach the GUI thread."""

from __future__ import annotations

import threading

import pytest

from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.status import SyncPhase
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.domain.status import SyncState
from backorder_desktop.services.events import EventHub
from backorder_desktop.ui.qt_bridge import EventBridge
from backorder_desktop.ui.workers import BackgroundRunner

pytestmark = pytest.mark.gui


def test_result_then_finished_arrive_on_the_gui_thread(qtbot, runner: BackgroundRunner) -> None:
    seen: list[tuple[str, object, bool]] = []
    worker_thread: list[str] = []

    def work() -> int:
        worker_thread.append(threading.current_thread().name)
        return 42

    with qtbot.waitSignal(runner.became_idle, timeout=5000):
        runner.run_in_background(
            work,
            on_result=lambda v: seen.append(
                ("result", v, threading.current_thread() is threading.main_thread())
            ),
            on_finished=lambda: seen.append(
                ("finished", None, threading.current_thread() is threading.main_thread())
            ),
        )
        assert runner.active_count() == 1
    assert seen == [("result", 42, True), ("finished", None, True)]
    assert worker_thread and worker_thread[0] != threading.main_thread().name


def test_error_then_finished_and_never_swallowed(qtbot, runner: BackgroundRunner) -> None:
    errors: list[BaseException] = []
    finished: list[bool] = []

    def fail() -> None:
        raise Offline("no network")

    with qtbot.waitSignal(runner.became_idle, timeout=5000):
        runner.run_in_background(fail, on_error=errors.append, on_finished=lambda: finished.append(True))
    assert isinstance(errors[0], Offline)
    assert finished == [True]

    unhandled: list[BaseException] = []
    runner.unhandled_error = unhandled.append
    with qtbot.waitSignal(runner.became_idle, timeout=5000):
        runner.run_in_background(fail)
    assert isinstance(unhandled[0], Offline)


def test_what_runs_after_current_waits_for_every_earlier_task_and_keeps_the_runner_busy(
    qtbot, runner: BackgroundRunner
) -> None:
    """How a profile the window no longer shows is closed: never under a read still using it."""
    release = threading.Event()
    order: list[str] = []
    idle: list[int] = []
    runner.became_idle.connect(lambda: idle.append(runner.active_count()))

    def read() -> None:
        release.wait(30)
        order.append("read")

    runner.run_in_background(read)
    runner.run_in_background(lambda: order.append("quick"))
    runner.run_after_current(lambda: order.append("close"), on_finished=lambda: order.append("closed"))
    qtbot.waitUntil(lambda: order == ["quick"], timeout=5000)
    assert runner.active_count() == 1  # the close has not started: the read still runs
    with qtbot.waitSignal(runner.became_idle, timeout=5000):
        release.set()
    assert order == ["quick", "read", "close", "closed"]
    assert idle == [0]  # idle once, after the close: never between the read and the close

    with qtbot.waitSignal(runner.became_idle, timeout=5000):
        runner.run_after_current(lambda: order.append("at once"))  # nothing earlier: starts now
    assert order[-1] == "at once"


def test_bridge_delivers_hub_events_queued_on_the_gui_thread(qtbot) -> None:
    hub = EventHub()
    bridge = EventBridge(hub)
    progress = SyncProgress(
        run_id=1, phase=SyncPhase.FULL_PULL, pages_done=2, pages_total=8, products_seen=500
    )
    received: list[tuple[object, bool]] = []
    bridge.progress_changed.connect(
        lambda p: received.append((p, threading.current_thread() is threading.main_thread()))
    )

    thread = threading.Thread(target=hub.emit_progress, args=(progress,))
    with qtbot.waitSignal(bridge.progress_changed, timeout=5000):
        thread.start()
        thread.join()
    assert received == [(progress, True)]

    # even an event emitted on the GUI thread is delivered later, through the event loop
    states: list[SyncState] = []
    bridge.state_changed.connect(states.append)
    with qtbot.waitSignal(bridge.state_changed, timeout=5000):
        hub.emit_state(SyncState.SYNCING)
        assert states == []
    assert states == [SyncState.SYNCING]
    assert bridge.current_state is SyncState.SYNCING
    bridge.detach()
