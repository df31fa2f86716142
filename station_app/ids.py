"""Row identities made on the PC: time-ordered UUIDv7 strings and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime


def new_id() -> str:
    """A UUIDv7: unique without a server, sortable by creation time."""
    import uuid6  # on first use: its import (importlib.metadata) is slow for start-up

    return str(uuid6.uuid7())


def utc_now() -> str:
    """The PC's clock in UTC, ISO 8601 with milliseconds; for display and audit, never for sync ordering."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
