"""Deadline rules for complaints, mediation and reports, as data with the article each comes from.

One table (`RULES`) holds every time limit the station tracks. Cases received before
REGIME_SWITCH (2026-04-15) follow SAMR Order No. 20 (《市场监督管理投诉举报处理暂行办法》);
cases received on or after it follow Order No. 121 (《市场监督管理投诉举报处理办法》).

The article references are corrected here in the table only. The Order No. 20 articles were
compared with its 2022-03-24 text, the Order No. 121 articles with its full text (both named in
documents/wording.py); a reference that is not certain is marked `verify=True` with what to
check (`check`).

Counting (workdays.py): the day of the start event is not counted; a period in calendar days that
ends on a holiday or weekend ends on the next working day; paused periods (appraisal or testing,
a recusal decision) do not count where the rule says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from station_app.i18n import _
from station_app.workdays import WorkdayCalendar
from station_app.workflow import ORDER_121_IN_FORCE

__all__ = [
    "LABELS",
    "REGIME_SWITCH",
    "RULES",
    "Deadline",
    "DeadlineKind",
    "DeadlineRule",
    "Regime",
    "StartEvent",
    "Unit",
    "clock_start",
    "compute_deadline",
    "due_date",
    "regime_for",
    "rule_for",
]

# Order No. 121 is in force from this day; earlier receipts keep Order No. 20's limits.
REGIME_SWITCH = ORDER_121_IN_FORCE


class DeadlineKind(StrEnum):
    ACCEPTANCE = "acceptance"  # decide to accept a complaint or not
    MEDIATION = "mediation"  # reach a mediation agreement
    TERMINATION_NOTICE = "termination_notice"  # tell both parties mediation was terminated
    REPORT_CASE_DECISION = "report_case_decision"  # decide whether to open a case on a report
    MEDIATION_LEAD_CHECK = "mediation_lead_check"  # check illegal-conduct leads from mediation
    JUDICIAL_CONFIRMATION = "judicial_confirmation"  # joint application to the court
    WORK_ORDER_12345 = "work_order_12345"  # the due date printed on a 12345 work order
    AGREEMENT_PERFORMANCE = "agreement_performance"  # the date the agreement is to be performed by
    REPORT_RESULT_NOTICE = "report_result_notice"  # tell a real-name reporter the decision


class Unit(StrEnum):
    WORKING = "working"  # working days (工作日)
    CALENDAR = "calendar"  # calendar days (日)
    GIVEN = "given"  # a date set by someone else (the 12345 work order), not computed


class Regime(StrEnum):
    ORDER_20 = "order_20"
    ORDER_121 = "order_121"
    ANY = "any"  # the same rule under both orders (it comes from another law)


class StartEvent(StrEnum):
    """The event whose date starts the clock (that day itself is not counted)."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    TERMINATION_DECIDED = "termination_decided"
    LEAD_FOUND = "lead_found"
    AGREEMENT_EFFECTIVE = "agreement_effective"
    WORK_ORDER_DUE = "work_order_due"  # the given due date itself
    PERFORMANCE_DUE = "performance_due"  # the performance date the agreement sets
    REPEAT_REPORT_RECEIVED = "repeat_report_received"
    REPORT_DECIDED = "report_decided"  # the decision to open a case on a report or not


@dataclass(frozen=True)
class DeadlineRule:
    """One time limit: how long, counted how, from which event, and where the law says so."""

    kind: DeadlineKind
    amount: int
    unit: Unit
    start_event: StartEvent
    article: str
    regime: Regime
    verify: bool = False  # True: the article reference is not certain; check the official text
    extension: int = 0  # how much longer it may be extended (same unit); 0 = no extension
    pausable: bool = False  # whether paused periods (appraisal, recusal) stop the clock
    restarts_on: StartEvent | None = None  # an event that starts the clock again
    check: str = ""  # what exactly to verify, for whoever corrects this table

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def length(self, *, extended: bool = False) -> int:
        return self.amount + (self.extension if extended else 0)


_ORDER_20 = "《市场监督管理投诉举报处理暂行办法》（国家市场监督管理总局令第20号）"
_ORDER_121 = "《市场监督管理投诉举报处理办法》（国家市场监督管理总局令第121号）"
_PENALTY_PROCEDURE = "《市场监督管理行政处罚程序规定》"

