"""One workflow step from the command line (`case act`, `case contact`): through the one action
path, its result printed as JSON and its warnings on stderr; a refused step writes nothing."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from station_app.cli_common import EXIT_INVALID, EXIT_OK, CommandError, print_json
from station_app.cli_users import acting_user
from station_app.data_folder import DataFolder
from station_app.i18n import _
from station_app.store import accounts


def run_case_action(
    data_dir: Path, username: str | None, case_no: str, action: Any, payload: dict
) -> int:
    """Take `action` on the case as the user named (password checked); exit code."""
    from station_app.case_actions import ActionRejected, act
    from station_app.store.holidays import load_calendar

    with DataFolder(data_dir) as folder, folder.open_store() as store:
        station = accounts.local_station(store)
        user = acting_user(store, username)
        try:
            result = act(
                store,
                case_no,
                action,
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
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    return EXIT_OK
