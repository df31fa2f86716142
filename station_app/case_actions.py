"""Taking a workflow action on a case: the one path used by the command line and the UI.

`act` loads the case, asks the workflow (workflow.check_action) whether the user may take the
action now, reads the payload (action_payloads), checks the dates and amounts against the
case's record, and then in one transaction updates the case, appends the event, writes the
related rows (session, agreement, follow-up, complainants' amounts) and recomputes the case's
deadlines; the audit log is written by triggers with the user's name. A refused action raises
ActionRejected with every problem and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from station_app.action_payloads import (
    ACTION_FIELDS,
    Member,
    field_name,
    parse_payload,
    when_key,
)
from station_app.case_clock import CaseDeadline
from station_app.case_json import CaseRecord, deadline_to_dict, event_to_dict
from station_app.deadlines import DeadlineKind, compute_deadline
from station_app.domain import (
    Agreement,
    CaseEvent,
    CaseKind,
    CaseStatus,
    CourtOutcome,
    FollowUp,
    FollowUpParty,
    MediationMode,
    MediationSession,
    PromiseArea,
    Role,
    Satisfaction,
    StationLevel,
    User,
    label,
)
from station_app.i18n import _
from station_app.money import to_fen
from station_app.numbering import is_valid_station_code
from station_app.store import due
from station_app.store.accounts import find_station
from station_app.store.case_events import (
    CaseProgress,
    add_agreement,
    add_event,
    add_follow_up,
    add_session,
    complainant_ids,
    find_progress,
    get_agreement,
    list_events,
    list_follow_ups,
    list_sessions,
    move_case_rows,
    set_party_amounts,
    terms_to_json,
    update_agreement,
    update_case,
)
from station_app.store.connection import Store
from station_app.store.documents import current_document
from station_app.store.holidays import load_calendar
from station_app.workdays import WorkdayCalendar
from station_app.workflow import (
    Action,
    CaseState,
    Ground,
    WorkflowRefused,
    check_action,
    judicial_application_refusal,
    judicial_window_warning,
    met_late_warning,
    termination_ground_refusal,
    time_limit_ground_refusal,
)

# The public promise: on the scene within 15 minutes in town and 30 in the townships, counted
# from the moment the case is received (the phone call), not from the dispatch (domain.md; the
# 2022 report of the city's commitment). A property of the place: one setting per area,
# "promise_minutes.town" and "promise_minutes.township".
PROMISE_SETTING_PREFIX = "promise_minutes."
DEFAULT_PROMISE_MINUTES = {PromiseArea.TOWN: 15, PromiseArea.TOWNSHIP: 30}


def promise_setting(area: PromiseArea) -> str:
    return PROMISE_SETTING_PREFIX + area.value


# A date may be up to a day ahead of the PC's clock (village PCs' clocks are often wrong).
FUTURE_TOLERANCE = timedelta(days=1)
# The document kind of the printed agreement (documents.mediation_agreement.KIND; the
# documents layer sits above this one).
AGREEMENT_DOCUMENT = "mediation_agreement"


class ActionRejected(Exception):
    """The action was not taken and nothing was written; `problems` says why, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class ActionResult:
    case_no: str
    action: Action
    from_status: CaseStatus
    to_status: CaseStatus
    event: CaseEvent
    deadlines: list[CaseDeadline]
    warnings: list[str] = field(default_factory=list)
    # The warnings that come from the calendar (a year without a holiday schedule): told
    # once after login (status bar, today's work), not after every step.
    calendar_warnings: list[str] = field(default_factory=list)

    @property
    def step_warnings(self) -> list[str]:
        """The warnings about this step itself (late, a promise not kept, ...)."""
        return [w for w in self.warnings if w not in self.calendar_warnings]

    def to_dict(self, today: date) -> dict[str, Any]:
        return {
            "case_no": self.case_no,
            "action": self.action.value,
            "from_status": self.from_status.value,
            "status": self.to_status.value,
            "event": event_to_dict(self.event),
            "deadlines": [deadline_to_dict(d, today) for d in self.deadlines],
            "warnings": list(self.warnings),
        }


def parse_action(name: str) -> Action:
    try:
        return Action(name.strip())
    except ValueError:
        raise ActionRejected(
            [
                _("“{name}” is not an action. Actions: {actions}.").format(
                    name=name, actions=", ".join(a.value for a in Action)
                )
            ]
        ) from None


def promise_minutes(store: Store, area: PromiseArea) -> int:
    """How soon the promise is to be on a scene in `area`: its setting, else 15 or 30."""
    setting = store.get_setting(promise_setting(area))
    if setting and setting.strip().isdigit() and int(setting) > 0:
        return int(setting)
    return DEFAULT_PROMISE_MINUTES[area]


