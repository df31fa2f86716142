"""Which windows a user's role opens (kept apart from the windows, which load when opened)."""

from __future__ import annotations

from station_app.domain import Role, User


def may_change_settings(user: User) -> bool:
    return user.role is Role.ADMIN
