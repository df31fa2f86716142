"""The lazy case model: a few thousand cases, rows fetched by page, never more cached than allowed."""

from __future__ import annotations

import pytest

from station_app.demo import fill_demo
from station_app.ui.case_table_model import PLACEHOLDER, CaseTableModel, Column
from station_app.ui.case_table_view import CaseTableView

CASES = 3000


@pytest.fixture
def many_cases(folder, station_admin) -> int:
    with folder.open_store() as store:
        return fill_demo(store, cases=CASES, station_code="RC-MT", seed=7)


def test_rows_come_page_by_page_within_the_cache_limit(qtbot, tasks, many_cases):
    model = CaseTableModel(tasks, page_size=100, cache_limit=300)
    view = CaseTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 400)
    view.show()
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == CASES, timeout=10_000)
    # All ids are in, but only the rows on screen have been fetched: one page.
    assert model.cached_row_count() <= model.page_size

    last_row = CASES - 1
    assert model.data(model.index(last_row, Column.CASE_NO)) == PLACEHOLDER
    most_cached = 0
    for row in [*range(0, CASES, 137), last_row]:
        view.scrollTo(model.index(row, 0))
        model.row_values(row)
        qtbot.waitUntil(lambda row=row: model.is_row_cached(row), timeout=5_000)
        most_cached = max(most_cached, model.cached_row_count())
        assert model.cached_row_count() <= model.cache_limit
    assert most_cached == model.cache_limit  # the cache filled up and then evicted
    assert model.data(model.index(last_row, Column.CASE_NO)).startswith("RC-MT-")


def test_a_data_change_reloads_the_ids_and_drops_stale_rows(qtbot, tasks, many_cases):
    from station_app.ui.tasks import Change

    model = CaseTableModel(tasks)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == CASES, timeout=10_000)
    model.row_values(0)
    qtbot.waitUntil(lambda: model.is_row_cached(0), timeout=5_000)

    with qtbot.waitSignal(model.ids_loaded, timeout=10_000):
        tasks.changes.notify({Change.CASES})
    assert model.cached_row_count() == 0


def test_the_cache_must_hold_two_pages():
    with pytest.raises(ValueError):
        CaseTableModel(tasks=None, page_size=200, cache_limit=300)  # type: ignore[arg-type]