def default_area(store: Store, station_code: str) -> PromiseArea:
    """Where a station's scenes usually are, when the dispatch does not say: in town for the
    city's own station, in a township for the others."""
    station = find_station(store, station_code)
    return (
        PromiseArea.TOWN
        if station and station.level is StationLevel.CITY
        else (PromiseArea.TOWNSHIP)
    )


# --------------------------------------------------------------------------- the plan


@dataclass
class _Plan:
    """What an action will write, built and checked before anything is written."""

    progress: CaseProgress
    action: Action
    target: CaseStatus
    occurred_at: str
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    case_changes: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    writes: list = field(default_factory=list)  # callables run after the event is written

    @property
    def occurred_on(self) -> date:
        return date.fromisoformat(self.occurred_at[:10])


@dataclass
class _Context:
    store: Store
    user: User
    station_code: str
    calendar: WorkdayCalendar
    now: datetime
    events: list[CaseEvent]
    agreement: Agreement | None


def _moment_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _check_moment(plan: _Plan, ctx: _Context, name: str, value: date | datetime) -> bool:
    """Not before the case was received, and not in the future (a day of clock error allowed)."""
    received = datetime.strptime(plan.progress.received_at, "%Y-%m-%d %H:%M")
    if isinstance(value, datetime):
        too_early = value < received
        too_late = value > ctx.now + FUTURE_TOLERANCE
    else:
        too_early = value < received.date()
        too_late = value > (ctx.now + FUTURE_TOLERANCE).date()
    if too_early:
        plan.problems.append(
            _("{field}: {value} is before the case was received ({received}).").format(
                field=name, value=_moment_text(value), received=plan.progress.received_at
            )
        )
    elif too_late:
        plan.problems.append(
            _(
                "{field}: {value} is in the future. Record a step when it has happened; check "
                "the date and the PC's clock."
            ).format(field=name, value=_moment_text(value))
        )
    return not (too_early or too_late)


def _not_before(plan: _Plan, name: str, value: date, earliest: date | None, what: str) -> None:
    if earliest is not None and value < earliest:
        plan.problems.append(
            _("{field}: {value} is before {what} ({earliest}).").format(
                field=name, value=value.isoformat(), what=what, earliest=earliest.isoformat()
            )
        )


def _last(events: list[CaseEvent], *actions: Action) -> CaseEvent | None:
    return next((e for e in reversed(events) if e.action in actions), None)


def _entered_status_on(events: list[CaseEvent]) -> date | None:
    """The day the case entered its present status (its last status change)."""
    changes = [e for e in events if e.from_status != e.to_status]
    return changes[-1].occurred_on if changes else None


def _ground_details(ground: Ground) -> dict[str, Any]:
    return {"ground": ground.item, "ground_text": ground.text, "article": ground.article}


# --------------------------------------------------------------------------- each action


def _plan_start_mediation(plan: _Plan, ctx: _Context) -> None:
    v = plan.values
    if v.get("complainant_consents") is False or v.get("merchant_consents") is False:
        plan.problems.append(
            _(
                "Mediation needs the consent of both the complainant and the merchant. Record "
                "it when both have agreed; if one refuses, terminate the mediation instead."
            )
        )
    entrusted = bool(v.get("entrusted"))
    plan.case_changes.update(consent_mediation=1, consent_entrusted=int(entrusted))
    plan.details.update(
        complainant_consents=True, merchant_consents=True, entrusted=entrusted, mode=v.get("mode")
    )


def _plan_suspend(plan: _Plan, ctx: _Context) -> None:
    plan.details["reason"] = plan.values.get("reason")


def _plan_record_session(plan: _Plan, ctx: _Context) -> None:
    v = plan.values
    started = _last(ctx.events, Action.START_MEDIATION)
    if "held_at" in v and started is not None:
        _not_before(
            plan,
            field_name(_spec(Action.RECORD_SESSION, "held_at")),
            v["held_at"].date(),
            started.occurred_on,
            _("the start of mediation"),
        )
    mode = MediationMode(v["mode"]) if "mode" in v else None
    if mode is MediationMode.ON_SITE and not v.get("place"):
        plan.problems.append(
            _("{field}: say where the on-site session was held.").format(
                field=field_name(_spec(Action.RECORD_SESSION, "place"))
            )
        )
    if "mediators" in v and not v["mediators"]:
        plan.problems.append(
            _("{field}: name at least one mediator.").format(
                field=field_name(_spec(Action.RECORD_SESSION, "mediators"))
            )
        )
    if plan.problems or mode is None:
        return
    session = MediationSession(
        held_at=plan.occurred_at,
        mode=mode,
        place=v.get("place", ""),
        mediators=v.get("mediators", []),
        recorder=v.get("recorder", ""),
        attendees=v.get("attendees", []),
        complainant_statement=v.get("complainant_statement", ""),
        merchant_statement=v.get("merchant_statement", ""),
        result=v.get("result", ""),
        note=plan.note,
    )

    def write() -> None:
        add_session(ctx.store, plan.progress.id, session, plan.progress.owner_station)
        plan.details["session_id"] = session.id

    plan.writes.insert(0, write)
    plan.details.update(mode=mode.value, result=session.result)


