"""Fixtures of the city server's tests: live servers over SQLite and PostgreSQL (see live.py)."""

from tests.server.live import (  # noqa: F401
    backend,
    city,
    postgresql_backend,
    postgresql_url,
    sqlite_backend,
)
from tests.server.sync_support import english, memory_keyring, sync_backend  # noqa: E402, F401
