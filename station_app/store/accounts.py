"""The local station, its settings and its users."""

from __future__ import annotations

from station_app.domain import Role, Station, StationLevel, User
from station_app.i18n import _
from station_app.ids import new_id, utc_now
from station_app.passwords import hash_password, verify_password
from station_app.store.connection import Store, StoreError

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


def add_user(store: Store, user: User, password: str) -> User:
    if len(password) < 6:
        raise StoreError(_("The password must have at least 6 characters."))
    if store.scalar("SELECT 1 FROM users WHERE username = ?", (user.username,)):
        raise StoreError(
            _("The user name '{name}' is taken; choose another.").format(name=user.username)
        )
    now = utc_now()
    user.id = user.id or new_id()
    with store.transaction():
        store.execute(
            "INSERT INTO users(id, username, display_name, role, station_code, password_hash, active,"
            " owner_station, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user.id,
                user.username,
                user.display_name,
                user.role.value,
                user.station_code,
                hash_password(password),
                int(user.active),
                user.station_code,
                now,
                now,
            ),
        )
    return user


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    rows = store.query(
        "SELECT id, username, display_name, role, station_code, password_hash, active FROM users"
        " WHERE username = ? AND deleted = 0",
        (username.strip(),),
    )
    if not rows or not rows[0]["active"]:
        return None
    row = rows[0]
    if not verify_password(password, row["password_hash"]):
        return None
    return User(
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        station_code=row["station_code"],
        active=bool(row["active"]),
        id=row["id"],
    )
