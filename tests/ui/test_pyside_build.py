"""Guard against PySide6 builds that drop references to None and True (6.12.0 on Python 3.11
aborts the interpreter after a few thousand calls): the app must never ship with one."""

import sys

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def test_qt_calls_keep_the_reference_counts_of_none_and_true():
    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(200):
        probe.setObjectName("probe")
        probe.ping.emit()
    # A little noise from other references is fine; a drop of one per call is the bug.
    assert none_before - sys.getrefcount(None) < 50
    assert true_before - sys.getrefcount(True) < 50
