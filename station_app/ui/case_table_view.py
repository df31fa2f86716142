"""The table showing the case list: fixed row heights, SQL sorting from the header, Enter opens."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from station_app.domain import CaseKind, CaseStatus, Channel
from station_app.domain import label as enum_label
from station_app.ui.case_table_model import SORT_KEYS, CaseTableModel, Column, column_titles

# Sample contents that set each column's width (never measured over the rows: a million of them).
COLUMN_SAMPLES: dict[Column, str] = {
    Column.CASE_NO: "RC-MT-2026-00017",
    Column.RECEIVED: "2026-03-02 09:30",
    Column.COMPLAINANT: "欧阳娜娜 +2",
    Column.PHONE: "0791-****8888",
    Column.MERCHANT: "瑞昌市码头镇佳诚美发美容店（湓城店）",
    Column.AMOUNT: "1,234,567.00",
    Column.CATEGORY: "家用电子电器类",
}


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

    def _size_columns(self) -> None:
        metrics = self.fontMetrics()
        header_metrics = self.horizontalHeader().fontMetrics()
        titles = column_titles()
        samples = dict(COLUMN_SAMPLES)
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
