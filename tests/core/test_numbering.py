"""Case numbers: <station>-<year>-<sequence>, per station and year, gapless, made offline."""

from __future__ import annotations

from datetime import datetime

import pytest

from station_app.intake import IntakeRejected, register_cases
from station_app.numbering import CASE_NO_PATTERN, format_case_no, is_valid_station_code
from station_app.store.case_list import count_cases
from station_app.store.cases import allocate_case_no, get_case


def _counter(store, station="RC-MT", year=2026):
    return store.scalar(
        "SELECT last_seq FROM case_counters WHERE station_code = ? AND year = ?", (station, year)
    )


# --------------------------------------------------------------------------- format


@pytest.mark.parametrize(
    ("station", "year", "seq", "expected"),
    [
        ("RC-MT", 2026, 17, "RC-MT-2026-00017"),
        ("RC-MT", 2026, 1, "RC-MT-2026-00001"),
        ("RC", 2027, 99999, "RC-2027-99999"),
        ("RC-MT-V01", 2026, 100000, "RC-MT-V01-2026-100000"),
        ("RC-MT", 2026, 1234567, "RC-MT-2026-1234567"),
    ],
)
def test_format_case_no(station, year, seq, expected):
    number = format_case_no(station, year, seq)
    assert number == expected
    match = CASE_NO_PATTERN.match(number)
    assert match is not None
    assert match["station"] == station
    assert int(match["year"]) == year
    assert int(match["seq"]) == seq


@pytest.mark.parametrize(
    "text",
    [
        "RC-MT-2026-0017",
        "rc-mt-2026-00017",
        "RC-MT-26-00017",
        "2026-00017",
        "RC-MT-2026-",
        "RC-MT-2026-00017\n",
    ],
)
def test_case_no_pattern_rejects_malformed_numbers(text):
    assert CASE_NO_PATTERN.fullmatch(text) is None


@pytest.mark.parametrize(
    "code", ["RC-MT", "RC", "A", "RC-MT-V01", "A1-B2-C3-D4", "ABCDEFGH", "RC-12345", "RC-123"]
)
def test_valid_station_codes(code):
    assert is_valid_station_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "rc-mt",
        "Rc-MT",
        "RC_MT",
        "RC MT",
        "RC--MT",
        "-RC",
        "RC-",
        "ABCDEFGHI",  # a part longer than 8
        "A-B-C-D-E",  # five parts
        "RC-2026",  # ends like a year: RC-2026-2026-00001 would read badly
        "RC-MT-2026",
        "茅台",
        "RC-MT\n",
    ],
)
def test_invalid_station_codes(code):
    assert not is_valid_station_code(code)


# --------------------------------------------------------------------------- sequence


def test_sequence_is_per_station_and_per_year(store, add):
    assert add().case_no == "RC-MT-2026-00001"
    assert add().case_no == "RC-MT-2026-00002"
    assert add(received_at=datetime(2025, 12, 31, 23, 59)).case_no == "RC-MT-2025-00001"
    assert add(station_code="RC-MT-V01").case_no == "RC-MT-V01-2026-00001"
    assert add().case_no == "RC-MT-2026-00003"
    assert add(received_at=datetime(2027, 1, 1, 0, 0)).case_no == "RC-MT-2027-00001"
    assert add(station_code="RC-MT-V01").case_no == "RC-MT-V01-2026-00002"
    assert add(received_at=datetime(2025, 6, 1, 8, 0)).case_no == "RC-MT-2025-00002"
    assert _counter(store) == 3
    assert _counter(store, year=2025) == 2
    assert _counter(store, "RC-MT-V01") == 2
    numbers = [r["case_no"] for r in store.query("SELECT case_no FROM cases")]
    assert len(numbers) == len(set(numbers)) == 8


def test_year_comes_from_when_the_case_was_received(store, add):
    """A case entered on 2 January about a call on 31 December belongs to the old year."""
    case = add(received_at=datetime(2025, 12, 31, 18, 0))
    assert case.case_no.startswith("RC-MT-2025-")


def test_allocate_outside_a_committed_transaction_is_rolled_back(store, admin):
    with pytest.raises(RuntimeError), store.transaction():
        assert allocate_case_no(store, "RC-MT", 2026) == "RC-MT-2026-00001"
        assert allocate_case_no(store, "RC-MT", 2026) == "RC-MT-2026-00002"
        raise RuntimeError("the save failed")
    assert _counter(store) is None
    with store.transaction():
        assert allocate_case_no(store, "RC-MT", 2026) == "RC-MT-2026-00001"


def test_sequence_widens_past_99999(store, add):
    store.execute("INSERT INTO case_counters VALUES ('RC-MT', 2026, 99998)")
    assert add().case_no == "RC-MT-2026-99999"
    wide = add()
    assert wide.case_no == "RC-MT-2026-100000"
    assert add().case_no == "RC-MT-2026-100001"
    assert get_case(store, "RC-MT-2026-100000").id == wide.id
    assert CASE_NO_PATTERN.match(wide.case_no)["seq"] == "100000"


def test_rejected_batch_saves_nothing_and_consumes_no_number(store, admin, make_case_data, codes):
    good = make_case_data()
    bad = make_case_data(merchant={"name": ""}, request="")
    with pytest.raises(IntakeRejected) as caught:
        register_cases(
            store, [good, bad, good], user=admin, station_code="RC-MT", today=codes.today
        )
    assert set(caught.value.problems) == {1}
    assert count_cases(store) == 0
    assert _counter(store) is None
    assert store.scalar("SELECT count(*) FROM merchants") == 0
    assert (
        store.scalar(
            "SELECT count(*) FROM outbox WHERE table_name != 'stations' AND table_name != 'users'"
        )
        == 0
    )

    saved = register_cases(store, [good, good], user=admin, station_code="RC-MT", today=codes.today)
    assert [c.case_no for c in saved] == ["RC-MT-2026-00001", "RC-MT-2026-00002"]


def test_batch_failing_while_saving_consumes_no_number(store, admin, make_case_data, codes):
    """Validation passed, but the disk filled up during the save: the whole batch is undone."""
    from station_app.store.connection import StoreError

    register_cases(store, [make_case_data()], user=admin, station_code="RC-MT", today=codes.today)
    pages = store.scalar("PRAGMA page_count")
    store.execute(f"PRAGMA max_page_count = {pages}")
    batch = [make_case_data(facts="冰箱不制冷" * 4000) for _ in range(3)]
    with pytest.raises(StoreError):
        register_cases(store, batch, user=admin, station_code="RC-MT", today=codes.today)
    assert count_cases(store) == 1
    assert _counter(store) == 1
    store.execute("PRAGMA max_page_count = 1073741823")
    saved = register_cases(store, batch, user=admin, station_code="RC-MT", today=codes.today)
    assert [c.case_no for c in saved] == [
        "RC-MT-2026-00002",
        "RC-MT-2026-00003",
        "RC-MT-2026-00004",
    ]


def test_numbers_never_reused_after_a_deletion(store, add):
    from station_app.store.cases import delete_case

    first = add()
    delete_case(store, first.id)
    assert add().case_no == "RC-MT-2026-00002"
