"""Remake the README's screenshots: the window on a fresh demo store, at its default size, on a
private Xvfb display with a window manager and a tray host (``tests/ui/xserver.py``).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Each page (Products, History, Settings) is one run of ``backorder-desktop --demo --screenshot``;
no keyring is touched (keyring's ``fail`` backend) and the profile lives in a temporary folder.
Needs Xvfb, openbox and trayer (``scripts/system-deps.sh`` installs them).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ui.xserver import x_display_with_tray  # noqa: E402 - after the path is set

PAGES = ("products", "history", "settings")
RUN_TIMEOUT_S = 300


def take(out: Path) -> list[Path]:
    """One PNG per page in ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="bd-screenshots-") as scratch, x_display_with_tray() as env:
        env.update(
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            HOME=scratch,
            XDG_RUNTIME_DIR=scratch,
        )
        env = {k: v for k, v in env.items() if not k.startswith("BACKORDER_DESKTOP_")}
        home = Path(scratch) / "profile"
        for page in PAGES:
            target = out / f"{page}.png"
            command = [sys.executable, "-m", "backorder_desktop", "--home", str(home), "--demo"]
            command += ["--screenshot", str(target), "--page", page]
            run = subprocess.run(
                command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
            )
            if run.returncode != 0 or not target.exists():
                raise SystemExit(
                    f"the {page} screenshot failed (exit {run.returncode}):\n{run.stderr[-3000:]}"
                )
            made.append(target)
            print(f"saved {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNGs")
    args = parser.parse_args()
    os.environ.pop("WAYLAND_DISPLAY", None)
    take(args.out)


if __name__ == "__main__":
    main()
