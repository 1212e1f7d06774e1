"""One window per profile (issue 8, item 4): the instance guard, and a second ``run_window`` refused."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalServer

from backorder_desktop.ui.application import run_window
from backorder_desktop.ui.single_instance import RUNTIME_SUBFOLDER
from backorder_desktop.ui.single_instance import InstanceGuard
from backorder_desktop.ui.single_instance import peer_uid
from backorder_desktop.ui.single_instance import runtime_folder
from backorder_desktop.ui.single_instance import server_name
from backorder_desktop.ui.single_instance import socket_path
from tests.ui.fakes import FakeLauncher


@pytest.fixture
def make_guard(qtbot) -> Iterator[object]:
    """Instance guards on keys unique to the test; every guard is closed afterwards."""
    made: list[InstanceGuard] = []
    prefix = f"/profiles/{uuid.uuid4().hex}"

    def make(key: str = "a") -> InstanceGuard:
        guard = InstanceGuard(f"{prefix}/{key}")
        made.append(guard)
        return guard

    yield make
    for guard in made:
        guard.close()


def test_a_second_guard_on_the_same_profile_is_refused_and_the_first_is_asked_to_show(
    qtbot, make_guard
) -> None:
    first = make_guard("shop")
    assert first.claim() is True
    assert first.is_listening()
    second = make_guard("shop")
    with qtbot.waitSignal(first.show_requested, timeout=5_000):
        assert second.claim() is False
    assert not second.is_listening()
    # And again: every later start brings the first forward.
    with qtbot.waitSignal(first.show_requested, timeout=5_000):
        assert make_guard("shop").claim() is False


def test_guards_on_different_profiles_do_not_interfere(qtbot, make_guard) -> None:
    first = make_guard("shop")
    other = make_guard("other-shop")
    assert first.name != other.name
    shown: list[str] = []
    first.show_requested.connect(lambda: shown.append("shop"))
    other.show_requested.connect(lambda: shown.append("other"))
    assert first.claim() is True
    assert other.claim() is True
    with qtbot.waitSignal(other.show_requested, timeout=5_000):
        assert make_guard("other-shop").claim() is False
    assert shown == ["other"]


def test_a_closed_instance_frees_the_profile(qtbot, make_guard) -> None:
    first = make_guard("shop")
    assert first.claim() is True
    first.close()
    again = make_guard("shop")
    assert again.claim() is True
    assert again.is_listening()


def test_a_socket_left_by_a_killed_instance_does_not_block_a_new_start(qtbot, make_guard) -> None:
    guard = make_guard("shop")
    path = Path(guard.name)
    # What a killed instance leaves: a socket file nobody listens on any more.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()
    assert path.exists()
    probe = QLocalServer()
    assert probe.listen(guard.name) is False  # the stale file does block a plain listen
    assert guard.claim() is True
    assert guard.is_listening()
    with qtbot.waitSignal(guard.show_requested, timeout=5_000):
        assert make_guard("shop").claim() is False


def test_the_server_name_is_short_and_follows_the_profile_folder() -> None:
    name = server_name("/home/dana/.local/share/backorder-desktop")
    assert name.startswith("backorder-desktop-")
    assert len(name) < 40  # a socket path must stay well under ~100 characters
    assert name == server_name("/home/dana/.local/share/backorder-desktop")
    assert name != server_name("/home/dana/other-profile")


def test_run_window_on_a_profile_already_open_returns_0_without_a_window(
    qtbot, make_guard, tmp_path: Path
) -> None:
    key = str(tmp_path / "data")
    first = InstanceGuard(key)
    try:
        assert first.claim() is True
        launcher = FakeLauncher(str(tmp_path))
        with qtbot.waitSignal(first.show_requested, timeout=5_000):
            code = run_window(launcher, instance_key=key)
        assert code == 0
        assert launcher.opened == []  # the profile was never opened
    finally:
        first.close()


def test_a_second_start_brings_the_open_window_forward(qtbot, tmp_path: Path) -> None:
    """The first ``run_window`` on a profile shows its (hidden) window when a second start knocks."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from backorder_desktop.ui.main_window import MainWindow

    key = str(tmp_path / "data")
    seen: list[str] = []
    ticks = [0]

    def window() -> MainWindow | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        return found[0] if found else None

    def step() -> None:
        ticks[0] += 1
        shown = window()
        if not seen and shown is not None:
            shown.hide()  # as if the merchant had put it away
            seen.append("hidden")
            assert InstanceGuard(key).claim() is False  # the second start: refused, knocks
            seen.append("knocked")
        elif seen == ["hidden", "knocked"] and shown is not None:
            seen.append("shown again")
            # No tray offscreen: closing quits the controller, and run_window returns. (Not through
            # quit-on-last-window-closed: its quit event would outlive run_window's event loop and
            # end the next test's.)
            QApplication.instance().setQuitOnLastWindowClosed(False)
            shown.close()
            return
        if ticks[0] > 200:  # 10 s: give up, close whatever is open so the test can fail
            QApplication.instance().setQuitOnLastWindowClosed(False)
            for widget in QApplication.topLevelWidgets():
                widget.close()
            return
        QTimer.singleShot(50, step)

    QTimer.singleShot(0, step)
    try:
        code = run_window(FakeLauncher(str(tmp_path)), start_demo=True, instance_key=key)
    finally:
        QApplication.instance().setQuitOnLastWindowClosed(True)  # Qt's default, as before
    assert seen == ["hidden", "knocked", "shown again"]
    assert code == 0
    assert InstanceGuard(key).claim() is True  # the profile is free again once the window quit


