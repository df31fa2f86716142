"""The case list as a lazy table model: all ids of the query, rows fetched page by page on demand.

The model holds the local ids of every case that passes the filter (8 bytes each, sorted by
SQL on the worker) and a small LRU cache of formatted rows. When the view asks for a row that
is not cached, the model shows "…" and fetches the row's page on the worker; when the page
arrives it emits dataChanged. A million cases cost 8 MB of ids and a few thousand cached rows.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from station_app.domain import label as enum_label
from station_app.i18n import _
from station_app.money import format_yuan, from_fen
from station_app.search_text import SearchField, find_spans
from station_app.store import Store
from station_app.store.case_list import CaseFilter, CaseRow, SortKey, case_ids, case_rows
from station_app.store.search_index import TextQuery
from station_app.ui.errors import show_error
from station_app.ui.tasks import Change, TaskRunner
from station_app.validation import mask_phone

PLACEHOLDER = "…"
_ROOT = QModelIndex()
LOCAL_ID_ROLE = Qt.ItemDataRole.UserRole + 1
CASE_NO_ROLE = Qt.ItemDataRole.UserRole + 2
# The (start, end) ranges of a cell's text that match the search, for highlighting.
HIGHLIGHT_ROLE = Qt.ItemDataRole.UserRole + 3

OVERDUE_COLOR = QColor("#c62828")
DUE_TODAY_COLOR = QColor("#b26a00")


class Column(IntEnum):
    CASE_NO = 0
    MATCH = 1  # where the search matched; shown only while searching
    RECEIVED = 2
    DEADLINE = 3
    KIND = 4
    CHANNEL = 5
    STATUS = 6
    COMPLAINANT = 7
    PHONE = 8
    MERCHANT = 9
    AMOUNT = 10
    CATEGORY = 11


# Only columns with an index in SQL can be sorted: sorting a million rows in Python is not an option.
SORT_KEYS: dict[Column, SortKey] = {
    Column.CASE_NO: SortKey.CASE_NO,
    Column.RECEIVED: SortKey.RECEIVED,
    Column.KIND: SortKey.KIND,
    Column.CHANNEL: SortKey.CHANNEL,
    Column.STATUS: SortKey.STATUS,
    Column.DEADLINE: SortKey.DEADLINE,
}

# Columns whose text is searched, so their matches are highlighted too.
_HIGHLIGHTED = (Column.CASE_NO, Column.COMPLAINANT, Column.PHONE, Column.MERCHANT)


def field_labels() -> dict[SearchField, str]:
    return {
        SearchField.CASE_NO: _("Case number"),
        SearchField.NAMES: _("Names"),
        SearchField.PHONES: _("Phone"),
        SearchField.MERCHANT: _("Merchant"),
        SearchField.FACTS: _("Facts"),
    }


class ListRow(tuple):
    """The display texts of a row (indexed by Column), with the ranges of each cell that
    match the search, in how many days its next deadline is due (negative: overdue) and
    that deadline's kind."""

    spans: dict[int, tuple[tuple[int, int], ...]]
    due_in: int | None
    due_kind: str

    def __new__(
        cls,
        values: Sequence[str],
        spans: dict[int, tuple[tuple[int, int], ...]] | None = None,
        due_in: int | None = None,
        due_kind: str = "",
    ) -> ListRow:
        row = super().__new__(cls, values)
        row.spans = spans or {}
        row.due_in = due_in
        row.due_kind = due_kind
        return row


def column_titles() -> dict[Column, str]:
    return {
        Column.CASE_NO: _("Case number"),
        Column.RECEIVED: _("Received"),
        Column.KIND: _("Type"),
        Column.CHANNEL: _("Channel"),
        Column.STATUS: _("Status"),
        Column.COMPLAINANT: _("Complainant"),
        Column.PHONE: _("Phone"),
        Column.MERCHANT: _("Merchant"),
        Column.AMOUNT: _("Amount (yuan)"),
        Column.CATEGORY: _("Category"),
        Column.MATCH: _("Found in"),
        Column.DEADLINE: _("Deadline"),
    }


def deadline_label(kind: str) -> str | None:
    """The name of a kind of deadline (受理期限 ...), for the deadline column's tooltip."""
    # Imported when first shown: the deadline rules load the working-day calendar.
    from station_app.deadlines import LABELS, DeadlineKind

    try:
        return LABELS[DeadlineKind(kind)]
    except ValueError:
        return None


def deadline_text(due: date | None, today: date) -> str:
    if due is None:
        return ""
    if due < today:
        return _("{date} overdue").format(date=due.isoformat())
    if due == today:
        return _("{date} due today").format(date=due.isoformat())
    return due.isoformat()


