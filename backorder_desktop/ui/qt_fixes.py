"""Workarounds for bugs of the Qt binding itself, applied once when ``backorder_desktop.ui`` loads.

PySide6 6.12.0 on Python 3.11: every Python-side ``SignalInstance.emit()`` returns its ``True``
without the reference it owes, so each emit drops the interpreter's count of ``True`` by one;
after a few hundred emits CPython aborts with "bool_dealloc: deallocating True or False". Python
3.12+ makes ``True`` immortal, which hides it. We detect the leak with a probe (so a fixed
PySide6 or a newer Python makes this a no-op) and wrap ``emit`` to restore the reference.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal
from PySide6.QtCore import SignalInstance

logger = logging.getLogger(__name__)

_PROBE_EMITS = 8


class _Probe(QObject):
    pinged = Signal()


def _restore_reference(value: object) -> None:
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(value))


def emit_leaks_bool_references() -> int:
    """How many references to ``True`` one ``emit()`` loses (0 on a sound binding)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBE_EMITS):
        probe.pinged.emit()
    lost = before - sys.getrefcount(True)
    for _ in range(max(0, lost)):  # give back what the probe itself took
        _restore_reference(True)
    return lost // _PROBE_EMITS


def install() -> bool:
    """Patch ``SignalInstance.emit`` when the binding leaks; True when it was patched."""
    if getattr(SignalInstance.emit, "_backorder_fixed", False):
        return True
    leak = emit_leaks_bool_references()
    if leak <= 0:
        return False
    original = SignalInstance.emit

    def emit(self: SignalInstance, *args: object) -> object:
        result = original(self, *args)
        for _ in range(leak):
            _restore_reference(result)
        return result

    emit._backorder_fixed = True  # type: ignore[attr-defined]
    SignalInstance.emit = emit  # type: ignore[method-assign,assignment]
    logger.debug("patched SignalInstance.emit: it lost %s reference(s) to True per call", leak)
    return True
