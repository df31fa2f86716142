"""Backups, restore and check: a restored station equals the original; damage is named, never reused."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from station_app.backup import (
    BACKUP_FOLDER,
    SECOND_FOLDER_SETTING,
    daily_backup,
    daily_backup_due,
    list_backups,
    rotate,
)
from station_app.data_folder import MARKER_FILENAME, DataFolder
from station_app.evidence_files import attach_evidence
from station_app.store import DATABASE_FILENAME, Store, StoreError, folder_key
from station_app.store.cases import get_case
from station_app.store.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    migrate_to_latest,
    schema_version,
)
from tests.support.cli import EXAMPLE, init_station, run, set_authority
from tests.support.shell import open_shell

# The version before the newest migration (numbers may skip: each branch of work has its own).
PREVIOUS_VERSION = MIGRATIONS[-2].version


def _add_cases(data_dir: Path, count: int) -> list[str]:
    cases = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    batch = data_dir.parent / "batch.json"
    batch.write_text(json.dumps([cases] * count, ensure_ascii=False), encoding="utf-8")
    done = run(data_dir, "case", "add", "--json", str(batch))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["case_numbers"]


def _snapshot(data_dir: Path) -> dict[str, list]:
    """Every row of every table, in a comparable form."""
    conn = open_shell(data_dir / DATABASE_FILENAME)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}
    finally:
        conn.close()


def _file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def station(tmp_path) -> Path:
    """A set-up station with cases, an issued document and an evidence file."""
    data_dir = init_station(tmp_path / "data")
    set_authority(data_dir)
    numbers = _add_cases(data_dir, 3)
    assert run(data_dir, "case", "act", numbers[0], "accept").returncode == 0
    done = run(
        data_dir, "print", "acceptance_decision", numbers[0], "--out", str(tmp_path / "d.pdf")
    )
    assert done.returncode == 0, done.stderr
    photo = tmp_path / "receipt.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 receipt " + os.urandom(2000))
    with DataFolder(data_dir) as folder, folder.open_store() as store:
        case = get_case(store, numbers[1])
        attach_evidence(store, folder.evidence_dir, case.id, photo, owner="RC-MT")
    return data_dir


def test_restored_station_equals_the_original(station, tmp_path):
    rows, files = _snapshot(station), _file_hashes(station / "documents")
    evidence = _file_hashes(station / "evidence")
    search = run(station, "search", "张", "--json").stdout
    done = run(station, "backup")
    assert done.returncode == 0, done.stderr
    backup = list_backups(station / BACKUP_FOLDER)[-1].path
    # Later work, and lost files, that the restore must undo.
    later = _add_cases(station, 2)
    shutil.rmtree(station / "documents")
    shutil.rmtree(station / "evidence")

    done = run(station, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "set-aside" in done.stdout

    assert _snapshot(station) == rows
    assert _file_hashes(station / "documents") == files and files
    assert _file_hashes(station / "evidence") == evidence and evidence
    assert run(station, "search", "张", "--json").stdout == search
    assert run(station, "check").returncode == 0
    # The database it replaced is kept aside whole, with the later cases in it.
    aside = next((station / "set-aside").glob("station-before-restore-*.db"))
    assert str(aside) in done.stdout
    with Store(aside, migrate=False, key=folder_key(station)) as kept:
        assert kept.scalar("SELECT count(*) FROM cases WHERE case_no = ?", (later[-1],)) == 1


def test_a_backup_elsewhere_is_an_administrators_export_and_audited(station, tmp_path):
    """`backup --to` copies every name, phone and ID number out of the data folder: a clerk
    gets exit code 2 and nothing is copied; an administrator's copy is in the audit log."""
    from station_app.domain import Role, User
    from station_app.store.accounts import add_user

    with Store(station / DATABASE_FILENAME) as store:
        add_user(store, User("li.clerk", "李文书", Role.CLERK, "RC-MT"), "li-clerk-pass")
    usb = tmp_path / "usb"
    refused = run(
        station, "backup", "--to", str(usb), "--user", "li.clerk",
        env={"STATION_APP_PASSWORD": "li-clerk-pass"},
    )  # fmt: skip
    assert refused.returncode == 2 and "Only an administrator" in refused.stderr
    assert not usb.exists()
    # The data folder's own backup stays everyone's (and is not an export).
    assert run(station, "backup", env={"STATION_APP_PASSWORD": None}).returncode == 0
    done = run(station, "backup", "--to", str(usb), "--user", "admin")
    assert done.returncode == 0, done.stderr
    (copy,) = list_backups(usb)
    with Store(station / DATABASE_FILENAME) as store:
        rows = store.query(
            "SELECT actor, new_value FROM audit_log WHERE kind = 'reveal' AND case_id IS NULL"
        )
    assert [(r["actor"], r["new_value"]) for r in rows] == [
        ("admin", f"backup of 3 cases to {copy.path}")
    ]


