"""The only package that talks to SQLite: connection, migrations and the record stores."""

from station_app.store.connection import (
    DATABASE_FILENAME,
    DataKeyMissing,
    NewerSchemaError,
    StoreError,
)
from station_app.store.opening import Store, folder_key

__all__ = [
    "DATABASE_FILENAME",
    "DataKeyMissing",
    "NewerSchemaError",
    "Store",
    "StoreError",
    "folder_key",
]
