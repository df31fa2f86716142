"""What happened to each demo case after it was registered: a lawful workflow history.

`plan_history` writes, for one demo case, the steps a station takes (accept, mediate, agree,
close, visit ...) as the payloads a clerk gives `station-app case act`, with the shares of a
real station: most old complaints accepted, mediated and closed with an agreement or a
termination, some refused, reports checked and answered, follow-up visits, a few escalations;
only recent cases are still open. The steps keep the rules a strict workflow keeps: consents
before mediation, termination on the time-limit ground only after the mediation deadline, no
step before the one it follows, nothing after `HISTORY_NOW`.

`apply_history` turns the steps into the rows the workflow writes: it asks workflow.check_action
for each transition and action_payloads.parse_payload for each payload, and builds the event
details, the case's workflow columns, and the session, agreement and follow-up rows exactly as
case_actions.act does (a test replays demo histories through act and compares). Pure: no SQL.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from station_app.action_payloads import parse_payload, when_key
from station_app.deadlines import DeadlineKind, compute_deadline
from station_app.domain import CaseKind, CaseStatus, Role
from station_app.money import to_fen
from station_app.store.case_events import terms_to_json
from station_app.workdays import WorkdayCalendar
from station_app.workflow import Action, CaseState, check_action

# The demo's "now": steps later than this have not happened yet.
HISTORY_NOW = datetime(2026, 11, 20, 20, 0)

_MEDIATORS = ("柯建华", "刘海燕", "熊志刚", "胡丽萍", "徐文斌")
_COURT = "瑞昌市人民法院"


@dataclass(frozen=True)
class Step:
    action: Action
    payload: dict[str, Any]


@dataclass
class CaseFacts:
    """What the history of a case depends on."""

    case_no: str
    kind: CaseKind
    channel: str
    received: datetime
    purchase: date | None
    amount_fen: int | None
    consent_mediation: bool
    consent_entrusted: bool
    anonymous: bool
    has_phone: bool
    complainants: int
    owner_station: str
    parent_station: str | None


def _moment(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class _Clock:
    """The time of the case's next step, moving forward only."""

    def __init__(self, start: datetime, rng: random.Random):
        self.now = start
        self.rng = rng

    def after(self, days_low: int, days_high: int) -> datetime:
        days = self.rng.randint(days_low, days_high)
        if days:
            moved = (self.now + timedelta(days=days)).replace(
                hour=self.rng.choice((8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 17)),
                minute=self.rng.randrange(60),
            )
        else:
            moved = self.now + timedelta(minutes=self.rng.randint(5, 90))
        self.now = max(moved, self.now + timedelta(minutes=1))
        return self.now


def plan_history(facts: CaseFacts, calendar: WorkdayCalendar, seed: str) -> list[Step]:
    """The steps of the case, in order, up to HISTORY_NOW."""
    rng = random.Random(f"history:{seed}:{facts.case_no}")
    if facts.kind is CaseKind.COMPLAINT:
        steps = _complaint(facts, calendar, rng)
    elif facts.kind is CaseKind.REPORT:
        steps = _report(facts, rng)
    else:
        steps = _consultation(facts, rng)
    kept = []
    for when, step in steps:
        if when > HISTORY_NOW:
            break
        kept.append(step)
    return kept


def _step(steps: list, when: datetime, action: Action, **payload: Any) -> None:
    key = when_key(action)
    if key not in payload:
        payload[key] = _moment(when) if key in ("occurred_at", "held_at", "at") else None
    if payload[key] is None:
        payload[key] = when.date().isoformat()
    steps.append((when, Step(action, payload)))


