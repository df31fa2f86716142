"""Moving in from an Excel ledger (台账): read a sheet, map its columns to case fields (guessed
from the headings), check every row, and turn each into a real case with a lawful history.

A ledger is read whole and checked before anything is written: any problem (with its Excel row
number and column) blocks the import, so nothing is half-imported. Each row's status in words
(已办结, 调解成功, 调解不成, 不予受理, 处理中 ...) becomes the workflow steps that lead to it,
checked and shaped by demo_history.apply_history exactly as the demo's histories are; the store
writes them in one transaction (store/ledger_imports.py), and an import is undone as one step.
Amounts go through the one money parser (money.parse_yuan), dates through
safe_input.parse_written_moment.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from station_app.action_payloads import when_key
from station_app.demo_history import CaseFacts, HistoryRefused, Step, apply_history
from station_app.domain import CaseKind, Channel, Merchant, Role, label
from station_app.i18n import N_, _
from station_app.ids import new_id, utc_now
from station_app.money import MoneyError, parse_yuan, to_fen
from station_app.safe_input import InputRejected, check_xlsx_archive, parse_written_moment
from station_app.store import bulk, ledger_imports
from station_app.store.cases import allocate_case_no
from station_app.store.connection import Store
from station_app.store.merchants import resolve_merchant
from station_app.workflow import ROLE_ACTIONS, Action, action_label

log = logging.getLogger(__name__)

# A ledger of a busy station holds a few thousand rows a year; ten years of a township fit.
MAX_LEDGER_ROWS = 100_000
MAX_LEDGER_COLUMNS = 60
# A 100,000-row ledger unpacks to about 100 MB of sheet XML.
MAX_LEDGER_UNPACKED = 400 * 1024 * 1024
# Where the heading row may be (titles and merged group headings come first).
HEADER_SEARCH_ROWS = 10
# Problems listed in a report; the count says how many there are in all.
MAX_PROBLEMS_LISTED = 500
PREVIEW_ROWS = 20


class LedgerField(StrEnum):
    LEDGER_NO = "ledger_no"
    RECEIVED = "received"
    KIND = "kind"
    CHANNEL = "channel"
    COMPLAINANT = "complainant"
    PHONE = "phone"
    ADDRESS = "address"
    MERCHANT = "merchant"
    MERCHANT_ADDRESS = "merchant_address"
    GOODS = "goods"
    AMOUNT = "amount"
    REQUEST = "request"
    FACTS = "facts"
    STATUS = "status"
    CLOSED = "closed"
    RECOVERED = "recovered"
    HANDLER = "handler"


FIELD_LABELS: dict[LedgerField, str] = {
    LedgerField.LEDGER_NO: N_("Ledger number"),
    LedgerField.RECEIVED: N_("Date received"),
    LedgerField.KIND: N_("Kind"),
    LedgerField.CHANNEL: N_("Channel"),
    LedgerField.COMPLAINANT: N_("Complainant"),
    LedgerField.PHONE: N_("Phone"),
    LedgerField.ADDRESS: N_("Address"),
    LedgerField.MERCHANT: N_("Merchant"),
    LedgerField.MERCHANT_ADDRESS: N_("Merchant's address"),
    LedgerField.GOODS: N_("Goods or service"),
    LedgerField.AMOUNT: N_("Amount in dispute"),
    LedgerField.REQUEST: N_("Request"),
    LedgerField.FACTS: N_("Facts"),
    LedgerField.STATUS: N_("Status"),
    LedgerField.CLOSED: N_("Date closed"),
    LedgerField.RECOVERED: N_("Loss recovered"),
    LedgerField.HANDLER: N_("Handled by"),
}
REQUIRED_FIELDS = (LedgerField.RECEIVED,)

# Words of the headings stations write, by field; the longest word found in a heading wins.
HEADING_WORDS: dict[LedgerField, tuple[str, ...]] = {
    LedgerField.LEDGER_NO: ("编号", "序号", "登记号", "台账号", "案号", "工单号"),
    LedgerField.RECEIVED: (
        "日期",
        "时间",
        "登记日期",
        "登记时间",
        "受理日期",
        "投诉日期",
        "投诉时间",
        "收到日期",
        "接收日期",
        "来电时间",
    ),
    LedgerField.KIND: ("类型", "类别", "性质", "诉求类型", "件类"),
    LedgerField.CHANNEL: ("来源", "渠道", "方式", "投诉方式", "投诉渠道", "受理方式"),
    LedgerField.COMPLAINANT: (
        "投诉人",
        "举报人",
        "姓名",
        "消费者",
        "当事人",
        "投诉人姓名",
        "消费者姓名",
    ),
    LedgerField.PHONE: ("电话", "联系电话", "联系方式", "手机", "手机号"),
    LedgerField.ADDRESS: ("地址", "住址", "投诉人地址", "消费者地址", "家庭住址"),
    LedgerField.MERCHANT: (
        "被投诉人",
        "被投诉方",
        "被举报人",
        "商家",
        "经营者",
        "被投诉单位",
        "被投诉商家",
        "商户",
        "被诉方",
    ),
    LedgerField.MERCHANT_ADDRESS: (
        "被投诉人地址",
        "被投诉方地址",
        "商家地址",
        "经营者地址",
        "经营地址",
        "单位地址",
    ),
    LedgerField.GOODS: ("商品", "服务", "商品或服务", "商品名称", "涉及商品", "品名"),
    LedgerField.AMOUNT: ("金额", "涉案金额", "争议金额", "涉及金额", "购买金额", "价款"),
    LedgerField.REQUEST: ("诉求", "请求", "投诉请求", "要求", "诉求内容"),
    LedgerField.FACTS: (
        "事由",
        "内容",
        "摘要",
        "情况",
        "投诉内容",
        "投诉事由",
        "事实",
        "主要内容",
        "问题",
        "简要情况",
    ),
    LedgerField.STATUS: ("状态", "结果", "处理结果", "办理情况", "办结情况", "处理情况", "进度"),
    LedgerField.CLOSED: ("办结日期", "结案日期", "办结时间", "处理日期", "完成日期", "结案时间"),
    LedgerField.RECOVERED: ("挽回", "挽回损失", "挽回经济损失", "挽损金额", "挽回金额", "赔偿金额"),
    LedgerField.HANDLER: ("承办人", "经办人", "调解员", "处理人", "办理人", "负责人"),
}


class Outcome(StrEnum):
    """Where a ledger row's case stands, as its status in words says."""

    REGISTERED = "registered"
    IN_PROGRESS = "in_progress"
    MEDIATING = "mediating"
    AGREED = "agreed"
    FAILED = "failed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    ANSWERED = "answered"
    OPENED = "opened"
    NOT_OPENED = "not_opened"
    DONE = "done"