def test_a_second_backorder_desktop_on_the_same_profile_exits_0_and_the_first_shows(
    qtbot, tmp_path: Path
) -> None:
    """The real command, twice on one ``--home``: the second exits 0 at once, the first comes forward."""
    home = tmp_path / "profile"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    command = [sys.executable, "-m", "backorder_desktop", "--home", str(home)]
    socket_file = socket_path(str((home / "data").resolve()))
    assert socket_file is not None
    log = home / "logs" / "backorder-desktop.log"

    def wait_for(condition, what: str, timeout: float = 30.0) -> None:  # polls another process
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline or first.poll() is not None:
                pytest.fail(f"{what} (first window exit code {first.poll()})", pytrace=False)
            time.sleep(0.05)

    first = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(socket_file.exists, "the first window never listened")
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)
        assert second.returncode == 0, second.stderr
        wait_for(
            lambda: "another start on this profile: showing the window" in log.read_text(errors="replace"),
            "the first window never heard the second start",
        )
        assert first.poll() is None  # the first one is still running
    finally:
        first.kill()
        first.wait(timeout=10)
    # Killed: its socket file is left behind, and must not block the next start.
    assert socket_file.exists()
    guard = InstanceGuard(str((home / "data").resolve()))
    try:
        assert guard.claim() is True
    finally:
        guard.close()


# Issue 13, item 8: the socket is in a folder only the user can enter, and another user's
# socket is not obeyed.

OTHER_UID = 65534  # "nobody": the tests run as root, so a forked child can become another user


@pytest.fixture
def short_folder() -> Iterator[object]:
    """Folders with short paths (a socket path must stay under ~100 characters), removed after."""
    made: list[Path] = []

    def make(prefix: str, mode: int = 0o700) -> Path:
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        folder.chmod(mode)
        made.append(folder)
        return folder

    yield make
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def runtime_dir(monkeypatch: pytest.MonkeyPatch, short_folder) -> Path:
    """A private ``XDG_RUNTIME_DIR``, as a desktop session has one."""
    folder = short_folder("bd-run-")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_socket_is_in_the_users_runtime_folder_in_a_folder_only_the_user_can_enter(
    qtbot, make_guard, runtime_dir: Path
) -> None:
    previous = os.umask(0o022)  # folders would come out 0755 by default
    try:
        guard = make_guard("shop")
        assert guard.claim() is True
    finally:
        os.umask(previous)
    path = Path(guard.name)
    assert path.parent == runtime_dir / RUNTIME_SUBFOLDER
    assert stat.S_ISSOCK(path.lstat().st_mode)
    assert _mode(path.parent) == 0o700
    assert path.parent.lstat().st_uid == os.geteuid()


