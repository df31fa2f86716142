"""`station-app enrol`, `sync`, `sync status` and `bundle export|import` against live servers:
exit codes, progress on stderr, messages instead of tracebacks, bundles verified whole and
imported once."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from city_server.admin import export_bundle, import_bundle
from city_server.stations import add_station, revoke_station
from station_app import i18n
from station_app.cli import main
from station_app.domain import Role, Station, StationLevel, User
from station_app.store import Store
from station_app.store.accounts import initialise_station
from station_app.sync.protocol import BundleError
from tests.core.conftest import save_case
from tests.server.live import count_rows, free_port
from tests.server.sync_support import (
    city_codes,
    make_city,
    rows_of,
)

pytestmark = pytest.mark.usefixtures("english", "memory_keyring")


@pytest.fixture(scope="module")
def backend(sync_backend):
    """This module's own city server (see sync_support.sync_backend)."""
    return sync_backend


def cli(capsys, folder: Path, *args: str, lang: str = "en") -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--data-dir", str(folder), "--lang", lang, *args])
    i18n.set_language("en")
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _new_station(tmp_path: Path, backend, level: str = "village"):
    codes = city_codes()
    code = codes["village_a"] if level == "village" else codes["city"]
    with backend.engine.begin() as conn:
        if level == "village":
            add_station(conn, codes["city"], "市", "city", None)
            add_station(conn, codes["township"], "镇", "township", codes["city"])
            parent = codes["township"]
        else:
            parent = None
        enrol_code = add_station(conn, code, "站", level, parent)
    folder = tmp_path / code
    folder.mkdir()
    with Store(folder / "station.db") as store:
        initialise_station(
            store,
            Station(code, "站", StationLevel(level), parent_code=parent),
            User("adm_" + code.lower().replace("-", "_"), "管理员", Role.ADMIN, code),
            "admin-secret-123",
        )
        save_case(store, code, name="命令行", facts="命令行同步")
    return folder, code, enrol_code


def test_enrol_sync_and_status_on_the_command_line(tmp_path, backend, capsys) -> None:
    folder, code, enrol_code = _new_station(tmp_path, backend)
    status, out, err = cli(capsys, folder, "sync")
    assert status == 1 and "not enrolled" in err
    status, out, err = cli(capsys, folder, "enrol", "--server", backend.url, "--code", "WRONG-CODE")
    assert status == 1 and err.strip()
    status, out, err = cli(capsys, folder, "enrol", "--server", backend.url, "--code", enrol_code)
    assert status == 0, err
    assert code in out
    status, out, err = cli(capsys, folder, "sync", "status", "--json")
    before = json.loads(out)
    assert before["enrolled"] and before["pending"] > 0 and before["last_success"] is None
    status, out, err = cli(capsys, folder, "sync")
    assert status == 0, err
    assert "[push]" in err and "[done]" in err
    assert "Sync finished" in out
    status, out, err = cli(capsys, folder, "sync", "status", "--json")
    after = json.loads(out)
    assert after["pending"] == 0 and after["last_success"] and after["clock_warning"] is None
    status, out, err = cli(capsys, folder, "sync", "status")
    assert "Changes waiting to be sent: 0" in out
    assert (
        count_rows(backend.engine, "SELECT count(*) FROM changes WHERE origin_station = :s", s=code)
        >= 3
    )


def test_sync_failures_are_messages_and_exit_codes(tmp_path, backend, capsys) -> None:
    folder, code, enrol_code = _new_station(tmp_path, backend)
    assert cli(capsys, folder, "enrol", "--server", backend.url, "--code", enrol_code)[0] == 0
    # No server at the address: a message, a non-zero exit, the changes kept.
    with Store(folder / "station.db") as store:
        from station_app.store import sync_state

        sync_state.set_state(store, **{sync_state.SERVER_URL: f"http://127.0.0.1:{free_port()}"})
    status, out, err = cli(capsys, folder, "sync", "--attempts", "1")
    assert status == 1 and "Cannot reach" in err
    with Store(folder / "station.db") as store:
        sync_state.set_state(store, **{sync_state.SERVER_URL: backend.url})
    with backend.engine.begin() as conn:
        revoke_station(conn, code)
    status, out, err = cli(capsys, folder, "sync")
    assert status == 1 and "revoked" in err
    status, out, err = cli(capsys, folder, "sync", "status")
    assert "revoked" in out and "Changes waiting to be sent: 0" not in out
    # The clerk reads it in Chinese.
    status, out, err = cli(capsys, folder, "sync", lang="zh_CN")
    assert status == 1 and "市局已吊销本站的同步权限" in err
    status, out, err = cli(capsys, folder, "sync", "status", lang="zh_CN")
    assert "待发送的更改" in out and "上次失败" in out


