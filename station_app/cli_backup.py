"""`station-app backup`, `restore` and `check`: the station's safety net on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from station_app.backup import back_up, daily_backup, daily_backup_due, restore
from station_app.cli_common import EXIT_FAILED, EXIT_OK
from station_app.data_folder import DataFolder, check_database_file, read_marker
from station_app.i18n import _
from station_app.station_check import CheckOutcome, CheckTarget, run_checks
from station_app.store import DATABASE_FILENAME, Store, StoreError, folder_key, upkeep
from station_app.store.online_backup import inspect_database_file


def _open_existing(data_dir: Path) -> Store:
    """The station database as it is (no migration), after the damaged-file check."""
    check_database_file(data_dir)
    if not (data_dir / DATABASE_FILENAME).exists():
        raise StoreError(
            _("There is no station database in {path}. Run `station-app init` first.").format(
                path=data_dir
            )
        )
    return Store(data_dir / DATABASE_FILENAME, migrate=False, backup_dir=data_dir / "backups")


def cmd_backup(args: argparse.Namespace) -> int:
    with _open_existing(args.data_dir) as store:
        if args.to is None:
            result = back_up(store, args.data_dir)
        else:
            result = _back_up_elsewhere(store, args)
    print(
        _("Backup made: {path} ({seconds:.1f} s, {files} new files copied).").format(
            path=result.path, seconds=result.seconds, files=result.files_copied
        )
    )
    return EXIT_OK


def _back_up_elsewhere(store: Store, args: argparse.Namespace):  # noqa: ANN202 - BackupResult
    """`backup --to DIR`: the whole station (every name, phone and ID number) leaves the data
    folder, so it is an export: an administrator's (password checked; exit code 2 for anyone
    else, nothing copied), in the audit log."""
    from station_app.cli_users import exporting_user
    from station_app.store.accounts import LOCAL_STATION_KEY
    from station_app.store.audit import log_backup_export
    from station_app.store.case_list import count_cases

    user = exporting_user(store, args.user)
    result = back_up(store, args.data_dir, to=args.to)
    log_backup_export(
        store,
        actor=user.username,
        station_code=store.get_setting(LOCAL_STATION_KEY) or user.station_code,
        cases=count_cases(store),
        path=str(result.path),
    )
    return result


def _station_code(data_dir: Path) -> str | None:
    marker = read_marker(data_dir)
    if marker and marker.get("station_code"):
        return str(marker["station_code"])
    try:
        database = data_dir / DATABASE_FILENAME
        return inspect_database_file(
            database, thorough=False, key=folder_key(data_dir)
        ).station_code
    except Exception:  # an unreadable current database names no station; the marker is absent
        return None


def cmd_restore(args: argparse.Namespace) -> int:
    with DataFolder(args.data_dir) as folder:
        result = restore(folder.path, Path(args.file), _station_code(folder.path))
        with folder.open_store() as store:
            verdict = store.integrity_check()
    print(
        _(
            "Restored {cases} cases from {backup}; {files} document and evidence files copied back."
        ).format(cases=result.cases, backup=result.restored_from, files=result.files_restored)
    )
    if result.set_aside:
        print(
            _(
                "The database it replaced is kept in {path}; delete it only when all is well."
            ).format(path=result.set_aside)
        )
    if verdict != "ok":
        print(_("The restored database fails its check: {detail}").format(detail=verdict))
        return EXIT_FAILED
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    try:
        store = _open_existing(args.data_dir)
    except StoreError as error:
        outcomes = [CheckOutcome(_("Database file"), [str(error)])]
    else:
        with store:
            try:
                outcomes = run_checks(CheckTarget(store, args.data_dir))
            except StoreError as error:
                outcomes = [CheckOutcome(_("Database integrity"), [str(error)])]
    if args.json:
        print(
            json.dumps(
                [{"check": o.name, "ok": o.ok, "problems": o.problems} for o in outcomes],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for outcome in outcomes:
            mark = _("passed") if outcome.ok else _("FAILED")
            print(f"[{mark}] {outcome.name}")
            for problem in outcome.problems:
                print(f"    {problem}")
    if all(o.ok for o in outcomes):
        return EXIT_OK
    print(_("The station has problems; see above."), file=sys.stderr)
    return EXIT_FAILED


# Commands after which no day's backup is taken: they make, restore or only read backups.
NO_AFTERCARE = frozenset({"cmd_backup", "cmd_restore", "cmd_check"})
# Seconds of index upkeep a command may spend after its work is done and reported.
UPKEEP_SECONDS = 0.2


def after_writing_command(data_dir: Path) -> None:
    """What the app does in its idle time, for a station used from the command line only:
    a little upkeep of the database (store.upkeep) and, when today has no backup yet, the
    day's backup, announced on stderr. The command's work is already saved and reported; a
    failure here is a warning (the command still succeeded)."""
    try:
        with DataFolder(data_dir) as folder:
            if read_marker(folder.path) is None:
                return  # no station lives here yet
            with folder.open_store() as store:
                upkeep.run(store, budget_seconds=UPKEEP_SECONDS)
                if not daily_backup_due(folder.path):
                    return
                print(_("Making today's backup of the station…"), file=sys.stderr)
                result = daily_backup(store, folder.path)
        print(
            _("Today's backup is made: {path} ({seconds:.1f} s).").format(
                path=result.path, seconds=result.seconds
            ),
            file=sys.stderr,
        )
        for warning in result.warnings:
            print(warning, file=sys.stderr)
    except (StoreError, OSError) as error:
        print(
            _(
                "Today's backup could not be made ({reason}); what the command saved is safe. "
                "Run `station-app backup` to try again."
            ).format(reason=error),
            file=sys.stderr,
        )


def add_backup_commands(sub: argparse._SubParsersAction) -> None:
    backup = sub.add_parser(
        "backup", help=_("back up the database, documents and evidence (online, while in use)")
    )
    backup.add_argument(
        "--to",
        type=Path,
        metavar="DIR",
        help=_("another folder, e.g. a USB stick (administrators; logged)"),
    )
    backup.add_argument(
        "--user",
        help=_("with --to: the administrator copying it (default: the first administrator)"),
    )
    backup.set_defaults(func=cmd_backup)
    restore_cmd = sub.add_parser(
        "restore", help=_("put a backup in place of the database (the app must be closed)")
    )
    restore_cmd.add_argument(
        "file", metavar="FILE", help=_("the backup to restore (a station-….db in a backups folder)")
    )
    restore_cmd.set_defaults(func=cmd_restore)
    check = sub.add_parser(
        "check", help=_("check the database's integrity, documents, evidence and backups")
    )
    check.add_argument("--json", action="store_true", help=_("print JSON"))
    check.set_defaults(func=cmd_check)
