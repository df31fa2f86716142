"""`station-app key show|restore|create`: the data folder's key, which encrypts the station
database at rest (README "Personal data on a shared PC"; station_app/data_key.py)."""

from __future__ import annotations

import argparse
import sys

from station_app.cli_common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, CommandError
from station_app.data_folder import DataFolder
from station_app.data_key import (
    DataKeyProblem,
    create_folder_key,
    load_folder_key,
    read_folder_info,
    recovery_text,
    restore_folder_key,
)
from station_app.domain import Role
from station_app.i18n import _
from station_app.store import accounts
from station_app.store.audit import log_recovery_key_shown

KEY_RESTORE_COMMAND = "station-app key restore"


def write_down_notice(recovery: str) -> str:
    """What the administrator reads once, with the recovery key: write it down, keep it safe."""
    return _(
        "Recovery key of this data folder: {key}\n"
        "Write it down or print it now and keep the paper locked away from the PC. Without it "
        "the data cannot be opened on another PC or after this PC's password store is lost. "
        "An administrator can show it again with `station-app key show`."
    ).format(key=recovery)


def missing_key_hint() -> str:
    return _(
        "An administrator enters the recovery key with `{command}` (it is read from standard "
        "input or asked on the terminal)."
    ).format(command=KEY_RESTORE_COMMAND)


def _administrator(store, username: str | None):
    from station_app.cli_users import acting_user

    user = acting_user(store, username)
    if user.role is not Role.ADMIN:
        raise CommandError(
            _("Only an administrator may see or set the data folder's key. Nothing was done."),
            EXIT_INVALID,
        )
    return user


def cmd_key_show(args: argparse.Namespace) -> int:
    with DataFolder(args.data_dir) as folder:
        if read_folder_info(folder.path) is None:
            raise CommandError(
                _(
                    "This data folder's database is not encrypted, so it has no recovery key. "
                    "An administrator encrypts it with `station-app key create`."
                )
            )
        with folder.open_store() as store:
            user = _administrator(store, args.user)
            try:
                key = load_folder_key(folder.path)
            except DataKeyProblem as problem:
                raise CommandError(str(problem)) from problem
            log_recovery_key_shown(
                store, actor=user.username, station_code=accounts.local_station(store).code
            )
    print(recovery_text(key))
    return EXIT_OK


def _read_recovery_key() -> str:
    if sys.stdin.isatty():
        from station_app.cli_users import read_terminal_password

        return read_terminal_password(_("Recovery key: "))
    return sys.stdin.readline().strip()


def cmd_key_restore(args: argparse.Namespace) -> int:
    with DataFolder(args.data_dir) as folder:
        if read_folder_info(folder.path) is None:
            raise CommandError(
                _("This data folder's database is not encrypted; it needs no recovery key.")
            )
        text = _read_recovery_key()
        if not text:
            raise CommandError(
                _("Give the recovery key on standard input. Nothing was changed."), EXIT_INVALID
            )
        try:
            restore_folder_key(folder.path, text)
        except DataKeyProblem as problem:
            raise CommandError(str(problem)) from problem
        with folder.open_store() as store:
            verdict = store.integrity_check()
    print(_("The data folder's key is in this PC's password store again; the data opens."))
    return EXIT_OK if verdict == "ok" else EXIT_FAILED


def cmd_key_create(args: argparse.Namespace) -> int:
    with DataFolder(args.data_dir) as folder:
        if read_folder_info(folder.path) is not None:
            raise CommandError(_("This data folder has a key already; nothing was changed."))
        with folder.open_store() as store:
            _administrator(store, args.user)
        try:
            recovery = create_folder_key(folder.path)
        except DataKeyProblem as problem:
            raise CommandError(str(problem)) from problem
        with folder.open_store() as store:  # encrypts the database and its backups
            encrypted = store.key is not None
    print(write_down_notice(recovery), file=sys.stderr)
    print(recovery)
    return EXIT_OK if encrypted else EXIT_FAILED


def add_key_commands(sub: argparse._SubParsersAction) -> None:
    """`station-app key ...`: the key that encrypts the station database at rest."""
    key = sub.add_parser(
        "key", help=_("the data folder's key that encrypts the database (administrators)")
    )
    key_sub = key.add_subparsers(dest="key_command", required=True)
    show = key_sub.add_parser("show", help=_("show the recovery key again (logged)"))
    show.add_argument("--user", help=_("the administrator (default: the first administrator)"))
    show.set_defaults(func=cmd_key_show)
    restore = key_sub.add_parser(
        "restore",
        help=_("enter the recovery key on a PC whose password store has no key for this folder"),
    )
    restore.set_defaults(func=cmd_key_restore)
    create = key_sub.add_parser(
        "create", help=_("encrypt the database of a station set up without a key")
    )
    create.add_argument("--user", help=_("the administrator (default: the first administrator)"))
    create.set_defaults(func=cmd_key_create)