def format_row(
    row: CaseRow, text_query: TextQuery | None = None, today: date | None = None
) -> ListRow:
    """The display text of each column; the phone is always masked in the list. With a
    search, where it matched and the ranges to highlight."""
    today = today or date.today()
    complainant = row.complainant
    if row.complainant_count > 1:
        complainant = _("{name} +{more}").format(name=complainant, more=row.complainant_count - 1)
    found, found_spans = "", ()
    if row.match is not None:
        text, spans = row.match.text, row.match.spans
        if row.match.field is SearchField.PHONES:
            text = mask_phone(text)
            spans = (
                tuple(find_spans(text, [w.text for w in text_query.words])) if text_query else ()
            )
        label = field_labels()[row.match.field] + "："
        found = label + text
        found_spans = tuple((a + len(label), b + len(label)) for a, b in spans)
    values = {
        Column.CASE_NO: row.case_no,
        Column.MATCH: found,
        Column.RECEIVED: row.received_at,
        Column.DEADLINE: deadline_text(row.next_due, today),
        Column.KIND: enum_label(row.kind),
        Column.CHANNEL: enum_label(row.channel),
        Column.STATUS: enum_label(row.status),
        Column.COMPLAINANT: complainant,
        Column.PHONE: mask_phone(row.phone),
        Column.MERCHANT: row.merchant,
        Column.AMOUNT: format_yuan(from_fen(row.amount_fen)),
        Column.CATEGORY: row.category,
    }
    spans: dict[int, tuple[tuple[int, int], ...]] = {}
    if found_spans:
        spans[Column.MATCH] = found_spans
    if text_query is not None and text_query.words:
        for column in _HIGHLIGHTED:
            words = [w.text for w in text_query.words]
            hits = find_spans(values[column], words)
            if hits:
                spans[column] = tuple(hits)
    due_in = None if row.next_due is None else (row.next_due - today).days
    return ListRow([values[column] for column in Column], spans, due_in, row.next_due_kind)


def fetch_formatted_rows(
    store: Store, local_ids: Sequence[int], text_query: TextQuery | None = None
) -> dict[int, ListRow]:
    """One page of rows, formatted on the worker so that painting stays cheap.

    A case deleted since its id was listed gets an empty row rather than being asked for again.
    """
    rows = case_rows(store, local_ids, text_query)
    empty = ListRow(("",) * len(Column))
    today = date.today()
    return {
        local_id: format_row(rows[local_id], text_query, today) if local_id in rows else empty
        for local_id in local_ids
    }


