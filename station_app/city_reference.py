"""Reference data the city office publishes (`city-server set-reference KIND FILE`), as rules:
the formats of the JSON documents, their checks, and how the city's acting bodies meet a
station's own settings. Pure (no SQL, no Qt): the store keeps the pulled documents
(store.reference_data) and the city server checks a file with `reference_problems` before it
publishes it.

The `authority` document (who decides, mediates and seals, per station or per township):

    {
      "defaults":    {"authority.name": "瑞昌市市场监督管理局", "authority.prefix": "瑞市监消",
                      "mediator.kind": "consumer_association", "court.name": "瑞昌市人民法院"},
      "overridable": ["mediator.name", "prefix.*"],
      "townships":   {"RC-MT": {"values": {"authority.name": "…码头市场监督管理所"},
                                "overridable": ["mediator.name"]}},
      "stations":    {"RC-MT-XC": {"values": {"mediator.name": "…"}}}
    }

The city's value of a key for a station: its `stations` entry, else its township's entry (the
station's own code when it is a township, else its parent's), else `defaults`. Which keys the
station may override: the `overridable` list of the most specific entry that has one, else the
top-level list (exact keys, or a pattern like `prefix.*`; `*` allows every key); by default none.

The effective setting (`effective_settings`): the station's own value where the city allows an
override and the station set one; else the city's value; else the station's own (a key the city
does not set stays the station's to set).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from station_app.acting_bodies import KEYS, PREFIX, is_known_key, setting_problems
from station_app.i18n import _

AUTHORITY = "authority"
CATEGORIES = "categories"
ABNORMAL_LIST = "abnormal_list"
DESIGNATIONS = "designations"

# Where an effective setting comes from.
SOURCE_CITY = "city"
SOURCE_STATION = "station"
SOURCE_UNSET = "unset"

_SCOPES = ("townships", "stations")


@dataclass(frozen=True)
class CityAuthority:
    """The city's acting bodies for one station: its values and the keys it may override."""

    values: dict[str, str]
    overridable: tuple[str, ...] = ()

    def allows_override(self, key: str) -> bool:
        return any(fnmatchcase(key, pattern) for pattern in self.overridable)


@dataclass(frozen=True)
class EffectiveSetting:
    """One acting-body setting as documents use it, with where it comes from."""

    key: str
    value: str
    source: str  # SOURCE_CITY, SOURCE_STATION or SOURCE_UNSET
    city_value: str | None = None  # None: the city does not set this key
    station_value: str = ""
    overridable: bool = True  # False: the city's value holds; the station cannot change it

    @property
    def locked(self) -> bool:
        return self.city_value is not None and not self.overridable

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "source": self.source,
            "city": self.city_value,
            "station": self.station_value,
            "overridable": self.overridable,
        }


# --------------------------------------------------------------------------- authority


def _values_problems(values: Any, where: str) -> list[str]:
    if not isinstance(values, dict):
        return [f"{where} must be an object of settings"]
    problems = []
    for key, value in values.items():
        if not isinstance(value, str):
            problems.append(f"{where}.{key} must be text")
            continue
        problems += [f"{where}: {p}" for p in setting_problems(key, value)]
    return problems


def _overridable_problems(patterns: Any, where: str) -> list[str]:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        return [f"{where} must be a list of setting keys (or patterns like prefix.*)"]
    return [
        f"{where}: {p!r} names no setting"
        for p in patterns
        if not (p == "*" or is_known_key(p) or p == PREFIX + "*")
    ]


def authority_problems(document: Any) -> list[str]:
    """What is wrong with an `authority` document (empty list: fine)."""
    if not isinstance(document, dict):
        return ["the authority document must be a JSON object"]
    unknown = set(document) - {"defaults", "overridable", *_SCOPES, "source", "version"}
    problems = [f"unknown part {name!r}" for name in sorted(unknown)]
    problems += _values_problems(document.get("defaults", {}), "defaults")
    problems += _overridable_problems(document.get("overridable", []), "overridable")
    for scope in _SCOPES:
        entries = document.get(scope, {})
        if not isinstance(entries, dict):
            problems.append(f"{scope} must be an object by station code")
            continue
        for code, entry in entries.items():
            where = f"{scope}.{code}"
            if not isinstance(entry, dict) or set(entry) - {"values", "overridable"}:
                problems.append(f'{where} must be {{"values": {{…}}, "overridable": […]}}')
                continue
            problems += _values_problems(entry.get("values", {}), f"{where}.values")
            if "overridable" in entry:
                problems += _overridable_problems(entry["overridable"], f"{where}.overridable")
    return problems


class AuthorityFileRefused(ValueError):
    """A file that is not a usable `authority` document; the message is for the clerk."""


