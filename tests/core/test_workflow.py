"""Every transition of the state machine: allowed ones, forbidden ones, roles and ownership."""

from __future__ import annotations

import itertools

import pytest

from station_app import i18n
from station_app.domain import CaseKind, CaseStatus, Role
from station_app.workflow import (
    REFUSAL_GROUNDS,
    TERMINATION_GROUNDS,
    TRANSITIONS,
    Action,
    CaseState,
    WorkflowRefused,
    allowed_actions,
    check_action,
    ground,
    refusal_reason,
)

HERE = "RC-MT"
C, R, Q = CaseKind.COMPLAINT, CaseKind.REPORT, CaseKind.CONSULTATION
S = CaseStatus

# The complete table of what may happen, written out independently of workflow.TRANSITIONS:
# (kind, status, action) -> status afterwards. Everything not listed must be refused.
EXPECTED: dict[tuple[CaseKind, CaseStatus, Action], CaseStatus] = {
    (C, S.REGISTERED, Action.ACCEPT): S.ACCEPTED,
    (C, S.REGISTERED, Action.REFUSE): S.NOT_ACCEPTED,
    (C, S.ACCEPTED, Action.START_MEDIATION): S.MEDIATING,
    (C, S.MEDIATING, Action.SUSPEND): S.SUSPENDED,
    (C, S.SUSPENDED, Action.RESUME): S.MEDIATING,
    (C, S.MEDIATING, Action.RECORD_SESSION): S.MEDIATING,
    (C, S.MEDIATING, Action.AGREE): S.AGREED,
    (C, S.ACCEPTED, Action.TERMINATE): S.TERMINATED,
    (C, S.MEDIATING, Action.TERMINATE): S.TERMINATED,
    (C, S.SUSPENDED, Action.TERMINATE): S.TERMINATED,
    (C, S.REGISTERED, Action.WITHDRAW): S.WITHDRAWN,
    (C, S.ACCEPTED, Action.WITHDRAW): S.WITHDRAWN,
    (C, S.MEDIATING, Action.WITHDRAW): S.WITHDRAWN,
    (C, S.SUSPENDED, Action.WITHDRAW): S.WITHDRAWN,
    (C, S.AGREED, Action.AMEND_AGREEMENT): S.AGREED,
    (C, S.CLOSED, Action.AMEND_AGREEMENT): S.CLOSED,
    (C, S.AGREED, Action.RECORD_PERFORMANCE): S.AGREED,
    (C, S.CLOSED, Action.RECORD_PERFORMANCE): S.CLOSED,
    (C, S.AGREED, Action.JUDICIAL_APPLY): S.AGREED,
    (C, S.CLOSED, Action.JUDICIAL_APPLY): S.CLOSED,
    (C, S.AGREED, Action.JUDICIAL_CONFIRM): S.AGREED,
    (C, S.CLOSED, Action.JUDICIAL_CONFIRM): S.CLOSED,
    (C, S.TERMINATED, Action.TRANSFER_COURT): S.TERMINATED,
    (C, S.CLOSED, Action.TRANSFER_COURT): S.CLOSED,
    (C, S.TERMINATED, Action.COURT_OUTCOME): S.TERMINATED,
    (C, S.CLOSED, Action.COURT_OUTCOME): S.CLOSED,
    (R, S.REGISTERED, Action.START_CHECK): S.CHECKING,
    (R, S.REGISTERED, Action.EXTEND): S.REGISTERED,
    (R, S.CHECKING, Action.EXTEND): S.CHECKING,
    (R, S.CHECKING, Action.OPEN_CASE): S.CASE_OPENED,
    (R, S.CHECKING, Action.NOT_OPEN): S.NOT_OPENED,
    (R, S.CASE_OPENED, Action.NOTIFY_RESULT): S.RESULT_NOTIFIED,
    (R, S.NOT_OPENED, Action.NOTIFY_RESULT): S.RESULT_NOTIFIED,
    (R, S.REGISTERED, Action.MERGE): S.MERGED,
    (R, S.CHECKING, Action.MERGE): S.MERGED,
    (Q, S.REGISTERED, Action.ANSWER): S.ANSWERED,
}
for kind, status in [
    (C, S.NOT_ACCEPTED),
    (C, S.AGREED),
    (C, S.TERMINATED),
    (C, S.WITHDRAWN),
    (R, S.CASE_OPENED),
    (R, S.NOT_OPENED),
    (R, S.RESULT_NOTIFIED),
    (Q, S.ANSWERED),
]:
    EXPECTED[kind, status, Action.CLOSE] = S.CLOSED
