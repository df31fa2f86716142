"""Shared fixtures for the core tests (no Qt): a data folder, an opened Store, a station."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from station_app import i18n
from station_app.domain import (
    Case,
    CaseKind,
    Channel,
    Merchant,
    Party,
    Role,
    Station,
    StationLevel,
    User,
)
from station_app.store import DATABASE_FILENAME, Store
from station_app.store.accounts import initialise_station
from station_app.store.cases import add_case

STATION_CODE = "RC-MT"
ADMIN_PASSWORD = "admin-secret-123"
TODAY = date(2026, 3, 2)

# A resident ID and unified social credit codes whose check characters are right.
VALID_RIC = "11010519491231002X"
VALID_USCC = "91520382709601191M"
# The same credit code with a wrong check character: a warning the clerk may override.
BAD_CHECKSUM_USCC = "915203827096011910"


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Messages in the source language, so assertions do not depend on the catalogue.

    A test about translations sets the language itself (see test_translations.py and
    test_read_only_message_goes_through_the_translation_catalogue).
    """
    before = i18n.current_language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty station data folder (not yet created on disk)."""
    return tmp_path / "station-data"


@pytest.fixture
def db_path(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir / DATABASE_FILENAME


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """A Store on a fresh database, migrated to the latest schema."""
    opened = Store(db_path)
    yield opened
    opened.close()


@pytest.fixture
def admin(store: Store) -> User:
    """Initialise the township station RC-MT with its administrator; returns the admin user."""
    station = Station(code=STATION_CODE, name="茅台镇消费者投诉站", level=StationLevel.TOWNSHIP)
    user = User(username="admin", display_name="管理员", role=Role.ADMIN, station_code=STATION_CODE)
    initialise_station(store, station, user, ADMIN_PASSWORD)
    return user


@pytest.fixture
def station(store: Store, admin: User) -> Station:
    from station_app.store.accounts import local_station

    return local_station(store)


def complaint_data(**overrides: Any) -> dict[str, Any]:
    """A complaint in the `case add --json` shape that passes validation (today = TODAY).

    Keyword arguments replace top-level keys; a value of None removes the key.
    """
    data: dict[str, Any] = {
        "kind": "complaint",
        "channel": "walk_in",
        "received_at": "2026-03-02 09:30",
        "complainants": [
            {
                "name": "张三",
                "gender": "male",
                "phone": "13812346721",
                "address": "茅台镇中街12号",
                "id_type": "resident_id",
                "id_number": VALID_RIC,
            }
        ],
        "merchant": {
            "name": "茅台镇好又多超市",
            "address": "茅台镇新街1号",
            "uscc": VALID_USCC,
            "phone": "0851-22512345",
        },
        "goods_or_service": "goods",
        "category": "家用电子电器类",
        "problem_nature": "质量",
        "purchase_date": "2026-02-20",
        "purchase_place": "茅台镇好又多超市",
        "amount": "1299.50",
        "request": "退货退款",
        "facts": "购买的冰箱不制冷，商家拒绝退货。",
        "consent_mediation": True,
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return copy.deepcopy(data)


@pytest.fixture
def make_case_data() -> Callable[..., dict[str, Any]]:
    """The complaint_data builder, as a fixture."""
    return complaint_data


def make_case(
    *,
    name: str = "张三",
    phone: str = "13812346721",
    merchant: str = "茅台镇好又多超市",
    merchant_address: str = "茅台镇新街1号",
    facts: str = "购买的冰箱不制冷",
    received_at: datetime = datetime(2026, 3, 2, 9, 30),
    kind: CaseKind = CaseKind.COMPLAINT,
    channel: Channel = Channel.WALK_IN,
    amount: Decimal | None = None,
    complainants: list[Party] | None = None,
) -> Case:
    """A Case object built directly (no validation), for store-level tests."""
    return Case(
        kind=kind,
        channel=channel,
        received_at=received_at,
        complainants=complainants if complainants is not None else [Party(name=name, phone=phone)],
        merchant=Merchant(name=merchant, address=merchant_address) if merchant else None,
        facts=facts,
        amount=amount,
        request="退货",
    )


def save_case(store: Store, station_code: str = STATION_CODE, **kwargs: Any) -> Case:
    """Build a case with make_case(**kwargs) and add it to the store."""
    return add_case(store, make_case(**kwargs), station_code=station_code, created_by="admin")


def outbox_rows(store: Store, table: str | None = None) -> list[dict[str, Any]]:
    """Outbox entries (optionally of one table) with their JSON decoded."""
    sql = "SELECT * FROM outbox"
    params: tuple = ()
    if table is not None:
        sql += " WHERE table_name = ?"
        params = (table,)
    rows = store.query(sql + " ORDER BY seq", params)
    for row in rows:
        for key in ("new_values", "old_values"):
            if row[key] is not None:
                row[key] = json.loads(row[key])
    return rows


@pytest.fixture
def codes() -> SimpleNamespace:
    """Constants the tests share (valid and invalid identifiers, the station, today)."""
    return SimpleNamespace(
        station=STATION_CODE,
        password=ADMIN_PASSWORD,
        today=TODAY,
        ric=VALID_RIC,
        uscc=VALID_USCC,
        bad_uscc=BAD_CHECKSUM_USCC,
    )


@pytest.fixture
def new_case() -> Callable[..., Case]:
    """make_case as a fixture: a Case object built without validation."""
    return make_case


@pytest.fixture
def add(store: Store, admin: User) -> Callable[..., Case]:
    """Add a case built by make_case(**kwargs) to the initialised station's store."""

    def _add(station_code: str = STATION_CODE, **kwargs: Any) -> Case:
        return save_case(store, station_code, **kwargs)

    return _add


@pytest.fixture
def outbox(store: Store) -> Callable[..., list[dict[str, Any]]]:
    """outbox_rows bound to the store."""

    def _rows(table: str | None = None) -> list[dict[str, Any]]:
        return outbox_rows(store, table)

    return _rows
