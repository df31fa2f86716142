"""Who the users are by name: display names for the usernames in audit logs and timelines."""

from __future__ import annotations

from collections.abc import Iterable

from station_app.store.connection import Store


def display_names(store: Store, usernames: Iterable[str] | None = None) -> dict[str, str]:
    """username → display name of the known users (all of them when `usernames` is None);
    a username with no user row (e.g. 'system') is simply absent."""
    if usernames is None:
        rows = store.query("SELECT username, display_name FROM users WHERE deleted = 0")
    else:
        wanted = sorted(set(usernames))
        if not wanted:
            return {}
        marks = ", ".join("?" for _name in wanted)
        rows = store.query(
            f"SELECT username, display_name FROM users WHERE deleted = 0 AND username IN ({marks})",
            tuple(wanted),
        )
    return {row["username"]: row["display_name"] for row in rows if row["display_name"]}