def test_a_runtime_folder_others_can_enter_is_not_used_but_a_private_one_of_ours(
    qtbot, make_guard, monkeypatch: pytest.MonkeyPatch, short_folder
) -> None:
    open_runtime = short_folder("bd-run-", 0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(open_runtime))
    shared_tmp = short_folder("bd-tmp-", 0o1777)  # like /tmp
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    ours = shared_tmp / f"{RUNTIME_SUBFOLDER}-{os.geteuid()}"
    ours.mkdir(mode=0o755)
    ours.chmod(0o755)  # left open by something else of ours: made private before use
    guard = make_guard("shop")
    assert guard.claim() is True
    assert Path(guard.name).parent == ours
    assert _mode(ours) == 0o700
    assert not (open_runtime / RUNTIME_SUBFOLDER).exists()


def test_a_folder_another_user_made_first_turns_the_check_off_and_the_window_starts(
    qtbot, make_guard, monkeypatch: pytest.MonkeyPatch, short_folder, expected_warnings
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    shared_tmp = short_folder("bd-tmp-", 0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    taken = shared_tmp / f"{RUNTIME_SUBFOLDER}-{os.geteuid()}"
    taken.mkdir(mode=0o777)
    os.chown(taken, OTHER_UID, OTHER_UID)
    assert runtime_folder() is None
    guard = make_guard("shop")
    assert guard.claim() is True  # starts: not told to exit by another user's socket
    assert not guard.is_listening()
    assert any(
        "another user" in r.getMessage() and "check is off" in r.getMessage() for r in expected_warnings
    )


def _fork_as_other_user(run) -> tuple[int, int]:
    """Fork a child that becomes ``OTHER_UID`` and calls ``run(write_fd)``; (pid, read_fd)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: plain sockets only, and never back into pytest
        code = 1
        try:
            os.close(read_fd)
            os.setgid(OTHER_UID)
            os.setuid(OTHER_UID)
            run(write_fd)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1024):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def test_a_server_of_another_user_at_the_socket_path_is_ignored_and_the_window_starts(
    qtbot, make_guard, runtime_dir: Path, expected_warnings
) -> None:
    guard = make_guard("shop")
    path = Path(guard.name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Bound by us (the folder is ours alone); the child listens as another user, and
    # SO_PEERCRED reports who called listen().
    listener.bind(str(path))

    def serve(report: int) -> None:
        listener.settimeout(30)  # only so that a broken test cannot hang
        listener.listen(1)
        os.write(report, b"listening\n")
        connection, _ = listener.accept()
        connection.settimeout(30)
        received = b""
        while chunk := connection.recv(64):
            received += chunk
        os.write(report, b"received:" + received)

    pid, report = _fork_as_other_user(serve)
    listener.close()
    try:
        assert os.read(report, len(b"listening\n")) == b"listening\n"
        assert guard.claim() is True  # not "another window is open": that one is not ours
        assert guard.is_listening()
        assert _read_all(report) == b"received:"  # it was never told to show anything
    finally:
        os.waitpid(pid, 0)
    assert any(f"uid {OTHER_UID}" in r.getMessage() for r in expected_warnings)
    with qtbot.waitSignal(guard.show_requested, timeout=5_000):  # our own second start still knocks
        assert make_guard("shop").claim() is False


def test_a_knock_from_another_user_is_not_obeyed(
    qtbot, make_guard, runtime_dir: Path, expected_warnings
) -> None:
    guard = make_guard("shop")
    assert guard.claim() is True
    shown: list[bool] = []
    guard.show_requested.connect(lambda: shown.append(True))
    path = Path(guard.name)
    # As if the folder had been opened up: another user can reach the socket.
    for folder in (path.parent, runtime_dir):
        folder.chmod(0o755)
    path.chmod(0o777)

    def knock(report: int) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(30)
            client.connect(str(path))
            client.sendall(b"show\n")
            os.write(report, b"sent")

    pid, report = _fork_as_other_user(knock)
    try:
        assert _read_all(report) == b"sent"
    finally:
        os.waitpid(pid, 0)
    qtbot.waitUntil(
        lambda: any("connection from another user" in r.getMessage() for r in expected_warnings),
        timeout=5_000,
    )
    assert shown == []


def test_peer_uid_is_the_user_at_the_other_end() -> None:
    one, two = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with one, two:
        assert peer_uid(one.fileno()) == os.geteuid()
    assert peer_uid(-1) is None
