"""The rules of user accounts: who manages them, what a user name may be, when a login locks."""

from __future__ import annotations

import re
from datetime import timedelta

from station_app.domain import Role, User
from station_app.i18n import _

# After this many wrong passwords in a row the account is locked on this PC for LOCK_TIME.
MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)

# The roles a station's administrator gives; city staff come from the city office by sync.
ASSIGNABLE_ROLES = (Role.CLERK, Role.OFFICER, Role.ADMIN)

MAX_USERNAME_LENGTH = 32
MAX_DISPLAY_NAME_LENGTH = 40
# Letters (Chinese too), digits, and . _ - inside: typed at the login and on the command line.
_USERNAME_RE = re.compile(r"[^\W_](?:[\w.\-]*[^\W_])?")


def may_manage_accounts(user: User) -> bool:
    return user.role is Role.ADMIN


def username_problem(username: str) -> str | None:
    """Why this cannot be a user name, or None."""
    if not username:
        return _("Give the user name.")
    if len(username) > MAX_USERNAME_LENGTH:
        return _("The user name may have at most {n} characters.").format(n=MAX_USERNAME_LENGTH)
    if not _USERNAME_RE.fullmatch(username):
        return _(
            "The user name '{name}' may only have letters, digits and . _ - between them "
            "(no spaces), e.g. wang.fang."
        ).format(name=username)
    return None


def display_name_problem(display_name: str) -> str | None:
    if not display_name.strip():
        return _("Give the display name (the name shown in the case timeline, e.g. 王芳).")
    if len(display_name.strip()) > MAX_DISPLAY_NAME_LENGTH:
        return _("The display name may have at most {n} characters.").format(
            n=MAX_DISPLAY_NAME_LENGTH
        )
    if any(not char.isprintable() for char in display_name):
        return _("The display name must not contain control characters.")
    return None


def may_export_full_phones(user: User) -> bool:
    """Whether a list exported by `user` may show whole phone numbers: only an administrator's
    (others see them one case at a time, each reveal logged); every such export is audited."""
    return user.role is Role.ADMIN
