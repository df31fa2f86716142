"""`station-app supervision add|list|edit`: supervision work records (surveys, secret-shopper
visits, product sampling) on the command line (supervision.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from station_app.cli_common import EXIT_INVALID, EXIT_OK, CommandError, print_json
from station_app.cli_users import acting_user
from station_app.data_folder import DataFolder, check_database_file
from station_app.domain import SupervisionKind, SupervisionResult
from station_app.i18n import _
from station_app.safe_input import parse_day
from station_app.store import DATABASE_FILENAME, Store, accounts
from station_app.supervision import (
    SupervisionRefused,
    add_record,
    edit_record,
    find_record,
    list_records,
)

# option name -> the record's field
_OPTIONS = {
    "on": "done_on",
    "kind": "kind",
    "merchant": "merchant",
    "subject": "subject",
    "findings": "findings",
    "result": "result",
    "follow_up": "follow_up",
}


def _refused(error: SupervisionRefused) -> CommandError:
    return CommandError(
        _("Nothing was saved:") + "\n" + "\n".join(f"- {p}" for p in error.problems), EXIT_INVALID
    )


def _values(args: argparse.Namespace) -> dict:
    return {
        field: getattr(args, option)
        for option, field in _OPTIONS.items()
        if getattr(args, option) is not None
    }


def cmd_supervision_add(args: argparse.Namespace) -> int:
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        user = acting_user(store, args.user)
        station = accounts.local_station(store)
        try:
            record_id = add_record(
                store, _values(args), actor=user.username, station_code=station.code
            )
        except SupervisionRefused as error:
            raise _refused(error) from None
        print_json(find_record(store, record_id).to_dict())
    return EXIT_OK


def cmd_supervision_edit(args: argparse.Namespace) -> int:
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        user = acting_user(store, args.user)
        station = accounts.local_station(store)
        try:
            record = edit_record(
                store, args.id, _values(args), actor=user.username, station_code=station.code
            )
        except SupervisionRefused as error:
            raise _refused(error) from None
    print_json(record.to_dict())
    return EXIT_OK


def cmd_supervision_list(args: argparse.Namespace) -> int:
    first = parse_day(args.first, "--from") if args.first else None
    last = parse_day(args.last, "--to") if args.last else None
    check_database_file(args.data_dir)
    if not (args.data_dir / DATABASE_FILENAME).exists():
        raise CommandError(
            _("There is no station database in {path}. Run `station-app init` first.").format(
                path=args.data_dir
            )
        )
    with Store(Path(args.data_dir) / DATABASE_FILENAME, backup_dir=args.data_dir / "backups") as s:
        records = list_records(s, first, last, kind=args.kind)
    if args.json:
        print_json([record.to_dict() for record in records])
        return EXIT_OK
    for r in records:
        print("\t".join([r.id, r.done_on, r.kind, r.merchant_name or "-", r.subject or "-",
                         r.result]))  # fmt: skip
    return EXIT_OK


def _record_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--on", required=required, metavar="DATE",
                        help=_("the day of the work, YYYY-MM-DD"))  # fmt: skip
    parser.add_argument("--kind", required=required, choices=[k.value for k in SupervisionKind],
                        help=_("survey, secret_visit (暗访) or sampling (抽检)"))  # fmt: skip
    parser.add_argument("--result", required=required,
                        choices=[r.value for r in SupervisionResult],
                        help=_("passed (合格), failed (不合格) or pending"))  # fmt: skip
    parser.add_argument("--merchant",
                        help=_("the merchant's id, credit code or exact name ('' for none)"))  # fmt: skip
    parser.add_argument("--subject", help=_("the goods, service or place examined"))
    parser.add_argument("--findings", help=_("what was found"))
    parser.add_argument("--follow-up", dest="follow_up", help=_("what follows from it"))
    parser.add_argument(
        "--user", help=_("the user recording it (default: the first administrator)")
    )


def add_supervision_commands(sub: argparse._SubParsersAction) -> None:
    supervision = sub.add_parser(
        "supervision",
        help=_("supervision work: satisfaction surveys, secret-shopper visits, product sampling"),
    )
    ssub = supervision.add_subparsers(dest="supervision_command", required=True)
    add = ssub.add_parser("add", help=_("record one piece of supervision work"))
    _record_options(add, required=True)
    add.set_defaults(func=cmd_supervision_add)
    edit = ssub.add_parser("edit", help=_("correct a supervision record"))
    edit.add_argument("id", help=_("the record's id (or its first characters)"))
    _record_options(edit, required=False)
    edit.set_defaults(func=cmd_supervision_edit)
    listing = ssub.add_parser("list", help=_("list supervision records, newest first"))
    listing.add_argument("--from", dest="first", metavar="DATE", help=_("from this day"))
    listing.add_argument("--to", dest="last", metavar="DATE", help=_("to this day"))
    listing.add_argument("--kind", choices=[k.value for k in SupervisionKind],
                         help=_("only this kind"))  # fmt: skip
    listing.add_argument("--json", action="store_true", help=_("print JSON"))
    listing.set_defaults(func=cmd_supervision_list)
