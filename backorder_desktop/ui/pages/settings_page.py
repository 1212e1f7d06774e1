"""The Settings tab: inventory source (three modes, one line each), schedules, the feed, start-up.

The page only edits a form: ``save_requested`` carries the changed settings as text (the names of
``domain.settings``), and the window saves them through ``catalog.set_setting`` on a worker, then
shows what was stored. Switching the mode while stock changes wait to be written asks first.
"""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import QTime
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractButton
from PySide6.QtWidgets import QButtonGroup
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QRadioButton
from PySide6.QtWidgets import QScrollArea
from PySide6.QtWidgets import QSpinBox
from PySide6.QtWidgets import QTimeEdit
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.settings import FEED_MAX_MINUTES
from backorder_desktop.domain.settings import FEED_MIN_MINUTES
from backorder_desktop.domain.settings import POLLING_MAX_MINUTES
from backorder_desktop.domain.settings import POLLING_MIN_MINUTES
from backorder_desktop.domain.settings import FeedFormat
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import to_text
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.ui.formatting import MODE_EXPLANATIONS
from backorder_desktop.ui.formatting import MODE_TITLES
from backorder_desktop.ui.formatting import plural

FEED_CREDENTIAL_NOTE = "Kept in your keyring, never in a file; leave empty to keep the one saved"


