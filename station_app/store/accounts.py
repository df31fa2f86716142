"""The local station, its settings and its users: accounts, logging in, and the lock after
too many wrong passwords (kept in login_failures, local to this PC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from station_app.account_rules import (
    IDLE_LOCK_SETTING,
    LOCK_TIME,
    MAX_FAILURES,
    display_name_problem,
    idle_lock_minutes,
    username_problem,
)
from station_app.domain import Role, Station, StationLevel, User
from station_app.i18n import _
from station_app.ids import new_id, utc_now
from station_app.passwords import hash_password, needs_rehash, password_problem, verify_password
from station_app.store.connection import SYSTEM_ACTOR, Store, StoreError

LOCAL_STATION_KEY = "local_station_code"


def is_initialised(store: Store) -> bool:
    return store.get_setting(LOCAL_STATION_KEY) is not None


def initialise_station(store: Store, station: Station, admin: User, password: str) -> Station:
    """First-run setup: this PC's station and its first administrator, in one transaction."""
    if is_initialised(store):
        raise StoreError(
            _("This data folder already belongs to a station; setup was not run again.")
        )
    with store.transaction():
        station = _insert_station(store, station, owner=station.code)
        store.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?)", (LOCAL_STATION_KEY, station.code)
        )
        admin.role = Role.ADMIN
        admin.station_code = station.code
        add_user(store, admin, password)
    return station


def _insert_station(store: Store, station: Station, owner: str) -> Station:
    now = utc_now()
    station.id = station.id or new_id()
    store.execute(
        "INSERT INTO stations(id, code, name, level, parent_code, owner_station, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            station.id,
            station.code,
            station.name,
            station.level.value,
            station.parent_code,
            owner,
            now,
            now,
        ),
    )
    return station


def local_station(store: Store) -> Station:
    code = store.get_setting(LOCAL_STATION_KEY)
    if code is None:
        raise StoreError(_("This data folder has not been set up yet. Run the first-run setup."))
    station = find_station(store, code)
    assert station is not None, f"station {code} missing from its own database"
    return station


def find_station(store: Store, code: str) -> Station | None:
    rows = store.query(
        "SELECT id, code, name, level, parent_code FROM stations WHERE code = ? AND deleted = 0",
        (code,),
    )
    if not rows:
        return None
    row = rows[0]
    return Station(
        code=row["code"],
        name=row["name"],
        level=StationLevel(row["level"]),
        parent_code=row["parent_code"],
        id=row["id"],
    )


# The user name last logged in with in the app, offered at the next login (this PC only).
LAST_USERNAME_KEY = "last_login_username"

_USER_COLUMNS = "id, username, display_name, role, station_code, password_hash, active, created_at"


class AccountRefused(StoreError):
    """An account change or a new account that the rules refuse; the message says why."""


def _user(row: dict) -> User:
    return User(
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        station_code=row["station_code"],
        active=bool(row["active"]),
        id=row["id"],
    )


def _user_row(store: Store, username: str) -> dict | None:
    rows = store.query(
        f"SELECT {_USER_COLUMNS} FROM users WHERE username = ? AND deleted = 0", (username,)
    )
    return rows[0] if rows else None


def find_user(store: Store, username: str) -> User | None:
    row = _user_row(store, username)
    return None if row is None else _user(row)


def display_name_of(store: Store, username: str) -> str:
    """The name a user is printed by on documents (a removed account's too); "" if unknown."""
    return store.scalar("SELECT display_name FROM users WHERE username = ?", (username,)) or ""


