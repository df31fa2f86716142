"""The command line's users: who a command acts as (with that user's password, never taken on
trust), and `station-app user add|list|set-role|disable|enable|reset-password`.

The acting user's password comes from the environment variable STATION_APP_PASSWORD when it
is set (for scripts), or else is asked on the terminal; never from standard input, which
carries data such as `--json -`. Without `--user`, a command acts as the station's first
administrator (the oldest active one)."""

from __future__ import annotations

import argparse
import io
import os
import sys

from station_app.account_rules import ASSIGNABLE_ROLES
from station_app.cli_common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, CommandError, print_json
from station_app.data_folder import DataFolder
from station_app.domain import Role, User
from station_app.i18n import _
from station_app.store import Store
from station_app.store.accounts import first_administrator, list_accounts, log_in

PASSWORD_VARIABLE = "STATION_APP_PASSWORD"


def read_terminal_password(prompt: str) -> str:
    """A password typed on the terminal without echo; refused when there is no terminal
    (standard input is never read: it may carry the command's data)."""
    if os.name == "nt":
        import getpass

        # On Windows getpass reads the console through msvcrt, not standard input.
        try:
            return getpass.getpass(prompt)
        except (EOFError, KeyboardInterrupt):
            raise CommandError(_("No password was given; nothing was done.")) from None
    import termios

    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise CommandError(
            _(
                "This command needs the password of the user it acts as, and there is no "
                "terminal to ask it on. Set the environment variable {variable}."
            ).format(variable=PASSWORD_VARIABLE)
        ) from None
    tty = io.TextIOWrapper(io.FileIO(fd, "w+"), encoding="utf-8")  # as getpass does
    with tty:
        old = termios.tcgetattr(fd)
        quiet = old[:]
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)  # before the prompt: flushes typeahead
        tty.write(prompt)
        tty.flush()
        try:
            line = tty.readline()
        except KeyboardInterrupt:
            line = ""
        finally:
            termios.tcsetattr(fd, termios.TCSAFLUSH, old)
            tty.write("\n")
            tty.flush()
    if not line:
        raise CommandError(_("No password was given; nothing was done."))
    return line.rstrip("\r\n")


def acting_user(store: Store, username: str | None) -> User:
    """The user a command acts as, once their password is checked (wrong ones count towards
    the lock, as at the app's login)."""
    name = (username or "").strip() or first_administrator(store)
    if not name:
        raise CommandError(_("This station has no active administrator."))
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        password = read_terminal_password(_("Password of {name}: ").format(name=name))
    result = log_in(store, name, password)
    if result.user is None:
        raise CommandError(
            _("Nothing was done: {reason}").format(reason=result.message()), EXIT_FAILED
        )
    return result.user


def exporting_user(store: Store, username: str | None) -> User:
    """The user of a command that takes full ID numbers and phones out of the app (`--reveal`,
    `bundle export`), password checked: only one who may export personal data
    (account_rules); anyone else is refused with exit code 2 before anything is written."""
    from station_app.account_rules import export_refused, may_export_personal_data

    user = acting_user(store, username)
    if not may_export_personal_data(user):
        raise CommandError(export_refused(), EXIT_INVALID)
    return user


def _new_password_from_stdin() -> str:
    """The new password, typed twice: two lines of standard input (or prompts on a terminal)."""
    if sys.stdin.isatty():
        first = read_terminal_password(_("New password: "))
        second = read_terminal_password(_("The new password again: "))
    else:
        first = sys.stdin.readline().rstrip("\r\n")
        second = sys.stdin.readline().rstrip("\r\n")
    if not first:
        raise CommandError(
            _("Give the new password twice, on two lines of standard input."), EXIT_INVALID
        )
    if first != second:
        raise CommandError(
            _("The two passwords differ; nothing was saved. Give the same password twice."),
            EXIT_INVALID,
        )
    return first


def _account_json(user: User, locked_until=None) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "active": user.active,
        "locked_until": locked_until.isoformat() if locked_until else None,
    }


def _refused(error: Exception) -> CommandError:
    return CommandError(_("Nothing was saved: {reason}").format(reason=error), EXIT_INVALID)


