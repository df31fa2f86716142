"""Demo histories are the workflow's own: replayed through case_actions.act, step by step, on
the same cases, they give the same events, rows, deadlines and figures as the bulk load."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime

import pytest

from station_app import case_actions
from station_app.deadlines import DeadlineKind, compute_deadline
from station_app.demo import ensure_demo_station, fill_demo, history_seed
from station_app.demo_history import HISTORY_NOW, CaseFacts, plan_history
from station_app.domain import CaseKind, CaseStatus, Role
from station_app.store import Store
from station_app.store.due import todays_work
from station_app.store.holidays import load_calendar
from station_app.workflow import Action

CASES = 400
SEED = 3
# The salt of a first load into an empty database (demo._load's plan).
FIRST_SALT = "0:[]"


def _store(path) -> Store:
    path.mkdir(parents=True, exist_ok=True)
    return Store(path / "station.db", backup_dir=path / "backups")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    bulk_store = _store(tmp_path_factory.mktemp("bulk"))
    code, _admin = ensure_demo_station(bulk_store)
    fill_demo(bulk_store, cases=CASES, station_code=code, seed=SEED)
    replayed = _store(tmp_path_factory.mktemp("replayed"))
    _code, admin = ensure_demo_station(replayed)
    fill_demo(replayed, cases=CASES, station_code=code, seed=SEED, histories=False)
    calendar = load_calendar(replayed)
    steps_taken = Counter()
    for facts in _facts(replayed):
        for step in plan_history(facts, calendar, history_seed(SEED, FIRST_SALT)):
            case_actions.act(
                replayed,
                facts.case_no,
                step.action,
                step.payload,
                user=admin,
                station_code=code,
                calendar=calendar,
                now=HISTORY_NOW,
            )
            steps_taken[step.action] += 1
    yield bulk_store, replayed, steps_taken
    bulk_store.close()
    replayed.close()


def _facts(store: Store) -> list[CaseFacts]:
    facts = []
    for row in store.query(
        "SELECT c.*, (SELECT count(*) FROM parties p WHERE p.case_id = c.id"
        " AND p.role = 'complainant') AS complainants,"
        " (SELECT p.phone FROM parties p WHERE p.case_id = c.id AND p.role = 'complainant'"
        " ORDER BY p.position LIMIT 1) AS first_phone FROM cases c ORDER BY c.local_id"
    ):
        facts.append(
            CaseFacts(
                case_no=row["case_no"],
                kind=CaseKind(row["kind"]),
                channel=row["channel"],
                received=datetime.fromisoformat(row["received_at"]),
                purchase=date.fromisoformat(row["purchase_date"])
                if row["kind"] == "complaint" and row["purchase_date"]
                else None,
                amount_fen=row["amount_fen"],
                consent_mediation=bool(row["consent_mediation"]),
                consent_entrusted=bool(row["consent_entrusted"]),
                anonymous=bool(row["anonymous"]),
                has_phone=bool(row["first_phone"]),
                complainants=row["complainants"],
                owner_station=row["owner_station"],
                parent_station="RC",
            )
        )
    return facts


_ID_KEYS = {"agreement_id", "session_id", "follow_up_id"}


def _events(store: Store) -> list[tuple]:
    return [
        (
            row["case_no"],
            row["action"],
            row["from_status"],
            row["to_status"],
            row["occurred_at"],
            row["note"],
            json.dumps(
                {k: v for k, v in json.loads(row["details"]).items() if k not in _ID_KEYS},
                sort_keys=True,
            ),
            row["owner_station"],
            row["actor"],
        )
        for row in store.query(
            "SELECT c.case_no, e.* FROM case_events e JOIN cases c ON c.id = e.case_id"
            " WHERE e.action != 'contact' ORDER BY c.case_no, e.created_at, e.local_id"
        )
    ]  # the demo's contact attempts (demo_registry.py) are checked on their own below


_CASE_FIELDS = (
    "status, accepted_on, closed_on, amount_recovered_fen, dispatched_at, arrived_at,"
    " promise_minutes, report_extended, escalated_from, owner_station, consent_mediation,"
    " consent_entrusted"
)


def _table(store: Store, sql: str) -> list[tuple]:
    return [tuple(row) for row in store.execute(sql)]


def test_every_step_is_accepted_by_the_workflow_and_gives_the_same_events(loaded):
    bulk_store, replayed, steps_taken = loaded
    # the shares a station has: most actions occur
    for action in (
        Action.ACCEPT,
        Action.REFUSE,
        Action.START_MEDIATION,
        Action.RECORD_SESSION,
        Action.AGREE,
        Action.TERMINATE,
        Action.CLOSE,
        Action.FOLLOW_UP,
        Action.START_CHECK,
        Action.NOT_OPEN,
        Action.OPEN_CASE,
        Action.ANSWER,
        Action.WITHDRAW,
    ):
        assert steps_taken[action] > 0, action
    assert _events(bulk_store) == _events(replayed)


def test_the_demo_contact_attempts_are_steps_the_workflow_allows_where_they_stand(loaded):
    from station_app.action_payloads import parse_payload
    from station_app.workflow import CaseState, check_action

    bulk_store, _replayed, _steps = loaded
    rows = bulk_store.query(
        "SELECT c.case_no, c.kind, c.received_at, c.owner_station, e.action, e.from_status,"
        " e.to_status, e.occurred_at, e.details FROM case_events e JOIN cases c"
        " ON c.id = e.case_id ORDER BY c.case_no, e.created_at, e.local_id"
    )
    contacts = 0
    status: dict[str, str] = {}
    for row in rows:
        before = status.get(row["case_no"], "registered")
        if row["action"] != "contact":
            status[row["case_no"]] = row["to_status"]
            continue
        contacts += 1
        assert row["from_status"] == row["to_status"] == before, row
        state = CaseState(CaseKind(row["kind"]), CaseStatus(before), row["owner_station"])
        assert check_action(state, Action.CONTACT, role=Role.ADMIN,
                            station_code=row["owner_station"]) == CaseStatus(before)  # fmt: skip
        details = json.loads(row["details"])
        payload = {"way": details["contact_way"], "result": details["contact_result"],
                   "occurred_at": row["occurred_at"]}  # fmt: skip
        assert parse_payload(Action.CONTACT, payload)[1] == []
        assert row["occurred_at"] >= row["received_at"][:16]
    assert contacts > 0


def test_the_rows_deadlines_and_figures_are_those_of_the_workflow(loaded):
    bulk_store, replayed, _steps = loaded
    for sql in (
        f"SELECT case_no, {_CASE_FIELDS} FROM cases ORDER BY case_no",
        "SELECT c.case_no, a.agreed_on, a.performed_on_spot, a.terms, a.amount_recovered_fen,"
        " a.performance_due, a.performed_on, a.judicial_applied_on, a.judicial_confirmed_on,"
        " a.court_name, a.court_transfer_on, a.owner_station"
        " FROM agreements a JOIN cases c ON c.id = a.case_id ORDER BY c.case_no",
        "SELECT c.case_no, f.visited_on, f.party, f.satisfaction, f.owner_station"
        " FROM follow_ups f JOIN cases c ON c.id = f.case_id ORDER BY c.case_no, f.local_id",
        "SELECT c.case_no, s.held_at, s.mode, s.place, s.mediators, s.result"
        " FROM mediation_sessions s JOIN cases c ON c.id = s.case_id ORDER BY c.case_no, s.local_id",
        "SELECT c.case_no, p.position, p.owner_station FROM parties p"
        " JOIN cases c ON c.id = p.case_id ORDER BY c.case_no, p.role, p.position",
        "SELECT c.case_no, d.kind, d.owner_station, d.start, d.due, d.met_on, d.paused_since"
        " FROM case_deadlines d JOIN cases c ON c.local_id = d.case_local_id"
        " ORDER BY c.case_no, d.kind",
        "SELECT c.case_no, f.* FROM case_figures f JOIN cases c ON c.local_id = f.case_local_id"
        " ORDER BY c.case_no",
    ):
        bulk_rows = [
            row[:1] + row[2:] if "case_figures" in sql else row for row in _table(bulk_store, sql)
        ]
        replayed_rows = [
            row[:1] + row[2:] if "case_figures" in sql else row for row in _table(replayed, sql)
        ]
        assert bulk_rows == replayed_rows, sql


def test_the_demo_events_are_sealed_into_the_station_chain(loaded):
    from station_app.store.chain import verify_chains

    bulk_store, _replayed, _steps = loaded
    assert bulk_store.scalar("SELECT count(*) FROM case_events WHERE row_hash IS NULL") == 0
    assert verify_chains(bulk_store) == []
    # only the station's own setup (station and administrator) waits for sync
    assert (
        bulk_store.scalar(
            "SELECT count(*) FROM outbox WHERE table_name NOT IN ('stations', 'users')"
        )
        == 0
    )


def test_old_cases_are_finished_and_only_recent_ones_open(loaded):
    bulk_store, _replayed, _steps = loaded
    old_open = bulk_store.scalar(
        "SELECT count(*) FROM cases WHERE received_at < '2026-09-01'"
        " AND status NOT IN ('closed', 'answered') AND escalated_from IS NULL"
    )
    total_old = bulk_store.scalar("SELECT count(*) FROM cases WHERE received_at < '2026-09-01'")
    assert old_open / total_old < 0.05
    work = todays_work(bulk_store, date(2026, 11, 21), station_code="RC-MT")
    assert work.totals["overdue"] < CASES * 0.1


def test_termination_on_the_time_limit_comes_after_the_mediation_deadline(loaded):
    bulk_store, _replayed, _steps = loaded
    calendar = load_calendar(bulk_store)
    rows = bulk_store.query(
        "SELECT c.received_at, c.accepted_on, e.occurred_at FROM case_events e"
        " JOIN cases c ON c.id = e.case_id"
        " WHERE e.action = 'terminate' AND json_extract(e.details, '$.ground') = 5"
    )
    for row in rows:
        limit = compute_deadline(
            calendar,
            DeadlineKind.MEDIATION,
            date.fromisoformat(row["accepted_on"]),
            received=date.fromisoformat(row["received_at"][:10]),
        ).due
        assert date.fromisoformat(row["occurred_at"][:10]) > limit
    # mediation always starts with both consents
    consents = bulk_store.query("SELECT details FROM case_events WHERE action = 'start-mediation'")
    assert consents
    for row in consents:
        details = json.loads(row["details"])
        assert details["complainant_consents"] and details["merchant_consents"]
