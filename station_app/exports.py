"""Export the case list as it is shown (filter, search, order, columns) to an .xlsx file."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path

from station_app.account_rules import may_export_full_phones
from station_app.deadlines import LABELS as DEADLINE_LABELS
from station_app.deadlines import DeadlineKind
from station_app.domain import User
from station_app.domain import label as enum_label
from station_app.i18n import _
from station_app.money import from_fen
from station_app.store import Store
from station_app.store.audit import log_list_export
from station_app.store.case_list import CaseFilter, CaseRow, SortKey, case_ids, case_rows
from station_app.store.connection import StoreError
from station_app.validation import mask_phone

# A worksheet holds 1,048,576 rows; one is the header.
MAX_ROWS = 1_048_575
PAGE = 2000


class ExportColumn(StrEnum):
    """The list's columns that can be exported, in the list's order."""

    CASE_NO = "case_no"
    RECEIVED = "received"
    DEADLINE = "deadline"
    KIND = "kind"
    CHANNEL = "channel"
    STATUS = "status"
    COMPLAINANT = "complainant"
    PHONE = "phone"
    MERCHANT = "merchant"
    AMOUNT = "amount"
    CATEGORY = "category"


def export_titles() -> dict[ExportColumn, str]:
    return {
        ExportColumn.CASE_NO: _("Case number"),
        ExportColumn.RECEIVED: _("Received"),
        ExportColumn.DEADLINE: _("Deadline"),
        ExportColumn.KIND: _("Type"),
        ExportColumn.CHANNEL: _("Channel"),
        ExportColumn.STATUS: _("Status"),
        ExportColumn.COMPLAINANT: _("Complainant"),
        ExportColumn.PHONE: _("Phone"),
        ExportColumn.MERCHANT: _("Merchant"),
        ExportColumn.AMOUNT: _("Amount (yuan)"),
        ExportColumn.CATEGORY: _("Category"),
    }


def _cell(row: CaseRow, column: ExportColumn, reveal_phones: bool, today: date) -> object:
    if column is ExportColumn.CASE_NO:
        return row.case_no
    if column is ExportColumn.RECEIVED:
        return row.received_at
    if column is ExportColumn.DEADLINE:
        if row.next_due is None:
            return ""
        text = row.next_due.isoformat()
        if row.next_due_kind in {kind.value for kind in DeadlineKind}:
            text += " " + DEADLINE_LABELS[DeadlineKind(row.next_due_kind)]
        if row.next_due < today:
            text += " " + _("(overdue)")
        return text
    if column is ExportColumn.KIND:
        return enum_label(row.kind)
    if column is ExportColumn.CHANNEL:
        return enum_label(row.channel)
    if column is ExportColumn.STATUS:
        return enum_label(row.status)
    if column is ExportColumn.COMPLAINANT:
        if row.complainant_count > 1:
            return _("{name} +{more}").format(name=row.complainant, more=row.complainant_count - 1)
        return row.complainant
    if column is ExportColumn.PHONE:
        return row.phone if reveal_phones else mask_phone(row.phone)
    if column is ExportColumn.MERCHANT:
        return row.merchant
    if column is ExportColumn.AMOUNT:
        return None if row.amount_fen is None else from_fen(row.amount_fen)
    return row.category


def export_case_list(
    store: Store,
    path: Path | str,
    columns: Sequence[ExportColumn],
    *,
    case_filter: CaseFilter | None = None,
    sort: SortKey = SortKey.RECEIVED,
    descending: bool = True,
    revealed_to: User | None = None,
    progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
) -> int:
    """Write the cases of the list, in its order, with the given columns, to an .xlsx file;
    returns how many rows. Phones are masked unless `revealed_to` is a user who may export them
    whole (account_rules.may_export_full_phones); such an export is in the audit log like any
    reveal. The file appears only when complete (written beside it first).
    `progress(done, total)` may raise to stop."""
    reveal_phones = revealed_to is not None and may_export_full_phones(revealed_to)
    today = today or date.today()
    ids = case_ids(store, case_filter or CaseFilter(), sort, descending)
    if len(ids) > MAX_ROWS:
        raise StoreError(
            _(
                "The list has {n} cases, more than a spreadsheet holds ({limit}). "
                "Narrow it with the filters or a search, then export again."
            ).format(n=len(ids), limit=MAX_ROWS)
        )
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    try:
        partial.touch()  # a folder that cannot be written is found before the work
    except OSError as error:
        raise _unwritable(error) from error
    try:
        done = _write(store, ids, partial, columns, reveal_phones, progress, today)
        os.replace(partial, path)
        if reveal_phones and revealed_to is not None:
            log_list_export(
                store,
                actor=revealed_to.username,
                station_code=revealed_to.station_code,
                cases=done,
                path=str(path),
            )
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise _unwritable(error) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return done


def _unwritable(error: OSError) -> StoreError:
    return StoreError(
        _("The file could not be written ({detail}). Choose another folder.").format(
            detail=error.strerror or error
        )
    )


def _write(store, ids, partial, columns, reveal_phones, progress, today) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Cases"))
    titles = export_titles()
    widths = {ExportColumn.MERCHANT: 36, ExportColumn.CASE_NO: 20, ExportColumn.DEADLINE: 26}
    for number, column in enumerate(columns, start=1):
        letter = _column_letter(number)
        sheet.column_dimensions[letter].width = widths.get(column, 14)
    sheet.freeze_panes = "A2"
    sheet.append([titles[column] for column in columns])
    done = 0
    if progress is not None:
        progress(0, len(ids))
    for start in range(0, len(ids), PAGE):
        page = ids[start : start + PAGE]
        rows = case_rows(store, page)
        for local_id in page:
            row = rows.get(local_id)
            if row is None:
                continue  # deleted since the list was read
            cells = []
            for column in columns:
                value = _cell(row, column, reveal_phones, today)
                if column is ExportColumn.AMOUNT and value is not None:
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "#,##0.00"
                    value = cell
                cells.append(value)
            sheet.append(cells)
            done += 1
        if progress is not None:
            progress(start + len(page), len(ids))
    workbook.save(partial)
    return done


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