def _plan_agree(plan: _Plan, ctx: _Context) -> None:
    v = plan.values
    agreed_on = plan.occurred_on
    on_spot = bool(v.get("performed_on_spot"))
    performance_due: date | None = v.get("performance_due")
    due_name = field_name(_spec(Action.AGREE, "performance_due"))
    if on_spot and performance_due is not None:
        plan.problems.append(
            _(
                "{field}: an agreement performed on the spot has nothing left to perform; leave "
                "the date out or set “performed_on_spot” to false."
            ).format(field=due_name)
        )
    if performance_due is not None:
        _not_before(plan, due_name, performance_due, agreed_on, _("the agreement"))
    if not on_spot:
        # The printed agreement says how and by when it is performed (人民调解法第二十九条).
        for key in ("performance", "performance_due"):
            if key not in v:
                plan.problems.append(
                    _(
                        "{field} is required unless the agreement was performed on the spot "
                        "(“performed_on_spot”: true)."
                    ).format(field=field_name(_spec(Action.AGREE, key)))
                )
    _check_mediators(plan, Action.AGREE)
    members: list[Member] = v.get("members", [])
    party_ids = complainant_ids(ctx.store, plan.progress.id)
    for member in members:
        if member.position > len(party_ids):
            plan.problems.append(
                _("The case has {count} complainants; there is no complainant {number}.").format(
                    count=len(party_ids), number=member.position
                )
            )
    recovered: Decimal | None = v.get("amount_recovered")
    member_total = sum((m.recovered for m in members if m.recovered is not None), Decimal(0))
    if recovered is not None and any(m.recovered is not None for m in members):
        if member_total != recovered:
            plan.problems.append(
                _(
                    "The complainants' recovered amounts add up to {total} yuan, but the amount "
                    "recovered is {amount} yuan. Correct one of them."
                ).format(total=f"{member_total:.2f}", amount=f"{recovered:.2f}")
            )
    if plan.problems or "terms" not in v:
        return
    agreement = Agreement(
        agreed_on=agreed_on,
        terms=v["terms"],
        performed_on_spot=on_spot,
        amount_recovered=recovered,
        performance_due=performance_due,
        performed_on=agreed_on if on_spot else None,
    )
    plan.case_changes["amount_recovered_fen"] = to_fen(recovered)

    def write() -> None:
        add_agreement(ctx.store, plan.progress.id, agreement, plan.progress.owner_station)
        for member in members:
            set_party_amounts(
                ctx.store,
                party_ids[member.position - 1],
                claimed=member.claimed,
                recovered=member.recovered,
            )
        plan.details["agreement_id"] = agreement.id

    plan.writes.append(write)
    plan.details.update(
        terms=_terms_details(agreement.terms),
        amount_recovered=None if recovered is None else f"{recovered:.2f}",
        performed_on_spot=on_spot,
        performance_due=performance_due.isoformat() if performance_due else None,
        dispute=v.get("dispute", ""),
        performance=v.get("performance", ""),
        mediators=list(v.get("mediators", [])),
    )


def _check_mediators(plan: _Plan, action: Action) -> None:
    if "mediators" in plan.values and not plan.values["mediators"]:
        plan.problems.append(
            _("{field}: name at least one mediator.").format(
                field=field_name(_spec(action, "mediators"))
            )
        )


def _terms_details(terms: list) -> list[dict[str, Any]]:
    return [
        {
            "type": t.type.value,
            "amount": None if t.amount is None else f"{t.amount:.2f}",
            "description": t.description,
        }
        for t in terms
    ]


# What amend-agreement may change, in the order its payload lists them.
AMENDABLE = ("dispute", "terms", "performance", "performance_due", "mediators")