def add_user(store: Store, user: User, password: str, *, actor: str = SYSTEM_ACTOR) -> User:
    """Save a new user with a hash of the password; refused (AccountRefused) when the name is
    taken (in any letter case) or the name, display name or password breaks a rule."""
    user.username = user.username.strip()
    user.display_name = user.display_name.strip()
    problem = (
        username_problem(user.username)
        or display_name_problem(user.display_name)
        or password_problem(password)
    )
    if problem:
        raise AccountRefused(problem)
    if store.scalar("SELECT 1 FROM users WHERE lower(username) = lower(?)", (user.username,)):
        raise AccountRefused(
            _("The user name '{name}' is taken; choose another.").format(name=user.username)
        )
    password_hash = hash_password(password)
    now = utc_now()
    user.id = user.id or new_id()
    with store.transaction(actor=actor):
        store.execute(
            "INSERT INTO users(id, username, display_name, role, station_code, password_hash, active,"
            " owner_station, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user.id,
                user.username,
                user.display_name,
                user.role.value,
                user.station_code,
                password_hash,
                int(user.active),
                user.station_code,
                now,
                now,
            ),
        )
        if actor != SYSTEM_ACTOR:  # set-up and sync are not an administrator's doing
            _audit(store, user, "*", None, "created", actor)
    return user


def _audit(
    store: Store, user: User, field: str, old: str | None, new: str | None, actor: str
) -> None:
    """One row of the audit log for a change of an account (never a password or its hash)."""
    now = utc_now()
    owner = store.get_setting(LOCAL_STATION_KEY) or user.station_code
    store.execute(
        "INSERT INTO audit_log(id, owner_station, created_at, updated_at, at, actor, case_id,"
        " table_name, row_id, field, old_value, new_value, kind)"
        " VALUES (?, ?, ?, ?, ?, ?, NULL, 'users', ?, ?, ?, ?, 'change')",
        (new_id(), owner, now, now, now, actor, user.id, field, old, new),
    )


@dataclass(frozen=True)
class Account:
    """A user as the account list shows it: the user, and until when it is locked on this PC."""

    user: User
    created_at: str
    locked_until: datetime | None


def list_accounts(store: Store, now: datetime | None = None) -> list[Account]:
    """Every user, active ones first, then by user name."""
    now = now or datetime.now(UTC)
    locks = {
        row["username"]: _parse_time(row["locked_until"])
        for row in store.query(
            "SELECT username, locked_until FROM login_failures WHERE locked_until IS NOT NULL"
        )
    }
    accounts = []
    for row in store.query(
        f"SELECT {_USER_COLUMNS} FROM users WHERE deleted = 0 ORDER BY active DESC, username"
    ):
        until = locks.get(row["username"])
        accounts.append(
            Account(_user(row), row["created_at"], until if until and until > now else None)
        )
    return accounts


def count_active_admins(store: Store) -> int:
    return store.scalar(
        "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND deleted = 0"
    )


