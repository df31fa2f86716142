"""`station-app case act`, `due`, `holidays import` and the workflow keys of `case show`, run
as real processes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from station_app.deadlines import DeadlineKind, due_date
from station_app.domain import Role, User
from station_app.store import Store
from station_app.store.accounts import add_user
from station_app.workdays import WorkdayCalendar
from tests.core.workflow_helpers import WORKFLOW_TABLES
from tests.support.cli import EXAMPLE, init_station, run


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli-workflow") / "data"
    init_station(data_dir)
    with Store(data_dir / "station.db") as store:
        add_user(store, User("li.clerk", "李文书", Role.CLERK, "RC-MT"), LI_PASSWORD)
    return data_dir


# A command acting as li.clerk needs li.clerk's password (run() passes the admin's otherwise).
LI_PASSWORD = "li-clerk-pass"
AS_LI = {"STATION_APP_PASSWORD": LI_PASSWORD}


def _add_case(station: Path) -> str:
    added = run(station, "case", "add", "--json", str(EXAMPLE))
    assert added.returncode == 0, added.stderr
    return json.loads(added.stdout)["case_numbers"][0]


def _payload(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "payload.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _tables(station: Path) -> dict:
    with Store(station / "station.db") as store:
        return {t: store.query(f"SELECT * FROM {t} ORDER BY 1") for t in WORKFLOW_TABLES}


def test_case_act_prints_the_new_status_and_deadlines(station, tmp_path):
    number = _add_case(station)
    done = run(
        station,
        "case",
        "act",
        number,
        "accept",
        "--json",
        _payload(tmp_path, {"occurred_at": "2026-03-04", "note": "材料齐全"}),
        "--user",
        "li.clerk",
        env=AS_LI,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["case_no"], result["from_status"], result["status"]) == (
        number,
        "registered",
        "accepted",
    )
    assert result["event"]["actor"] == "li.clerk"
    kinds = {d["kind"]: d for d in result["deadlines"]}
    # Received 2 March 2026 (Order No. 20): 7 working days end 11 March, met on 4 March.
    assert (kinds["acceptance"]["due"], kinds["acceptance"]["met_on"]) == (
        "2026-03-11",
        "2026-03-04",
    )
    # Order No. 20 gives 45 working days from acceptance (over Qingming and Labour Day).
    mediation = due_date(
        WorkdayCalendar(), DeadlineKind.MEDIATION, date(2026, 3, 4), received=date(2026, 3, 2)
    )
    assert kinds["mediation"]["due"] == mediation.isoformat() == "2026-05-11"

    shown = json.loads(run(station, "case", "show", number, "--json").stdout)
    assert shown["status"] == "accepted" and shown["amount"] == "1299.50"
    assert [e["action"] for e in shown["events"]] == ["accept"]
    assert shown["events"][0]["note"] == "材料齐全"
    assert {d["kind"] for d in shown["deadlines"]} == {"acceptance", "mediation"}
    assert shown["workflow"]["accepted_on"] == "2026-03-04"


def test_a_refused_action_exits_2_with_each_problem_and_writes_nothing(station, tmp_path):
    number = _add_case(station)
    accepted = run(station, "case", "act", number, "accept", "--user", "li.clerk", env=AS_LI)
    assert accepted.returncode == 0, accepted.stderr
    run(
        station,
        "case",
        "act",
        number,
        "start-mediation",
        "--json",
        _payload(
            tmp_path, {"complainant_consents": True, "merchant_consents": True, "mode": "phone"}
        ),
    )
    before = _tables(station)
    done = run(
        station,
        "case",
        "act",
        number,
        "agree",
        "--json",
        _payload(tmp_path, {"terms": [{"type": "refund"}], "amount_recovered": "-1"}),
        "--user",
        "li.clerk",
        env=AS_LI,
    )
    assert done.returncode == 2
    assert "Nothing was saved" in done.stderr
    assert "ask a mediation officer" in done.stderr
    bad = run(
        station,
        "case",
        "act",
        number,
        "agree",
        "--json",
        _payload(
            tmp_path,
            {"terms": [{"type": "refund"}], "amount_recovered": "-1", "agreed_on": "2020-01-01"},
        ),
    )
    assert bad.returncode == 2
    problems = [line for line in bad.stderr.splitlines() if line.startswith("- ")]
    assert len(problems) == 7
    for key in ("(dispute)", "(mediators)", "(performance)", "(performance_due)"):
        assert any(key in p for p in problems), key
    assert any("needs its amount" in p for p in problems)
    assert any("no minus sign" in p for p in problems)
    assert any("before the case was received" in p for p in problems)
    assert _tables(station) == before


def test_case_act_reads_the_payload_from_standard_input(station):
    number = _add_case(station)
    done = run(
        station,
        "case",
        "act",
        number,
        "refuse",
        "--json",
        "-",
        stdin=json.dumps({"ground": 5, "note": "材料不全"}),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["event"]["details"]["ground"] == 5


def test_unknown_action_and_unknown_case(station):
    number = _add_case(station)
    assert "is not an action" in run(station, "case", "act", number, "dance").stderr
    missing = run(station, "case", "act", "RC-MT-2026-99999", "accept")
    assert missing.returncode == 2 and "RC-MT-2026-99999" in missing.stderr


def test_due_lists_todays_work(station):
    number = _add_case(station)
    done = run(station, "due", "--json", "--date", "2026-03-11")
    assert done.returncode == 0, done.stderr
    work = json.loads(done.stdout)
    assert set(work) >= {"overdue", "today", "this_week", "totals", "date", "station"}
    assert work["station"] == "RC-MT"
    today = {item["case_no"]: item for item in work["today"]}
    assert today[number]["kind"] == "acceptance"
    assert today[number]["complainant"] == "张三"
    plain = run(station, "due", "--date", "2026-03-11")
    assert plain.returncode == 0 and number in plain.stdout


def test_holidays_import_and_a_bad_file(station, tmp_path):
    good = tmp_path / "2027.json"
    good.write_text(
        json.dumps(
            {
                "year": 2027,
                "source": "测试用安排",
                "holidays": [{"from": "2027-10-01", "to": "2027-10-07"}],
                "workdays": ["2027-09-26"],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    done = run(station, "holidays", "import", str(good))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["year"], result["holidays"], result["workdays"]) == (2027, 7, 1)

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"year": 2027, "holidays": ["2027-10-01", "2027-13-01"]}), encoding="utf-8"
    )
    before = _tables(station)
    refused = run(station, "holidays", "import", str(bad))
    assert refused.returncode == 2
    assert "Holidays, entry 2" in refused.stderr and "2027-13-01" in refused.stderr
    assert _tables(station) == before


def test_show_reveal_is_for_administrators_and_audited_with_the_cli_user(station):
    number = _add_case(station)
    for command in (["show", "--json"], ["members"]):  # a clerk is refused: nothing printed
        refused = run(
            station, "case", command[0], number, *command[1:], "--reveal", "--user", "li.clerk",
            env=AS_LI,
        )  # fmt: skip
        assert refused.returncode == 2
        assert refused.stdout == "" and "Only an administrator" in refused.stderr
    out = station / "registration.pdf"
    printed = run(
        station, "print", "complaint_registration", number, "--out", str(out),
        "--user", "li.clerk", env=AS_LI,
    )  # fmt: skip
    assert printed.returncode == 1 and not out.exists()
    assert "only an officer or an administrator" in printed.stderr
    masked = json.loads(run(station, "case", "show", number, "--json").stdout)
    assert "11010519491231002X" not in json.dumps(masked)
    revealed = run(station, "case", "show", number, "--json", "--reveal")
    assert revealed.returncode == 0, revealed.stderr
    assert json.loads(revealed.stdout)["complainants"][0]["id_number"] == "11010519491231002X"
    with Store(station / "station.db") as store:
        case_id = store.scalar("SELECT id FROM cases WHERE case_no = ?", (number,))
        rows = store.query(
            "SELECT actor, field FROM audit_log WHERE case_id = ? AND kind = 'reveal'", (case_id,)
        )
    assert {(r["actor"], r["field"]) for r in rows} == {("admin", "id_number"), ("admin", "phone")}
    # A masked show logs nothing.
    run(station, "case", "show", number, "--json")
    with Store(station / "station.db") as store:
        assert (
            store.scalar(
                "SELECT count(*) FROM audit_log WHERE case_id = ? AND kind = 'reveal'", (case_id,)
            )
            == 2
        )
