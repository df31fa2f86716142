"""Export of the case list to .xlsx: the columns asked for, in the list's order, phones masked."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from station_app.domain import Role, User
from station_app.exports import ExportColumn, export_case_list
from station_app.store.case_list import CaseFilter, SortKey
from station_app.store.connection import StoreError


@pytest.fixture
def two(store, add):
    return [
        add(
            name="张三",
            phone="13812346721",
            merchant="好又多超市",
            amount=Decimal("1299.50"),
            received_at=datetime(2026, 3, 1, 10, 0),
        ),
        add(
            name="李四",
            phone="13955551234",
            merchant="茅台专卖店",
            received_at=datetime(2026, 3, 2, 10, 0),
        ),
    ]


def _sheet(path):
    return [list(row) for row in load_workbook(path).active.iter_rows(values_only=True)]


def test_export_writes_the_shown_columns_in_list_order_with_masked_phones(store, two, tmp_path):
    path = tmp_path / "list.xlsx"
    seen = []
    columns = [
        ExportColumn.CASE_NO,
        ExportColumn.COMPLAINANT,
        ExportColumn.PHONE,
        ExportColumn.AMOUNT,
        ExportColumn.DEADLINE,
    ]
    count = export_case_list(store, path, columns, progress=lambda d, t: seen.append((d, t)))
    assert count == 2
    rows = _sheet(path)
    assert rows[0] == ["Case number", "Complainant", "Phone", "Amount (yuan)", "Deadline"]
    assert [r[:3] for r in rows[1:]] == [
        [two[1].case_no, "李四", "139****1234"],
        [two[0].case_no, "张三", "138****6721"],
    ]
    assert rows[2][3] == pytest.approx(1299.50)
    assert seen[-1] == (2, 2)
    assert not (tmp_path / "list.xlsx.part").exists()


def test_export_follows_the_search_and_reveals_phones_when_allowed(store, two, tmp_path):
    admin = User(username="a", display_name="a", role=Role.ADMIN, station_code="RC-MT")
    clerk = User(username="c", display_name="c", role=Role.CLERK, station_code="RC-MT")
    path = tmp_path / "search.xlsx"
    export = dict(case_filter=CaseFilter(text="张"), sort=SortKey.CASE_NO, descending=False)
    export_case_list(
        store, path, [ExportColumn.CASE_NO, ExportColumn.PHONE], revealed_to=clerk, **export
    )
    assert _sheet(path)[1:] == [[two[0].case_no, "138****6721"]]
    assert _export_reveals(store) == []
    export_case_list(
        store, path, [ExportColumn.CASE_NO, ExportColumn.PHONE], revealed_to=admin, **export
    )
    assert _sheet(path)[1:] == [[two[0].case_no, "13812346721"]]
    # Whole numbers leaving the app are audited like a reveal on screen.
    assert _export_reveals(store) == [("a", f"export of 1 cases to {path}")]


def _export_reveals(store) -> list[tuple]:
    return [
        (row["actor"], row["new_value"])
        for row in store.query(
            "SELECT actor, new_value FROM audit_log WHERE kind = 'reveal' AND case_id IS NULL"
        )
    ]


def test_deadline_is_exported_with_its_kind_and_overdue_mark(store, two, tmp_path):
    path = tmp_path / "d.xlsx"
    export_case_list(store, path, [ExportColumn.DEADLINE], today=date(2030, 1, 1))
    values = [row[0] for row in _sheet(path)[1:]]
    assert all(value and value.endswith("(overdue)") for value in values)


def test_an_unwritable_place_is_a_clerk_error(store, two, tmp_path):
    with pytest.raises(StoreError, match="could not be written"):
        export_case_list(store, tmp_path / "missing" / "x.xlsx", [ExportColumn.CASE_NO])
