"""Upgrades: the data folder of every earlier schema version (tests/fixtures, each written by
the code of that version: tests/fixtures/make_fixtures.py) opens with today's code, migrated
to LATEST_VERSION after a backup, with every case, the search, the deadlines, the statistics,
the issued documents and the hash chains right; a migration that fails midway leaves the
database as it was; the migration reports its progress."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from station_app.case_edit import edit_case
from station_app.data_folder import DataFolder
from station_app.deadlines import DeadlineKind
from station_app.document_issuing import reprint
from station_app.store import Store, derived, migration_progress, migrations
from station_app.store.accounts import MAX_FAILURES, LoginOutcome, find_user, log_in
from station_app.store.case_events import progress_by_local_id
from station_app.store.case_list import search_cases
from station_app.store.cases import delete_case, get_case
from station_app.store.chain import verify_chains
from station_app.store.due import compute_for_case, recompute_case_deadlines, stored_deadlines
from station_app.store.holidays import load_calendar
from station_app.store.migration_progress import (
    STEP_BACKUP,
    STEP_DERIVED,
    STEP_MIGRATION,
    MigrationProgress,
)
from station_app.store.migrations import LATEST_VERSION, schema_version
from station_app.store.statistics import MEASURES, figure_rows, refresh_case_figures
from station_app.store.sync_apply import RemoteChange, apply_remote_changes
from station_app.store.sync_state import finish_batch, keep_batch
from tests.fixtures.make_fixtures import PASSWORD as FIXTURE_PASSWORD
from tests.support.cli import run
from tests.support.upgrade_fixtures import (
    MANIFEST,
    NEVER_RELEASED,
    file_schema_version,
    fixture_versions,
    unpack,
)

VERSIONS = fixture_versions()


def test_there_is_a_fixture_for_every_earlier_schema_version():
    """Every version from 1 to the one before today's, but for those no station database ever
    had: 16-19 arrived together with 20 from branches merged at once and were numbered 16-20
    at that merge (commit dec4c4b), so a station went from schema 15 to 20. The newest fixture
    is the version just before today's: the next migration fails this test until its merge
    brings the fixture of today's version (make_fixtures.py, from the last commit before it)."""
    assert VERSIONS == [v for v in range(1, LATEST_VERSION) if v not in NEVER_RELEASED]
    assert max(VERSIONS) == LATEST_VERSION - 1
    for version in VERSIONS:
        assert MANIFEST[version]["commit"], version


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture(params=VERSIONS, ids=[f"schema-{v}" for v in VERSIONS])
def upgraded(request, tmp_path):
    """(version, data folder, store, progress reports) of a fixture opened with today's code."""
    version = request.param
    data = unpack(version, tmp_path / "data")
    assert file_schema_version(data / "station.db") == version
    reports: list[MigrationProgress] = []
    with DataFolder(data) as folder, folder.open_store(progress=reports.append) as store:
        yield version, data, store, reports


