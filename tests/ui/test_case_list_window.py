"""The main window's case list: masked phones, filters, search, sorting, refresh after a save."""

from __future__ import annotations

from PySide6.QtCore import Qt

from station_app.domain import CaseKind
from station_app.store.case_list import CaseFilter
from station_app.ui.app import open_main_window
from station_app.ui.case_table_model import PLACEHOLDER, Column


def shown_rows(window) -> list[tuple[str, ...]]:
    """The display values of every row, once all are loaded."""
    model = window.model
    return [model.row_values(row) for row in range(model.rowCount())]


def wait_for_rows(qtbot, window, count: int) -> list[tuple[str, ...]]:
    model = window.model
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == count, timeout=5_000)
    for row in range(count):
        model.row_values(row)  # asks for the page if needed
    qtbot.waitUntil(lambda: all(model.is_row_cached(r) for r in range(count)), timeout=5_000)
    return shown_rows(window)


def test_first_rows_painted_is_emitted(qtbot, folder, station_admin, sample_cases):
    station, admin = station_admin
    window = open_main_window(folder, admin, station=station)
    qtbot.addWidget(window)
    try:
        # Nothing is painted before the event loop runs, so connecting now misses nothing.
        with qtbot.waitSignal(window.first_rows_painted, timeout=10_000):
            pass
        assert window.model.is_row_cached(window.table.rowAt(0))
        assert window.model.data(window.model.index(0, Column.CASE_NO)) != PLACEHOLDER
    finally:
        window.tasks.shutdown()


def test_list_shows_the_cases_with_masked_phones(qtbot, main_window, sample_cases):
    rows = wait_for_rows(qtbot, main_window, 4)
    by_name = {row[Column.COMPLAINANT]: row for row in rows}
    zhang = by_name["张三"]
    assert zhang[Column.PHONE] == "138****6721"
    assert zhang[Column.KIND] == "Complaint"
    assert zhang[Column.AMOUNT] == "1,299.50"
    assert zhang[Column.MERCHANT] == "瑞昌市好又多超市"
    assert "赵六 +1" in by_name  # two complainants
    every_value = " ".join(value for row in rows for value in row)
    assert "13812346721" not in every_value
    assert "6721" in every_value
    assert main_window.count_label.text() == "4 cases"
    assert "admin" in main_window.who_label.text() and "RC-MT" in main_window.who_label.text()


def test_filter_by_kind(qtbot, main_window):
    bar = main_window.filter_bar
    bar.kind.set_value(CaseKind.REPORT.value)
    rows = wait_for_rows(qtbot, main_window, 1)
    assert rows[0][Column.COMPLAINANT] == "李四"
    assert rows[0][Column.KIND] == "Report"
    qtbot.waitUntil(lambda: main_window.count_label.text() == "1 of 4 cases match")

    bar.kind.set_value(None)  # "All types"
    assert len(wait_for_rows(qtbot, main_window, 4)) == 4


def test_search_by_two_character_name_then_escape_clears(qtbot, main_window, type_text):
    search = main_window.filter_bar.search
    with qtbot.waitSignal(main_window.filter_bar.filter_changed, timeout=2_000) as changed:
        type_text(search, "张三")
    assert changed.args[0].text == "张三"
    rows = wait_for_rows(qtbot, main_window, 1)
    assert rows[0][Column.COMPLAINANT] == "张三"

    qtbot.keyClick(search, Qt.Key.Key_Escape)
    assert search.text() == ""
    assert len(wait_for_rows(qtbot, main_window, 4)) == 4


def test_search_by_one_character_phone_tail_and_case_number(
    qtbot, main_window, type_text, sample_cases
):
    search = main_window.filter_bar.search

    def search_for(text: str, expected: int) -> list[tuple[str, ...]]:
        search.clear()
        type_text(search, text)
        qtbot.keyClick(search, Qt.Key.Key_Return)  # no need to wait for the pause
        return wait_for_rows(qtbot, main_window, expected)

    assert [r[Column.COMPLAINANT] for r in search_for("6721", 1)] == ["张三"]
    assert [r[Column.COMPLAINANT] for r in search_for("王", 1)] == ["王小明"]
    assert {r[Column.COMPLAINANT] for r in search_for("钱七", 1)} == {"赵六 +1"}
    number = sample_cases[1].case_no
    assert [r[Column.CASE_NO] for r in search_for(number, 1)] == [number]
    search_for("没有这个人", 0)
    assert "No case matches" in main_window.table.empty_text


def test_a_stale_result_is_ignored(qtbot, main_window):
    model = main_window.model
    loaded: list[int] = []
    model.ids_loaded.connect(loaded.append)
    model.set_filter(CaseFilter(kind=CaseKind.REPORT))  # slower to arrive than the next one…
    model.set_filter(CaseFilter())  # …whose result is the one that counts
    qtbot.waitUntil(lambda: not model.loading, timeout=5_000)
    qtbot.wait(50)
    assert loaded == [4]
    assert model.rowCount() == 4


def test_sorting_by_a_column_with_an_index_only(qtbot, main_window, sample_cases):
    header = main_window.table.horizontalHeader()
    header.setSortIndicator(Column.CASE_NO, Qt.SortOrder.AscendingOrder)
    rows = wait_for_rows(qtbot, main_window, 4)
    numbers = [row[Column.CASE_NO] for row in rows]
    assert numbers == sorted(case.case_no for case in sample_cases)

    header.setSortIndicator(Column.PHONE, Qt.SortOrder.AscendingOrder)  # no SQL index: ignored
    assert header.sortIndicatorSection() == Column.CASE_NO
    assert not main_window.model.loading

    header.setSortIndicator(Column.CASE_NO, Qt.SortOrder.DescendingOrder)
    rows = wait_for_rows(qtbot, main_window, 4)
    assert [row[Column.CASE_NO] for row in rows] == sorted(numbers, reverse=True)


def test_a_saved_case_appears_in_the_list(qtbot, main_window, type_text):
    dialog = main_window.new_case()
    form = dialog.form
    type_text(form.complainants[0].name, "孙八")
    type_text(form.complainants[0].phone, "13812345678")
    type_text(form.merchant.name, "瑞昌市新开电器行")
    type_text(form.request, "退货退款")
    type_text(form.facts, "电饭煲无法加热")
    with qtbot.waitSignal(dialog.case_saved, timeout=10_000):
        dialog.save()

    rows = wait_for_rows(qtbot, main_window, 5)
    assert "孙八" in {row[Column.COMPLAINANT] for row in rows}
    qtbot.waitUntil(lambda: main_window.count_label.text() == "5 cases")
    dialog.accept()
