"""The Store: connection settings, schema versions, backups, and errors a clerk can act on."""

from __future__ import annotations

import gc
import hashlib
import os
import sqlite3
import traceback
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import psutil
import pytest

from station_app import i18n
from station_app.domain import Case, CaseKind, Channel, Merchant, Party
from station_app.store import Store, driver, migrations
from station_app.store.case_list import CaseFilter, case_ids, count_cases, search_cases
from station_app.store.cases import add_case, get_case
from station_app.store.connection import NewerSchemaError, StoreError, explain_sqlite_error
from station_app.store.merchants import find_merchants
from station_app.store.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    Migration,
    migrate_to_latest,
    schema_version,
)


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _holds_open(path: Path) -> bool:
    """Whether this process still has the file open (a leaked connection keeps it locked)."""
    target = os.path.realpath(path)
    return any(os.path.realpath(f.path) == target for f in psutil.Process().open_files())


def _counter(store: Store, station: str = "RC-MT", year: int = 2026) -> int | None:
    return store.scalar(
        "SELECT last_seq FROM case_counters WHERE station_code = ? AND year = ?", (station, year)
    )


# --------------------------------------------------------------------------- connection


def test_wal_mode_and_foreign_keys_are_on(store):
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert (store.path.parent / "station.db-wal").exists()


def test_foreign_keys_are_enforced(store, admin):
    with pytest.raises(driver.IntegrityError):
        store.execute(
            "INSERT INTO parties(id, case_id, role, name, owner_station, created_at, updated_at)"
            " VALUES ('p1', 'no-such-case', 'complainant', '张三', 'RC-MT', 'now', 'now')"
        )
    assert store.scalar("SELECT count(*) FROM parties") == 0


def test_new_database_is_at_latest_schema_version(store):
    assert LATEST_VERSION == MIGRATIONS[-1].version
    assert schema_version(store.conn) == LATEST_VERSION
    rows = store.query("SELECT version, description FROM schema_version ORDER BY version")
    assert [r["version"] for r in rows] == [m.version for m in MIGRATIONS]
    assert all(r["description"] for r in rows)
    assert {"settings", "stations", "users", "merchants", "cases", "parties", "evidence"} <= (
        _tables(store.conn)
    )
    assert {"outbox", "case_counters", "case_search", "dirty_cases"} <= _tables(store.conn)
    # No database-wide switch of change capture: the origin belongs to each transaction.
    assert not {"change_capture", "session_actor"} & _tables(store.conn)
    assert store.integrity_check() == "ok"


def test_new_database_makes_no_backup(db_path):
    Store(db_path).close()
    backups = db_path.parent / "backups"
    assert not backups.exists() or list(backups.iterdir()) == []


def test_reopening_a_current_database_changes_nothing(db_path):
    Store(db_path).close()
    with Store(db_path) as store:
        assert schema_version(store.conn) == LATEST_VERSION
        assert store.scalar("SELECT count(*) FROM schema_version") == len(MIGRATIONS)
    backups = db_path.parent / "backups"
    assert not backups.exists() or list(backups.iterdir()) == []


def test_settings_round_trip(store):
    assert store.get_setting("missing") is None
    assert store.get_setting("missing", "fallback") == "fallback"
    store.set_setting("printer", "HP 1020")
    store.set_setting("printer", "Canon LBP")
    assert store.get_setting("printer") == "Canon LBP"


