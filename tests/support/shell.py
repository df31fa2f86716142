"""What an administrator of the PC can do with the SQLite shell, outside the app: open the
station database directly (with the SQLCipher shell and the folder's key when the station's
database is encrypted at rest, as `station-app init` makes it)."""

from __future__ import annotations

from pathlib import Path

from station_app.store import driver, folder_key


def open_shell(path: Path, **kwargs) -> driver.Connection:
    """A plain driver connection to `path`: none of the app's SQL functions, no derived state."""
    path = Path(path)
    key = None if driver.is_plaintext_file(path) else folder_key(path.parent)
    return driver.connect(path, key, **kwargs)
