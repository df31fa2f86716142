"""`station-app merchant list|show|create|edit|merge|duplicates|designate|revoke|abnormal|proposals`:
the merchant registry on the command line (merchant_registry.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from station_app import merchant_registry as reg
from station_app.cli_common import (
    EXIT_INVALID,
    EXIT_OK,
    CommandError,
    print_json,
    read_json_argument,
)
from station_app.cli_users import acting_user
from station_app.data_folder import DataFolder, check_database_file
from station_app.i18n import _
from station_app.store import DATABASE_FILENAME, Store, accounts


def _open_for_reading(data_dir: Path) -> Store:
    check_database_file(data_dir)
    if not (data_dir / DATABASE_FILENAME).exists():
        raise CommandError(
            _("There is no station database in {path}. Run `station-app init` first.").format(
                path=data_dir
            )
        )
    return Store(data_dir / DATABASE_FILENAME, backup_dir=data_dir / "backups")


def _refused(error: reg.RegistryRefused) -> CommandError:
    return CommandError(_("Nothing was saved: {reason}").format(reason=error), EXIT_INVALID)


def _line(entry: reg.RegistryEntry) -> str:
    m = entry.merchant
    marks = []
    if entry.on_abnormal_list:
        marks.append(_("abnormal list"))
    if m.cluster_registered:
        marks.append(_("cluster address"))
    return "\t".join(
        [
            m.id,
            m.name,
            m.uscc or "-",
            m.address or "-",
            _("{cases} cases, {open} open").format(cases=entry.cases, open=entry.open_cases),
            " ".join(marks),
        ]
    ).rstrip()


def cmd_merchant_list(args: argparse.Namespace) -> int:
    with _open_for_reading(args.data_dir) as store:
        entries = reg.search(store, args.text or "", args.limit)
    if args.json:
        print_json([e.to_dict() for e in entries])
    else:
        for entry in entries:
            print(_line(entry))
    return EXIT_OK


def cmd_merchant_show(args: argparse.Namespace) -> int:
    with _open_for_reading(args.data_dir) as store:
        try:
            entry = reg.find_entry(store, args.merchant)
        except reg.RegistryRefused as error:
            raise CommandError(str(error)) from None
        cases = reg.history(store, entry.merchant.id)
        duplicates = reg.duplicates_of(store, entry.merchant.id) if not entry.deleted else []
    out = entry.to_dict()
    out["history"] = cases
    out["possible_duplicates"] = [
        {"id": d.merchant.id, "name": d.merchant.name, "uscc": d.merchant.uscc, "cases": d.cases}
        for d in duplicates
    ]
    if args.json:
        print_json(out)
        return EXIT_OK
    print(_line(entry))
    for key in ("legal_rep", "phone", "platform", "shop_url"):
        if out[key]:
            print(f"  {key}: {out[key]}")
    if entry.abnormal_listed:
        print(
            "  "
            + _("On the abnormal operations list since {since}: {note}").format(
                since=entry.abnormal_since, note=entry.abnormal_note
            )
        )
    for index, d in enumerate(entry.designations):
        state = (
            _("revoked {day}: {reason}").format(day=d.revoked, reason=d.reason) if d.revoked else ""
        )
        label = _(reg.DESIGNATION_KINDS.get(d.kind, d.kind))
        print(f"  [{index}] {label} {d.granted}–{d.until or '…'} {state}".rstrip())
    for case in cases:
        print(f"  {case['case_no']}\t{case['received_at']}\t{case['kind']}\t{case['status']}")
    for d in duplicates:
        print(
            "  "
            + _("Possible duplicate: {id} {name}").format(id=d.merchant.id, name=d.merchant.name)
        )
    return EXIT_OK


def _write(args: argparse.Namespace, action) -> int:
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = acting_user(store, args.user)
        try:
            result = action(store, user.username, station.code)
        except reg.RegistryRefused as error:
            raise _refused(error) from None
    print_json(result)
    return EXIT_OK


def _details(args: argparse.Namespace) -> dict:
    details = read_json_argument(args.json)
    if not isinstance(details, dict):
        raise CommandError(
            _("The JSON must be an object of merchant fields, e.g. {example}.").format(
                example='{"name": "…", "uscc": "…"}'
            ),
            EXIT_INVALID,
        )
    return details


def cmd_merchant_create(args: argparse.Namespace) -> int:
    details = _details(args)
    return _write(
        args,
        lambda store, actor, station: reg.create(
            store, details, actor=actor, station_code=station,
            keep_code_warning=args.keep_code_warning,
        ).to_dict(),
    )  # fmt: skip


def cmd_merchant_edit(args: argparse.Namespace) -> int:
    details = _details(args)

    def action(store, actor, station):
        entry = reg.find_entry(store, args.merchant)
        return reg.edit(
            store, entry.merchant.id, details, actor=actor, station_code=station,
            keep_code_warning=args.keep_code_warning,
        ).to_dict()  # fmt: skip

    return _write(args, action)


def cmd_merchant_merge(args: argparse.Namespace) -> int:
    def action(store, actor, station):
        keep = reg.find_entry(store, args.keep)
        remove = reg.find_entry(store, args.remove)
        result = reg.merge(store, keep.merchant.id, remove.merchant.id, actor=actor,
                           station_code=station)  # fmt: skip
        return {
            "kept": result.kept.merchant.id,
            "removed": result.removed_id,
            "cases_moved": result.cases_moved,
        }

    return _write(args, action)


def cmd_merchant_duplicates(args: argparse.Namespace) -> int:
    with _open_for_reading(args.data_dir) as store:
        groups = reg.duplicate_groups(store)
    if args.json:
        print_json([[e.to_dict() for e in group] for group in groups])
    else:
        for group in groups:
            for entry in group:
                print(_line(entry))
            print()
    return EXIT_OK


def cmd_merchant_designate(args: argparse.Namespace) -> int:
    def action(store, actor, station):
        entry = reg.find_entry(store, args.merchant)
        return reg.add_designation(
            store, entry.merchant.id, args.kind, args.granted, args.until or "",
            actor=actor, station_code=station,
        ).to_dict()  # fmt: skip

    return _write(args, action)


def cmd_merchant_revoke(args: argparse.Namespace) -> int:
    def action(store, actor, station):
        entry = reg.find_entry(store, args.merchant)
        return reg.revoke_designation(
            store, entry.merchant.id, args.index, args.on or "", args.reason,
            actor=actor, station_code=station,
        ).to_dict()  # fmt: skip

    return _write(args, action)


def cmd_merchant_abnormal(args: argparse.Namespace) -> int:
    def action(store, actor, station):
        entry = reg.find_entry(store, args.merchant)
        return reg.set_abnormal(
            store, entry.merchant.id, not args.off, since=args.since or "",
            note=args.note or "", actor=actor, station_code=station,
        ).to_dict()  # fmt: skip

    return _write(args, action)


def cmd_merchant_proposals(args: argparse.Namespace) -> int:
    from datetime import date

    from station_app.abnormal_proposals import abnormal_list_proposals, write_proposals_xlsx

    with _open_for_reading(args.data_dir) as store:
        proposals = abnormal_list_proposals(store)
        if args.xlsx:
            write_proposals_xlsx(
                proposals,
                args.xlsx,
                station_name=accounts.local_station(store).name,
                made_on=date.today(),
            )
    if args.json:
        print_json([proposal.to_dict() for proposal in proposals])
        return EXIT_OK
    for proposal in proposals:
        print("\t".join([proposal.merchant_id, proposal.name, proposal.platform, proposal.address]))
        for case in proposal.cases:
            print("\t" + "\t".join([case.case_no, case.received_on,
                                     _("{n} attempts").format(n=case.attempts)]))  # fmt: skip
    if not proposals:
        print(_("No online shop is to be proposed."))
    if args.xlsx:
        print(_("Written: {path}").format(path=args.xlsx))
    return EXIT_OK


def add_merchant_commands(sub: argparse._SubParsersAction) -> None:
    merchant = sub.add_parser("merchant", help=_("the merchant registry: find, correct, merge"))
    msub = merchant.add_subparsers(dest="merchant_command", required=True)
    which = _("the merchant's id, credit code or exact name")
    user_help = _("the user making the change (default: the first administrator)")
    keep_help = _("keep a credit code whose check character does not match")

    listing = msub.add_parser("list", help=_("list merchants whose name, code or address match"))
    listing.add_argument("text", nargs="?", help=_("part of the name, credit code or address"))
    listing.add_argument("--limit", type=int, default=200, help=_("at most this many"))
    listing.add_argument("--json", action="store_true", help=_("print JSON"))
    listing.set_defaults(func=cmd_merchant_list)

    show = msub.add_parser("show", help=_("a merchant's details, designations and cases"))
    show.add_argument("merchant", help=which)
    show.add_argument("--json", action="store_true", help=_("print JSON"))
    show.set_defaults(func=cmd_merchant_show)

    create = msub.add_parser("create", help=_("register a merchant"))
    create.add_argument("--json", required=True, metavar="FILE",
                        help=_("the merchant's fields ('-' reads standard input)"))  # fmt: skip
    create.add_argument("--keep-code-warning", action="store_true", help=keep_help)
    create.add_argument("--user", help=user_help)
    create.set_defaults(func=cmd_merchant_create)

    edit = msub.add_parser("edit", help=_("correct a merchant's details"))
    edit.add_argument("merchant", help=which)
    edit.add_argument("--json", required=True, metavar="FILE",
                      help=_("the fields to change ('-' reads standard input)"))  # fmt: skip
    edit.add_argument("--keep-code-warning", action="store_true", help=keep_help)
    edit.add_argument("--user", help=user_help)
    edit.set_defaults(func=cmd_merchant_edit)

    merge = msub.add_parser(
        "merge", help=_("merge a duplicate into the kept merchant; its cases move along")
    )
    merge.add_argument("keep", help=_("the merchant to keep"))
    merge.add_argument("remove", help=_("the duplicate to merge into it"))
    merge.add_argument("--user", help=user_help)
    merge.set_defaults(func=cmd_merchant_merge)

    dups = msub.add_parser("duplicates", help=_("merchants that look like the same business"))
    dups.add_argument("--json", action="store_true", help=_("print JSON"))
    dups.set_defaults(func=cmd_merchant_duplicates)

    designate = msub.add_parser("designate", help=_("record a designation of a merchant"))
    designate.add_argument("merchant", help=which)
    designate.add_argument("kind", choices=tuple(reg.DESIGNATION_KINDS),
                           help=_("model_store: consumer-rights model store; honest_business: civilised and honest business"))  # fmt: skip
    designate.add_argument("--granted", required=True, help=_("granted on (YYYY-MM-DD)"))
    designate.add_argument("--until", help=_("valid until (YYYY-MM-DD)"))
    designate.add_argument("--user", help=user_help)
    designate.set_defaults(func=cmd_merchant_designate)

    revoke = msub.add_parser("revoke", help=_("revoke a merchant's designation"))
    revoke.add_argument("merchant", help=which)
    revoke.add_argument("index", type=int, help=_("the designation's number, as `show` lists it"))
    revoke.add_argument("--reason", required=True, help=_("why it is revoked"))
    revoke.add_argument("--on", help=_("revoked on (YYYY-MM-DD; default today)"))
    revoke.add_argument("--user", help=user_help)
    revoke.set_defaults(func=cmd_merchant_revoke)

    abnormal = msub.add_parser("abnormal", help=_("put a merchant on the abnormal list, or off"))
    abnormal.add_argument("merchant", help=which)
    abnormal.add_argument("--since", help=_("listed since (YYYY-MM-DD; default today)"))
    abnormal.add_argument("--note", help=_("why it is listed"))
    abnormal.add_argument("--off", action="store_true", help=_("take it off the list"))
    abnormal.add_argument("--user", help=user_help)
    abnormal.set_defaults(func=cmd_merchant_abnormal)

    proposals = msub.add_parser(
        "proposals",
        help=_("online shops at a cluster address that could not be reached: proposals "
               "for the abnormal list"),
    )  # fmt: skip
    proposals.add_argument("--json", action="store_true", help=_("print JSON"))
    proposals.add_argument("--xlsx", type=Path, metavar="FILE",
                           help=_("also write them as an .xlsx for the credit department"))  # fmt: skip
    proposals.set_defaults(func=cmd_merchant_proposals)