def test_nested_transaction_joins_the_outer_one(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("INSERT INTO settings VALUES ('outer', '1')")
        with store.transaction():
            store.execute("INSERT INTO settings VALUES ('inner', '1')")
        raise RuntimeError("fail after the inner block")
    assert store.get_setting("outer") is None
    assert store.get_setting("inner") is None
    assert not store.conn.in_transaction


# --------------------------------------------------------------------------- older schema


def _make_schema_1_database(db_path: Path) -> str:
    """A database as schema 1 left it, holding one case with two parties; returns the case id."""
    old = Store(db_path, migrate=False)
    migrate_to_latest(old, backup_dir=db_path.parent / "backups", target=1)
    assert schema_version(old.conn) == 1
    assert "case_search" not in _tables(old.conn)
    # The first migration of a fresh database needs no backup (there is nothing to lose).
    assert not (db_path.parent / "backups").exists()
    now = "2025-06-01T08:00:00.000Z"
    sql = old.execute
    sql("INSERT INTO settings VALUES ('local_station_code', 'RC-MT')")
    sql(
        "INSERT INTO stations(id, code, name, level, owner_station, created_at, updated_at)"
        " VALUES ('st-1', 'RC-MT', '茅台镇消费者投诉站', 'township', 'RC-MT', ?, ?)",
        (now, now),
    )
    sql(
        "INSERT INTO merchants(id, name, address, owner_station, created_at, updated_at)"
        " VALUES ('m-1', '老街农资店', '茅台镇老街3号', 'RC-MT', ?, ?)",
        (now, now),
    )
    sql("INSERT INTO case_counters VALUES ('RC-MT', 2025, 17)")
    sql(
        "INSERT INTO cases(id, case_no, kind, channel, status, received_at, merchant_id,"
        " merchant_name, amount_fen, request, facts, owner_station, created_at, updated_at)"
        " VALUES ('case-old', 'RC-MT-2025-00017', 'complaint', 'phone', 'registered',"
        " '2025-06-01 08:00', 'm-1', '老街农资店', 8800, '赔偿损失', '化肥结块无法使用', 'RC-MT', ?, ?)",
        (now, now),
    )
    for local, (pid, role, name, phone) in enumerate(
        [
            ("p-1", "complainant", "欧阳娜娜", "13987654321"),
            ("p-2", "agent", "王律师", "0851-22334455"),
        ]
    ):
        sql(
            "INSERT INTO parties(id, case_id, role, position, name, phone, owner_station,"
            " created_at, updated_at) VALUES (?, 'case-old', ?, ?, ?, ?, 'RC-MT', ?, ?)",
            (pid, role, local, name, phone, now, now),
        )
    old.close()
    return "case-old"


def test_older_schema_is_migrated_with_a_backup_and_old_cases_are_searchable(db_path):
    _make_schema_1_database(db_path)
    with Store(db_path) as store:
        assert schema_version(store.conn) == LATEST_VERSION
        assert [r["version"] for r in store.query("SELECT version FROM schema_version")] == [
            m.version for m in MIGRATIONS
        ]
        # The old case is found by name, by phone digits, by case number and by its facts.
        for query in ("欧阳", "娜", "6543", "2025-00017", "00017", "老街农资", "化肥结块"):
            rows = search_cases(store, query)
            assert [r.case_no for r in rows] == ["RC-MT-2025-00017"], query
        assert list(case_ids(store, CaseFilter(text="13987654321"))) != []
        case = get_case(store, "RC-MT-2025-00017")
        assert case is not None
        assert case.amount == Decimal("88.00")
        assert case.agent is not None and case.agent.name == "王律师"
        assert case.merchant is not None and case.merchant.id == "m-1"
        # The counter carried over: the next case continues the old sequence.
        new = add_case(
            store,
            Case(
                kind=CaseKind.COMPLAINT,
                channel=Channel.PHONE,
                received_at=datetime(2025, 12, 30, 10, 0),
                complainants=[Party(name="李四")],
            ),
            station_code="RC-MT",
            created_by="admin",
        )
        assert new.case_no == "RC-MT-2025-00018"

    backups = sorted((db_path.parent / "backups").glob("*.db"))
    assert len(backups) == 1
    assert backups[0].name.startswith("station-v1-")
    copy = sqlite3.connect(backups[0])
    try:
        assert schema_version(copy) == 1
        assert "case_search" not in _tables(copy)
        assert copy.execute("SELECT case_no FROM cases").fetchall() == [("RC-MT-2025-00017",)]
        assert copy.execute("SELECT count(*) FROM parties").fetchone() == (2,)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        copy.close()


def test_backup_goes_to_the_given_folder(db_path, tmp_path):
    _make_schema_1_database(db_path)
    elsewhere = tmp_path / "usb-stick" / "backups"
    Store(db_path, backup_dir=elsewhere).close()
    assert len(list(elsewhere.glob("station-v1-*.db"))) == 1
    assert not (db_path.parent / "backups").exists()


# --------------------------------------------------------------------------- newer schema


def test_newer_schema_is_refused_and_the_file_is_left_unchanged(db_path):
    with Store(db_path) as store:
        store.execute(
            "INSERT INTO schema_version VALUES (99, 'from the future', '2030-01-01T00:00:00')"
        )
    before = _file_digest(db_path)
    before_mtime = db_path.stat().st_mtime_ns

    with pytest.raises(NewerSchemaError) as caught:
        Store(db_path)
    message = str(caught.value)
    assert "newer version" in message
    assert "99" in message and str(LATEST_VERSION) in message
    assert "Nothing was changed" in message
    assert isinstance(caught.value, StoreError)
    del caught
    gc.collect()

    assert _file_digest(db_path) == before
    assert db_path.stat().st_mtime_ns == before_mtime
    assert not (db_path.parent / "backups").exists()
    check = sqlite3.connect(db_path)
    try:
        assert schema_version(check) == 99
    finally:
        check.close()


def test_refused_database_is_not_kept_open(db_path):
    """After the refusal the file must be free (on Windows an open file cannot be replaced)."""
    with Store(db_path) as store:
        store.execute("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01T00:00:00')")
    with pytest.raises(NewerSchemaError) as caught:
        Store(db_path)
    # The exception (and its traceback) is still alive here, as in an error dialog.
    assert caught.value is not None
    assert not _holds_open(db_path)


# --------------------------------------------------------------------------- failed migration


def _failing_sql(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE half_done (x INTEGER)")
    conn.execute("INSERT INTO half_done VALUES (1)")
    conn.execute("ALTER TABLE cases ADD COLUMN half_done_column TEXT")
    conn.execute("SELECT * FROM table_that_does_not_exist")


def _failing_python(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE half_done (x INTEGER)")
    conn.execute("ALTER TABLE cases ADD COLUMN half_done_column TEXT")
    raise RuntimeError("bug in the new migration")


@pytest.mark.parametrize(
    ("apply", "expected"), [(_failing_sql, StoreError), (_failing_python, RuntimeError)]
)
def test_failed_migration_leaves_the_database_at_its_old_version(
    db_path, monkeypatch, apply, expected
):
    with Store(db_path) as store:
        store.execute("INSERT INTO settings VALUES ('marker', 'kept')")
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        (*MIGRATIONS, Migration(LATEST_VERSION + 1, "a broken migration", apply)),
    )
    monkeypatch.setattr(migrations, "LATEST_VERSION", LATEST_VERSION + 1)
    monkeypatch.setitem(migrate_to_latest.__kwdefaults__, "target", LATEST_VERSION + 1)

    with pytest.raises(expected) as caught:
        Store(db_path)

    # Nothing of the half-applied migration is left, and the file is free for the next try.
    assert not _holds_open(db_path)
    del caught
    check = sqlite3.connect(db_path, timeout=0.1)
    try:
        assert schema_version(check) == LATEST_VERSION
        assert "half_done" not in _tables(check)
        columns = [row[1] for row in check.execute("PRAGMA table_info(cases)")]
        assert "half_done_column" not in columns
        assert check.execute("SELECT value FROM settings WHERE key='marker'").fetchone() == (
            "kept",
        )
        check.execute("BEGIN IMMEDIATE")  # not locked by a leftover transaction
        check.execute("ROLLBACK")
    finally:
        check.close()
    # A backup of the untouched version was made before the attempt.
    assert len(list((db_path.parent / "backups").glob(f"station-v{LATEST_VERSION}-*.db"))) == 1


def test_failed_migration_on_an_open_store_rolls_back(db_path, monkeypatch):
    store = Store(db_path)
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        (*MIGRATIONS, Migration(LATEST_VERSION + 1, "a broken migration", _failing_sql)),
    )
    monkeypatch.setattr(migrations, "LATEST_VERSION", LATEST_VERSION + 1)
    with pytest.raises(StoreError):
        migrate_to_latest(store, backup_dir=db_path.parent / "backups", target=LATEST_VERSION + 1)
    assert not store.conn.in_transaction
    assert schema_version(store.conn) == LATEST_VERSION
    assert "half_done" not in _tables(store.conn)
    store.close()


# --------------------------------------------------------------------------- read-only


def test_explain_sqlite_error_on_a_really_read_only_connection(db_path, admin, store, new_case):
    add_case(store, new_case(), station_code="RC-MT", created_by="admin")
    before = store.scalar("SELECT count(*) FROM cases")
    readonly = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            readonly.execute("INSERT INTO settings(key, value) VALUES ('printer', 'HP')")
        message = explain_sqlite_error(caught.value)
        assert "read-only" in message
        assert "Nothing was saved" in message
        assert readonly.execute("SELECT count(*) FROM cases").fetchone() == (before,)
    finally:
        readonly.close()
    assert store.get_setting("printer") is None


def test_read_only_store_refuses_to_save_with_a_clear_message(store, admin, new_case):
    add_case(store, new_case(), station_code="RC-MT", created_by="admin")
    outbox_before = store.scalar("SELECT count(*) FROM outbox")
    # Root ignores file permissions, so make SQLite itself refuse writes on this connection.
    store.execute("PRAGMA query_only = ON")
    with pytest.raises(StoreError) as caught:
        add_case(store, new_case(name="李四"), station_code="RC-MT", created_by="admin")
    assert "read-only" in str(caught.value)
    assert "Nothing was saved" in str(caught.value)
    assert not store.conn.in_transaction
    store.execute("PRAGMA query_only = OFF")
    assert count_cases(store) == 1
    assert _counter(store) == 1
    assert store.scalar("SELECT count(*) FROM outbox") == outbox_before
    assert add_case(store, new_case(), station_code="RC-MT", created_by="admin").case_no == (
        "RC-MT-2026-00002"
    )


def test_read_only_message_goes_through_the_translation_catalogue(monkeypatch):
    english = explain_sqlite_error(sqlite3.OperationalError("attempt to write a readonly database"))
    chinese = "数据文件夹是只读的，无法写入。没有保存任何内容。"
    monkeypatch.setattr(i18n, "load_catalogue", lambda language: {english: chinese})
    i18n.set_language("zh_CN")
    assert (
        explain_sqlite_error(sqlite3.OperationalError("attempt to write a readonly database"))
        == chinese
    )


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("attempt to write a readonly database", "read-only"),
        ("database or disk is full", "disk is full"),
        ("database is locked", "busy"),
        ("database disk image is malformed", "damaged"),
        ("file is not a database", "damaged"),
        ("unable to open database file", "may have been pulled out"),
        ("disk I/O error", "may have been pulled out"),
        ("no such table: xyz", "no such table: xyz"),
    ],
)
def test_explain_sqlite_error_messages(error, words):
    assert words in explain_sqlite_error(sqlite3.OperationalError(error))