RULES: tuple[DeadlineRule, ...] = (
    # ---------------------------------------------------------------- Order No. 20
    DeadlineRule(
        DeadlineKind.ACCEPTANCE,
        7,
        Unit.WORKING,
        StartEvent.RECEIVED,
        f"{_ORDER_20}第十四条；《中华人民共和国消费者权益保护法》第四十六条",
        Regime.ORDER_20,
    ),
    DeadlineRule(
        DeadlineKind.MEDIATION,
        45,
        Unit.WORKING,
        StartEvent.ACCEPTED,
        f"{_ORDER_20}第二十一条第一款第（五）项；检定、检验、检测、鉴定时间不计入：第二十条第三款",
        Regime.ORDER_20,
        pausable=True,
        check="Art. 19 suspends mediation on a recusal request; treating that time as not "
        "counted is an interpretation.",
    ),
    DeadlineRule(
        DeadlineKind.TERMINATION_NOTICE,
        7,
        Unit.WORKING,
        StartEvent.TERMINATION_DECIDED,
        f"{_ORDER_20}第二十一条第二款",
        Regime.ORDER_20,
    ),
    DeadlineRule(
        DeadlineKind.REPORT_CASE_DECISION,
        15,
        Unit.WORKING,
        StartEvent.RECEIVED,
        f"{_PENALTY_PROCEDURE}第十八条（依{_ORDER_20}第三十一条适用）",
        Regime.ORDER_20,
        verify=True,
        extension=15,
        pausable=True,
        check="Article number of the penalty procedure rules in force (amended 2021 and 2022) "
        "and that its second paragraph excludes testing and appraisal time.",
    ),
    DeadlineRule(
        DeadlineKind.MEDIATION_LEAD_CHECK,
        15,
        Unit.WORKING,
        StartEvent.LEAD_FOUND,
        f"{_ORDER_20}第二十三条",
        Regime.ORDER_20,
        extension=15,
    ),
    DeadlineRule(
        DeadlineKind.REPORT_RESULT_NOTICE,
        5,
        Unit.WORKING,
        StartEvent.REPORT_DECIDED,
        f"{_ORDER_20}第三十一条第二款",
        Regime.ORDER_20,
    ),
    # ---------------------------------------------------------------- Order No. 121
    # Articles read in its full text (documents/wording.py SOURCE_ORDER_121). It has no time
    # limit for telling a reporter the result: art. 36 requires the telling only where a law,
    # regulation or rule does, so a report received under it gets no REPORT_RESULT_NOTICE.
    DeadlineRule(
        DeadlineKind.ACCEPTANCE,
        7,
        Unit.WORKING,
        StartEvent.RECEIVED,
        f"{_ORDER_121}第十五条；《中华人民共和国消费者权益保护法》第四十六条",
        Regime.ORDER_121,
    ),
    DeadlineRule(
        DeadlineKind.MEDIATION,
        60,
        Unit.CALENDAR,
        StartEvent.ACCEPTED,
        f"{_ORDER_121}第二十三条第一款第（五）项；鉴定、检测所需时间不计入：第二十二条；"
        "回避申请中止调解：第二十一条",
        Regime.ORDER_121,
        pausable=True,
        check="Art. 21 suspends mediation on a recusal request; treating that time as not "
        "counted is an interpretation.",
    ),
    DeadlineRule(
        DeadlineKind.TERMINATION_NOTICE,
        7,
        Unit.WORKING,
        StartEvent.TERMINATION_DECIDED,
        f"{_ORDER_121}第二十三条第二款",
        Regime.ORDER_121,
    ),
    DeadlineRule(
        DeadlineKind.REPORT_CASE_DECISION,
        15,
        Unit.WORKING,
        StartEvent.RECEIVED,
        f"{_ORDER_121}第三十五条；{_PENALTY_PROCEDURE}第十八条",
        Regime.ORDER_121,
        verify=True,
        extension=15,
        pausable=True,
        restarts_on=StartEvent.REPEAT_REPORT_RECEIVED,
        check="Article number of the penalty procedure rules in force (amended 2021 and 2022). "
        "Order No. 121 art. 35 (handled under those rules; a report merged with a repeat one "
        "counts again from the last receipt) is confirmed.",
    ),
    DeadlineRule(
        DeadlineKind.MEDIATION_LEAD_CHECK,
        15,
        Unit.WORKING,
        StartEvent.LEAD_FOUND,
        f"{_ORDER_121}第二十七条",
        Regime.ORDER_121,
        extension=15,
    ),
    # ---------------------------------------------------------------- other law
    DeadlineRule(
        DeadlineKind.JUDICIAL_CONFIRMATION,
        30,
        Unit.CALENDAR,
        StartEvent.AGREEMENT_EFFECTIVE,
        # CPL (2023 amendment) art. 205 for any mediation agreement; PML art. 33 in addition
        # only for a people's mediation committee's (the mediator kind decides what a document
        # prints: documents/wording.py, checked against the official texts there).
        "《中华人民共和国民事诉讼法》第二百零五条（人民调解委员会主持达成的，"
        "并依《中华人民共和国人民调解法》第三十三条）",
        Regime.ANY,
    ),
    DeadlineRule(
        DeadlineKind.WORK_ORDER_12345,
        0,
        Unit.GIVEN,
        StartEvent.WORK_ORDER_DUE,
        "12345政务服务便民热线工单载明的办理时限",
        Regime.ANY,
    ),
    DeadlineRule(
        DeadlineKind.AGREEMENT_PERFORMANCE,
        0,
        Unit.GIVEN,
        StartEvent.PERFORMANCE_DUE,
        "调解协议载明的履行期限（《中华人民共和国人民调解法》第二十九条）",
        Regime.ANY,
    ),
)

_BY_REGIME: dict[Regime, dict[DeadlineKind, DeadlineRule]] = {
    regime: {rule.kind: rule for rule in RULES if rule.regime in (regime, Regime.ANY)}
    for regime in (Regime.ORDER_20, Regime.ORDER_121)
}


