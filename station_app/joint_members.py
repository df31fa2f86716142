"""Joint complaints: read a member list from an .xlsx file, check every row, add the members
to a complaint, elect its two representatives and total the amounts.

A list is imported whole or not at all: every problem is reported with the row number Excel
shows and the column's heading, and nothing is written until the file is clean. Order No. 121
lets two or more complainants of the same dispute with the same business complain jointly and
elect two representatives in writing (domain.md).
"""

from __future__ import annotations

import logging
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from stdnum.cn import ric

from station_app.domain import CaseKind, Role, User, label
from station_app.i18n import _
from station_app.money import MoneyError, from_fen, parse_yuan
from station_app.safe_input import InputRejected, read_xlsx_rows
from station_app.store.accounts import local_station
from station_app.store.case_events import CaseProgress, find_progress
from station_app.store.connection import Store
from station_app.store.joint_members import (
    NewMember,
    StoredMember,
    add_members,
    list_members,
    member_totals,
    set_representatives,
)
from station_app.validation import (
    MAX_LEN,
    check_phone,
    check_resident_id,
    mask_id_number,
    mask_phone,
    normalize_phone,
)
from station_app.workflow import OPEN_COMPLAINT

log = logging.getLogger(__name__)

# A joint complaint at a station has tens of members, rarely a few hundred (domain.md: ~100
# consumers of travelling sellers, 80+ prepaid-card holders); more is the wrong file.
MAX_MEMBERS = 2000
# The heading row may sit under a title row or two; it is looked for in the first rows only.
HEADER_SEARCH_ROWS = 10
# A file with many bad rows is usually the wrong file; the first problems say enough.
MAX_REPORTED_PROBLEMS = 200
REPRESENTATIVES = 2

# Column headings a list may use, after normalize_heading (lower case, no spaces, no unit in
# brackets, no required-field star).
COLUMN_HEADINGS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "投诉人", "投诉人姓名", "消费者", "消费者姓名", "name", "fullname"),
    "phone": (
        "电话",
        "联系电话",
        "电话号码",
        "手机",
        "手机号",
        "手机号码",
        "联系方式",
        "phone",
        "phonenumber",
        "mobile",
        "telephone",
        "tel",
    ),
    "id_number": (
        "身份证号",
        "身份证号码",
        "身份证",
        "公民身份号码",
        "证件号码",
        "idnumber",
        "idno",
        "idno.",
        "id",
        "idcard",
        "idcardnumber",
    ),
    "amount": (
        "金额",
        "涉及金额",
        "诉求金额",
        "索赔金额",
        "主张金额",
        "损失金额",
        "amount",
        "claimed",
        "claimedamount",
        "amountclaimed",
    ),
    "address": ("地址", "住址", "家庭住址", "联系地址", "家庭地址", "address"),
    "representative": ("代表", "代表人", "是否代表", "是否代表人", "representative"),
}
REQUIRED_COLUMNS = ("name", "phone", "id_number", "amount")
_YES = frozenset({"是", "代表", "代表人", "√", "✓", "✔", "y", "yes", "1", "true", "x"})
_NO = frozenset({"", "否", "不是", "n", "no", "0", "false"})


def _column_names() -> dict[str, str]:
    """The columns' names for messages, built per call so a language switch takes effect."""
    return {
        "name": _("Name (姓名)"),
        "phone": _("Phone (电话)"),
        "id_number": _("ID number (身份证号)"),
        "amount": _("Amount (金额)"),
        "address": _("Address (地址)"),
        "representative": _("Representative (代表)"),
    }


@dataclass(frozen=True)
class MemberRow:
    """One member of the list, checked; `row` is the row number Excel shows."""

    row: int
    name: str
    phone: str
    id_number: str
    claimed: Decimal
    address: str = ""
    representative: bool = False