def test_missing_folder_gives_a_store_error(tmp_path):
    with pytest.raises(StoreError) as caught:
        Store(tmp_path / "no" / "such" / "folder" / "station.db")
    assert "may have been pulled out" in str(caught.value)


def test_damaged_file_gives_a_store_error(db_path):
    db_path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StoreError) as caught:
        Store(db_path)
    assert "damaged" in str(caught.value)


# --------------------------------------------------------------------------- disk full


@pytest.mark.parametrize(
    "big",
    [
        # Fails at the case row, after the counter and the merchant were written.
        {"name": "王五", "merchant": "新开的五金店", "facts": "冰箱" * 50_000},
        # Fails at the first write of the transaction (a new merchant): SQLite then rolls the
        # whole transaction back by itself.
        {"name": "王五", "merchant": "五金" * 50_000, "facts": "冰箱"},
    ],
    ids=["at-case-row", "at-first-write"],
)
def test_disk_full_saves_nothing_and_keeps_numbering_gapless(store, admin, new_case, big):
    first = add_case(store, new_case(), station_code="RC-MT", created_by="admin")
    assert first.case_no == "RC-MT-2026-00001"
    cases_before = count_cases(store)
    outbox_before = store.scalar("SELECT count(*) FROM outbox")
    parties_before = store.scalar("SELECT count(*) FROM parties")
    merchants_before = store.scalar("SELECT count(*) FROM merchants")

    pages = store.scalar("PRAGMA page_count")
    assert store.scalar(f"PRAGMA max_page_count = {pages}") == pages
    with pytest.raises(StoreError) as caught:
        add_case(store, new_case(**big), station_code="RC-MT", created_by="admin")
    assert "disk is full" in str(caught.value)
    assert "Nothing was saved" in str(caught.value)
    assert not store.conn.in_transaction

    assert count_cases(store) == cases_before
    assert _counter(store) == 1
    assert store.scalar("SELECT count(*) FROM outbox") == outbox_before
    assert store.scalar("SELECT count(*) FROM parties") == parties_before
    assert store.scalar("SELECT count(*) FROM merchants") == merchants_before
    assert search_cases(store, "王五") == []

    store.execute("PRAGMA max_page_count = 1073741823")
    retry = add_case(
        store,
        new_case(name="王五", facts="冰箱" * 50_000),
        station_code="RC-MT",
        created_by="admin",
    )
    assert retry.case_no == "RC-MT-2026-00002"
    assert store.integrity_check() == "ok"


