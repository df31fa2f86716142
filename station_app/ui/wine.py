"""Qt under wine (scripts/windows-check.sh runs the Windows build on Linux)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def running_under_wine() -> bool:
    """Windows code run by wine: ntdll exports wine's own function there, on no real Windows."""
    if sys.platform != "win32":
        return False
    import ctypes

    try:
        return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")
    except OSError:
        return False


def choose_style_before_application() -> None:
    """Call before the QApplication is made. Under wine Qt's native Windows style asks WinRT
    (UISettings) for the colours, wine has none and QApplication aborts: use Fusion there.
    Real Windows keeps its native look, which the clerks know from their other programs."""
    if QApplication.instance() is None and running_under_wine():
        QApplication.setStyle("Fusion")
