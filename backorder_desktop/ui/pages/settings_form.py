"""The pieces every box of the Settings tab is built from: its labels, its form and how a field
tells the page it changed (shared by ``settings_page.py`` and the boxes it composes)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QWidget

FIELD_WIDTH = 360  # an address or a name: wide enough to read, not the whole window
SHORT_FIELD_WIDTH = 140  # a time, a number of minutes, a column name


def text_label(text: str) -> QLabel:
    """Wrapped text that can be selected (a path, a SKU)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def note(text: str) -> QLabel:
    """A wrapped line of explanation in the platform's muted text colour."""
    label = text_label(text)
    label.setEnabled(False)
    return label


def form_layout(box: QGroupBox) -> QFormLayout:
    """A form whose labels sit beside their fields, right-aligned as on every platform's settings."""
    form = QFormLayout(box)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    return form


def notify_changes(widget: QWidget, callback: object) -> None:
    """Connect whichever "value changed" signal the widget has."""
    for name in ("textChanged", "timeChanged", "valueChanged", "currentIndexChanged", "toggled"):
        signal = getattr(widget, name, None)
        if signal is not None:
            signal.connect(callback)
            return
