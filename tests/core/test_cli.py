"""The `station-app` command, run as a real process: init, case add/show, search, selftest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import EXAMPLE, ROOT, init_station, run


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli") / "data"
    return init_station(data_dir)


def test_init_refuses_a_bad_station_code_and_a_missing_parent(tmp_path):
    bad = run(
        tmp_path / "d",
        "init",
        "--code",
        "rc mt!",
        "--name",
        "x",
        "--level",
        "city",
        "--admin",
        "a",
        stdin="secret123\n",
    )
    assert bad.returncode == 2 and "RC-MT" in bad.stderr
    orphan = run(
        tmp_path / "d",
        "init",
        "--code",
        "RC-X",
        "--name",
        "x",
        "--level",
        "village",
        "--admin",
        "a",
        stdin="secret123\n",
    )
    assert orphan.returncode == 2 and "--parent" in orphan.stderr


def test_init_twice_is_refused(station):
    again = run(
        station,
        "init",
        "--code",
        "RC-MT",
        "--name",
        "x",
        "--level",
        "city",
        "--admin",
        "b",
        stdin="secret123\n",
    )
    assert again.returncode == 1
    assert "already" in again.stderr


def test_add_the_documented_example_then_show_and_search_it(station):
    added = run(station, "case", "add", "--json", str(EXAMPLE))
    assert added.returncode == 0, added.stderr
    number = json.loads(added.stdout)["case_numbers"][0]
    assert number.startswith("RC-MT-2026-")

    shown = json.loads(run(station, "case", "show", number, "--json").stdout)
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert shown["case_no"] == number
    assert shown["amount"] == "1299.50"
    assert shown["complainants"][0]["name"] == example["complainants"][0]["name"]
    assert shown["complainants"][0]["phone"] == "138****6721"
    assert shown["complainants"][0]["id_number"] == "110105********002X"
    revealed = json.loads(run(station, "case", "show", number, "--json", "--reveal").stdout)
    assert revealed["complainants"][0]["id_number"] == "11010519491231002X"

    for query in ("张三", "张", "6721", number[-5:], "好又多"):
        found = json.loads(run(station, "search", query, "--json").stdout)
        assert number in [row["case_no"] for row in found], query


def test_a_list_with_one_bad_case_saves_nothing_and_names_the_fields(station, tmp_path):
    good = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    bad = {**good, "complainants": [{"name": "", "phone": "12"}], "amount": "-3"}
    path = tmp_path / "two.json"
    path.write_text(json.dumps([good, bad], ensure_ascii=False), encoding="utf-8")
    before = run(station, "search", "好又多", "--json", "--limit", "1000").stdout

    done = run(station, "case", "add", "--json", str(path))

    assert done.returncode == 2
    fields = {(e["case"], e["field"]) for e in json.loads(done.stdout)["errors"]}
    assert {(2, "complainants[0].name"), (2, "complainants[0].phone"), (2, "amount")} <= fields
    assert run(station, "search", "好又多", "--json", "--limit", "1000").stdout == before


def test_malformed_json_file_is_reported(station, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"kind": "complaint",', encoding="utf-8")
    done = run(station, "case", "add", "--json", str(path))
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr


def test_show_of_an_unknown_case_fails_clearly(station):
    done = run(station, "case", "show", "RC-MT-2026-99999", "--json")
    assert done.returncode == 1
    assert "RC-MT-2026-99999" in done.stderr


def test_selftest_passes_with_a_secure_keyring(station):
    done = run(station, "selftest")  # the session's keyring file, which holds the folder's key
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("[passed]") == 6
    assert "Integrity check passed" in done.stdout
    assert "[passed] Encryption of stored files" in done.stdout


def test_selftest_fails_without_a_secure_keyring(station):
    done = run(station, "selftest", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert done.returncode == 1
    assert "[FAILED] Password store" in done.stdout


def test_selftest_reports_a_damaged_database(tmp_path):
    data_dir = tmp_path / "damaged"
    data_dir.mkdir()
    (data_dir / "station.db").write_bytes(b"this is not a database" * 100)
    done = run(
        data_dir,
        "selftest",
        env={"PYTHON_KEYRING_BACKEND": "tests.support.memory_keyring.MemoryKeyring"},
    )
    assert done.returncode == 1
    assert "[FAILED] Database" in done.stdout


def test_the_gui_without_a_screen_explains_how_to_start_it(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    done = subprocess.run(
        [sys.executable, "-m", "station_app", "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        env={**env, "STATION_APP_LANG": "en", "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.returncode == 1
    assert "xvfb-run" in done.stderr
