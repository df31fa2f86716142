"""`station-app case contact`: record one attempt to reach the business of a case, through the
one action path (the workflow's "contact" action)."""

from __future__ import annotations

import argparse
from datetime import date, datetime

from station_app.cli_common import EXIT_INVALID, EXIT_OK, CommandError, print_json
from station_app.cli_users import acting_user
from station_app.data_folder import DataFolder
from station_app.domain import ContactResult, ContactWay
from station_app.i18n import _
from station_app.store import accounts


def cmd_case_contact(args: argparse.Namespace) -> int:
    from station_app.case_actions import ActionRejected, act
    from station_app.store.holidays import load_calendar
    from station_app.workflow import Action

    payload = {"way": args.way, "result": args.result}
    if args.on:
        payload["occurred_at"] = args.on
    if args.note:
        payload["note"] = args.note
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = acting_user(store, args.user)
        try:
            result = act(
                store,
                args.case_no,
                Action.CONTACT,
                payload,
                user=user,
                station_code=station.code,
                calendar=load_calendar(store),
                now=datetime.now(),
            )
        except ActionRejected as rejected:
            raise CommandError(
                _("Nothing was saved:") + "\n" + "\n".join(f"- {p}" for p in rejected.problems),
                EXIT_INVALID,
            ) from None
    print_json(result.to_dict(date.today()))
    return EXIT_OK


def add_contact_parser(case_sub: argparse._SubParsersAction) -> None:
    contact = case_sub.add_parser(
        "contact", help=_("record an attempt to reach the business (phone, visit ...)")
    )
    contact.add_argument("case_no", help=_("the case number, e.g. RC-MT-2026-00017"))
    contact.add_argument(
        "--way", required=True, choices=[w.value for w in ContactWay], help=_("how it was tried")
    )
    contact.add_argument(
        "--result",
        required=True,
        choices=[r.value for r in ContactResult],
        help=_("reached, unreachable, or refused to take part"),
    )
    contact.add_argument(
        "--on", metavar="DATE", help=_("when (YYYY-MM-DD or YYYY-MM-DD HH:MM; default now)")
    )
    contact.add_argument("--note", help=_("a note"))
    contact.add_argument(
        "--user", help=_("the user taking the action (default: the first administrator)")
    )
    contact.set_defaults(func=cmd_case_contact)
