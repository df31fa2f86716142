"""Pulled changes: applied by one module, never echoed, searchable and on the work list under
their new values only, and never over a local change that was not pushed yet."""

from __future__ import annotations

import json

import pytest

from station_app.domain import Role, Station, StationLevel, User
from station_app.store import Store
from station_app.store.accounts import initialise_station
from station_app.store.case_list import search_cases
from station_app.store.chain import verify_chains
from station_app.store.search_index import rebuild_index
from station_app.store.sync_apply import (
    RemoteChange,
    apply_remote_changes,
    pending_conflicts,
)
from tests.core.conftest import save_case
from tests.core.workflow_helpers import (
    CLERK,
    TOWNSHIP,
    TOWNSHIP_OFFICER,
    VILLAGE,
    deadline_rows,
    do,
    new_case,
    set_up_village,
)


@pytest.fixture
def home(store):
    """This PC: the village station."""
    set_up_village(store)
    return store


@pytest.fixture
def township(tmp_path):
    """Another PC: the township station, whose pushed changes reach this one through the
    server (here: straight from its outbox)."""
    path = tmp_path / "township"
    path.mkdir()
    other = Store(path / "station.db")
    initialise_station(
        other,
        Station(TOWNSHIP, "码头镇消费者投诉站", StationLevel.TOWNSHIP, parent_code="RC"),
        User("chen.admin", "管理员", Role.ADMIN, TOWNSHIP),
        "admin-secret-123",
    )
    yield other
    other.close()


class Server:
    """The city server's order of changes: every outbox entry gets the next version."""

    def __init__(self) -> None:
        self.version = 1000
        self.pushed: dict[int, int] = {}

    def pull(self, source: Store, station: str, tables: tuple[str, ...] | None = None):
        changes = []
        for entry in source.query("SELECT * FROM outbox ORDER BY seq"):
            if entry["seq"] in self.pushed or (tables and entry["table_name"] not in tables):
                continue
            self.version += 1
            self.pushed[entry["seq"]] = self.version
            values = json.loads(entry["new_values"] or entry["old_values"])
            changes.append(
                RemoteChange(
                    entry["table_name"], entry["row_id"], entry["op"], values, self.version,
                    station,
                )
            )  # fmt: skip
        return changes


CASE_TABLES = ("merchants", "cases", "parties", "case_events", "agreements", "audit_log")


def _names(store: Store, query: str) -> list[str]:
    return [row.case_no for row in search_cases(store, query)]


def test_a_pulled_case_is_stored_without_echo_searchable_and_on_the_work_list(home, township):
    case = save_case(township, TOWNSHIP, name="欧阳娜娜", phone="13987654321")
    server = Server()
    outbox_before = home.scalar("SELECT count(*) FROM outbox")

    result = apply_remote_changes(home, server.pull(township, TOWNSHIP, CASE_TABLES))

    assert not result.rejected and result.applied >= 3
    assert home.scalar("SELECT count(*) FROM outbox") == outbox_before  # no echo
    assert _names(home, "欧阳娜娜") == [case.case_no]
    assert _names(home, "4321") == [case.case_no]
    assert set(deadline_rows(home, case)) == {"acceptance"}
    # Audited as coming from the township, and versioned as the server numbered it.
    origins = {
        r[0]
        for r in home.execute(
            "SELECT origin FROM audit_log WHERE case_id = ? AND owner_station = ?",
            (case.id, VILLAGE),
        )
    }
    assert origins == {"remote:RC-MT"}
    # The township's own audit rows came along as they are, with their chain.
    assert home.scalar(
        "SELECT count(*) FROM audit_log WHERE case_id = ? AND owner_station = ?",
        (case.id, TOWNSHIP),
    ) == township.scalar("SELECT count(*) FROM audit_log WHERE case_id = ?", (case.id,))
    assert (
        home.scalar(
            "SELECT version FROM row_versions WHERE table_name = 'cases' AND row_id = ?", (case.id,)
        )
        > 1000
    )
    assert verify_chains(home) == []


def test_a_pulled_change_written_the_obvious_way_moves_the_search_terms(home, township):
    """The issue's case: a pulled new name; search must find the new name only, and a
    re-index must not bring the old one back."""
    case = save_case(township, TOWNSHIP, name="欧阳娜娜", phone="13987654321")
    server = Server()
    apply_remote_changes(home, server.pull(township, TOWNSHIP, CASE_TABLES))
    with township.transaction(actor="chen.admin"):
        township.execute("UPDATE parties SET name = '司马光' WHERE case_id = ?", (case.id,))

    result = apply_remote_changes(home, server.pull(township, TOWNSHIP, CASE_TABLES))

    # The party's new name, and the township's audit row of the change.
    assert result.applied == 2 and not result.rejected
    assert _names(home, "司马光") == [case.case_no]
    assert _names(home, "欧阳娜娜") == []
    assert not home.query(
        "SELECT 1 FROM outbox WHERE table_name = 'parties' AND row_id IN"
        " (SELECT id FROM parties WHERE case_id = ?)",
        (case.id,),
    )
    with home.transaction():
        rebuild_index(home.conn)
    assert _names(home, "司马光") == [case.case_no]
    assert _names(home, "欧阳娜娜") == []


