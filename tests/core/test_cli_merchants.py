"""`station-app merchant …` and the intake warnings of `case add`, run as real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import EXAMPLE, init_station, run

USCC = "91110108551385082Q"


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli-merchants") / "data"
    init_station(data_dir)
    return data_dir


def _case(**merchant) -> str:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["merchant"].update(merchant)
    return json.dumps(data, ensure_ascii=False)


def _list(station, *args) -> list[dict]:
    done = run(station, "merchant", "list", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_case_add_warns_on_many_open_complaints_and_the_abnormal_list(station):
    for _n in range(3):
        done = run(station, "case", "add", "--json", "-", stdin=_case())
        assert done.returncode == 0, done.stderr
        assert "open complaints" not in done.stderr
    fourth = run(station, "case", "add", "--json", "-", stdin=_case())
    assert fourth.returncode == 0 and json.loads(fourth.stdout)["saved"] == 1
    assert "already has 3 open complaints" in fourth.stderr

    listed = run(station, "merchant", "abnormal", USCC, "--since", "2026-01-05", "--note", "失联")
    assert listed.returncode == 0, listed.stderr
    fifth = run(station, "case", "add", "--json", "-", stdin=_case())
    assert fifth.returncode == 0
    assert "abnormal operations list (since 2026-01-05)" in fifth.stderr


def test_list_show_edit_and_merge(station):
    other = run(
        station, "case", "add", "--json", "-",
        stdin=_case(name="瑞昌市好又多 超市（湓城店）", uscc="", address="湓城街道"),
    )  # fmt: skip
    assert other.returncode == 0, other.stderr
    (kept,) = _list(station, USCC)
    (dup,) = _list(station, "湓城店")
    shown = run(station, "merchant", "show", dup["id"], "--json")
    assert shown.returncode == 0, shown.stderr
    assert len(json.loads(shown.stdout)["history"]) == 1

    edited = run(station, "merchant", "edit", dup["id"], "--json", "-",
                 stdin=json.dumps({"name": "瑞昌市好又多超市(湓城店)"}))  # fmt: skip
    assert edited.returncode == 0, edited.stderr
    assert _list(station, "(湓城店)")[0]["id"] == dup["id"]

    dups = run(station, "merchant", "duplicates", "--json")
    assert dups.returncode == 0
    kept_cases = kept["cases"]
    merged = run(station, "merchant", "merge", kept["id"], dup["id"])
    assert merged.returncode == 0, merged.stderr
    assert json.loads(merged.stdout)["cases_moved"] == 1
    (after,) = _list(station, USCC)
    assert after["cases"] == kept_cases + 1
    assert _list(station, "湓城店") == []


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("edit", USCC, "--json", "-"), '{"uscc": "123"}', "18 characters"),
        (("edit", USCC, "--json", "-"), '{"name": ""}', "name is empty"),
        (("edit", USCC, "--json", "-"), "[1]", "JSON must be an object"),
        (("merge", USCC, USCC), "", "merged with itself"),
        (("show", "无此商家"), "", "No merchant matches"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(station, args, stdin, message):
    before = _list(station)
    done = run(station, "merchant", *args, stdin=stdin)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    assert _list(station) == before


def test_help_is_chinese(station):
    done = run(station, "merchant", "--help", env={"STATION_APP_LANG": "zh_CN"})
    assert done.returncode == 0
    assert "商家" in done.stdout
