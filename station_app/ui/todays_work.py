"""今日待办: the station's open deadlines that are overdue, due today and due this week, grouped
by deadline kind; double-clicking a case opens it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station_app.domain import CaseStatus
from station_app.domain import label as enum_label
from station_app.i18n import N_, _
from station_app.store import Store
from station_app.store.due import COUNT_CAP, TodaysWork, WorkItem, todays_work
from station_app.ui.field_problem import ERROR_COLOUR, WARNING_COLOUR
from station_app.ui.tasks import Change, TaskRunner
from station_app.ui.window_fit import fit_window

CASE_NO_ROLE = Qt.ItemDataRole.UserRole

# (bucket key in TodaysWork.totals, attribute, title, colour)
BUCKETS = (
    ("overdue", "overdue", N_("Overdue"), ERROR_COLOUR),
    ("today", "due_today", N_("Due today"), WARNING_COLOUR),
    ("this_week", "this_week", N_("Due this week"), ""),
)


def _count_text(total: int, shown: int) -> str:
    if total >= COUNT_CAP:
        return _("at least {n}").format(n=total)
    if total > shown:
        return _("{total}, the first {shown} listed").format(total=total, shown=shown)
    return str(total)


class TodaysWorkDialog(QDialog):
    """Reads todays_work on the worker; reloads after every change and on F5."""

    open_case = Signal(str)  # case number
    HEADERS = (
        N_("Case number"),
        N_("Due"),
        N_("Complainant"),
        N_("Merchant"),
        N_("Status"),
    )

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None, today: date | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.today = today
        self.work: TodaysWork | None = None
        self.setWindowTitle(_("Today's work"))
        fit_window(self, (860, 560))
        self.summary = QLabel(_("Loading…"))
        self.summary.setWordWrap(True)
        self.calendar = QLabel()
        self.calendar.setObjectName("calendar-warning")
        self.calendar.setWordWrap(True)
        self.calendar.setStyleSheet(f"color: {WARNING_COLOUR};")
        self.calendar.hide()
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(self.HEADERS))
        self.tree.setHeaderLabels([_(h) for h in self.HEADERS])
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        self.tree.itemActivated.connect(self._activated)
        hint = QLabel(_("Double-click a case (or press Enter) to open it."))
        hint.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox()
        buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.calendar)
        layout.addWidget(self.tree, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        QShortcut(QKeySequence("F5"), self, self.reload)
        tasks.changes.changed.connect(self._data_changed)
        self.reload()

    def reload(self) -> None:
        day = self.today or date.today()

        def load(store: Store) -> TodaysWork:
            return todays_work(store, day)

        self.tasks.submit(load, success=self._loaded, owner=self, doing=_("reading today's work"))

    def _data_changed(self, what: frozenset[Change]) -> None:
        if Change.CASES in what or Change.STATION in what:
            self.reload()

    def _loaded(self, work: TodaysWork) -> None:
        self.work = work
        self.tree.clear()
        parts = []
        for key, attribute, title, colour in BUCKETS:
            items: list[WorkItem] = getattr(work, attribute)
            total = work.totals.get(key, len(items))
            parts.append(
                _("{title}: {count}").format(title=_(title), count=_count_text(total, len(items)))
            )
            group = QTreeWidgetItem([f"{_(title)} ({_count_text(total, len(items))})"])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFirstColumnSpanned(True)
            if colour:
                group.setForeground(0, QBrush(QColor(colour)))
            self.tree.addTopLevelItem(group)
            by_kind: dict[str, list[WorkItem]] = {}
            for item in items:
                by_kind.setdefault(item.label, []).append(item)
            for kind_label, kind_items in by_kind.items():
                kind_node = QTreeWidgetItem([f"{kind_label} ({len(kind_items)})"])
                kind_node.setFirstColumnSpanned(True)
                group.addChild(kind_node)
                for item in kind_items:
                    kind_node.addChild(self._row(item, colour))
                kind_node.setExpanded(True)
            group.setExpanded(True)
            group.setFirstColumnSpanned(True)
        self.summary.setText(
            _("Station {station}, {day}. {counts}").format(
                station=work.station_code, day=work.today.isoformat(), counts=" · ".join(parts)
            )
        )
        for column in range(len(self.HEADERS)):
            self.tree.resizeColumnToContents(column)
        self.calendar.setText("\n".join(work.calendar_warnings))
        self.calendar.setVisible(bool(work.calendar_warnings))

    @staticmethod
    def _row(item: WorkItem, colour: str) -> QTreeWidgetItem:
        try:
            status = enum_label(CaseStatus(item.status))
        except ValueError:
            status = item.status
        node = QTreeWidgetItem(
            [item.case_no, item.due.isoformat(), item.complainant, item.merchant, status]
        )
        node.setData(0, CASE_NO_ROLE, item.case_no)
        if colour:
            node.setForeground(1, QBrush(QColor(colour)))
        return node

    def case_numbers(self, bucket: str) -> list[str]:
        """The case numbers listed under a bucket ("overdue", "today", "this_week")."""
        if self.work is None:
            return []
        attribute = next(a for key, a, _t, _c in BUCKETS if key == bucket)
        return [item.case_no for item in getattr(self.work, attribute)]

    def _activated(self, node: QTreeWidgetItem, _column: int) -> None:
        case_no = node.data(0, CASE_NO_ROLE)
        if case_no:
            self.open_case.emit(case_no)
