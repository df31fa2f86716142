"""Read and write who acts on the station's documents (acting_bodies keys) in the settings table,
meeting the city office's values (reference data `authority`, city_reference): a key the city
sets and does not let the station override takes the city's value."""

from __future__ import annotations

from station_app.acting_bodies import KEYS, PREFIX, ActingBodies, setting_problems
from station_app.city_reference import EffectiveSetting, effective_settings
from station_app.i18n import _
from station_app.safe_input import InputRejected
from station_app.store.connection import Store
from station_app.store.reference_data import city_authority_here


def own_acting_settings(store: Store) -> dict[str, str]:
    """The station's own stored values, by key (the known keys always present)."""
    values = {key: "" for key in KEYS}
    marks = ",".join("?" * len(KEYS))
    sql = f"SELECT key, value FROM settings WHERE key IN ({marks}) OR key LIKE ? ORDER BY key"
    for key, value in store.execute(sql, (*KEYS, PREFIX + "%")).fetchall():
        values[key] = value
    return values


def effective_acting_settings(store: Store) -> dict[str, EffectiveSetting]:
    """Every acting-body setting in force, with its source (city or station)."""
    return effective_settings(own_acting_settings(store), city_authority_here(store))


def acting_settings(store: Store) -> dict[str, str]:
    """Every acting-body setting in force, by key (the known keys always present)."""
    return {key: item.value for key, item in effective_acting_settings(store).items()}


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


def locked_problem(item: EffectiveSetting) -> str:
    return _(
        "“{key}” is set by the city office ({value}) and this station may not change it; ask "
        "the city office to change it or to allow stations to set it."
    ).format(key=item.key, value=item.city_value)


def save_acting_settings(store: Store, values: dict[str, str], *, actor: str) -> None:
    """Checks every value first and writes all of them in one transaction, or none. A key the
    city office sets and does not let the station override is refused, unless the value is
    the city's own (then nothing is stored for it)."""
    problems = [p for key, value in values.items() for p in setting_problems(key, value)]
    effective = effective_acting_settings(store)
    to_write = {}
    for key, value in values.items():
        item = effective.get(key)
        if item is not None and item.locked:
            if value.strip() != item.city_value:
                problems.append(locked_problem(item))
            continue
        to_write[key] = value
    if problems:
        raise InputRejected(problems)
    with store.transaction(actor=actor):
        for key, value in to_write.items():
            store.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value.strip()),
            )
