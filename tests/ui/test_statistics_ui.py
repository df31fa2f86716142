"""The statistics screen: the same figures as statistics.py, a period change reads again, a
figure lists exactly its cases, the .xlsx export holds the same numbers, and it fits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt

from station_app.demo import ensure_demo_station, fill_demo
from station_app.domain import StationLevel
from station_app.statistics import FigureRef, Period, Scope, compute_figures, figure_case_ids
from station_app.stats_report import report_sections
from station_app.ui.statistics_view import CaseListDialog, StatisticsDialog
from tests.ui.test_window_fit import assert_fits, screenshots  # noqa: F401

TODAY = date(2026, 6, 15)


@pytest.fixture
def book(folder) -> str:
    with folder.open_store() as store:
        code, _admin = ensure_demo_station(store)
        fill_demo(store, cases=400, station_code=code, seed=3)
    return code


@pytest.fixture
def runner(book, tasks):
    return tasks


def _figures(folder, period: Period, scope: Scope = Scope.STATION):
    with folder.open_store() as store:
        return compute_figures(store, period, scope=scope, station_code="RC-MT", as_of=TODAY)


def _dialog(qtbot, runner) -> StatisticsDialog:
    dialog = StatisticsDialog(runner, StationLevel.TOWNSHIP, "RC-MT", today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.reads == 1, timeout=30000)
    return dialog


def _table(dialog: StatisticsDialog) -> list[tuple[str, str, str]]:
    rows = []
    for index in range(dialog.table.topLevelItemCount()):
        item = dialog.table.topLevelItem(index)
        if item.text(0).startswith("    "):  # a figure's row, under its section's title
            rows.append((item.text(0).strip(), item.text(1), item.text(2)))
    return rows


def _expected(figures) -> list[tuple[str, str, str]]:
    return [
        (
            row.label,
            str(row.value if isinstance(row.value, (int, str)) else f"{row.value:.2f}"),
            row.percent,
        )
        for _title, rows in report_sections(figures)
        for row in rows
    ]


def test_the_table_shows_the_figures_and_a_new_period_is_read_again(qtbot, folder, runner):
    dialog = _dialog(qtbot, runner)
    assert dialog.period() == Period.month(2026, 6)
    expected = _expected(_figures(folder, Period.month(2026, 6)))
    assert _table(dialog) == expected
    year = _figures(folder, Period.year(2026))
    assert year.received > 0
    # the year, then the quarter, chosen quickly: read once, for the last choice
    dialog.period_box.setCurrentIndex(2)
    dialog.period_box.setCurrentIndex(1)
    qtbot.waitUntil(lambda: dialog.reads == 2, timeout=30000)
    assert dialog.period() == Period.quarter(2026, 2)
    assert _table(dialog) == _expected(_figures(folder, Period.quarter(2026, 2)))
    # a custom period typed in
    dialog.period_box.setCurrentIndex(3)
    assert dialog.first_edit.isEnabled()
    dialog.first_edit.setDate(QDate(2025, 2, 1))
    dialog.last_edit.setDate(QDate(2026, 1, 31))
    qtbot.waitUntil(
        lambda: dialog.reads >= 3 and dialog.period().first == date(2025, 2, 1), timeout=30000
    )
    qtbot.waitUntil(
        lambda: dialog.loaded.figures.period == Period(date(2025, 2, 1), date(2026, 1, 31)),
        timeout=30000,
    )
    custom = _figures(folder, Period(date(2025, 2, 1), date(2026, 1, 31)))
    assert _table(dialog) == _expected(custom)
    assert sum(n for _m, n in dialog.loaded.months) == custom.received
    # the scope: a township station may choose the township, not the city
    assert [dialog.scope_box.itemData(i) for i in range(dialog.scope_box.count())] == [
        "station",
        "township",
    ]
    assert dialog.trend_chart.chart().series()[0].count() == 12


def test_a_figure_lists_exactly_the_cases_behind_it(qtbot, folder, runner):
    dialog = _dialog(qtbot, runner)
    dialog.period_box.setCurrentIndex(2)  # this year
    qtbot.waitUntil(lambda: dialog.reads == 2, timeout=30000)
    figures = dialog.loaded.figures
    for text, figure, count in (
        ("Mediations with an agreement", FigureRef("agreed"), figures.agreed),
        ("Completed (completion rate)", FigureRef("completion"), figures.completion.numerator),
    ):
        assert count > 0
        item = dialog.figure_item(text)
        assert item is not None
        dialog.table.setCurrentItem(item)
        dialog.table.setFocus()
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: bool(dialog.case_lists) and dialog.case_lists[-1].rows is not None,
            timeout=30000,
        )
        listed: CaseListDialog = dialog.case_lists[-1]
        with folder.open_store() as store:
            ids = figure_case_ids(
                store,
                Period.year(2026),
                figure,
                scope=Scope.STATION,
                station_code="RC-MT",
                as_of=TODAY,
            )
            numbers = [
                r["case_no"]
                for r in store.query(
                    f"SELECT case_no FROM cases WHERE local_id IN ({','.join('?' * len(ids))})"
                    " ORDER BY local_id",
                    ids,
                )
            ]
        assert len(listed.case_numbers()) == count
        assert listed.case_numbers() == numbers
        opened = []
        listed.open_case.connect(opened.append)
        qtbot.keyClick(listed.table, Qt.Key.Key_Return)
        assert opened == [numbers[0]]
        listed.close()


def test_the_export_holds_the_same_numbers(qtbot, folder, runner, tmp_path: Path):
    dialog = _dialog(qtbot, runner)
    dialog.period_box.setCurrentIndex(2)
    qtbot.waitUntil(lambda: dialog.reads == 2, timeout=30000)
    target = tmp_path / "report"
    dialog.export_to(target)
    written = tmp_path / "report.xlsx"
    qtbot.waitUntil(written.exists, timeout=30000)
    qtbot.waitUntil(lambda: "report.xlsx" in dialog.status.text(), timeout=30000)
    sheet = load_workbook(written).active
    values = {}
    for row in sheet.iter_rows(values_only=True):
        if row and isinstance(row[0], str) and len(row) > 1:
            values.setdefault(row[0], row[1])
    figures = _figures(folder, Period.year(2026))
    assert values["All items received"] == figures.received
    assert values["Mediations with an agreement"] == figures.agreed
    assert values["Complaints accepted"] == figures.accepted


def test_the_pdf_report_holds_the_same_numbers(qtbot, folder, runner, tmp_path: Path):
    import subprocess

    dialog = _dialog(qtbot, runner)
    assert dialog.pdf_button.isVisible()
    dialog.export_pdf_to(tmp_path / "report")
    written = tmp_path / "report.pdf"
    qtbot.waitUntil(lambda: "Report written" in dialog.status.text(), timeout=30000)
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(written), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    figures = _figures(folder, Period.month(2026, 6))
    line = next(line for line in text.splitlines() if "All items received" in line)
    assert line.split()[-1] == str(figures.received)
    line = next(line for line in text.splitlines() if "Complaints accepted" in line)
    assert line.split()[-1] == str(figures.accepted)


def test_the_statistics_window_fits(qtbot, runner, screenshots):  # noqa: F811
    dialog = _dialog(qtbot, runner)
    assert_fits(qtbot, dialog, screenshots)


def test_the_main_window_opens_the_statistics(qtbot, main_window):
    assert main_window.statistics_action.shortcut().toString() == "F3"
    qtbot.waitUntil(lambda: main_window.station is not None, timeout=30000)
    main_window.statistics_action.trigger()
    dialog = main_window.statistics
    assert isinstance(dialog, StatisticsDialog)
    qtbot.waitUntil(lambda: dialog.reads == 1, timeout=30000)
    assert dialog.loaded.figures.received >= 0


def test_a_long_list_shows_its_first_cases_and_says_how_many(qtbot, runner, monkeypatch):
    from station_app.ui import statistics_view

    monkeypatch.setattr(statistics_view, "LIST_LIMIT", 3)
    dialog = _dialog(qtbot, runner)
    received = dialog.loaded.figures.received
    assert received > 3
    listed = dialog.show_cases(FigureRef("received"), "All items received")
    qtbot.waitUntil(lambda: listed.rows is not None, timeout=30000)
    assert len(listed.case_numbers()) == 3
    assert listed.count.text() == f"{received} cases; the first 3 are listed"
