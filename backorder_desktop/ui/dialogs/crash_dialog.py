"""The dialog for our own bugs: a short explanation, a copyable report, and where the log is."""

from __future__ import annotations

import platform
import traceback

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPlainTextEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop import __version__
from backorder_desktop.logging_setup import redact
from backorder_desktop.ui.dialogs.log_viewer import log_location


def crash_report(error: BaseException, *, log_dir: str | None) -> str:
    """Versions, platform and the traceback (with its cause): what support needs, with secrets
    masked as in the log (the known ones and token-shaped values: an exception's message or a
    traceback line can hold one)."""
    lines = [
        f"BackOrder Desktop {__version__}",
        f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}",
        f"Platform: {platform.platform()}",
        f"Log: {log_location(log_dir) or 'unknown'}",
        "",
    ]
    lines.extend(traceback.format_exception(type(error), error, error.__traceback__))
    return redact("".join(line if line.endswith("\n") else line + "\n" for line in lines))


class CrashDialog(QDialog):
    """Says it is our fault, shows the report with a Copy button and the log folder."""

    def __init__(self, error: BaseException, *, log_dir: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crash_dialog")
        self.setWindowTitle("BackOrder Desktop ran into a problem")
        self.report = crash_report(error, log_dir=log_dir)
        layout = QVBoxLayout(self)
        summary = QLabel(
            "<b>Something went wrong inside BackOrder Desktop.</b><br>"
            "This is our fault, not yours. Your data is safe: every change is saved in steps that "
            "either complete or leave the previous state.<br>"
            "If it happens again, please send us the report below and the log."
        )
        summary.setWordWrap(True)
        layout.addWidget(summary)
        self.report_view = QPlainTextEdit(self.report)
        self.report_view.setReadOnly(True)
        self.report_view.setMinimumSize(560, 220)
        layout.addWidget(self.report_view)
        where = QLabel(f"The log is in: <code>{log_location(log_dir) or 'unknown'}</code>")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        layout.addWidget(where)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy report")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report)
        self.copy_button.setText("Copied")
