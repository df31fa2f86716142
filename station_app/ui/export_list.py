"""Export the shown case list to .xlsx: the file dialog here, the rows in station_app.exports."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from station_app.account_rules import may_export_full_phones
from station_app.domain import User
from station_app.exports import ExportColumn, export_case_list
from station_app.i18n import _
from station_app.store import Store
from station_app.ui.case_table_model import CaseTableModel, Column
from station_app.ui.tasks import TaskContext, TaskHandle, TaskRunner, run_with_progress

# The list's columns that go into the file (the "found in" column is the search's, not data).
EXPORTED: dict[Column, ExportColumn] = {
    Column.CASE_NO: ExportColumn.CASE_NO,
    Column.RECEIVED: ExportColumn.RECEIVED,
    Column.DEADLINE: ExportColumn.DEADLINE,
    Column.KIND: ExportColumn.KIND,
    Column.CHANNEL: ExportColumn.CHANNEL,
    Column.STATUS: ExportColumn.STATUS,
    Column.COMPLAINANT: ExportColumn.COMPLAINANT,
    Column.PHONE: ExportColumn.PHONE,
    Column.MERCHANT: ExportColumn.MERCHANT,
    Column.AMOUNT: ExportColumn.AMOUNT,
    Column.CATEGORY: ExportColumn.CATEGORY,
}


def choose_export_file(parent: QWidget) -> str:
    path, _filter = QFileDialog.getSaveFileName(
        parent, _("Export the list"), _("cases.xlsx"), _("Excel workbooks (*.xlsx)")
    )
    if path and not path.lower().endswith(".xlsx"):
        path += ".xlsx"
    return path


def export_list(
    tasks: TaskRunner,
    model: CaseTableModel,
    shown: list[Column],
    user: User,
    path: str,
    parent: QWidget,
    *,
    done=None,
) -> TaskHandle:
    """Export the model's query (filter, search, order) with the shown columns, on the worker
    behind a progress dialog; says where the file is when it is written."""
    columns = [EXPORTED[column] for column in shown if column in EXPORTED]
    case_filter, sort, descending = model.case_filter, model.sort_key, model.descending

    def run(store: Store, context: TaskContext) -> int:
        def progress(done_rows: int, total: int) -> None:
            context.check_cancelled()
            context.report_progress(
                done_rows,
                total,
                _("Exporting {done} of {total} cases…").format(done=done_rows, total=total),
            )

        return export_case_list(
            store,
            path,
            columns,
            case_filter=case_filter,
            sort=sort,
            descending=descending,
            revealed_to=user,
            progress=progress,
        )

    def finished(rows: int) -> None:
        text = _("{n} cases were exported to {path}.").format(n=rows, path=Path(path).name)
        if not may_export_full_phones(user):
            text += " " + _("Phone numbers are partly hidden.")
        box = QMessageBox(QMessageBox.Icon.Information, _("List exported"), text)
        box.setParent(parent, box.windowFlags())
        box.open()
        if done is not None:
            done(rows)

    return run_with_progress(
        tasks,
        run,
        parent=parent,
        label=_("Exporting the list…"),
        success=finished,
        doing=_("exporting the list"),
    )