def read_authority_file(path: Path) -> dict:
    """The city office's `authority` document from a file (the one it publishes with
    `city-server set-reference authority FILE`, brought on a USB stick before this PC can
    sync): used to propose the acting bodies at first setup."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise AuthorityFileRefused(
            _("{path} is not the city office's settings file (a JSON file): {reason}").format(
                path=Path(path).name, reason=error
            )
        ) from error
    problems = authority_problems(document)
    if problems:
        raise AuthorityFileRefused(
            _("{path} is not a usable settings file of the city office: {problems}").format(
                path=Path(path).name, problems="; ".join(problems[:5])
            )
        )
    return document


def _clean_values(values: Any) -> dict[str, str]:
    """The usable settings of an entry: an empty value (the city sets nothing) and a value a
    station cannot print are left out."""
    if not isinstance(values, dict):
        return {}
    return {
        key: value.strip()
        for key, value in values.items()
        if isinstance(value, str) and value.strip() and not setting_problems(key, value)
    }


def city_authority(
    document: Any, station_code: str, parent_code: str | None = None
) -> CityAuthority:
    """The city's acting bodies for the station `station_code` (whose parent is `parent_code`)."""
    if not isinstance(document, dict):
        return CityAuthority({})
    values = _clean_values(document.get("defaults"))
    overridable = document.get("overridable", [])
    entries = []
    townships = document.get("townships")
    if isinstance(townships, dict):
        entries += [townships.get(code) for code in (parent_code, station_code) if code]
    stations = document.get("stations")
    if isinstance(stations, dict):
        entries.append(stations.get(station_code))
    for entry in entries:
        if isinstance(entry, dict):
            values.update(_clean_values(entry.get("values")))
            if "overridable" in entry:
                overridable = entry["overridable"]
    if not isinstance(overridable, list):
        overridable = []
    return CityAuthority(values, tuple(p for p in overridable if isinstance(p, str)))


def effective_settings(
    own: Mapping[str, str], city: CityAuthority | None
) -> dict[str, EffectiveSetting]:
    """Every acting-body setting in force, by key: the known keys first, then prefixes."""
    city = city or CityAuthority({})
    keys = list(KEYS) + sorted(
        {k for k in (*own, *city.values) if k.startswith(PREFIX) and k not in KEYS}
    )
    result = {}
    for key in keys:
        mine = (own.get(key) or "").strip()
        theirs = city.values.get(key)
        allowed = theirs is None or city.allows_override(key)
        if theirs is not None and not (allowed and mine):
            value, source = theirs, SOURCE_CITY
        elif mine:
            value, source = mine, SOURCE_STATION
        else:
            value, source = "", SOURCE_UNSET
        result[key] = EffectiveSetting(key, value, source, theirs, mine, allowed)
    return result


# --------------------------------------------------------------------------- the other kinds


def categories_problems(document: Any) -> list[str]:
    """A `categories` document: {"goods": [...], "services": [...], "natures": [...]}, each a
    non-empty list of distinct names (the bundled classification's format)."""
    if not isinstance(document, dict):
        return ["the categories document must be a JSON object"]
    problems = []
    for key in ("goods", "services", "natures"):
        items = document.get(key)
        if not isinstance(items, list) or not items:
            problems.append(f"{key} must be a non-empty list of names")
        elif not all(isinstance(i, str) and i.strip() and len(i) <= 40 for i in items):
            problems.append(f"{key}: every name must be text of 1 to 40 characters")
        elif len(set(items)) != len(items):
            problems.append(f"{key}: a name is listed twice")
    return problems


def _date_ok(value: Any) -> bool:
    from datetime import date

    if value in (None, ""):
        return True
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _merchant_key_problems(entry: dict, where: str) -> list[str]:
    uscc, name = entry.get("uscc", ""), entry.get("name", "")
    if not isinstance(uscc, str) or not isinstance(name, str):
        return [f"{where}: uscc and name must be text"]
    if not uscc.strip() and not name.strip():
        return [f"{where}: name the merchant by its credit code (uscc) or its name"]
    return []


def abnormal_list_problems(document: Any) -> list[str]:
    """An `abnormal_list` document: {"entries": [{"uscc": "…", "name": "…", "since":
    "2026-03-15", "note": "…"}, …]}; each entry names the merchant by its credit code or name."""
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        return ['the abnormal list must be {"entries": [...]}']
    problems = []
    for index, entry in enumerate(document["entries"]):
        where = f"entries[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be an object")
            continue
        problems += _merchant_key_problems(entry, where)
        if not _date_ok(entry.get("since")):
            problems.append(f"{where}.since is not a date like 2026-03-15")
        if not isinstance(entry.get("note", ""), str):
            problems.append(f"{where}.note must be text")
    return problems


def designations_problems(document: Any, kinds: tuple[str, ...]) -> list[str]:
    """A `designations` document: {"entries": [{"uscc" or "name", "kind": one of `kinds`,
    "granted": date, "until": date or "", "revoked": date or "", "reason": "…"}, …]}."""
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        return ['the designations must be {"entries": [...]}']
    problems = []
    for index, entry in enumerate(document["entries"]):
        where = f"entries[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be an object")
            continue
        problems += _merchant_key_problems(entry, where)
        if entry.get("kind") not in kinds:
            problems.append(f"{where}.kind must be one of {', '.join(kinds)}")
        if not entry.get("granted") or not _date_ok(entry.get("granted")):
            problems.append(f"{where}.granted must be a date like 2026-03-15")
        for name in ("until", "revoked"):
            if not _date_ok(entry.get(name)):
                problems.append(f"{where}.{name} is not a date like 2026-03-15")
    return problems


def reference_problems(
    kind: str, document: Any, designation_kinds: tuple[str, ...] = ()
) -> list[str]:
    """What is wrong with a reference document of `kind` (holidays are checked apart);
    `designation_kinds`: the designations a station knows (merchant_registry)."""
    if kind == AUTHORITY:
        return authority_problems(document)
    if kind == CATEGORIES:
        return categories_problems(document)
    if kind == ABNORMAL_LIST:
        return abnormal_list_problems(document)
    if kind == DESIGNATIONS:
        return designations_problems(document, designation_kinds)
    return []