def test_pulled_events_recompute_the_deadlines(home, township):
    case = save_case(township, TOWNSHIP)
    server = Server()
    apply_remote_changes(home, server.pull(township, TOWNSHIP, CASE_TABLES))
    assert deadline_rows(home, case)["acceptance"]["met_on"] is None
    do(township, case, "accept", {"occurred_at": "2026-03-04"}, user=TOWNSHIP_OFFICER,
       station=TOWNSHIP)  # fmt: skip

    apply_remote_changes(home, server.pull(township, TOWNSHIP, CASE_TABLES))

    rows = deadline_rows(home, case)
    assert rows["acceptance"]["met_on"] == "2026-03-04"
    assert rows == deadline_rows(township, case)


def test_a_pulled_value_never_overwrites_a_local_change_not_pushed_yet(home, township):
    case = save_case(township, TOWNSHIP, facts="冰箱不制冷")
    server = Server()
    apply_remote_changes(home, server.pull(township, TOWNSHIP, CASE_TABLES))
    with home.transaction(actor=CLERK.username):
        home.execute("UPDATE cases SET facts = '本地补充的事实' WHERE id = ?", (case.id,))
    local_entries = home.query("SELECT seq FROM outbox WHERE row_id = ?", (case.id,))
    with township.transaction(actor="chen.admin"):
        township.execute(
            "UPDATE cases SET facts = '镇里改的事实', category = '食品类' WHERE id = ?",
            (case.id,),
        )

    result = apply_remote_changes(home, server.pull(township, TOWNSHIP, CASE_TABLES))

    row = home.query("SELECT facts, category FROM cases WHERE id = ?", (case.id,))[0]
    assert row == {"facts": "本地补充的事实", "category": "食品类"}
    assert result.conflicts == [("cases", case.id, "facts")]
    [conflict] = pending_conflicts(home)
    assert json.loads(conflict["remote_value"]) == "镇里改的事实"
    assert json.loads(conflict["local_value"]) == "本地补充的事实"
    # The local change is still pending, and search follows the rows as they are.
    assert home.query("SELECT seq FROM outbox WHERE row_id = ?", (case.id,)) == local_entries
    assert _names(home, "本地补充") == [case.case_no]
    assert _names(home, "镇里改") == []


def test_only_the_owner_station_changes_a_case_status(home, township):
    case = new_case(home)  # owned by this village station
    server = Server()
    forged = RemoteChange("cases", case.id, "update", {"status": "closed"}, 5000, TOWNSHIP)
    result = apply_remote_changes(home, [forged])
    assert result.applied == 0 and len(result.rejected) == 1
    assert "owns a case" in result.rejected[0][1]
    assert home.scalar("SELECT status FROM cases WHERE id = ?", (case.id,)) == "registered"
    assert server.version == 1000


def test_natural_keys_usernames_and_holiday_years(home, township):
    from station_app.store.holidays import save_schedule
    from station_app.workdays import parse_holiday_file

    schedule = {
        "year": 2027,
        "source": "国务院办公厅通知",
        "holidays": ["2027-01-01"],
        "workdays": [],
    }
    save_schedule(home, parse_holiday_file(json.dumps(schedule)), station_code=VILLAGE)
    township.execute(
        "INSERT INTO users(id, username, display_name, role, station_code, password_hash,"
        " owner_station, created_at, updated_at) VALUES ('u-1', 'li.clerk', '同名', 'clerk',"
        " 'RC-MT', 'x', 'RC-MT', '', '')"
    )
    city_schedule = dict(schedule, holidays=["2027-01-01", "2027-01-04"], source="市局下发")
    save_schedule(township, parse_holiday_file(json.dumps(city_schedule)), station_code="RC")
    server = Server()

    result = apply_remote_changes(
        home, server.pull(township, TOWNSHIP, ("users", "holiday_schedules"))
    )

    reasons = [reason for _change, reason in result.rejected]
    assert any("li.clerk" in reason for reason in reasons)
    assert home.scalar("SELECT count(*) FROM users WHERE username = 'li.clerk'") == 1
    rows = home.query("SELECT id, source FROM holiday_schedules WHERE year = 2027")
    city_id = township.scalar("SELECT id FROM holiday_schedules WHERE year = 2027")
    assert rows == [{"id": city_id, "source": "市局下发"}]
