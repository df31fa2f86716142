"""The only package that talks to SQLite: connection, migrations and the record stores."""

from station_app.store.connection import (
    DATABASE_FILENAME,
    NewerSchemaError,
    StoreError,
)
from station_app.store.opening import Store

__all__ = ["DATABASE_FILENAME", "NewerSchemaError", "Store", "StoreError"]
