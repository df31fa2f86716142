"""`station-app settings set KEY VALUE` and `settings show --json`: who acts on the station's
documents (the deciding authority, the mediating organisation, the court, number prefixes)."""

from __future__ import annotations

import argparse

from station_app.acting_bodies import KEYS
from station_app.city_reference import SOURCE_CITY, SOURCE_STATION, SOURCE_UNSET
from station_app.cli_common import EXIT_INVALID, EXIT_OK, CommandError
from station_app.cli_common import print_json as _print_json
from station_app.data_folder import DataFolder
from station_app.i18n import N_, _

SOURCE_LABELS = {
    SOURCE_CITY: N_("set by the city office"),
    SOURCE_STATION: N_("set at this station"),
    SOURCE_UNSET: N_("not set"),
}


def cmd_settings_set(args: argparse.Namespace) -> int:
    from station_app.account_rules import may_manage_accounts
    from station_app.cli_users import acting_user
    from station_app.documents.content import printing_problems
    from station_app.store.station_settings import save_acting_settings

    problems = printing_problems(args.key, args.value)
    if problems:
        raise CommandError(
            "\n".join([_("Nothing was saved:")] + [f"- {p}" for p in problems]), EXIT_INVALID
        )
    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        admin = acting_user(store, args.user)
        if not may_manage_accounts(admin):
            raise CommandError(
                _("Only an administrator may change the station's settings."), EXIT_INVALID
            )
        save_acting_settings(store, {args.key: args.value}, actor=admin.username)
    _print_json({args.key: args.value.strip()})
    return EXIT_OK


def cmd_settings_show(args: argparse.Namespace) -> int:
    """Each setting in force with its source: `city` (the city office's reference data),
    `station` (set here) or `unset`; `overridable` false: the city's value holds."""
    from station_app.store.station_settings import effective_acting_settings

    with DataFolder(args.data_dir) as folder, folder.open_store() as store:
        settings = effective_acting_settings(store)
    if args.json:
        _print_json({key: item.to_json() for key, item in settings.items()})
    else:
        for key, item in settings.items():
            what = _(KEYS[key]) if key in KEYS else ""
            source = _(SOURCE_LABELS[item.source])
            if item.locked:
                source += ", " + _("locked")
            print(f"{key} = {item.value}    [{source}]" + (f"    # {what}" if what else ""))
    return EXIT_OK


def add_settings_commands(sub: argparse._SubParsersAction) -> None:
    """`station-app settings ...`."""
    settings = sub.add_parser(
        "settings",
        help=_("who decides, mediates and seals on the station's documents (administrators)"),
    )
    settings_sub = settings.add_subparsers(dest="settings_command", required=True)
    keys = ", ".join([*KEYS, "prefix.<kind>"])
    set_parser = settings_sub.add_parser(
        "set", help=_("set one setting ({keys})").format(keys=keys)
    )
    set_parser.add_argument("key", metavar="KEY", help=_("the setting: {keys}").format(keys=keys))
    set_parser.add_argument("value", metavar="VALUE", help=_("the value; empty clears it"))
    set_parser.add_argument(
        "--user", help=_("the administrator doing it (default: the first administrator)")
    )
    set_parser.set_defaults(func=cmd_settings_set)
    show = settings_sub.add_parser("show", help=_("show the settings"))
    show.add_argument("--json", action="store_true", help=_("as JSON"))
    show.set_defaults(func=cmd_settings_show)