def test_backup_to_another_folder_copies_files_once(station, tmp_path):
    usb = tmp_path / "usb"
    assert run(station, "backup", "--to", str(usb)).returncode == 0
    assert _file_hashes(usb / "documents") == _file_hashes(station / "documents")
    assert _file_hashes(usb / "evidence") == _file_hashes(station / "evidence")
    done = run(station, "backup", "--to", str(usb))
    assert done.returncode == 0 and "0 new files" in done.stdout
    assert len(list_backups(usb)) == 2
    copy = list_backups(usb)[-1].path
    assert not Path(f"{copy}-wal").exists()  # one self-contained file
    with Store(copy, migrate=False, key=folder_key(station)) as backup:
        assert backup.integrity_check(thorough=True) == "ok"
        assert backup.scalar("SELECT count(*) FROM cases") == 3


def test_restore_refuses_a_damaged_backup_and_changes_nothing(station, tmp_path):
    assert run(station, "backup").returncode == 0
    damaged = tmp_path / "station-20260101-000000.db"
    data = bytearray(list_backups(station / BACKUP_FOLDER)[-1].path.read_bytes())
    for offset in range(4096 * 3, len(data) - 4096, 4096):
        data[offset + 100 : offset + 400] = os.urandom(300)
    damaged.write_bytes(bytes(data))
    before = _snapshot(station)
    done = run(station, "restore", str(damaged))
    assert done.returncode == 1
    assert "damaged" in done.stderr and "Traceback" not in done.stderr
    assert _snapshot(station) == before
    assert not (station / "set-aside").exists()


@pytest.mark.parametrize("encrypted", [True, False])
def test_restore_refuses_another_stations_backup(station, tmp_path, encrypted):
    other = tmp_path / "other"
    assert (
        run(
            other, "init", "--code", "RC-XJ", "--name", "新街村", "--level", "village",
            "--parent", "RC-MT", "--admin", "admin", *([] if encrypted else ["--unencrypted"]),
            stdin="secret123\n",
        ).returncode
        == 0
    )  # fmt: skip
    assert run(other, "backup").returncode == 0
    before = _snapshot(station)
    done = run(station, "restore", str(list_backups(other / BACKUP_FOLDER)[-1].path))
    assert done.returncode == 1
    if encrypted:  # its own key: this station's cannot even read it
        assert "encrypted with another data folder's key" in done.stderr
    else:
        assert "RC-XJ" in done.stderr and "RC-MT" in done.stderr
    assert _snapshot(station) == before


@pytest.mark.parametrize(
    ("content", "said"),
    [(b"", "empty (0 bytes)"), (b"PK\x03\x04 not a database" * 100, "not a database file")],
)
def test_a_damaged_database_stops_every_command_and_is_never_overwritten(station, content, said):
    assert run(station, "backup").returncode == 0
    for suffix in ("-wal", "-shm"):
        Path(f"{station / DATABASE_FILENAME}{suffix}").unlink(missing_ok=True)
    (station / DATABASE_FILENAME).write_bytes(content)
    backup = list_backups(station / BACKUP_FOLDER)[-1].path
    for command in (
        ["search", "张", "--json"],
        ["case", "add", "--json", str(EXAMPLE)],
        ["due", "--json"],
        ["check"],
    ):
        done = run(station, *command)
        assert done.returncode == 1, command
        assert said in done.stdout + done.stderr
        assert f'station-app restore "{backup}"' in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert (station / DATABASE_FILENAME).read_bytes() == content
    with pytest.raises(StoreError, match="restore"):
        DataFolder(station).open_store()
    assert (station / DATABASE_FILENAME).read_bytes() == content
    from station_app.selftest import check_database

    result = check_database(station)
    assert not result.ok and said in result.detail
    # The way back works.
    assert run(station, "restore", str(backup)).returncode == 0
    assert run(station, "check").returncode == 0


def test_a_missing_database_of_a_set_up_station_is_not_made_anew(station):
    (station / DATABASE_FILENAME).unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{station / DATABASE_FILENAME}{suffix}").unlink(missing_ok=True)
    done = run(station, "case", "add", "--json", str(EXAMPLE))
    assert done.returncode == 1 and "is missing" in done.stderr
    assert not (station / DATABASE_FILENAME).exists()


