"""A private X display for tray tests: Xvfb (:9x, no TCP), openbox and a trayer tray host.

Every process is started here and stopped here (by its own pid), even when a test fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PROGRAMS = ("Xvfb", "openbox", "trayer")
DISPLAYS = range(90, 100)
START_TIMEOUT_S = 10.0


def _free_display() -> int:
    for number in DISPLAYS:
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    pytest.fail("no free X display between :90 and :99 for the tray test", pytrace=False)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def x_display_with_tray() -> Iterator[dict[str, str]]:
    """Yields an environment whose ``DISPLAY`` has a window manager and a system tray."""
    missing = [name for name in PROGRAMS if shutil.which(name) is None]
    if missing:
        pytest.fail(
            f"the tray test needs {', '.join(missing)} (install them with scripts/system-deps.sh; "
            "Debian: apt-get install xvfb openbox trayer)",
            pytrace=False,
        )
    number = _free_display()
    display = f":{number}"
    started: list[subprocess.Popen[bytes]] = []
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], **quiet)
        started.append(xvfb)
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + START_TIMEOUT_S
        while not socket.exists():
            if xvfb.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Xvfb did not start on {display}", pytrace=False)
            time.sleep(0.05)
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        started.append(subprocess.Popen(["openbox"], env=env, **quiet))
        tray_host = [
            "trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
            "--height", "24", "--SetDockType", "true", "--transparent", "false",
        ]  # fmt: skip
        started.append(subprocess.Popen(tray_host, env=env, **quiet))
        yield env
    finally:
        for process in reversed(started):
            _stop(process)
