"""Change capture: every write to a syncable table lands in the outbox, automatically."""

from __future__ import annotations

import pytest

from station_app.domain import Evidence, Role, User
from station_app.store.accounts import add_user
from station_app.store.case_list import CaseFilter, case_ids, count_cases, search_cases
from station_app.store.cases import add_evidence_row, delete_case, get_case
from station_app.store.connection import StoreError
from station_app.store.migrations import SYNCABLE_TABLES
from station_app.store.sync_apply import remember_versions
from tests.core.conftest import outbox_rows

# The tables of the case book (schema 1); workflow tables are covered by test_case_actions.py.
CASE_BOOK_TABLES = {"stations", "users", "merchants", "cases", "parties", "evidence"}


@pytest.fixture
def outbox(store):
    """Outbox entries of the data tables. The audit log's entries (written by triggers on every
    change of cases and parties, and tested in test_audit.py) are left out unless asked for."""

    def _rows(table=None):
        rows = outbox_rows(store, table)
        if table is None:
            rows = [row for row in rows if row["table_name"] != "audit_log"]
        return rows

    return _rows


def _row(store, table, row_id):
    """The row as sync sees it: without the local rowid, the demo mark and generated columns,
    and without the password hash of a local (not city-managed) account."""
    generated = {
        row["name"]
        for row in store.query(f"PRAGMA table_xinfo({table})")
        if row["hidden"] in (2, 3)
    }
    rows = store.query(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
    assert len(rows) == 1
    row = {k: v for k, v in rows[0].items() if k not in ("local_id", "demo")}
    if table == "users" and row["role"] != "city":
        del row["password_hash"]
    return {k: v for k, v in row.items() if k not in generated}


def _assert_insert_recorded(store, outbox, table, row_id):
    entries = [e for e in outbox(table) if e["row_id"] == row_id]
    assert len(entries) == 1, entries
    entry = entries[0]
    assert entry["op"] == "insert"
    assert entry["old_values"] is None
    assert entry["new_values"] == _row(store, table, row_id)
    assert entry["changed_at"].endswith("Z")


def test_syncable_tables_are_the_expected_ones():
    assert set(SYNCABLE_TABLES) == CASE_BOOK_TABLES | {
        "case_events",
        "mediation_sessions",
        "agreements",
        "follow_ups",
        "audit_log",
        "holiday_schedules",
        "issued_documents",
        "supervision_records",
        "conflict_resolutions",
    }


def test_station_setup_records_the_station_and_its_admin(store, admin, outbox):
    entries = outbox()
    assert [(e["table_name"], e["op"]) for e in entries] == [
        ("stations", "insert"),
        ("users", "insert"),
    ]
    station_id = store.scalar("SELECT id FROM stations WHERE code = 'RC-MT'")
    _assert_insert_recorded(store, outbox, "stations", station_id)
    _assert_insert_recorded(store, outbox, "users", admin.id)
    station_values = entries[0]["new_values"]
    assert station_values["code"] == "RC-MT"
    assert station_values["level"] == "township"
    assert station_values["parent_code"] is None
    assert station_values["deleted"] == 0
    assert entries[1]["new_values"]["username"] == "admin"
    assert entries[1]["new_values"]["role"] == "admin"


def test_adding_a_user_records_one_insert(store, admin, outbox):
    before = len(outbox())
    clerk = add_user(
        store,
        User(username="clerk1", display_name="小李", role=Role.CLERK, station_code="RC-MT"),
        "clerk-pass",
    )
    entries = outbox()[before:]
    assert len(entries) == 1
    assert (entries[0]["table_name"], entries[0]["row_id"]) == ("users", clerk.id)
    _assert_insert_recorded(store, outbox, "users", clerk.id)


def test_adding_a_case_records_merchant_case_and_parties(store, add, outbox, new_case):
    from station_app.domain import Party

    before = len(outbox())
    case = add(
        complainants=[Party(name="张三", phone="13812346721"), Party(name="李四")],
    )
    entries = outbox()[before:]
    # One insert per written row, in the order they were written.
    assert [(e["table_name"], e["op"]) for e in entries] == [
        ("merchants", "insert"),
        ("cases", "insert"),
        ("parties", "insert"),
        ("parties", "insert"),
    ]
    _assert_insert_recorded(store, outbox, "merchants", case.merchant.id)
    _assert_insert_recorded(store, outbox, "cases", case.id)
    for party in case.complainants:
        _assert_insert_recorded(store, outbox, "parties", party.id)
    case_values = entries[1]["new_values"]
    assert case_values["case_no"] == case.case_no
    assert case_values["merchant_id"] == case.merchant.id
    assert case_values["amount_fen"] is None
    assert entries[2]["new_values"]["case_id"] == case.id


def test_amount_is_recorded_as_integer_fen(store, add, outbox):
    from decimal import Decimal

    case = add(amount=Decimal("1299.50"))
    entry = [e for e in outbox("cases") if e["row_id"] == case.id][0]
    assert entry["new_values"]["amount_fen"] == 129950
    assert isinstance(entry["new_values"]["amount_fen"], int)


def test_reusing_a_merchant_records_no_second_merchant_insert(store, add, outbox):
    add()
    add(name="李四")
    assert len(outbox("merchants")) == 1
    assert len(outbox("cases")) == 2


def test_evidence_row_records_one_insert(store, add, outbox):
    case = add()
    before = len(outbox())
    evidence = add_evidence_row(
        store,
        case.id,
        Evidence(sha256="ab" * 32, filename="发票.jpg", size=1234, mime="image/jpeg", note="小票"),
        "RC-MT",
    )
    entries = outbox()[before:]
    assert len(entries) == 1
    assert entries[0]["table_name"] == "evidence"
    _assert_insert_recorded(store, outbox, "evidence", evidence.id)
    assert entries[0]["new_values"]["sha256"] == "ab" * 32
    assert entries[0]["new_values"]["filename"] == "发票.jpg"


def test_update_records_only_changed_columns_with_old_and_new(store, add, outbox):
    case = add()
    merchant_id = case.merchant.id
    before = len(outbox())
    with store.transaction():
        store.execute(
            "UPDATE merchants SET phone = ?, legal_rep = ? WHERE id = ?",
            ("0851-22512345", "赵老板", merchant_id),
        )
    entries = outbox()[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["table_name"], entry["row_id"], entry["op"]) == (
        "merchants",
        merchant_id,
        "update",
    )
    assert entry["new_values"] == {"phone": "0851-22512345", "legal_rep": "赵老板"}
    assert entry["old_values"] == {"phone": "", "legal_rep": ""}


def test_update_from_and_to_null_is_recorded(store, add, outbox):
    case = add()
    before = len(outbox())
    store.execute("UPDATE cases SET work_order_due = '2026-03-20' WHERE id = ?", (case.id,))
    store.execute("UPDATE cases SET work_order_due = NULL WHERE id = ?", (case.id,))
    entries = outbox()[before:]
    assert [(e["new_values"], e["old_values"]) for e in entries] == [
        ({"work_order_due": "2026-03-20"}, {"work_order_due": None}),
        ({"work_order_due": None}, {"work_order_due": "2026-03-20"}),
    ]


@pytest.mark.parametrize("table", ["stations", "users", "merchants", "cases", "parties"])
def test_update_that_changes_nothing_records_nothing(store, add, outbox, table):
    add()
    before = len(outbox())
    store.execute(f"UPDATE {table} SET owner_station = owner_station")
    store.execute(f"UPDATE {table} SET deleted = deleted, created_at = created_at")
    assert len(outbox()) == before


@pytest.mark.parametrize("table", ["stations", "users", "merchants", "cases", "parties"])
def test_update_of_each_table_is_recorded(store, add, outbox, table):
    add()
    row_id = store.scalar(f"SELECT id FROM {table} LIMIT 1")
    before = len(outbox())
    with store.transaction():
        store.execute(
            f"UPDATE {table} SET created_at = 'then', updated_at = 'edited' WHERE id = ?",
            (row_id,),
        )
    entries = outbox()[before:]
    assert len(entries) == 1
    assert (entries[0]["table_name"], entries[0]["row_id"], entries[0]["op"]) == (
        table,
        row_id,
        "update",
    )
    assert entries[0]["new_values"] == {"created_at": "then", "updated_at": "edited"}
    # updated_at travels with the change but is never a field that conflicts: no old value.
    assert set(entries[0]["old_values"]) == {"created_at"}
    assert entries[0]["txid"] and entries[0]["origin_station"] == "RC-MT"


@pytest.mark.parametrize("table", ["stations", "users", "merchants", "cases", "parties"])
def test_a_change_of_updated_at_alone_records_nothing(store, add, outbox, table):
    add()
    before = len(outbox())
    store.execute(f"UPDATE {table} SET updated_at = 'edited'")
    assert len(outbox()) == before


def test_the_writes_of_one_transaction_share_a_transaction_id(store, add, outbox):
    case = add()
    with store.transaction():
        store.execute("UPDATE cases SET facts = 'a' WHERE id = ?", (case.id,))
        store.execute("UPDATE merchants SET phone = '1' WHERE id = ?", (case.merchant.id,))
    with store.transaction():
        store.execute("UPDATE cases SET facts = 'b' WHERE id = ?", (case.id,))
    first, second, third = [e for e in outbox() if e["op"] == "update"]
    assert first["txid"] == second["txid"] != third["txid"]
    # The row version the edit started from: none until sync has seen the row.
    assert first["row_version"] is None
    # Once the server has acknowledged the row as version 41, edits start from it.
    remember_versions(store, [("cases", case.id, 41)])
    store.execute("UPDATE cases SET facts = 'c' WHERE id = ?", (case.id,))
    assert outbox()[-1]["row_version"] == 41


def test_a_local_password_hash_never_enters_the_outbox(store, admin, outbox):
    city = add_user(
        store,
        User(username="city1", display_name="市局", role=Role.CITY, station_code="RC-MT"),
        "city-pass-123",
    )
    with store.transaction():
        store.execute("UPDATE users SET password_hash = 'new' WHERE username = 'admin'")
        store.execute("UPDATE users SET password_hash = 'new' WHERE username = 'city1'")
    users = outbox("users")
    admin_entries = [e for e in users if e["row_id"] == admin.id]
    assert all("password_hash" not in (e["new_values"] or {}) for e in admin_entries)
    assert all("password_hash" not in (e["old_values"] or {}) for e in admin_entries)
    assert "scrypt" not in str(admin_entries)
    city_entries = [e for e in users if e["row_id"] == city.id]
    assert city_entries[0]["new_values"]["password_hash"].startswith("scrypt")
    assert city_entries[1]["new_values"] == {"password_hash": "new"}


def test_delete_is_recorded_with_the_old_row(store, add, outbox):
    case = add()
    evidence = add_evidence_row(
        store, case.id, Evidence(sha256="cd" * 32, filename="a.png", size=1), "RC-MT"
    )
    old_row = _row(store, "evidence", evidence.id)
    before = len(outbox())
    store.execute("DELETE FROM evidence WHERE id = ?", (evidence.id,))
    entries = outbox()[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["table_name"], entry["row_id"], entry["op"]) == (
        "evidence",
        evidence.id,
        "delete",
    )
    assert entry["new_values"] is None
    assert entry["old_values"] == old_row


def test_tombstoning_a_case_records_deleted_0_to_1_and_removes_it_from_search(store, add, outbox):
    case = add(name="欧阳娜娜", phone="13987654321")
    other = add(name="欧阳修")
    assert [r.case_no for r in search_cases(store, "欧阳娜娜")] == [case.case_no]
    before = len(outbox())

    delete_case(store, case.id)

    entries = outbox()[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["table_name"], entry["row_id"], entry["op"]) == ("cases", case.id, "update")
    assert entry["new_values"]["deleted"] == 1
    assert entry["old_values"]["deleted"] == 0
    assert set(entry["new_values"]) == {"deleted", "updated_at"}
    # The row is kept (a tombstone) so the deletion can travel through sync.
    assert store.scalar("SELECT deleted FROM cases WHERE id = ?", (case.id,)) == 1
    assert get_case(store, case.id) is None
    assert get_case(store, case.case_no) is None
    assert search_cases(store, "欧阳娜娜") == []
    assert search_cases(store, "6543") == []
    assert [r.case_no for r in search_cases(store, "欧阳")] == [other.case_no]
    assert list(case_ids(store, CaseFilter(text="欧阳"))) == [
        store.scalar("SELECT local_id FROM cases WHERE id = ?", (other.id,))
    ]
    assert count_cases(store) == 1
    with pytest.raises(StoreError):
        delete_case(store, case.id)
    assert len(outbox()) == before + 1


def test_local_id_is_never_in_the_outbox(store, add, outbox):
    case = add()
    add_evidence_row(store, case.id, Evidence(sha256="ef" * 32, filename="b.pdf", size=9), "RC-MT")
    store.execute(
        "UPDATE cases SET category = '食品类', local_id = local_id WHERE id = ?", (case.id,)
    )
    delete_case(store, case.id)
    store.execute("DELETE FROM evidence")
    entries = outbox()
    assert {e["table_name"] for e in entries} == CASE_BOOK_TABLES
    assert {e["op"] for e in entries} == {"insert", "update", "delete"}
    for entry in entries:
        for values in (entry["new_values"], entry["old_values"]):
            assert values is None or "local_id" not in values
    raw = store.query("SELECT new_values, old_values FROM outbox")
    assert not any("local_id" in (r["new_values"] or "") + (r["old_values"] or "") for r in raw)


def test_only_local_writes_enter_the_outbox(store, admin, outbox, new_case):
    from station_app.store.cases import add_case
    from station_app.store.connection import ORIGIN_DEMO, ORIGIN_MIGRATION, remote_origin

    before = len(outbox())
    for origin in (remote_origin("RC-CJ"), ORIGIN_MIGRATION, ORIGIN_DEMO):
        with store.transaction(origin=origin):
            case = add_case(store, new_case(), station_code="RC-MT", created_by="admin")
            store.execute("UPDATE cases SET category = '食品类' WHERE id = ?", (case.id,))
            delete_case(store, case.id)
            store.execute("DELETE FROM parties WHERE case_id = ?", (case.id,))
    assert len(outbox()) == before
    # A local transaction records again; a nested one with another origin names only its part.
    with store.transaction():
        case = add_case(store, new_case(name="李四"), station_code="RC-MT", created_by="admin")
        with store.transaction(origin=remote_origin("RC-CJ")):
            store.execute("UPDATE cases SET category = '食品类' WHERE id = ?", (case.id,))
        store.execute("UPDATE cases SET facts = '又一次' WHERE id = ?", (case.id,))
    assert [(e["table_name"], e["op"]) for e in outbox()[before:]] == [
        ("cases", "insert"),
        ("parties", "insert"),
        ("cases", "update"),
    ]
    assert outbox()[-1]["new_values"] == {"facts": "又一次"}


def test_a_tool_without_the_app_cannot_write_a_syncable_row(db_path, store, add, outbox):
    """The sqlite3 shell (any connection the app did not open) has no write_origin(): every
    write to a syncable table fails, so nothing is written unseen."""
    import sqlite3

    case = add()
    before = len(outbox())
    shell = sqlite3.connect(db_path)
    try:
        for sql in (
            "UPDATE cases SET amount_fen = 1 WHERE id = ?",
            "DELETE FROM parties WHERE case_id = ?",
            "INSERT INTO case_events(id, case_id, action, from_status, to_status, occurred_at,"
            " actor, actor_role, owner_station, created_at, updated_at)"
            " VALUES ('e', ?, 'note', 'registered', 'registered', '', '', '', 'RC-MT', '', '')",
        ):
            with pytest.raises(sqlite3.OperationalError, match="write_origin"):
                shell.execute(sql, (case.id,))
    finally:
        shell.close()
    assert len(outbox()) == before
    assert store.scalar("SELECT amount_fen FROM cases WHERE id = ?", (case.id,)) is None


def test_a_failed_transaction_leaves_no_outbox_entries(store, add, outbox):
    add()
    before = len(outbox())
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("UPDATE merchants SET phone = '13900000000'")
        store.execute("UPDATE cases SET facts = 'changed'")
        assert len(outbox()) == before + 2
        raise RuntimeError("abort")
    assert len(outbox()) == before


def test_outbox_sequence_is_increasing(store, add, outbox):
    for name in ("甲", "乙", "丙"):
        add(name=name)
    seqs = [e["seq"] for e in outbox()]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
