"""Read and write who acts on the station's documents (acting_bodies keys) in the settings table."""

from __future__ import annotations

from station_app.acting_bodies import KEYS, PREFIX, ActingBodies, setting_problems
from station_app.safe_input import InputRejected
from station_app.store.connection import Store


def acting_settings(store: Store) -> dict[str, str]:
    """Every acting-body setting that is stored, by key (the known keys always present)."""
    values = {key: "" for key in KEYS}
    marks = ",".join("?" * len(KEYS))
    sql = f"SELECT key, value FROM settings WHERE key IN ({marks}) OR key LIKE ? ORDER BY key"
    for key, value in store.execute(sql, (*KEYS, PREFIX + "%")).fetchall():
        values[key] = value
    return values


def load_acting_bodies(store: Store) -> ActingBodies:
    values = acting_settings(store)
    return ActingBodies(
        authority_name=values["authority.name"].strip(),
        authority_prefix=values["authority.prefix"].strip(),
        mediator_name=values["mediator.name"].strip(),
        mediator_kind=values["mediator.kind"].strip(),
        court_name=values["court.name"].strip(),
        prefixes={
            key[len(PREFIX) :]: value.strip()
            for key, value in values.items()
            if key.startswith(PREFIX) and value.strip()
        },
    )


def save_acting_settings(store: Store, values: dict[str, str], *, actor: str) -> None:
    """Checks every value first and writes all of them in one transaction, or none."""
    problems = [p for key, value in values.items() for p in setting_problems(key, value)]
    if problems:
        raise InputRejected(problems)
    with store.transaction(actor=actor):
        for key, value in values.items():
            store.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value.strip()),
            )
