"""`station-app import-ledger`: bring an Excel ledger (台账) of past cases in, check it first
(--dry-run), list the imports and undo one (ledger_import.py)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from station_app import ledger_import as li
from station_app.cli_common import (
    EXIT_INVALID,
    EXIT_OK,
    CommandError,
    print_json,
    read_json_argument,
)
from station_app.cli_users import acting_user
from station_app.data_folder import DataFolder
from station_app.i18n import _
from station_app.store import accounts, ledger_imports


def _mapping_lines(ledger: li.LedgerSheet, mapping: dict) -> list[str]:
    return [
        f"  {_(li.FIELD_LABELS[f])} ({f.value}) ← "
        f"{li.column_letter(i)} {ledger.headings[i] if i < len(ledger.headings) else ''}".rstrip()
        for f, i in sorted(mapping.items(), key=lambda item: item[1])
    ]


def cmd_import_ledger(args: argparse.Namespace) -> int:
    if args.list:
        return _list(args)
    if args.undo:
        return _undo(args)
    if not args.file:
        raise CommandError(_("Name the ledger file (.xlsx) to import."), EXIT_INVALID)
    path = Path(args.file)
    ledger = li.read_ledger(path, args.sheet)
    if args.mapping:
        mapping = li.mapping_from_json(read_json_argument(args.mapping), ledger.headings)
    elif args.dry_run:
        mapping = li.guess_mapping(ledger.headings)
    else:
        raise CommandError(
            _(
                "Give the columns with --mapping FILE.json. Run with --dry-run first to see the "
                "columns guessed from the headings."
            ),
            EXIT_INVALID,
        )
    plan = li.plan_import(path, ledger, mapping, today=date.today())
    report = {
        "file": plan.file_name,
        "sheet": plan.sheet,
        "header_row": ledger.header_row,
        "mapping": {f.value: li.column_letter(i) for f, i in mapping.items()},
        "rows": len(plan.rows),
        "problems": [
            {"row": p.row, "column": p.column, "message": p.message, "text": p.text()}
            for p in plan.problems
        ],
    }
    if plan.blocked or args.dry_run:
        if args.json:
            print_json(report)
        else:
            print(_("Sheet “{sheet}”, headings in row {row}.").format(
                sheet=plan.sheet, row=ledger.header_row))  # fmt: skip
            print("\n".join(_mapping_lines(ledger, mapping)))
            for problem in plan.problems[: li.MAX_PROBLEMS_LISTED]:
                print(problem.text())
            if len(plan.problems) > li.MAX_PROBLEMS_LISTED:
                print(_("… and {count} more problems.").format(
                    count=len(plan.problems) - li.MAX_PROBLEMS_LISTED))  # fmt: skip
            if plan.blocked:
                print(
                    _("{count} problems: nothing was imported. Correct the ledger and try again.")
                    .format(count=len(plan.problems)),
                    file=sys.stderr,
                )  # fmt: skip
            else:
                print(_("{count} rows can be imported.").format(count=len(plan.rows)))
        return EXIT_INVALID if plan.blocked else EXIT_OK
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        warning = li.already_imported(store, plan)
        if warning and not args.again:
            raise CommandError(warning + " " + _("To import it anyway, add --again."), EXIT_INVALID)
        user = acting_user(store, args.user)

        def progress(done: int, total: int) -> None:
            if args.progress:
                print(_("{done} of {total} cases written").format(done=done, total=total),
                      file=sys.stderr)  # fmt: skip

        result = li.run_import(
            store,
            plan,
            actor=user.username,
            role=user.role,
            station_code=station.code,
            progress=progress,
        )
    out = {
        "batch": result.batch_id,
        "cases": result.cases,
        "first_case_no": result.first_case_no,
        "last_case_no": result.last_case_no,
    }
    if args.json:
        print_json(out)
    else:
        print(
            _("Imported {count} cases ({first} … {last}). To undo: station-app import-ledger "
              "--undo {batch}").format(
                count=result.cases, first=result.first_case_no, last=result.last_case_no,
                batch=result.batch_id,
            )
        )  # fmt: skip
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        batches = ledger_imports.list_batches(store)
    if args.json:
        print_json([b.__dict__ for b in batches])
        return EXIT_OK
    for b in batches:
        state = _("undone {at}").format(at=b.undone_at[:16]) if b.undone_at else ""
        print("\t".join([b.id, b.imported_at[:16], b.file_name, b.sheet, str(b.case_count), state]))
    return EXIT_OK


def _undo(args: argparse.Namespace) -> int:
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = acting_user(store, args.user)
        count = li.undo_import(
            store, args.undo, actor=user.username, role=user.role, station_code=station.code
        )
    print(_("The import was undone: {count} cases deleted.").format(count=count))
    return EXIT_OK


def add_ledger_commands(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "import-ledger", help=_("import an Excel ledger of past cases, or undo an import")
    )
    parser.add_argument("file", nargs="?", help=_("the ledger (.xlsx)"))
    parser.add_argument("--sheet", help=_("the sheet to import (default: the first)"))
    parser.add_argument("--mapping", metavar="FILE.json",
                        help=_("a JSON file naming the column (heading or letter) of each field"))  # fmt: skip
    parser.add_argument("--dry-run", action="store_true",
                        help=_("check the ledger and show the problems by row; import nothing"))  # fmt: skip
    parser.add_argument("--again", action="store_true",
                        help=_("import a file and sheet that were imported before"))  # fmt: skip
    parser.add_argument("--undo", metavar="BATCH", help=_("undo the import with this number"))
    parser.add_argument("--list", action="store_true", help=_("list the imports made"))
    parser.add_argument("--progress", action="store_true", help=_("report progress on stderr"))
    parser.add_argument("--json", action="store_true", help=_("print JSON"))
    parser.add_argument(
        "--user", help=_("the user making the change (default: the first administrator)")
    )
    parser.set_defaults(func=cmd_import_ledger)