def _plan_amend_agreement(plan: _Plan, ctx: _Context) -> None:
    """Complete or change what the agreement says; the old and new values go into the event
    (and the agreement row's changes into the audit log by its triggers)."""
    v = plan.values
    plan.note = v.get("reason", "")
    agreement = _needs_agreement(plan, ctx)
    given = [key for key in AMENDABLE if key in v]
    if not given:
        plan.problems.append(
            _("Give what to complete or change: {keys}.").format(keys=", ".join(AMENDABLE))
        )
    if agreement is None or plan.problems:
        return
    due_name = field_name(_spec(Action.AMEND_AGREEMENT, "performance_due"))
    if "performance_due" in v:
        if agreement.performed_on_spot:
            plan.problems.append(
                _(
                    "{field}: the agreement was performed on the spot; it has nothing left to "
                    "perform."
                ).format(field=due_name)
            )
        _not_before(plan, due_name, v["performance_due"], agreement.agreed_on, _("the agreement"))
    _check_mediators(plan, Action.AMEND_AGREEMENT)
    if plan.problems:
        return
    current: dict[str, Any] = {
        "dispute": agreement.dispute,
        "terms": _terms_details(agreement.terms),
        "performance": agreement.performance,
        "performance_due": _iso_or_none(agreement.performance_due),
        "mediators": list(agreement.mediators),
    }
    wanted: dict[str, Any] = {
        "dispute": v.get("dispute"),
        "terms": _terms_details(v["terms"]) if "terms" in v else None,
        "performance": v.get("performance"),
        "performance_due": _iso_or_none(v.get("performance_due")),
        "mediators": v.get("mediators"),
    }
    changed = [key for key in given if wanted[key] != current[key]]
    if not changed:
        plan.problems.append(_("Nothing would change: the agreement already says this."))
        return
    row_changes: dict[str, Any] = {}
    if "terms" in changed:
        row_changes["terms"] = terms_to_json(v["terms"])
    if "performance_due" in changed:
        row_changes["performance_due"] = wanted["performance_due"]
    if row_changes:
        plan.writes.append(lambda: update_agreement(ctx.store, plan.progress.id, row_changes))
    plan.details.update({key: wanted[key] for key in changed})
    plan.details["previous"] = {key: current[key] for key in changed}
    issued = current_document(ctx.store, plan.progress.id, AGREEMENT_DOCUMENT)
    if issued is not None:
        plan.warnings.append(
            _(
                "The agreement was already issued as {number}. Print a corrected version "
                "(Documents → Correct…) so that the paper says the same as the record."
            ).format(number=issued.doc_no)
        )


