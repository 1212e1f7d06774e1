"""The log viewer: the end of the file the app's log lines go to, kept up to date.

That is the file logging was set up with at start (the sync child's lines are relayed into it);
only when logging writes no file (tests, a library caller) is it the newest file in the profile's
log folder. A demo opened from the welcome page has a log folder of its own that nothing writes to.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPlainTextEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.logging_setup import current_log_file
from backorder_desktop.ui.workers import BackgroundRunner

logger = logging.getLogger(__name__)

TAIL_BYTES = 256 * 1024
REFRESH_MS = 2000


def log_location(log_dir: str | None) -> str | None:
    """Where the log lines really go: the file set up at start, else the profile's log folder."""
    log_file = current_log_file()
    return str(log_file) if log_file is not None else log_dir


def read_log_tail(
    log_dir: str, max_bytes: int = TAIL_BYTES, *, log_file: Path | None = None
) -> tuple[str | None, str]:
    """(path, text): the end of ``log_file``, or of the newest ``*.log`` file in ``log_dir`` (file
    I/O: on a worker)."""
    if log_file is not None and log_file.exists():
        path = log_file
    else:
        files = sorted(Path(log_dir).glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
        if not files:
            return None, ""
        path = files[0]
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - max_bytes))
        data = handle.read()
    text = data.decode("utf-8", errors="replace")
    if size > max_bytes:
        text = text.split("\n", 1)[-1]  # drop the cut first line
    return str(path), text


class LogViewer(QDialog):
    """Shows the log's last lines; refreshes every two seconds while open."""

    def __init__(self, log_dir: str, runner: BackgroundRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("log_viewer")
        self.setWindowTitle("Log")
        self.resize(900, 500)
        self._log_file = current_log_file()
        self._log_dir = str(self._log_file.parent) if self._log_file is not None else log_dir
        self._runner = runner
        self._reading = False
        self._last_text: str | None = None
        layout = QVBoxLayout(self)
        self.path_label = QLabel(f"Log folder: {self._log_dir}")
        self.path_label.setWordWrap(True)
        layout.addWidget(self.path_label)
        self.text = QPlainTextEdit()
        self.text.setObjectName("log_text")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        open_folder = QPushButton("Open log folder")
        open_folder.clicked.connect(self._on_open_folder_clicked)
        buttons.addButton(refresh, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(open_folder, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.finished.connect(self._timer.stop)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        if self._reading:
            return
        self._reading = True
        log_dir, log_file = self._log_dir, self._log_file
        self._runner.run_in_background(
            lambda: read_log_tail(log_dir, log_file=log_file),
            on_result=self._on_tail_read,
            on_error=self._on_tail_failed,
            on_finished=self._on_read_finished,
        )

    def _on_read_finished(self) -> None:
        self._reading = False

    def _on_tail_read(self, result: tuple[str | None, str]) -> None:
        path, text = result
        self.path_label.setText(f"Log file: {path}" if path else f"No log file yet in {self._log_dir}")
        if text == self._last_text:
            return
        self._last_text = text
        bar = self.text.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.text.setPlainText(text)
        if at_end:
            bar.setValue(bar.maximum())

    def _on_tail_failed(self, error: BaseException) -> None:
        self.path_label.setText(f"The log could not be read: {error}")

    def _on_open_folder_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(self._log_dir))