STATUSES_OF = {
    C: [
        S.REGISTERED,
        S.ACCEPTED,
        S.NOT_ACCEPTED,
        S.MEDIATING,
        S.SUSPENDED,
        S.AGREED,
        S.TERMINATED,
        S.WITHDRAWN,
        S.CLOSED,
    ],
    R: [
        S.REGISTERED,
        S.CHECKING,
        S.CASE_OPENED,
        S.NOT_OPENED,
        S.RESULT_NOTIFIED,
        S.MERGED,
        S.CLOSED,
    ],
    Q: [S.REGISTERED, S.ANSWERED, S.CLOSED],
}
OPEN = {
    C: {S.REGISTERED, S.ACCEPTED, S.MEDIATING, S.SUSPENDED},
    R: {S.REGISTERED, S.CHECKING},
    Q: {S.REGISTERED},
}
for kind, statuses in STATUSES_OF.items():
    for status in statuses:
        EXPECTED[kind, status, Action.NOTE] = status
        if status is S.CLOSED:
            EXPECTED[kind, status, Action.FOLLOW_UP] = status
        if status in OPEN[kind]:
            for action in (Action.ESCALATE, Action.DISPATCH, Action.ARRIVE):
                EXPECTED[kind, status, action] = status
        # an attempt to reach the business, on a complaint or report not closed or merged
        if kind is not Q and status not in (S.CLOSED, S.MERGED):
            EXPECTED[kind, status, Action.CONTACT] = status


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "en")


ALL_CASES = [
    (kind, status, action)
    for kind, statuses in STATUSES_OF.items()
    for status, action in itertools.product(statuses, Action)
]


@pytest.mark.parametrize(("kind", "status", "action"), ALL_CASES)
def test_every_transition_is_allowed_or_refused_as_the_rules_say(kind, status, action):
    state = CaseState(kind, status, HERE)
    if (kind, status, action) in EXPECTED:
        assert (
            check_action(state, action, role=Role.OFFICER, station_code=HERE)
            == EXPECTED[kind, status, action]
        )
    else:
        with pytest.raises(WorkflowRefused) as refused:
            check_action(state, action, role=Role.OFFICER, station_code=HERE)
        assert str(refused.value)


def test_a_closed_case_says_it_is_closed():
    state = CaseState(C, S.CLOSED, HERE)
    reason = refusal_reason(state, Action.ACCEPT, role=Role.OFFICER, station_code=HERE)
    assert reason is not None and "closed" in reason


def test_an_action_of_another_kind_says_it_does_not_apply():
    reason = refusal_reason(
        CaseState(Q, S.REGISTERED, HERE), Action.ACCEPT, role=Role.ADMIN, station_code=HERE
    )
    assert reason is not None and "does not apply" in reason


@pytest.mark.parametrize("action", [Action.START_MEDIATION, Action.AGREE, Action.TERMINATE])
def test_clerks_may_not_mediate_or_terminate(action):
    status = S.ACCEPTED if action is Action.START_MEDIATION else S.MEDIATING
    state = CaseState(C, status, HERE)
    assert refusal_reason(state, action, role=Role.CLERK, station_code=HERE) is not None
    assert refusal_reason(state, action, role=Role.OFFICER, station_code=HERE) is None


def test_clerks_register_accept_and_escalate():
    state = CaseState(C, S.REGISTERED, HERE)
    allowed = allowed_actions(state, role=Role.CLERK, station_code=HERE)
    assert {Action.ACCEPT, Action.REFUSE, Action.ESCALATE} <= set(allowed)
    assert Action.AGREE not in allowed


def test_a_case_escalated_away_is_read_only_except_for_notes():
    state = CaseState(C, S.MEDIATING, "RC-TOWN")
    allowed = allowed_actions(state, role=Role.ADMIN, station_code=HERE)
    assert allowed == [Action.NOTE]
    reason = refusal_reason(state, Action.AGREE, role=Role.ADMIN, station_code=HERE)
    assert "RC-TOWN" in reason


def test_city_staff_act_on_another_station_s_case_by_escalating_it_first():
    """One writer of a case's status, its owner: the city moves the case, then acts."""
    state = CaseState(C, S.MEDIATING, "RC-MT-XC")
    reason = refusal_reason(state, Action.AGREE, role=Role.CITY, station_code="RC")
    assert reason is not None and "Escalate" in reason and "RC-MT-XC" in reason
    assert refusal_reason(state, Action.ESCALATE, role=Role.CITY, station_code="RC") is None
    owned = CaseState(C, S.MEDIATING, "RC")
    assert refusal_reason(owned, Action.AGREE, role=Role.CITY, station_code="RC") is None


def test_grounds_are_numbered_without_gaps():
    assert [g.item for g in REFUSAL_GROUNDS] == list(range(1, 8))
    assert [g.item for g in TERMINATION_GROUNDS] == list(range(1, 9))
    assert ground(REFUSAL_GROUNDS, 4).text.endswith("超过三年")
    assert ground(TERMINATION_GROUNDS, 9) is None


def test_every_transition_names_a_target_reachable_by_its_kind():
    for transition in TRANSITIONS:
        assert transition.sources, transition
        for kind in transition.kinds:
            if transition.target is not None:
                assert transition.target in STATUSES_OF[kind]