def test_every_fixture_migrates_with_its_cases_documents_and_chains(upgraded):
    version, data, store, reports = upgraded
    entry = MANIFEST[version]
    assert schema_version(store.conn) == LATEST_VERSION
    # Every migration was applied, also one merged below a version the station already had
    # (7, the accounts, came to the main line after 8: the schema-8 file has 8 without 7).
    applied = [r["version"] for r in store.query("SELECT version FROM schema_version")]
    assert sorted(applied) == list(range(1, LATEST_VERSION + 1))

    # The backup was taken first, and it holds the database as it was.
    backups = sorted((data / "backups").glob("*-before-v*.db"))
    if version < LATEST_VERSION:
        assert [b.name for b in backups if f"-before-v{version}" in b.name] == [
            b.name for b in backups
        ]
        assert len(backups) == 1
        assert file_schema_version(backups[0]) == version
        assert reports[0].kind == STEP_BACKUP and reports[-1].finished
    else:
        assert backups == [] and reports == []

    assert store.scalar("PRAGMA integrity_check") == "ok"
    assert store.scalar("SELECT count(*) FROM cases") == entry["cases"]

    # The search finds the case of the known name (rebuilt by today's code when needed).
    found = [row.case_no for row in search_cases(store, entry["known_name"])]
    assert entry["known_case_no"] in found

    # Deadlines: every registered complaint has its acceptance deadline with a due date.
    missing = store.scalar(
        "SELECT count(*) FROM cases c WHERE c.kind = 'complaint' AND c.status = 'registered'"
        " AND c.deleted = 0 AND NOT EXISTS (SELECT 1 FROM case_deadlines d"
        " WHERE d.case_local_id = c.local_id AND d.kind = 'acceptance' AND d.due IS NOT NULL)"
    )
    assert missing == 0
    assert store.scalar(
        "SELECT d.due FROM case_deadlines d JOIN cases c ON c.local_id = d.case_local_id"
        " WHERE c.case_no = ? AND d.kind = 'acceptance'",
        (entry["known_case_no"],),
    )

    # Statistics: a figure for every live case, the same as today's code derives them afresh,
    # and the monthly totals are the sums of the cases' figures.
    live = store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")
    assert store.scalar("SELECT count(*) FROM case_figures") == live
    kept = store.query("SELECT * FROM case_figures ORDER BY case_local_id")
    with store.transaction():
        ids = [r[0] for r in store.execute("SELECT local_id FROM cases WHERE deleted = 0")]
        refresh_case_figures(store.conn, ids)
    assert store.query("SELECT * FROM case_figures ORDER BY case_local_id") == kept
    whole = figure_rows(store, date(2000, 1, 1), date(2099, 12, 31), None)
    assert sum(row.values["cases"] for row in whole) == live
    for measure in MEASURES:
        assert sum(row.values[measure] for row in whole) == store.scalar(
            f"SELECT coalesce(sum({measure}), 0) FROM case_figures"
        ), measure

    # Every issued document reprints, byte for byte what was issued.
    documents = store.query(
        "SELECT d.kind, d.sha256, c.case_no FROM issued_documents d"
        " JOIN cases c ON c.id = d.case_id WHERE d.superseded_by IS NULL"
    )
    assert len(documents) == entry["documents"]
    admin = find_user(store, "admin")
    for document in documents:
        issued = reprint(
            store,
            data,
            document["case_no"],
            document["kind"],
            user=admin,
            station_code=admin.station_code,
        )
        assert hashlib.sha256(issued.pdf).hexdigest() == document["sha256"]
        assert issued.pdf.startswith(b"%PDF")

    # The administrator set up with the station logs in; a wrong password counts towards the
    # lock (login_failures, migration 7).
    assert log_in(store, "admin", "wrong-password").failures_left == MAX_FAILURES - 1
    assert log_in(store, "admin", FIXTURE_PASSWORD).outcome == LoginOutcome.OK

    # The hash chains of the audit log and the case events verify.
    assert verify_chains(store) == []
    assert store.scalar("SELECT count(*) FROM case_events") >= entry["events"]


