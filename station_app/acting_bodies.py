"""Who acts on a station's documents, as settings: the deciding authority (the market-regulation
bureau or its township office, named and sealing every decision), the mediating organisation and
its kind, the court of the joint mediation centre, and the document-number prefixes.

Pure rules (no SQL, no Qt): the keys, their defaults, and the check of a value. The store reads
and writes them (`store.station_settings`); the documents take the result as data.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from station_app.i18n import N_, _

AUTHORITY_NAME = "authority.name"
AUTHORITY_PREFIX = "authority.prefix"
MEDIATOR_NAME = "mediator.name"
MEDIATOR_KIND = "mediator.kind"
COURT_NAME = "court.name"
PREFIX = "prefix."  # prefix.<document kind>: that kind's whole number prefix (瑞市监消调)

# The longest name of an organisation or court printed on a letterhead and a seal line.
MAX_NAME_CHARS = 40
MAX_PREFIX_CHARS = 12


class MediatorKind(StrEnum):
    """What kind of body mediates, which decides the legal basis an agreement cites."""

    CONSUMER_ASSOCIATION = "consumer_association"  # entrusted: mediates in the bureau's name
    STATION = "station"  # the complaint station itself
    PEOPLES_MEDIATION_COMMITTEE = "people_mediation_committee"  # 人民调解法 arts. 28–33


MEDIATOR_KIND_LABELS = {
    MediatorKind.CONSUMER_ASSOCIATION: N_("consumer association, entrusted by the bureau"),
    MediatorKind.STATION: N_("the complaint station itself"),
    MediatorKind.PEOPLES_MEDIATION_COMMITTEE: N_("people's mediation committee"),
}

# Every key the settings screen and `station-app settings` know, with what it is for.
KEYS: dict[str, str] = {
    AUTHORITY_NAME: N_("deciding authority (named and sealing decisions)"),
    AUTHORITY_PREFIX: N_("deciding authority's document-number prefix"),
    MEDIATOR_NAME: N_("mediating organisation"),
    MEDIATOR_KIND: N_("kind of mediating organisation"),
    COURT_NAME: N_("court of the joint mediation centre"),
}
NAME_KEYS = (AUTHORITY_NAME, MEDIATOR_NAME, COURT_NAME)


@dataclass(frozen=True)
class ActingBodies:
    """The settings as documents use them (empty text: not set)."""

    authority_name: str = ""
    authority_prefix: str = ""
    mediator_name: str = ""
    mediator_kind: str = ""
    court_name: str = ""
    prefixes: dict[str, str] = field(default_factory=dict)  # document kind -> prefix

    @property
    def kind(self) -> MediatorKind | None:
        try:
            return MediatorKind(self.mediator_kind)
        except ValueError:
            return None

    @property
    def in_bureaus_name(self) -> bool:
        """An entrusted consumer association mediates in the deciding authority's name."""
        return self.kind == MediatorKind.CONSUMER_ASSOCIATION

    @property
    def mediation_seal_holder(self) -> str:
        """Who is named and seals a mediation document."""
        return self.authority_name if self.in_bureaus_name else self.mediator_name


def is_known_key(key: str) -> bool:
    return key in KEYS or (key.startswith(PREFIX) and len(key) > len(PREFIX))


def _unprintable(value: str) -> str | None:
    """The first character that cannot be printed: control, format, private or unassigned."""
    for char in value:
        if unicodedata.category(char)[0] == "C":
            return char
    return None


def setting_problems(key: str, value: str) -> list[str]:
    """What is wrong with `value` for `key` (empty list: fine). Empty values are allowed: a
    document that needs the setting then refuses to issue and names it."""
    if not is_known_key(key):
        known = ", ".join([*KEYS, PREFIX + "<kind>"])
        return [
            _("Unknown setting “{key}”; the settings are: {known}.").format(key=key, known=known)
        ]
    text = value.strip()
    if not text:
        return []
    char = _unprintable(text)
    if char is not None:
        return [
            _(
                "“{key}” holds a character that cannot be printed (U+{code:04X}); type it again "
                "without it."
            ).format(key=key, code=ord(char))
        ]
    if key == MEDIATOR_KIND:
        if text not in {k.value for k in MediatorKind}:
            kinds = " | ".join(k.value for k in MediatorKind)
            return [_("“{key}” must be one of: {kinds}.").format(key=key, kinds=kinds)]
        return []
    if key in NAME_KEYS and len(text) > MAX_NAME_CHARS:
        return [
            _(
                "“{key}” is {length} characters long; a name printed on documents may have at "
                "most {limit}. Use the organisation's official short name."
            ).format(key=key, length=len(text), limit=MAX_NAME_CHARS)
        ]
    if (key == AUTHORITY_PREFIX or key.startswith(PREFIX)) and (
        len(text) > MAX_PREFIX_CHARS or any(c.isspace() for c in text)
    ):
        return [
            _(
                "“{key}” must be a short prefix without spaces, at most {limit} characters "
                "(like 瑞市监消)."
            ).format(key=key, limit=MAX_PREFIX_CHARS)
        ]
    return []


def missing_setting(key: str) -> str:
    """The message of a document that cannot be issued because `key` is empty."""
    return _(
        "The setting “{key}” ({what}) is empty: an administrator sets it in Station settings or "
        "with `station-app settings set {key} VALUE`."
    ).format(key=key, what=_(KEYS.get(key, key)))


def default_settings(parent_name: str = "", station_name: str = "") -> dict[str, str]:
    """Sensible defaults for the setup wizard: the parent station's authority, the station
    mediating itself."""
    return {
        AUTHORITY_NAME: parent_name.strip(),
        AUTHORITY_PREFIX: "",
        MEDIATOR_NAME: station_name.strip(),
        MEDIATOR_KIND: MediatorKind.STATION.value,
        COURT_NAME: "",
    }