# Status words, tried in this order (a word that contains another comes first: 不予受理 before
# 受理, 调解不成 before 调解).
STATUS_WORDS: tuple[tuple[Outcome, tuple[str, ...]], ...] = (
    (Outcome.REFUSED, ("不予受理", "不受理", "未予受理")),
    (Outcome.NOT_OPENED, ("不予立案", "未立案", "不立案")),
    (
        Outcome.FAILED,
        ("调解不成", "调解失败", "调解未成", "未达成", "终止调解", "调解终止", "不成功"),
    ),
    (Outcome.WITHDRAWN, ("撤诉", "撤回", "撤销投诉", "自行和解")),
    (Outcome.AGREED, ("调解成功", "达成协议", "已调解", "调解结案", "和解")),
    (Outcome.ANSWERED, ("已答复", "已解答", "答复", "解答")),
    (Outcome.OPENED, ("已立案", "立案")),
    (Outcome.DONE, ("已办结", "办结", "结案", "已处理", "处理完毕", "完结", "已完成", "办毕")),
    (Outcome.MEDIATING, ("调解中", "正在调解")),
    (Outcome.IN_PROGRESS, ("处理中", "办理中", "已受理", "受理", "核查中", "正在处理", "跟进")),
    (Outcome.REGISTERED, ("登记", "待处理", "未处理", "新建")),
)
_KIND_WORDS = (
    (CaseKind.REPORT, ("举报",)),
    (CaseKind.CONSULTATION, ("咨询", "建议", "求助")),
    (CaseKind.COMPLAINT, ("投诉", "申诉")),
)
_CHANNEL_WORDS = (
    (Channel.TRANSFER_12345, ("12345",)),
    (Channel.PLATFORM_12315, ("平台", "网络", "网上", "全国12315", "互联网")),
    (Channel.LETTER, ("来信", "信件", "信函", "邮寄", "书面")),
    (Channel.WALK_IN, ("来访", "上门", "现场", "走访", "来人", "到站")),
    (Channel.PHONE, ("电话", "热线", "来电", "12315")),
)
_NOT_RECORDED = "台账未记载"


class LedgerRejected(InputRejected):
    """A ledger file that cannot be read at all (not a workbook, damaged, password, too big)."""


@dataclass
class LedgerSheet:
    """One sheet of a ledger: its headings and its data rows by Excel row number."""

    title: str
    header_row: int  # Excel row number of the headings (1-based)
    headings: list[str]
    rows: list[tuple[int, tuple]]  # (Excel row number, cell values); blank rows left out
    # Cells holding a formula that Excel never computed: (row, column index, formula)
    uncomputed: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RowProblem:
    row: int  # Excel row number; 0 for the sheet as a whole
    column: str  # the heading (or letter) of the column, "" when none
    message: str

    def text(self) -> str:
        if not self.row:
            return self.message
        if self.column:
            return _("Row {row}, column “{column}”: {message}").format(
                row=self.row, column=self.column, message=self.message
            )
        return _("Row {row}: {message}").format(row=self.row, message=self.message)


@dataclass
class LedgerRow:
    """One ledger row, read and checked."""

    row: int
    received: datetime
    kind: CaseKind
    channel: Channel
    complainant: str
    phone: str
    address: str
    merchant: str
    merchant_address: str
    goods: str
    amount: Decimal | None
    request: str
    facts: str
    status_text: str
    outcome: Outcome
    closed_on: date | None
    recovered: Decimal | None
    handler: str
    ledger_no: str


@dataclass
class ImportPlan:
    """What an import would write, or why it cannot."""

    file_name: str
    sheet: str
    rows: list[LedgerRow]
    problems: list[RowProblem]

    @property
    def blocked(self) -> bool:
        return bool(self.problems)


# --------------------------------------------------------------------------- reading