def test_every_upgraded_case_has_the_deadlines_todays_code_computes(upgraded):
    """Every case's stored deadlines (case_deadlines, and open_deadlines drawn from them) are
    what today's code computes afresh for it, of every kind: a rule changed since the
    fixture's version (fed45f5: the judicial-confirmation window ends at the joint
    application, the agreement's performance or the case's closing) leaves no stale row, and
    a closed case keeps no open deadline on the work list but an unperformed agreement's."""
    version, _data, store, _reports = upgraded
    calendar = load_calendar(store)
    cases = store.query("SELECT local_id, owner_station, received_at, deleted FROM cases")
    stored = stored_deadlines(store, [c["local_id"] for c in cases])
    stale = {}
    expected_open = set()
    for case in cases:
        local_id = case["local_id"]
        progress = progress_by_local_id(store, local_id)
        fresh = [] if progress is None else compute_for_case(store, progress, calendar)
        fresh = sorted((replace(d, warnings=()) for d in fresh), key=lambda d: d.kind.value)
        kept = sorted(stored[local_id], key=lambda d: d.kind.value)
        if kept != fresh:
            stale[local_id] = (kept, fresh)
        expected_open |= {
            (
                local_id,
                d.kind.value,
                case["owner_station"],
                d.due.isoformat(),
                case["received_at"][:10],
            )
            for d in fresh
            if d.met_on is None and d.due is not None
        }
    assert stale == {}, (version, len(stale))
    owners = store.scalar(
        "SELECT count(*) FROM case_deadlines d JOIN cases c ON c.local_id = d.case_local_id"
        " WHERE d.owner_station != c.owner_station"
    )
    assert owners == 0, version
    listed = {
        tuple(row)
        for row in store.execute(
            "SELECT case_local_id, kind, owner_station, due, received_on FROM open_deadlines"
        )
    }
    assert listed == expected_open, version
    # A closed case has no open deadline but its agreement's performance, which today's rule
    # keeps open until the performance is recorded (case_clock).
    closed_open = store.query(
        "SELECT d.kind, a.performed_on FROM case_deadlines d"
        " JOIN cases c ON c.local_id = d.case_local_id LEFT JOIN agreements a ON a.case_id = c.id"
        " WHERE c.status = 'closed' AND d.met_on IS NULL"
        " UNION ALL SELECT o.kind, a.performed_on FROM open_deadlines o"
        " JOIN cases c ON c.local_id = o.case_local_id LEFT JOIN agreements a ON a.case_id = c.id"
        " WHERE c.status = 'closed'"
    )
    assert {(r["kind"], r["performed_on"]) for r in closed_open} <= {
        ("agreement_performance", None)
    }, version


def _schema(path: Path) -> dict[tuple[str, str], str]:
    conn = sqlite3.connect(path)
    try:
        return {
            (t, n): sql for t, n, sql in conn.execute("SELECT type, name, sql FROM sqlite_master")
        }
    finally:
        conn.close()


def _found(store, query: str) -> list[str]:
    return [row.case_no for row in search_cases(store, query)]


