"""Which deadlines a case has, computed from its receipt, its events and its agreement (pure).

The rules (how long, counted how, from which event) are in deadlines.RULES; this module decides
which of them apply to a case at its present step, when each clock started, which periods were
paused and when each deadline was met:

- acceptance (complaints): from receipt; met by accepting, refusing or a withdrawal;
- mediation (accepted complaints): from acceptance, not counting suspensions (suspend → resume);
  met by an agreement, a termination or a withdrawal; while suspended it has no due date;
- termination notice: from the termination; met when the case is closed;
- report decision: from receipt, restarted by each repeat report merged into it, longer when
  extended; met by opening a case, deciding not to, or merging the report into an earlier one;
- judicial confirmation: 30 days from the agreement unless performed on the spot; met by the
  joint application, or ended by the agreement's performance or the case's closing;
- agreement performance: the date the agreement sets; met when performance is recorded;
- 12345 work order: the date the work order gives; met when the case is closed;
- report result notice (real-name reports): from the decision to open a case or not; met when
  the reporter is told (notify-result).

Cases received before 2026-04-15 get Order No. 20's limits (deadlines.rule_for).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from station_app.deadlines import (
    LABELS,
    DeadlineKind,
    clock_start,
    compute_deadline,
    rule_for,
    rule_in_force,
)
from station_app.domain import Agreement, CaseKind
from station_app.workdays import WorkdayCalendar
from station_app.workflow import Action

# Which event meets which deadline.
ACCEPTANCE_DECIDED = frozenset({Action.ACCEPT, Action.REFUSE, Action.WITHDRAW})
MEDIATION_ENDED = frozenset({Action.AGREE, Action.TERMINATE, Action.WITHDRAW})
REPORT_DECIDED = frozenset({Action.OPEN_CASE, Action.NOT_OPEN})


@dataclass(frozen=True)
class ClockFacts:
    """What the deadlines of a case depend on besides its events."""

    kind: CaseKind
    received: date
    work_order_due: date | None = None
    report_extended: bool = False
    anonymous: bool = False  # an anonymous reporter cannot be told anything


@dataclass(frozen=True)
class ClockEvent:
    """A recorded step: the action, the day it happened, and its details."""

    action: str
    on: date
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseDeadline:
    """One deadline of one case. `due` is None while its clock is paused."""

    kind: DeadlineKind
    start: date
    due: date | None
    met_on: date | None = None
    paused_since: date | None = None
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def is_open(self) -> bool:
        return self.met_on is None

    def is_met_late(self) -> bool:
        """Met after its last day (已逾期完成): late, though no longer overdue."""
        return self.met_on is not None and self.due is not None and self.met_on > self.due

    def is_overdue(self, today: date) -> bool:
        """Unmet and past its last day (a deadline met late is not overdue any more)."""
        return self.met_on is None and self.due is not None and self.due < today


def _first(events: Iterable[ClockEvent], actions: frozenset[Action]) -> ClockEvent | None:
    return next((e for e in events if e.action in actions), None)


def _confirmation_window_ended(agreement: Agreement, events: Sequence[ClockEvent]) -> date | None:
    """The judicial-confirmation window is the parties' right, not work the station owes: it
    stops needing attention at the joint application, or once the agreement has been performed
    or the case closed (nothing is left to enforce), whichever comes first."""
    closed = _first((e for e in events if e.on >= agreement.agreed_on), frozenset({Action.CLOSE}))
    ends = [
        day
        for day in (
            agreement.judicial_applied_on,
            agreement.performed_on,
            closed.on if closed is not None else None,
        )
        if day is not None
    ]
    return min(ends) if ends else None


def suspension_periods(
    events: Sequence[ClockEvent], *, until: date | None = None
) -> tuple[list[tuple[date, date]], date | None]:
    """The paused periods (first, last day not counted) and the start of a suspension still
    running, from the suspend and resume events. Mediation ran on the day of the suspension;
    the clock counts again from the day after the resumption (its day is not counted, like the
    first day of any period). A suspension still running at `until` ends there."""
    periods: list[tuple[date, date]] = []
    suspended: date | None = None
    for event in events:
        if event.action == Action.SUSPEND and suspended is None:
            suspended = event.on
        elif event.action == Action.RESUME and suspended is not None:
            if event.on > suspended:
                periods.append((suspended + timedelta(days=1), event.on))
            suspended = None
    if suspended is not None and until is not None:
        if until > suspended:
            periods.append((suspended + timedelta(days=1), until))
        suspended = None
    return periods, suspended


def compute_case_deadlines(
    facts: ClockFacts,
    events: Sequence[ClockEvent],
    calendar: WorkdayCalendar,
    agreement: Agreement | None = None,
) -> list[CaseDeadline]:
    """Every deadline the case has now, met or not, in the order of its steps.

    `events` are the case's events in the order they were recorded.
    """
    received = facts.received
    result: list[CaseDeadline] = []

    def computed(kind: DeadlineKind, start: date, **kwargs: Any) -> tuple[date, tuple[str, ...]]:
        deadline = compute_deadline(calendar, kind, start, received=received, **kwargs)
        return deadline.due, deadline.warnings

    if facts.kind is CaseKind.COMPLAINT:
        decided = _first(events, ACCEPTANCE_DECIDED)
        due, warnings = computed(DeadlineKind.ACCEPTANCE, received)
        result.append(
            CaseDeadline(
                DeadlineKind.ACCEPTANCE,
                received,
                due,
                decided.on if decided else None,
                warnings=warnings,
            )
        )
        accepted = _first(events, frozenset({Action.ACCEPT}))
        if accepted is not None:
            after = list(events[events.index(accepted) + 1 :])
            ended = _first(after, MEDIATION_ENDED)
            periods, paused_since = suspension_periods(after, until=ended.on if ended else None)
            if paused_since is not None:
                result.append(
                    CaseDeadline(
                        DeadlineKind.MEDIATION, accepted.on, None, paused_since=paused_since
                    )
                )
            else:
                due, warnings = computed(DeadlineKind.MEDIATION, accepted.on, paused=periods)
                result.append(
                    CaseDeadline(
                        DeadlineKind.MEDIATION,
                        accepted.on,
                        due,
                        ended.on if ended else None,
                        warnings=warnings,
                    )
                )
        terminated = _first(events, frozenset({Action.TERMINATE}))
        if terminated is not None:
            after = events[events.index(terminated) + 1 :]
            closed = _first(after, frozenset({Action.CLOSE}))
            due, warnings = computed(DeadlineKind.TERMINATION_NOTICE, terminated.on)
            result.append(
                CaseDeadline(
                    DeadlineKind.TERMINATION_NOTICE,
                    terminated.on,
                    due,
                    closed.on if closed else None,
                    warnings=warnings,
                )
            )
        if agreement is not None and not agreement.performed_on_spot:
            due, warnings = computed(DeadlineKind.JUDICIAL_CONFIRMATION, agreement.agreed_on)
            result.append(
                CaseDeadline(
                    DeadlineKind.JUDICIAL_CONFIRMATION,
                    agreement.agreed_on,
                    due,
                    _confirmation_window_ended(agreement, events),
                    warnings=warnings,
                )
            )
            if agreement.performance_due is not None:
                result.append(
                    CaseDeadline(
                        DeadlineKind.AGREEMENT_PERFORMANCE,
                        agreement.agreed_on,
                        agreement.performance_due,
                        agreement.performed_on,
                    )
                )

    if facts.kind is CaseKind.REPORT:
        rule = rule_for(DeadlineKind.REPORT_CASE_DECISION, received)
        # The earlier report of a merged pair records the repeat's receipt as a restart.
        restarts = [
            date.fromisoformat(e.details["restart_on"])
            for e in events
            if e.action == Action.MERGE and e.details.get("restart_on")
        ]
        start = clock_start(rule, received, restarts)
        decided = next(
            (
                e
                for e in events
                if e.action in REPORT_DECIDED
                or (e.action == Action.MERGE and e.details.get("into"))
            ),
            None,
        )
        due, warnings = computed(
            DeadlineKind.REPORT_CASE_DECISION, start, extended=facts.report_extended
        )
        result.append(
            CaseDeadline(
                DeadlineKind.REPORT_CASE_DECISION,
                start,
                due,
                decided.on if decided else None,
                warnings=warnings,
            )
        )

        opened = next((e for e in events if e.action in REPORT_DECIDED), None)
        # Order No. 20 art. 31(2): a real-name reporter is told within 5 working days;
        # Order No. 121 sets no such time limit (deadlines.py).
        notice_rule = rule_in_force(DeadlineKind.REPORT_RESULT_NOTICE, received)
        if opened is not None and not facts.anonymous and notice_rule is not None:
            notified = _first(events, frozenset({Action.NOTIFY_RESULT}))
            due, warnings = computed(DeadlineKind.REPORT_RESULT_NOTICE, opened.on)
            result.append(
                CaseDeadline(
                    DeadlineKind.REPORT_RESULT_NOTICE,
                    opened.on,
                    due,
                    notified.on if notified else None,
                    warnings=warnings,
                )
            )

    if facts.work_order_due is not None:
        closed = _first(events, frozenset({Action.CLOSE}))
        result.append(
            CaseDeadline(
                DeadlineKind.WORK_ORDER_12345,
                received,
                facts.work_order_due,
                closed.on if closed else None,
            )
        )
    return result