def test_disk_full_at_any_point_of_a_save_saves_nothing(store, admin, new_case):
    """Let the file grow a little more each time: the save fails at different statements and
    at COMMIT (when the search index is flushed), and every failure leaves nothing behind."""
    facts = "".join(chr(0x4E00 + i % 20000) for i in range(50_000))
    assert add_case(store, new_case(), station_code="RC-MT", created_by="admin").case_no == (
        "RC-MT-2026-00001"
    )
    outbox_before = store.scalar("SELECT count(*) FROM outbox")
    pages = store.scalar("PRAGMA page_count")
    failed_at = set()
    for extra in range(0, 2000, 6):
        store.execute(f"PRAGMA max_page_count = {pages + extra}")
        try:
            saved = add_case(
                store, new_case(name="王五", facts=facts), station_code="RC-MT", created_by="admin"
            )
        except StoreError as error:
            assert "disk is full" in str(error)
            frames = [f.name for f in traceback.extract_tb(error.__traceback__)]
            failed_at.add("statement" if "execute" in frames else "commit")
            assert not store.conn.in_transaction
            assert count_cases(store) == 1
            assert _counter(store) == 1
            assert store.scalar("SELECT count(*) FROM outbox") == outbox_before
            assert search_cases(store, "王五") == []
            continue
        assert saved.case_no == "RC-MT-2026-00002"
        break
    else:
        raise AssertionError("the case was never saved")
    assert failed_at == {"statement", "commit"}
    assert get_case(store, saved.case_no).facts == facts
    assert [r.case_no for r in search_cases(store, "王五")] == [saved.case_no]
    store.execute("PRAGMA max_page_count = 1073741823")
    assert store.integrity_check() == "ok"