def test_an_upgraded_database_keeps_its_search_index_right_through_edits(upgraded, tmp_path):
    """Whatever the station's history, an upgraded database ends with today's schema (the
    main line's first migration 8 left its own queue of dirty cases and triggers behind until
    migration 22), and the clerk's corrections, a soft delete and a pulled change move the
    search terms and the deadlines as on a new station."""
    version, _data, store, _reports = upgraded
    with Store(tmp_path / "fresh.db"):
        pass
    fresh = _schema(tmp_path / "fresh.db")
    upgraded_schema = _schema(store.path)
    assert {k: v for k, v in upgraded_schema.items() if fresh.get(k) != v} == {}, version
    assert set(fresh) == set(upgraded_schema), version

    entry = MANIFEST[version]
    admin = find_user(store, "admin")
    case_no = entry["known_case_no"]
    case = get_case(store, case_no)
    (complainant,) = case.complainants

    def edit(edits):
        result = edit_case(
            store,
            case_no,
            edits,
            user=admin,
            station_code=admin.station_code,
            today=date(2026, 12, 1),
            now=datetime(2026, 12, 1, 9, 0),
        )
        assert result.saved, version
        return result

    # A complainant's name, the facts and the merchant's name corrected; a party added.
    edit(
        {
            "complainants": [
                {"id": complainant.id, "name": "司马青云"},
                {"name": "诸葛晓岚", "phone": "13700004444"},
            ],
            "facts": "购买的琵琶弦断裂",
            "merchant": {"name": "翡翠湾乐器行"},
        }
    )
    for query in ("司马青云", "诸葛晓岚", "13700004444", "琵琶弦", "翡翠湾乐器行"):
        assert case_no in _found(store, query), (version, query)
    assert case_no not in _found(store, entry["known_name"]), version
    if case.facts:
        assert case_no not in _found(store, case.facts), version

    # The added party removed: its name and phone are no longer found.
    added = next(p for p in get_case(store, case_no).complainants if p.name == "诸葛晓岚")
    edit({"complainants": [{"id": complainant.id}]})
    assert case_no not in _found(store, "诸葛晓岚"), version
    assert case_no not in _found(store, "13700004444"), version
    assert case_no in _found(store, "司马青云"), version
    assert store.scalar("SELECT deleted FROM parties WHERE id = ?", (added.id,)) == 1

    # The deadlines are what today's code computes for the case as it is now.
    local_id = store.scalar("SELECT local_id FROM cases WHERE case_no = ?", (case_no,))
    kept = stored_deadlines(store, [local_id])
    with store.transaction():
        recompute_case_deadlines(store, local_id, load_calendar(store))
    assert stored_deadlines(store, [local_id]) == kept
    assert kept.get(local_id), version

    # Pushed (the server took the batch: its outbox entries go), then a change of the facts
    # pulled from the server moves the search terms too.
    first, last = store.query("SELECT min(seq) AS a, max(seq) AS b FROM outbox")[0].values()
    keep_batch(store, "push-1", first, last, "{}")
    finish_batch(store, "push-1")
    updated = store.scalar("SELECT updated_at FROM cases WHERE local_id = ?", (local_id,))
    result = apply_remote_changes(
        store,
        [
            RemoteChange(
                "cases",
                case.id,
                "update",
                {"facts": "购买的古筝面板开裂", "updated_at": updated},
                10_000_000,
                admin.station_code,
            )
        ],
    )
    assert result.applied == 1 and not result.rejected, (version, result)
    assert case_no in _found(store, "古筝面板"), version
    assert case_no not in _found(store, "琵琶弦"), version

    # Soft-deleted: found no more, under any term, and no deadline left.
    delete_case(store, case.id)
    for query in ("司马青云", "古筝面板", "翡翠湾乐器行"):
        assert case_no not in _found(store, query), (version, query)
    assert stored_deadlines(store, [local_id]).get(local_id, []) == []
    # Nothing left queued, and every case live in the index is one that is not deleted.
    assert store.scalar("SELECT count(*) FROM dirty_cases") == 0
    assert store.scalar("PRAGMA integrity_check") == "ok"


def test_the_queue_of_the_first_migration_8_is_made_over_and_loses_no_case(tmp_path):
    """The main line's first migration 8 queued a snapshot of each case (dirty_cases with
    was_indexed NOT NULL): migration 20's queueing of the reports under Order No. 121, which
    names the case alone, was dropped there by INSERT OR IGNORE, so their deadlines were
    never computed again. Migration 22 makes the queue over as today's migration 8 makes it,
    keeps what is queued, and queues those reports."""
    data = unpack(8, tmp_path / "data")
    store = Store(data / "station.db", migrate=False)
    try:
        migrations.migrate_to_latest(store, backup_dir=data / "backups", target=21)
        columns = [row[1] for row in store.conn.execute("PRAGMA table_info(dirty_cases)")]
        assert "was_indexed" in columns  # the old queue, still there at 21
        reports = {
            local_id
            for (local_id,) in store.conn.execute(migrations._SCHEMA_20_CASES_SQL).fetchall()
        }
        assert reports
        assert store.scalar("SELECT count(*) FROM dirty_cases") == 0  # migration 20 was lost
        store.conn.execute(
            "INSERT INTO dirty_cases VALUES (1, 1, 'RC-MT-FX-2026-00001', '', '', '')"
        )
        # (and the cases whose judicial-confirmation window migration 22 computes again)
        windows = {
            local_id
            for (local_id,) in store.conn.execute(migrations._SCHEMA_22_CASES_SQL).fetchall()
        }
        assert windows and not windows & reports
        migrations.migrate_to_latest(store, backup_dir=data / "backups")
        assert [row[1] for row in store.conn.execute("PRAGMA table_info(dirty_cases)")] == [
            "case_local_id"
        ]
        queued = {r for (r,) in store.conn.execute("SELECT case_local_id FROM dirty_cases")}
        assert queued == reports | windows | {1}
    finally:
        store.close()


