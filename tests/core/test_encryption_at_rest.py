"""The station database encrypted at rest with SQLCipher (README "Personal data on a shared
PC"): a complainant's name and phone are in no file of the data folder in clear (database,
write-ahead log, search index, backups); the wrong key opens nothing and damages nothing; a
plaintext station is encrypted in place and no plaintext copy stays; search still works."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import keyring
import pytest

from station_app.backup import back_up, list_backups, restore
from station_app.data_folder import DataFolder
from station_app.data_key import KEY_FILE, create_folder_key, key_from_recovery
from station_app.domain import Role, Station, StationLevel, User
from station_app.store import DataKeyMissing, Store, StoreError, driver, encryption
from station_app.store.accounts import initialise_station
from station_app.store.case_list import search_cases
from station_app.store.encryption import PLAINTEXT_SUFFIX, encrypt_file
from tests.core.conftest import STATION_CODE, save_case
from tests.support.cli import ADMIN_PASSWORD, init_station, run

NAME = "欧阳明"
PHONE = "13912345678"


def _set_up(folder: Path, cases: int = 3) -> None:
    with DataFolder(folder) as opened, opened.open_store() as store:
        initialise_station(
            store,
            Station(code=STATION_CODE, name="茅台镇消费者投诉站", level=StationLevel.TOWNSHIP),
            User(username="admin", display_name="管理员", role=Role.ADMIN, station_code="RC-MT"),
            "admin-secret-123",
        )
        for _ in range(cases):
            save_case(store, name=NAME, phone=PHONE)


def _in_clear(path: Path) -> bool:
    data = path.read_bytes()
    return NAME.encode() in data or PHONE.encode() in data


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_file_of_an_encrypted_station_holds_a_name_or_phone_in_clear(tmp_path):
    plain, secret = tmp_path / "plain", tmp_path / "secret"
    plain.mkdir(), secret.mkdir()
    create_folder_key(secret)
    for folder in (plain, secret):
        _set_up(folder)
        with DataFolder(folder) as opened, opened.open_store() as store:
            back_up(store, folder)
            save_case(store, name=NAME, phone=PHONE)  # in the write-ahead log, not yet copied
            wal = folder / "station.db-wal"
            assert wal.stat().st_size > 0
            if folder is plain:  # the check below finds clear text where there is some
                assert _in_clear(folder / "station.db") and _in_clear(wal)
                assert _in_clear(list_backups(folder / "backups")[-1].path)
            else:
                assert store.key is not None
                assert not any(_in_clear(p) for p in _files(folder)), _files(folder)
                # The search index (FTS5 trigram) still finds 1-, 2- and 3+-character queries.
                for query in ("明", "欧阳", NAME, "139", PHONE[-4:]):
                    assert len(search_cases(store, query)) == 4, query
    assert not (secret / "station.db").read_bytes().startswith(driver.SQLITE_HEADER)
    assert not any(_in_clear(p) for p in _files(secret))
    # Another tool (the sqlite3 shell) reads nothing of it.
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(secret / "station.db").execute("SELECT * FROM cases").fetchall()


def test_the_wrong_key_opens_nothing_and_changes_nothing(tmp_path):
    folder = tmp_path / "station"
    folder.mkdir()
    create_folder_key(folder)
    _set_up(folder)
    before = {p.name: _digest(p) for p in _files(folder) if p.name != "station.lock"}
    with pytest.raises(StoreError, match="key does not open"):
        Store(folder / "station.db", key=bytes(32))
    # The keyring holds another key for the folder: told in words, nothing written.
    folder_id = json.loads((folder / KEY_FILE).read_text())["folder_id"]
    right = keyring.get_password("station-app", f"data-key#{folder_id}")
    keyring.set_password("station-app", f"data-key#{folder_id}", "11" * 32)
    try:
        with DataFolder(folder) as opened, pytest.raises(DataKeyMissing, match="does not fit"):
            opened.open_store()
    finally:
        keyring.set_password("station-app", f"data-key#{folder_id}", right)
    after = {p.name: _digest(p) for p in _files(folder) if p.name != "station.lock"}
    assert after == before
    with DataFolder(folder) as opened, opened.open_store() as store:
        assert store.scalar("SELECT count(*) FROM cases") == 3


def test_a_plaintext_station_is_encrypted_in_place_with_its_backups(tmp_path):
    folder = tmp_path / "station"
    folder.mkdir()
    _set_up(folder, cases=5)
    with DataFolder(folder) as opened, opened.open_store() as store:
        back_up(store, folder)
        counts = {
            table: store.scalar(f"SELECT count(*) FROM {table}")
            for table in ("cases", "parties", "audit_log", "outbox", "case_search")
        }
    assert _in_clear(folder / "station.db")
    create_folder_key(folder)
    with DataFolder(folder) as opened, opened.open_store() as store:
        assert store.key is not None
        for table, count in counts.items():
            assert store.scalar(f"SELECT count(*) FROM {table}") == count, table
        assert len(search_cases(store, "欧阳")) == 5
        assert len(search_cases(store, "5678")) == 5
        assert store.integrity_check(thorough=True) == "ok"
        save_case(store, name=NAME, phone=PHONE)  # and it writes on, encrypted
    names = sorted(p.name for p in folder.iterdir())
    assert not any(n.endswith((PLAINTEXT_SUFFIX, ".encrypting")) for n in names), names
    assert not any(_in_clear(p) for p in _files(folder)), _files(folder)
    # The backup made before, encrypted with the same key, restores.
    backup = list_backups(folder / "backups")[0].path
    with DataFolder(folder) as opened:
        result = restore(folder, backup, STATION_CODE)
        assert result.cases == 5
        with opened.open_store() as store:
            assert store.key is not None and store.scalar("SELECT count(*) FROM cases") == 5


def test_an_encryption_cut_short_is_finished_at_the_next_start(tmp_path):
    folder = tmp_path / "station"
    folder.mkdir()
    _set_up(folder)
    create_folder_key(folder)
    # A power cut after the plaintext file was set aside, before the encrypted one took its
    # place: the next start puts the plaintext file back and encrypts it again.
    (folder / "station.db").rename(folder / f"station.db{PLAINTEXT_SUFFIX}")
    with DataFolder(folder) as opened, opened.open_store() as store:
        assert store.key is not None and store.scalar("SELECT count(*) FROM cases") == 3
    assert not (folder / f"station.db{PLAINTEXT_SUFFIX}").exists()
    assert not _in_clear(folder / "station.db")


def test_an_encrypted_copy_that_does_not_check_out_changes_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "station"
    folder.mkdir()
    _set_up(folder)
    create_folder_key(folder)

    def differs(*args) -> None:
        raise encryption.EncryptionFailed("row counts differ in cases")

    monkeypatch.setattr(encryption, "_check", differs)
    with DataFolder(folder) as opened, opened.open_store() as store:
        assert store.key is None  # the station works on, as it was
        save_case(store, name=NAME, phone=PHONE)
    assert driver.is_plaintext_file(folder / "station.db")
    assert sorted(p.name for p in folder.iterdir() if "station.db" in p.name) == ["station.db"]
    monkeypatch.undo()  # the next start tries again
    with DataFolder(folder) as opened, opened.open_store() as store:
        assert store.key is not None and store.scalar("SELECT count(*) FROM cases") == 4


def test_a_database_still_open_elsewhere_is_not_swapped_under_it(tmp_path):
    folder = tmp_path / "station"
    folder.mkdir()
    _set_up(folder)
    other = Store(folder / "station.db", key=None)  # another connection, its -wal there
    try:
        before = _digest(folder / "station.db")
        assert encrypt_file(folder / "station.db", bytes(range(32))) is False
        assert _digest(folder / "station.db") == before
        assert other.scalar("SELECT count(*) FROM cases") == 3
    finally:
        other.close()


# --------------------------------------------------------------------- the command line


def test_init_encrypts_and_a_lost_key_is_restored_from_the_recovery_key(tmp_path):
    station = tmp_path / "station"
    done = run(
        station, "init", "--code", "RC-MT", "--name", "码头镇消费者投诉站", "--level",
        "township", "--parent", "RC", "--admin", "admin", stdin=ADMIN_PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    recovery = printed["recovery_key"]
    assert printed["encrypted"] is True and "Write it down" in done.stderr
    assert not (station / "station.db").read_bytes().startswith(driver.SQLITE_HEADER)
    assert run(station, "case", "add", "--json", "-", stdin=_case_json()).returncode == 0

    # The administrator sees the key again (password checked, logged).
    shown = run(station, "key", "show", "--user", "admin")
    assert shown.returncode == 0, shown.stderr
    assert key_from_recovery(shown.stdout.strip()) == key_from_recovery(recovery)
    refused = run(station, "key", "show", "--user", "admin", env={"STATION_APP_PASSWORD": "x"})
    assert refused.returncode == 1 and recovery not in refused.stdout

    # Another PC: its keyring has no key for the folder.
    folder_id = json.loads((station / KEY_FILE).read_text())["folder_id"]
    keyring.delete_password("station-app", f"data-key#{folder_id}")
    before = _digest(station / "station.db")
    blocked = run(station, "search", "欧阳")
    assert blocked.returncode == 1
    assert "recovery key" in blocked.stderr and "station-app key restore" in blocked.stderr
    assert "Traceback" not in blocked.stderr
    typo = recovery[:-1] + ("A" if recovery[-1] != "A" else "B")
    wrong = run(station, "key", "restore", stdin=typo + "\n")
    assert wrong.returncode == 1 and "not right" in wrong.stderr
    assert keyring.get_password("station-app", f"data-key#{folder_id}") is None
    assert _digest(station / "station.db") == before
    restored = run(station, "key", "restore", stdin=recovery.lower() + "\n")
    assert restored.returncode == 0, restored.stderr
    found = run(station, "search", "欧阳")
    assert found.returncode == 0 and "RC-MT" in found.stdout

    with Store(station / "station.db") as store:
        assert (
            store.scalar(
                "SELECT count(*) FROM audit_log WHERE field = 'recovery_key' AND actor = 'admin'"
            )
            == 1
        )


def _case_json() -> str:
    return json.dumps(
        {
            "kind": "complaint",
            "channel": "walk_in",
            "received_at": "2026-03-02 09:30",
            "complainants": [{"name": NAME, "phone": PHONE}],
            "merchant": {"name": "茅台镇好又多超市"},
            "facts": "购买的冰箱不制冷",
            "request": "退货",
        },
        ensure_ascii=False,
    )


def test_init_without_a_secure_keyring_says_so_and_offers_unencrypted(tmp_path):
    no_keyring = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    args = ("init", "--code", "RC-MT", "--name", "码头镇消费者投诉站", "--level", "township",
            "--parent", "RC", "--admin", "admin")  # fmt: skip
    station = tmp_path / "station"
    refused = run(
        station, *args, stdin="secret123\n", env={**no_keyring, "STATION_APP_LANG": "zh_CN"}
    )
    assert refused.returncode == 1
    assert "安全" in refused.stderr and "--unencrypted" in refused.stderr
    assert not (station / KEY_FILE).exists() and not (station / "station.db").exists()
    done = run(station, *args, "--unencrypted", stdin="secret123\n", env=no_keyring)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["encrypted"] is False
    assert (station / "station.db").read_bytes().startswith(driver.SQLITE_HEADER)


def test_the_demo_runs_on_a_pc_without_a_secure_keyring(tmp_path):
    done = run(
        tmp_path / "demo",
        "demo",
        "--cases",
        "3",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert done.returncode == 0, done.stderr


def test_an_encrypted_station_set_up_by_the_cli_opens_in_the_test(tmp_path):
    station = init_station(tmp_path / "station")
    with Store(station / "station.db") as store:
        assert store.key is not None


def test_key_create_encrypts_a_station_set_up_without_a_key(tmp_path):
    station = tmp_path / "station"
    args = ("init", "--code", "RC-MT", "--name", "码头镇消费者投诉站", "--level", "township",
            "--parent", "RC", "--admin", "admin", "--unencrypted")  # fmt: skip
    assert run(station, *args, stdin=ADMIN_PASSWORD + "\n").returncode == 0
    assert run(station, "case", "add", "--json", "-", stdin=_case_json()).returncode == 0
    assert _in_clear(station / "station.db") or _in_clear(station / "station.db-wal")
    refused = run(station, "key", "create", "--user", "admin", env={"STATION_APP_PASSWORD": "x"})
    assert refused.returncode == 1 and not (station / KEY_FILE).exists()
    done = run(station, "key", "create", "--user", "admin")
    assert done.returncode == 0, done.stderr
    recovery = done.stdout.strip()
    assert "Write it down" in done.stderr
    assert key_from_recovery(recovery) == key_from_recovery(
        run(station, "key", "show", "--user", "admin").stdout.strip()
    )
    assert not any(_in_clear(p) for p in _files(station)), _files(station)
    found = run(station, "search", "欧阳")
    assert found.returncode == 0 and "RC-MT" in found.stdout
