"""How a case moves: the allowed transitions of each kind, who may make them, and the grounds.

Everything here is data with the rule it comes from, and pure functions over it: no SQL, no Qt.
Complaints follow SAMR Order No. 121 (《市场监督管理投诉举报处理办法》, in force 2026-04-15);
what documents cite for each regime, and the sources read, is in documents/wording.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from station_app.domain import CaseKind, CaseStatus, Role, label
from station_app.i18n import N_, _

ORDER_121 = "《市场监督管理投诉举报处理办法》（国家市场监督管理总局令第121号）"


class Action(StrEnum):
    """Workflow actions; the values are the names used by `station-app case act`."""

    ACCEPT = "accept"
    REFUSE = "refuse"
    START_MEDIATION = "start-mediation"
    SUSPEND = "suspend"
    RESUME = "resume"
    RECORD_SESSION = "record-session"
    AGREE = "agree"
    AMEND_AGREEMENT = "amend-agreement"
    TERMINATE = "terminate"
    WITHDRAW = "withdraw"
    CLOSE = "close"
    ESCALATE = "escalate"
    FOLLOW_UP = "follow-up"
    DISPATCH = "dispatch"
    ARRIVE = "arrive"
    RECORD_PERFORMANCE = "record-performance"
    JUDICIAL_APPLY = "judicial-apply"
    JUDICIAL_CONFIRM = "judicial-confirm"
    TRANSFER_COURT = "transfer-court"
    COURT_OUTCOME = "court-outcome"
    START_CHECK = "check"
    EXTEND = "extend"
    OPEN_CASE = "open-case"
    NOT_OPEN = "not-open"
    NOTIFY_RESULT = "notify-result"
    MERGE = "merge"
    ANSWER = "answer"
    NOTE = "note"
    CONTACT = "contact"


ACTION_LABELS: dict[Action, str] = {
    Action.ACCEPT: N_("Accept the complaint"),
    Action.REFUSE: N_("Do not accept"),
    Action.START_MEDIATION: N_("Start mediation"),
    Action.SUSPEND: N_("Suspend mediation"),
    Action.RESUME: N_("Resume mediation"),
    Action.RECORD_SESSION: N_("Record a mediation session"),
    Action.AGREE: N_("Record the agreement"),
    Action.AMEND_AGREEMENT: N_("Complete or amend the agreement"),
    Action.TERMINATE: N_("Terminate mediation"),
    Action.WITHDRAW: N_("Complainant withdraws"),
    Action.CLOSE: N_("Close the case"),
    Action.ESCALATE: N_("Escalate to the higher station"),
    Action.FOLLOW_UP: N_("Record a follow-up visit"),
    Action.DISPATCH: N_("Record dispatch to the scene"),
    Action.ARRIVE: N_("Record arrival on the scene"),
    Action.RECORD_PERFORMANCE: N_("Record performance of the agreement"),
    Action.JUDICIAL_APPLY: N_("Record the application for judicial confirmation"),
    Action.JUDICIAL_CONFIRM: N_("Record the judicial confirmation"),
    Action.TRANSFER_COURT: N_("Transfer to a court filing"),
    Action.COURT_OUTCOME: N_("Record the outcome of the court's pre-litigation mediation"),
    Action.START_CHECK: N_("Start checking the report"),
    Action.EXTEND: N_("Extend the time limit"),
    Action.OPEN_CASE: N_("Record: a case was opened"),
    Action.NOT_OPEN: N_("Record: no case was opened"),
    Action.NOTIFY_RESULT: N_("Reporter notified of the result"),
    Action.MERGE: N_("Merge into an earlier report"),
    Action.ANSWER: N_("Record the answer"),
    Action.NOTE: N_("Add a note"),
    Action.CONTACT: N_("Record an attempt to reach the business"),
}


def action_label(action: Action) -> str:
    return _(ACTION_LABELS[action])


@dataclass(frozen=True)
class Ground:
    """A numbered legal ground, chosen by item number; `key` names the situation across
    regulations (documents/wording.py maps it to Order No. 20's item for an old case).
    `former` are the words earlier versions recorded for it: records keep the text they were
    given, and are read by it."""

    item: int
    text: str
    article: str  # the regulation; the article number is printed by documents/wording.py
    key: str = ""
    former: tuple[str, ...] = ()


# Grounds for not accepting a complaint: Order No. 121 art. 16, in its words (the text is named
# in documents/wording.py SOURCE_ORDER_121, which quotes them on the decisions).
REFUSAL_GROUNDS: tuple[Ground, ...] = (
    Ground(
        1,
        "投诉事项不属于市场监督管理部门职责，或者本行政机关不具有处理权限",
        ORDER_121,
        "no-power",
    ),
    Ground(
        2,
        "法院、仲裁机构、市场监督管理部门或者其他行政机关、消费者协会已经受理或者处理过同一消费者权益争议",
        ORDER_121,
        "handled-elsewhere",
        (
            "法院、仲裁机构、市场监督管理部门或者其他行政机关、消费者协会或者依法成立的其他调解组织"
            "已经受理或者处理过同一消费者权益争议",
        ),
    ),
    Ground(
        3,
        "不是为生活消费需要购买、使用商品或者接受服务，或者不能证明与被投诉人之间存在消费者权益争议",
        ORDER_121,
        "not-consumption",
    ),
    Ground(
        4,
        "除法律另有规定外，投诉人知道或者应当知道自己的权益受到被投诉人侵害之日起超过三年",
        ORDER_121,
        "over-three-years",
    ),
    Ground(
        5,
        "未提供本办法第十条第一款、第十一条规定的材料，或者提供虚假材料",
        ORDER_121,
        "materials",
        ("未提供投诉人和被投诉人的基本信息、诉求、事实等材料，或者提供的材料虚假",),
    ),
    Ground(
        6,
        "冒用他人名义或者拒不配合市场监督管理部门核验真实身份信息",
        ORDER_121,
        "false-identity",
        ("投诉人身份信息虚假或者拒不配合核实身份",),
    ),
    Ground(7, "法律、法规、规章规定不予受理的其他情形", ORDER_121, "other-refusal"),
)

# Grounds for terminating mediation: Order No. 121 art. 23(1), in its order and words.
TERMINATION_GROUNDS: tuple[Ground, ...] = (
    Ground(1, "投诉人撤回投诉或者双方自行和解", ORDER_121, "withdrawn"),
    Ground(
        2,
        "投诉人、被投诉人无正当理由不参加调解，或者明确拒绝调解",
        ORDER_121,
        "absent",
        ("投诉人或者被投诉人无正当理由不参加调解，或者被投诉人明确拒绝调解",),
    ),
    Ground(3, "经组织调解，投诉人或者被投诉人明确表示无法达成调解协议", ORDER_121, "no-agreement"),
    Ground(
        4,
        "投诉人与被投诉人对鉴定、检测费用承担无法协商一致",
        ORDER_121,
        "appraisal",
        ("投诉人与被投诉人对委托承担检定、检验、检测、鉴定工作的技术机构或者费用承担无法协商一致",),
    ),
    Ground(
        5,
        "自投诉受理之日起六十日内投诉人和被投诉人未能达成调解协议",
        ORDER_121,
        "time-limit",
        ("自投诉受理之日起规定期限内投诉人和被投诉人未能达成调解协议",),
    ),
    Ground(
        6,
        "市场监督管理部门受理投诉后，发现存在本办法第十六条、第四十二条规定情形",
        ORDER_121,
        "refusal-found",
        ("受理投诉后，发现存在不予受理情形",),
    ),
    Ground(
        7,
        "投诉人、被投诉人死亡或者主体资格灭失",
        ORDER_121,
        "death",
        ("投诉人或者被投诉人死亡或者终止，且无权利义务承继者",),
    ),
    Ground(8, "法律、法规、规章规定的应当终止调解的其他情形", ORDER_121, "other-termination"),
)
# The day SAMR Order No. 121 came into force: a complaint received before it is handled, and
# its papers cited, under Order No. 20 (deadlines.rule_for, documents.wording.regime_for).
ORDER_121_IN_FORCE = date(2026, 4, 15)

# The termination grounds of Order No. 20 art. 21 (by key; their words are quoted in
# documents/wording.py). Order No. 121 added the party's death or dissolution.
ORDER_20_TERMINATION_KEYS = frozenset(
    {
        "withdrawn",
        "appraisal",
        "absent",
        "no-agreement",
        "time-limit",
        "refusal-found",
        "other-termination",
    }
)


def termination_ground_refusal(received_on: date, chosen: Ground) -> str | None:
    """A complaint received before Order No. 121 is terminated only on a ground Order No. 20
    knows: its decision must cite one."""
    if received_on >= ORDER_121_IN_FORCE or chosen.key in ORDER_20_TERMINATION_KEYS:
        return None
    return _(
        "This complaint was received before {day} and is handled under Order No. 20, which "
        "has no ground “{ground}”: choose one of its grounds."
    ).format(day=ORDER_121_IN_FORCE.isoformat(), ground=chosen.text)


# Terminations recorded before the grounds followed art. 23(1)'s order numbered them
# 1 withdrawn, 2 appraisal, 3 absent, 4 no agreement, 5 time limit, 6 death, 7 refusal found,
# 8 other: an old record's item, when its text does not say which ground it was.
LEGACY_TERMINATION_KEYS = {
    1: "withdrawn",
    2: "appraisal",
    3: "absent",
    4: "no-agreement",
    5: "time-limit",
    6: "death",
    7: "refusal-found",
    8: "other-termination",
}


def recorded_ground(grounds: tuple[Ground, ...], item: object, text: object) -> Ground | None:
    """The ground an event recorded: by its text (records keep it), else by its item number
    (termination items of old records by their old numbering)."""
    if isinstance(text, str) and text.strip():
        said = text.strip()
        found = next((g for g in grounds if said == g.text or said in g.former), None)
        if found is not None:
            return found
    if not isinstance(item, int):
        return None
    if grounds is TERMINATION_GROUNDS and isinstance(text, str) and text.strip():
        key = LEGACY_TERMINATION_KEYS.get(item)
        return next((g for g in grounds if g.key == key), None)
    return ground(grounds, item)


def ground(grounds: tuple[Ground, ...], item: int) -> Ground | None:
    return next((g for g in grounds if g.item == item), None)


# Why mediation is suspended (Order No. 20 art. 19(2): a recusal request suspends it; art. 20(3):
# appraisal and testing time is not counted).
SUSPENSION_REASONS = ("recusal", "appraisal", "testing", "other")

OPEN_COMPLAINT = frozenset(
    {CaseStatus.REGISTERED, CaseStatus.ACCEPTED, CaseStatus.MEDIATING, CaseStatus.SUSPENDED}
)
OPEN_REPORT = frozenset({CaseStatus.REGISTERED, CaseStatus.CHECKING})
FINISHED = frozenset(
    {
        CaseStatus.NOT_ACCEPTED,
        CaseStatus.AGREED,
        CaseStatus.TERMINATED,
        CaseStatus.WITHDRAWN,
        CaseStatus.CASE_OPENED,
        CaseStatus.NOT_OPENED,
        CaseStatus.RESULT_NOTIFIED,
        CaseStatus.ANSWERED,
    }
)
ANY_OPEN = frozenset(set(CaseStatus) - {CaseStatus.CLOSED, CaseStatus.MERGED})

CLERK_ACTIONS = frozenset(
    {
        Action.ACCEPT,
        Action.REFUSE,
        Action.WITHDRAW,
        Action.CLOSE,
        Action.ESCALATE,
        Action.FOLLOW_UP,
        Action.DISPATCH,
        Action.ARRIVE,
        Action.START_CHECK,
        Action.MERGE,
        Action.ANSWER,
        Action.NOTE,
        Action.CONTACT,
    }
)
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.CLERK: CLERK_ACTIONS,
    Role.OFFICER: frozenset(Action),
    Role.ADMIN: frozenset(Action),
    Role.CITY: frozenset(Action),
}


@dataclass(frozen=True)
class Transition:
    action: Action
    kinds: frozenset[CaseKind]
    sources: frozenset[CaseStatus]
    target: CaseStatus | None  # None: the status does not change (a record or a transfer)


COMPLAINT = frozenset({CaseKind.COMPLAINT})
REPORT = frozenset({CaseKind.REPORT})
CONSULTATION = frozenset({CaseKind.CONSULTATION})
EVERY_KIND = frozenset(CaseKind)
S = CaseStatus

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.ACCEPT, COMPLAINT, frozenset({S.REGISTERED}), S.ACCEPTED),
    Transition(Action.REFUSE, COMPLAINT, frozenset({S.REGISTERED}), S.NOT_ACCEPTED),
    Transition(Action.START_MEDIATION, COMPLAINT, frozenset({S.ACCEPTED}), S.MEDIATING),
    Transition(Action.SUSPEND, COMPLAINT, frozenset({S.MEDIATING}), S.SUSPENDED),
    Transition(Action.RESUME, COMPLAINT, frozenset({S.SUSPENDED}), S.MEDIATING),
    Transition(Action.RECORD_SESSION, COMPLAINT, frozenset({S.MEDIATING}), None),
    Transition(Action.AGREE, COMPLAINT, frozenset({S.MEDIATING}), S.AGREED),
    Transition(
        Action.TERMINATE, COMPLAINT, frozenset({S.ACCEPTED, S.MEDIATING, S.SUSPENDED}), S.TERMINATED
    ),
    Transition(Action.WITHDRAW, COMPLAINT, OPEN_COMPLAINT, S.WITHDRAWN),
    Transition(Action.AMEND_AGREEMENT, COMPLAINT, frozenset({S.AGREED, S.CLOSED}), None),
    Transition(Action.RECORD_PERFORMANCE, COMPLAINT, frozenset({S.AGREED, S.CLOSED}), None),
    Transition(Action.JUDICIAL_APPLY, COMPLAINT, frozenset({S.AGREED, S.CLOSED}), None),
    Transition(Action.JUDICIAL_CONFIRM, COMPLAINT, frozenset({S.AGREED, S.CLOSED}), None),
    Transition(Action.TRANSFER_COURT, COMPLAINT, frozenset({S.TERMINATED, S.CLOSED}), None),
    Transition(Action.COURT_OUTCOME, COMPLAINT, frozenset({S.TERMINATED, S.CLOSED}), None),
    Transition(Action.START_CHECK, REPORT, frozenset({S.REGISTERED}), S.CHECKING),
    Transition(Action.EXTEND, REPORT, frozenset({S.REGISTERED, S.CHECKING}), None),
    Transition(Action.OPEN_CASE, REPORT, frozenset({S.CHECKING}), S.CASE_OPENED),
    Transition(Action.NOT_OPEN, REPORT, frozenset({S.CHECKING}), S.NOT_OPENED),
    Transition(
        Action.NOTIFY_RESULT, REPORT, frozenset({S.CASE_OPENED, S.NOT_OPENED}), S.RESULT_NOTIFIED
    ),
    Transition(Action.MERGE, REPORT, frozenset({S.REGISTERED, S.CHECKING}), S.MERGED),
    Transition(Action.ANSWER, CONSULTATION, frozenset({S.REGISTERED}), S.ANSWERED),
    Transition(Action.CLOSE, EVERY_KIND, FINISHED, S.CLOSED),
    Transition(Action.FOLLOW_UP, EVERY_KIND, frozenset({S.CLOSED}), None),
    Transition(Action.ESCALATE, EVERY_KIND, ANY_OPEN - FINISHED, None),
    Transition(Action.DISPATCH, EVERY_KIND, ANY_OPEN - FINISHED, None),
    Transition(Action.ARRIVE, EVERY_KIND, ANY_OPEN - FINISHED, None),
    Transition(Action.NOTE, EVERY_KIND, frozenset(CaseStatus), None),
    # Each attempt to reach the business (an unreachable online shop may be proposed for the
    # abnormal operations list): a record only, while the case is not closed.
    Transition(Action.CONTACT, COMPLAINT | REPORT, ANY_OPEN, None),
)

# Actions that only add to the record and may be taken on a case another station now owns.
RECORD_ONLY_FOR_VIEWERS = frozenset({Action.NOTE})

# Events that are not workflow actions: they record a change made outside the state machine,
# never change the status and start or meet no deadline (case_clock only reads the actions it
# names). "correct": the registration data was corrected (case_edit.edit_case).
CORRECTION_EVENT = "correct"
OTHER_EVENT_LABELS: dict[str, str] = {CORRECTION_EVENT: N_("Registration corrected")}


def event_label(action: str) -> str:
    """The name of a recorded event: a workflow action's label, a correction's, or as stored."""
    try:
        return action_label(Action(action))
    except ValueError:
        label_text = OTHER_EVENT_LABELS.get(action)
        return _(label_text) if label_text else action


@dataclass(frozen=True)
class CaseState:
    """What the workflow needs to know of a case."""

    kind: CaseKind
    status: CaseStatus
    owner_station: str


class WorkflowRefused(Exception):
    """A transition that is not allowed, with the reason in words the clerk understands."""


def find_transition(kind: CaseKind, action: Action) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action is action and kind in t.kinds), None)


def ownership_refusal(
    owner_station: str, *, role: Role, station_code: str, action: Action | None = None
) -> str | None:
    """Why a user at `station_code` may not change a case `owner_station` owns, or None when
    they may. One writer of a case: its owner station. City staff may move any case to
    themselves (escalation transfers the ownership), then change it as its owner; `action` is
    the workflow action asked for (None: a correction of the case's record)."""
    if owner_station == station_code:
        return None
    if role is not Role.CITY:
        return _("This case now belongs to station {owner}; this station can only view it.").format(
            owner=owner_station
        )
    if action is not Action.ESCALATE:
        return _(
            "This case belongs to station {owner}. Escalate it to your station first; "
            "only the station that owns a case changes it."
        ).format(owner=owner_station)
    return None


def refusal_reason(
    state: CaseState, action: Action, *, role: Role, station_code: str
) -> str | None:
    """Why `action` may not be taken now, or None when it may."""
    transition = find_transition(state.kind, action)
    if transition is None:
        return _("“{action}” does not apply to this kind of case ({kind}).").format(
            action=action_label(action), kind=label(state.kind)
        )
    if action not in RECORD_ONLY_FOR_VIEWERS:
        not_owner = ownership_refusal(
            state.owner_station, role=role, station_code=station_code, action=action
        )
        if not_owner is not None:
            return not_owner
    if state.status not in transition.sources:
        if state.status is CaseStatus.CLOSED:
            return _("The case is closed; “{action}” is no longer possible.").format(
                action=action_label(action)
            )
        return _("“{action}” is not possible while the case is “{status}”.").format(
            action=action_label(action), status=label(state.status)
        )
    if action not in ROLE_ACTIONS[role]:
        return _("The role “{role}” may not “{action}”; ask a mediation officer.").format(
            role=label(role), action=action_label(action)
        )
    return None


def check_action(state: CaseState, action: Action, *, role: Role, station_code: str) -> CaseStatus:
    """The status after `action`, or WorkflowRefused with the reason."""
    reason = refusal_reason(state, action, role=role, station_code=station_code)
    if reason is not None:
        raise WorkflowRefused(reason)
    transition = find_transition(state.kind, action)
    assert transition is not None
    return transition.target or state.status


def allowed_actions(
    state: CaseState, *, role: Role, station_code: str, among: Iterable[Action] = Action
) -> list[Action]:
    """The actions a user may take on the case now, in the order of `Action`."""
    return [
        action
        for action in among
        if refusal_reason(state, action, role=role, station_code=station_code) is None
    ]


# --------------------------------------------------------------------------- rules on steps
# Rules that depend on dates and on what else was recorded, beyond the transition table. A
# refusal stops the step (nothing is written); a warning lets it through and is shown to the
# clerk. Each rule is here once; case_actions (actions) and document_issuing (documents) ask.

# The termination ground "no agreement within the time limit": item (五) both of Order No. 20
# art. 21(1) (45 working days) and of Order No. 121 art. 23(1) (60 days).
TIME_LIMIT_GROUND_ITEM = 5


def time_limit_ground_refusal(
    item: int, terminated_on: date, mediation_due: date | None
) -> str | None:
    """Why mediation may not be terminated on the time-limit ground on `terminated_on`: the
    ground exists only once the mediation time limit (`mediation_due`, its last day; None
    while mediation is suspended) has passed."""
    if item != TIME_LIMIT_GROUND_ITEM:
        return None
    if mediation_due is None:
        return _(
            "Mediation is suspended, so its time limit is not running: the ground “time limit "
            "passed” cannot be used. Resume the mediation or choose another ground."
        )
    if terminated_on <= mediation_due:
        return _(
            "The mediation time limit ends on {due}: the ground “time limit passed” can be used "
            "only after that day. Choose another ground or wait."
        ).format(due=mediation_due.isoformat())
    return None


def met_late_warning(label_text: str, due: date, met_on: date) -> str | None:
    """A deadline met after its last day is shown as met late (已逾期完成), never as in time."""
    if met_on <= due:
        return None
    return _("{deadline}: completed late (the time limit ended on {due}).").format(
        deadline=label_text, due=due.isoformat()
    )


def mediation_notice_refusal(consents_recorded: bool) -> str | None:
    """The mediation notice goes out only once both parties' consent to mediation is recorded
    (the start-mediation step records both)."""
    if consents_recorded:
        return None
    return _(
        "The mediation notice goes out only once both parties have agreed to mediation: "
        "record it with “{label}” ({action})."
    ).format(label=action_label(Action.START_MEDIATION), action=Action.START_MEDIATION.value)


def mediation_notice_late_warning(held_at: datetime | None, issued_at: datetime) -> str | None:
    """A notice issued after the session it announces cannot have reached the parties in time."""
    if held_at is None or issued_at <= held_at:
        return None
    return _(
        "The notice is issued after the mediation session it announces ({held}); make sure "
        "the parties were told in time by other means."
    ).format(held=held_at.strftime("%Y-%m-%d %H:%M"))


def judicial_application_refusal(agreement_number: str | None) -> str | None:
    """A joint application for judicial confirmation is made for an issued agreement only (the
    court is sent the agreement by its number)."""
    if agreement_number:
        return None
    return _(
        "The application for judicial confirmation is made for an issued mediation agreement "
        "only: issue it first (print mediation_agreement)."
    )


def judicial_window_warning(applied_on: date, window_due: date) -> str | None:
    """Applied after the 30 days from the agreement taking effect: the court may refuse it."""
    if applied_on <= window_due:
        return None
    return _(
        "The application is later than 30 days after the agreement ({due}); the court "
        "may refuse it."
    ).format(due=window_due.isoformat())