def _fill_until_full(store: Store, station: str) -> None:
    """Add case counters of other years until the (capped) database file is full."""
    pages = store.scalar("PRAGMA page_count")
    store.execute(f"PRAGMA max_page_count = {pages}")
    for year in range(1000, 9000):
        try:
            store.conn.execute("INSERT INTO case_counters VALUES (?, ?, 1)", (station, year))
        except driver.OperationalError as error:
            assert "full" in str(error)
            return
    raise AssertionError("the database never filled up")


def test_disk_full_at_the_first_write_of_a_case(store, admin, new_case):
    """The counter is the first write of add_case when the merchant is known; on SQLITE_FULL
    SQLite rolls the whole transaction back by itself, and the store must cope with that."""
    first = add_case(store, new_case(), station_code="RC-MT", created_by="admin")
    outbox_before = store.scalar("SELECT count(*) FROM outbox")
    _fill_until_full(store, "XX")
    counters_before = store.scalar("SELECT count(*) FROM case_counters")

    with pytest.raises(StoreError) as caught:
        add_case(store, new_case(), station_code="RC-NEW", created_by="admin")
    assert "disk is full" in str(caught.value)
    assert not store.conn.in_transaction
    assert count_cases(store) == 1
    assert store.scalar("SELECT count(*) FROM case_counters") == counters_before
    assert _counter(store, "RC-NEW") is None
    assert store.scalar("SELECT count(*) FROM outbox") == outbox_before

    store.execute("PRAGMA max_page_count = 1073741823")
    assert first.case_no == "RC-MT-2026-00001"
    again = add_case(store, new_case(), station_code="RC-NEW", created_by="admin")
    assert again.case_no == "RC-NEW-2026-00001"