def test_migration_22_queues_the_cases_whose_confirmation_window_ends_earlier_now(tmp_path):
    """Since fed45f5 the judicial-confirmation window ends at the joint application, the
    agreement's performance or the case's closing, whichever is first. Migration 22 queues, in
    one statement, the cases whose stored window may end otherwise now (open, or met by an
    application made after the performance or the closing) and closed cases with an open
    deadline; a window rightly met, and cases without one, are left alone. The deadlines of
    the queued cases are computed again after migrating, as today's code computes them."""
    data = unpack(12, tmp_path / "data")
    store = Store(data / "station.db", migrate=False)
    try:
        migrations.migrate_to_latest(store, backup_dir=data / "backups", target=21)
        conn = store.conn

        def agreement_case(status: str, skip: int = 0):
            return conn.execute(
                "SELECT c.local_id, c.id, a.agreed_on FROM cases c JOIN agreements a"
                " ON a.case_id = c.id WHERE c.status = ? ORDER BY c.local_id LIMIT 1 OFFSET ?",
                (status, skip),
            ).fetchone()

        def day(agreed_on: str, days: int) -> str:
            return (date.fromisoformat(agreed_on[:10]) + timedelta(days=days)).isoformat()

        def record(case, *, performed: int, applied: int) -> None:
            """The agreement performed and jointly applied for (days after it), and the
            window stored as the rule before fed45f5 had it: met by the application."""
            local_id, case_id, agreed_on = case
            conn.execute(
                "UPDATE agreements SET performed_on = ?, judicial_applied_on = ? WHERE case_id = ?",
                (day(agreed_on, performed), day(agreed_on, applied), case_id),
            )
            conn.execute(
                "UPDATE case_deadlines SET met_on = ? WHERE case_local_id = ?"
                " AND kind = 'judicial_confirmation'",
                (day(agreed_on, applied), local_id),
            )
            conn.execute(
                "UPDATE case_deadlines SET met_on = ? WHERE case_local_id = ?"
                " AND kind = 'agreement_performance'",
                (day(agreed_on, performed), local_id),
            )

        conn.execute("BEGIN")
        performed_first = agreement_case("agreed")
        record(performed_first, performed=2, applied=5)  # window ends at the performance now
        applied_first = agreement_case("agreed", 1)
        record(applied_first, performed=3, applied=1)  # stays met by the application
        closed_first = agreement_case("closed")
        closed_on = conn.execute(
            "SELECT substr(min(occurred_at), 1, 10) FROM case_events"
            " WHERE case_id = ? AND action = 'close'",
            (closed_first[1],),
        ).fetchone()[0]
        assert closed_on >= closed_first[2][:10]
        late = (date.fromisoformat(closed_on) - date.fromisoformat(closed_first[2][:10])).days
        record(closed_first, performed=late + 5, applied=late + 2)  # ends at the closing now
        conn.execute("DELETE FROM dirty_cases")
        conn.execute("COMMIT")
        open_windows = {
            local_id
            for (local_id,) in conn.execute(
                "SELECT case_local_id FROM case_deadlines"
                " WHERE kind = 'judicial_confirmation' AND met_on IS NULL"
            )
        }
        closed_with_open = {
            local_id
            for (local_id,) in conn.execute(
                "SELECT d.case_local_id FROM case_deadlines d JOIN cases c"
                " ON c.local_id = d.case_local_id WHERE c.status = 'closed' AND d.met_on IS NULL"
            )
        }
        assert open_windows and closed_with_open

        migrations.migrate_to_latest(store, backup_dir=data / "backups")
        queued = {local_id for (local_id,) in conn.execute("SELECT * FROM dirty_cases")}
        assert queued == open_windows | closed_with_open | {performed_first[0], closed_first[0]}
        assert applied_first[0] not in queued

        derived.rebuild_after_migration(store, 21)
        calendar = load_calendar(store)
        for case, ended in (
            (performed_first, day(performed_first[2], 2)),
            (applied_first, day(applied_first[2], 1)),
            (closed_first, closed_on),
        ):
            local_id = case[0]
            stored = {d.kind: d for d in stored_deadlines(store, [local_id])[local_id]}
            fresh = compute_for_case(store, progress_by_local_id(store, local_id), calendar)
            assert sorted(stored.values(), key=lambda d: d.kind.value) == sorted(
                (replace(d, warnings=()) for d in fresh), key=lambda d: d.kind.value
            )
            window = stored[DeadlineKind.JUDICIAL_CONFIRMATION]
            assert window.met_on == date.fromisoformat(ended)
        assert store.scalar("SELECT count(*) FROM dirty_cases") == 0
    finally:
        store.close()