def cmd_user_add(args: argparse.Namespace) -> int:
    from station_app.store.accounts import AccountRefused
    from station_app.user_accounts import create_user

    password = _new_password_from_stdin()
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        admin = acting_user(store, args.user)
        try:
            user = create_user(
                store, admin, args.name, args.display_name, Role(args.role), password
            )
        except AccountRefused as refused:
            raise _refused(refused) from None
    print_json(_account_json(user))
    return EXIT_OK


def cmd_user_list(args: argparse.Namespace) -> int:
    from station_app.account_rules import may_manage_accounts

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        admin = acting_user(store, args.user)
        if not may_manage_accounts(admin):
            raise CommandError(
                _("Only an administrator may manage the station's accounts."), EXIT_INVALID
            )
        accounts = list_accounts(store)
    print_json([_account_json(a.user, a.locked_until) for a in accounts])
    return EXIT_OK


def _change(args: argparse.Namespace, change) -> int:
    from station_app.store.accounts import AccountRefused

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        admin = acting_user(store, args.user)
        try:
            user = change(store, admin)
        except AccountRefused as refused:
            raise _refused(refused) from None
    print_json(_account_json(user))
    return EXIT_OK


def cmd_user_set_role(args: argparse.Namespace) -> int:
    from station_app.user_accounts import set_role

    return _change(args, lambda store, admin: set_role(store, admin, args.name, Role(args.role)))


def cmd_user_disable(args: argparse.Namespace) -> int:
    from station_app.user_accounts import set_active

    return _change(args, lambda store, admin: set_active(store, admin, args.name, False))


def cmd_user_enable(args: argparse.Namespace) -> int:
    from station_app.user_accounts import set_active

    return _change(args, lambda store, admin: set_active(store, admin, args.name, True))


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    from station_app.user_accounts import reset_password

    password = _new_password_from_stdin()
    return _change(args, lambda store, admin: reset_password(store, admin, args.name, password))


def add_user_commands(sub: argparse._SubParsersAction) -> None:
    """`station-app user ...`: the station's accounts, for administrators."""
    roles = [role.value for role in ASSIGNABLE_ROLES]
    acting = _("the administrator doing it (default: the first administrator)")
    user = sub.add_parser(
        "user", help=_("the station's accounts (administrators; see STATION_APP_PASSWORD)")
    )
    user_sub = user.add_subparsers(dest="user_command", required=True)

    add = user_sub.add_parser(
        "add", help=_("add a user; the new password is read twice from standard input")
    )
    add.add_argument("name", help=_("the new user's login name"))
    add.add_argument("--role", required=True, choices=roles, help=_("clerk, officer or admin"))
    add.add_argument(
        "--display-name", required=True, help=_("the name shown on screens and documents")
    )
    add.add_argument("--user", help=acting)
    add.set_defaults(func=cmd_user_add)

    listing = user_sub.add_parser("list", help=_("list the users with their roles"))
    listing.add_argument("--user", help=acting)
    listing.set_defaults(func=cmd_user_list)

    set_role = user_sub.add_parser("set-role", help=_("give a user another role"))
    set_role.add_argument("name", help=_("the user's login name"))
    set_role.add_argument("--role", required=True, choices=roles, help=_("clerk, officer or admin"))
    set_role.add_argument("--user", help=acting)
    set_role.set_defaults(func=cmd_user_set_role)

    disable = user_sub.add_parser(
        "disable", help=_("stop a user from logging in (users are never deleted)")
    )
    disable.add_argument("name", help=_("the user's login name"))
    disable.add_argument("--user", help=acting)
    disable.set_defaults(func=cmd_user_disable)

    enable = user_sub.add_parser("enable", help=_("let a disabled user log in again"))
    enable.add_argument("name", help=_("the user's login name"))
    enable.add_argument("--user", help=acting)
    enable.set_defaults(func=cmd_user_enable)

    reset = user_sub.add_parser(
        "reset-password",
        help=_("give a user a new password, read twice from standard input; lifts a lock"),
    )
    reset.add_argument("name", help=_("the user's login name"))
    reset.add_argument("--user", help=acting)
    reset.set_defaults(func=cmd_user_reset_password)
