"""Crafted and wrong input through the real `station-app` command: each gives a Chinese message
that says what to do, the right exit code, no traceback on screen, and leaves the station's
database as it was."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import EXAMPLE, ROOT, init_station, run
from tests.support.file_keyring import ENV as KEYRING_FILE_VARIABLE
from tests.support.hostile_files import database_fingerprint, deep_json, xlsx_bomb
from tests.support.shell import open_shell

ZH = {"STATION_APP_LANG": "zh_CN"}
HUGE = "9" * 5001


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    """A station with one registered complaint, RC-MT-<year>-00001."""
    data_dir = init_station(tmp_path_factory.mktemp("bad-input") / "data")
    added = run(data_dir, "case", "add", "--json", str(EXAMPLE))
    assert added.returncode == 0, added.stderr
    return data_dir


@pytest.fixture
def case_no(station) -> str:
    return json.loads(run(station, "search", "张", "--json").stdout)[-1]["case_no"]


@pytest.fixture(scope="module")
def mediating_case(station) -> str:
    """A second complaint, accepted and in mediation (an agreement may be recorded)."""
    added = run(station, "case", "add", "--json", str(EXAMPLE))
    number = json.loads(added.stdout)["case_numbers"][0]
    consents = '{"complainant_consents": true, "merchant_consents": true, "mode": "on_site"}'
    for action, payload in (("accept", "{}"), ("start-mediation", consents)):
        done = run(station, "case", "act", number, action, "--json", "-", stdin=payload)
        assert done.returncode == 0, done.stderr
    return number


def refused(station: Path, *args: str, stdin: str = "", code: int = 2, says: list[str]):
    """Run a command that must be refused; check the message, the code and that nothing
    changed. Returns the finished process."""
    before = database_fingerprint(station)
    done = run(station, *args, stdin=stdin, env=ZH)
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert re.search(r"[\u4e00-\u9fff]", done.stderr), done.stderr
    for words in says:
        assert words in done.stderr, done.stderr
    assert database_fingerprint(station) == before
    return done


def test_case_add_with_json_nested_100000_deep(station, tmp_path):
    deep = deep_json(tmp_path / "deep.json")
    refused(station, "case", "add", "--json", str(deep), says=["嵌套超过 32 层", "deep.json"])


def test_case_act_with_json_nested_100000_deep(station, case_no):
    refused(
        station, "case", "act", case_no, "accept", "--json", "-",
        stdin="{" + '"a":[' * 100_000, says=["嵌套超过 32 层"],
    )  # fmt: skip


def test_holidays_import_with_json_nested_100000_deep(station, tmp_path):
    deep = deep_json(tmp_path / "deep-holidays.json")
    refused(station, "holidays", "import", str(deep), says=["未导入", "嵌套超过 32 层"])


def test_an_amount_of_5001_digits_as_text(station, tmp_path):
    case = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    case["amount"] = HUGE
    path = tmp_path / "huge-amount.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    done = refused(station, "case", "add", "--json", str(path), says=["超过了上限 100,000,000 元"])
    assert HUGE not in done.stderr and HUGE not in done.stdout  # not echoed whole


def test_an_amount_of_5001_digits_as_a_json_number(station, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    text, replaced = re.subn(r'"amount":\s*"[^"]*"', f'"amount": {HUGE}', text)
    assert replaced == 1
    path = tmp_path / "huge-number.json"
    path.write_text(text, encoding="utf-8")
    refused(station, "case", "add", "--json", str(path), says=["不是本程序使用的数字"])


def test_an_amount_of_5001_digits_in_an_agreement(station, mediating_case):
    payload = {"terms": [{"type": "refund", "amount": HUGE}], "amount_recovered": HUGE}
    refused(
        station, "case", "act", mediating_case, "agree", "--json", "-",
        stdin=json.dumps(payload), says=["未保存", "超过了上限 100,000,000 元"],
    )  # fmt: skip


@pytest.mark.parametrize("year", [HUGE, f'"{HUGE}"'], ids=["number", "text"])
def test_a_holiday_year_of_5001_digits(station, tmp_path, year):
    path = tmp_path / "year.json"
    path.write_text(
        f'{{"year": {year}, "source": "国务院办公厅通知", "holidays": ["2027-01-01"]}}',
        encoding="utf-8",
    )
    done = refused(station, "holidays", "import", str(path), says=["节假日文件未导入"])
    assert HUGE not in done.stderr


def test_print_details_with_materials_that_are_a_number(station, case_no, tmp_path):
    details = tmp_path / "details.json"
    details.write_text('{"materials": 5}', encoding="utf-8")
    out = tmp_path / "notice.pdf"
    refused(
        station, "print", "mediation_notice", case_no, "--out", str(out), "--json", str(details),
        says=["未出具文书", "“materials”必须是文字列表"],
    )  # fmt: skip
    assert not out.exists()


@pytest.mark.parametrize(
    ("day", "says"),
    [("2026-02-30", "“2026-02-30”不是有效日期"), ("9999-12-31", "不在 1900 年至 2199 年之间")],
)
def test_due_with_an_impossible_date(station, day, says):
    refused(station, "due", "--json", "--date", day, says=["--date", says])


def test_search_with_a_limit_of_20_digits(station):
    refused(
        station, "search", "张", "--limit", "99999999999999999999",
        says=["不是 1 至 10,000 之间的整数"],
    )  # fmt: skip


def test_holidays_import_from_dev_zero_stops_at_the_limit(station):
    refused(station, "holidays", "import", "/dev/zero", says=["超过 1,000,000 字节"])


def test_a_json_file_larger_than_the_limit(station, tmp_path):
    big = tmp_path / "big.json"
    with big.open("w", encoding="utf-8") as f:
        f.write("[" + " " * (21 * 1024 * 1024) + "]")
    refused(station, "case", "add", "--json", str(big), says=["大于 20 MB"])


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(station, case_no, tmp_path):
    bomb = xlsx_bomb(tmp_path / "名单.xlsx", unpacked_mb=60)
    assert bomb.stat().st_size < 300_000
    done = refused(
        station, "case", "import-members", case_no, str(bomb), says=["压缩炸弹", "名单.xlsx"]
    )
    assert "Nothing" not in done.stderr  # the whole message is in Chinese


def test_an_unexpected_error_is_logged_with_a_reference(station, case_no, tmp_path):
    """A record the program cannot read (here a date edited by hand) is a program error: the
    clerk gets a reference, the log file gets the traceback."""
    damaged = tmp_path / "damaged"
    shutil.copytree(station, damaged)
    connection = open_shell(damaged / "station.db")
    # The app's triggers ask who writes; a hand edit that answers them goes through.
    for name, value in (("write_origin", "local"), ("write_actor", "admin"), ("write_txid", "t")):
        connection.create_function(name, 0, lambda value=value: value)
    with connection:
        connection.execute("UPDATE cases SET received_at = 'garbage' WHERE case_no = ?", (case_no,))
    connection.close()
    done = refused(damaged, "case", "show", case_no, "--json", code=1, says=["出现了意外错误"])
    reference = re.search(r"编号 ([0-9A-F]{6})", done.stderr)
    assert reference, done.stderr
    log_file = damaged / "logs" / "station-app.log"
    assert str(log_file) in done.stderr
    log = log_file.read_text(encoding="utf-8")
    assert f"reference {reference[1]}" in log
    assert "Traceback" in log and "garbage" in log


def test_writing_a_pdf_to_a_full_disk_names_the_full_disk(station, case_no, tmp_path):
    done = run(station, "print", "complaint_registration", case_no, "--out", "/dev/full", env=ZH)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "磁盘已满" in done.stderr, done.stderr
    # A device is written in place: the file-safe rename never replaces it with a file.
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_pdf_written_to_a_pipe_reaches_the_reader(station, case_no):
    done = subprocess.run(
        [sys.executable, "-m", "station_app", "--data-dir", str(station), "print",
         "complaint_registration", case_no, "--out", "/dev/stdout"],
        capture_output=True,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "STATION_APP_PASSWORD": "secret123",
            "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
        },
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"%PDF-")


FULL_DISK_SCRIPT = """
set -e
mount -t tmpfs -o size=1200k tmpfs "$MNT"
mkdir "$MNT/data"
# the station without its backups and issued PDFs (the day's backup alone would fill the disk)
tar -C "$STATION" --exclude=./backups --exclude=./documents -cf - . | tar -C "$MNT/data" -xf -
set +e
"$PYTHON" -m station_app --data-dir "$MNT/data" case add --json "$CASES" >/dev/null 2>"$MNT/err"
echo "exit=$?"
cat "$MNT/err"
echo "cases=$("$PYTHON" -c 'import sys; from tests.support.shell import open_shell; print(open_shell(sys.argv[1]).execute("SELECT count(*) FROM cases").fetchone()[0])' "$MNT/data/station.db")"
echo "log:"
cat "$MNT/data/logs/station-app.log"
"""


def test_a_full_disk_is_named_and_nothing_is_saved(station, tmp_path):
    """A real full disk: a 1.2 MB tmpfs mounted in a private mount namespace (unshare, no
    root needed) holding a copy of the station, and a case list too large for it."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    cases = [{**example, "facts": f"购买的冰箱不制冷，第{i}台。" * 600} for i in range(200)]
    cases_file = tmp_path / "many.json"
    cases_file.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_DISK_SCRIPT],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        env={
            "MNT": str(mount_point),
            "STATION": str(station),
            "CASES": str(cases_file),
            "PYTHON": sys.executable,
            "PYTHONPATH": str(ROOT),
            "STATION_APP_LANG": "zh_CN",
            "STATION_APP_PASSWORD": "secret123",
            "STATION_APP_TEST_PASSWORD_COST": os.environ.get("STATION_APP_TEST_PASSWORD_COST", ""),
            "PATH": "/usr/bin:/bin",
            # The session's keyring file, which holds the station's key (tests/conftest.py).
            "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
            KEYRING_FILE_VARIABLE: os.environ[KEYRING_FILE_VARIABLE],
        },
    )
    report = done.stdout
    assert "exit=1" in report, (report, done.stderr)
    shown = report.split("exit=1", 1)[1].split("cases=", 1)[0]
    assert "磁盘已满。未保存任何内容。" in shown
    assert "Traceback" not in shown and "SQL failed" not in shown
    connection = open_shell(station / "station.db")
    had = connection.execute("SELECT count(*) FROM cases").fetchone()[0]
    connection.close()
    assert f"cases={had}\n" in report  # the cases the station had, none of the 200
    assert "SQL failed" in report.split("log:", 1)[1]  # the details are in the log file
