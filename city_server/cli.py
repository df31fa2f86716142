"""The `city-server` command: serve the API and administer stations, users, reference data
and USB bundles. The database is a SQLite file by default, PostgreSQL with --db postgresql://..."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from city_server import admin, stations, sync_service
from city_server.db import make_engine
from city_server.errors import ApiError
from city_server.schema import migrate
from station_app.sync.protocol import LEVELS, REFERENCE_KINDS, BundleError

DEFAULT_DB = "city-server.db"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=os.environ.get("CITY_SERVER_DB", DEFAULT_DB),
        help="database: a SQLite file path (default city-server.db, or CITY_SERVER_DB) "
        "or postgresql://user@host/dbname",
    )
    parser = argparse.ArgumentParser(prog="city-server", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", parents=[common], help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8315)
    serve.add_argument("--tls-cert", help="certificate file (PEM); with --tls-key, serve HTTPS")
    serve.add_argument("--tls-key", help="private key file (PEM)")
    serve.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")

    commands.add_parser(
        "migrate", parents=[common], help="bring the database to the current schema"
    )

    add = commands.add_parser("add-station", parents=[common], help="register a station")
    add.add_argument("--code", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--level", required=True, choices=LEVELS)
    add.add_argument("--parent", help="the township of a village, the city of a township")

    code = commands.add_parser(
        "enrol-code", parents=[common], help="a new one-time enrolment code for a station"
    )
    code.add_argument("code")

    revoke = commands.add_parser("revoke-station", parents=[common], help="stop a station's sync")
    revoke.add_argument("code")

    commands.add_parser("stations", parents=[common], help="list the stations")

    breaks = commands.add_parser(
        "chain-breaks",
        parents=[common],
        help="list the entries refused for breaking a station's hash-chained record",
    )
    breaks.add_argument("--station", help="only this station's")

    user = commands.add_parser(
        "add-user",
        parents=[common],
        help="add or update a city-managed account (password on stdin)",
    )
    user.add_argument("--username", required=True)
    user.add_argument("--display-name", required=True)
    user.add_argument("--role", required=True, choices=admin.USER_ROLES)
    user.add_argument("--station", required=True)

    imp = commands.add_parser(
        "import-bundle", parents=[common], help="apply a station's USB bundle"
    )
    imp.add_argument("file", type=Path)

    exp = commands.add_parser(
        "export-bundle", parents=[common], help="write a station's changes to a USB bundle"
    )
    exp.add_argument("--station", required=True)
    exp.add_argument("--out", required=True, type=Path)
    exp.add_argument("--after", type=int, default=0, help="the station's cursor (default 0: all)")

    ref = commands.add_parser(
        "set-reference", parents=[common], help="publish reference data to every station"
    )
    ref.add_argument("kind", choices=REFERENCE_KINDS)
    ref.add_argument("file", type=Path)

    unref = commands.add_parser(
        "remove-reference",
        parents=[common],
        help="take published reference data back from every station",
    )
    unref.add_argument("kind", choices=REFERENCE_KINDS)
    unref.add_argument("--year", type=int, help="holidays: the year whose schedule goes")
    return parser


def _fail(message: str) -> int:
    print(f"city-server: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    engine = make_engine(args.db)
    migrate(engine)
    try:
        with engine.begin() as conn:
            if args.command == "migrate":
                print("database schema is current")
            elif args.command == "add-station":
                enrol_code = stations.add_station(
                    conn, args.code, args.name, args.level, args.parent
                )
                print(f"station {args.code} added; one-time enrolment code: {enrol_code}")
            elif args.command == "enrol-code":
                print(
                    f"one-time enrolment code for {args.code}: {stations.issue_enrol_code(conn, args.code)}"
                )
            elif args.command == "revoke-station":
                count = stations.revoke_station(conn, args.code)
                print(f"station {args.code} revoked ({count} token(s))")
            elif args.command == "stations":
                for s in stations.Hierarchy.load(conn).by_code.values():
                    state = "revoked" if s.revoked else "active"
                    print(f"{s.code}\t{s.level}\t{s.parent_code or '-'}\t{state}\t{s.name}")
            elif args.command == "chain-breaks":
                found = sync_service.list_chain_breaks(conn, args.station)
                for b in found:
                    print(
                        f"{b['created_at']}\t{b['station_code']}\t{b['table_name']}"
                        f"\t{b['chain_seq'] if b['chain_seq'] is not None else '-'}"
                        f"\t{b['row_id']}\t{b['reason']}"
                    )
                if not found:
                    print("no broken chains")
            elif args.command == "add-user":
                password = (
                    sys.stdin.readline().rstrip("\n")
                    if not sys.stdin.isatty()
                    else getpass.getpass()
                )
                row_id = admin.add_user(
                    conn, args.username, args.display_name, args.role, args.station, password
                )
                print(f"user {args.username} saved ({row_id})")
            elif args.command == "import-bundle":
                result = admin.import_bundle(conn, args.file.read_bytes())
                print(json.dumps(result, ensure_ascii=False))
            elif args.command == "export-bundle":
                data = admin.export_bundle(conn, args.station, args.after)
                args.out.write_bytes(data)
                print(f"bundle for {args.station} written to {args.out} ({len(data)} bytes)")
            elif args.command == "set-reference":
                row_id = admin.set_reference(conn, args.kind, args.file)
                print(f"{args.kind} published ({row_id})")
            elif args.command == "remove-reference":
                what = f"{args.kind} {args.year}" if args.year is not None else args.kind
                if not admin.remove_reference(conn, args.kind, args.year):
                    return _fail(f"no {what} is published")
                print(f"{what} removed; stations drop it at their next sync")
    except (ValueError, OSError, ApiError) as error:
        message = error.message if isinstance(error, ApiError) else str(error)
        if isinstance(error, BundleError):
            message = f"bundle rejected, nothing imported: {message}"
        return _fail(message)
    finally:
        engine.dispose()
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    if bool(args.tls_cert) != bool(args.tls_key):
        return _fail("--tls-cert and --tls-key go together")
    engine = make_engine(args.db)
    migrate(engine)
    engine.dispose()
    os.environ["CITY_SERVER_DB"] = args.db
    uvicorn.run(
        "city_server.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        log_level="warning",
        # Stations keep their connection between requests; closing an idle one after
        # uvicorn's default 5 s races with the station's next request (a dropped request).
        timeout_keep_alive=75,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