def test_a_page_corrupted_database_is_named_by_check_and_selftest(station):
    _add_cases(station, 40)
    path = station / DATABASE_FILENAME
    with Store(path, migrate=False) as store:
        store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = int(store.scalar("PRAGMA page_size"))  # (SQLCipher gives it as text)
        root = store.scalar("SELECT rootpage FROM sqlite_master WHERE name = 'parties'")
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size + 8)
        f.write(os.urandom(page_size - 16))
    done = run(station, "check")
    assert done.returncode == 1, done.stderr
    assert "[FAILED]" in done.stdout, done.stderr and "damaged" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    from station_app.selftest import check_database

    result = check_database(station)
    assert not result.ok and "restore" in result.detail
    done = run(station, "search", "张", "--json")
    assert done.returncode == 1 and f"restore the newest backup from {station / 'backups'}" in (
        done.stderr
    )


def test_check_names_a_missing_or_changed_document_and_an_old_backup(station):
    shutil.rmtree(station / BACKUP_FOLDER)  # the set-up commands took the day's backup
    assert run(station, "check").returncode == 1  # no backup yet
    assert run(station, "backup").returncode == 0
    assert run(station, "check").returncode == 0
    pdf = next((station / "documents").rglob("*.pdf"))
    pdf.write_bytes(b"%PDF-1.4 changed")
    done = run(station, "check", "--json")
    assert done.returncode == 1
    outcome = {c["check"]: c for c in json.loads(done.stdout)}
    assert not outcome["Issued documents"]["ok"]
    assert "changed or damaged" in outcome["Issued documents"]["problems"][0]
    assert outcome["Database integrity"]["ok"] and outcome["Evidence files"]["ok"]


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "data" / DATABASE_FILENAME
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (name TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a station database"):
        Store(path)
    assert path.read_bytes() == before


def test_rotation_keeps_14_daily_and_12_monthly(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    start = datetime(2025, 1, 1, 8, 0)
    for day in range(500):
        for hour in (8, 15):
            made = start + timedelta(days=day, hours=hour - 8)
            (folder / f"station-{made:%Y%m%d-%H%M%S}.db").write_bytes(b"x")
    for n in range(8):
        (folder / f"station-2025010{n % 9 + 1}-070000-before-v{n}.db").write_bytes(b"x")
    rotate(folder, today=(start + timedelta(days=500)).date())
    kept = list_backups(folder)
    regular = [b for b in kept if not b.before_migration]
    days = sorted({b.made_at.date() for b in regular})
    last = (start + timedelta(days=499)).date()
    assert [d for d in days if (last - d).days < 14] == [
        last - timedelta(days=n) for n in range(13, -1, -1)
    ]
    assert len({(b.made_at.year, b.made_at.month) for b in regular}) == 12
    assert all(b.made_at.hour == 15 for b in regular)  # the newest of its day
    assert len(regular) == len(days) <= 14 + 12
    assert len([b for b in kept if b.before_migration]) == 5


def test_rotation_keeps_the_newest_of_each_of_the_last_4_weeks(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    start = datetime(2026, 1, 5, 9, 0)  # a Monday
    for day in range(70):  # a copy a day for ten weeks
        made = start + timedelta(days=day)
        (folder / f"station-{made:%Y%m%d-%H%M%S}.db").write_bytes(b"x")
    last = start + timedelta(days=69)
    rotate(folder, today=last.date())
    kept = {b.made_at for b in list_backups(folder)}
    daily = {start + timedelta(days=d) for d in range(70)}
    newest_of_week: dict[tuple[int, int], datetime] = {}
    for made in sorted(daily):
        newest_of_week[made.isocalendar()[:2]] = made
    weekly = {newest_of_week[w] for w in sorted(newest_of_week)[-4:]}
    assert weekly <= kept
    newest_of_month = {
        max(m for m in daily if (m.year, m.month) == (d.year, d.month)) for d in daily
    }
    older = {m for m in kept if (last - m).days >= 14}
    assert older and older <= weekly | newest_of_month
    removed = daily - kept
    assert removed and not removed & (weekly | newest_of_month)


def test_rotation_never_removes_the_newest_or_an_only_copy(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    only = folder / "station-20200101-080000.db"
    only.write_bytes(b"x")
    assert rotate(folder, today=datetime(2026, 11, 30).date()) == []
    assert only.exists()
    # a clock set years ahead made a copy "in the future"; a copy made before a migration is
    # the newest of all: neither is removed, whatever today is
    future = folder / "station-20990101-080000.db"
    future.write_bytes(b"x")
    newest = folder / "station-21000101-080000-before-v9.db"
    newest.write_bytes(b"x")
    for n in range(6):
        (folder / f"station-2019010{n + 1}-070000-before-v{n}.db").write_bytes(b"x")
    rotate(folder, today=datetime(2026, 11, 30).date())
    assert future.exists() and newest.exists() and only.exists()


def test_a_writing_command_takes_the_days_backup_once_and_says_so(tmp_path):
    data_dir = init_station(tmp_path / "data")
    shutil.rmtree(data_dir / BACKUP_FOLDER, ignore_errors=True)
    assert run(data_dir, "search", "张", "--json").returncode == 0
    assert not list_backups(data_dir / BACKUP_FOLDER)  # reading takes no backup
    numbers = _add_cases(data_dir, 1)
    made = list_backups(data_dir / BACKUP_FOLDER)
    assert len(made) == 1 and not made[0].before_migration
    with Store(
        made[0].path, migrate=False, key=folder_key(data_dir)
    ) as copy:  # taken after the command's own save
        assert copy.scalar("SELECT count(*) FROM cases WHERE case_no = ?", (numbers[0],)) == 1
    done = run(data_dir, "case", "act", numbers[0], "accept")
    assert done.returncode == 0, done.stderr
    assert "backup" not in done.stderr.lower() and "备份" not in done.stderr
    assert len(list_backups(data_dir / BACKUP_FOLDER)) == 1  # once a day


def test_the_days_backup_is_announced_on_stderr(tmp_path):
    data_dir = init_station(tmp_path / "data")
    shutil.rmtree(data_dir / BACKUP_FOLDER, ignore_errors=True)
    cases = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    batch = tmp_path / "one.json"
    batch.write_text(json.dumps([cases], ensure_ascii=False), encoding="utf-8")
    done = run(data_dir, "case", "add", "--json", str(batch))
    assert done.returncode == 0
    path = list_backups(data_dir / BACKUP_FOLDER)[0].path
    assert str(path) in done.stderr
    assert json.loads(done.stdout)["case_numbers"]  # stdout stays the command's JSON


def test_daily_backup_once_a_day_and_to_the_second_folder(station, tmp_path):
    usb = tmp_path / "usb"
    shutil.rmtree(station / BACKUP_FOLDER)  # the set-up commands took the day's backup
    with DataFolder(station) as folder, folder.open_store() as store:
        assert daily_backup_due(station)
        store.set_setting(SECOND_FOLDER_SETTING, str(usb))
        result = daily_backup(store, station)
        assert result.second_copy is not None and result.second_copy.exists()
        assert not result.warnings
        assert not daily_backup_due(station)
        assert _file_hashes(usb / "documents") == _file_hashes(station / "documents")
        # A second folder that is not there (the stick is unplugged) warns; the backup stands.
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("x")
        store.set_setting(SECOND_FOLDER_SETTING, str(blocker / "backups"))
        result = daily_backup(store, station)
        assert result.path.exists() and result.warnings


def test_a_migration_backs_up_the_database_and_files_first(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with Store(data_dir / DATABASE_FILENAME, migrate=False) as old:
        migrate_to_latest(old, backup_dir=data_dir / BACKUP_FOLDER, target=PREVIOUS_VERSION)
    pdf = data_dir / "documents" / "ab" / ("ab" + "0" * 62 + ".pdf")
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.4 issued")
    with DataFolder(data_dir) as folder, folder.open_store() as store:
        assert schema_version(store.conn) == LATEST_VERSION
    made = list_backups(data_dir / BACKUP_FOLDER)
    assert len(made) == 1 and made[0].before_migration
    assert made[0].path.name.endswith(f"-before-v{PREVIOUS_VERSION}.db")
    with Store(made[0].path, migrate=False, key=folder_key(data_dir)) as copy:
        assert schema_version(copy.conn) == PREVIOUS_VERSION
    assert (data_dir / BACKUP_FOLDER / pdf.relative_to(data_dir)).read_bytes() == pdf.read_bytes()


def test_the_marker_names_the_station(station):
    marker = json.loads((station / MARKER_FILENAME).read_text(encoding="utf-8"))
    assert marker["station_code"] == "RC-MT"


def test_check_finds_an_audit_row_rewritten_behind_the_apps_back(station):
    assert run(station, "backup").returncode == 0
    assert run(station, "check").returncode == 0
    # What an administrator of the PC can do with the sqlite3 shell: drop the guard, rewrite.
    shell = open_shell(station / DATABASE_FILENAME, isolation_level=None)
    for (name,) in shell.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
    ).fetchall():
        shell.execute(f"DROP TRIGGER {name}")
    shell.execute("UPDATE audit_log SET actor = 'nobody' WHERE chain_seq = 1")
    shell.close()
    done = run(station, "check", "--json")
    assert done.returncode == 1
    outcome = {c["check"]: c for c in json.loads(done.stdout)}
    chains = outcome["Audit log and case events unaltered"]
    assert not chains["ok"]
    assert any("audit log: entry 1" in p and "changed" in p for p in chains["problems"])
    assert outcome["Database integrity"]["ok"]
