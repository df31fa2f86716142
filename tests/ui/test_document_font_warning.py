"""A missing document font is reported when the app starts, not when the first agreement is due."""

from PySide6.QtWidgets import QMessageBox

from station_app.documents.fonts import FontFile, configure_document_fonts
from station_app.ui import app as app_module


def test_a_missing_document_font_is_reported_at_start_up(qapp, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda parent, title, text: shown.append((title, text))
    )
    configure_document_fonts(bundled=FontFile(tmp_path / "gone.ttc"), prefer_system=False)
    try:
        message = app_module.warn_if_documents_cannot_print()
    finally:
        configure_document_fonts()
    assert message is not None and "gone.ttc" in message
    assert shown and shown[0][1] == message


def test_no_warning_when_the_bundled_font_is_there(qapp, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args))
    configure_document_fonts(prefer_system=False)
    try:
        assert app_module.warn_if_documents_cannot_print() is None
    finally:
        configure_document_fonts()
    assert shown == []