def column_letter(index: int) -> str:
    """Excel's letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int | None:
    if not re.fullmatch(r"[A-Za-z]{1,3}", letters):
        return None
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number - 1


def _check_file(path: Path) -> None:
    name = path.name
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as error:
        raise LedgerRejected(
            _("{name} cannot be opened: {error}").format(name=name, error=error.strerror or error)
        ) from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerRejected(
            _(
                "{name} is an old-format Excel file (.xls) or a workbook protected with a "
                "password. Open it in Excel or WPS, remove any password, and save it as "
                "“Excel Workbook (*.xlsx)”; then import that file."
            ).format(name=name)
        )
    if not head.startswith(b"PK"):
        raise LedgerRejected(
            _(
                "{name} is not an Excel workbook (.xlsx). Open the ledger in Excel or WPS and "
                "save it as “Excel Workbook (*.xlsx)”."
            ).format(name=name)
        )


def _damaged(path: Path) -> LedgerRejected:
    return LedgerRejected(
        _(
            "{name} cannot be read as an Excel workbook: the file is damaged or incomplete. "
            "Open it in Excel or WPS and save it again as “Excel Workbook (*.xlsx)”."
        ).format(name=path.name)
    )


def _open_workbook(path: Path, *, data_only: bool):
    from openpyxl import load_workbook

    return load_workbook(path, read_only=True, data_only=data_only)


def sheet_titles(path: str | Path) -> list[str]:
    """The titles of the ledger's worksheets; LedgerRejected when it cannot be read."""
    path = Path(path)
    _check_file(path)
    try:
        check_xlsx_archive(path, max_uncompressed=MAX_LEDGER_UNPACKED, max_ratio=200)
        workbook = _open_workbook(path, data_only=True)
    except InputRejected as rejected:
        raise LedgerRejected(str(rejected)) from None
    except Exception:
        log.info("openpyxl could not open %s", path, exc_info=True)
        raise _damaged(path) from None
    try:
        return [sheet.title for sheet in workbook.worksheets]
    finally:
        workbook.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M")
            if value.time() != datetime.min.time()
            else (value.date().isoformat())
        )
    return unicodedata.normalize("NFC", str(value)).strip()


def _normal_heading(value: Any) -> str:
    text = unicodedata.normalize("NFKC", _text(value))
    return re.sub(r"[\s（）()【】\[\]：:*＊]", "", text)


def _heading_score(heading: str) -> int:
    return sum(1 for words in HEADING_WORDS.values() if any(w in heading for w in words))


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
# A cell holding only a formula with no value Excel computed: <c r="H4"><f>A1*2</f><v/></c>,
# the value left out, or a shared formula <f t="shared" si="0"/>.
_UNCOMPUTED_RE = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>'
    rb"(?:<f\b[^>]*/>|<f\b[^>]*>([^<]*)</f>)(?:<v\s*/>|<v>\s*</v>)?</c>"
)


@dataclass
class SheetXmlFacts:
    """What openpyxl's read-only mode does not tell: merged ranges (first row, first column,
    last row, last column; rows 1-based, columns 0-based) and the cells whose formula has no
    computed value (row, column, formula)."""

    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    uncomputed: list[tuple[int, int, str]] = field(default_factory=list)


def sheet_xml_facts(path: Path, part: str) -> SheetXmlFacts:
    """Read the merged ranges and uncomputed formulas from the sheet's XML stored at `part`,
    a megabyte at a time (cut after a whole row), so a big sheet costs no memory."""
    facts = SheetXmlFacts()

    def scan(data: bytes) -> None:
        for match in _MERGE_RE.finditer(data):
            first_col = _column_index(match[1].decode())
            last_col = _column_index(match[3].decode())
            if first_col is not None and last_col is not None:
                facts.merged.append((int(match[2]), first_col, int(match[4]), last_col))
        for match in _UNCOMPUTED_RE.finditer(data):
            column = _column_index(match[1].decode())
            if column is not None:
                text = html.unescape((match[3] or b"").decode("utf-8", "replace"))
                facts.uncomputed.append((int(match[2]), column, "=" + (text or "…")))

    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            cut = data.rfind(b"</row>")
            cut = cut + len(b"</row>") if cut >= 0 else data.rfind(b"<")
            if cut <= 0:
                tail = data
                continue
            scan(data[:cut])
            tail = data[cut:]
        scan(tail)
    return facts


def _find_headings(
    rows: list[tuple[int, tuple]], merged: list[tuple[int, int, int, int]] = ()
) -> tuple[int, list[str]]:
    """(position in `rows` of the heading row, the headings). The heading row is the row among
    the first ones whose cells name the most fields. A cell of the row above merged across
    several columns (a group heading like 投诉人 over 姓名 | 电话) is put before each heading it
    spans; a heading merged down over two rows keeps its text."""
    best, best_score = 0, -1
    for position, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = sum(_heading_score(_normal_heading(v)) > 0 for v in values)
        if score > best_score:
            best, best_score = position, score
    if not rows:
        return 0, []
    number, values = rows[best]
    headings = [_normal_heading(v) for v in values]
    above = {position_number: vals for position_number, vals in rows[:best]}
    for first_row, first_col, last_row, last_col in merged:
        if not (first_row < number and last_row >= number - 1) or first_row not in above:
            continue
        text = _normal_heading(
            above[first_row][first_col] if first_col < len(above[first_row]) else None
        )
        if not text or last_col - first_col >= max(len(headings), 2) - 1 and first_col == 0:
            continue  # a title over the whole table
        while len(headings) <= last_col:
            headings.append("")
        for index in range(first_col, last_col + 1):
            if not headings[index]:
                headings[index] = text
            elif not headings[index].startswith(text):
                headings[index] = text + headings[index]
    return best, headings


