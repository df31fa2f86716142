"""An issued document shown inside the app (QtPdf), every page one under the other."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station_app.i18n import _
from station_app.ui.print_documents import load_pdf
from station_app.ui.window_fit import fit_window


class DocumentPreview(QDialog):
    """The frozen PDF as issued, fitted to the window's width; Print… and Save as PDF… are
    handed back to the documents dialog, which owns the printer and the file choice."""

    print_requested = Signal()
    save_requested = Signal()

    def __init__(self, pdf: bytes, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        fit_window(self, (760, 900))
        self.pdf = pdf
        self.document: QPdfDocument = load_pdf(pdf, self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setStyleSheet("background: #808080;")
        pages = QLabel(_("{pages} page(s)").format(pages=self.document.pageCount()))
        buttons = QDialogButtonBox()
        self.print_button = QPushButton(_("Print…"))
        self.save_button = QPushButton(_("Save as PDF…"))
        for button in (self.print_button, self.save_button):
            button.setAutoDefault(False)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_requested)
        self.save_button.clicked.connect(self.save_requested)
        buttons.rejected.connect(self.reject)
        footer = QHBoxLayout()
        footer.addWidget(pages)
        footer.addStretch(1)
        footer.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(footer)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def page_count(self) -> int:
        return self.document.pageCount()
