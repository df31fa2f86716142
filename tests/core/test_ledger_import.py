"""Ledger import (station_app/ledger_import.py): a messy Excel ledger becomes real cases with
lawful histories, all or nothing, and an import is undone as one step."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from station_app import ledger_import as li
from station_app.domain import Role
from station_app.safe_input import InputRejected, parse_written_moment
from station_app.statistics import Period, Scope, compute_figures
from station_app.store import ledger_imports
from station_app.store.case_list import search_cases
from station_app.store.chain import verify_chains
from station_app.store.due import todays_work
from tests.core.conftest import STATION_CODE
from tests.support.ledger_files import messy_rows, write_messy_ledger

TODAY = date(2026, 3, 2)


def _plan(path: Path, sheet: str | None = None) -> li.ImportPlan:
    ledger = li.read_ledger(path, sheet)
    return li.plan_import(path, ledger, li.guess_mapping(ledger.headings), today=TODAY)


def _import(store, path: Path) -> li.ImportResult:
    plan = _plan(path)
    assert not plan.problems, [p.text() for p in plan.problems]
    return li.run_import(store, plan, actor="admin", role=Role.ADMIN, station_code=STATION_CODE)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2021.3.5", datetime(2021, 3, 5)),
        ("2021年3月5日", datetime(2021, 3, 5)),
        ("2021年3月5号", datetime(2021, 3, 5)),
        ("2021/3/5", datetime(2021, 3, 5)),
        ("2021-03-05", datetime(2021, 3, 5)),
        ("２０２１．３．５", datetime(2021, 3, 5)),
        ("2021-3-5 14:30", datetime(2021, 3, 5, 14, 30)),
        (44260, datetime(2021, 3, 5)),
        (44260.75, datetime(2021, 3, 5, 18, 0)),
        (datetime(2021, 3, 5, 8, 15), datetime(2021, 3, 5, 8, 15)),
        (date(2021, 3, 5), datetime(2021, 3, 5)),
        ("2021.2.30", None),
        ("约2021年", None),
        (35, None),
        ("三月五日", None),
    ],
)
def test_dates_in_the_forms_stations_type(written, expected):
    assert parse_written_moment(written) == expected


def test_merged_group_headings_are_read_and_columns_guessed(tmp_path):
    ledger = li.read_ledger(write_messy_ledger(tmp_path / "l.xlsx", messy_rows()))
    assert ledger.header_row == 3
    assert ledger.headings[2:6] == ["投诉人姓名", "投诉人联系电话", "被投诉人名称", "被投诉人地址"]
    mapping = li.guess_mapping(ledger.headings)
    assert mapping[li.LedgerField.COMPLAINANT] == 2
    assert mapping[li.LedgerField.PHONE] == 3
    assert mapping[li.LedgerField.MERCHANT] == 4
    assert mapping[li.LedgerField.MERCHANT_ADDRESS] == 5
    assert mapping[li.LedgerField.RECEIVED] == 1
    assert mapping[li.LedgerField.CLOSED] == 9
    assert mapping[li.LedgerField.STATUS] == 8
    # blank rows are left out, Excel row numbers kept
    assert [number for number, _values in ledger.rows] == [4, 5, 7, 8, 11, 12]


def test_messy_ledger_becomes_real_cases(store, admin, tmp_path):
    path = write_messy_ledger(tmp_path / "ledger.xlsx", messy_rows())
    before = compute_figures(
        store,
        Period(date(2021, 1, 1), date(2021, 12, 31)),
        scope=Scope.STATION,
        station_code=STATION_CODE,
        as_of=TODAY,
    )
    result = _import(store, path)
    assert result.cases == 6
    rows = store.query(
        "SELECT case_no, status, received_at, accepted_on, closed_on, amount_fen,"
        " amount_recovered_fen, merchant_id, merchant_name, demo FROM cases ORDER BY case_no"
    )
    assert [r["case_no"] for r in rows] == [f"{STATION_CODE}-2021-{n:05d}" for n in range(1, 7)]
    by_received = {r["received_at"][:10]: r for r in rows}
    agreed = by_received["2021-03-05"]
    assert (agreed["status"], agreed["closed_on"], agreed["amount_fen"]) == (
        "closed",
        "2021-03-09",
        3500,
    )
    assert agreed["amount_recovered_fen"] == 3500
    assert by_received["2021-03-08"]["status"] == "closed"
    assert by_received["2021-03-08"]["amount_fen"] == 129950
    assert by_received["2021-04-02"]["received_at"] == "2021-04-02 10:30"
    assert by_received["2021-04-14"]["status"] == "accepted"  # Excel day number 44300
    assert by_received["2021-05-06"]["amount_recovered_fen"] == 150000  # 已办结 + recovered
    assert by_received["2021-06-01"]["status"] == "closed"
    assert {r["demo"] for r in rows} == {0}
    # the history is the workflow's: every closed case has its closing event
    events = store.query(
        "SELECT c.received_at, e.action, e.to_status FROM case_events e JOIN cases c"
        " ON c.id = e.case_id ORDER BY c.received_at, e.occurred_at, e.local_id"
    )
    terminated = [e["action"] for e in events if e["received_at"].startswith("2021-03-08")]
    assert terminated == ["accept", "start-mediation", "terminate", "close"]
    refused = [e["action"] for e in events if e["received_at"].startswith("2021-04-02")]
    assert refused == ["refuse", "close"]
    assert store.scalar("SELECT count(*) FROM agreements") == 2
    # one registry entry per merchant, matched by the registry's rules
    merchants = {r["merchant_name"]: r["merchant_id"] for r in rows}
    assert len(set(merchants.values())) == 4
    assert store.scalar("SELECT count(*) FROM merchants WHERE deleted = 0") == 4
    # found by search, in the statistics, queued for sync, audited with the import as origin
    assert [c.case_no for c in search_cases(store, "过期牛奶")] == [agreed["case_no"]]
    assert search_cases(store, "李四")
    after = compute_figures(
        store,
        Period(date(2021, 1, 1), date(2021, 12, 31)),
        scope=Scope.STATION,
        station_code=STATION_CODE,
        as_of=TODAY,
    )
    assert after.received - before.received == 6
    assert after.agreed - before.agreed == 2
    assert after.recovered_fen - before.recovered_fen == 3500 + 150000
    queued = store.scalar(
        "SELECT count(DISTINCT row_id) FROM outbox WHERE table_name = 'cases' AND op = 'insert'"
    )
    assert queued == 6
    assert store.scalar("SELECT count(*) FROM outbox WHERE table_name = 'case_events'") == len(
        events
    )
    origins = store.query(
        "SELECT new_value, actor FROM audit_log WHERE field = 'ledger_import' ORDER BY new_value"
    )
    assert len(origins) == 6
    assert origins[0]["actor"] == "admin"
    assert "ledger.xlsx / 2021年 / 4 (" + result.batch_id + ")" in {o["new_value"] for o in origins}
    assert verify_chains(store) == []
    # old closed cases raise no overdue alarm; only the two cases still open can
    work = todays_work(store, TODAY, station_code=STATION_CODE)
    overdue_cases = {item.case_no for item in work.overdue}
    closed = {r["case_no"] for r in rows if r["status"] == "closed"}
    assert not overdue_cases & closed
    assert by_received["2021-04-14"]["case_no"] in overdue_cases


def test_a_bad_row_blocks_the_import_with_its_row_number(store, admin, tmp_path):
    rows = messy_rows()
    rows[3][7] = "约3000元"  # row 7 of the sheet
    rows[7][1] = "2021.13.1"  # row 11
    path = write_messy_ledger(tmp_path / "bad.xlsx", rows)
    plan = _plan(path)
    texts = [p.text() for p in plan.problems]
    assert len(texts) == 2
    assert texts[0].startswith("Row 7, column “H（涉案金额）”")
    assert "约3000元" in texts[0]
    assert texts[1].startswith("Row 11, column “B（登记日期）”")
    with pytest.raises(InputRejected) as refused:
        li.run_import(store, plan, actor="admin", role=Role.ADMIN, station_code=STATION_CODE)
    assert "约3000元" in str(refused.value)
    assert store.scalar("SELECT count(*) FROM cases") == 0
    assert store.scalar("SELECT count(*) FROM ledger_imports") == 0


def test_statuses_without_an_outcome_and_unknown_words_are_errors(tmp_path):
    rows = messy_rows()
    rows[0][8] = "已办结"
    rows[0][10] = None  # no loss recovered: how did it end?
    rows[1][8] = "看情况"
    path = write_messy_ledger(tmp_path / "s.xlsx", rows)
    texts = [p.text() for p in _plan(path).problems]
    assert any(t.startswith("Row 4") and "does not say how the complaint ended" in t for t in texts)
    assert any(t.startswith("Row 5") and "看情况" in t for t in texts)


def test_outcome_words():
    assert li.outcome_of("调解成功") is li.Outcome.AGREED
    assert li.outcome_of("调解不成功") is li.Outcome.FAILED
    assert li.outcome_of("不予受理") is li.Outcome.REFUSED
    assert li.outcome_of("已受理") is li.Outcome.IN_PROGRESS
    assert li.outcome_of("已办结（调解成功）") is li.Outcome.AGREED
    assert li.outcome_of("不予立案") is li.Outcome.NOT_OPENED
    assert li.outcome_of("") is li.Outcome.REGISTERED
    assert li.outcome_of("随便") is None


def test_a_column_mapped_twice_is_refused(tmp_path):
    ledger = li.read_ledger(write_messy_ledger(tmp_path / "l.xlsx", messy_rows()))
    mapping = li.guess_mapping(ledger.headings)
    mapping[li.LedgerField.CLOSED] = mapping[li.LedgerField.RECEIVED]
    problems = li.mapping_problems(mapping, ledger.headings)
    assert problems == [
        "The column B（登记日期） is chosen for more than one field: Date received、Date closed."
    ]
    plan = li.plan_import(tmp_path / "l.xlsx", ledger, mapping, today=TODAY)
    assert plan.blocked and not plan.rows
    with pytest.raises(InputRejected, match="more than one field"):
        li.mapping_from_json({"received": "登记日期", "closed": "B"}, ledger.headings)
    with pytest.raises(InputRejected, match="“when” is not a ledger field"):
        li.mapping_from_json({"when": "B"}, ledger.headings)
    assert li.mapping_from_json({"received": "登记日期", "merchant": "e"}, ledger.headings) == {
        li.LedgerField.RECEIVED: 1,
        li.LedgerField.MERCHANT: 4,
    }


def test_a_formula_with_no_computed_value_is_named_by_its_cell(tmp_path):
    rows = messy_rows()
    rows[0][7] = "=H5*2"  # openpyxl writes a formula with no cached value
    path = write_messy_ledger(tmp_path / "f.xlsx", rows)
    texts = [p.text() for p in _plan(path).problems]
    assert len(texts) == 1
    assert texts[0].startswith("Row 4, column “H（涉案金额）”: the cell H4 holds the formula =H5*2")


def test_a_formula_excel_computed_is_read_as_its_value(tmp_path):
    rows = messy_rows()
    rows[0][7] = "=10+25"
    path = write_messy_ledger(tmp_path / "f.xlsx", rows)
    # put the cached value in, as Excel does when it saves
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert "<f>10+25</f><v />" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        "<f>10+25</f><v />", "<f>10+25</f><v>35</v>"
    ).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    plan = _plan(path)
    assert not plan.problems
    assert plan.rows[0].amount == 35


def test_password_protected_corrupt_and_foreign_files_are_refused(tmp_path):
    protected = tmp_path / "protected.xlsx"
    protected.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    with pytest.raises(li.LedgerRejected, match="protected with a password"):
        li.read_ledger(protected)
    good = write_messy_ledger(tmp_path / "good.xlsx", messy_rows())
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[:1500])
    with pytest.raises(li.LedgerRejected, match="damaged or incomplete"):
        li.read_ledger(broken)
    with pytest.raises(li.LedgerRejected, match="damaged or incomplete"):
        li.sheet_titles(broken)
    text = tmp_path / "ledger.xlsx"
    text.write_text("序号,日期\n1,2021-3-5\n", encoding="utf-8")
    with pytest.raises(li.LedgerRejected, match="not an Excel workbook"):
        li.read_ledger(text)
    with pytest.raises(li.LedgerRejected, match="no sheet “2022年”"):
        li.read_ledger(good, "2022年")


def test_a_ledger_over_the_row_limit_is_refused_whole(tmp_path):
    rows = [
        [n, "2021-03-05", "张三", "", "超市", "", "事由", "10", "处理中", None, None]
        for n in range(60)
    ]
    path = write_messy_ledger(tmp_path / "big.xlsx", rows)
    with pytest.raises(li.LedgerRejected, match="more than 50 rows"):
        li.read_ledger(path, max_rows=50)
    assert len(li.read_ledger(path, max_rows=100).rows) == 60


def test_undo_removes_exactly_the_batch(store, admin, tmp_path):
    path = write_messy_ledger(tmp_path / "ledger.xlsx", messy_rows())
    first = _import(store, path)
    second_rows = [
        [
            1,
            "2022.1.4",
            "周九",
            "",
            "茅台镇好又多超市",
            "新街1号",
            "买到坏鸡蛋",
            "12元",
            "调解成功",
            "2022.1.5",
            "12元",
        ],
        [2, "2022.1.5", "吴十", "", "新开的网店", "", "不发货", "99", "处理中", None, None],
    ]
    second = _import(store, write_messy_ledger(tmp_path / "second.xlsx", second_rows))
    assert store.scalar("SELECT count(*) FROM cases WHERE deleted = 0") == 8
    period = Period(date(2022, 1, 1), date(2022, 12, 31))
    assert (
        compute_figures(
            store, period, scope=Scope.STATION, station_code=STATION_CODE, as_of=TODAY
        ).received
        == 2
    )
    store.execute("DELETE FROM outbox")
    assert (
        li.undo_import(
            store, second.batch_id, actor="admin", role=Role.ADMIN, station_code=STATION_CODE
        )
        == 2
    )
    assert store.scalar("SELECT count(*) FROM cases WHERE deleted = 0") == 6
    assert (
        compute_figures(
            store, period, scope=Scope.STATION, station_code=STATION_CODE, as_of=TODAY
        ).received
        == 0
    )
    assert not search_cases(store, "坏鸡蛋")
    assert search_cases(store, "过期牛奶")
    # the merchant it registered goes; the one the first import shares stays
    live = {r["name"] for r in store.query("SELECT name FROM merchants WHERE deleted = 0")}
    assert "新开的网店" not in live and "茅台镇好又多超市" in live
    # the tombstones travel by sync
    assert (
        store.scalar("SELECT count(*) FROM outbox WHERE table_name = 'cases' AND op = 'update'")
        == 2
    )
    assert not any(
        item.case_no.startswith(f"{STATION_CODE}-2022")
        for item in todays_work(store, TODAY, station_code=STATION_CODE).overdue
    )
    assert ledger_imports.get_batch(store, second.batch_id).undone_by == "admin"
    with pytest.raises(li.UndoRefused, match="already undone"):
        li.undo_import(
            store, second.batch_id, actor="admin", role=Role.ADMIN, station_code=STATION_CODE
        )
    assert first.cases == 6


def test_undo_is_refused_when_a_case_changed_since(store, admin, tmp_path):
    from station_app.case_actions import act
    from station_app.store.holidays import load_calendar
    from station_app.workflow import Action

    result = _import(store, write_messy_ledger(tmp_path / "ledger.xlsx", messy_rows()))
    open_case = store.scalar("SELECT case_no FROM cases WHERE status = 'accepted'")
    act(
        store,
        open_case,
        Action.START_MEDIATION,
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone"},
        user=admin,
        station_code=STATION_CODE,
        calendar=load_calendar(store),
        now=datetime(2026, 3, 2, 10, 0),
    )
    with pytest.raises(li.UndoRefused) as refused:
        li.undo_import(
            store, result.batch_id, actor="admin", role=Role.ADMIN, station_code=STATION_CODE
        )
    assert open_case in str(refused.value)
    assert "1 of its cases" in str(refused.value)
    assert store.scalar("SELECT count(*) FROM cases WHERE deleted = 0") == 6


def test_a_second_import_of_the_same_ledger_is_warned_about(store, admin, tmp_path):
    path = write_messy_ledger(tmp_path / "ledger.xlsx", messy_rows())
    assert li.already_imported(store, _plan(path)) == ""
    first = _import(store, path)
    warning = li.already_imported(store, _plan(path))
    assert "“ledger.xlsx” / “2021年” was already imported" in warning
    assert first.batch_id in warning
    li.undo_import(store, first.batch_id, actor="admin", role=Role.ADMIN, station_code=STATION_CODE)
    assert li.already_imported(store, _plan(path)) == ""
    # numbers given once are not given again
    second = _import(store, path)
    assert second.first_case_no == f"{STATION_CODE}-2021-00007"


def test_row_numbers_shared_formulas_and_escaped_text_from_the_sheet_xml(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    ws = workbook.active
    ws["C3"] = "登记日期"
    ws["D3"] = "金额"
    ws["C6"] = "2021-03-05"
    ws["D6"] = '=IF(A1>0,"是","否")'
    workbook.save(tmp_path / "f.xlsx")
    with zipfile.ZipFile(tmp_path / "f.xlsx") as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    # a second formula shared with D6, as Excel writes a filled-down column
    sheet = sheet.replace(
        "</sheetData>",
        '<row r="7"><c r="C7" t="inlineStr"><is><t>2021-03-06'
        '</t></is></c><c r="D7"><f t="shared" si="0"/><v/></c></row></sheetData>',
    )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(tmp_path / "f.xlsx", "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    ledger = li.read_ledger(tmp_path / "f.xlsx")
    assert ledger.header_row == 3
    assert [number for number, _values in ledger.rows] == [6, 7]
    assert ledger.uncomputed == [(6, 3, '=IF(A1>0,"是","否")'), (7, 3, "=…")]


def test_an_import_stopped_half_way_leaves_nothing(store, admin, tmp_path):
    rows = [
        [n, f"2021.{n % 12 + 1}.{n % 28 + 1}", f"消费者{n}", "", f"商店{n % 7}", "", "事由",
         f"{n + 1}元", "调解成功", f"2021.{n % 12 + 1}.{n % 28 + 1}", "1元"]
        for n in range(1, 1201)
    ]  # fmt: skip
    plan = _plan(write_messy_ledger(tmp_path / "many.xlsx", rows))
    assert len(plan.rows) == 1200 and not plan.problems
    counts = "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM merchants),"
    counts += " (SELECT count(*) FROM outbox), (SELECT count(*) FROM audit_log),"
    counts += " (SELECT count(*) FROM case_counters), (SELECT count(*) FROM ledger_imports)"
    before = store.query(counts)
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done > li.IMPORT_CHUNK:
            raise KeyboardInterrupt  # a cancel, a power cut: the transaction is rolled back

    with pytest.raises(KeyboardInterrupt):
        li.run_import(
            store,
            plan,
            actor="admin",
            role=Role.ADMIN,
            station_code=STATION_CODE,
            progress=progress,
        )
    assert seen == [li.IMPORT_CHUNK, 2 * li.IMPORT_CHUNK]
    assert store.query(counts) == before
    assert not search_cases(store, "消费者1")
    result = li.run_import(store, plan, actor="admin", role=Role.ADMIN, station_code=STATION_CODE)
    assert (result.cases, result.first_case_no) == (1200, f"{STATION_CODE}-2021-00001")
    # numbered in the order received
    first = store.query("SELECT received_at FROM cases WHERE case_no = ?", (result.first_case_no,))
    assert first[0]["received_at"] == min(
        r["received_at"] for r in store.query("SELECT received_at FROM cases")
    )


def test_a_clerk_may_not_import_decisions_a_clerk_may_not_take(store, admin, tmp_path):
    plan = _plan(write_messy_ledger(tmp_path / "ledger.xlsx", messy_rows()))
    with pytest.raises(InputRejected) as refused:
        li.run_import(store, plan, actor="clerk", role=Role.CLERK, station_code=STATION_CODE)
    assert "Row 4: the role" in str(refused.value)
    assert store.scalar("SELECT count(*) FROM cases") == 0
    # an officer records the steps with their own role
    li.run_import(store, plan, actor="officer", role=Role.OFFICER, station_code=STATION_CODE)
    assert {r["actor_role"] for r in store.query("SELECT actor_role FROM case_events")} == {
        "officer"
    }


def test_only_the_importer_or_an_administrator_undoes_an_import(store, admin, tmp_path):
    plan = _plan(write_messy_ledger(tmp_path / "ledger.xlsx", messy_rows()))
    result = li.run_import(
        store, plan, actor="officer1", role=Role.OFFICER, station_code=STATION_CODE
    )
    with pytest.raises(li.UndoRefused) as refused:
        li.undo_import(
            store, result.batch_id, actor="clerk2", role=Role.CLERK, station_code=STATION_CODE
        )
    assert "officer1" in str(refused.value)
    assert store.scalar("SELECT count(*) FROM cases WHERE deleted = 0") == result.cases
    undone = li.undo_import(
        store, result.batch_id, actor="officer1", role=Role.OFFICER, station_code=STATION_CODE
    )
    assert undone == result.cases
    assert store.scalar("SELECT count(*) FROM cases WHERE deleted = 0") == 0