def update_user(
    store: Store,
    user: User,
    *,
    actor: str,
    role: Role | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, active flag or password (a new hash; the lock is lifted), with
    a row in the audit log for each change."""
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise AccountRefused(problem)
    changes: dict[str, object] = {}
    if role is not None and role is not user.role:
        changes["role"] = role.value
    if active is not None and active != user.active:
        changes["active"] = int(active)
    if password is not None:
        changes["password_hash"] = hash_password(password)
    if not changes:
        return user
    with store.transaction(actor=actor):
        assignments = ", ".join(f"{column} = ?" for column in changes)
        store.execute(
            f"UPDATE users SET {assignments}, updated_at = ? WHERE id = ?",
            (*changes.values(), utc_now(), user.id),
        )
        if "role" in changes:
            _audit(store, user, "role", user.role.value, str(changes["role"]), actor)
        if "active" in changes:
            _audit(store, user, "active", str(int(user.active)), str(changes["active"]), actor)
        if "password_hash" in changes:
            _audit(store, user, "password", None, None, actor)
            _clear_failures(store, user.username)
    return find_user(store, user.username) or user


def remember_last_username(store: Store, username: str) -> None:
    store.set_setting(LAST_USERNAME_KEY, username)


def last_username(store: Store) -> str:
    return store.get_setting(LAST_USERNAME_KEY, "") or ""


# --------------------------------------------------------------------------- logging in


class LoginOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # unknown user name or wrong password: the same answer for both
    LOCKED = "locked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    locked_until: datetime | None = None  # UTC
    failures_left: int | None = None  # wrong passwords left before the lock

    def message(self) -> str:
        """What to tell the person at the keyboard when the login is refused."""
        if self.outcome is LoginOutcome.LOCKED:
            assert self.locked_until is not None
            return _(
                "Too many wrong passwords: this account is locked on this computer until {time}. "
                "Try again then, or ask the administrator to reset the password."
            ).format(time=self.locked_until.astimezone().strftime("%H:%M"))
        if self.outcome is LoginOutcome.DISABLED:
            return _("This account is disabled. Ask the station's administrator.")
        message = _(
            "The user name or the password is wrong. Check that the keyboard is not in "
            "Chinese input mode or Caps Lock, and type the password again."
        )
        if self.failures_left is not None and self.failures_left <= 2:
            message += " " + _(
                "After {n} more wrong passwords the account is locked for {minutes} minutes."
            ).format(n=self.failures_left, minutes=int(LOCK_TIME.total_seconds() // 60))
        return message


def _parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _failure_row(store: Store, username: str) -> dict | None:
    rows = store.query(
        "SELECT failures, locked_until FROM login_failures WHERE username = ?", (username,)
    )
    return rows[0] if rows else None


def _clear_failures(store: Store, username: str) -> None:
    store.execute("DELETE FROM login_failures WHERE username = ?", (username,))


def _record_failure(store: Store, username: str, now: datetime) -> tuple[int, datetime | None]:
    """Count one more wrong password; lock the account at the fifth in a row."""
    with store.transaction():
        row = _failure_row(store, username)
        failures = 0 if row is None else row["failures"]
        locked_until = None if row is None else _parse_time(row["locked_until"])
        if locked_until is not None and locked_until <= now:
            failures, locked_until = 0, None  # an expired lock starts the count again
        failures += 1
        if failures >= MAX_FAILURES:
            locked_until = now + LOCK_TIME
        store.execute(
            "INSERT INTO login_failures(username, failures, last_failed_at, locked_until)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET failures = excluded.failures,"
            " last_failed_at = excluded.last_failed_at, locked_until = excluded.locked_until",
            (
                username,
                failures,
                now.isoformat(),
                locked_until.isoformat() if locked_until else None,
            ),
        )
    return failures, locked_until


def locked_until(store: Store, username: str, now: datetime | None = None) -> datetime | None:
    """Until when the account is locked on this PC, or None."""
    now = now or datetime.now(UTC)
    row = _failure_row(store, username)
    until = None if row is None else _parse_time(row["locked_until"])
    return until if until is not None and until > now else None


def log_in(store: Store, username: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a user name and password, counting wrong passwords against the lock.

    A locked account is refused without looking at the password. A hash made at a lower cost
    than today's is replaced by a new one on success.
    """
    now = now or datetime.now(UTC)
    username = username.strip()
    row = _user_row(store, username)
    if row is None:
        return LoginResult(LoginOutcome.WRONG)
    until = locked_until(store, username, now)
    if until is not None:
        return LoginResult(LoginOutcome.LOCKED, locked_until=until)
    if not verify_password(password, row["password_hash"]):
        failures, until = _record_failure(store, username, now)
        if until is not None:
            return LoginResult(LoginOutcome.LOCKED, locked_until=until)
        return LoginResult(LoginOutcome.WRONG, failures_left=MAX_FAILURES - failures)
    if not row["active"]:
        return LoginResult(LoginOutcome.DISABLED)
    # The new hash is made before the write lock is taken: it takes a second.
    upgraded = hash_password(password) if needs_rehash(row["password_hash"]) else None
    with store.transaction(actor=username):
        _clear_failures(store, username)
        if upgraded is not None:
            store.execute(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                (upgraded, utc_now(), row["id"]),
            )
    return LoginResult(LoginOutcome.OK, user=_user(row))


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (wrong passwords count towards
    the lock, as at the login)."""
    return log_in(store, username, password).user


def first_administrator(store: Store) -> str | None:
    """The user name of the station's oldest active administrator (the one set up first)."""
    return store.scalar(
        "SELECT username FROM users WHERE role = 'admin' AND active = 1 AND deleted = 0"
        " ORDER BY created_at, local_id LIMIT 1"
    )


def idle_lock_setting(store: Store) -> int:
    """Minutes without a key or mouse press before the screen locks (0: never)."""
    return idle_lock_minutes(store.get_setting(IDLE_LOCK_SETTING))
