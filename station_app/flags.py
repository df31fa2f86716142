"""Signs of non-genuine consumption (Order No. 121 art. 17, the factors of art. 16(3); the text is
named in documents/wording.py SOURCE_ORDER_121): complainants of several
cases sharing one phone or one address, and one person filing many complaints in a short
time. The flags are shown to the clerk to look into; they never block a case.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from station_app.i18n import N_, _
from station_app.store.case_events import find_progress
from station_app.store.connection import Store
from station_app.store.flags import (
    PartyHit,
    address_key,
    case_complainants,
    filings_of_people,
    parties_with_addresses,
    parties_with_phones,
)
from station_app.validation import mask_phone

# The rule the flags come from: art. 17(1) items (二) many complaints in a short time and (四)
# several people using one phone or address, factors of the art. 16(3) refusal ground.
ARTICLE = "《市场监督管理投诉举报处理办法》（国家市场监督管理总局令第121号）第十七条"

# Defaults of the frequent-filer rule; a station may change them in its settings.
FREQUENT_COUNT_SETTING = "flags.frequent_count"
FREQUENT_DAYS_SETTING = "flags.frequent_days"
DEFAULT_FREQUENT_COUNT = 5
DEFAULT_FREQUENT_DAYS = 30
# How many other case numbers a message names.
SHOWN_CASES = 5

# Only an address down to the house or room says that complainants live together; a village
# group (沿江村3组) or a street is shared by hundreds of honest neighbours.
_HOUSE_NUMBER = re.compile(r"\d+\s*(号|室|栋|幢|单元|楼|弄|户)")


class FlagKind(StrEnum):
    SHARED_PHONE = "shared_phone"
    SHARED_ADDRESS = "shared_address"
    FREQUENT_FILER = "frequent_filer"


FLAG_LABELS = {
    FlagKind.SHARED_PHONE: N_("Phone shared with other complainants"),
    FlagKind.SHARED_ADDRESS: N_("Address shared with other complainants"),
    FlagKind.FREQUENT_FILER: N_("Many complaints in a short time"),
}


def flag_label(kind: FlagKind) -> str:
    return _(FLAG_LABELS[kind])


@dataclass(frozen=True)
class Flag:
    """One sign worth a look: what, about whom, how many other cases, and which."""

    kind: FlagKind
    message: str
    count: int
    case_nos: tuple[str, ...] = ()
    subject: str = ""  # the complainant's name the flag is about

    @property
    def label(self) -> str:
        return flag_label(self.kind)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind.value,
            "label": self.label,
            "message": self.message,
            "count": self.count,
            "cases": list(self.case_nos),
            "subject": self.subject,
            "article": ARTICLE,
        }


@dataclass(frozen=True)
class FlagSettings:
    frequent_count: int = DEFAULT_FREQUENT_COUNT
    frequent_days: int = DEFAULT_FREQUENT_DAYS


def flag_settings(store: Store) -> FlagSettings:
    """The station's settings, or the defaults where a setting is missing or not a number."""

    def number(key: str, default: int) -> int:
        value = (store.get_setting(key) or "").strip()
        return int(value) if value.isdigit() and int(value) > 0 else default

    return FlagSettings(
        number(FREQUENT_COUNT_SETTING, DEFAULT_FREQUENT_COUNT),
        number(FREQUENT_DAYS_SETTING, DEFAULT_FREQUENT_DAYS),
    )


def is_specific_address(address: str) -> bool:
    return bool(_HOUSE_NUMBER.search(address))


@dataclass
class _Cases:
    """Other cases found for one complainant, newest first."""

    received: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (when, number)

    def add(self, hit: PartyHit) -> None:
        self.received[hit.case_id] = (hit.received_at, hit.case_no)

    def numbers(self) -> tuple[str, ...]:
        return tuple(number for _when, number in sorted(self.received.values(), reverse=True))


def _case_list(numbers: tuple[str, ...]) -> str:
    shown = "、".join(numbers[:SHOWN_CASES])
    return shown + ("……" if len(numbers) > SHOWN_CASES else "")