@dataclass(frozen=True)
class SheetProblem:
    """One thing wrong with the file: where (row as Excel numbers it, column heading) and what."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("Row {row}, column “{column}”: {message}").format(
                row=self.row, column=self.column, message=self.message
            )
        if self.row is not None:
            return _("Row {row}: {message}").format(row=self.row, message=self.message)
        return self.message


class MemberSheetRejected(Exception):
    """Nothing was imported; `problems` says what to correct in the file, one per line."""

    def __init__(self, problems: Sequence[SheetProblem | str]) -> None:
        self.problems = [p if isinstance(p, SheetProblem) else SheetProblem(p) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))


class JointComplaintRefused(Exception):
    """The members or representatives were not changed; the message says why."""


# --------------------------------------------------------------------------- reading the file


def normalize_heading(value: Any) -> str:
    """'  金额（元）* ' -> '金额'; 'Phone Number' -> 'phonenumber'."""
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text)  # units and notes: 金额(元), amount (yuan)
    return re.sub(r"[\s*:_\-]", "", text)


def _heading_key(value: Any) -> str | None:
    if value is None:
        return None
    heading = normalize_heading(value)
    return next((key for key, names in COLUMN_HEADINGS.items() if heading in names), None)


def _open_rows(path: Path) -> list[tuple[str, list[tuple]]]:
    """Every worksheet's name and rows (values, row 1 first), or MemberSheetRejected."""
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise MemberSheetRejected(
            [_("The file {name} does not exist.").format(name=path)]
        ) from None
    except OSError as error:
        raise MemberSheetRejected(
            [_("The file {name} cannot be read ({detail}).").format(name=name, detail=error)]
        ) from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise MemberSheetRejected(
            [
                _(
                    "{name} is an old-format Excel file (.xls) or a workbook protected with a "
                    "password. Open it in Excel or WPS, remove any password, and save it as "
                    "“Excel Workbook (*.xlsx)”; then import that file."
                ).format(name=name)
            ]
        )
    if not head.startswith(b"PK"):
        raise MemberSheetRejected(
            [
                _(
                    "{name} is not an Excel workbook (.xlsx). If the list is in another format "
                    "(text, CSV, a Word table), open it in Excel or WPS and save it as "
                    "“Excel Workbook (*.xlsx)”."
                ).format(name=name)
            ]
        )
    damaged = _(
        "{name} cannot be read as an Excel workbook: the file is damaged or incomplete. Open "
        "it in Excel or WPS and save it again as “Excel Workbook (*.xlsx)”, or ask for a new copy."
    ).format(name=name)
    try:
        return read_xlsx_rows(path, max_rows=MAX_MEMBERS + HEADER_SEARCH_ROWS + 1000)
    except InputRejected as rejected:
        raise MemberSheetRejected(rejected.problems) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, EOFError):
        raise MemberSheetRejected([damaged]) from None
    except Exception:
        log.exception("openpyxl could not read %s", path)
        raise MemberSheetRejected([damaged]) from None


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int], list[str]] | None:
    """(index of the heading row, column index of each recognised key, the headings as
    written) of the first row within HEADER_SEARCH_ROWS that names a name column."""
    for index, values in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [_heading_key(v) for v in values]
        if "name" in keys:
            columns: dict[str, int] = {}
            for position, key in enumerate(keys):
                if key is not None and key not in columns:
                    columns[key] = position
            written = ["" if v is None else str(v).strip() for v in values]
            return index, columns, written
    return None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _text_problem(text: str, limit: int) -> str | None:
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t" for ch in text):
        return _("contains an invisible control character; retype the cell.")
    if len(text) > limit:
        return _("{n} characters is too long (at most {limit}).").format(n=len(text), limit=limit)
    return None


def parse_amount(value: Any) -> tuple[Decimal | None, str | None]:
    """(yuan, None) or (None, what is wrong) for an amount cell: a number or text such as
    "1,299.50元", by the app's one money parser (money.parse_yuan)."""
    if isinstance(value, date | datetime):
        return None, _(
            "“{value}” is a date, not an amount of money. Write yuan in digits, like 1299.50."
        ).format(value=_cell_text(value))
    try:
        return parse_yuan(value), None
    except MoneyError as refused:
        return None, refused.message


