"""`station-app settings`: who acts on the station's documents, set and shown from the command
line, bad values refused whole, and a document that needs an empty setting names it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station_app.domain import Role, User
from station_app.store import Store
from station_app.store.accounts import add_user
from tests.support.cli import EXAMPLE, init_station, run

AUTHORITY = "瑞昌市市场监督管理局码头市场监督管理所"


@pytest.fixture
def station(tmp_path: Path) -> Path:
    return init_station(tmp_path / "data")


def _shown(station: Path) -> dict:
    done = run(station, "settings", "show", "--json")
    assert done.returncode == 0, done.stderr
    return {key: item["value"] for key, item in json.loads(done.stdout).items()}


def test_init_makes_the_station_its_own_mediator_and_leaves_the_authority_to_set(station):
    shown = _shown(station)
    assert shown["mediator.name"] == "码头镇消费者投诉站"
    assert shown["mediator.kind"] == "station"
    assert shown["authority.name"] == "" and shown["court.name"] == ""


def test_set_then_show(station):
    for key, value in (
        ("authority.name", AUTHORITY),
        ("authority.prefix", "瑞市监消"),
        ("mediator.kind", "people_mediation_committee"),
        ("prefix.mediation_agreement", "码调委"),
    ):
        done = run(station, "settings", "set", key, value)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {key: value}
    shown = _shown(station)
    assert shown["authority.name"] == AUTHORITY
    assert shown["mediator.kind"] == "people_mediation_committee"
    assert shown["prefix.mediation_agreement"] == "码调委"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("authority.prefix", "瑞市\x07监消", "cannot be printed (U+0007)"),
        ("authority.name", "局" * 500, "is 500 characters long"),
        ("mediator.kind", "court", "must be one of"),
        ("authority.nmae", "x", "Unknown setting"),
        ("authority.prefix", "瑞 市", "without spaces"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message_and_nothing_saved(
    station, key, value, message
):
    before = _shown(station)
    done = run(station, "settings", "set", key, value)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert _shown(station) == before


def test_only_an_administrator_changes_the_settings(station):
    with Store(station / "station.db") as store:
        add_user(store, User("wang", "王调解员", Role.OFFICER, "RC-MT"), "secret123")
    done = run(station, "settings", "set", "authority.name", AUTHORITY, "--user", "wang")
    assert done.returncode == 2 and "administrator" in done.stderr
    assert _shown(station)["authority.name"] == ""


def test_a_decision_is_not_issued_while_the_authority_is_empty(station, tmp_path):
    added = run(station, "case", "add", "--json", str(EXAMPLE))
    number = json.loads(added.stdout)["case_numbers"][0]
    done = run(station, "case", "act", number, "accept", "--json", "-", stdin="{}")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "a.pdf"
    done = run(station, "print", "acceptance_decision", number, "--out", str(out))
    assert done.returncode == 2
    assert "authority.name" in done.stderr and "authority.prefix" in done.stderr
    assert not out.exists()
    run(station, "settings", "set", "authority.name", AUTHORITY)
    run(station, "settings", "set", "authority.prefix", "瑞市监消")
    done = run(station, "print", "acceptance_decision", number, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["doc_no"].startswith("瑞市监消受〔")


def test_a_key_the_city_office_locked_is_refused_and_shown_with_its_source(station):
    from tests.core.test_city_reference import pull_reference

    with Store(station / "station.db") as store:
        pull_reference(
            store,
            "authority",
            {"defaults": {"authority.name": "瑞昌市市场监督管理局"}, "overridable": ["court.name"]},
        )
    done = run(station, "settings", "set", "authority.name", AUTHORITY)
    assert done.returncode == 2 and "set by the city office" in done.stderr
    done = run(station, "settings", "show", "--json")
    shown = json.loads(done.stdout)
    assert shown["authority.name"] == {
        "value": "瑞昌市市场监督管理局",
        "source": "city",
        "city": "瑞昌市市场监督管理局",
        "station": "",
        "overridable": False,
    }
    assert shown["mediator.name"]["source"] == "station"
    assert shown["court.name"]["source"] == "unset"
    text = run(station, "settings", "show").stdout
    assert "authority.name = 瑞昌市市场监督管理局    [set by the city office, locked]" in text