class CaseTableModel(QAbstractTableModel):
    """Lazy model of the case list; set the query with `set_filter` and `sort`."""

    ids_loaded = Signal(int)  # the number of cases of the current query, once its ids are in
    rows_loaded = Signal(int, int)  # first and last row of a page that has just arrived

    MAX_IN_FLIGHT = 2  # pages being fetched at once
    MAX_WANTED = 8  # pages waiting to be fetched; older wishes are dropped (scrolled past)

    def __init__(
        self,
        tasks: TaskRunner,
        *,
        page_size: int = 200,
        cache_limit: int = 2000,
        parent: QObject | None = None,
    ):
        if cache_limit < 2 * page_size:
            raise ValueError("the cache must hold at least two pages")
        super().__init__(parent)
        self.tasks = tasks
        self.page_size = page_size
        self.cache_limit = cache_limit
        self.case_filter = CaseFilter()
        self.sort_key = SortKey.RECEIVED
        self.descending = True
        self.loading = False
        self.loaded = False
        self._generation = 0
        self._ids = array("q")
        self._cache: OrderedDict[int, ListRow] = OrderedDict()
        self._wanted: OrderedDict[int, None] = OrderedDict()
        self._in_flight: set[int] = set()
        self._titles = column_titles()
        tasks.changes.changed.connect(self._data_changed)

    # ---------------------------------------------------------------- the query

    def set_filter(self, case_filter: CaseFilter) -> None:
        # Cached rows carry the highlights of the search they were fetched for.
        new_search = (case_filter.text, case_filter.field) != (
            self.case_filter.text,
            self.case_filter.field,
        )
        self.case_filter = case_filter
        self.reload(drop_cache=new_search)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(Column(column))
        if key is None:
            return
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    @staticmethod
    def is_sortable(column: int) -> bool:
        return Column(column) in SORT_KEYS

    def reload(self, *, drop_cache: bool = False) -> None:
        """Query the ids again on the worker; a result of an older query is ignored."""
        self._generation += 1
        generation = self._generation
        case_filter, sort_key, descending = self.case_filter, self.sort_key, self.descending
        self.loading = True

        def query_ids(store: Store) -> array:
            return case_ids(store, case_filter, sort_key, descending)

        self.tasks.submit(
            query_ids,
            success=lambda ids: self._ids_arrived(generation, ids, drop_cache),
            failure=lambda error: self._query_failed(generation, error),
            owner=self,
            doing=_("loading the case list"),
        )

    def _ids_arrived(self, generation: int, ids: array, drop_cache: bool) -> None:
        if generation != self._generation:
            return  # a newer query was started meanwhile; its result will come
        self.beginResetModel()
        self._ids = ids
        self._wanted.clear()
        self._in_flight.clear()
        if drop_cache:
            self._cache.clear()
        self.endResetModel()
        self.loading = False
        self.loaded = True
        self.ids_loaded.emit(len(ids))

    def _query_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self.loading = False
        show_error(None, error, _("loading the case list"))

    def _data_changed(self, what: frozenset[Change]) -> None:
        if Change.CASES in what or Change.EVIDENCE in what:
            self.reload(drop_cache=True)

    # ---------------------------------------------------------------- Qt model

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._titles[Column(section)]
        if role == Qt.ItemDataRole.ToolTipRole and Column(section) in SORT_KEYS:
            return _("Click to sort by this column")
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            newest_first = section in (Column.RECEIVED, Column.CASE_NO)  # deadline: soonest
            return Qt.SortOrder.DescendingOrder if newest_first else Qt.SortOrder.AscendingOrder
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            values = self.row_values(row)
            return PLACEHOLDER if values is None else values[column]
        if role == HIGHLIGHT_ROLE:
            values = self.row_values(row)
            return None if values is None else values.spans.get(column)
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.DEADLINE:
            values = self.row_values(row)
            if values is None or values.due_in is None or values.due_in > 0:
                return None
            return OVERDUE_COLOR if values.due_in < 0 else DUE_TODAY_COLOR
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.DEADLINE:
            values = self.row_values(row)
            return None if values is None else deadline_label(values.due_kind)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == Column.AMOUNT:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == LOCAL_ID_ROLE:
            return self._ids[row]
        if role == CASE_NO_ROLE:
            values = self.row_values(row)
            return None if values is None else values[Column.CASE_NO]
        return None

    # ---------------------------------------------------------------- rows and pages

    def local_id_at(self, row: int) -> int:
        return self._ids[row]

    def cached_row_count(self) -> int:
        return len(self._cache)

    def is_row_cached(self, row: int) -> bool:
        """Whether a row's values are at hand (asks for nothing)."""
        return 0 <= row < len(self._ids) and self._ids[row] in self._cache

    def row_values(self, row: int) -> ListRow | None:
        """The cached display values of a row, or None after asking for its page."""
        local_id = self._ids[row]
        values = self._cache.get(local_id)
        if values is None:
            self._want(row // self.page_size)
            return None
        self._cache.move_to_end(local_id)
        return values

    def _want(self, page: int) -> None:
        if page in self._in_flight:
            return
        self._wanted[page] = None
        self._wanted.move_to_end(page)
        while len(self._wanted) > self.MAX_WANTED:
            self._wanted.popitem(last=False)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._wanted and len(self._in_flight) < self.MAX_IN_FLIGHT:
            page, _none = self._wanted.popitem(last=True)  # the newest wish is what is on screen
            start = page * self.page_size
            page_ids = self._ids[start : start + self.page_size]
            if not page_ids or all(local_id in self._cache for local_id in page_ids):
                continue
            self._in_flight.add(page)
            generation = self._generation
            text_query = self.case_filter.text_query() if self.case_filter.text else None

            def fetch(
                store: Store, page_ids: array = page_ids, text_query=text_query
            ) -> dict[int, ListRow]:
                return fetch_formatted_rows(store, page_ids, text_query)

            self.tasks.submit(
                fetch,
                success=lambda rows, page=page, generation=generation: self._page_arrived(
                    generation, page, rows
                ),
                failure=lambda error, page=page, generation=generation: self._page_failed(
                    generation, page, error
                ),
                owner=self,
                doing=_("loading the case list"),
            )

    def _page_arrived(self, generation: int, page: int, rows: dict[int, ListRow]) -> None:
        if generation != self._generation:
            return
        self._in_flight.discard(page)
        for local_id, values in rows.items():
            self._cache[local_id] = values
            self._cache.move_to_end(local_id)
        while len(self._cache) > self.cache_limit:
            self._cache.popitem(last=False)
        first = page * self.page_size
        last = min(first + self.page_size, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(
                self.index(first, 0),
                self.index(last, len(Column) - 1),
                [Qt.ItemDataRole.DisplayRole],
            )
            self.rows_loaded.emit(first, last)
        self._dispatch()

    def _page_failed(self, generation: int, page: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._in_flight.discard(page)
        show_error(None, error, _("loading the case list"))
