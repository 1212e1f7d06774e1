"""A dashboard tile: a figure in large type, what it counts, and a line of detail; a click opens the list.

A push button underneath, so a tile takes the keyboard focus, is pressed with Space or Enter, and
screen readers hear its name ("Units backordered: 42").
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSizePolicy
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

VALUE_SCALE = 2.0  # the figure's size against the window's font
MIN_HEIGHT = 96


class DashboardTile(QPushButton):
    """``set_figure`` shows a count; ``clicked`` opens what it counts (its tooltip says what)."""

    def __init__(self, title: str, opens: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(MIN_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip(opens)
        self.title = title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.value_label = self._label(layout, f"{name}_value")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * VALUE_SCALE)
        font.setBold(True)
        self.value_label.setFont(font)
        self.title_label = self._label(layout, f"{name}_title")
        self.title_label.setText(title)
        self.detail_label = self._label(layout, f"{name}_detail")
        self.detail_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addStretch(1)
        self.set_figure("–", "")

    def _label(self, layout: QVBoxLayout, name: str) -> QLabel:
        label = QLabel("")
        label.setObjectName(name)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        label.setWordWrap(True)
        layout.addWidget(label)
        return label

    def set_figure(self, value: str, detail: str) -> None:
        self.value_label.setText(value)
        self.detail_label.setText(detail)
        self.detail_label.setVisible(bool(detail))
        self.setAccessibleName(f"{self.title}: {value}")
        self.setAccessibleDescription(detail)

    def value(self) -> str:
        return self.value_label.text()

    def sizeHint(self) -> QSize:
        """Room for the labels inside (a button's own hint knows only its text, here none)."""
        layout = self.layout()
        own = super().sizeHint()
        return own if layout is None else layout.sizeHint().expandedTo(own)
