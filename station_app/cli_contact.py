"""`station-app case contact`: record one attempt to reach the business of a case, through the
one action path (the workflow's "contact" action)."""

from __future__ import annotations

import argparse

from station_app.cli_actions import run_case_action
from station_app.domain import ContactResult, ContactWay
from station_app.i18n import _


def cmd_case_contact(args: argparse.Namespace) -> int:
    from station_app.workflow import Action

    payload = {"way": args.way, "result": args.result}
    if args.on:
        payload["occurred_at"] = args.on
    if args.note:
        payload["note"] = args.note
    return run_case_action(args.data_dir, args.user, args.case_no, Action.CONTACT, payload)


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
