"""The dialog shown when the profile folder cannot be used at start (read-only, no permission, full).

The window cannot open a catalog it cannot save to, so it says what is wrong and offers the ways
forward: make the folder writable and try again, use another folder, or quit.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.ui.error_router import describe

WHAT_TO_DO = (
    "BackOrder Desktop keeps your catalog copy, settings and log in this folder and must be able to "
    "write there. Make the folder writable (or free some space) and press <i>Try again</i>, or "
    "press <i>Use another folder…</i> to keep this profile somewhere else."
)


class ProblemAnswer(StrEnum):
    """What the merchant chose."""

    RETRY = "retry"
    OTHER_FOLDER = "other folder"
    QUIT = "quit"


class ProfileProblemDialog(QDialog):
    """Says why the profile folder cannot be used; ``answer`` (and ``folder``) say what to do."""

    def __init__(self, error: BackorderError, folder: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profile_problem_dialog")
        self.setWindowTitle("BackOrder Desktop cannot open your profile")
        self.setMinimumWidth(560)
        self.answer = ProblemAnswer.QUIT
        self.folder: str | None = None
        self.folder_dialog: QFileDialog | None = None
        title, message = describe(error)
        layout = QVBoxLayout(self)
        self.message_label = QLabel(f"<b>{title}</b><br>{message}".replace("\n", "<br>"))
        self.message_label.setObjectName("profile_problem_message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message_label)
        advice = QLabel(WHAT_TO_DO)
        advice.setWordWrap(True)
        layout.addWidget(advice)
        buttons = QDialogButtonBox()
        self.retry_button = QPushButton("Try again")
        self.retry_button.setObjectName("retry_button")
        self.retry_button.setDefault(True)
        self.other_button = QPushButton("Use another folder…")
        self.other_button.setObjectName("other_folder_button")
        self.quit_button = QPushButton("Quit")
        self.quit_button.setObjectName("quit_button")
        buttons.addButton(self.retry_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.other_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.retry_button.clicked.connect(lambda: self._finish(ProblemAnswer.RETRY))
        self.other_button.clicked.connect(self._on_other_button_clicked)
        self.quit_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self._start_folder = folder or ""

    def _finish(self, answer: ProblemAnswer, folder: str | None = None) -> None:
        self.answer = answer
        self.folder = folder
        self.accept()

    def _on_other_button_clicked(self) -> None:
        dialog = QFileDialog(self, "Choose a folder for your profile", self._start_folder)
        self.folder_dialog = dialog
        dialog.setObjectName("profile_folder_dialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda chosen: self._finish(ProblemAnswer.OTHER_FOLDER, chosen))
        dialog.open()