def _iso_or_none(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _plan_escalate(plan: _Plan, ctx: _Context) -> None:
    target = plan.values.get("to_station", "").strip().upper()
    owner = plan.progress.owner_station
    if not target:
        return
    name = field_name(_spec(Action.ESCALATE, "to_station"))
    local = find_station(ctx.store, ctx.station_code)
    parent = local.parent_code if local else None
    if not is_valid_station_code(target):
        plan.problems.append(
            _("{field}: “{code}” is not a station code (like RC-MT).").format(
                field=name, code=target
            )
        )
    elif target == owner:
        plan.problems.append(
            _("{field}: the case already belongs to {code}.").format(field=name, code=target)
        )
    elif ctx.user.role is not Role.CITY and target != parent:
        if parent:
            plan.problems.append(
                _(
                    "{field}: a case goes up one level at a time; this station can escalate "
                    "only to its higher station {parent}."
                ).format(field=name, parent=parent)
            )
        else:
            plan.problems.append(
                _("{field}: this station has no higher station to escalate to.").format(field=name)
            )
    if plan.problems:
        return
    plan.case_changes.update(owner_station=target, escalated_from=owner)
    plan.details.update(from_station=owner, to_station=target, reason=plan.values["reason"])
    plan.writes.append(lambda: move_case_rows(ctx.store, plan.progress.id, target))


def _plan_follow_up(plan: _Plan, ctx: _Context) -> None:
    v = plan.values
    closed_on = plan.progress.closed_on
    _not_before(
        plan,
        field_name(_spec(Action.FOLLOW_UP, "visited_on")),
        plan.occurred_on,
        closed_on,
        _("the case was closed"),
    )
    if plan.problems or "party" not in v or "satisfaction" not in v:
        return
    visit = FollowUp(
        visited_on=plan.occurred_on,
        party=FollowUpParty(v["party"]),
        satisfaction=Satisfaction(v["satisfaction"]),
        note=plan.note,
    )

    def write() -> None:
        add_follow_up(ctx.store, plan.progress.id, visit, plan.progress.owner_station)
        plan.details["follow_up_id"] = visit.id

    plan.writes.append(write)
    plan.details.update(party=visit.party.value, satisfaction=visit.satisfaction.value)


def _plan_contact(plan: _Plan, ctx: _Context) -> None:
    """An attempt to reach the business: the event's details say how and what came of it
    (read by abnormal_proposals.py)."""
    v = plan.values
    if "way" in v and "result" in v:
        plan.details.update(contact_way=v["way"], contact_result=v["result"])


def _plan_dispatch(plan: _Plan, ctx: _Context) -> None:
    if plan.progress.dispatched_at:
        plan.problems.append(
            _("The dispatch was already recorded ({at}).").format(at=plan.progress.dispatched_at)
        )
        return
    area = plan.values.get("area") or default_area(ctx.store, plan.progress.owner_station)
    plan.case_changes["dispatched_at"] = plan.occurred_at
    plan.details["area"] = PromiseArea(area).value


def _plan_arrive(plan: _Plan, ctx: _Context) -> None:
    """The arrival against the promise of the scene's area, counted from the case's receipt."""
    progress = plan.progress
    if not progress.dispatched_at:
        plan.problems.append(_("Record the dispatch to the scene before the arrival."))
        return
    if progress.arrived_at:
        plan.problems.append(
            _("The arrival was already recorded ({at}).").format(at=progress.arrived_at)
        )
        return
    arrived: datetime | None = plan.values.get("at")
    if arrived is None:
        return
    dispatched = datetime.strptime(progress.dispatched_at, "%Y-%m-%d %H:%M")
    if arrived < dispatched:
        plan.problems.append(
            _("{field}: {value} is before the dispatch ({dispatched}).").format(
                field=field_name(_spec(Action.ARRIVE, "at")),
                value=plan.occurred_at,
                dispatched=progress.dispatched_at,
            )
        )
        return
    received = datetime.strptime(progress.received_at, "%Y-%m-%d %H:%M")
    minutes = int((arrived - received).total_seconds() // 60)
    dispatch = _last(ctx.events, Action.DISPATCH)
    recorded_area = dispatch.details.get("area") if dispatch else None
    area = (
        PromiseArea(recorded_area)
        if recorded_area in {a.value for a in PromiseArea}
        else default_area(ctx.store, progress.owner_station)
    )
    promise = promise_minutes(ctx.store, area)
    kept = minutes <= promise
    plan.case_changes.update(arrived_at=plan.occurred_at, promise_minutes=promise)
    plan.details.update(minutes=minutes, promise_minutes=promise, kept=kept, area=area.value)
    if not kept:
        plan.warnings.append(
            _(
                "On the scene {minutes} minutes after the case was received: the promise of "
                "{promise} minutes ({area}) was not kept."
            ).format(minutes=minutes, promise=promise, area=label(area))
        )


def _needs_agreement(plan: _Plan, ctx: _Context) -> Agreement | None:
    if ctx.agreement is None:
        plan.problems.append(_("This case has no mediation agreement."))
    return ctx.agreement


def _plan_record_performance(plan: _Plan, ctx: _Context) -> None:
    agreement = _needs_agreement(plan, ctx)
    if agreement is None:
        return
    if agreement.performed_on is not None:
        plan.problems.append(
            _("The agreement was already recorded as performed on {day}.").format(
                day=agreement.performed_on.isoformat()
            )
        )
        return
    name = field_name(_spec(Action.RECORD_PERFORMANCE, "performed_on"))
    _not_before(plan, name, plan.occurred_on, agreement.agreed_on, _("the agreement"))
    on = plan.occurred_on.isoformat()
    plan.writes.append(lambda: update_agreement(ctx.store, plan.progress.id, {"performed_on": on}))
    if agreement.performance_due is not None:
        late = plan.occurred_on > agreement.performance_due
        plan.details.update(performance_due=agreement.performance_due.isoformat(), late=late)


def _plan_judicial_apply(plan: _Plan, ctx: _Context) -> None:
    agreement = _needs_agreement(plan, ctx)
    if agreement is None:
        return
    if agreement.judicial_applied_on is not None:
        plan.problems.append(
            _("The application for judicial confirmation was already recorded ({day}).").format(
                day=agreement.judicial_applied_on.isoformat()
            )
        )
        return
    issued = current_document(ctx.store, plan.progress.id, AGREEMENT_DOCUMENT)
    refused = judicial_application_refusal(issued.doc_no if issued else None)
    if refused is not None:
        plan.problems.append(refused)
        return
    name = field_name(_spec(Action.JUDICIAL_APPLY, "applied_on"))
    _not_before(plan, name, plan.occurred_on, agreement.agreed_on, _("the agreement"))
    court = plan.values.get("court_name", "")
    changes = {"judicial_applied_on": plan.occurred_on.isoformat(), "court_name": court}
    plan.writes.append(lambda: update_agreement(ctx.store, plan.progress.id, changes))
    plan.details["court_name"] = court
    window = compute_deadline(
        ctx.calendar,
        DeadlineKind.JUDICIAL_CONFIRMATION,
        agreement.agreed_on,
        received=plan.progress.received_on,
    )
    late = judicial_window_warning(plan.occurred_on, window.due)
    if late is not None:
        plan.warnings.append(late)


def _plan_judicial_confirm(plan: _Plan, ctx: _Context) -> None:
    agreement = _needs_agreement(plan, ctx)
    if agreement is None:
        return
    if agreement.judicial_applied_on is None:
        plan.problems.append(
            _("Record the application for judicial confirmation before the confirmation.")
        )
        return
    if agreement.judicial_confirmed_on is not None:
        plan.problems.append(
            _("The judicial confirmation was already recorded ({day}).").format(
                day=agreement.judicial_confirmed_on.isoformat()
            )
        )
        return
    name = field_name(_spec(Action.JUDICIAL_CONFIRM, "confirmed_on"))
    _not_before(plan, name, plan.occurred_on, agreement.judicial_applied_on, _("the application"))
    on = plan.occurred_on.isoformat()
    plan.writes.append(
        lambda: update_agreement(ctx.store, plan.progress.id, {"judicial_confirmed_on": on})
    )


def _plan_transfer_court(plan: _Plan, ctx: _Context) -> None:
    if _last(ctx.events, Action.TRANSFER_COURT) is not None:
        plan.problems.append(_("The transfer to a court filing was already recorded."))
        return
    terminated = _last(ctx.events, Action.TERMINATE)
    name = field_name(_spec(Action.TRANSFER_COURT, "transferred_on"))
    if terminated is not None:
        _not_before(plan, name, plan.occurred_on, terminated.occurred_on, _("the termination"))
    court = plan.values.get("court_name", "")
    plan.details["court_name"] = court
    if ctx.agreement is not None:
        changes = {"court_transfer_on": plan.occurred_on.isoformat(), "court_name": court}
        plan.writes.append(lambda: update_agreement(ctx.store, plan.progress.id, changes))


def _plan_court_outcome(plan: _Plan, ctx: _Context) -> None:
    """How the court's pre-litigation mediation (诉前调解) of the transferred dispute ended."""
    transferred = _last(ctx.events, Action.TRANSFER_COURT)
    if transferred is None:
        plan.problems.append(_("Record the transfer to a court filing before its outcome."))
        return
    if _last(ctx.events, Action.COURT_OUTCOME) is not None:
        plan.problems.append(
            _("The outcome of the court's pre-litigation mediation was already recorded.")
        )
        return
    name = field_name(_spec(Action.COURT_OUTCOME, "decided_on"))
    _not_before(plan, name, plan.occurred_on, transferred.occurred_on, _("the transfer"))
    if "outcome" in plan.values:
        plan.details["outcome"] = CourtOutcome(plan.values["outcome"]).value
    plan.details["court_name"] = transferred.details.get("court_name", "")
    if plan.values.get("court_case_no"):
        plan.details["court_case_no"] = plan.values["court_case_no"]


def _plan_extend(plan: _Plan, ctx: _Context) -> None:
    if plan.progress.report_extended:
        plan.problems.append(_("The time limit of this report was already extended once."))
        return
    plan.case_changes["report_extended"] = 1


def _plan_merge(plan: _Plan, ctx: _Context) -> None:
    key = plan.values.get("into", "").strip()
    if not key:
        return
    name = field_name(_spec(Action.MERGE, "into"))
    earlier = find_progress(ctx.store, key)
    progress = plan.progress
    if earlier is None:
        plan.problems.append(
            _("{field}: no case numbered {number}.").format(field=name, number=key)
        )
        return
    if earlier.id == progress.id:
        plan.problems.append(
            _("{field}: a report cannot be merged into itself.").format(field=name)
        )
        return
    if earlier.kind is not CaseKind.REPORT:
        plan.problems.append(
            _("{field}: {number} is not a report.").format(field=name, number=earlier.case_no)
        )
        return
    if earlier.status not in (CaseStatus.REGISTERED, CaseStatus.CHECKING):
        plan.problems.append(
            _(
                "{field}: {number} is “{status}”; a repeat report can only join a report that "
                "is still being decided."
            ).format(field=name, number=earlier.case_no, status=label(earlier.status))
        )
        return
    if earlier.owner_station != progress.owner_station:
        plan.problems.append(
            _("{field}: {number} belongs to station {owner}.").format(
                field=name, number=earlier.case_no, owner=earlier.owner_station
            )
        )
        return
    if earlier.received_at > progress.received_at:
        plan.problems.append(
            _(
                "{field}: {number} was received after this report; merge the later report "
                "into the earlier one."
            ).format(field=name, number=earlier.case_no)
        )
        return
    restart = progress.received_on.isoformat()
    plan.case_changes["merged_into"] = earlier.id
    plan.details.update(into=earlier.case_no)

    def write() -> None:
        add_event(
            ctx.store,
            earlier.id,
            CaseEvent(
                action=Action.MERGE,
                from_status=earlier.status,
                to_status=earlier.status,
                occurred_at=plan.occurred_at,
                actor=ctx.user.username,
                actor_role=ctx.user.role.value,
                note=plan.note,
                details={"merged_report": progress.case_no, "restart_on": restart},
                owner_station=ctx.station_code,
            ),
        )

    plan.writes.append(write)


def _plan_answer(plan: _Plan, ctx: _Context) -> None:
    plan.details["answer"] = plan.values.get("answer", "")


def _plan_ground(plan: _Plan, ctx: _Context) -> None:
    if "ground" in plan.values:
        plan.details.update(_ground_details(plan.values["ground"]))


def _plan_terminate(plan: _Plan, ctx: _Context) -> None:
    _plan_ground(plan, ctx)
    chosen = plan.values.get("ground")
    if chosen is None:
        return
    received = datetime.strptime(plan.progress.received_at, "%Y-%m-%d %H:%M").date()
    old_regime = termination_ground_refusal(received, chosen)
    if old_regime is not None:
        plan.problems.append(old_regime)
        return
    mediation = next(
        (
            d
            for d in due.compute_for_case(ctx.store, plan.progress, ctx.calendar)
            if d.kind is DeadlineKind.MEDIATION
        ),
        None,
    )
    refused = time_limit_ground_refusal(
        chosen.item, plan.occurred_on, mediation.due if mediation else None
    )
    if refused is not None:
        plan.problems.append(refused)


def _plan_accept(plan: _Plan, ctx: _Context) -> None:
    plan.case_changes["accepted_on"] = plan.occurred_on.isoformat()


def _plan_close(plan: _Plan, ctx: _Context) -> None:
    plan.case_changes["closed_on"] = plan.occurred_on.isoformat()


PLANNERS = {
    Action.ACCEPT: _plan_accept,
    Action.REFUSE: _plan_ground,
    Action.START_MEDIATION: _plan_start_mediation,
    Action.SUSPEND: _plan_suspend,
    Action.RECORD_SESSION: _plan_record_session,
    Action.AGREE: _plan_agree,
    Action.AMEND_AGREEMENT: _plan_amend_agreement,
    Action.TERMINATE: _plan_terminate,
    Action.CLOSE: _plan_close,
    Action.ESCALATE: _plan_escalate,
    Action.FOLLOW_UP: _plan_follow_up,
    Action.CONTACT: _plan_contact,
    Action.DISPATCH: _plan_dispatch,
    Action.ARRIVE: _plan_arrive,
    Action.RECORD_PERFORMANCE: _plan_record_performance,
    Action.JUDICIAL_APPLY: _plan_judicial_apply,
    Action.JUDICIAL_CONFIRM: _plan_judicial_confirm,
    Action.TRANSFER_COURT: _plan_transfer_court,
    Action.COURT_OUTCOME: _plan_court_outcome,
    Action.EXTEND: _plan_extend,
    Action.MERGE: _plan_merge,
    Action.ANSWER: _plan_answer,
}


def _spec(action: Action, key: str):
    return next(spec for spec in ACTION_FIELDS[action] if spec.key == key)


# --------------------------------------------------------------------------- act


def act(
    store: Store,
    case_key: str,
    action: Action | str,
    payload: Mapping[str, Any] | None,
    *,
    user: User,
    station_code: str,
    calendar: WorkdayCalendar,
    now: datetime,
) -> ActionResult:
    """Take `action` on the case numbered (or with the id) `case_key`, as `user` working at
    `station_code`. Raises ActionRejected with every problem, having written nothing."""
    if not isinstance(action, Action):
        action = parse_action(str(action))
    if payload is None:
        payload = {}
    if not isinstance(payload, Mapping):
        raise ActionRejected([_("The details of an action must be a JSON object.")])
    with store.transaction(actor=user.username):
        progress = find_progress(store, case_key.strip())
        if progress is None:
            raise ActionRejected([_("No case numbered {number}.").format(number=case_key)])
        state = CaseState(progress.kind, progress.status, progress.owner_station)
        try:
            target = check_action(state, action, role=user.role, station_code=station_code)
        except WorkflowRefused as refused:
            raise ActionRejected([str(refused)]) from None

        values, problems = parse_payload(action, payload)
        events = list_events(store, progress.id)
        ctx = _Context(
            store=store,
            user=user,
            station_code=station_code,
            calendar=calendar,
            now=now,
            events=events,
            agreement=get_agreement(store, progress.id),
        )
        # The day or time the step happened: its own field, or now. An unreadable date was
        # reported by parse_payload; the checks below then run with now.
        key = when_key(action)
        moment: date | datetime = values.get(key) or now.replace(second=0, microsecond=0)
        plan = _Plan(
            progress=progress,
            action=action,
            target=target,
            occurred_at=_moment_text(moment),
            values=values,
            problems=problems,
            note=values.get("note", ""),
        )
        when_name = field_name(_spec(action, key))
        if _check_moment(plan, ctx, when_name, moment) and target != progress.status:
            _not_before(
                plan,
                when_name,
                plan.occurred_on,
                _entered_status_on(events),
                _("the case's previous step"),
            )
        planner = PLANNERS.get(action)
        if planner is not None:
            planner(plan, ctx)
        if plan.problems:
            raise ActionRejected(plan.problems)
        open_before = {
            d.kind for d in due.compute_for_case(store, progress, calendar) if d.met_on is None
        }

        if target != progress.status:
            plan.case_changes["status"] = target.value
        update_case(store, progress.id, plan.case_changes)
        for write in plan.writes:
            write()
        event = add_event(
            store,
            progress.id,
            CaseEvent(
                action=action,
                from_status=progress.status,
                to_status=target,
                occurred_at=plan.occurred_at,
                actor=user.username,
                actor_role=user.role.value,
                note=plan.note,
                details=plan.details,
                owner_station=station_code,
            ),
        )
        # The store recomputes the stored deadlines of every case written here before COMMIT.
        deadlines = due.case_deadlines(store, progress.id, calendar) or []
    warnings = list(plan.warnings)
    for deadline in deadlines:
        if deadline.kind in open_before and deadline.met_on is not None and deadline.due:
            late = met_late_warning(deadline.label, deadline.due, deadline.met_on)
            if late is not None:
                warnings.append(late)
    calendar: list[str] = []
    for deadline in deadlines:
        if deadline.met_on is not None:
            continue  # a calendar gap after a met deadline changes nothing
        for warning in deadline.warnings:
            if warning not in warnings:
                warnings.append(warning)
                calendar.append(warning)
    return ActionResult(
        case_no=progress.case_no,
        action=action,
        from_status=progress.status,
        to_status=target,
        event=event,
        deadlines=deadlines,
        warnings=warnings,
        calendar_warnings=calendar,
    )


def case_record(
    store: Store, case_key: str, calendar: WorkdayCalendar | None = None
) -> CaseRecord | None:
    """The workflow record of a case (by number or id): what `case show` adds to the case.
    The deadlines are computed with `calendar` (default: the store's holiday schedules)."""
    progress = find_progress(store, case_key.strip())
    if progress is None:
        return None
    if calendar is None:
        calendar = load_calendar(store)
    workflow = {
        "status": progress.status.value,
        "owner_station": progress.owner_station,
        "escalated_from": progress.escalated_from,
        "accepted_on": progress.accepted_on.isoformat() if progress.accepted_on else None,
        "closed_on": progress.closed_on.isoformat() if progress.closed_on else None,
        "amount_recovered": None
        if progress.amount_recovered is None
        else f"{progress.amount_recovered:.2f}",
        "dispatched_at": progress.dispatched_at,
        "arrived_at": progress.arrived_at,
        "promise_minutes": progress.promise_minutes,
        "merged_into": None,
        "report_extended": progress.report_extended,
    }
    if progress.merged_into:
        workflow["merged_into"] = store.scalar(
            "SELECT case_no FROM cases WHERE id = ?", (progress.merged_into,)
        )
    return CaseRecord(
        workflow=workflow,
        events=list_events(store, progress.id),
        deadlines=due.compute_for_case(store, progress, calendar),
        sessions=list_sessions(store, progress.id),
        agreement=get_agreement(store, progress.id),
        follow_ups=list_follow_ups(store, progress.id),
    )
