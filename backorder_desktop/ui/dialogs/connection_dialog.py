"""The connection dialog: store hash, token (hidden), API URL under Advanced, and a real test.

"Test connection" asks the store who it is and what the token may do, on a worker, and shows the
answer ("Connected to Dana's Bikes (Plus plan) …") or the precise problem. "Connect" does the same
and keeps the token in the keyring; without a keyring the dialog says so and what to do, and offers
to keep the token for this session only (in memory until the app closes, asked for again next time).

A typo in a field (a store hash with a slash, an address without ``https://``) is told under that
field before anything is sent, and the dialog stays open: bad input is not a failure of the app.
The dialog grows with its texts: a word-wrapped label in a top-level window does not resize the
window by itself, and the keyring advice was cut off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.models import DEFAULT_API_URL
from backorder_desktop.domain.settings import is_plain_http_to_another_computer
from backorder_desktop.domain.settings import is_web_address
from backorder_desktop.services.profile import ConnectReport
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui.error_router import describe
from backorder_desktop.ui.workers import BackgroundRunner

logger = logging.getLogger(__name__)

HELP_TEXT = (
    "In BigCommerce, go to Settings → API → Store-level API accounts and create an account with "
    "<i>Products</i> and <i>Information &amp; settings</i> set to <i>modify</i> (or read-only). "
    "Paste its store hash and access token here."
)
STORE_HASH_HINT = (
    "The store hash is the part after /stores/ in your API path, e.g. abc123xyz: letters and digits only."
)
SESSION_ONLY_NOTE = (
    "the token is kept in memory until the app closes, never saved, and asked for again next time."
)
PASTE_HINT = "Paste the access token of your API account."
FIELD_ERROR_STYLE = "color: #b3261e;"  # the error red of Material and GNOME, readable on light and dark


def store_hash_problem(store_hash: str) -> str | None:
    """What is wrong with a typed store hash, in the dialog's words; None when it looks right."""
    if not store_hash:
        return "Give the store hash. " + STORE_HASH_HINT
    if not store_hash.isalnum():
        return f"“{store_hash}” is not a store hash. " + STORE_HASH_HINT
    return None


def api_url_problem(api_url: str) -> str | None:
    """What is wrong with a typed API address, in the dialog's words; None when it looks right."""
    if not is_web_address(api_url):
        return (
            f"“{api_url}” is not a web address: it starts with https://, as {DEFAULT_API_URL} does. "
            "Change it only for a test server or the demo store."
        )
    if is_plain_http_to_another_computer(api_url):
        return (
            "This address starts with http://, so your access token would cross the network "
            "unencrypted. Use its https:// address; plain http is only for this computer "
            "(127.0.0.1, localhost), as the demo store uses."
        )
    return None


