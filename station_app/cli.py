"""The `station-app` command: the GUI by default, and admin subcommands with JSON in and out."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date, datetime
from pathlib import Path

from station_app import __version__
from station_app.atomic_files import write_bytes_atomically
from station_app.case_json import case_to_dict
from station_app.cli_backup import NO_AFTERCARE, add_backup_commands, after_writing_command
from station_app.cli_case_edit import add_case_edit_parser
from station_app.cli_common import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    CommandError,
)
from station_app.cli_common import print_json as _print_json
from station_app.cli_common import read_json_argument as _read_json_file
from station_app.cli_contact import add_contact_parser
from station_app.cli_key import add_key_commands, missing_key_hint, write_down_notice
from station_app.cli_progress import ProgressPrinter
from station_app.cli_stats import add_stats_command
from station_app.cli_words import choose_language, hide_internal_commands, translate_argparse
from station_app.data_folder import DataFolder, check_database_file, default_data_dir
from station_app.data_key import (
    DataKeyProblem,
    read_folder_info,
)
from station_app.domain import Role, Station, StationLevel, User
from station_app.error_report import configure_logging, os_error_reason, report_unexpected
from station_app.i18n import SUPPORTED_LANGUAGES, _, set_language
from station_app.intake import IntakeRejected, register_cases
from station_app.numbering import is_valid_station_code
from station_app.safe_input import (
    MAX_JSON_BYTES,
    InputRejected,
    bounded_int_argument,
    parse_day,
)
from station_app.store import DATABASE_FILENAME, DataKeyMissing, Store, StoreError, accounts
from station_app.store.case_list import search_cases
from station_app.store.cases import get_case
from station_app.validation import mask_phone

log = logging.getLogger(__name__)

DEFAULT_DEMO_CASES = 2000
MAX_LIST_LIMIT = 10_000


def _open_for_reading(data_dir: Path) -> Store:
    check_database_file(data_dir)
    if not (data_dir / DATABASE_FILENAME).exists():
        raise CommandError(
            _("There is no station database in {path}. Run `station-app init` first.").format(
                path=data_dir
            )
        )
    return Store(data_dir / DATABASE_FILENAME, backup_dir=data_dir / "backups")


def cmd_init(args: argparse.Namespace) -> int:
    code = args.code.strip().upper()
    if not is_valid_station_code(code):
        raise CommandError(
            _(
                "The station code '{code}' is not valid: use capital letters and digits in up to four "
                "parts joined by '-', e.g. RC-MT."
            ).format(code=args.code),
            EXIT_INVALID,
        )
    level = StationLevel(args.level)
    if level is not StationLevel.CITY and not args.parent:
        raise CommandError(
            _("A village or township station needs --parent (the code of its higher station)."),
            EXIT_INVALID,
        )
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 6:
        raise CommandError(
            _("Give the administrator's password (at least 6 characters) on standard input."),
            EXIT_INVALID,
        )
    with DataFolder(args.data_dir) as folder:
        recovery = None if args.unencrypted else _new_folder_key(folder)
        with folder.open_store() as store:
            station = _initialise(store, folder, args, code, level, password)
    result = {
        "station": station.code,
        "name": station.name,
        "level": station.level.value,
        "admin": args.admin,
        "encrypted": recovery is not None or read_folder_info(args.data_dir) is not None,
    }
    if recovery is not None:
        result["recovery_key"] = recovery
        print(write_down_notice(recovery), file=sys.stderr)
    _print_json(result)
    return EXIT_OK


def _new_folder_key(folder: DataFolder) -> str | None:
    """The recovery key of a new station's data folder (DataFolder.new_station_key), or a
    CommandError in words when this PC has no secure keyring."""
    try:
        return folder.new_station_key(required=True)
    except DataKeyProblem as problem:
        raise CommandError(
            str(problem)
            + "\n"
            + _(
                "To set up a station for development or testing without encrypting its "
                "database, add --unencrypted (never for a station's real data)."
            )
        ) from problem


def _initialise(store: Store, folder: DataFolder, args, code, level, password) -> Station:
    station = accounts.initialise_station(
        store,
        Station(
            code=code,
            name=args.name.strip(),
            level=level,
            parent_code=args.parent.strip().upper() if args.parent else None,
        ),
        User(
            username=args.admin.strip(),
            display_name=args.display_name or args.admin.strip(),
            role=Role.ADMIN,
            station_code=code,
        ),
        password,
    )
    folder.mark_station(store)
    # The station mediates itself until an administrator says otherwise; the deciding
    # authority and its prefix must be set (`station-app settings set`).
    from station_app.acting_bodies import default_settings
    from station_app.store.station_settings import save_acting_settings

    save_acting_settings(
        store, default_settings(station_name=station.name), actor=args.admin.strip()
    )
    return station


def cmd_demo(args: argparse.Namespace) -> int:
    from station_app.demo import ensure_demo_station, fill_demo
    from station_app.store import bulk

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station_code, _user = ensure_demo_station(store)
        total = args.cases
        unfinished = bulk.unfinished_demo_load(store)
        if unfinished is not None:
            total = unfinished["cases"]
            print(
                _(
                    "An earlier demo load was interrupted after {done} of {total} cases; "
                    "finishing it first."
                ).format(done=unfinished["done"], total=total),
                file=sys.stderr,
            )

        def progress(done: int) -> None:
            print(_("{done} of {total} cases").format(done=done, total=total), file=sys.stderr)

        added = fill_demo(
            store, cases=args.cases, station_code=station_code, seed=args.seed, progress=progress
        )
    _print_json({"station": station_code, "cases_added": added})
    return EXIT_OK


def _cli_user(store: Store, username: str | None) -> User:
    """The user a command acts as, after checking their password (see cli_users)."""
    from station_app.cli_users import acting_user

    return acting_user(store, username)


def _revealing_user(store: Store, username: str | None) -> User:
    """The user of a `--reveal`: full numbers printed are an export, for administrators only."""
    from station_app.cli_users import exporting_user

    return exporting_user(store, username)


def cmd_case_add(args: argparse.Namespace) -> int:
    payload = _read_json_file(args.json, MAX_JSON_BYTES)
    cases_data = payload if isinstance(payload, list) else [payload]
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = _cli_user(store, args.user)
        try:
            saved = register_cases(
                store, cases_data, user=user, station_code=station.code, today=date.today()
            )
        except IntakeRejected as rejected:
            _print_json(
                {
                    "saved": 0,
                    "errors": [
                        {"case": index + 1, "field": p.field, "code": p.code, "message": p.message}
                        for index, problems in rejected.problems.items()
                        for p in problems
                    ],
                }
            )
            raise CommandError(
                _("Nothing was saved:") + "\n" + str(rejected), EXIT_INVALID
            ) from None
        from station_app.merchant_registry import intake_warnings

        for case in saved:
            for warning in intake_warnings(store, case.merchant, except_case=case.id):
                print(f"{case.case_no}: {warning}", file=sys.stderr)
    _print_json({"saved": len(saved), "case_numbers": [case.case_no for case in saved]})
    return EXIT_OK


def _members_json(store: Store, case_no: str, *, reveal: bool) -> dict:
    from station_app.joint_members import joint_totals, member_to_dict, members_of, totals_to_dict

    return {
        "case_no": case_no,
        "members": [member_to_dict(m, reveal=reveal) for m in members_of(store, case_no)],
        "totals": totals_to_dict(joint_totals(store, case_no)),
    }


def cmd_case_members(args: argparse.Namespace) -> int:
    from station_app.joint_members import JointComplaintRefused
    from station_app.store.audit import log_reveal

    with _open_for_reading(args.data_dir) as store:
        case = get_case(store, args.case_no.strip())
        if case is None:
            raise CommandError(_("No case numbered {number}.").format(number=args.case_no))
        if args.reveal:
            user = _revealing_user(store, args.user)
            log_reveal(
                store, case.id, actor=user.username, station_code=accounts.local_station(store).code
            )
        try:
            _print_json(_members_json(store, case.case_no, reveal=args.reveal))
        except JointComplaintRefused as refused:
            raise CommandError(str(refused), EXIT_INVALID) from None
    return EXIT_OK


def cmd_case_import_members(args: argparse.Namespace) -> int:
    from station_app.joint_members import (
        JointComplaintRefused,
        MemberSheetRejected,
        import_members,
        parse_member_sheet,
    )

    try:
        rows = parse_member_sheet(args.file)
    except MemberSheetRejected as rejected:
        lines = "\n".join(f"- {problem}" for problem in rejected.problems)
        raise CommandError(_("Nothing was saved:") + "\n" + lines, EXIT_INVALID) from None
    if args.dry_run:
        _print_json({"members_in_file": len(rows), "saved": 0})
        return EXIT_OK
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = _cli_user(store, args.user)
        try:
            added = import_members(
                store, args.case_no.strip(), rows, actor=user, station_code=station.code
            )
        except MemberSheetRejected as rejected:
            lines = "\n".join(f"- {problem}" for problem in rejected.problems)
            raise CommandError(_("Nothing was saved:") + "\n" + lines, EXIT_INVALID) from None
        except JointComplaintRefused as refused:
            raise CommandError(str(refused), EXIT_INVALID) from None
        result = _members_json(store, args.case_no.strip(), reveal=False)
    _print_json({"saved": len(added), **result})
    return EXIT_OK


def cmd_case_representatives(args: argparse.Namespace) -> int:
    from station_app.joint_members import JointComplaintRefused, elect_representatives, members_of

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = _cli_user(store, args.user)
        try:
            by_number = {m.position + 1: m.party_id for m in members_of(store, args.case_no)}
            unknown = [n for n in args.members if n not in by_number]
            if unknown:
                raise JointComplaintRefused(
                    _("The case has no complainant number {numbers}.").format(
                        numbers=", ".join(str(n) for n in unknown)
                    )
                )
            elect_representatives(
                store,
                args.case_no.strip(),
                [by_number[n] for n in args.members],
                actor=user,
                station_code=station.code,
            )
        except JointComplaintRefused as refused:
            raise CommandError(str(refused), EXIT_INVALID) from None
        _print_json(_members_json(store, args.case_no.strip(), reveal=False))
    return EXIT_OK


def cmd_case_flags(args: argparse.Namespace) -> int:
    from station_app.flags import case_flags

    with _open_for_reading(args.data_dir) as store:
        case = get_case(store, args.case_no.strip())
        if case is None:
            raise CommandError(_("No case numbered {number}.").format(number=args.case_no))
        flags = case_flags(store, case.id)
    _print_json([flag.to_dict() for flag in flags])
    return EXIT_OK


def cmd_case_show(args: argparse.Namespace) -> int:
    from station_app.case_actions import case_record
    from station_app.case_json import case_record_to_dict
    from station_app.store.audit import log_reveal
    from station_app.store.holidays import load_calendar

    with _open_for_reading(args.data_dir) as store:
        case = get_case(store, args.case_no.strip())
        if case is None:
            raise CommandError(_("No case numbered {number}.").format(number=args.case_no))
        if args.reveal:
            user = _revealing_user(store, args.user)
            log_reveal(
                store,
                case.id,
                actor=user.username,
                station_code=accounts.local_station(store).code,
            )
        record = case_record(store, case.id, load_calendar(store))
    data = case_to_dict(case, reveal=args.reveal)
    if record is not None:
        data.update(case_record_to_dict(record, date.today()))
    if args.json:
        _print_json(data)
    else:
        for key, value in data.items():
            print(f"{key}: {value}")
    return EXIT_OK


def cmd_case_act(args: argparse.Namespace) -> int:
    from station_app.cli_actions import run_case_action

    payload = _read_json_file(args.json) if args.json else {}
    return run_case_action(args.data_dir, args.user, args.case_no, args.action, payload)


def cmd_due(args: argparse.Namespace) -> int:
    from station_app.store.due import todays_work

    today = parse_day(args.date, "--date") if args.date else date.today()
    with _open_for_reading(args.data_dir) as store:
        work = todays_work(store, today, limit=args.limit)
    data = work.to_dict()
    if args.json:
        _print_json(data)
        return EXIT_OK
    for bucket, title in (
        ("overdue", _("Overdue")),
        ("today", _("Due today")),
        ("this_week", _("Due in the next seven days")),
    ):
        print(f"{title} ({data['totals'][bucket]})")
        for item in data[bucket]:
            print(
                "\t".join(
                    [
                        item["due"],
                        item["case_no"],
                        item["label"],
                        item["complainant"],
                        item["merchant"],
                    ]
                )
            )
    return EXIT_OK


def cmd_holidays_import(args: argparse.Namespace) -> int:
    from station_app.store.holidays import import_holiday_file
    from station_app.workdays import HolidayFileError

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = _cli_user(store, args.user)
        try:
            imported = import_holiday_file(
                store, Path(args.file), station_code=station.code, actor=user.username
            )
        except HolidayFileError as error:
            raise CommandError(
                _("The holiday file was not imported:")
                + "\n"
                + "\n".join(f"- {p}" for p in error.problems),
                EXIT_INVALID,
            ) from None
    _print_json(
        {
            "year": imported.year,
            "source": imported.source,
            "holidays": imported.holidays,
            "workdays": imported.workdays,
            "replaced": imported.replaced,
            "cases_recomputed": imported.cases_recomputed,
        }
    )
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    with _open_for_reading(args.data_dir) as store:
        rows = search_cases(store, args.query, limit=args.limit)
    results = [
        {
            "case_no": row.case_no,
            "received_at": row.received_at,
            "kind": row.kind.value,
            "status": row.status.value,
            "complainant": row.complainant,
            "phone": mask_phone(row.phone),
            "merchant": row.merchant,
        }
        for row in rows
    ]
    if args.json:
        _print_json(results)
    else:
        for r in results:
            print(
                "\t".join(
                    [r["case_no"], r["received_at"], r["complainant"], r["phone"], r["merchant"]]
                )
            )
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    from station_app.document_issuing import (
        AlreadyIssued,
        DocumentIncomplete,
        NotIssued,
        print_document,
        verify_code,
    )
    from station_app.documents import DOCUMENT_KINDS

    if args.list:
        _print_json([{"kind": k.id, "title": k.title} for k in DOCUMENT_KINDS.values()])
        return EXIT_OK
    if args.verify:
        with _open_for_reading(args.data_dir) as store:
            found = verify_code(store, args.verify)
        if not found:
            raise CommandError(
                _("No issued document carries the verification code {code}.").format(
                    code=args.verify
                )
            )
        _print_json([doc.to_dict() for doc in found])
        return EXIT_OK
    if not args.kind or not args.case_no or not args.out:
        raise CommandError(
            _("Give the kind, the case number and --out FILE.pdf (or --list)."), EXIT_INVALID
        )
    if args.kind not in DOCUMENT_KINDS:
        raise CommandError(
            _("Unknown document kind '{kind}'. `station-app print --list` names them.").format(
                kind=args.kind
            ),
            EXIT_INVALID,
        )
    if args.reissue and not (args.reason or "").strip():
        raise CommandError(
            _("--reissue needs --reason: why the document is corrected."), EXIT_INVALID
        )
    details = _read_json_file(args.json) if args.json else None
    if details is not None and not isinstance(details, dict):
        raise CommandError(
            _("{path} must hold a JSON object.").format(path=args.json), EXIT_INVALID
        )
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = _cli_user(store, args.user)
        try:
            issued = print_document(
                store,
                folder,
                args.case_no,
                args.kind,
                user=user,
                station_code=station.code,
                now=datetime.now(),
                details=details,
                correction=args.reason.strip() if args.reissue else None,
            )
        except DocumentIncomplete as incomplete:
            raise CommandError(
                _("Nothing was issued; these facts are missing:")
                + "\n"
                + "\n".join(f"- {p}" for p in incomplete.problems),
                EXIT_INVALID,
            ) from None
        except (AlreadyIssued, NotIssued) as error:
            raise CommandError(str(error), EXIT_INVALID) from None
    out = Path(args.out)
    try:
        write_bytes_atomically(out, issued.pdf)
    except OSError as error:
        raise CommandError(
            _("Cannot write {path}: {reason}").format(path=out, reason=os_error_reason(error))
        ) from error
    doc = issued.document
    _print_json(
        {
            "kind": doc.kind,
            "case_no": doc.case_no,
            "doc_no": doc.doc_no,
            "version": doc.version,
            "verification_code": doc.verification_code,
            "sha256": doc.sha256,
            "issued_at": doc.issued_at,
            "issued_by": doc.issued_by,
            "reprinted": issued.reprinted,
            "out": str(out),
            "warnings": list(issued.warnings),
        }
    )
    for warning in issued.warnings:
        print(warning, file=sys.stderr)
    return EXIT_OK


def cmd_selftest(args: argparse.Namespace) -> int:
    from station_app.selftest import run_selftest

    results = run_selftest(args.data_dir)
    for result in results:
        mark = _("passed") if result.ok else _("FAILED")
        print(f"[{mark}] {result.name}: {result.detail}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def _no_display() -> bool:
    """A Linux session with no screen, where Qt would abort instead of opening a window."""
    env = os.environ
    return (
        sys.platform.startswith("linux")
        and not env.get("DISPLAY")
        and not env.get("WAYLAND_DISPLAY")
        and not env.get("QT_QPA_PLATFORM")
    )


def cmd_gui(args: argparse.Namespace) -> int:
    if _no_display():
        raise CommandError(
            _(
                "There is no screen to show the window on. Start the app from the desktop, "
                "or on a server run it under Xvfb: xvfb-run -a station-app"
            )
        )
    if args.demo:
        from station_app.demo import ensure_demo_station, fill_demo

        with DataFolder(args.data_dir) as folder, folder.open_store() as store:
            fresh = not accounts.is_initialised(store)
            station_code, _user = ensure_demo_station(store)
            if fresh:
                fill_demo(store, cases=DEFAULT_DEMO_CASES, station_code=station_code)
                print(_("Demo station ready: user 'admin', password 'demo1234'."), file=sys.stderr)
    from station_app.ui.app import run_gui

    return run_gui(args.data_dir)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="station-app", description=_("Consumer-complaint station case book")
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"station-app {__version__}",
        help=_("show the version and exit"),
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=_("data folder (default: STATION_APP_DATA or the user's data folder)"),
    )
    parser.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help=_("interface language"))
    parser.add_argument(
        "--demo",
        action="store_true",
        help=_("on first start, set up a demo station with sample cases"),
    )
    parser.set_defaults(func=cmd_gui)
    sub = parser.add_subparsers(dest="command", title=_("commands"))
    add_backup_commands(sub)
    add_key_commands(sub)

    init = sub.add_parser("init", help=_("set up this PC's station and its first administrator"))
    init.add_argument("--code", required=True, help=_("the station's code, e.g. RC-MT"))
    init.add_argument("--name", required=True, help=_("the station's full name"))
    init.add_argument(
        "--level",
        required=True,
        choices=[level.value for level in StationLevel],
        help=_("village, township or city"),
    )
    init.add_argument("--parent", help=_("the code of the higher station (not for a city)"))
    init.add_argument(
        "--admin",
        required=True,
        help=_("the first administrator's user name; the password is read from standard input"),
    )
    init.add_argument("--display-name", help=_("the administrator's name as shown to others"))
    init.add_argument(
        "--unencrypted",
        action="store_true",
        help=_(
            "do not encrypt the database (development only: for a PC without a secure "
            "password store)"
        ),
    )
    init.set_defaults(func=cmd_init)

    demo = sub.add_parser("demo", help=_("fill the database with realistic sample cases"))
    demo.add_argument(
        "--cases",
        type=bounded_int_argument(1, 5_000_000),
        default=DEFAULT_DEMO_CASES,
        help=_("how many cases to add"),
    )
    demo.add_argument("--seed", type=int, default=0, help=_("the same seed gives the same cases"))
    demo.set_defaults(func=cmd_demo)

    case = sub.add_parser("case", help=_("register, show and handle cases"))
    case_sub = case.add_subparsers(dest="case_command", required=True, title=_("commands"))
    add = case_sub.add_parser(
        "add", help=_("register one case or a list of cases from a JSON file")
    )
    add.add_argument(
        "--json",
        required=True,
        metavar="FILE",
        help=_("the case or cases as JSON (see examples/case.json)"),
    )
    add.add_argument(
        "--user", help=_("the user recorded as the clerk (default: the first administrator)")
    )
    add.set_defaults(func=cmd_case_add)
    show = case_sub.add_parser("show", help=_("show one case"))
    show.add_argument("case_no", help=_("the case number, e.g. RC-MT-2026-00017"))
    show.add_argument("--json", action="store_true", help=_("print JSON"))
    show.add_argument(
        "--reveal",
        action="store_true",
        help=_("show full phone and ID numbers (administrators; logged)"),
    )
    show.add_argument(
        "--user",
        help=_("the user recorded as seeing full numbers (default: the first administrator)"),
    )
    show.set_defaults(func=cmd_case_show)
    case_act = case_sub.add_parser(
        "act", help=_("take a workflow action on a case (accept, refuse, agree, close ...)")
    )
    case_act.add_argument("case_no", help=_("the case number, e.g. RC-MT-2026-00017"))
    case_act.add_argument("action", help=_("the action, e.g. accept, start-mediation, agree"))
    case_act.add_argument(
        "--json", metavar="FILE", help=_("the action's details as JSON ('-' reads standard input)")
    )
    case_act.add_argument(
        "--user", help=_("the user taking the action (default: the first administrator)")
    )
    case_act.set_defaults(func=cmd_case_act)
    add_case_edit_parser(case_sub)
    add_contact_parser(case_sub)

    members = case_sub.add_parser(
        "members", help=_("the complainants of a joint complaint with their amounts")
    )
    members.add_argument("case_no", help=_("the case number, e.g. RC-MT-2026-00017"))
    members.add_argument(
        "--reveal",
        action="store_true",
        help=_("show full phone and ID numbers (administrators; logged)"),
    )
    members.add_argument("--user", help=_("the user recorded as seeing full numbers"))
    members.set_defaults(func=cmd_case_members)
    import_members = case_sub.add_parser(
        "import-members",
        help=_("add the members of a joint complaint from an .xlsx list (all or none)"),
    )
    import_members.add_argument("case_no", help=_("the case number, e.g. RC-MT-2026-00017"))
    import_members.add_argument("file", help=_("the .xlsx list of members"))
    import_members.add_argument("--user", help=_("the user importing the list"))
    import_members.add_argument(
        "--dry-run", action="store_true", help=_("only check the file; save nothing")
    )
    import_members.set_defaults(func=cmd_case_import_members)
    representatives = case_sub.add_parser(
        "representatives", help=_("record the two representatives elected by the complainants")
    )
    representatives.add_argument("case_no", help=_("the case number, e.g. RC-MT-2026-00017"))
    representatives.add_argument(
        "members",
        type=int,
        nargs=2,
        metavar="N",
        help=_("the numbers of two complainants, e.g. 1 3"),
    )
    representatives.add_argument("--user", help=_("the user recording the election"))
    representatives.set_defaults(func=cmd_case_representatives)
    flags = case_sub.add_parser(
        "flags", help=_("signs of non-genuine consumption (Order No. 121 art. 17)")
    )
    flags.add_argument("case_no", help=_("the case number, e.g. RC-MT-2026-00017"))
    flags.set_defaults(func=cmd_case_flags)

    due = sub.add_parser("due", help=_("today's work: deadlines overdue, due today and this week"))
    due.add_argument("--json", action="store_true", help=_("print JSON"))
    due.add_argument("--date", help=_("the day to list the work of (default: today), YYYY-MM-DD"))
    due.add_argument(
        "--limit",
        type=bounded_int_argument(1, MAX_LIST_LIMIT),
        default=200,
        help=_("at most this many items in each group"),
    )
    due.set_defaults(func=cmd_due)
    add_stats_command(sub)

    holidays = sub.add_parser("holidays", help=_("holiday schedules for counting working days"))
    holidays_sub = holidays.add_subparsers(
        dest="holidays_command", required=True, title=_("commands")
    )
    holidays_import = holidays_sub.add_parser(
        "import", help=_("import a year's holiday schedule from a JSON file")
    )
    holidays_import.add_argument("file", help=_("the holiday schedule as JSON"))
    holidays_import.add_argument(
        "--user", help=_("the user recorded as importing it (default: the first administrator)")
    )
    holidays_import.set_defaults(func=cmd_holidays_import)

    search = sub.add_parser(
        "search", help=_("find cases by name, phone digits, merchant, number or facts")
    )
    search.add_argument("query", help=_("what to look for; several words must all match"))
    search.add_argument("--json", action="store_true", help=_("print JSON"))
    search.add_argument(
        "--limit",
        type=bounded_int_argument(1, MAX_LIST_LIMIT),
        default=50,
        help=_("at most this many cases"),
    )
    search.set_defaults(func=cmd_search)

    print_parser = sub.add_parser(
        "print",
        help=_("issue a case's document as PDF; later prints give the identical issued copy"),
    )
    print_parser.add_argument("kind", nargs="?", help=_("the document kind (see --list)"))
    print_parser.add_argument(
        "case_no", nargs="?", help=_("the case number, e.g. RC-MT-2026-00017")
    )
    print_parser.add_argument("--out", metavar="FILE.pdf", help=_("where to write the PDF"))
    print_parser.add_argument(
        "--list", action="store_true", help=_("name the document kinds and their titles")
    )
    print_parser.add_argument(
        "--user", help=_("the user issuing the document (default: the first administrator)")
    )
    print_parser.add_argument(
        "--reissue", action="store_true", help=_("issue a corrected version (needs --reason)")
    )
    print_parser.add_argument("--reason", help=_("why the document is corrected"))
    print_parser.add_argument(
        "--json",
        metavar="FILE",
        help=_("facts the case does not record, e.g. the mediation notice's time and place"),
    )
    print_parser.add_argument(
        "--verify", metavar="CODE", help=_("find the issued document with this verification code")
    )
    print_parser.set_defaults(func=cmd_print)

    from station_app.cli_users import add_user_commands

    add_user_commands(sub)

    from station_app.cli_sync import add_sync_commands

    add_sync_commands(sub)
    from station_app.cli_settings import add_settings_commands

    add_settings_commands(sub)
    from station_app.cli_merchants import add_merchant_commands

    add_merchant_commands(sub)
    from station_app.cli_ledger import add_ledger_commands

    add_ledger_commands(sub)

    from station_app.cli_supervision import add_supervision_commands

    add_supervision_commands(sub)

    selftest = sub.add_parser(
        "selftest", help=_("check Qt, the Chinese font, the database and the keyring")
    )
    selftest.set_defaults(func=cmd_selftest)

    qtcheck = sub.add_parser("_qtcheck")
    qtcheck.set_defaults(
        func=lambda args: __import__("station_app.ui.selfcheck").ui.selfcheck.main() or 0
    )
    hide_internal_commands(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    argv = sys.argv[1:] if argv is None else argv
    choose_language(argv)
    translate_argparse()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        set_language(args.lang)
    args.data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    configure_logging(args.data_dir)
    commits_before = Store.commits_in_process
    progress_before = Store.default_migration_progress
    if args.func is not cmd_gui:  # (the desktop app shows it in a dialog)
        Store.default_migration_progress = ProgressPrinter()
    try:
        code = args.func(args)
        if (
            code == EXIT_OK
            and Store.commits_in_process != commits_before
            and args.func.__name__ not in NO_AFTERCARE
        ):
            after_writing_command(args.data_dir)
        return code
    except CommandError as error:
        print(str(error), file=sys.stderr)
        return error.code
    except DataKeyMissing as error:
        print(f"{error}\n{missing_key_hint()}", file=sys.stderr)
        return EXIT_FAILED
    except StoreError as error:
        print(str(error), file=sys.stderr)
        return EXIT_FAILED
    except InputRejected as error:
        print(str(error), file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:  # noqa: BLE001 - the one place that catches what nobody expected
        print(report_unexpected(error), file=sys.stderr)
        return EXIT_FAILED
    finally:
        Store.default_migration_progress = progress_before
