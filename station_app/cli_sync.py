"""`station-app enrol`, `sync`, `sync status` and `bundle export|import`: sync on the command
line (the engine is station_app.sync.engine; the same calls serve the GUI later)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from station_app.data_folder import DataFolder
from station_app.i18n import _
from station_app.sync.transport import SyncError

EXIT_OK, EXIT_FAILED = 0, 1


def _fail(error: SyncError) -> int:
    print(error.message, file=sys.stderr)
    return EXIT_FAILED


def cmd_enrol(args: argparse.Namespace) -> int:
    from station_app.sync.enrolment import enrol

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        try:
            done = enrol(store, args.server, args.code, ca_file=args.ca_file)
        except SyncError as error:
            return _fail(error)
    print(
        _("Station {station} ({name}) is enrolled with {server}.").format(
            station=done.station, name=done.name, server=done.server_url
        )
    )
    return EXIT_OK


def _progress_line(progress) -> None:  # noqa: ANN001 - a SyncProgress
    if progress.total:
        line = f"[{progress.stage}] {progress.done}/{progress.total} {progress.text}"
    else:
        line = f"[{progress.stage}] {progress.text}"
    print(line, file=sys.stderr, flush=True)


def cmd_sync(args: argparse.Namespace) -> int:
    if getattr(args, "sync_command", None) == "status":
        return cmd_sync_status(args)
    from station_app.sync.engine import connect

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        try:
            engine = connect(store, folder.path)
            try:
                report = engine.run_with_retries(
                    progress=_progress_line, attempts=args.attempts, base_delay=1.0, max_delay=30
                )
            finally:
                engine.close()
        except SyncError as error:
            return _fail(error)
    if report.clock_warning:
        print(report.clock_warning, file=sys.stderr)
    print(
        json.dumps(report.to_json(), ensure_ascii=False, indent=2)
        if args.json
        else _(
            "Sync finished: {pushed} changes sent, {pulled} received, {aside} set aside, "
            "{conflicts} conflicts to review."
        ).format(
            pushed=report.pushed,
            pulled=report.pulled,
            aside=report.set_aside,
            conflicts=report.conflicts,
        )
    )
    return EXIT_OK


def cmd_sync_status(args: argparse.Namespace) -> int:
    from station_app.store.sync_state import rejected_records
    from station_app.sync.engine import sync_status

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        status = sync_status(store)
        rejected = rejected_records(store)
    if args.json:
        print(
            json.dumps(
                {**status.to_json(), "rejected_records": rejected}, ensure_ascii=False, indent=2
            )
        )
        return EXIT_OK
    lines = [
        _("Station: {station}").format(station=status.station or "-"),
        _("Server: {server}").format(server=status.server_url or _("not enrolled")),
        _("Last successful sync: {when}").format(when=status.last_success or _("never")),
        _("Changes waiting to be sent: {count}").format(count=status.pending),
        _("Conflicts to review: {count}").format(count=status.conflicts),
        _("Changes set aside: {count}").format(count=status.rejected),
    ]
    if status.last_error:
        lines.append(_("Last failure: {message}").format(message=status.last_error))
    if status.clock_warning:
        lines.append(status.clock_warning)
    for item in rejected:
        lines.append(f"  - {item['table_name']} {item['row_id']}: {item['reason']}")
    print("\n".join(lines))
    return EXIT_OK


def cmd_bundle(args: argparse.Namespace) -> int:
    from station_app.sync.bundles import export_bundle, import_bundle

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        try:
            if args.bundle_command == "export":
                from station_app.cli_users import exporting_user

                # Names, phones and ID numbers in full: an administrator's act, audited.
                user = exporting_user(store, args.user)
                report = export_bundle(store, folder.path, Path(args.file), exported_by=user)
                message = _(
                    "Bundle written to {path}: {batches} batches, {changes} changes of {cases} "
                    "cases, {files} files. Give it to the city office."
                ).format(
                    path=args.file,
                    batches=report.batches,
                    changes=report.changes,
                    cases=report.cases,
                    files=report.attachments,
                )
            else:
                report = import_bundle(store, folder.path, Path(args.file))
                message = _(
                    "Bundle imported: {changes} new changes ({applied} applied, {refused} set "
                    "aside), {files} files."
                ).format(
                    changes=report.changes,
                    applied=report.applied,
                    refused=report.refused,
                    files=report.attachments,
                )
        except SyncError as error:
            return _fail(error)
    print(message)
    return EXIT_OK


def add_sync_commands(sub: argparse._SubParsersAction) -> None:
    enrol = sub.add_parser(
        "enrol", help=_("enrol this station with the city office's server (once)")
    )
    enrol.add_argument(
        "--server", required=True, metavar="URL", help=_("the server's address, https://…")
    )
    enrol.add_argument(
        "--code", required=True, help=_("the one-time enrolment code from the city office")
    )
    enrol.add_argument(
        "--ca-file", metavar="FILE", help=_("the city office's CA certificate file (PEM)")
    )
    enrol.set_defaults(func=cmd_enrol)

    sync = sub.add_parser(
        "sync", help=_("send this station's changes to the city office and receive theirs")
    )
    sync.add_argument(
        "--json", action="store_true", help=_("print the result (or the status) as JSON")
    )
    sync.add_argument(
        "--attempts",
        type=int,
        default=3,
        choices=range(1, 11),
        metavar="N",
        help=_("tries when the server cannot be reached (1-10, default 3)"),
    )
    sync_sub = sync.add_subparsers(dest="sync_command", title=_("commands"))
    status = sync_sub.add_parser(
        "status", help=_("last sync, changes waiting, conflicts and set-aside changes")
    )
    status.add_argument("--json", action="store_true", help=_("print the status as JSON"))
    status.set_defaults(func=cmd_sync_status)
    sync.set_defaults(func=cmd_sync)

    bundle = sub.add_parser("bundle", help=_("sync by USB stick: write or read a bundle file"))
    bundle_sub = bundle.add_subparsers(dest="bundle_command", required=True, title=_("commands"))
    export = bundle_sub.add_parser(
        "export",
        help=_("write this station's changes to a bundle for the city office (administrators)"),
    )
    export.add_argument("file", metavar="FILE", help=_("the bundle file to write"))
    export.add_argument(
        "--user",
        help=_(
            "the administrator writing it (full names, phones and ID numbers; logged; "
            "default: the first administrator)"
        ),
    )
    export.set_defaults(func=cmd_bundle)
    imported = bundle_sub.add_parser(
        "import", help=_("read a bundle the city office made for this station")
    )
    imported.add_argument("file", metavar="FILE", help=_("the bundle file to read"))
    imported.set_defaults(func=cmd_bundle)
