"""Migration 4 on a database made at schema 3: workflow columns and tables, change capture and
audit triggers over the new columns, and the deadlines of the cases already registered."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from station_app.case_clock import ClockFacts, compute_case_deadlines
from station_app.domain import CaseKind
from station_app.store import Store, driver
from station_app.store.migrations import LATEST_VERSION, migrate_to_latest, schema_version
from station_app.workdays import WorkdayCalendar

NOW = "2026-05-06T08:00:00.000Z"

# (id, case_no, kind, channel, status, received_at, work_order_due, deleted)
OLD_CASES = [
    ("c-1", "RC-MT-2026-00001", "complaint", "phone", "registered", "2026-04-14 09:00", None, 0),
    ("c-2", "RC-MT-2026-00002", "complaint", "walk_in", "registered", "2026-04-15 10:00", None, 0),
    ("c-3", "RC-MT-2026-00003", "report", "letter", "registered", "2026-05-06 11:00", None, 0),
    ("c-4", "RC-MT-2026-00004", "consultation", "phone", "registered", "2026-05-06 11:30", None, 0),
    (
        "c-5",
        "RC-MT-2026-00005",
        "complaint",
        "transfer_12345",
        "registered",
        "2026-09-28 15:00",
        "2026-10-12",
        0,
    ),
    ("c-6", "RC-MT-2026-00006", "complaint", "phone", "registered", "2026-05-07 08:00", None, 1),
    ("c-7", "RC-MT-2027-00001", "complaint", "phone", "registered", "2027-01-05 08:00", None, 0),
]


def _make_schema_3_database(db_path: Path) -> None:
    old = Store(db_path, migrate=False)
    migrate_to_latest(old, backup_dir=db_path.parent / "backups", target=3)
    assert schema_version(old.conn) == 3
    sql = old.execute
    sql("INSERT INTO settings VALUES ('local_station_code', 'RC-MT')")
    sql(
        "INSERT INTO stations(id, code, name, level, parent_code, owner_station, created_at,"
        " updated_at) VALUES ('st-1', 'RC-MT', '茅台镇消费者投诉站', 'township', 'RC', 'RC-MT', ?, ?)",
        (NOW, NOW),
    )
    for case_id, case_no, kind, channel, status, received, work_order_due, deleted in OLD_CASES:
        sql(
            "INSERT INTO cases(id, case_no, kind, channel, status, received_at, work_order_due,"
            " merchant_name, facts, owner_station, created_at, updated_at, deleted)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, '老街农资店', '化肥结块', 'RC-MT', ?, ?, ?)",
            (case_id, case_no, kind, channel, status, received, work_order_due, NOW, NOW, deleted),
        )
        sql(
            "INSERT INTO parties(id, case_id, role, name, phone, owner_station, created_at,"
            " updated_at) VALUES (?, ?, 'complainant', '欧阳娜娜', '13987654321', 'RC-MT', ?, ?)",
            (f"p-{case_id}", case_id, NOW, NOW),
        )
    old.close()


@pytest.fixture
def migrated(db_path: Path):
    _make_schema_3_database(db_path)
    with Store(db_path) as store:
        yield store


def _columns(store: Store, table: str) -> dict[str, dict]:
    return {row["name"]: row for row in store.query(f"PRAGMA table_info({table})")}


def test_version_3_database_is_migrated_with_a_backup(migrated, db_path):
    assert schema_version(migrated.conn) == LATEST_VERSION >= 4
    backups = sorted((db_path.parent / "backups").glob("station-v3-*.db"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    try:
        assert schema_version(copy) == 3
        assert copy.execute("SELECT count(*) FROM cases").fetchone() == (len(OLD_CASES),)
    finally:
        copy.close()


def test_new_columns_with_defaults_for_existing_rows(migrated):
    cases = _columns(migrated, "cases")
    for name in (
        "accepted_on",
        "closed_on",
        "amount_recovered_fen",
        "dispatched_at",
        "arrived_at",
        "promise_minutes",
        "merged_into",
        "report_extended",
        "escalated_from",
    ):
        assert name in cases, name
    assert {"claimed_fen", "recovered_fen", "representative"} <= set(_columns(migrated, "parties"))
    row = migrated.query("SELECT * FROM cases WHERE id = 'c-1'")[0]
    assert row["report_extended"] == 0
    assert row["accepted_on"] is None and row["escalated_from"] is None
    assert row["status"] == "registered"
    party = migrated.query("SELECT * FROM parties WHERE id = 'p-c-1'")[0]
    assert party["representative"] == 0 and party["claimed_fen"] is None
    # The numbers made by migration 3 still work.
    assert migrated.scalar("SELECT number_seq FROM cases WHERE id = 'c-5'") == 5


def test_new_tables_exist(migrated):
    tables = {
        row["name"] for row in migrated.query("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {
        "case_events",
        "mediation_sessions",
        "agreements",
        "follow_ups",
        "audit_log",
        "case_deadlines",
        "holiday_schedules",
    } <= tables
    # session_actor (schema 4) made way for the connection's write_actor() (schema 8).
    assert "session_actor" not in tables
    indexes = {
        row["name"] for row in migrated.query("SELECT name FROM sqlite_master WHERE type='index'")
    }
    assert {"case_events_case", "case_deadlines_open", "audit_log_case"} <= indexes
    plan = " ".join(
        row["detail"]
        for row in migrated.query(
            "EXPLAIN QUERY PLAN SELECT case_local_id FROM case_deadlines"
            " WHERE owner_station = 'RC-MT' AND met_on IS NULL AND due < '2026-06-01'"
        )
    )
    assert "case_deadlines_open" in plan


def test_registered_cases_get_the_deadlines_the_rules_give(migrated):
    calendar = WorkdayCalendar()
    stored: dict[str, set] = {}
    for row in migrated.query(
        "SELECT c.id, d.kind, d.start, d.due, d.met_on, d.owner_station FROM case_deadlines d"
        " JOIN cases c ON c.local_id = d.case_local_id"
    ):
        stored.setdefault(row["id"], set()).add(
            (row["kind"], row["start"], row["due"], row["met_on"], row["owner_station"])
        )
    for case_id, _no, kind, _ch, _st, received, work_order_due, deleted in OLD_CASES:
        facts = ClockFacts(
            kind=CaseKind(kind),
            received=date.fromisoformat(received[:10]),
            work_order_due=date.fromisoformat(work_order_due) if work_order_due else None,
        )
        expected = {
            (d.kind.value, d.start.isoformat(), d.due.isoformat(), None, "RC-MT")
            for d in compute_case_deadlines(facts, [], calendar)
        }
        assert stored.get(case_id, set()) == (set() if deleted else expected), case_id
    # Spot checks against the rules: Order No. 20 and 121 both give 7 working days to accept.
    assert ("acceptance", "2026-04-14", "2026-04-23", None, "RC-MT") in stored["c-1"]
    # 15 working days after 6 May 2026 end on 26 May: Saturday 9 May is a working day.
    assert ("report_case_decision", "2026-05-06", "2026-05-26", None, "RC-MT") in stored["c-3"]
    assert "c-4" not in stored  # a consultation has no deadline of its own
    assert ("work_order_12345", "2026-09-28", "2026-10-12", None, "RC-MT") in stored["c-5"]
    # National Day 2026 (1-7 October off, Saturday 10 October worked): received Monday
    # 28 September, the 7 working days are 29, 30 September, 8, 9, 10, 12 and 13 October.
    assert ("acceptance", "2026-09-28", "2026-10-13", None, "RC-MT") in stored["c-5"]


def test_change_capture_covers_the_new_columns_but_not_generated_ones(migrated):
    migrated.execute("UPDATE cases SET accepted_on = '2026-04-16' WHERE id = 'c-1'")
    entry = migrated.query(
        "SELECT new_values, old_values FROM outbox WHERE table_name = 'cases' ORDER BY seq DESC"
    )[0]
    assert json.loads(entry["new_values"]) == {"accepted_on": "2026-04-16"}
    assert json.loads(entry["old_values"]) == {"accepted_on": None}

    migrated.execute(
        "INSERT INTO cases(id, case_no, kind, channel, status, received_at, owner_station,"
        " created_at, updated_at) VALUES ('c-9', 'RC-MT-2026-00009', 'complaint', 'phone',"
        " 'registered', '2026-05-08 09:00', 'RC-MT', ?, ?)",
        (NOW, NOW),
    )
    values = json.loads(
        migrated.scalar(
            "SELECT new_values FROM outbox WHERE table_name = 'cases' AND row_id = 'c-9'"
        )
    )
    assert values["report_extended"] == 0 and "escalated_from" in values
    assert "number_year" not in values and "number_seq" not in values and "local_id" not in values

    migrated.execute("UPDATE parties SET representative = 1 WHERE id = 'p-c-1'")
    entry = migrated.query(
        "SELECT new_values FROM outbox WHERE table_name = 'parties' ORDER BY seq DESC"
    )[0]
    assert json.loads(entry["new_values"]) == {"representative": 1}


def test_new_syncable_tables_are_captured(migrated):
    migrated.execute(
        "INSERT INTO follow_ups(id, case_id, visited_on, party, satisfaction, owner_station,"
        " created_at, updated_at) VALUES ('f-1', 'c-1', '2026-05-20', 'complainant',"
        " 'satisfied', 'RC-MT', ?, ?)",
        (NOW, NOW),
    )
    entry = migrated.query("SELECT * FROM outbox WHERE table_name = 'follow_ups'")[0]
    assert entry["op"] == "insert" and entry["row_id"] == "f-1"
    assert json.loads(entry["new_values"])["satisfaction"] == "satisfied"


def test_audit_triggers_name_the_actor_of_the_transaction(migrated):
    with migrated.transaction(actor="li.clerk"):
        migrated.execute("UPDATE cases SET category = '食品类', facts = '变质' WHERE id = 'c-1'")
    rows = migrated.query(
        "SELECT actor, case_id, table_name, row_id, field, old_value, new_value, kind"
        " FROM audit_log ORDER BY field"
    )
    assert rows == [
        {
            "actor": "li.clerk",
            "case_id": "c-1",
            "table_name": "cases",
            "row_id": "c-1",
            "field": "category",
            "old_value": "",
            "new_value": "食品类",
            "kind": "change",
        },
        {
            "actor": "li.clerk",
            "case_id": "c-1",
            "table_name": "cases",
            "row_id": "c-1",
            "field": "facts",
            "old_value": "化肥结块",
            "new_value": "变质",
            "kind": "change",
        },
    ]
    # A transaction that names no one is the system's.
    with migrated.transaction():
        migrated.execute("UPDATE cases SET category = '日用商品类' WHERE id = 'c-1'")
    assert migrated.scalar("SELECT actor FROM audit_log WHERE new_value = '日用商品类'") == "system"


def test_events_and_audit_rows_cannot_be_changed(migrated):
    migrated.execute(
        "INSERT INTO case_events(id, case_id, action, from_status, to_status, occurred_at,"
        " actor, actor_role, owner_station, created_at, updated_at) VALUES ('e-1', 'c-1',"
        " 'accept', 'registered', 'accepted', '2026-04-16', 'admin', 'admin', 'RC-MT', ?, ?)",
        (NOW, NOW),
    )
    with pytest.raises(driver.IntegrityError, match="append-only"):
        migrated.conn.execute("UPDATE case_events SET note = 'x'")
    with pytest.raises(driver.IntegrityError, match="append-only"):
        migrated.conn.execute("DELETE FROM case_events")
    migrated.execute("UPDATE cases SET category = '食品类' WHERE id = 'c-1'")
    with pytest.raises(driver.IntegrityError, match="append-only"):
        migrated.conn.execute("DELETE FROM audit_log")


def test_escalation_and_deletion_move_the_derived_deadlines(migrated):
    local_id = migrated.scalar("SELECT local_id FROM cases WHERE id = 'c-1'")
    migrated.execute("UPDATE cases SET owner_station = 'RC' WHERE id = 'c-1'")
    assert {
        row[0]
        for row in migrated.execute(
            "SELECT owner_station FROM case_deadlines WHERE case_local_id = ?", (local_id,)
        )
    } == {"RC"}
    migrated.execute("UPDATE cases SET deleted = 1 WHERE id = 'c-1'")
    assert (
        migrated.scalar("SELECT count(*) FROM case_deadlines WHERE case_local_id = ?", (local_id,))
        == 0
    )


def test_a_store_on_schema_3_still_runs_transactions(db_path):
    """Before migration 4 there is no session_actor table; naming an actor must not fail."""
    old = Store(db_path, migrate=False)
    migrate_to_latest(old, backup_dir=db_path.parent / "backups", target=3)
    with old.transaction(actor="li.clerk"):
        old.execute("INSERT INTO settings VALUES ('x', '1')")
    assert old.get_setting("x") == "1"
    old.close()
