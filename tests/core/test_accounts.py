"""Accounts: created by an administrator, roles enforced from the first action, disabled never
deleted, the lock after five wrong passwords, and hashes upgraded at the next login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from station_app.case_actions import ActionRejected
from station_app.domain import Role, User
from station_app.passwords import ScryptCost, current_cost, hash_password, verify_password
from station_app.store.accounts import (
    AccountRefused,
    LoginOutcome,
    add_user,
    find_user,
    list_accounts,
    log_in,
)
from station_app.user_accounts import (
    change_own_password,
    create_user,
    reset_password,
    set_active,
    set_role,
)
from tests.core.conftest import outbox_rows
from tests.core.workflow_helpers import do, new_case, set_up_village

ADMIN_PASSWORD = "admin-secret-123"
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def store(store):
    set_up_village(store)  # admin, li.clerk and wang.officer
    return store


@pytest.fixture
def admin(store) -> User:
    return log_in(store, "admin", ADMIN_PASSWORD).user


def _user_rows(store):
    return store.query("SELECT * FROM users ORDER BY username")


# --------------------------------------------------------------------------- creating users


def test_a_new_clerk_cannot_do_officer_actions_and_a_new_officer_can(store, admin):
    create_user(store, admin, "zhou", "周小青", Role.CLERK, "zhou-pass-1")
    create_user(store, admin, "sun", "孙调解", Role.OFFICER, "sun-pass-1")
    clerk = log_in(store, "zhou", "zhou-pass-1").user
    officer = log_in(store, "sun", "sun-pass-1").user
    assert (clerk.role, clerk.display_name, clerk.station_code) == (
        Role.CLERK,
        "周小青",
        "RC-MT-XC",
    )
    case = new_case(store)
    do(store, case, "accept", {"occurred_at": "2026-05-06"}, user=clerk)
    consents = {"complainant_consents": True, "merchant_consents": True, "mode": "on_site"}
    with pytest.raises(ActionRejected) as refused:
        do(store, case, "start-mediation", consents, user=clerk)
    assert "mediation officer" in str(refused.value)
    result = do(store, case, "start-mediation", consents, user=officer)
    assert result.to_status == "mediating"
    actors = store.query(
        "SELECT actor FROM case_events WHERE case_id = ? ORDER BY local_id", (case.id,)
    )
    assert [row["actor"] for row in actors] == ["zhou", "sun"]


def test_a_role_changed_after_login_counts_at_once(store, admin):
    create_user(store, admin, "qian", "钱管理", Role.ADMIN, "qian-pass-1")
    qian = log_in(store, "qian", "qian-pass-1").user
    set_role(store, admin, "qian", Role.CLERK)
    with pytest.raises(AccountRefused, match="Only an administrator"):
        create_user(store, qian, "x1", "某某", Role.CLERK, "x1-pass-1")  # qian's old User object
    clerk = log_in(store, "li.clerk", "secret123").user
    with pytest.raises(AccountRefused, match="Only an administrator"):
        create_user(store, clerk, "x2", "某某", Role.ADMIN, "x2-pass-1")
    with pytest.raises(AccountRefused):
        reset_password(store, clerk, "admin", "taken-over")
    assert find_user(store, "x1") is None and find_user(store, "x2") is None
    assert log_in(store, "admin", ADMIN_PASSWORD).user is not None


def test_a_duplicate_user_name_is_refused_in_any_letter_case(store, admin):
    before = _user_rows(store)
    for name in ("li.clerk", "LI.Clerk", " li.clerk "):
        with pytest.raises(AccountRefused, match="taken"):
            create_user(store, admin, name, "另一个李", Role.CLERK, "another-1")
    assert _user_rows(store) == before


@pytest.mark.parametrize(
    ("username", "display_name", "role", "password", "problem"),
    [
        ("x", "某某", Role.CLERK, "a" * 200, "at most 128"),
        ("x", "某某", Role.CLERK, "12345", "at least 6"),
        ("x", "某某", Role.CLERK, "pass\tword", "control characters"),
        ("two words", "某某", Role.CLERK, "password", "no spaces"),
        ("😀", "某某", Role.CLERK, "password", "letters, digits"),
        ("x" * 33, "某某", Role.CLERK, "password", "at most 32"),
        ("x", "  ", Role.CLERK, "password", "display name"),
        ("x", "某某", Role.CITY, "password", "clerk, an officer or an administrator"),
    ],
)
def test_bad_new_accounts_are_refused_with_the_reason(
    store, admin, username, display_name, role, password, problem
):
    before = _user_rows(store)
    with pytest.raises(AccountRefused, match=problem):
        create_user(store, admin, username, display_name, role, password)
    assert _user_rows(store) == before


def test_passwords_with_emoji_chinese_and_128_characters_work(store, admin):
    for name, password in (("e1", "密码😀🔑 ok"), ("e2", "长" * 128), ("e3", " spaced out ")):
        create_user(store, admin, name, "某某", Role.CLERK, password)
        assert log_in(store, name, password).outcome is LoginOutcome.OK
    assert log_in(store, "e3", "spaced out").outcome is LoginOutcome.WRONG
    assert log_in(store, "e1", "密码😀 ok").outcome is LoginOutcome.WRONG


# --------------------------------------------------------------------------- disabling


def test_a_disabled_user_is_refused_and_kept(store, admin):
    set_active(store, admin, "li.clerk", False)
    refused = log_in(store, "li.clerk", "secret123")
    assert refused.outcome is LoginOutcome.DISABLED and refused.user is None
    assert "disabled" in refused.message()
    # Only the right password learns that the account is disabled.
    assert log_in(store, "li.clerk", "wrong-one").outcome is LoginOutcome.WRONG
    row = store.query("SELECT active, deleted FROM users WHERE username = 'li.clerk'")[0]
    assert (row["active"], row["deleted"]) == (0, 0)
    accounts = {a.user.username: a.user.active for a in list_accounts(store)}
    assert accounts["li.clerk"] is False
    set_active(store, admin, "li.clerk", True)
    assert log_in(store, "li.clerk", "secret123").outcome is LoginOutcome.OK


def test_the_last_administrator_cannot_be_disabled_or_demoted(store, admin):
    with pytest.raises(AccountRefused, match="last active administrator"):
        set_active(store, admin, "admin", False)
    with pytest.raises(AccountRefused, match="last active administrator"):
        set_role(store, admin, "admin", Role.OFFICER)
    create_user(store, admin, "qian", "钱管理", Role.ADMIN, "qian-pass-1")
    qian = log_in(store, "qian", "qian-pass-1").user
    with pytest.raises(AccountRefused, match="your own account"):
        set_active(store, admin, "admin", False)
    set_active(store, qian, "admin", False)
    assert log_in(store, "admin", ADMIN_PASSWORD).outcome is LoginOutcome.DISABLED
    with pytest.raises(AccountRefused, match="last active administrator"):
        set_active(store, qian, "qian", False)


def test_account_changes_are_audited_with_the_administrator_and_no_hash(store, admin):
    create_user(store, admin, "zhou", "周小青", Role.CLERK, "zhou-pass-1")
    set_role(store, admin, "zhou", Role.OFFICER)
    set_active(store, admin, "zhou", False)
    reset_password(store, admin, "zhou", "zhou-pass-2")
    zhou_id = find_user(store, "zhou").id
    rows = store.query(
        "SELECT actor, field, old_value, new_value FROM audit_log WHERE row_id = ?"
        " AND table_name = 'users' ORDER BY local_id",
        (zhou_id,),
    )
    assert [(r["actor"], r["field"], r["old_value"], r["new_value"]) for r in rows] == [
        ("admin", "*", None, "created"),
        ("admin", "role", "clerk", "officer"),
        ("admin", "active", "1", "0"),
        ("admin", "password", None, None),
    ]


# --------------------------------------------------------------------------- the lock


def test_five_wrong_passwords_lock_the_account_for_a_while(store):
    for attempt in range(4):
        result = log_in(store, "li.clerk", f"wrong-{attempt}", T0)
        assert result.outcome is LoginOutcome.WRONG
        assert result.failures_left == 4 - attempt
    assert "1 more wrong" in result.message()
    fifth = log_in(store, "li.clerk", "wrong-5", T0 + timedelta(minutes=1))
    assert fifth.outcome is LoginOutcome.LOCKED
    until = T0 + timedelta(minutes=16)
    assert fifth.locked_until == until
    assert until.astimezone().strftime("%H:%M") in fifth.message()
    # The right password does not open a locked account, until the lock runs out.
    during = log_in(store, "li.clerk", "secret123", T0 + timedelta(minutes=15))
    assert (during.outcome, during.user) == (LoginOutcome.LOCKED, None)
    [account] = [
        a for a in list_accounts(store, T0 + timedelta(minutes=2)) if a.user.username == "li.clerk"
    ]
    assert account.locked_until == until
    after = log_in(store, "li.clerk", "secret123", T0 + timedelta(minutes=16, seconds=1))
    assert after.outcome is LoginOutcome.OK
    assert store.scalar("SELECT count(*) FROM login_failures") == 0


def test_a_right_password_starts_the_count_again(store):
    for _round in range(2):
        for attempt in range(4):
            log_in(store, "li.clerk", f"wrong-{attempt}", T0)
        assert log_in(store, "li.clerk", "secret123", T0).outcome is LoginOutcome.OK


def test_the_lock_is_local_and_never_synced(store):
    users_before = _user_rows(store)
    outbox_before = len(outbox_rows(store))
    for attempt in range(6):
        log_in(store, "li.clerk", f"wrong-{attempt}", T0)
    assert _user_rows(store) == users_before  # the syncable users row is untouched
    assert len(outbox_rows(store)) == outbox_before
    # The sixth was refused by the lock without looking at the password.
    assert store.scalar("SELECT failures FROM login_failures WHERE username = 'li.clerk'") == 5


def test_an_administrator_resets_a_password_and_lifts_the_lock(store, admin):
    for attempt in range(5):
        log_in(store, "li.clerk", f"wrong-{attempt}")
    assert log_in(store, "li.clerk", "secret123").outcome is LoginOutcome.LOCKED
    reset_password(store, admin, "li.clerk", "brand-new-1")
    assert log_in(store, "li.clerk", "brand-new-1").outcome is LoginOutcome.OK
    assert log_in(store, "li.clerk", "secret123").outcome is LoginOutcome.WRONG


def test_unknown_users_are_wrong_and_leave_no_trace(store):
    result = log_in(store, "nobody", "whatever")
    assert result.outcome is LoginOutcome.WRONG and result.failures_left is None
    assert store.scalar("SELECT count(*) FROM login_failures") == 0


# --------------------------------------------------------------------------- own password


def test_a_user_changes_their_own_password(store):
    clerk = log_in(store, "li.clerk", "secret123").user
    with pytest.raises(AccountRefused, match="current password is wrong"):
        change_own_password(store, clerk, "not-it", "new-pass-1")
    with pytest.raises(AccountRefused, match="at least 6"):
        change_own_password(store, clerk, "secret123", "short")
    change_own_password(store, clerk, "secret123", "new-pass-1")
    assert log_in(store, "li.clerk", "new-pass-1").outcome is LoginOutcome.OK
    assert log_in(store, "li.clerk", "secret123").outcome is LoginOutcome.WRONG


# --------------------------------------------------------------------------- upgrading hashes


def test_an_old_hash_is_upgraded_at_the_next_login(store):
    weak = hash_password("old-pass-1", ScryptCost(2**2, 8, 1))
    add_user(store, User("old", "老用户", Role.CLERK, "RC-MT-XC"), "placeholder")
    store.execute("UPDATE users SET password_hash = ? WHERE username = 'old'", (weak,))
    outbox_before = len(outbox_rows(store, "users"))

    assert log_in(store, "old", "wrong-pass").outcome is LoginOutcome.WRONG
    assert store.scalar("SELECT password_hash FROM users WHERE username = 'old'") == weak
    assert log_in(store, "old", "old-pass-1").outcome is LoginOutcome.OK
    upgraded = store.scalar("SELECT password_hash FROM users WHERE username = 'old'")
    cost = current_cost()
    assert upgraded.split("$")[1:4] == [str(cost.n), str(cost.r), str(cost.p)]
    assert verify_password("old-pass-1", upgraded)
    # A local user's password hash never leaves the PC: the change queued for sync has none.
    for entry in outbox_rows(store, "users")[outbox_before:]:
        assert "password_hash" not in (entry["new_values"] or {})
        assert "password_hash" not in (entry["old_values"] or {})
    # Already at today's cost: the next login leaves the hash alone.
    assert log_in(store, "old", "old-pass-1").outcome is LoginOutcome.OK
    assert store.scalar("SELECT password_hash FROM users WHERE username = 'old'") == upgraded
