"""The first-run page: no store is connected yet — connect one, or look around on the demo store."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.ui import assets


class WelcomePage(QWidget):
    """Two choices (journey 1): *Connect your store* and *Try it with a demo store*."""

    connect_requested = Signal()
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_page")
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        logo = QLabel()
        logo.setPixmap(assets.app_icon().pixmap(96, 96))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(logo)
        title = QLabel("<h2>Welcome to BackOrder Desktop</h2>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        intro = QLabel(
            "Keep your BigCommerce catalog on this computer, choose which products you sell on "
            "backorder, and manage their stock — even offline.<br>"
            "Connect your store, or look around first on a demo store: nothing you do there touches "
            "a real store."
        )
        intro.setWordWrap(True)
        intro.setAlignment(Qt.AlignmentFlag.AlignCenter)
        intro.setFixedWidth(560)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(intro)
        row.addStretch(1)
        layout.addLayout(row)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.connect_button = QPushButton("Connect your store")
        self.connect_button.setObjectName("connect_store_button")
        self.connect_button.setDefault(True)
        self.connect_button.setMinimumHeight(40)
        self.connect_button.clicked.connect(self.connect_requested)
        self.demo_button = QPushButton("Try it with a demo store")
        self.demo_button.setObjectName("try_demo_button")
        self.demo_button.setMinimumHeight(40)
        self.demo_button.clicked.connect(self.demo_requested)
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.busy_label = QLabel("")
        self.busy_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.busy_label)
        layout.addStretch(3)

    def set_busy(self, text: str) -> None:
        """Shows what is happening (e.g. the demo store starting) and blocks a second click."""
        self.busy_label.setText(text)
        busy = bool(text)
        self.connect_button.setEnabled(not busy)
        self.demo_button.setEnabled(not busy)
