"""Bring a city server database to the current schema with Alembic (run at every start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from city_server.db import is_postgresql

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Several server processes starting at once migrate one after the other.
MIGRATION_LOCK = 0x5354_4D49  # "STMI"


def migrate(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        if is_postgresql(engine):
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - no table yet: an empty database
            return None
