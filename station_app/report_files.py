"""Reports the station prints (workbooks, PDFs): an A4 page setup for a sheet, and a save that
leaves no half-written file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from station_app.atomic_files import write_bytes_atomically
from station_app.i18n import _
from station_app.store.connection import StoreError


def print_on_a4(sheet: Any, *, landscape: bool, margins: Any, title_rows: str = "3:3") -> None:
    """Fit the sheet's width to A4 (as many pages down as it needs), repeat the heading rows,
    centre it and number the pages in the footer."""
    sheet.print_title_rows = title_rows
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = (
        sheet.ORIENTATION_LANDSCAPE if landscape else sheet.ORIENTATION_PORTRAIT
    )
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = margins
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "&P / &N"


def save_report_file(data: bytes, path: Path) -> None:
    """Write a report whole or not at all; a folder that cannot be written is a clear message,
    not a traceback."""
    try:
        write_bytes_atomically(Path(path), data)
    except OSError as error:
        raise StoreError(
            _("The file could not be written ({detail}). Choose another folder.").format(
                detail=error.strerror or error
            )
        ) from error


def save_workbook(workbook: Any, path: Path) -> None:
    """Save an openpyxl workbook with `save_report_file`."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    save_report_file(buffer.getvalue(), path)
