"""A profile folder the app cannot write to opens a dialog that says why and what to do, never a
traceback with no window: the real command on a read-only folder, and the dialog's ways forward."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from backorder_desktop.adapters.paths import ProfilePaths
from backorder_desktop.app import profile_paths_for
from backorder_desktop.ui.application import settle_profile_folder
from backorder_desktop.ui.dialogs.profile_problem_dialog import ProfileProblemDialog
from tests.reliability.test_environment_more import _drop_root_file_rights

pytestmark = pytest.mark.gui


@pytest.fixture
def read_only_folder() -> Iterator[Path]:
    """An empty folder nobody may write to (outside pytest's root-only temporary folder)."""
    base = Path(tempfile.mkdtemp(prefix="bd-readonly-"))
    base.chmod(0o755)
    folder = base / "profile"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_the_window_on_a_read_only_folder_shows_what_is_wrong_and_what_to_do(
    read_only_folder: Path, tmp_path: Path
) -> None:
    shot = tmp_path / "problem.png"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    command = [sys.executable, "-m", "backorder_desktop", "--home", str(read_only_folder)]
    app = subprocess.run(
        [*command, "--screenshot", str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        preexec_fn=_drop_root_file_rights if is_root else None,
    )
    assert app.returncode == 1, app.stderr
    assert "Traceback" not in app.stderr
    assert "the profile folder cannot be used: Cannot save:" in app.stderr
    assert "you do not have permission" in app.stderr
    image = QImage(str(shot))  # the dialog, as the merchant sees it
    assert not image.isNull() and image.width() >= 560 and image.height() > 100
    assert list(read_only_folder.iterdir()) == []  # nothing written


def _answer_when_shown(act: Callable[[ProfileProblemDialog], None]) -> list[str]:
    """Acts on the problem dialog once its modal loop runs; returns the texts it showed."""
    shown: list[str] = []

    def poll() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, ProfileProblemDialog)]
        visible = [d for d in dialogs if d.isVisible()]
        if not visible:
            QTimer.singleShot(10, poll)
            return
        shown.append(visible[0].message_label.text())
        act(visible[0])

    QTimer.singleShot(0, poll)
    return shown


def _prepare(folder: str | None) -> ProfilePaths:
    return profile_paths_for(folder)


def test_use_another_folder_opens_the_profile_there(qtbot, tmp_path: Path, expected_warnings) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the profile folder should be", encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()

    def choose_other(dialog: ProfileProblemDialog) -> None:
        dialog.other_button.click()
        assert dialog.folder_dialog is not None
        dialog.folder_dialog.fileSelected.emit(str(other))  # what choosing the folder and OK emit

    shown = _answer_when_shown(choose_other)
    settled = settle_profile_folder(str(blocked), _prepare)
    assert shown and "Cannot save" in shown[0] and str(blocked) in shown[0]
    assert settled is not None
    folder, paths = settled
    assert folder == str(other) and paths.data_dir.is_dir() and str(paths.data_dir).startswith(str(other))
    assert [r.getMessage().split(":")[0] for r in expected_warnings] == ["the profile folder cannot be used"]


def test_try_again_after_the_folder_is_fixed_and_quit(qtbot, tmp_path: Path, expected_warnings) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("in the way", encoding="utf-8")

    def fix_then_retry(dialog: ProfileProblemDialog) -> None:
        blocked.unlink()
        dialog.retry_button.click()

    _answer_when_shown(fix_then_retry)
    settled = settle_profile_folder(str(blocked), _prepare)
    assert settled is not None and settled[0] == str(blocked) and blocked.is_dir()

    again = tmp_path / "again"
    again.write_text("in the way", encoding="utf-8")
    shown = _answer_when_shown(lambda dialog: dialog.quit_button.click())
    assert settle_profile_folder(str(again), _prepare) is None
    assert len(shown) == 1 and again.is_file()
    assert len(expected_warnings) == 2  # each unusable folder, once
