"""Managing the station's accounts (administrators only) and changing one's own password: the
one path for the app and the command line. Users are disabled, never deleted: the audit log
and the case timelines name them."""

from __future__ import annotations

from datetime import datetime

from station_app.account_rules import ASSIGNABLE_ROLES, may_manage_accounts
from station_app.domain import Role, User
from station_app.i18n import _
from station_app.store import Store
from station_app.store.accounts import (
    AccountRefused,
    LoginOutcome,
    count_active_admins,
    find_user,
    local_station,
    log_in,
    update_user,
)
from station_app.store.accounts import add_user as _add_user


def _administrator(store: Store, by: User) -> User:
    """`by` as the database knows it now, if still an active administrator (a role taken away
    since the login counts at once)."""
    current = find_user(store, by.username)
    if current is None or not current.active or not may_manage_accounts(current):
        raise AccountRefused(_("Only an administrator may manage the station's accounts."))
    return current


def _existing(store: Store, username: str) -> User:
    user = find_user(store, username.strip())
    if user is None:
        raise AccountRefused(_("There is no user '{name}'.").format(name=username.strip()))
    return user


def _check_role(role: Role) -> None:
    if role not in ASSIGNABLE_ROLES:
        raise AccountRefused(_("A station's account is a clerk, an officer or an administrator."))


def create_user(
    store: Store, by: User, username: str, display_name: str, role: Role, password: str
) -> User:
    admin = _administrator(store, by)
    _check_role(role)
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        station_code=local_station(store).code,
    )
    return _add_user(store, user, password, actor=admin.username)


def _keeps_an_administrator(store: Store, user: User) -> None:
    if user.role is Role.ADMIN and user.active and count_active_admins(store) <= 1:
        raise AccountRefused(
            _(
                "'{name}' is the station's last active administrator: make another user an "
                "administrator first."
            ).format(name=user.username)
        )


def set_role(store: Store, by: User, username: str, role: Role) -> User:
    admin = _administrator(store, by)
    _check_role(role)
    user = _existing(store, username)
    if user.role is role:
        return user
    if role is not Role.ADMIN:
        _keeps_an_administrator(store, user)
    if user.username == admin.username:
        raise AccountRefused(_("You cannot change your own role; another administrator can."))
    return update_user(store, user, actor=admin.username, role=role)


def set_active(store: Store, by: User, username: str, active: bool) -> User:
    """Disable (or enable again) an account; a disabled user cannot log in."""
    admin = _administrator(store, by)
    user = _existing(store, username)
    if user.active == active:
        return user
    if not active:
        _keeps_an_administrator(store, user)
        if user.username == admin.username:
            raise AccountRefused(
                _("You cannot disable your own account; another administrator can.")
            )
    return update_user(store, user, actor=admin.username, active=active)


def reset_password(store: Store, by: User, username: str, password: str) -> User:
    """An administrator gives another user a new password (and lifts a lock)."""
    admin = _administrator(store, by)
    user = _existing(store, username)
    return update_user(store, user, actor=admin.username, password=password)


def change_own_password(
    store: Store, user: User, current: str, new: str, now: datetime | None = None
) -> User:
    """Any user changes their own password, giving the current one (a wrong one counts
    towards the lock, as at the login)."""
    result = log_in(store, user.username, current, now)
    if result.outcome is LoginOutcome.WRONG:
        raise AccountRefused(_("The current password is wrong. Nothing was changed."))
    if result.user is None:
        raise AccountRefused(result.message())
    if new == current:
        raise AccountRefused(_("The new password is the same as the current one."))
    return update_user(store, result.user, actor=user.username, password=new)
