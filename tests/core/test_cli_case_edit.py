"""`station-app case edit` run as a real process: a correction saved, refused, or only checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import EXAMPLE, init_station, run


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli-case-edit") / "data"
    init_station(data_dir)
    return data_dir


def _add_case(station: Path) -> str:
    added = run(station, "case", "add", "--json", str(EXAMPLE))
    assert added.returncode == 0, added.stderr
    return json.loads(added.stdout)["case_numbers"][0]


def _show(station: Path, case_no: str) -> dict:
    shown = run(station, "case", "show", case_no, "--json", "--reveal")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_case_edit_corrects_a_name_and_the_search_follows(station):
    case_no = _add_case(station)
    party_id = _show(station, case_no)["complainants"][0]["id"]
    edits = {"complainants": [{"id": party_id, "name": "张叁"}], "amount": "1300"}
    done = run(station, "case", "edit", case_no, "--json", "-", stdin=json.dumps(edits))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["saved"] is True
    assert {c["field"]: (c["old"], c["new"]) for c in out["changes"]} == {
        "amount": ("1299.50", "1300.00"),
        "complainants[0].name": ("张三", "张叁"),
    }
    shown = _show(station, case_no)
    assert shown["complainants"][0]["name"] == "张叁"
    assert shown["amount"] == "1300.00"
    assert shown["events"][-1]["action"] == "correct"
    found = run(station, "search", "张叁", "--json")
    assert case_no in found.stdout


def test_an_invalid_edit_exits_2_naming_the_field_and_saves_nothing(station, tmp_path):
    case_no = _add_case(station)
    path = tmp_path / "edit.json"
    path.write_text(json.dumps({"merchant": {"name": ""}, "facts": "改"}), encoding="utf-8")
    done = run(station, "case", "edit", case_no, "--json", str(path))
    assert done.returncode == 2
    assert [e["field"] for e in json.loads(done.stdout)["errors"]] == ["merchant.name"]
    assert "Nothing was saved" in done.stderr
    assert _show(station, case_no)["facts"] == "购买的电饭煲使用三天后无法加热"


def test_dry_run_lists_the_changes_and_saves_nothing(station):
    case_no = _add_case(station)
    done = run(
        station, "case", "edit", case_no, "--json", "-", "--dry-run",
        stdin=json.dumps({"request": "换货"}),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["saved"] is False
    assert out["changes"] == [{"field": "request", "old": "退货退款", "new": "换货"}]
    assert _show(station, case_no)["request"] == "退货退款"
