"""Who sees and exports full ID and phone numbers, and the idle-lock setting."""

from __future__ import annotations

from station_app.account_rules import (
    DEFAULT_IDLE_LOCK_MINUTES,
    IDLE_LOCK_SETTING,
    idle_lock_minutes,
    may_export_personal_data,
    may_see_full_numbers,
)
from station_app.domain import Role, User
from station_app.store.accounts import idle_lock_setting


def _user(role: Role) -> User:
    return User("u", "某人", role, "RC-MT")


def test_only_case_handlers_see_full_numbers_and_only_admins_export_them():
    assert not may_see_full_numbers(_user(Role.CLERK))
    assert not may_see_full_numbers(None)
    assert all(may_see_full_numbers(_user(r)) for r in (Role.OFFICER, Role.ADMIN, Role.CITY))
    assert [r for r in Role if may_export_personal_data(_user(r))] == [Role.ADMIN]


def test_idle_lock_minutes_default_never_and_bad_values(store):
    assert idle_lock_setting(store) == DEFAULT_IDLE_LOCK_MINUTES == 10
    store.set_setting(IDLE_LOCK_SETTING, "0")
    assert idle_lock_setting(store) == 0  # never
    store.set_setting(IDLE_LOCK_SETTING, "25")
    assert idle_lock_setting(store) == 25
    for bad in ("", "ten", "-5", "100000"):
        assert idle_lock_minutes(bad) == DEFAULT_IDLE_LOCK_MINUTES