class ConnectionDialog(QDialog):
    """Connects a store; ``connected`` carries the ``ConnectReport`` once the token is kept."""

    connected = Signal(object)
    check_finished = Signal(bool)  # True when the last test or connect succeeded

    def __init__(
        self,
        profile: Profile,
        runner: BackgroundRunner,
        *,
        on_bug: Callable[[BaseException], object],
        store_hash: str = "",
        api_url: str = DEFAULT_API_URL,
        reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connection_dialog")
        self.setWindowTitle("Connect your BigCommerce store")
        self.setMinimumWidth(560)
        self._profile = profile
        self._runner = runner
        self._on_bug = on_bug
        self._busy = False
        self._connected = False
        self._remembered = True
        layout = QVBoxLayout(self)
        self.reason_label = _wrapped_label(reason, "connection_reason")
        self.reason_label.setVisible(bool(reason))
        layout.addWidget(self.reason_label)
        layout.addWidget(_wrapped_label(HELP_TEXT))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.store_hash = QLineEdit(store_hash)
        self.store_hash.setObjectName("store_hash")
        self.store_hash.setPlaceholderText("e.g. abc123xyz (the part after /stores/ in the API path)")
        form.addRow("Store hash", self.store_hash)
        self.store_hash_error = _field_error("store_hash_error")
        form.addRow("", self.store_hash_error)
        self.token = QLineEdit()
        self.token.setObjectName("access_token")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("Access token of the API account")
        form.addRow("Access token", self.token)
        self.token_error = _field_error("token_error")
        form.addRow("", self.token_error)
        layout.addLayout(form)
        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setAutoRaise(True)
        self.advanced = QWidget()
        advanced_form = QFormLayout(self.advanced)
        advanced_form.setContentsMargins(0, 0, 0, 0)
        self.api_url = QLineEdit(api_url)
        self.api_url.setObjectName("api_url")
        self.api_url.setToolTip("Only change this for a test server or the demo store")
        advanced_form.addRow("API address", self.api_url)
        self.api_url_error = _field_error("api_url_error")
        advanced_form.addRow("", self.api_url_error)
        self.advanced_button.toggled.connect(self._on_advanced_button_toggled)
        self.advanced_button.setChecked(api_url != DEFAULT_API_URL)
        self._on_advanced_button_toggled(self.advanced_button.isChecked())
        layout.addWidget(self.advanced_button)
        layout.addWidget(self.advanced)
        self.result_label = _wrapped_label("", "connection_result")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        buttons = QDialogButtonBox()
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("test_connection_button")
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("connect_button")
        self.connect_button.setDefault(True)
        self.session_button = QPushButton("Use for this session only")
        self.session_button.setObjectName("session_only_button")
        self.session_button.setToolTip(SESSION_ONLY_NOTE)
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.session_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.session_button.setVisible(False)  # offered when there is no keyring to keep the token
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        self.session_button.clicked.connect(self._on_session_button_clicked)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._field_errors = {
            self.store_hash: self.store_hash_error,
            self.token: self.token_error,
            self.api_url: self.api_url_error,
        }
        for field in self._field_errors:
            field.textEdited.connect(lambda _text, f=field: self._show_field_error(f, None))
        if store_hash:
            self.token.setFocus()
        self.fit_to_text()

    def fit_to_text(self) -> None:
        """Grow the dialog to show every wrapped line (never shrink it below what the user chose)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalMinimumSize().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _on_advanced_button_toggled(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.advanced_button.setArrowType(arrow)
        self.fit_to_text()

    def _values(self) -> tuple[str, str, str]:
        api_url = self.api_url.text().strip() or DEFAULT_API_URL
        return self.store_hash.text().strip(), api_url, self.token.text()

    def _show_field_error(self, field: QLineEdit, text: str | None) -> None:
        label = self._field_errors[field]
        label.setText(text or "")
        label.setVisible(bool(text))
        self.fit_to_text()

    def _fields_look_right(self) -> bool:
        """Check what can be checked here; each problem is shown under its field."""
        store_hash, api_url, token = self._values()
        problems = {
            self.store_hash: store_hash_problem(store_hash),
            self.token: None if token.strip() else PASTE_HINT,
            self.api_url: api_url_problem(api_url),
        }
        for field, problem in problems.items():
            self._show_field_error(field, problem)
        if problems[self.api_url]:
            self.advanced_button.setChecked(True)
        first = next((field for field, problem in problems.items() if problem), None)
        if first is None:
            return True
        first.setFocus()
        self.set_result("")
        self.check_finished.emit(False)
        return False

    def set_result(self, html: str) -> None:
        self.result_label.setText(html)
        self.fit_to_text()

    def _set_busy(self, text: str) -> None:
        self._busy = bool(text)
        self.test_button.setEnabled(not self._busy)
        self.connect_button.setEnabled(not self._busy)
        self.session_button.setEnabled(not self._busy)
        if text:
            self.set_result(text)

    def _on_test_button_clicked(self) -> None:
        if not self._fields_look_right():
            return
        store_hash, api_url, token = self._values()
        self._set_busy("Asking the store…")
        self._runner.run_in_background(
            lambda: self._profile.check_connection(store_hash, api_url, token),
            on_result=self._on_check_succeeded,
            on_error=self._on_check_failed,
            on_finished=lambda: self._set_busy(""),
        )

    def _on_connect_button_clicked(self) -> None:
        self._connect(remember=True)

    def _on_session_button_clicked(self) -> None:
        self._connect(remember=False)

    def _connect(self, *, remember: bool) -> None:
        if not self._fields_look_right():
            return
        store_hash, api_url, token = self._values()
        self._remembered = remember
        self._set_busy("Connecting…" if remember else "Connecting for this session only…")
        self._runner.run_in_background(
            lambda: self._profile.connect(store_hash, api_url, token, remember=remember),
            on_result=self._on_connect_succeeded,
            on_error=self._on_check_failed,
            on_finished=self._on_connect_finished,
        )

    def _on_check_succeeded(self, report: ConnectReport) -> None:
        self.set_result(report.summary().replace("\n", "<br>"))
        self.check_finished.emit(True)

    def _on_connect_succeeded(self, report: ConnectReport) -> None:
        self._on_check_succeeded(report)
        if not self._remembered:
            self.set_result(
                f"{self.result_label.text()}<br><b>For this session only:</b> {SESSION_ONLY_NOTE}"
            )
        logger.info("store %s connected from the window", report.store.store_hash)
        self._connected = True
        self.connected.emit(report)

    def _on_connect_finished(self) -> None:
        # Closed only after the task's last callback: closing deletes the dialog, and a callback
        # still queued would then touch deleted widgets.
        self._set_busy("")
        if self._connected:
            self.accept()

    def _on_check_failed(self, error: BaseException) -> None:
        if not isinstance(error, BackorderError) or isinstance(error, BugError):
            self._on_bug(error)
        title, message = describe(error)
        self.set_result(f"<b>{title}</b><br>{message}".replace("\n", "<br>"))
        if isinstance(error, KeyringUnavailable):
            self.session_button.setVisible(True)
            self.session_button.setDefault(True)
        self.check_finished.emit(False)


def _wrapped_label(text: str, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


def _field_error(name: str) -> QLabel:
    """The line under a field that says what is wrong with it (hidden while nothing is)."""
    label = _wrapped_label("", name)
    label.setStyleSheet(FIELD_ERROR_STYLE)
    label.setVisible(False)
    return label
