"""The rules of user accounts: who manages them, what a user name may be, when a login locks,
who may see and export full ID and phone numbers, and when an idle screen locks."""

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


# Who may see whole ID numbers and phone numbers, one case at a time and each time logged
# (PIPL art. 6, minimum necessity): those who handle cases. A clerk registers a case and
# afterwards sees the numbers masked (first 6 and last 4 of an ID number, 138****6721).
FULL_NUMBER_ROLES = frozenset({Role.OFFICER, Role.ADMIN, Role.CITY})


def may_see_full_numbers(user: User | None) -> bool:
    """Whether `user` may have a case's full ID numbers and phones shown (logged each time)."""
    return user is not None and user.role in FULL_NUMBER_ROLES


def full_numbers_refused() -> str:
    return _(
        "Only an officer or an administrator may see full ID numbers and phone numbers; "
        "they are shown to you partly hidden."
    )


def may_export_personal_data(user: User | None) -> bool:
    """Whether `user` may take personal data out of the app in full (a list with whole phone
    numbers, a case as JSON with full numbers): only an administrator, and each export is
    audited."""
    return user is not None and user.role is Role.ADMIN


def export_refused() -> str:
    return _(
        "Only an administrator may export full ID numbers and phone numbers; "
        "nothing was shown or written."
    )


def may_export_full_phones(user: User) -> bool:
    """Whether a list exported by `user` may show whole phone numbers: only an administrator's
    (others see them one case at a time, each reveal logged); every such export is audited."""
    return may_export_personal_data(user)


# The lock after idle minutes: the screen goes back to the login, over the open windows.
IDLE_LOCK_SETTING = "lock.idle_minutes"
DEFAULT_IDLE_LOCK_MINUTES = 10
MAX_IDLE_LOCK_MINUTES = 240  # 0 = never, which only an administrator may set (in the settings)


def idle_lock_minutes(stored: str | None) -> int:
    """The minutes of the stored setting (the default when unset or unreadable)."""
    try:
        minutes = int((stored or "").strip())
    except ValueError:
        return DEFAULT_IDLE_LOCK_MINUTES
    if not 0 <= minutes <= MAX_IDLE_LOCK_MINUTES:
        return DEFAULT_IDLE_LOCK_MINUTES
    return minutes