def read_ledger(
    path: str | Path,
    sheet: str | None = None,
    *,
    max_rows: int = MAX_LEDGER_ROWS,
    progress: Callable[[int], None] | None = None,
) -> LedgerSheet:
    """The sheet `sheet` (the first when None) of the ledger at `path`: headings and data rows,
    blank rows left out. Cells are read as Excel last computed them (openpyxl data_only); a
    formula Excel never computed is listed in `uncomputed`. LedgerRejected when the file cannot
    be read, the sheet does not exist, or it has more than `max_rows` rows."""
    path = Path(path)
    _check_file(path)
    try:
        check_xlsx_archive(path, max_uncompressed=MAX_LEDGER_UNPACKED, max_ratio=200)
    except InputRejected as rejected:
        raise LedgerRejected(str(rejected)) from None
    except (zipfile.BadZipFile, OSError):
        raise _damaged(path) from None
    try:
        values_book = _open_workbook(path, data_only=True)
    except Exception:
        log.info("openpyxl could not open %s", path, exc_info=True)
        raise _damaged(path) from None
    try:
        titles = [ws.title for ws in values_book.worksheets]
        if sheet is None:
            if not titles:
                raise LedgerRejected(_("{name} has no worksheet.").format(name=path.name))
            sheet = titles[0]
        if sheet not in titles:
            raise LedgerRejected(
                _("{name} has no sheet “{sheet}”. Its sheets: {titles}.").format(
                    name=path.name, sheet=sheet, titles="、".join(titles)
                )
            )
        part = getattr(values_book[sheet], "_worksheet_path", None)
        try:
            facts = sheet_xml_facts(path, part) if part else SheetXmlFacts()
            rows = _read_rows(values_book[sheet], max_rows, progress)
        except LedgerRejected:
            raise
        except Exception:
            log.info("openpyxl could not read %s", path, exc_info=True)
            raise _damaged(path) from None
    finally:
        values_book.close()
    if len(rows) > max_rows:
        raise LedgerRejected(
            _(
                "The sheet “{sheet}” has more than {limit} rows. Split the ledger into several "
                "files (for example one per year) and import them one after the other."
            ).format(sheet=sheet, limit=f"{max_rows:,}")
        )
    position, headings = _find_headings(rows, facts.merged)
    header_row = rows[position][0] if rows else 1
    return LedgerSheet(
        title=sheet,
        header_row=header_row,
        headings=headings,
        rows=rows[position + 1 :],
        uncomputed=[u for u in facts.uncomputed if u[0] > header_row],
    )


def _read_rows(sheet, max_rows: int, progress) -> list[tuple[int, tuple]]:
    """Non-blank rows: (Excel row number, values). openpyxl yields every row from row 1, blank
    ones included, so the count is the row number."""
    sheet.reset_dimensions()
    rows: list[tuple[int, tuple]] = []
    limit = max_rows + HEADER_SEARCH_ROWS + 1
    for number, cells in enumerate(
        sheet.iter_rows(max_col=MAX_LEDGER_COLUMNS, values_only=True), 1
    ):
        values = list(cells)
        while values and _blank(values[-1]):
            values.pop()
        if values:
            rows.append((number, tuple(values)))
            if len(rows) > limit:
                break
        if progress is not None and number % 5000 == 0:
            progress(number)
    return rows


# --------------------------------------------------------------------------- mapping


def guess_mapping(headings: list[str]) -> dict[LedgerField, int]:
    """The column of each field, guessed from the headings: each heading goes to the field
    whose longest word it contains, each field to one column (the best, then the leftmost)."""
    candidates: list[tuple[int, int, LedgerField]] = []
    for index, heading in enumerate(headings):
        if not heading:
            continue
        for fld, words in HEADING_WORDS.items():
            found = [len(w) + (10 if heading == w else 0) for w in words if w in heading]
            if found:
                candidates.append((-max(found), index, fld))
    candidates.sort(key=lambda c: (c[0], c[1]))
    mapping: dict[LedgerField, int] = {}
    taken: set[int] = set()
    for _score, index, fld in candidates:
        if fld in mapping or index in taken:
            continue
        mapping[fld] = index
        taken.add(index)
    return mapping


def mapping_problems(mapping: Mapping[LedgerField, int], headings: list[str]) -> list[str]:
    """Why a mapping cannot be used: a required field with no column, a column given to two
    fields, a column that the sheet does not have."""
    problems = []
    for fld in REQUIRED_FIELDS:
        if fld not in mapping:
            problems.append(
                _("No column is chosen for “{field}”; it is needed.").format(
                    field=_(FIELD_LABELS[fld])
                )
            )
    by_column: dict[int, list[LedgerField]] = {}
    for fld, index in mapping.items():
        by_column.setdefault(index, []).append(fld)
    for index, fields in sorted(by_column.items()):
        if len(fields) > 1:
            problems.append(
                _("The column {column} is chosen for more than one field: {fields}.").format(
                    column=_column_name(index, headings),
                    fields="、".join(_(FIELD_LABELS[f]) for f in fields),
                )
            )
    for fld, index in mapping.items():
        if not 0 <= index < MAX_LEDGER_COLUMNS:
            problems.append(
                _("“{field}”: the sheet has no column {column}.").format(
                    field=_(FIELD_LABELS[fld]), column=column_letter(index)
                )
            )
    return problems


def _column_name(index: int, headings: list[str]) -> str:
    heading = headings[index] if index < len(headings) else ""
    return f"{column_letter(index)}（{heading}）" if heading else column_letter(index)


def mapping_from_json(data: Any, headings: list[str]) -> dict[LedgerField, int]:
    """A mapping file's {field: heading or column letter}; InputRejected listing every entry
    that names no field or no column."""
    if not isinstance(data, dict):
        raise InputRejected(
            _(
                "The mapping file must be a JSON object of fields and columns, like {example}."
            ).format(example='{"received": "登记日期", "merchant": "C"}')
        )
    columns = data.get("columns", data)
    if not isinstance(columns, dict):
        raise InputRejected(_("“columns” in the mapping file must be a JSON object."))
    problems: list[str] = []
    mapping: dict[LedgerField, int] = {}
    used: dict[int, str] = {}
    for key, where in columns.items():
        if key in ("sheet", "columns"):
            continue
        try:
            fld = LedgerField(key)
        except ValueError:
            problems.append(
                _("“{key}” is not a ledger field. Fields: {fields}.").format(
                    key=key, fields=", ".join(f.value for f in LedgerField)
                )
            )
            continue
        if not isinstance(where, str) or not where.strip():
            problems.append(
                _("“{key}”: give the column's heading or its letter (A, B, …).").format(key=key)
            )
            continue
        heading = _normal_heading(where)
        index = headings.index(heading) if heading in headings else _column_index(where.strip())
        if index is None:
            problems.append(
                _("“{key}”: the sheet has no column headed “{where}”.").format(key=key, where=where)
            )
            continue
        if index in used:
            problems.append(
                _("The column {column} is chosen for more than one field: {fields}.").format(
                    column=_column_name(index, headings), fields=f"{used[index]}、{key}"
                )
            )
            continue
        used[index] = key
        mapping[fld] = index
    if problems:
        raise InputRejected(problems)
    return mapping


