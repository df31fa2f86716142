"""The only package that talks to SQLite: connection, migrations and the record stores."""

from station_app.store.connection import (
    DATABASE_FILENAME,
    NewerSchemaError,
    Store,
    StoreError,
)

__all__ = ["DATABASE_FILENAME", "NewerSchemaError", "Store", "StoreError"]
