"""The bar above the case list: type, channel, status, date range and a search box."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from enum import StrEnum

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QWidget

from station_app.domain import CaseKind, CaseStatus, Channel
from station_app.i18n import _
from station_app.search_text import SearchField
from station_app.store.case_list import CaseFilter
from station_app.ui.form_widgets import EnumCombo

SEARCH_DELAY_MS = 250


class Period(StrEnum):
    ANY = "any"
    TODAY = "today"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    THIS_MONTH = "this_month"
    THIS_YEAR = "this_year"
    CHOSEN = "chosen"


def period_labels() -> dict[Period, str]:
    return {
        Period.ANY: _("Any date"),
        Period.TODAY: _("Today"),
        Period.LAST_7_DAYS: _("Last 7 days"),
        Period.LAST_30_DAYS: _("Last 30 days"),
        Period.THIS_MONTH: _("This month"),
        Period.THIS_YEAR: _("This year"),
        Period.CHOSEN: _("Choose dates…"),
    }


def period_range(period: Period, today: date) -> tuple[date | None, date | None]:
    """First and last day (inclusive) of a preset period; (None, None) for any date."""
    if period is Period.TODAY:
        return today, today
    if period is Period.LAST_7_DAYS:
        return today - timedelta(days=6), today
    if period is Period.LAST_30_DAYS:
        return today - timedelta(days=29), today
    if period is Period.THIS_MONTH:
        return today.replace(day=1), today
    if period is Period.THIS_YEAR:
        return today.replace(month=1, day=1), today
    return None, None


def search_field_labels() -> dict[SearchField, str]:
    return {
        SearchField.NAMES: _("Names"),
        SearchField.PHONES: _("Phone"),
        SearchField.CASE_NO: _("Case number"),
        SearchField.MERCHANT: _("Merchant"),
        SearchField.FACTS: _("Facts"),
    }


class CaseFilterBar(QWidget):
    """Emits `filter_changed(CaseFilter)`: at once for the lists, 250 ms after typing stops for
    the search. Esc in the search box clears it; Down goes on to the list."""

    filter_changed = Signal(object)
    down_from_search = Signal()  # Down arrow in the search box: go on to the list

    def __init__(self, parent: QWidget | None = None, today: Callable[[], date] = date.today):
        super().__init__(parent)
        self._today = today
        self._last_emitted = CaseFilter()

        self.kind = EnumCombo(list(CaseKind), all_text=_("All types"))
        self.channel = EnumCombo(list(Channel), all_text=_("All channels"))
        self.status = EnumCombo(list(CaseStatus), all_text=_("All statuses"))
        self.period = QComboBox()
        for period, text in period_labels().items():
            self.period.addItem(text, period)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.hide()
        start, end = period_range(Period.LAST_30_DAYS, self._today())
        self.date_from.setDate(QDate(start))
        self.date_to.setDate(QDate(end))
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._schedule)
        self.date_to_label = QLabel(_("to"))
        self.date_to_label.hide()
        self.search_field = QComboBox()
        self.search_field.setToolTip(
            _("Search one field only; or type it before the words, e.g. 姓名:张 or 电话:6721")
        )
        self.search_field.addItem(_("All fields"), None)
        for field, text in search_field_labels().items():
            self.search_field.addItem(text, field)
        self.search_field.currentIndexChanged.connect(self.emit_if_changed)
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            _("Search: name, phone digits, merchant, case number (姓名:张 searches names only)")
        )
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(240)
        self.search.installEventFilter(self)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.emit_if_changed)
        self.search.textChanged.connect(self._schedule)
        self.search.returnPressed.connect(self.emit_if_changed)
        for combo in (self.kind, self.channel, self.status):
            combo.currentIndexChanged.connect(self.emit_if_changed)
        self.period.currentIndexChanged.connect(self._period_changed)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        search_label = QLabel(_("&Search"))
        search_label.setBuddy(self.search)
        layout.addWidget(search_label)
        layout.addWidget(self.search_field)
        layout.addWidget(self.search, 3)
        layout.addSpacing(8)
        for widget in (self.kind, self.channel, self.status, self.period):
            layout.addWidget(widget)
        layout.addWidget(self.date_from)
        layout.addWidget(self.date_to_label)
        layout.addWidget(self.date_to)
        layout.addStretch(1)

    def current_filter(self) -> CaseFilter:
        period = Period(self.period.currentData())
        if period is Period.CHOSEN:
            start, end = self.date_from.date().toPython(), self.date_to.date().toPython()
            if start > end:
                start, end = end, start
        else:
            start, end = period_range(period, self._today())
        return CaseFilter(
            kind=self.kind.enum_value(),
            channel=self.channel.enum_value(),
            status=self.status.enum_value(),
            received_from=start,
            received_to=end,
            text=self.search.text().strip(),
            field=SearchField(field) if (field := self.search_field.currentData()) else None,
        )

    def emit_if_changed(self) -> None:
        self._search_timer.stop()
        case_filter = self.current_filter()
        if case_filter != self._last_emitted:
            self._last_emitted = case_filter
            self.filter_changed.emit(case_filter)

    def _schedule(self) -> None:
        self._search_timer.start()

    def _period_changed(self) -> None:
        chosen = self.period.currentData() == Period.CHOSEN
        for widget in (self.date_from, self.date_to_label, self.date_to):
            widget.setVisible(chosen)
        self.emit_if_changed()
        if chosen:
            self.date_from.setFocus()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                self.emit_if_changed()
                return True
            if event.key() == Qt.Key.Key_Down:
                self.emit_if_changed()
                self.down_from_search.emit()
                return True
        return super().eventFilter(watched, event)