def _pick(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    total = sum(weight for _v, weight in table)
    x = rng.random() * total
    for value, weight in table:
        x -= weight
        if x < 0:
            return value
    return table[-1][0]


def _complaint(facts: CaseFacts, calendar: WorkdayCalendar, rng: random.Random) -> list:
    steps: list = []
    clock = _Clock(facts.received, rng)
    if facts.channel in ("phone", "walk_in") and rng.random() < 0.12:
        dispatched = clock.after(0, 0)
        _step(steps, dispatched, Action.DISPATCH)
        late = rng.random() < 0.08
        arrived = dispatched + timedelta(
            minutes=rng.randint(31, 70) if late else rng.randint(6, 30)
        )
        clock.now = arrived
        _step(steps, arrived, Action.ARRIVE)
    limitation = (
        facts.purchase is not None and (facts.received.date() - facts.purchase).days > 3 * 365
    )
    roll = rng.random()
    if limitation or roll < 0.07:
        ground = 4 if limitation else _pick(rng, ((1, 30), (2, 20), (3, 30), (5, 15), (7, 5)))
        _step(steps, clock.after(1, 5), Action.REFUSE, ground=ground)
        _close(steps, clock, rng, satisfied=0.6)
        return steps
    if roll < 0.10:
        _step(steps, clock.after(0, 4), Action.WITHDRAW, note="投诉人表示已与商家自行协商解决")
        _close(steps, clock, rng, satisfied=0.9)
        return steps
    accepted = clock.after(8, 12) if rng.random() < 0.02 else clock.after(0, 5)
    _step(steps, accepted, Action.ACCEPT)
    if facts.parent_station and rng.random() < 0.015:
        _step(
            steps,
            clock.after(0, 3),
            Action.ESCALATE,
            to_station=facts.parent_station,
            reason="涉及金额较大、当事人较多，提请上级调解",
        )
        return steps
    if not facts.consent_mediation:
        _step(steps, clock.after(1, 5), Action.TERMINATE, ground=3, note="被投诉人明确拒绝调解")
        _close(steps, clock, rng, satisfied=0.5, court=0.05)
        return steps
    mode = _pick(rng, (("on_site", 45), ("phone", 50), ("video", 5)))
    _step(
        steps,
        clock.after(0, 3),
        Action.START_MEDIATION,
        complainant_consents=True,
        merchant_consents=True,
        entrusted=facts.consent_entrusted,
        mode=mode,
    )
    outcome = _pick(rng, (("agree", 78), ("terminate", 15), ("withdraw", 7)))
    suspended = outcome != "terminate" and rng.random() < 0.04
    for number in range(rng.choice((1, 1, 1, 2, 2, 3))):
        when = clock.after(0 if number == 0 else 1, 8)
        session_mode = mode if number == 0 else rng.choice(("on_site", "phone"))
        _step(
            steps,
            when,
            Action.RECORD_SESSION,
            held_at=_moment(when),
            place="码头镇消费者投诉站调解室" if session_mode == "on_site" else "",
            mode=session_mode,
            mediators=rng.sample(_MEDIATORS, rng.choice((1, 2))),
            recorder=rng.choice(_MEDIATORS),
            result="双方陈述意见，调解员释明法律规定" if number == 0 else "双方进一步协商",
        )
        if suspended and number == 0:
            _step(
                steps,
                clock.after(1, 3),
                Action.SUSPEND,
                reason=rng.choice(("appraisal", "testing")),
                note="委托检测机构检测",
            )
            _step(steps, clock.after(5, 20), Action.RESUME, note="检测报告已出具")
    if outcome == "agree":
        _agree(steps, facts, clock, rng)
        return steps
    if outcome == "withdraw":
        _step(steps, clock.after(1, 6), Action.WITHDRAW, note="双方自行和解，投诉人撤回投诉")
        _close(steps, clock, rng, satisfied=0.9)
        return steps
    ground = _pick(rng, ((4, 45), (3, 30), (2, 5), (1, 10), (5, 10)))
    if ground == 5:
        # The time-limit ground only once the mediation time limit has passed.
        limit = compute_deadline(
            calendar, DeadlineKind.MEDIATION, accepted.date(), received=facts.received.date()
        ).due
        day = limit + timedelta(days=rng.randint(1, 5))
        clock.now = max(clock.now, datetime.combine(day, datetime.min.time()).replace(hour=10))
        when = clock.now
    else:
        when = clock.after(1, 10)
    _step(steps, when, Action.TERMINATE, ground=ground)
    _close(steps, clock, rng, satisfied=0.55, court=0.06)
    return steps


def _agree(steps: list, facts: CaseFacts, clock: _Clock, rng: random.Random) -> None:
    claimed = facts.amount_fen or rng.randint(50, 3000) * 100
    term_type = _pick(
        rng, (("refund", 55), ("compensation", 15), ("repair", 12), ("replacement", 18))
    )
    if term_type == "refund":
        share = rng.choice((1, 1, 1, 0.8, 0.6, 0.5))
        recovered = max(100, int(claimed * share) // 100 * 100)
        terms = [{"type": "refund", "amount": _yuan(recovered), "description": "退还货款"}]
    elif term_type == "compensation":
        recovered = max(50_000, claimed * 3) if rng.random() < 0.3 else max(100, claimed // 2)
        terms = [
            {"type": "refund", "amount": _yuan(claimed), "description": "退还货款"},
            {"type": "compensation", "amount": _yuan(recovered), "description": "赔偿"},
        ]
        recovered += claimed
    elif term_type == "repair":
        recovered = claimed // 5 // 100 * 100
        terms = [{"type": "repair", "amount": None, "description": "免费维修至正常使用"}]
    else:
        recovered = claimed
        terms = [{"type": "replacement", "amount": None, "description": "更换同型号新品"}]
    agreed = clock.after(1, 12)
    on_spot = rng.random() < 0.8
    payload: dict[str, Any] = {
        "terms": terms,
        "amount_recovered": _yuan(recovered),
        "dispute": "双方就商品（服务）质量及退赔事宜发生争议，经调解查明事实、分清责任",
        "performed_on_spot": on_spot,
        "mediators": rng.sample(_MEDIATORS, 2),
        "agreed_on": agreed.date().isoformat(),
    }
    due = None
    if not on_spot:
        due = agreed.date() + timedelta(days=rng.randint(3, 20))
        payload["performance"] = rng.choice(("银行转账", "现金支付", "微信转账", "到店更换"))
        payload["performance_due"] = due.isoformat()
    _step(steps, agreed, Action.AGREE, **payload)
    # No joint application for judicial confirmation: it is made for an issued agreement only
    # (workflow.judicial_application_refusal), and a demo issues no documents.
    if due is not None and rng.random() < 0.97:
        performed = due - timedelta(days=rng.randint(0, 3))
        if rng.random() < 0.05:
            performed = due + timedelta(days=rng.randint(1, 6))
        performed = max(performed, clock.now.date())
        clock.now = max(
            clock.now, datetime.combine(performed, datetime.min.time()).replace(hour=15)
        )
        _step(steps, clock.now, Action.RECORD_PERFORMANCE, performed_on=performed.isoformat())
    _close(steps, clock, rng, satisfied=0.97)


def _close(
    steps: list, clock: _Clock, rng: random.Random, *, satisfied: float, court: float = 0.0
) -> None:
    if court and rng.random() < court:
        when = clock.after(1, 6)
        _step(
            steps,
            when,
            Action.TRANSFER_COURT,
            transferred_on=when.date().isoformat(),
            court_name=_COURT,
        )
    _step(steps, clock.after(1, 6), Action.CLOSE)
    if rng.random() < 0.65:
        _follow_up(steps, clock, rng, "complainant", satisfied)
    if rng.random() < 0.4:
        _follow_up(steps, clock, rng, "merchant", 0.95)


def _follow_up(
    steps: list, clock: _Clock, rng: random.Random, party: str, satisfied: float
) -> None:
    roll = rng.random()
    if roll < satisfied:
        verdict = "satisfied"
    elif roll < satisfied + (1 - satisfied) * 0.6:
        verdict = "basically"
    else:
        verdict = "unsatisfied"
    when = clock.after(2, 15)
    _step(
        steps,
        when,
        Action.FOLLOW_UP,
        party=party,
        satisfaction=verdict,
        visited_on=when.date().isoformat(),
    )


def _report(facts: CaseFacts, rng: random.Random) -> list:
    steps: list = []
    clock = _Clock(facts.received, rng)
    _step(steps, clock.after(0, 3), Action.START_CHECK)
    extended = rng.random() < 0.06
    if extended:
        _step(
            steps,
            clock.after(5, 12),
            Action.EXTEND,
            note="案情复杂，需进一步核查，经负责人批准延长",
        )
    decided = clock.after(3, 14 if extended else 9)
    opened = rng.random() < 0.25
    _step(steps, decided, Action.OPEN_CASE if opened else Action.NOT_OPEN)
    if not facts.anonymous and facts.has_phone:
        _step(steps, clock.after(1, 4), Action.NOTIFY_RESULT, note="已电话告知举报人处理结果")
    _step(steps, clock.after(1, 5), Action.CLOSE)
    return steps


def _consultation(facts: CaseFacts, rng: random.Random) -> list:
    steps: list = []
    clock = _Clock(facts.received, rng)
    when = clock.after(1, 1) if rng.random() < 0.2 else clock.after(0, 0)
    _step(steps, when, Action.ANSWER, answer="已按政策法规解答")
    if rng.random() < 0.9:
        _step(steps, clock.after(0, 2), Action.CLOSE)
    return steps


# --------------------------------------------------------------------------- rows


@dataclass
class HistoryRows:
    """What the workflow writes for a case's history (ids, owner and times filled by the caller)."""

    status: CaseStatus
    case_changes: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    agreement: dict[str, Any] | None = None
    follow_ups: list[dict[str, Any]] = field(default_factory=list)


class HistoryRefused(Exception):
    """A demo history that the workflow would not accept (a bug of the generator)."""


def apply_history(
    facts: CaseFacts,
    steps: list[Step],
    *,
    actor: str,
    role: Role,
    station_code: str,
    promise: int,
    area: str,
    new_id,
) -> HistoryRows:
    """The rows of the case's history, each step checked by the workflow and its payload read
    by action_payloads, details shaped as case_actions.act writes them."""
    status = CaseStatus.REGISTERED
    owner = facts.owner_station
    rows = HistoryRows(status=status)
    changes = rows.case_changes
    dispatched: datetime | None = None
    for step in steps:
        action = step.action
        state = CaseState(facts.kind, status, owner)
        target = check_action(state, action, role=role, station_code=station_code)
        values, problems = parse_payload(action, step.payload)
        if problems:
            raise HistoryRefused(f"{facts.case_no} {action}: {problems}")
        moment = values[when_key(action)]
        occurred = (
            moment.strftime("%Y-%m-%d %H:%M")
            if isinstance(moment, datetime)
            else moment.isoformat()
        )
        day = occurred[:10]
        note = values.get("note", "")
        details: dict[str, Any] = {}
        if action is Action.ACCEPT:
            changes["accepted_on"] = day
        elif action in (Action.REFUSE, Action.TERMINATE):
            ground = values["ground"]
            details.update(ground=ground.item, ground_text=ground.text, article=ground.article)
        elif action is Action.START_MEDIATION:
            entrusted = bool(values.get("entrusted"))
            changes.update(consent_mediation=1, consent_entrusted=int(entrusted))
            details.update(
                complainant_consents=True,
                merchant_consents=True,
                entrusted=entrusted,
                mode=values.get("mode"),
            )
        elif action is Action.SUSPEND:
            details["reason"] = values.get("reason")
        elif action is Action.RECORD_SESSION:
            session_id = new_id()
            rows.sessions.append(
                {
                    "id": session_id,
                    "held_at": occurred,
                    "place": values.get("place", ""),
                    "mode": values["mode"],
                    "mediators": json.dumps(values.get("mediators", []), ensure_ascii=False),
                    "recorder": values.get("recorder", ""),
                    "attendees": json.dumps(values.get("attendees", []), ensure_ascii=False),
                    "complainant_statement": values.get("complainant_statement", ""),
                    "merchant_statement": values.get("merchant_statement", ""),
                    "result": values.get("result", ""),
                    "note": note,
                }
            )
            details.update(
                mode=values["mode"], result=values.get("result", ""), session_id=session_id
            )
        elif action is Action.AGREE:
            recovered: Decimal = values["amount_recovered"]
            on_spot = bool(values.get("performed_on_spot"))
            due = values.get("performance_due")
            agreement_id = new_id()
            rows.agreement = {
                "id": agreement_id,
                "agreed_on": day,
                "performed_on_spot": int(on_spot),
                "terms": terms_to_json(values["terms"]),
                "amount_recovered_fen": to_fen(recovered),
                "performance_due": due.isoformat() if due else None,
                "performed_on": day if on_spot else None,
                "judicial_applied_on": None,
                "judicial_confirmed_on": None,
                "court_name": "",
                "court_transfer_on": None,
            }
            changes["amount_recovered_fen"] = to_fen(recovered)
            details.update(
                agreement_id=agreement_id,
                terms=[
                    {
                        "type": t.type.value,
                        "amount": None if t.amount is None else f"{t.amount:.2f}",
                        "description": t.description,
                    }
                    for t in values["terms"]
                ],
                amount_recovered=f"{recovered:.2f}",
                performed_on_spot=on_spot,
                performance_due=due.isoformat() if due else None,
                dispute=values.get("dispute", ""),
                performance=values.get("performance", ""),
                mediators=list(values.get("mediators", [])),
            )
        elif action is Action.CLOSE:
            changes["closed_on"] = day
        elif action is Action.ESCALATE:
            to_station = values["to_station"].strip().upper()
            details.update(from_station=owner, to_station=to_station, reason=values["reason"])
            changes.update(owner_station=to_station, escalated_from=owner)
            owner = to_station
        elif action is Action.FOLLOW_UP:
            visit_id = new_id()
            rows.follow_ups.append(
                {
                    "id": visit_id,
                    "visited_on": day,
                    "party": values["party"],
                    "satisfaction": values["satisfaction"],
                    "note": note,
                }
            )
            details.update(
                follow_up_id=visit_id, party=values["party"], satisfaction=values["satisfaction"]
            )
        elif action is Action.DISPATCH:
            dispatched = values["at"]
            changes["dispatched_at"] = occurred
            details["area"] = area
        elif action is Action.ARRIVE:
            assert dispatched is not None
            # the promise counts from the moment the case was received (the phone call)
            minutes = int((values["at"] - facts.received).total_seconds() // 60)
            changes.update(arrived_at=occurred, promise_minutes=promise)
            details.update(
                minutes=minutes, promise_minutes=promise, kept=minutes <= promise, area=area
            )
        elif action is Action.RECORD_PERFORMANCE:
            assert rows.agreement is not None
            rows.agreement["performed_on"] = day
            due_text = rows.agreement["performance_due"]
            if due_text is not None:
                details.update(performance_due=due_text, late=day > due_text)
        elif action is Action.JUDICIAL_APPLY:
            assert rows.agreement is not None
            rows.agreement.update(judicial_applied_on=day, court_name=values["court_name"])
            details["court_name"] = values["court_name"]
        elif action is Action.JUDICIAL_CONFIRM:
            assert rows.agreement is not None
            rows.agreement["judicial_confirmed_on"] = day
        elif action is Action.TRANSFER_COURT:
            details["court_name"] = values["court_name"]
            if rows.agreement is not None:
                rows.agreement.update(court_transfer_on=day, court_name=values["court_name"])
        elif action is Action.EXTEND:
            changes["report_extended"] = 1
        elif action is Action.ANSWER:
            details["answer"] = values.get("answer", "")
        rows.events.append(
            {
                "action": action.value,
                "from_status": status.value,
                "to_status": target.value,
                "occurred_at": occurred,
                "note": note,
                "details": json.dumps(details, ensure_ascii=False, sort_keys=True),
                "owner_station": station_code,
            }
        )
        status = target
    rows.status = status
    if status is not CaseStatus.REGISTERED:
        changes["status"] = status.value
    return rows