def _parse_id_number(value: Any) -> tuple[str, str | None]:
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        number = str(int(value)) if float(value).is_integer() else str(value)
        if isinstance(value, float) or check_resident_id(number) is not None:
            return "", _(
                "the ID number is stored as a number, and Excel keeps only 15 digits of a "
                "number. Format the column as text (设置单元格格式 → 文本) and type the "
                "numbers again."
            )
    text = _cell_text(value)
    problem = check_resident_id(text)
    if problem is not None:
        return "", problem
    return ric.compact(unicodedata.normalize("NFKC", text).replace("-", "")).upper(), None


def _parse_representative(value: Any) -> tuple[bool, str | None]:
    text = normalize_heading(_cell_text(value)) if not isinstance(value, bool) else str(value)
    text = text.lower()
    if text in _YES:
        return True, None
    if text in _NO:
        return False, None
    return False, _("write 是 for a representative and leave the cell empty otherwise.")


def _check_rows(
    sheet_rows: list[tuple], header_index: int, columns: dict[str, int], headings: list[str]
) -> tuple[list[MemberRow], list[SheetProblem]]:
    names = _column_names()
    rows: list[MemberRow] = []
    problems: list[SheetProblem] = []
    by_id: dict[str, int] = {}
    by_person: dict[tuple[str, str], int] = {}

    def heading(key: str) -> str:
        written = headings[columns[key]] if columns[key] < len(headings) else ""
        return written or names[key]

    for index in range(header_index + 1, len(sheet_rows)):
        values = sheet_rows[index]
        excel_row = index + 1
        cells = {
            key: values[position] if position < len(values) else None
            for key, position in columns.items()
        }
        if all(_is_blank(v) for v in cells.values()):
            continue
        row_problems: list[SheetProblem] = []

        def problem(
            key: str, message: str, row: int = excel_row, into: list = row_problems
        ) -> None:
            into.append(SheetProblem(message, row, heading(key)))

        name = _cell_text(cells.get("name"))
        if not name:
            problem("name", _("the name is empty."))
        elif (issue := _text_problem(name, MAX_LEN["name"])) is not None:
            problem("name", issue)

        phone = ""
        raw_phone = _cell_text(cells.get("phone"))
        if not raw_phone:
            problem("phone", _("the phone number is empty."))
        elif (issue := check_phone(raw_phone)) is not None:
            problem("phone", issue)
        else:
            phone = normalize_phone(raw_phone)

        id_number = ""
        if _is_blank(cells.get("id_number")):
            problem("id_number", _("the ID number is empty."))
        else:
            id_number, issue = _parse_id_number(cells["id_number"])
            if issue is not None:
                problem("id_number", issue)

        claimed = None
        if _is_blank(cells.get("amount")):
            problem("amount", _("the amount is empty; write 0 if nothing is claimed."))
        else:
            claimed, issue = parse_amount(cells["amount"])
            if issue is not None:
                problem("amount", issue)

        address = ""
        if "address" in columns:
            address = _cell_text(cells.get("address"))
            if (issue := _text_problem(address, MAX_LEN["address"])) is not None:
                problem("address", issue)

        representative = False
        if "representative" in columns:
            representative, issue = _parse_representative(cells.get("representative"))
            if issue is not None:
                problem("representative", issue)

        if id_number:
            if id_number in by_id:
                problem(
                    "id_number",
                    _("the same ID number as row {row}; each member is listed once.").format(
                        row=by_id[id_number]
                    ),
                )
            else:
                by_id[id_number] = excel_row
        if name and phone:
            person = (name, phone)
            if person in by_person:
                row_problems.append(
                    SheetProblem(
                        _(
                            "the same name and phone as row {row}; each member is listed once."
                        ).format(row=by_person[person]),
                        excel_row,
                    )
                )
            else:
                by_person[person] = excel_row

        if row_problems:
            problems.extend(row_problems)
            continue
        assert claimed is not None
        rows.append(MemberRow(excel_row, name, phone, id_number, claimed, address, representative))
    return rows, problems