def test_fixtures_hold_the_workflow_and_documents_of_their_version():
    """The fixtures are what they claim: workflow from schema 5 on, documents issued."""
    for version in VERSIONS:
        entry = MANIFEST[version]
        assert entry["cases"] >= 200
        if version >= 5:
            assert entry["agreements"] > 0 and entry["documents"] >= 4, version
            statuses = entry["statuses"]
            assert len(statuses) >= 4, (version, statuses)


def test_a_migration_merged_after_a_later_version_is_applied_too(tmp_path):
    """Migration 7 (the accounts) was made on a branch and reached the main line after 8: a
    database of that schema 8 has no 7. Opened, it gets 7 as well as 9 onwards, as steps of the
    upgrade after the backup, and its users log in (before, every login failed: no such table
    login_failures)."""
    data = unpack(8, tmp_path / "data")
    conn = sqlite3.connect(data / "station.db")
    assert [v for (v,) in conn.execute("SELECT version FROM schema_version")] == [
        1,
        2,
        3,
        4,
        5,
        6,
        8,
    ]
    conn.close()
    reports: list[MigrationProgress] = []
    with DataFolder(data) as folder, folder.open_store(progress=reports.append) as store:
        starts = [r for r in reports if not r.heartbeat and not r.finished]
        assert [r.kind for r in starts][:2] == [STEP_BACKUP, STEP_MIGRATION]
        assert [r.version for r in starts if r.kind == STEP_MIGRATION] == [
            7,
            *range(9, LATEST_VERSION + 1),
        ]
        assert starts[-1].kind == STEP_DERIVED and reports[-1].finished
        assert reports[0].steps == len(starts)
        assert log_in(store, "wang.officer", "wrong-password").outcome == LoginOutcome.WRONG
        assert log_in(store, "wang.officer", FIXTURE_PASSWORD).user.display_name == "王调解员"
    backups = list((data / "backups").glob("*-before-v8*.db"))
    assert len(backups) == 1 and file_schema_version(backups[0]) == 8


def test_a_migration_that_fails_midway_leaves_the_database_untouched(tmp_path, monkeypatch):
    version = VERSIONS[0]
    data = unpack(version, tmp_path / "data")
    before = _dump(data / "station.db")
    failing = (version + LATEST_VERSION) // 2 + 1  # some migrations after the first succeed

    def fail_after(apply):
        def broken(conn: sqlite3.Connection) -> None:
            apply(conn)  # the migration does its work, then something goes wrong
            raise RuntimeError("injected failure")

        return broken

    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        tuple(
            replace(m, apply=fail_after(m.apply)) if m.version == failing else m
            for m in migrations.MIGRATIONS
        ),
    )
    reports: list[MigrationProgress] = []
    with DataFolder(data) as folder, pytest.raises(RuntimeError, match="injected failure"):
        folder.open_store(progress=reports.append)
    # It got as far as the failing migration, and not further.
    reached = [r.version for r in reports if r.kind == STEP_MIGRATION]
    assert reached[-1] == failing and len(reached) == failing - version
    assert file_schema_version(data / "station.db") == version
    assert _dump(data / "station.db") == before
    backups = list((data / "backups").glob(f"*-before-v{version}*.db"))
    assert len(backups) == 1 and _dump(backups[0]) == before

    # Once the bug is fixed the same folder migrates.
    monkeypatch.undo()
    with DataFolder(data) as folder, folder.open_store() as store:
        assert schema_version(store.conn) == LATEST_VERSION