# --------------------------------------------------------------------------- rows


def outcome_of(text: str) -> Outcome | None:
    """The outcome a status in words names; REGISTERED for a blank, None when unknown."""
    words = re.sub(r"\s", "", unicodedata.normalize("NFKC", text))
    if not words:
        return Outcome.REGISTERED
    for outcome, names in STATUS_WORDS:
        if any(name in words for name in names):
            return outcome
    return None


def _kind_of(text: str) -> CaseKind | None:
    if not text:
        return CaseKind.COMPLAINT
    for kind, names in _KIND_WORDS:
        if any(name in text for name in names):
            return kind
    return None


def _channel_of(text: str) -> Channel:
    for channel, names in _CHANNEL_WORDS:
        if any(name in text for name in names):
            return channel
    return Channel.OTHER


_OUTCOMES_OF_KIND = {
    CaseKind.COMPLAINT: {
        Outcome.REGISTERED,
        Outcome.IN_PROGRESS,
        Outcome.MEDIATING,
        Outcome.AGREED,
        Outcome.FAILED,
        Outcome.REFUSED,
        Outcome.WITHDRAWN,
        Outcome.DONE,
    },
    CaseKind.REPORT: {
        Outcome.REGISTERED,
        Outcome.IN_PROGRESS,
        Outcome.OPENED,
        Outcome.NOT_OPENED,
    },
    CaseKind.CONSULTATION: {
        Outcome.REGISTERED,
        Outcome.IN_PROGRESS,
        Outcome.ANSWERED,
        Outcome.DONE,
    },
}
_KIND_NAMES = {
    CaseKind.COMPLAINT: N_("complaint"),
    CaseKind.REPORT: N_("report"),
    CaseKind.CONSULTATION: N_("consultation"),
}


def check_rows(
    sheet: LedgerSheet, mapping: Mapping[LedgerField, int], *, today: date
) -> tuple[list[LedgerRow], list[RowProblem]]:
    """Every data row read by the mapping, and every problem by row number and column."""
    problems: list[RowProblem] = [
        RowProblem(0, "", message) for message in mapping_problems(mapping, sheet.headings)
    ]
    if problems:
        return [], problems
    for number, index, formula in sheet.uncomputed:
        if index in mapping.values():
            problems.append(
                RowProblem(
                    number,
                    _column_name(index, sheet.headings),
                    _(
                        "the cell {cell} holds the formula {formula} with no computed value. "
                        "Open the ledger in Excel or WPS, let it calculate, save, and import again."
                    ).format(cell=f"{column_letter(index)}{number}", formula=formula[:40]),
                )
            )
    rows: list[LedgerRow] = []
    for number, values in sheet.rows:
        row, row_problems = _check_row(number, values, mapping, sheet.headings, today)
        problems += row_problems
        if row is not None and not row_problems:
            rows.append(row)
    if not rows and not problems:
        problems.append(RowProblem(0, "", _("The sheet has no rows to import below its headings.")))
    problems.sort(key=lambda p: p.row)
    return rows, problems


