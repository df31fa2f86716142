"""Every enum value has its own label, also where two enums share a value."""

from enum import StrEnum

import pytest

from station_app import domain, i18n
from station_app.domain import Channel, Gender, IdType, Role, StationLevel, label

ENUMS = [
    obj
    for obj in vars(domain).values()
    if isinstance(obj, type) and issubclass(obj, StrEnum) and obj is not StrEnum
]


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "en")


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_a_label(enum):
    for member in enum:
        assert label(member).strip()


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (Gender.UNKNOWN, "Not given"),
        (IdType.NONE, "No ID"),
        (Channel.OTHER, "Other channel"),
        (IdType.OTHER, "Other ID"),
        (StationLevel.CITY, "City"),
        (Role.CITY, "City staff"),
    ],
)
def test_members_sharing_a_value_keep_their_own_labels(member, expected):
    assert label(member) == expected