def _shared_phone_flags(store: Store, case_id: str, people) -> list[Flag]:
    names_by_phone: dict[str, set[str]] = defaultdict(set)
    for person in people:
        if person.phone:
            names_by_phone[person.phone].add(person.name)
    found: dict[str, _Cases] = defaultdict(_Cases)
    for hit in parties_with_phones(store, list(names_by_phone), case_id):
        if hit.name not in names_by_phone[hit.phone]:
            found[hit.phone].add(hit)
    flags = []
    for phone, cases in found.items():
        numbers = cases.numbers()
        name = "、".join(sorted(names_by_phone[phone]))
        flags.append(
            Flag(
                FlagKind.SHARED_PHONE,
                _(
                    "The phone {phone} of {name} is also the phone of complainants with other "
                    "names in {count} other cases: {cases}."
                ).format(
                    phone=mask_phone(phone),
                    name=name,
                    count=len(numbers),
                    cases=_case_list(numbers),
                ),
                len(numbers),
                numbers,
                name,
            )
        )
    return flags


def _shared_address_flags(store: Store, case_id: str, people) -> list[Flag]:
    names_by_key: dict[str, set[str]] = defaultdict(set)
    written: dict[str, str] = {}
    for person in people:
        key = address_key(person.address)
        if key and is_specific_address(key):
            names_by_key[key].add(person.name)
            written.setdefault(key, person.address.strip())
    found: dict[str, _Cases] = defaultdict(_Cases)
    for hit in parties_with_addresses(store, list(names_by_key), case_id):
        if hit.name not in names_by_key[hit.address_key]:
            found[hit.address_key].add(hit)
    flags = []
    for key, cases in found.items():
        numbers = cases.numbers()
        name = "、".join(sorted(names_by_key[key]))
        flags.append(
            Flag(
                FlagKind.SHARED_ADDRESS,
                _(
                    "The address “{address}” of {name} is also the address of complainants with "
                    "other names in {count} other cases: {cases}."
                ).format(
                    address=written[key], name=name, count=len(numbers), cases=_case_list(numbers)
                ),
                len(numbers),
                numbers,
                name,
            )
        )
    return flags


def _most_in_a_window(received: datetime, others: list[datetime], days: int) -> list[datetime]:
    """The largest set of the other filings that fits, with this case, in `days` days."""
    span = timedelta(days=days)
    best: list[datetime] = []
    for start in sorted({received, *others}):
        if start > received or start < received - span:
            continue
        inside = [t for t in others if start <= t <= start + span]
        if len(inside) > len(best):
            best = inside
    return best


def _frequent_filer_flags(
    store: Store, case_id: str, received_at: str, people, settings: FlagSettings
) -> list[Flag]:
    received = datetime.strptime(received_at, "%Y-%m-%d %H:%M")
    span = timedelta(days=settings.frequent_days)
    hits = filings_of_people(
        store,
        [p.id_number for p in people],
        [p.phone for p in people],
        (received - span).strftime("%Y-%m-%d %H:%M"),
        (received + span).strftime("%Y-%m-%d %H:%M"),
        case_id,
    )
    flags = []
    for person in people:
        mine: dict[str, tuple[datetime, str]] = {}
        for hit in hits:
            same_id = bool(person.id_number) and hit.id_number == person.id_number
            same_person = bool(person.phone) and (hit.name, hit.phone) == (
                person.name,
                person.phone,
            )
            if same_id or same_person:
                mine[hit.case_id] = (
                    datetime.strptime(hit.received_at, "%Y-%m-%d %H:%M"),
                    hit.case_no,
                )
        if len(mine) + 1 < settings.frequent_count:
            continue
        window = set(
            _most_in_a_window(received, [t for t, _n in mine.values()], settings.frequent_days)
        )
        numbers = tuple(
            number for when, number in sorted(mine.values(), reverse=True) if when in window
        )
        count = len(numbers) + 1
        if count < settings.frequent_count:
            continue
        flags.append(
            Flag(
                FlagKind.FREQUENT_FILER,
                _(
                    "{name} filed {count} complaints or reports within {days} days, this one "
                    "included; the others: {cases}."
                ).format(
                    name=person.name,
                    count=count,
                    days=settings.frequent_days,
                    cases=_case_list(numbers),
                ),
                count,
                numbers,
                person.name,
            )
        )
    return flags


def case_flags(store: Store, case_key: str, settings: FlagSettings | None = None) -> list[Flag]:
    """The signs of non-genuine consumption around a case (by number or id); [] for an
    ordinary case or an unknown number."""
    progress = find_progress(store, case_key.strip())
    if progress is None:
        return []
    if settings is None:
        settings = flag_settings(store)
    people = case_complainants(store, progress.id)
    if not people:
        return []
    return [
        *_shared_phone_flags(store, progress.id, people),
        *_shared_address_flags(store, progress.id, people),
        *_frequent_filer_flags(store, progress.id, progress.received_at, people, settings),
    ]
