"""A private X display for tray tests: Xvfb (a free display, no TCP), openbox and a trayer tray host.

Xvfb picks a free display itself and writes its number to a pipe once it accepts connections
(``-displayfd``): no polling. Every process is started here and stopped here (by its own pid),
even when a test fails.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PROGRAMS = ("Xvfb", "openbox", "trayer")
START_TIMEOUT_S = 30.0  # a bound against hanging only: Xvfb answers on the pipe when it is ready


def _started_xvfb(started: list[subprocess.Popen[bytes]]) -> str:
    """Start Xvfb on a display of its choosing; returns ``:N`` once it accepts connections."""
    read_end, write_end = os.pipe()
    try:
        command = ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        started.append(subprocess.Popen(command, pass_fds=(write_end,), **quiet))
        os.close(write_end)
        write_end = -1
        answer = b""
        while not answer.endswith(b"\n"):  # EOF (b"") when Xvfb exits without a display
            if not select.select([read_end], [], [], START_TIMEOUT_S)[0]:
                break
            chunk = os.read(read_end, 16)
            if not chunk:
                break
            answer += chunk
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    if not answer.strip().isdigit():
        pytest.fail(f"Xvfb did not start (it answered {answer!r})", pytrace=False)
    return f":{answer.decode().strip()}"


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
    started: list[subprocess.Popen[bytes]] = []
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        display = _started_xvfb(started)
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
