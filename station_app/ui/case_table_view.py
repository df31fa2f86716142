"""The table showing the case list: fixed row heights, SQL sorting from the header, Enter opens."""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from station_app.domain import CaseKind, CaseStatus, Channel
from station_app.domain import label as enum_label
from station_app.ui.case_table_model import (
    HIGHLIGHT_ROLE,
    SORT_KEYS,
    CaseTableModel,
    Column,
    column_titles,
    deadline_text,
)

HIGHLIGHT_BACKGROUND = "#ffe082"

# Sample contents that set each column's width (never measured over the rows: a million of them).
COLUMN_SAMPLES: dict[Column, str] = {
    Column.CASE_NO: "RC-MT-2026-00017",
    Column.MATCH: "事实：…商家说不能退，张伟",
    Column.RECEIVED: "2026-03-02 09:30",
    Column.COMPLAINANT: "欧阳娜娜 +2",
    Column.PHONE: "0791-****8888",
    Column.MERCHANT: "瑞昌市码头镇佳诚美发美容店（湓城店）",
    Column.AMOUNT: "1,234,567.00",
    Column.CATEGORY: "家用电子电器类",
}


def highlighted_html(text: str, spans: tuple[tuple[int, int], ...], color: str) -> str:
    """The text as HTML with the given ranges marked (escaped, on one line)."""
    parts, last = [], 0
    for start, end in spans:
        parts.append(html.escape(text[last:start]))
        parts.append(
            f'<span style="background-color:{HIGHLIGHT_BACKGROUND}; color:#000">'
            f"{html.escape(text[start:end])}</span>"
        )
        last = end
    parts.append(html.escape(text[last:]))
    return f'<span style="color:{color}; white-space:pre">{"".join(parts)}</span>'


class HighlightDelegate(QStyledItemDelegate):
    """Paints a cell whose text matches the search with the matching part marked; other
    cells are painted as usual."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        spans = index.data(HIGHLIGHT_ROLE)
        if not spans:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(opt.font)
        document.setHtml(highlighted_html(text, spans, opt.palette.color(group).name()))
        rect = opt.rect.adjusted(4, 0, -4, 0)
        painter.save()
        painter.setClipRect(rect)
        top = rect.top() + (rect.height() - document.size().height()) / 2
        painter.translate(rect.left(), top)
        document.drawContents(painter, QRectF(0, 0, rect.width(), rect.height()))
        painter.restore()


class CaseTableView(QTableView):
    """Emits `open_requested(row)` on Enter or double-click; `real_rows_painted` after the first
    paint that shows real rows (or the empty list), once per view."""

    open_requested = Signal(int)
    real_rows_painted = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.empty_text = ""
        self._announced_paint = False
        self._sort_column = int(Column.RECEIVED)
        self._sort_order = Qt.SortOrder.DescendingOrder
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        row_height = self.fontMetrics().height() + 10
        rows.setMinimumSectionSize(row_height)
        rows.setDefaultSectionSize(row_height)
        header = self.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self.doubleClicked.connect(lambda index: self.open_requested.emit(index.row()))
        self.setItemDelegate(HighlightDelegate(self))

    def case_model(self) -> CaseTableModel:
        model = self.model()
        assert isinstance(model, CaseTableModel)
        return model

    def setModel(self, model: CaseTableModel) -> None:
        """Show the model's sort in the header; the caller starts the first query (model.reload)."""
        super().setModel(model)
        self._size_columns()
        self._sort_column = next(c for c, key in SORT_KEYS.items() if key is model.sort_key)
        self._sort_order = (
            Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder
        )
        header = self.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(self._sort_column, self._sort_order)
        header.blockSignals(False)
        self.setColumnHidden(Column.MATCH, True)
        model.ids_loaded.connect(self._show_match_column)

    def _show_match_column(self) -> None:
        """The "found in" column is there while a search is."""
        model = self.case_model()
        self.setColumnHidden(Column.MATCH, not model.case_filter.text.strip())

    def _size_columns(self) -> None:
        metrics = self.fontMetrics()
        header_metrics = self.horizontalHeader().fontMetrics()
        titles = column_titles()
        samples = dict(COLUMN_SAMPLES)
        samples[Column.DEADLINE] = deadline_text(date(2026, 3, 2), date(2026, 3, 3))
        samples[Column.KIND] = max((enum_label(k) for k in CaseKind), key=metrics.horizontalAdvance)
        samples[Column.CHANNEL] = max(
            (enum_label(c) for c in Channel), key=metrics.horizontalAdvance
        )
        samples[Column.STATUS] = max(
            (enum_label(s) for s in CaseStatus), key=metrics.horizontalAdvance
        )
        sort_arrow = 28
        for column in Column:
            width = max(
                metrics.horizontalAdvance(samples[column]) + 18,
                header_metrics.horizontalAdvance(titles[column]) + sort_arrow,
            )
            self.setColumnWidth(int(column), width)

    def _sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        model = self.model()
        if not isinstance(model, CaseTableModel):
            return
        if not model.is_sortable(column):
            # Only columns with an SQL index sort; put the arrow back where the sort really is.
            header = self.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self._sort_column, self._sort_order)
            header.blockSignals(False)
            return
        if (column, order) == (self._sort_column, self._sort_order):
            return
        self._sort_column, self._sort_order = column, order
        model.sort(column, order)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if not isinstance(model, CaseTableModel) or not model.loaded:
            return
        if model.rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(
                self.viewport().rect().adjusted(20, 20, -20, -20),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.empty_text,
            )
            painter.end()
        if not self._announced_paint:
            top = self.rowAt(0)
            if model.rowCount() == 0 or model.is_row_cached(top):
                self._announced_paint = True
                self.real_rows_painted.emit()

    def current_row(self) -> int | None:
        index: QModelIndex = self.currentIndex()
        return index.row() if index.isValid() else None