def parse_member_sheet(path: Path | str) -> list[MemberRow]:
    """The members listed in an .xlsx file, every row checked; MemberSheetRejected with every
    problem (by row and column) when anything is wrong."""
    path = Path(path)
    sheets = _open_rows(path)
    names = _column_names()
    found = None
    for title, sheet_rows in sheets:
        header = _find_header(sheet_rows)
        if header is not None:
            found = (title, sheet_rows, header)
            break
    if found is None:
        if not any(any(not _is_blank(v) for v in row) for _t, rows in sheets for row in rows):
            raise MemberSheetRejected(
                [_("{name} is empty: no sheet has any rows.").format(name=path.name)]
            )
        raise MemberSheetRejected(
            [
                _(
                    "No heading row with a name column was found in the first {n} rows of any "
                    "sheet. The list needs a heading row with the columns {columns}."
                ).format(
                    n=HEADER_SEARCH_ROWS,
                    columns="、".join(names[key] for key in REQUIRED_COLUMNS),
                )
            ]
        )
    title, sheet_rows, (header_index, columns, headings) = found
    missing = [names[key] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise MemberSheetRejected(
            [
                SheetProblem(
                    _("the heading row has no column {columns}. Add it and fill it in.").format(
                        columns="、".join(missing)
                    ),
                    header_index + 1,
                )
            ]
        )
    rows, problems = _check_rows(sheet_rows, header_index, columns, headings)
    if not rows and not problems:
        raise MemberSheetRejected(
            [_("Sheet “{sheet}” has a heading row but no members under it.").format(sheet=title)]
        )
    if len(rows) + len(problems) > MAX_MEMBERS:
        raise MemberSheetRejected(
            [
                _(
                    "The list has more than {limit} rows; a joint complaint this large should "
                    "be split, or this is the wrong file."
                ).format(limit=MAX_MEMBERS)
            ]
        )
    marked = [row for row in rows if row.representative]
    if not problems and marked and len(marked) != REPRESENTATIVES:
        problems.append(
            SheetProblem(
                _(
                    "{count} members are marked as representatives (rows {rows}); mark exactly "
                    "two, or none and elect them later."
                ).format(count=len(marked), rows=", ".join(str(r.row) for r in marked))
            )
        )
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(
                SheetProblem(_("… and {n} more problems.").format(n=len(problems) - len(shown)))
            )
        raise MemberSheetRejected(shown)
    return rows


# --------------------------------------------------------------------------- the case


def _acting_station(store: Store, station_code: str | None) -> str:
    return station_code or local_station(store).code


def _open_joint_case(store: Store, case_key: str, user: User, station_code: str) -> CaseProgress:
    """The case, if its complainants may be changed now by `user` at `station_code`."""
    progress = find_progress(store, case_key.strip())
    if progress is None:
        raise JointComplaintRefused(_("No case numbered {number}.").format(number=case_key))
    if progress.kind is not CaseKind.COMPLAINT:
        raise JointComplaintRefused(
            _("{number} is a {kind}; only a complaint can have joint complainants.").format(
                number=progress.case_no, kind=label(progress.kind)
            )
        )
    if progress.owner_station != station_code and user.role is not Role.CITY:
        raise JointComplaintRefused(
            _("This case now belongs to station {owner}; this station can only view it.").format(
                owner=progress.owner_station
            )
        )
    if progress.status not in OPEN_COMPLAINT:
        raise JointComplaintRefused(
            _("The case is “{status}”; its complainants can no longer be changed.").format(
                status=label(progress.status)
            )
        )
    return progress


def import_members(
    store: Store,
    case_key: str,
    rows: Sequence[MemberRow],
    *,
    actor: User,
    station_code: str | None = None,
) -> list[str]:
    """Add the checked rows as complainants of an open complaint of this station, in one
    transaction (the audit log names `actor`); returns the new party ids. A member already
    in the case (same ID number, or same name and phone) rejects the whole list."""
    station = _acting_station(store, station_code)
    if not rows:
        raise MemberSheetRejected([_("The list has no members to import.")])
    with store.transaction(actor=actor.username):
        progress = _open_joint_case(store, case_key, actor, station)
        existing = list_members(store, progress.id)
        ids = {m.id_number: m for m in existing if m.id_number}
        people = {(m.name, m.phone): m for m in existing if m.phone}
        problems = []
        for row in rows:
            same = ids.get(row.id_number) or people.get((row.name, row.phone))
            if same is not None:
                problems.append(
                    SheetProblem(
                        _(
                            "{name} ({phone}, ID {id}) is already complainant {position} of "
                            "{number}."
                        ).format(
                            name=row.name,
                            phone=mask_phone(row.phone),
                            id=mask_id_number(row.id_number),
                            position=same.position + 1,
                            number=progress.case_no,
                        ),
                        row.row,
                    )
                )
        if problems:
            raise MemberSheetRejected(problems)
        new_ids = add_members(
            store,
            progress.local_id,
            progress.id,
            progress.owner_station,
            [
                NewMember(r.name, r.phone, r.id_number, r.claimed, r.address, r.representative)
                for r in rows
            ],
        )
        chosen = [pid for pid, row in zip(new_ids, rows, strict=True) if row.representative]
        if chosen:
            set_representatives(store, progress.id, chosen)
    return new_ids


def elect_representatives(
    store: Store,
    case_key: str,
    party_ids: Sequence[str],
    *,
    actor: User,
    station_code: str | None = None,
) -> None:
    """Record the two representatives the complainants elected (in writing); the others
    stop being representatives."""
    station = _acting_station(store, station_code)
    chosen = list(dict.fromkeys(party_ids))
    if len(chosen) != REPRESENTATIVES or len(party_ids) != REPRESENTATIVES:
        raise JointComplaintRefused(
            _("A joint complaint elects exactly two different representatives.")
        )
    with store.transaction(actor=actor.username):
        progress = _open_joint_case(store, case_key, actor, station)
        members = {m.party_id for m in list_members(store, progress.id)}
        strangers = [pid for pid in chosen if pid not in members]
        if strangers:
            raise JointComplaintRefused(
                _("Representatives must be complainants of {number}.").format(
                    number=progress.case_no
                )
            )
        set_representatives(store, progress.id, chosen)


def members_of(store: Store, case_key: str) -> list[StoredMember]:
    """The complainants of a case (by number or id) with their amounts."""
    progress = find_progress(store, case_key.strip())
    if progress is None:
        raise JointComplaintRefused(_("No case numbered {number}.").format(number=case_key))
    return list_members(store, progress.id)


def member_to_dict(member: StoredMember, *, reveal: bool = False) -> dict[str, Any]:
    """A member for JSON output; phone and ID number masked unless `reveal` (log the reveal)."""
    return {
        "party": member.position + 1,
        "party_id": member.party_id,
        "name": member.name,
        "phone": member.phone if reveal else mask_phone(member.phone),
        "id_number": member.id_number if reveal else mask_id_number(member.id_number),
        "address": member.address,
        "claimed": None if member.claimed is None else f"{member.claimed:.2f}",
        "recovered": None if member.recovered is None else f"{member.recovered:.2f}",
        "representative": member.representative,
    }


class JointTotals(NamedTuple):
    members: int
    claimed: Decimal
    recovered: Decimal


def joint_totals(store: Store, case_key: str) -> JointTotals:
    """How many complainants, and the sums of their claimed and recovered amounts (yuan)."""
    progress = find_progress(store, case_key.strip())
    if progress is None:
        raise JointComplaintRefused(_("No case numbered {number}.").format(number=case_key))
    count, claimed, recovered = member_totals(store, progress.id)
    return JointTotals(count, from_fen(claimed), from_fen(recovered))


def totals_to_dict(totals: JointTotals) -> dict[str, Any]:
    return {
        "members": totals.members,
        "claimed": f"{totals.claimed:.2f}",
        "recovered": f"{totals.recovered:.2f}",
    }
