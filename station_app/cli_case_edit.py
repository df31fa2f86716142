"""`station-app case edit CASE_NO --json FILE`: correct a registered case (case_edit.py)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime

from station_app.case_edit import CaseEditRejected, edit_case, preview_edit
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
from station_app.store import accounts


def add_case_edit_parser(case_sub: argparse._SubParsersAction) -> None:
    """Register `case edit` under the `case` command."""
    edit = case_sub.add_parser(
        "edit", help=_("correct a registered case: the fields that change, as in case add")
    )
    edit.add_argument("case_no", help=_("the case number, e.g. RC-MT-2026-00017"))
    edit.add_argument(
        "--json",
        required=True,
        metavar="FILE",
        help=_("the fields to change, with the keys of case add ('-' reads standard input)"),
    )
    edit.add_argument(
        "--dry-run",
        action="store_true",
        help=_("check and list the changes and the documents to correct; save nothing"),
    )
    edit.add_argument(
        "--user", help=_("the user making the correction (default: the first administrator)")
    )
    edit.set_defaults(func=cmd_case_edit)


def cmd_case_edit(args: argparse.Namespace) -> int:
    edits = read_json_argument(args.json)
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = acting_user(store, args.user)
        try:
            if args.dry_run:
                result = preview_edit(
                    store, args.case_no, edits, user=user, station_code=station.code,
                    today=date.today(),
                )  # fmt: skip
            else:
                result = edit_case(
                    store, args.case_no, edits, user=user, station_code=station.code,
                    today=date.today(), now=datetime.now(),
                )  # fmt: skip
        except CaseEditRejected as rejected:
            print_json(
                {
                    "saved": False,
                    "errors": [
                        {"field": p.field, "code": p.code, "message": p.message}
                        for p in rejected.problems
                    ],
                }
            )
            raise CommandError(
                _("Nothing was saved:")
                + "\n"
                + "\n".join(f"- {p.message}" for p in rejected.problems),
                EXIT_INVALID,
            ) from None
    from station_app.documents import DOCUMENT_KINDS  # reportlab: only when needed

    output = result.to_dict(date.today())
    for document in output["documents_to_correct"]:
        spec = DOCUMENT_KINDS.get(document["kind"])
        document["title"] = spec.title if spec else document["kind"]
    print_json(output)
    for document in output["documents_to_correct"]:
        print(
            _("{title} {number} prints a corrected field: issue a corrected version.").format(
                title=document["title"], number=document["doc_no"]
            ),
            file=sys.stderr,
        )
    for warning in result.warnings:
        print(warning.message, file=sys.stderr)
    return EXIT_OK