def test_progress_reports_every_step_in_order_with_heartbeats(tmp_path, monkeypatch):
    monkeypatch.setattr(migration_progress, "HEARTBEAT_SECONDS", 0.0)
    version = VERSIONS[0]
    data = unpack(version, tmp_path / "data")
    reports: list[MigrationProgress] = []
    with DataFolder(data) as folder, folder.open_store(progress=reports.append):
        pass
    starts = [r for r in reports if not r.heartbeat and not r.finished]
    steps = reports[0].steps
    assert steps == 1 + (LATEST_VERSION - version) + 1
    assert [r.step for r in starts] == list(range(1, steps + 1))
    assert [r.kind for r in starts] == [STEP_BACKUP] + [STEP_MIGRATION] * (
        LATEST_VERSION - version
    ) + [STEP_DERIVED]
    assert [r.version for r in starts if r.kind == STEP_MIGRATION] == list(
        range(version + 1, LATEST_VERSION + 1)
    )
    percents = [r.percent for r in reports]
    assert percents == sorted(percents) and percents[0] == 0
    assert reports[-1].finished and reports[-1].percent == 100
    assert sum(r.heartbeat for r in reports) > 0  # within the steps, not only between them
    # The rebuild of the search index (schema 1 to 8) is most of the time: the bar gives it
    # the larger share, and moves within it as the cases are indexed.
    derived = [r for r in reports if r.kind == STEP_DERIVED and not r.finished]
    assert derived[0].percent < 50
    assert len({r.percent for r in derived}) >= 3
    elapsed = [r.elapsed for r in reports]
    assert elapsed == sorted(elapsed)


def test_a_database_already_at_the_latest_schema_reports_nothing(tmp_path):
    data = unpack(VERSIONS[0], tmp_path / "data")
    with DataFolder(data) as folder, folder.open_store():
        pass
    reports: list[MigrationProgress] = []
    with DataFolder(data) as folder, folder.open_store(progress=reports.append):
        pass
    assert reports == []


def test_the_command_line_prints_a_line_per_step_with_the_percentage(tmp_path):
    version = VERSIONS[0]
    data = unpack(version, tmp_path / "data")
    entry = MANIFEST[version]
    done = run(data, "search", entry["known_name"])
    assert done.returncode == 0, done.stderr
    assert entry["known_case_no"] in done.stdout  # stdout stays the command's own output
    lines = re.findall(r"^\[(\d+)/(\d+)\]\s+(\d+)%\s+(.+)$", done.stderr, re.MULTILINE)
    steps = 1 + (LATEST_VERSION - version) + 1
    assert [int(step) for step, *_ in lines] == [*range(1, steps + 1), steps]
    assert {int(total) for _, total, *_ in lines} == {steps}
    assert [int(p) for _, _, p, _ in lines][-1] == 100
    assert lines[0][3] == f"Backing up the database (schema {version})"
    assert lines[1][3] == f"Upgrading the database to schema {version + 1}"
    assert lines[-2][3] == "Rebuilding the search index, deadlines and statistics"
    assert lines[-1][3].startswith("The database is up to date.")

    again = run(data, "search", entry["known_name"])
    assert again.returncode == 0 and "[1/" not in again.stderr
