"""The city-server command: stations, enrolment codes, revocation, city-managed users and
reference data that every station pulls."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from station_app.passwords import verify_password
from station_app.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.server.live import (
    ROOT,
    Backend,
    StationClient,
    city_server_command,
    server_env,
    unique_code,
)


def city_server(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        city_server_command(*args),
        env=server_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


def _enrol(backend: Backend, printed: str, level: str) -> StationClient:
    code = printed.strip().split()[-1]
    answer = httpx.post(
        f"{backend.url}/v1/enrol",
        json={"code": code},
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return StationClient(
        backend.url, body["station"]["code"], level, body["token"], bytes.fromhex(body["secret"])
    )


def test_stations_users_and_reference_data_from_the_command_line(
    sqlite_backend: Backend, tmp_path: Path
) -> None:
    db = sqlite_backend.db_url
    city_code, village_code = unique_code("C"), unique_code("V")
    township_code = unique_code("T")
    added = city_server(
        "add-station", "--db", db, "--code", city_code, "--name", "市消协", "--level", "city"
    )
    assert added.returncode == 0 and "one-time enrolment code" in added.stdout
    township_line = city_server(
        "add-station",
        "--db",
        db,
        "--code",
        township_code,
        "--name",
        "码头镇",
        "--level",
        "township",
        "--parent",
        city_code,
    )
    assert township_line.returncode == 0
    village_line = city_server(
        "add-station",
        "--db",
        db,
        "--code",
        village_code,
        "--name",
        "河口村",
        "--level",
        "village",
        "--parent",
        township_code,
    )
    wrong_parent = city_server(
        "add-station",
        "--db",
        db,
        "--code",
        unique_code("V"),
        "--name",
        "x",
        "--level",
        "village",
        "--parent",
        city_code,
    )
    assert wrong_parent.returncode == 2 and "township" in wrong_parent.stderr
    village = _enrol(sqlite_backend, village_line.stdout, "village")

    user = city_server(
        "add-user",
        "--db",
        db,
        "--username",
        f"wang{village_code.lower()}",
        "--display-name",
        "王芳",
        "--role",
        "clerk",
        "--station",
        village_code,
        stdin="correct horse\n",
    )
    assert user.returncode == 0, user.stderr
    holidays = json.loads(
        (ROOT / "resources/reference/holidays/2027.example.json").read_text(encoding="utf-8")
    )
    del holidays["example"], holidays["note"]
    holiday_file = tmp_path / "2027.json"
    holiday_file.write_text(json.dumps(holidays, ensure_ascii=False), encoding="utf-8")
    published = city_server("set-reference", "--db", db, "holidays", str(holiday_file))
    assert published.returncode == 0, published.stderr
    categories = tmp_path / "categories.json"
    categories.write_text('{"食品": ["过期"]}', encoding="utf-8")
    refused = city_server("set-reference", "--db", db, "categories", str(categories))
    assert refused.returncode == 2 and "goods must be a non-empty list" in refused.stderr
    categories.write_text(
        '{"goods": ["食品类"], "services": ["销售服务"], "natures": ["质量"]}', encoding="utf-8"
    )
    assert city_server("set-reference", "--db", db, "categories", str(categories)).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"year": 2027, "holidays": [', encoding="utf-8")
    refused = city_server("set-reference", "--db", db, "holidays", str(bad))
    assert refused.returncode == 2 and refused.stderr

    pulled, cursor = village.pull_all()
    [account] = [
        c for c in pulled if c["table"] == "users" and c["fields"]["station_code"] == village_code
    ]
    assert account["fields"]["display_name"] == "王芳"
    assert verify_password("correct horse", account["fields"]["password_hash"])
    years = [c["fields"]["year"] for c in pulled if c["table"] == "holiday_schedules"]
    assert 2027 in years
    assert any(
        c["table"] == "reference_data" and c["fields"]["kind"] == "categories" for c in pulled
    )
    # Taken back: each removal reaches the stations as a delete of its row.
    published_rows = {
        c["table"]: c["row_id"]
        for c in pulled
        if (c["table"], c["fields"].get("year") or c["fields"].get("kind"))
        in (("holiday_schedules", 2027), ("reference_data", "categories"))
    }
    unsure = city_server("remove-reference", "--db", db, "holidays")
    assert unsure.returncode == 2 and "a year names the holiday schedule" in unsure.stderr
    removed = city_server("remove-reference", "--db", db, "holidays", "--year", "2027")
    assert removed.returncode == 0 and "holidays 2027 removed" in removed.stdout
    removed = city_server("remove-reference", "--db", db, "categories")
    assert removed.returncode == 0, removed.stderr
    again = city_server("remove-reference", "--db", db, "categories")
    assert again.returncode == 2 and "no categories is published" in again.stderr
    deletes, _ = village.pull_all(cursor)
    assert {(c["table"], c["row_id"]) for c in deletes if c["op"] == "delete"} == set(
        published_rows.items()
    )
    # Another township's station does not receive this village's account.
    other = _enrol(
        sqlite_backend,
        city_server(
            "add-station",
            "--db",
            db,
            "--code",
            unique_code("T"),
            "--name",
            "y",
            "--level",
            "township",
            "--parent",
            city_code,
        ).stdout,
        "township",
    )
    assert not [
        c
        for c in other.pull_all()[0]
        if c["table"] == "users" and c["fields"]["station_code"] == village_code
    ]

    revoked = city_server("revoke-station", "--db", db, village_code)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert village.get("/v1/pull").status_code == 401
    listed = city_server("stations", "--db", db)
    assert f"{village_code}\tvillage\t{township_code}\trevoked" in listed.stdout
    reissued = city_server("enrol-code", "--db", db, village_code)
    assert reissued.returncode == 0
    again = _enrol(sqlite_backend, reissued.stdout, "village")
    assert again.get("/v1/hello").status_code == 200