class SettingsPage(QWidget):
    """A form over ``Settings``; the window loads and saves it."""

    save_requested = Signal(object, object, object)  # {name: text}, OutboxChoice or None, credential or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_page")
        self._loaded = Settings()
        self._pending_changes = 0
        self.mode_question: QMessageBox | None = None
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self._build_modes())
        layout.addWidget(self._build_erp())
        layout.addWidget(self._build_feed())
        layout.addWidget(self._build_general())
        layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll)
        buttons = QHBoxLayout()
        self.status_label = QLabel("")
        buttons.addWidget(self.status_label, 1)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(lambda: self.show_settings(self._loaded))
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("save_settings_button")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        self.show_settings(Settings())

    # --- building ---------------------------------------------------------------------------

    def _build_modes(self) -> QGroupBox:
        box = QGroupBox("Inventory source: who owns the stock of BackOrder products")
        layout = QVBoxLayout(box)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[InventorySource, QRadioButton] = {}
        for mode in InventorySource:
            button = QRadioButton(MODE_TITLES[mode])
            button.setObjectName(f"mode_{mode.value}")
            button.setToolTip(MODE_EXPLANATIONS[mode])
            explanation = QLabel(MODE_EXPLANATIONS[mode])
            explanation.setWordWrap(True)
            explanation.setIndent(24)
            explanation.setEnabled(False)  # the platform's muted text colour
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            layout.addWidget(button)
            layout.addWidget(explanation)
        self.mode_group.buttonToggled.connect(self._on_mode_group_button_toggled)
        return box

    def _build_erp(self) -> QGroupBox:
        box = self.erp_box = QGroupBox("Manage inventory in ERP")
        form = QFormLayout(box)
        self.daily_time = QTimeEdit()
        self.daily_time.setObjectName("daily_sync_time")
        self.daily_time.setDisplayFormat("HH:mm")
        self.daily_time.setMaximumWidth(120)
        form.addRow("Daily full sync at", self.daily_time)
        self.erp_name = QLineEdit()
        self.erp_name.setObjectName("erp_name")
        self.erp_name.setMaxLength(200)
        self.erp_name.setPlaceholderText("e.g. Odoo, NetSuite, SAP Business One")
        form.addRow("ERP name", self.erp_name)
        note = QLabel("For your reference only: it changes nothing in how data syncs.")
        note.setEnabled(False)
        form.addRow("", note)
        _notify_changes(self.daily_time, self._update_buttons)
        _notify_changes(self.erp_name, self._update_buttons)
        return box

    def _build_feed(self) -> QGroupBox:
        box = self.feed_box = QGroupBox("Sync inventory via BackOrder API: your ERP's feed")
        form = QFormLayout(box)
        self.feed_url = QLineEdit()
        self.feed_url.setObjectName("feed_url")
        self.feed_url.setPlaceholderText("https://erp.example.com/stock.csv")
        form.addRow("Feed address", self.feed_url)
        self.feed_credential = QLineEdit()
        self.feed_credential.setEchoMode(QLineEdit.EchoMode.Password)
        self.feed_credential.setToolTip(FEED_CREDENTIAL_NOTE)
        self.feed_credential.setPlaceholderText(FEED_CREDENTIAL_NOTE)
        form.addRow("Feed password or key", self.feed_credential)
        self.feed_format = QComboBox()
        self.feed_format.addItems([f.upper() for f in FeedFormat.ALL])
        self.feed_format.setMaximumWidth(120)
        form.addRow("Format", self.feed_format)
        self.feed_sku_field = QLineEdit()
        self.feed_quantity_field = QLineEdit()
        mapping = QHBoxLayout()
        mapping.addWidget(QLabel("SKU column"))
        mapping.addWidget(self.feed_sku_field)
        mapping.addWidget(QLabel("Quantity column"))
        mapping.addWidget(self.feed_quantity_field)
        form.addRow("Field mapping", mapping)
        self.feed_interval = QSpinBox()
        self.feed_interval.setRange(FEED_MIN_MINUTES, FEED_MAX_MINUTES)
        self.feed_interval.setSuffix(" minutes")
        self.feed_interval.setMaximumWidth(160)
        form.addRow("Pull the feed every", self.feed_interval)
        feed_fields: list[QWidget] = [self.feed_url, self.feed_format, self.feed_sku_field]
        for widget in [*feed_fields, self.feed_quantity_field, self.feed_interval, self.feed_credential]:
            _notify_changes(widget, self._update_buttons)
        return box

    def _build_general(self) -> QGroupBox:
        box = QGroupBox("Updates and start-up")
        form = QFormLayout(box)
        self.polling = QSpinBox()
        self.polling.setObjectName("polling_interval")
        self.polling.setRange(POLLING_MIN_MINUTES, POLLING_MAX_MINUTES)
        self.polling.setSuffix(" minutes")
        self.polling.setMaximumWidth(160)
        form.addRow("Check BigCommerce for changes every", self.polling)
        self.start_minimised = QCheckBox("Start minimised to the tray")
        self.start_minimised.setObjectName("start_minimised")
        form.addRow("", self.start_minimised)
        _notify_changes(self.polling, self._update_buttons)
        _notify_changes(self.start_minimised, self._update_buttons)
        return box

    # --- showing and reading ----------------------------------------------------------------

    def show_settings(self, settings: Settings) -> None:
        """Fill the form with stored settings (after loading or saving)."""
        self._loaded = settings
        self.mode_buttons[settings.inventory_source].setChecked(True)
        self.daily_time.setTime(QTime(settings.daily_sync_time.hour, settings.daily_sync_time.minute))
        self.erp_name.setText(settings.erp_name)
        self.feed_url.setText(settings.feed_url)
        self.feed_format.setCurrentIndex(max(0, list(FeedFormat.ALL).index(settings.feed_format)))
        self.feed_sku_field.setText(settings.feed_sku_field)
        self.feed_quantity_field.setText(settings.feed_quantity_field)
        self.feed_interval.setValue(settings.feed_interval_minutes)
        self.polling.setValue(settings.polling_interval_minutes)
        self.start_minimised.setChecked(settings.start_minimised)
        self.feed_credential.clear()  # saved (or not): it is never shown again
        self._show_mode_fields()
        self._update_buttons()

    def selected_mode(self) -> InventorySource:
        for mode, button in self.mode_buttons.items():
            if button.isChecked():
                return mode
        return self._loaded.inventory_source

    def form_text(self) -> dict[str, str]:
        """The form as setting name → text (the language of ``catalog.set_setting``)."""
        daily = self.daily_time.time()
        return {
            "inventory-source": self.selected_mode().value,
            "daily-sync-time": time(daily.hour(), daily.minute()).strftime("%H:%M"),
            "erp-name": self.erp_name.text().strip(),
            "polling-interval": str(self.polling.value()),
            "feed-url": self.feed_url.text().strip(),
            "feed-format": self.feed_format.currentText().lower(),
            "feed-sku-field": self.feed_sku_field.text().strip(),
            "feed-quantity-field": self.feed_quantity_field.text().strip(),
            "feed-interval": str(self.feed_interval.value()),
            "start-minimised": "yes" if self.start_minimised.isChecked() else "no",
        }

    def changes(self) -> dict[str, str]:
        stored = to_text(self._loaded)
        return {name: text for name, text in self.form_text().items() if stored.get(name) != text}

    def set_pending_changes(self, count: int) -> None:
        """How many stock changes wait to be written (the outbox)."""
        self._pending_changes = count

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    # --- reactions --------------------------------------------------------------------------

    def _on_mode_group_button_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self._show_mode_fields()
            self._update_buttons()

    def _show_mode_fields(self) -> None:
        mode = self.selected_mode()
        self.erp_box.setVisible(mode is InventorySource.ERP)
        self.feed_box.setVisible(mode is InventorySource.API)

    def _update_buttons(self, *_args: object) -> None:
        dirty = bool(self.changes()) or bool(self.feed_credential.text().strip())
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        if dirty:
            self.status_label.setText("")

    def _on_save_button_clicked(self) -> None:
        changes = self.changes()
        if not changes and not self.new_feed_credential():
            return
        if "inventory-source" in changes and self._pending_changes > 0:
            self._ask_about_pending(changes)
            return
        self.save_requested.emit(changes, None, self.new_feed_credential())

    def new_feed_credential(self) -> str | None:
        """The feed password or key typed in, to keep in the keyring; None when left empty."""
        return self.feed_credential.text().strip() or None

    def _ask_about_pending(self, changes: dict[str, str]) -> None:
        """Switching mode with stock changes waiting: write them, discard them, or cancel (§3)."""
        count = self._pending_changes
        box = self.mode_question = QMessageBox(self)
        box.setObjectName("mode_switch_question")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Stock changes are waiting")
        box.setText(
            f"{plural(count, 'stock change')} {'has' if count == 1 else 'have'} not been written to "
            "BigCommerce yet. What should happen to them before the inventory source changes?"
        )
        push = box.addButton("Write them now", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(f"Discard {plural(count, 'change')}", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)

        def decided(button: QAbstractButton) -> None:
            self.mode_question = None
            if button is push:
                self.save_requested.emit(changes, OutboxChoice.PUSH, self.new_feed_credential())
            elif button is discard:
                self.save_requested.emit(changes, OutboxChoice.DISCARD, self.new_feed_credential())
            else:
                self.mode_buttons[self._loaded.inventory_source].setChecked(True)

        box.buttonClicked.connect(decided)
        box.open()


def _notify_changes(widget: QWidget, callback: object) -> None:
    """Connect whichever "value changed" signal the widget has."""
    for name in ("textChanged", "timeChanged", "valueChanged", "currentIndexChanged", "toggled"):
        signal = getattr(widget, name, None)
        if signal is not None:
            signal.connect(callback)
            return
