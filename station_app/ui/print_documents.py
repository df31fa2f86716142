"""Issued PDFs on paper: each page rendered with QtPdf onto white and painted on a QPrinter."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from station_app.documents import mediation_agreement

# The parties each sign a copy of the agreement and the station keeps one (人民调解法第二十九条).
AGREEMENT_COPIES = 3
# Enough for sharp text on paper, small enough to render an A4 page quickly.
MAX_RENDER_DPI = 300


def default_copies(kind: str) -> int:
    """How many copies a document is printed in unless the clerk chooses otherwise."""
    return AGREEMENT_COPIES if kind == mediation_agreement.KIND else 1


def load_pdf(pdf: bytes, parent: QObject | None = None) -> QPdfDocument:
    """A QPdfDocument over the bytes; its buffer is its child, so it lives as long."""
    document = QPdfDocument(parent)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    return document


def render_page_on_white(document: QPdfDocument, page: int, dpi: int) -> QImage:
    """One page as an opaque image: QtPdf renders onto a transparent image, and a printer
    (or a screen) shows transparency as black or as nothing, so the page is filled white."""
    points = document.pagePointSize(page)
    size = QSize(
        max(1, round(points.width() * dpi / 72)), max(1, round(points.height() * dpi / 72))
    )
    rendered = document.render(page, size)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return image


def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Print every page of one PDF in the copies chosen in the print dialog; returns the
    number of sheets printed. Copies are made here when the printer cannot make them itself
    (PDF output, some drivers)."""
    if printer.supportsMultipleCopies():
        return print_pdfs([(pdf, 1)], printer)
    copies = max(1, printer.copyCount())
    printer.setCopyCount(1)
    return print_pdfs([(pdf, copies)], printer)


def print_pdfs(
    documents: Sequence[tuple[bytes, int]],
    printer: QPrinter,
    keep_going: Callable[[int], bool] | None = None,
) -> int:
    """Print several PDFs, each in its number of copies, as one print job; returns the number
    of sheets printed. `keep_going(index)` is asked before each document; False stops there."""
    dpi = min(printer.resolution(), MAX_RENDER_DPI)
    # The PDF carries its own margins: map it onto the whole sheet, at its true size.
    printer.setFullPage(True)
    painter = QPainter()
    printed = 0
    try:
        for index, (pdf, copies) in enumerate(documents):
            if keep_going is not None and not keep_going(index):
                break
            document = load_pdf(pdf)
            try:
                if document.pageCount() <= 0:
                    raise ValueError("the PDF has no pages or cannot be read")
                for _copy in range(max(1, copies)):
                    for page in range(document.pageCount()):
                        image = render_page_on_white(document, page, dpi)
                        if printed == 0:
                            if not painter.begin(printer):
                                raise OSError("the printer cannot be opened")
                            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                        else:
                            printer.newPage()
                        painter.drawImage(_fitted(image.size(), painter), image)
                        printed += 1
            finally:
                document.close()
                document.deleteLater()
    finally:
        if painter.isActive():
            painter.end()
    return printed


def _fitted(size: QSize, painter: QPainter) -> QRectF:
    """The page scaled to fit the printable area, keeping its proportions, centred."""
    area = QRectF(painter.viewport())
    scale = min(area.width() / size.width(), area.height() / size.height())
    width, height = size.width() * scale, size.height() * scale
    return QRectF(
        area.x() + (area.width() - width) / 2,
        area.y() + (area.height() - height) / 2,
        width,
        height,
    )