def _flip(data: bytes) -> bytes:
    raw = bytearray(gzip.decompress(data))
    index = raw.index("命令行".encode())
    raw[index : index + 9] = "命令航".encode()
    return gzip.compress(bytes(raw))


def test_bundles_both_ways_once_and_refused_whole_when_changed(
    tmp_path, backend, capsys, monkeypatch
) -> None:
    city = make_city(tmp_path, backend)
    # The export is an administrator's act: the station's first administrator's password.
    monkeypatch.setenv("STATION_APP_PASSWORD", "admin-secret-123")
    try:
        village, township = city["village_a"], city["township"]
        case = village.add_case(name="命令行", facts="U盘带来的")
        bundle = tmp_path / "to-city.bundle"
        status, out, err = cli(capsys, village.folder, "bundle", "export", str(bundle))
        assert status == 0, err
        data = bundle.read_bytes()
        # Changed, cut or another station's: the city office refuses it whole.
        other = tmp_path / "other.bundle"
        assert cli(capsys, city["village_b"].folder, "bundle", "export", str(other))[0] == 0
        for bad in (_flip(data), data[: len(data) // 2]):
            with backend.engine.begin() as conn, pytest.raises(BundleError):
                import_bundle(conn, bad)
        with backend.engine.begin() as conn:
            first = import_bundle(conn, data)
        with backend.engine.begin() as conn:
            again = import_bundle(conn, data)
        assert first["accepted"] > 0 and again["accepted"] == 0
        assert again["duplicates"] == again["batches"]
        sql = "SELECT count(*) FROM changes WHERE origin_station = :s"
        on_server = count_rows(backend.engine, sql, s=village.code)
        # Online later, the same batches are answered as duplicates: nothing twice. The one
        # new change is the audit row of the export itself (an administrator's act).
        report = village.sync()
        assert report.duplicate_batches >= 1 and report.checksum_ok
        assert count_rows(backend.engine, sql, s=village.code) == on_server + 1
        audit = sql + " AND table_name = 'audit_log' AND fields LIKE '%USB bundle of%'"
        assert count_rows(backend.engine, audit, s=village.code) == 1

        # The city office's bundle for the township, carried back.
        with backend.engine.begin() as conn:
            back = export_bundle(conn, township.code, 0)
        incoming = tmp_path / "to-township.bundle"
        incoming.write_bytes(back)
        for bad in (_flip(back), back[:-40]):
            broken = tmp_path / "broken.bundle"
            broken.write_bytes(bad)
            status, out, err = cli(capsys, township.folder, "bundle", "import", str(broken))
            assert status == 1 and "nothing was imported" in err
            assert case.id not in rows_of(township.store, "cases")
        status, out, err = cli(capsys, township.folder, "bundle", "import", str(other))
        assert status == 1 and case.id not in rows_of(township.store, "cases")
        status, out, err = cli(capsys, township.folder, "bundle", "import", str(incoming))
        assert status == 0, err
        assert case.id in rows_of(township.store, "cases")
        snapshot = {t: rows_of(township.store, t) for t in ("cases", "parties", "case_events")}
        status, out, err = cli(capsys, township.folder, "bundle", "import", str(incoming))
        assert status == 0 and "0 new changes" in out
        assert snapshot == {t: rows_of(township.store, t) for t in snapshot}
        report = township.sync()
        assert report.checksum_ok
    finally:
        for replica in city.values():
            replica.close()


def test_no_secure_keyring_no_enrolment_and_the_code_is_not_spent(
    tmp_path, backend, capsys, memory_keyring
) -> None:
    import keyring
    from keyring.backends import null

    folder, code, enrol_code = _new_station(tmp_path, backend)
    keyring.set_keyring(null.Keyring())
    try:
        status, out, err = cli(
            capsys, folder, "enrol", "--server", backend.url, "--code", enrol_code
        )
    finally:
        keyring.set_keyring(memory_keyring)
    assert status == 1 and "No secure password store" in err
    assert not list(folder.rglob("*token*"))
    status, out, err = cli(capsys, folder, "enrol", "--server", backend.url, "--code", enrol_code)
    assert status == 0, err
    assert memory_keyring.get_password("station-app", code)
