"""What every `station-app` subcommand module shares: exit codes, the error a user can fix,
JSON out and JSON in. The command modules (cli.py, cli_users.py, cli_case_edit.py,
cli_backup.py, …) import from here, never from each other's parsers."""

from __future__ import annotations

import json

from station_app.safe_input import MAX_DETAILS_BYTES, InputRejected, read_json_file

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


class CommandError(Exception):
    """A problem the user can fix, reported on stderr with a non-zero exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def read_json_argument(path: str, max_bytes: int = MAX_DETAILS_BYTES) -> object:
    """The JSON in a file ('-' reads standard input), its size and nesting checked before it
    is parsed (safe_input), or a CommandError saying what is wrong."""
    try:
        return read_json_file(path, max_bytes=max_bytes)
    except InputRejected as rejected:
        raise CommandError(str(rejected), EXIT_INVALID) from None
