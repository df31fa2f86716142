"""The case list's SQL: sorting by case number, capped text searches and their counts."""

from __future__ import annotations

from datetime import datetime

from station_app.store import Store, case_list
from station_app.store.case_list import CaseFilter, SortKey, case_ids, case_rows
from tests.core.conftest import save_case


def _numbers(store: Store, ids) -> list[str]:
    rows = case_rows(store, list(ids))
    return [rows[i].case_no for i in ids]


def test_case_numbers_sort_as_numbers_past_99999(store, station):
    store.execute(
        "INSERT INTO case_counters(station_code, year, last_seq) VALUES (?, 2026, 99998)",
        (station.code,),
    )
    for _ in range(3):
        save_case(store)
    save_case(store, received_at=datetime(2025, 12, 30, 8, 0))

    ascending = _numbers(store, case_ids(store, sort=SortKey.CASE_NO, descending=False))
    assert ascending == [
        "RC-MT-2025-00001",
        "RC-MT-2026-99999",
        "RC-MT-2026-100000",
        "RC-MT-2026-100001",
    ]
    descending = _numbers(store, case_ids(store, sort=SortKey.CASE_NO, descending=True))
    assert descending == ascending[::-1]


def test_a_text_search_lists_only_its_newest_matches_but_counts_all(store, station, monkeypatch):
    saved = [save_case(store, name=f"王{n}", phone=f"1391234{n:04d}") for n in range(12)]
    monkeypatch.setattr(case_list, "TEXT_MATCH_LIMIT", 5)

    ids = case_ids(store, CaseFilter(text="王"), sort=SortKey.RECEIVED)

    assert len(ids) == 5
    assert set(_numbers(store, ids)) == {case.case_no for case in saved[-5:]}
    assert case_list.count_text_matches(store, "王") == 12
    assert case_list.count_text_matches(store, "!!") == 0


def test_text_and_kind_filters_combine_with_every_sort(store, station):
    save_case(store, name="赵一")
    save_case(store, name="赵二", kind=case_list.CaseKind.REPORT)
    for sort in SortKey:
        ids = case_ids(store, CaseFilter(text="赵", kind=case_list.CaseKind.REPORT), sort=sort)
        assert [row.complainant for row in case_rows(store, list(ids)).values()] == ["赵二"]
