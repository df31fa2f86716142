"""Searching the case list: where a case matched, highlights, one field, the deadline column."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt

from station_app.search_text import SearchField
from station_app.ui.case_table_model import HIGHLIGHT_ROLE, OVERDUE_COLOR, Column
from tests.ui.test_case_list_window import wait_for_rows


def _search(qtbot, window, type_text, text: str, expected: int):
    search = window.filter_bar.search
    search.clear()
    type_text(search, text)
    qtbot.keyClick(search, Qt.Key.Key_Return)
    return wait_for_rows(qtbot, window, expected)


def test_found_in_column_names_the_field_and_highlights(qtbot, main_window, type_text, tmp_path):
    window = main_window
    window.resize(1366, 768)
    assert window.table.isColumnHidden(Column.MATCH)
    rows = _search(qtbot, window, type_text, "6721", 1)
    assert rows[0][Column.MATCH] == "Phone：138****6721"
    assert not window.table.isColumnHidden(Column.MATCH)
    model = window.model
    assert model.data(model.index(0, Column.MATCH), HIGHLIGHT_ROLE) == ((13, 17),)
    assert model.data(model.index(0, Column.PHONE), HIGHLIGHT_ROLE) == ((7, 11),)
    assert model.data(model.index(0, Column.RECEIVED), HIGHLIGHT_ROLE) is None

    rows = _search(qtbot, window, type_text, "张", 1)
    assert rows[0][Column.MATCH] == "Names：张三"
    assert model.data(model.index(0, Column.COMPLAINANT), HIGHLIGHT_ROLE) == ((0, 1),)
    window.show()
    qtbot.waitExposed(window)
    shot = Path(os.environ.get("STATION_SCREENSHOTS") or tmp_path) / "search-highlight.png"
    assert window.grab().save(str(shot))

    rows = _search(qtbot, window, type_text, "加热", 4)  # every case: the facts
    assert {row[Column.MATCH] for row in rows} == {"Facts：…买的电饭煲使用三天后无法加热"}

    _search(qtbot, window, type_text, "", 4)
    qtbot.waitUntil(lambda: window.table.isColumnHidden(Column.MATCH))


def test_field_chooser_and_prefix_confine_the_search(qtbot, main_window, type_text):
    window = main_window
    rows = _search(qtbot, window, type_text, "姓名:钱七", 1)
    assert rows[0][Column.COMPLAINANT] == "赵六 +1"
    assert rows[0][Column.MATCH] == "Names：钱七"
    _search(qtbot, window, type_text, "商家:钱七", 0)
    bar = window.filter_bar
    bar.search_field.setCurrentIndex(bar.search_field.findData(SearchField.MERCHANT))
    rows = _search(qtbot, window, type_text, "好又多", 4)
    assert window.model.case_filter.field is SearchField.MERCHANT
    bar.search_field.setCurrentIndex(bar.search_field.findData(SearchField.NAMES))
    _search(qtbot, window, type_text, "好又多", 0)


def test_deadline_column_marks_overdue_and_sorts(qtbot, main_window):
    window = main_window
    rows = wait_for_rows(qtbot, window, 4)
    # the sample cases were received on 2026-03-01: their open deadlines have passed
    with_deadline = [i for i, row in enumerate(rows) if row[Column.DEADLINE]]
    assert with_deadline
    assert all(rows[i][Column.DEADLINE].endswith("overdue") for i in with_deadline)
    model = window.model
    first = model.index(with_deadline[0], Column.DEADLINE)
    assert model.data(first, Qt.ItemDataRole.ForegroundRole) == OVERDUE_COLOR
    assert model.data(first, Qt.ItemDataRole.ToolTipRole)
    header = window.table.horizontalHeader()
    header.setSortIndicator(Column.DEADLINE, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == Column.DEADLINE
    qtbot.waitUntil(lambda: model.sort_key.value == "deadline" and not model.loading)
    rows = wait_for_rows(qtbot, window, 4)
    dues = [row[Column.DEADLINE][:10] for row in rows]
    assert dues == sorted(d for d in dues if d) + [d for d in dues if not d]  # none: last
