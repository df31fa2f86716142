"""`station-app stats`: the figures of a period and a scope, as text, JSON or an .xlsx report."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from station_app.i18n import _
from station_app.safe_input import InputRejected, parse_day
from station_app.statistics import Period, Scope, compute_figures, monthly_received, trend_period
from station_app.stats_report import (
    report_sections,
    report_subtitle,
    report_title,
    write_report_pdf,
    write_report_xlsx,
)
from station_app.store import DATABASE_FILENAME, Store, StoreError
from station_app.store.accounts import local_station

EXIT_OK = 0


def _open(data_dir: Path) -> Store:
    from station_app.data_folder import check_database_file

    check_database_file(data_dir)
    if not (data_dir / DATABASE_FILENAME).exists():
        raise StoreError(
            _("There is no station database in {path}. Run `station-app init` first.").format(
                path=data_dir
            )
        )
    return Store(data_dir / DATABASE_FILENAME, backup_dir=data_dir / "backups")


def cmd_stats(args: argparse.Namespace) -> int:
    first = parse_day(args.first, "--from")
    last = parse_day(args.last, "--to")
    if last < first:
        raise InputRejected(
            _("--to ({last}) is before --from ({first}).").format(
                last=last.isoformat(), first=first.isoformat()
            )
        )
    today = date.today()
    with _open(args.data_dir) as store:
        station = local_station(store)
        figures = compute_figures(
            store,
            Period(first, last),
            scope=Scope(args.scope),
            station_code=station.code,
            as_of=today,
        )
        if args.xlsx:
            write_report_xlsx(figures, args.xlsx, station_name=station.name)
        if args.pdf:
            months = monthly_received(
                store,
                trend_period(figures.period, figures.as_of),
                scope=figures.scope,
                station_code=station.code,
            )
            write_report_pdf(figures, months, args.pdf, station_name=station.name)
    if args.json:
        print(json.dumps(figures.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(report_title(figures, station.name))
    print(report_subtitle(figures))
    for title, rows in report_sections(figures):
        print()
        print(f"[{title}]")
        for row in rows:
            value = f"{row.value:.2f}" if not isinstance(row.value, (int, str)) else row.value
            print("\t".join(str(part) for part in (row.label, value, row.percent) if part != ""))
    for written in (args.xlsx, args.pdf):
        if written:
            print()
            print(_("Report written: {path}").format(path=written))
    return EXIT_OK


def add_stats_command(sub: argparse._SubParsersAction) -> None:
    stats = sub.add_parser(
        "stats",
        help=_(
            "statistics of a period: items by kind and channel, completion, mediation, "
            "losses recovered, satisfaction"
        ),
    )
    stats.add_argument(
        "--from",
        dest="first",
        required=True,
        metavar="DATE",
        help=_("the first day of receipt counted, YYYY-MM-DD"),
    )
    stats.add_argument(
        "--to",
        dest="last",
        required=True,
        metavar="DATE",
        help=_("the last day of receipt counted, YYYY-MM-DD"),
    )
    stats.add_argument(
        "--scope",
        choices=[scope.value for scope in Scope],
        default=Scope.STATION.value,
        help=_("station: this station; township: with its villages; city: every station"),
    )
    stats.add_argument("--json", action="store_true", help=_("print JSON"))
    stats.add_argument(
        "--xlsx",
        type=Path,
        metavar="FILE",
        help=_("also write the report as a formatted .xlsx that prints on A4"),
    )
    stats.add_argument(
        "--pdf",
        type=Path,
        metavar="FILE",
        help=_("also write the report as a PDF with charts (A4)"),
    )
    stats.set_defaults(func=cmd_stats)