def _label_texts() -> dict[DeadlineKind, str]:
    """Built per call so that a language switch takes effect."""
    return {
        DeadlineKind.ACCEPTANCE: _("Decide whether to accept the complaint"),
        DeadlineKind.MEDIATION: _("Mediation time limit"),
        DeadlineKind.TERMINATION_NOTICE: _("Tell both parties that mediation was terminated"),
        DeadlineKind.REPORT_CASE_DECISION: _("Decide whether to open a case on the report"),
        DeadlineKind.MEDIATION_LEAD_CHECK: _(
            "Check the leads of illegal conduct found in mediation"
        ),
        DeadlineKind.JUDICIAL_CONFIRMATION: _("Apply jointly for judicial confirmation"),
        DeadlineKind.WORK_ORDER_12345: _("12345 work order due"),
        DeadlineKind.AGREEMENT_PERFORMANCE: _("Agreement to be performed"),
        DeadlineKind.REPORT_RESULT_NOTICE: _("Tell the real-name reporter the decision"),
    }


class _Labels(Mapping[DeadlineKind, str]):
    """The label of each kind in the current language (looked up when read, not at import)."""

    def __getitem__(self, kind: DeadlineKind) -> str:
        return _label_texts()[kind]

    def __iter__(self) -> Iterator[DeadlineKind]:
        return iter(DeadlineKind)

    def __len__(self) -> int:
        return len(DeadlineKind)


LABELS: Mapping[DeadlineKind, str] = _Labels()


def regime_for(received: date) -> Regime:
    """Which order governs a case, by the day it was received."""
    if isinstance(received, datetime):
        received = received.date()
    return Regime.ORDER_20 if received < REGIME_SWITCH else Regime.ORDER_121


def rule_in_force(kind: DeadlineKind, received: date) -> DeadlineRule | None:
    """The rule for this kind of deadline in a case received on `received`, or None when the
    order in force has no such time limit (a reporter's notice under Order No. 121)."""
    return _BY_REGIME[regime_for(received)].get(kind)


def rule_for(kind: DeadlineKind, received: date) -> DeadlineRule:
    """The rule for this kind of deadline in a case received on `received`."""
    rule = rule_in_force(kind, received)
    if rule is None:
        raise KeyError(f"no {kind.value} time limit for a case received on {received}")
    return rule


def clock_start(rule: DeadlineRule, start: date, restarts: Iterable[date] = ()) -> date:
    """The day the clock runs from: the latest restart (e.g. a merged repeat report), if the
    rule restarts at all, else `start`."""
    if rule.restarts_on is None:
        return start
    return max([start, *restarts])


def due_date(
    calendar: WorkdayCalendar,
    kind: DeadlineKind,
    start: date,
    *,
    received: date,
    paused: Iterable[tuple[date, date]] = (),
    extended: bool = False,
) -> date:
    """The last day of the time limit that starts on `start` (the start day is not counted).

    For WORK_ORDER_12345 and AGREEMENT_PERFORMANCE, `start` is the given due date itself and
    comes back unchanged.
    `paused` periods (first, last days, inclusive) do not count for rules that allow it.
    """
    rule = rule_for(kind, received)
    return _due(calendar, rule, start, tuple(paused), extended)


def _due(
    calendar: WorkdayCalendar,
    rule: DeadlineRule,
    start: date,
    paused: tuple[tuple[date, date], ...],
    extended: bool,
) -> date:
    if isinstance(start, datetime):
        start = start.date()
    if paused and not rule.pausable:
        raise ValueError(f"the {rule.kind} time limit cannot be paused")
    if extended and not rule.extension:
        raise ValueError(f"the {rule.kind} time limit cannot be extended")
    if rule.unit is Unit.GIVEN:
        return start
    n = rule.length(extended=extended)
    if rule.unit is Unit.WORKING:
        if paused:
            return calendar.add_working_days_excluding(start, n, paused)
        return calendar.add_working_days(start, n)
    return calendar.calendar_days_excluding(start, n, paused)


@dataclass(frozen=True)
class Deadline:
    """A computed deadline with the rule behind it and anything the clerk should be told."""

    kind: DeadlineKind
    due: date
    start: date
    rule: DeadlineRule
    warnings: tuple[str, ...] = ()
    extended: bool = False

    @property
    def label(self) -> str:
        return self.rule.label


def compute_deadline(
    calendar: WorkdayCalendar,
    kind: DeadlineKind,
    start: date,
    *,
    received: date,
    paused: Iterable[tuple[date, date]] = (),
    extended: bool = False,
) -> Deadline:
    """Like `due_date`, with the rule used and warnings (e.g. a year without a holiday schedule)."""
    if isinstance(start, datetime):
        start = start.date()
    rule = rule_for(kind, received)
    paused = tuple(paused)
    due = _due(calendar, rule, start, paused, extended)
    warnings = tuple(calendar.warnings_for([start, due])) if rule.unit is not Unit.GIVEN else ()
    return Deadline(kind, due, start, rule, warnings, extended)
