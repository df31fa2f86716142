"""Shared set-up for the workflow tests: a village station under a township, its users, and a
short way to take an action."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from station_app.case_actions import ActionResult, act
from station_app.domain import Case, Role, Station, StationLevel, User
from station_app.store import Store
from station_app.store.accounts import add_user, initialise_station
from station_app.store.holidays import load_calendar
from tests.core.conftest import save_case

VILLAGE = "RC-MT-XC"  # this PC's station
TOWNSHIP = "RC-MT"  # its higher station
NOW = datetime(2026, 6, 1, 10, 0)

CLERK = User("li.clerk", "李文书", Role.CLERK, VILLAGE)
OFFICER = User("wang.officer", "王调解员", Role.OFFICER, VILLAGE)
CITY = User("zhao.city", "赵市局", Role.CITY, "RC")
TOWNSHIP_OFFICER = User("chen.officer", "陈调解员", Role.OFFICER, TOWNSHIP)

# Tables an action may write; a refused action must leave every one of them as it was.
WORKFLOW_TABLES = (
    "cases",
    "parties",
    "case_events",
    "mediation_sessions",
    "agreements",
    "follow_ups",
    "audit_log",
    "outbox",
    "case_deadlines",
    "holiday_schedules",
)


# What every agreement says besides its terms (the agree action asks for it).
AGREEMENT_WORDING = {
    "dispute": "商品存在质量问题，被投诉人承担退货退款责任。",
    "mediators": ["王调解员"],
}
PERFORMANCE = {"performance": "银行转账"}


def set_up_village(store: Store) -> None:
    initialise_station(
        store,
        Station(VILLAGE, "小村消费者投诉点", StationLevel.VILLAGE, parent_code=TOWNSHIP),
        User("admin", "管理员", Role.ADMIN, VILLAGE),
        "admin-secret-123",
    )
    for user in (CLERK, OFFICER):
        add_user(store, User(user.username, user.display_name, user.role, VILLAGE), "secret123")
    set_acting_bodies(store)


# Who acts on the village's documents: the township office decides, the station mediates.
ACTING = {
    "authority.name": "瑞昌市市场监督管理局码头市场监督管理所",
    "authority.prefix": "瑞市监消",
    "mediator.name": "瑞昌市码头镇消费者投诉站",
    "mediator.kind": "station",
    "court.name": "瑞昌市人民法院",
}


def set_acting_bodies(store: Store, **overrides: str) -> None:
    from station_app.store.station_settings import save_acting_settings

    values = {**ACTING, **{k.replace("_", "."): v for k, v in overrides.items()}}
    save_acting_settings(store, values, actor="admin")


def new_case(store: Store, **kwargs: Any) -> Case:
    return save_case(store, VILLAGE, **kwargs)


def do(
    store: Store,
    case: Case | str,
    action: str,
    payload: dict | None = None,
    *,
    user: User = OFFICER,
    station: str = VILLAGE,
    now: datetime = NOW,
) -> ActionResult:
    key = case if isinstance(case, str) else case.case_no
    return act(
        store,
        key,
        action,
        payload or {},
        user=user,
        station_code=station,
        calendar=load_calendar(store),
        now=now,
    )


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table an action may write, to compare before and after."""
    return {
        table: [tuple(row) for row in store.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for table in WORKFLOW_TABLES
    }


def events(store: Store, case: Case) -> list[dict]:
    rows = store.query(
        "SELECT * FROM case_events WHERE case_id = ? ORDER BY created_at, local_id", (case.id,)
    )
    for row in rows:
        row["details"] = json.loads(row["details"])
    return rows


def deadline_rows(store: Store, case: Case) -> dict[str, dict]:
    return {
        row["kind"]: row
        for row in store.query(
            "SELECT d.* FROM case_deadlines d JOIN cases c ON c.local_id = d.case_local_id"
            " WHERE c.id = ?",
            (case.id,),
        )
    }


def case_row(store: Store, case: Case) -> dict:
    return store.query("SELECT * FROM cases WHERE id = ?", (case.id,))[0]


def audit_rows(store: Store, case: Case, table: str = "cases") -> list[dict]:
    return store.query(
        "SELECT actor, field, old_value, new_value, kind FROM audit_log"
        " WHERE case_id = ? AND table_name = ? ORDER BY local_id",
        (case.id, table),
    )


def issue_agreement(store: Store, case: Case, data_dir, *, now: datetime = NOW):
    """Issue (first print) the case's mediation agreement, as the documents dialog does."""
    from station_app.document_issuing import issue_document

    return issue_document(
        store,
        data_dir,
        case.case_no,
        "mediation_agreement",
        user=OFFICER,
        station_code=VILLAGE,
        now=now,
    )