def test_disk_full_when_saving_a_setting(store):
    store.set_setting("printer", "HP")
    pages = store.scalar("PRAGMA page_count")
    store.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError) as caught:
        store.set_setting("printer", "x" * 100_000)
    assert "disk is full" in str(caught.value)
    assert not store.conn.in_transaction
    assert store.get_setting("printer") == "HP"


# --------------------------------------------------------------------------- awkward text


AWKWARD_NAMES = [
    "𠮷野家",
    "王😀芳",
    "O'Brien\"; DROP TABLE cases;--",
    "100%_张",
    "Robert'); DELETE FROM parties; --",
]


def test_huge_facts_and_awkward_text_round_trip_exactly(store, admin):
    facts = ("消费者称𠮷😀" + "x" * 93 + "\n") * 1000
    assert len(facts) == 100_000
    saved = []
    for i, name in enumerate(AWKWARD_NAMES):
        merchant = Merchant(name=f"{name}商行", address=f"100%_路{i}号 O'Brien")
        case = Case(
            kind=CaseKind.COMPLAINT,
            channel=Channel.WALK_IN,
            received_at=datetime(2026, 3, 2, 9, i),
            complainants=[Party(name=name, phone="13812346721", address="街道'%_\"")],
            merchant=merchant,
            facts=facts if i == 0 else f"{name} 的事实",
            request="';--",
        )
        saved.append(add_case(store, case, station_code="RC-MT", created_by="admin"))

    assert {"cases", "parties", "merchants"} <= _tables(store.conn)
    for i, name in enumerate(AWKWARD_NAMES):
        back = get_case(store, saved[i].case_no)
        assert back is not None
        assert back.complainants[0].name == name
        assert back.complainants[0].address == "街道'%_\""
        assert back.merchant is not None
        assert back.merchant.name == f"{name}商行"
        assert back.merchant.address == f"100%_路{i}号 O'Brien"
        assert back.request == "';--"
    assert get_case(store, saved[0].case_no).facts == facts
    assert len(get_case(store, saved[0].case_no).facts) == 100_000


def test_awkward_names_are_found_by_search(store, add):
    cases = {name: add(name=name, merchant=f"{name}商行") for name in AWKWARD_NAMES}
    assert [r.case_no for r in search_cases(store, "𠮷")] == [cases["𠮷野家"].case_no]
    assert [r.case_no for r in search_cases(store, "𠮷野")] == [cases["𠮷野家"].case_no]
    assert [r.case_no for r in search_cases(store, "王😀芳")] == [cases["王😀芳"].case_no]
    hits = search_cases(store, "O'Brien\"; DROP TABLE cases;--")
    assert [r.case_no for r in hits] == [cases["O'Brien\"; DROP TABLE cases;--"].case_no]
    assert [r.complainant for r in hits] == ["O'Brien\"; DROP TABLE cases;--"]
    assert [r.case_no for r in search_cases(store, "100%_张")] == [cases["100%_张"].case_no]
    # Metacharacters alone match nothing (and do not match everything).
    for query in ("%", "_", "%_", "'", '"', "*", "--", ";", "' OR '1'='1", '"*'):
        assert search_cases(store, query) == [], query
        assert list(case_ids(store, CaseFilter(text=query))) == [], query
    assert count_cases(store) == len(AWKWARD_NAMES)


def test_merchant_autocomplete_treats_like_wildcards_literally(store, add):
    add(merchant="100%_农资店", merchant_address="一号")
    add(merchant="普通农资店", merchant_address="二号")
    add(merchant="O'Brien\"; DROP TABLE cases;--", merchant_address="三号")
    assert [m.name for m in find_merchants(store, "%")] == ["100%_农资店"]
    assert [m.name for m in find_merchants(store, "_")] == ["100%_农资店"]
    assert [m.name for m in find_merchants(store, "%_农")] == ["100%_农资店"]
    assert sorted(m.name for m in find_merchants(store, "农资店")) == ["100%_农资店", "普通农资店"]
    assert [m.name for m in find_merchants(store, "O'Brien\"; DROP")] == [
        "O'Brien\"; DROP TABLE cases;--"
    ]
    assert find_merchants(store, "   ") == []
    assert store.scalar("SELECT count(*) FROM merchants") == 3
