"""The window's charts, drawn with QtCharts (PySide6-Addons): see ``base.py`` for what they share."""