def _check_row(
    number: int,
    values: tuple,
    mapping: Mapping[LedgerField, int],
    headings: list[str],
    today: date,
) -> tuple[LedgerRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def cell(fld: LedgerField) -> Any:
        index = mapping.get(fld)
        return values[index] if index is not None and index < len(values) else None

    def problem(fld: LedgerField, message: str) -> None:
        problems.append(RowProblem(number, _column_name(mapping[fld], headings), message))

    def moment(fld: LedgerField) -> datetime | None:
        value = cell(fld)
        if _blank(value):
            return None
        parsed = parse_written_moment(value)
        if parsed is None:
            problem(
                fld,
                _(
                    "“{value}” is not a date. Write it like 2021-03-05, 2021.3.5, 2021/3/5 or "
                    "2021年3月5日."
                ).format(value=_text(value)[:30]),
            )
        elif parsed.date() > today:
            problem(fld, _("{day} is after today.").format(day=parsed.date().isoformat()))
            return None
        return parsed

    def money(fld: LedgerField) -> Decimal | None:
        value = cell(fld)
        if _blank(value):
            return None
        try:
            return parse_yuan(value.strip() if isinstance(value, str) else value)
        except MoneyError as refused:
            problem(fld, refused.message)
            return None

    received = moment(LedgerField.RECEIVED)
    if received is None and _blank(cell(LedgerField.RECEIVED)):
        problem(LedgerField.RECEIVED, _("the date received is empty."))
    closed = moment(LedgerField.CLOSED) if LedgerField.CLOSED in mapping else None
    amount = money(LedgerField.AMOUNT) if LedgerField.AMOUNT in mapping else None
    recovered = money(LedgerField.RECOVERED) if LedgerField.RECOVERED in mapping else None
    texts = {fld: _text(cell(fld))[:2000] for fld in LedgerField if fld in mapping}
    kind = _kind_of(texts.get(LedgerField.KIND, ""))
    if kind is None:
        problem(
            LedgerField.KIND,
            _("“{value}” is not a kind of case; write 投诉, 举报 or 咨询.").format(
                value=texts[LedgerField.KIND][:30]
            ),
        )
        kind = CaseKind.COMPLAINT
    status_text = texts.get(LedgerField.STATUS, "")
    outcome = outcome_of(status_text)
    if outcome is None:
        problem(
            LedgerField.STATUS,
            _(
                "“{value}” is not a status the app knows. Write one of 已办结, 调解成功, "
                "调解不成, 不予受理, 撤诉, 处理中, 调解中, 已答复, 已立案, 不予立案."
            ).format(value=status_text[:30]),
        )
    elif outcome not in _OUTCOMES_OF_KIND[kind]:
        problem(
            LedgerField.STATUS,
            _("“{value}” is not a status of a {kind}.").format(
                value=status_text[:30], kind=_(_KIND_NAMES[kind])
            ),
        )
        outcome = None
    elif outcome is Outcome.DONE:
        if kind is CaseKind.CONSULTATION:
            outcome = Outcome.ANSWERED
        elif recovered:
            outcome = Outcome.AGREED
        else:
            problem(
                LedgerField.STATUS,
                _(
                    "“{value}” does not say how the complaint ended. Write 调解成功 (with the "
                    "loss recovered), 调解不成, 不予受理 or 撤诉."
                ).format(value=status_text[:30]),
            )
            outcome = None
    if recovered and outcome not in (None, Outcome.AGREED):
        problem(
            LedgerField.RECOVERED,
            _("a loss recovered is kept only for a mediation that succeeded (调解成功)."),
        )
    complainant = texts.get(LedgerField.COMPLAINANT, "")
    merchant = texts.get(LedgerField.MERCHANT, "")
    if kind is CaseKind.COMPLAINT:
        if not complainant:
            if LedgerField.COMPLAINANT in mapping:
                problem(LedgerField.COMPLAINANT, _("a complaint needs the complainant's name."))
            else:
                problems.append(
                    RowProblem(
                        number,
                        "",
                        _("a complaint needs the complainant's name: choose its column."),
                    )
                )
        if not merchant:
            if LedgerField.MERCHANT in mapping:
                problem(LedgerField.MERCHANT, _("a complaint needs the merchant's name."))
            else:
                problems.append(
                    RowProblem(
                        number, "", _("a complaint needs the merchant's name: choose its column.")
                    )
                )
    if received is not None and closed is not None and closed.date() < received.date():
        problem(
            LedgerField.CLOSED,
            _("the case was closed ({closed}) before it was received ({received}).").format(
                closed=closed.date().isoformat(), received=received.date().isoformat()
            ),
        )
    if received is None or outcome is None or problems:
        return None, problems
    if received.hour == 0 and received.minute == 0:
        received = received.replace(hour=9)
    return (
        LedgerRow(
            row=number,
            received=received,
            kind=kind,
            channel=_channel_of(texts.get(LedgerField.CHANNEL, "")),
            complainant=complainant,
            phone=texts.get(LedgerField.PHONE, "")[:40],
            address=texts.get(LedgerField.ADDRESS, ""),
            merchant=merchant,
            merchant_address=texts.get(LedgerField.MERCHANT_ADDRESS, ""),
            goods=texts.get(LedgerField.GOODS, ""),
            amount=amount,
            request=texts.get(LedgerField.REQUEST, ""),
            facts=texts.get(LedgerField.FACTS, ""),
            status_text=status_text,
            outcome=outcome,
            closed_on=closed.date() if closed else None,
            recovered=recovered,
            handler=texts.get(LedgerField.HANDLER, ""),
            ledger_no=texts.get(LedgerField.LEDGER_NO, ""),
        ),
        [],
    )


def plan_import(
    path: str | Path,
    sheet: LedgerSheet,
    mapping: Mapping[LedgerField, int],
    *,
    today: date,
) -> ImportPlan:
    rows, problems = check_rows(sheet, mapping, today=today)
    return ImportPlan(Path(path).name, sheet.title, rows, problems)


# --------------------------------------------------------------------------- histories


def _moment_text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def plan_steps(row: LedgerRow) -> list[Step]:
    """The workflow steps that lead to the row's status, dated from its received and closed
    dates (a closed case gets its closing)."""
    start = row.received
    end_day = row.closed_on or start.date()
    end = max(datetime.combine(end_day, datetime.min.time()).replace(hour=16), start)
    clock = [start]
    steps: list[Step] = []
    note = _("Imported from the ledger: {status}").format(status=row.status_text or "—")

    def step(action: Action, when: datetime | None = None, **payload: Any) -> None:
        moment = max(when or clock[0], clock[0]) + timedelta(minutes=1)
        clock[0] = moment
        key = when_key(action)
        if key not in payload:
            payload[key] = (
                _moment_text(moment)
                if key in ("occurred_at", "held_at", "at")
                else (moment.date().isoformat())
            )
        if "note" not in payload and action not in (Action.ANSWER,):
            payload["note"] = note
        steps.append(Step(action, payload))

    outcome = row.outcome
    handler = row.handler or _NOT_RECORDED
    if row.kind is CaseKind.CONSULTATION:
        if outcome is Outcome.ANSWERED:
            step(Action.ANSWER, end, answer=row.request or row.status_text or _NOT_RECORDED)
            step(Action.CLOSE, end)
        return steps
    if row.kind is CaseKind.REPORT:
        if outcome is Outcome.REGISTERED:
            return steps
        step(Action.START_CHECK)
        if outcome in (Outcome.OPENED, Outcome.NOT_OPENED):
            step(Action.OPEN_CASE if outcome is Outcome.OPENED else Action.NOT_OPEN, end)
            step(Action.CLOSE, end)
        return steps
    if outcome is Outcome.REFUSED:
        step(Action.REFUSE, ground=7)
        step(Action.CLOSE, end)
    elif outcome is Outcome.WITHDRAWN:
        step(Action.WITHDRAW, end)
        step(Action.CLOSE, end)
    elif outcome is Outcome.IN_PROGRESS:
        step(Action.ACCEPT)
    elif outcome in (Outcome.MEDIATING, Outcome.AGREED, Outcome.FAILED):
        step(Action.ACCEPT)
        step(
            Action.START_MEDIATION,
            complainant_consents=True,
            merchant_consents=True,
            entrusted=False,
            mode="on_site",
        )
        if outcome is Outcome.AGREED:
            recovered = row.recovered or Decimal("0")
            step(
                Action.AGREE,
                end,
                terms=[
                    {
                        "type": "other",
                        "amount": f"{recovered:.2f}" if recovered else None,
                        "description": row.status_text or _NOT_RECORDED,
                    }
                ],
                amount_recovered=f"{recovered:.2f}",
                dispute=row.facts or row.request or _NOT_RECORDED,
                performed_on_spot=True,
                mediators=[handler],
            )
            step(Action.CLOSE, end)
        elif outcome is Outcome.FAILED:
            step(Action.TERMINATE, end, ground=3)
            step(Action.CLOSE, end)
    return steps


def case_facts(row: LedgerRow, case_no: str, station_code: str) -> CaseFacts:
    return CaseFacts(
        case_no=case_no,
        kind=row.kind,
        channel=row.channel.value,
        received=row.received,
        purchase=None,
        amount_fen=to_fen(row.amount),
        consent_mediation=row.outcome in (Outcome.MEDIATING, Outcome.AGREED, Outcome.FAILED),
        consent_entrusted=False,
        anonymous=not row.complainant,
        has_phone=bool(row.phone),
        complainants=1,
        owner_station=station_code,
        parent_station=None,
    )


def history_rows(
    row: LedgerRow, case_no: str, *, actor: str, role: Role, station_code: str, new_id
):
    """The rows of the row's history (demo_history.HistoryRows), checked by the workflow."""
    try:
        return apply_history(
            case_facts(row, case_no, station_code),
            plan_steps(row),
            actor=actor,
            role=role,
            station_code=station_code,
            promise=0,
            area="",
            new_id=new_id,
        )
    except HistoryRefused as refused:  # a bug of plan_steps, never the clerk's
        raise RuntimeError(f"ledger row {row.row}: {refused}") from refused


def preview_rows(sheet: LedgerSheet, count: int = PREVIEW_ROWS) -> list[list[str]]:
    """The first data rows as text, for a preview."""
    width = len(sheet.headings)
    return [
        [_text(values[i]) if i < len(values) else "" for i in range(width)]
        for _number, values in sheet.rows[:count]
    ]


# --------------------------------------------------------------------------- import and undo


@dataclass(frozen=True)
class ImportResult:
    batch_id: str
    cases: int
    first_case_no: str
    last_case_no: str


class UndoRefused(InputRejected):
    """An undo that would lose work done since the import."""


IMPORT_CHUNK = 500


def run_import(
    store: Store,
    plan: ImportPlan,
    *,
    actor: str,
    role: Role,
    station_code: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Write every row of `plan` as a case with its history, in one transaction: all or
    nothing. Cases are numbered in the order they were received. `progress(done, total)`."""
    if plan.blocked:
        raise InputRejected([p.text() for p in plan.problems[:MAX_PROBLEMS_LISTED]])
    refused = _refused_actions(plan.rows, role)
    if refused:
        raise InputRejected(refused)
    rows = sorted(plan.rows, key=lambda r: (r.received, r.row))
    total = len(rows)
    batch_id = new_id()
    imported: list[ledger_imports.ImportedCase] = []
    numbers: list[str] = []
    case_index = {name: n for n, name in enumerate(bulk.CASE_COLUMNS)}
    with store.transaction(actor=actor):
        merchants_before = ledger_imports.last_merchant_local_id(store)
        merchants: dict[tuple[str, str], Any] = {}
        for start in range(0, total, IMPORT_CHUNK):
            now = utc_now()
            cases: list[tuple] = []
            parties: list[tuple] = []
            history = bulk.HistoryBatch()
            for row in rows[start : start + IMPORT_CHUNK]:
                case_no = allocate_case_no(store, station_code, row.received.year)
                merchant = None
                if row.merchant:
                    key = (row.merchant, row.merchant_address)
                    if key not in merchants:
                        merchants[key] = resolve_merchant(
                            store,
                            Merchant(name=row.merchant, address=row.merchant_address),
                            station_code,
                        )
                    merchant = merchants[key]
                case_id = new_id()
                written = history_rows(
                    row, case_no, actor=actor, role=role, station_code=station_code, new_id=new_id
                )
                facts = row.facts
                if row.goods:
                    facts = _("Goods or service: {goods}").format(goods=row.goods) + (
                        "\n" + facts if facts else ""
                    )
                if row.ledger_no:
                    facts += ("\n" if facts else "") + _("(Ledger number: {number})").format(
                        number=row.ledger_no
                    )
                values = [None] * len(bulk.CASE_COLUMNS)
                for name, value in {
                    "id": case_id,
                    "case_no": case_no,
                    "kind": row.kind.value,
                    "channel": row.channel.value,
                    "status": "registered",
                    "received_at": _moment_text(row.received),
                    "work_order_no": "",
                    "merchant_id": merchant.id if merchant else None,
                    "merchant_name": merchant.name if merchant else "",
                    "category": "",
                    "problem_nature": "",
                    "purchase_place": "",
                    "amount_fen": to_fen(row.amount),
                    "request": row.request,
                    "facts": facts,
                    "consent_publish": 0,
                    "consent_mediation": 0,
                    "consent_entrusted": 0,
                    "anonymous": int(not row.complainant),
                    "created_by": actor,
                    "owner_station": station_code,
                    "created_at": now,
                    "updated_at": now,
                    "promise_minutes": None,
                    "report_extended": 0,
                    **written.case_changes,
                }.items():
                    values[case_index[name]] = value
                cases.append(tuple(values))
                if row.complainant:
                    parties.append(
                        (
                            new_id(),
                            case_id,
                            "complainant",
                            0,
                            row.complainant,
                            "",
                            row.phone,
                            row.address,
                            "",
                            "",
                            station_code,
                            now,
                            now,
                        )
                    )
                _add_history(history, written, case_id, actor, role, station_code, now, new_id)
                imported.append(ledger_imports.ImportedCase(case_id, row.row, row.ledger_no))
                numbers.append(case_no)
            bulk.insert_real_cases(store, cases, parties, history)
            if progress is not None:
                progress(min(start + IMPORT_CHUNK, total), total)
        ledger_imports.record_batch(
            store,
            batch_id=batch_id,
            file_name=plan.file_name,
            sheet=plan.sheet,
            actor=actor,
            station_code=station_code,
            cases=imported,
            merchants_after_local_id=merchants_before,
        )
    return ImportResult(
        batch_id, total, numbers[0] if numbers else "", numbers[-1] if numbers else ""
    )


def _refused_actions(rows: list[LedgerRow], role: Role) -> list[str]:
    """Why `role` may not import these rows: the workflow steps their statuses need that the
    role may not take in the app either (a clerk does not refuse or terminate), by first row."""
    allowed = ROLE_ACTIONS[role]
    first_row: dict[Action, int] = {}
    for row in rows:
        for step in plan_steps(row):
            if step.action not in allowed and step.action not in first_row:
                first_row[step.action] = row.row
    return [
        _(
            "Row {row}: the role “{role}” may not record “{action}”. Ask a mediation officer "
            "or an administrator to import this ledger."
        ).format(row=number, role=label(role), action=action_label(action))
        for action, number in sorted(first_row.items(), key=lambda item: item[1])
    ]


def _add_history(history, written, case_id, actor, role, station_code, now, new_id) -> None:
    for event in written.events:
        history.events.append(
            (
                new_id(),
                case_id,
                event["action"],
                event["from_status"],
                event["to_status"],
                event["occurred_at"],
                actor,
                role.value,
                event["note"],
                event["details"],
                event["owner_station"],
                now,
                now,
            )
        )
    common = {
        "case_id": case_id,
        "owner_station": station_code,
        "created_at": now,
        "updated_at": now,
    }
    for session in written.sessions:
        history.sessions.append(tuple({**session, **common}[c] for c in bulk.SESSION_COLUMNS))
    if written.agreement is not None:
        history.agreements.append(
            tuple({**written.agreement, **common}[c] for c in bulk.AGREEMENT_COLUMNS)
        )
    for visit in written.follow_ups:
        history.follow_ups.append(tuple({**visit, **common}[c] for c in bulk.FOLLOW_UP_COLUMNS))


def already_imported(store: Store, plan: ImportPlan) -> str:
    """A warning when the same file and sheet were imported before and not undone, or ""."""
    earlier = ledger_imports.active_batches_of(store, plan.file_name, plan.sheet)
    if not earlier:
        return ""
    last = earlier[-1]
    return _(
        "“{file}” / “{sheet}” was already imported on {at} ({count} cases, batch {batch}). "
        "Importing it again adds its cases a second time; undo the earlier import first if "
        "the ledger was corrected."
    ).format(
        file=plan.file_name,
        sheet=plan.sheet,
        at=last.imported_at[:16].replace("T", " "),
        count=last.case_count,
        batch=last.id,
    )


def undo_import(store: Store, batch_key: str, *, actor: str, role: Role, station_code: str) -> int:
    """Undo an import as one step: its cases (and the merchants it registered that no other
    case names) are deleted, with their search entries, deadlines and figures. Only the user
    who imported it or an administrator may; refused, naming the cases, when a case of it was
    changed since; returns the number of cases."""
    with store.transaction(actor=actor):
        batch = ledger_imports.get_batch(store, batch_key.strip())
        if batch is None:
            raise UndoRefused(
                _("There is no ledger import “{batch}”. See the list of imports.").format(
                    batch=batch_key[:40]
                )
            )
        if batch.undone_at:
            raise UndoRefused(
                _("The import {batch} was already undone on {at}.").format(
                    batch=batch.id, at=batch.undone_at[:16].replace("T", " ")
                )
            )
        if role is not Role.ADMIN and batch.imported_by != actor:
            raise UndoRefused(
                _("Only {who}, who made the import, or an administrator may undo it.").format(
                    who=batch.imported_by
                )
            )
        changed = ledger_imports.changed_cases(store, batch.id)
        if changed:
            shown = "、".join(changed[:20]) + ("…" if len(changed) > 20 else "")
            raise UndoRefused(
                _(
                    "The import cannot be undone: {count} of its cases were changed since it "
                    "was made ({cases}). Undo would lose that work; correct those cases instead."
                ).format(count=len(changed), cases=shown)
            )
        return ledger_imports.undo_batch(store, batch.id, actor=actor, station_code=station_code)
