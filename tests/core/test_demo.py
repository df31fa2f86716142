"""The demo data set: realistic, valid, searchable, numbered like intake, and never synced."""

from __future__ import annotations

import random
import re
import uuid
from collections import defaultdict
from datetime import date

import pytest
from stdnum.cn import ric, uscc

from station_app.case_json import case_to_dict
from station_app.classification import bundled_classification
from station_app.demo import DEMO_PASSWORD, ensure_demo_station, fill_demo
from station_app.domain import Role, User
from station_app.intake import register_cases
from station_app.store import Store, StoreError, bulk
from station_app.store.accounts import authenticate, local_station
from station_app.store.case_list import CaseFilter, case_ids, search_cases
from station_app.store.cases import get_case
from station_app.validation import Severity, validate_case

CASES = 3000
TODAY = date(2026, 11, 23)


def _new_store(path) -> Store:
    path.mkdir(parents=True, exist_ok=True)
    return Store(path / "station.db", backup_dir=path / "backups")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = _new_store(tmp_path_factory.mktemp("demo"))
    code, _admin = ensure_demo_station(store)
    reported: list[int] = []
    added = fill_demo(store, cases=CASES, station_code=code, seed=7, progress=reported.append)
    assert added == CASES
    assert reported and reported[-1] == CASES and reported == sorted(reported)
    yield store
    store.close()


def _fingerprint(store: Store) -> list[tuple]:
    return [
        tuple(row)
        for row in store.execute(
            "SELECT c.case_no, group_concat(p.name, ','), c.amount_fen, c.merchant_name"
            " FROM cases c JOIN parties p ON p.case_id = c.id GROUP BY c.local_id ORDER BY c.case_no"
        )
    ]


def test_demo_station_is_set_up_once(tmp_path):
    store = _new_store(tmp_path)
    code, admin = ensure_demo_station(store)
    assert code == "RC-MT"
    station = local_station(store)
    assert (station.name, station.level.value, station.parent_code) == (
        "码头镇消费者投诉站",
        "township",
        "RC",
    )
    assert authenticate(store, "admin", DEMO_PASSWORD).role is Role.ADMIN
    again_code, again_admin = ensure_demo_station(store)
    assert again_code == code and again_admin.username == admin.username == "admin"


def test_count_and_numbers_gapless_per_year(demo):
    assert demo.scalar("SELECT count(*) FROM cases WHERE deleted = 0") == CASES
    numbers = [row[0] for row in demo.execute("SELECT case_no FROM cases")]
    assert len(set(numbers)) == CASES
    by_year: dict[int, list[int]] = defaultdict(list)
    for number in numbers:
        match = re.fullmatch(r"RC-MT-(\d{4})-(\d{5})", number)
        assert match, number
        by_year[int(match[1])].append(int(match[2]))
    assert set(by_year) == {2022, 2023, 2024, 2025, 2026}
    counters = dict(
        demo.execute("SELECT year, last_seq FROM case_counters WHERE station_code = 'RC-MT'")
    )
    for year, seqs in by_year.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        assert counters[year] == len(seqs)
    # numbered in order of receipt, as intake would have numbered them
    rows = demo.execute("SELECT case_no, received_at FROM cases ORDER BY local_id").fetchall()
    assert [r[0] for r in sorted(rows, key=lambda r: (r[1][:4], r[0]))] == [
        r[0] for r in sorted(rows, key=lambda r: (r[1], r[0]))
    ]
    assert all(r[1][:4] == r[0][6:10] for r in rows)


def test_identifiers_are_valid(demo):
    ids = [row[0] for row in demo.execute("SELECT id_number FROM parties WHERE id_number != ''")]
    assert len(ids) > CASES * 0.1
    assert all(ric.is_valid(number) for number in ids)
    genders = demo.execute("SELECT id_number, gender FROM parties WHERE id_number != ''").fetchall()
    assert all((int(n[16]) % 2 == 1) == (g == "male") for n, g in genders)
    births = [ric.get_birth_date(n) for n in ids]
    assert min(births) >= date(1940, 1, 1) and max(births) <= date(2005, 12, 31)

    codes = [row[0] for row in demo.execute("SELECT uscc FROM merchants WHERE uscc != ''")]
    assert codes and all(uscc.is_valid(code) for code in codes)
    without = demo.scalar("SELECT count(*) FROM merchants WHERE uscc = ''")
    assert 0 < without < len(codes)

    for table in ("cases", "parties", "merchants"):
        for (value,) in demo.execute(f"SELECT id FROM {table} LIMIT 200"):
            assert uuid.UUID(value).version == 7


def test_people_and_merchants_look_real(demo):
    names = [row[0] for row in demo.execute("SELECT name FROM parties")]
    short = sum(1 for n in names if 2 <= len(n) <= 3)
    assert short / len(names) > 0.97
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", n) for n in names)
    phones = [row[0] for row in demo.execute("SELECT phone FROM parties WHERE phone != ''")]
    assert all(re.fullmatch(r"1[3-9]\d{9}|0792-\d{7}", p) for p in phones)
    assert any(p.startswith("0792-") for p in phones)
    kinds = dict(demo.execute("SELECT kind, count(*) FROM cases GROUP BY kind"))
    assert kinds["complaint"] > kinds["report"] > 0 and kinds["consultation"] > 0
    transfers = demo.execute(
        "SELECT work_order_no, work_order_due, received_at FROM cases"
        " WHERE channel = 'transfer_12345'"
    ).fetchall()
    assert transfers and all(no and due >= received[:10] for no, due, received in transfers)
    online = demo.execute(
        "SELECT platform, shop_url, cluster_registered FROM merchants WHERE platform != ''"
    ).fetchall()
    assert online and all(url.startswith("https://") for _p, url, _c in online)
    assert any(cluster for _p, _u, cluster in online)
    joint = demo.scalar(
        "SELECT count(*) FROM (SELECT case_id FROM parties WHERE role = 'complainant'"
        " GROUP BY case_id HAVING count(*) > 1)"
    )
    assert joint > 0


def test_amounts_and_dates(demo):
    assert demo.scalar("SELECT count(*) FROM cases WHERE amount_fen < 0") == 0
    amounts = [row[0] for row in demo.execute("SELECT amount_fen FROM cases WHERE amount_fen > 0")]
    in_range = sum(1 for fen in amounts if 50_00 <= fen <= 5000_00)
    assert in_range / len(amounts) > 0.5
    assert max(amounts) > 10_000_00  # a long tail
    late = demo.scalar(
        "SELECT count(*) FROM cases WHERE purchase_date IS NOT NULL"
        " AND purchase_date > substr(received_at, 1, 10)"
    )
    assert late == 0
    first, last = demo.execute("SELECT min(received_at), max(received_at) FROM cases").fetchone()
    assert first.startswith("2022") and last.startswith("2026")


def test_generated_cases_pass_intake_validation(demo):
    classification = bundled_classification()
    numbers = [
        row[0] for row in demo.execute("SELECT case_no FROM cases ORDER BY random() LIMIT 300")
    ]
    for number in numbers:
        data = case_to_dict(get_case(demo, number), reveal=True)
        errors = [
            p
            for p in validate_case(data, today=TODAY, classification=classification)
            if p.severity is Severity.ERROR
        ]
        assert not errors, (number, errors)


def test_search_finds_generated_names_and_phone_tails(demo):
    rng = random.Random(3)
    max_id = demo.scalar("SELECT max(local_id) FROM cases")
    for _ in range(25):
        local_id = rng.randrange(1, max_id + 1)
        name, phone = demo.execute(
            "SELECT p.name, p.phone FROM parties p JOIN cases c ON c.id = p.case_id"
            " WHERE c.local_id = ? AND p.role = 'complainant' ORDER BY p.position LIMIT 1",
            (local_id,),
        ).fetchone()
        query = f"{name} {phone[-4:]}" if phone else name
        found = [row.local_id for row in search_cases(demo, query, limit=50)]
        assert local_id in found or len(found) == 50, query
        assert local_id in case_ids(demo, CaseFilter(text=query)), query
        if phone:
            assert local_id in case_ids(demo, CaseFilter(text=phone[-4:]))


def test_demo_rows_never_reach_the_outbox(demo):
    demo_rows = demo.scalar(
        "SELECT count(*) FROM outbox WHERE table_name IN ('cases', 'parties', 'merchants')"
    )
    assert demo_rows == 0
    assert demo.get_setting("demo_data") == "1"
    for table in ("cases", "parties", "merchants"):
        assert demo.scalar(f"SELECT count(*) FROM {table} WHERE demo = 0") == 0
    # The load wrote no audit rows either, and left nothing to resume.
    assert demo.scalar("SELECT count(*) FROM audit_log") == 0
    assert demo.get_setting("demo_load") is None


def test_later_changes_of_demo_rows_are_never_queued(tmp_path):
    """A clerk trying the app out edits a demo case, records a step, adds a member: none of it
    may reach the city office, whatever path writes it; a real case saved next to them is
    queued as usual."""
    with _new_store(tmp_path) as store:
        code, admin = ensure_demo_station(store)
        fill_demo(store, cases=50, station_code=code, seed=3)
        before = store.scalar("SELECT count(*) FROM outbox")
        number = store.scalar(
            "SELECT case_no FROM cases WHERE kind = 'complaint' AND received_at < '2026-05-01'"
            " ORDER BY received_at DESC LIMIT 1"
        )
        case = get_case(store, number)
        with store.transaction(actor="admin"):
            store.execute("UPDATE cases SET facts = '演示' WHERE id = ?", (case.id,))
            store.execute("UPDATE parties SET phone = '13900000000' WHERE case_id = ?", (case.id,))
            store.execute("UPDATE merchants SET phone = '1' WHERE id = ?", (case.merchant.id,))
        from tests.core.workflow_helpers import do

        # the demo case has its history (most old cases are closed); a note is always possible
        do(
            store,
            case,
            "note",
            {"note": "试用", "occurred_at": "2026-05-05"},
            user=admin,
            station=code,
        )
        assert store.scalar("SELECT count(*) FROM outbox") == before
        # Audited all the same, and found by search under the new facts.
        assert store.scalar("SELECT count(*) FROM audit_log WHERE case_id = ?", (case.id,)) > 0
        assert case.case_no in [r.case_no for r in search_cases(store, "演示")]
        # Nobody can take the demo mark off a row to have it queued.
        with pytest.raises(Exception, match="demo mark"):
            store.execute("UPDATE cases SET demo = 0 WHERE id = ?", (case.id,))
        saved = register_cases(
            store,
            [
                {
                    "kind": "consultation",
                    "channel": "phone",
                    "received_at": "2026-11-20 10:00",
                    "complainants": [{"name": "柯秀英", "phone": "13907921234"}],
                    "facts": "咨询。",
                }
            ],
            user=admin,
            station_code=code,
            today=TODAY,
        )
        queued = {
            r[0] for r in store.execute("SELECT row_id FROM outbox WHERE table_name = 'cases'")
        }
        assert queued == {saved[0].id}


def test_the_demo_has_registry_and_supervision_work_that_stays_on_the_pc(demo):
    from station_app.abnormal_proposals import abnormal_list_proposals
    from station_app.statistics import Period, Scope, compute_figures

    assert demo.scalar("SELECT count(*) FROM merchants WHERE designations != '[]'") > 0
    listed = demo.scalar("SELECT count(*) FROM merchants WHERE abnormal_listed = 1")
    assert listed > 0
    assert (
        demo.scalar(
            "SELECT count(*) FROM merchants WHERE abnormal_listed = 1 AND cluster_registered = 0"
        )
        == 0
    )
    results = dict(
        demo.execute(
            "SELECT json_extract(details, '$.contact_result'), count(*) FROM case_events"
            " WHERE action = 'contact' GROUP BY 1"
        ).fetchall()
    )
    assert results.get("unreachable", 0) > 0 and results.get("reached", 0) > 0
    proposals = abnormal_list_proposals(demo)
    assert proposals and all(p.cluster_registered or p.same_address > 1 for p in proposals)
    records = demo.scalar("SELECT count(*) FROM supervision_records")
    assert records > 30
    assert demo.scalar("SELECT count(*) FROM supervision_records WHERE demo = 0") == 0
    assert (
        demo.scalar(
            "SELECT count(*) FROM outbox WHERE table_name IN ('supervision_records', 'case_events')"
        )
        == 0
    )
    today = date.today()
    figures = compute_figures(
        demo, Period(today.replace(year=today.year - 2), today), scope=Scope.STATION,
        station_code="RC-MT", as_of=today,
    )  # fmt: skip
    assert sum(figures.supervision_done.values()) == records
    # Added once: a later fill adds cases, not a second set of registry work.
    from station_app.demo_registry import add_demo_registry_work

    assert not add_demo_registry_work(demo, station_code="RC-MT", seed=8, actor="demo")
    assert demo.scalar("SELECT count(*) FROM supervision_records") == records


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    prints = []
    for seed, folder in ((11, "a"), (11, "b"), (12, "c")):
        path = tmp_path / folder
        path.mkdir()
        with _new_store(path) as store:
            code, _ = ensure_demo_station(store)
            fill_demo(store, cases=400, station_code=code, seed=seed)
            prints.append(_fingerprint(store))
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


def test_second_fill_and_intake_continue_the_numbers(tmp_path):
    with _new_store(tmp_path) as store:
        code, admin = ensure_demo_station(store)
        fill_demo(store, cases=300, station_code=code, seed=1)
        fill_demo(store, cases=300, station_code=code, seed=1)
        counts = dict(store.execute("SELECT year, last_seq FROM case_counters"))
        per_year = dict(
            store.execute("SELECT substr(case_no, 7, 4) + 0, count(*) FROM cases GROUP BY 1")
        )
        assert counts == per_year and sum(counts.values()) == 600
        saved = register_cases(
            store,
            [
                {
                    "kind": "consultation",
                    "channel": "phone",
                    "received_at": "2026-11-20 10:00",
                    "complainants": [{"name": "柯秀英", "phone": "13907921234"}],
                    "facts": "咨询预付卡退费。",
                }
            ],
            user=admin,
            station_code=code,
            today=TODAY,
        )
        assert saved[0].case_no == f"RC-MT-2026-{counts[2026] + 1:05d}"
        # a case saved the normal way after the demo is captured for sync again
        assert store.scalar("SELECT count(*) FROM outbox WHERE row_id = ?", (saved[0].id,)) == 1


def test_an_interrupted_load_is_resumed_exactly(tmp_path):
    """A load stopped after its merchants, and one stopped between batches, are finished by
    the next call exactly as an uninterrupted load would have written them."""
    import station_app.demo as demo_module

    with _new_store(tmp_path / "whole") as whole:
        code, _ = ensure_demo_station(whole)
        fill_demo(whole, cases=700, station_code=code, seed=5)
        expected = _fingerprint(whole)
    for stop_after in (0, 1):
        path = tmp_path / f"stopped-{stop_after}"
        with _new_store(path) as store:
            code, _ = ensure_demo_station(store)
            original = demo_module.BATCH_SIZE
            demo_module.BATCH_SIZE = 300
            try:
                if stop_after == 0:
                    real_batch = bulk.insert_case_batch
                    bulk.insert_case_batch = _raise_keyboard_interrupt
                    try:
                        with pytest.raises(KeyboardInterrupt):
                            fill_demo(store, cases=700, station_code=code, seed=5)
                    finally:
                        bulk.insert_case_batch = real_batch
                    assert store.scalar("SELECT count(*) FROM cases") == 0
                    assert store.scalar("SELECT count(*) FROM merchants") > 0
                else:
                    with pytest.raises(KeyboardInterrupt):
                        fill_demo(
                            store,
                            cases=700,
                            station_code=code,
                            seed=5,
                            progress=_raise_keyboard_interrupt,
                        )
                    assert store.scalar("SELECT count(*) FROM cases") == 300
                assert store.get_setting("demo_load") is not None
                # Another call (other arguments) finishes the interrupted load instead.
                added = fill_demo(store, cases=99, station_code=code, seed=1)
            finally:
                demo_module.BATCH_SIZE = original
            assert added == 700 - 300 * stop_after
            assert store.get_setting("demo_load") is None
            assert _fingerprint(store) == expected
            assert store.scalar("SELECT count(*) FROM outbox WHERE table_name = 'cases'") == 0


def _raise_keyboard_interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def test_refuses_a_database_with_real_cases(tmp_path):
    with _new_store(tmp_path) as store:
        code, admin = ensure_demo_station(store)
        clerk = User(username="clerk", display_name="clerk", role=Role.CLERK, station_code=code)
        register_cases(
            store,
            [
                {
                    "kind": "consultation",
                    "channel": "phone",
                    "received_at": "2026-11-20 10:00",
                    "complainants": [{"name": "张三", "phone": "13907921234"}],
                    "facts": "咨询。",
                }
            ],
            user=clerk,
            station_code=code,
            today=TODAY,
        )
        with pytest.raises(StoreError):
            fill_demo(store, cases=10, station_code=code)
        assert store.scalar("SELECT count(*) FROM cases") == 1
        assert store.get_setting("demo_data") is None


def test_a_real_case_never_points_at_a_demo_merchant(tmp_path):
    from station_app.domain import Merchant
    from station_app.store.merchants import resolve_merchant

    with _new_store(tmp_path) as store:
        code, _admin = ensure_demo_station(store)
        fill_demo(store, cases=50, station_code=code, seed=3)
        row = store.query("SELECT id, name, uscc, address FROM merchants WHERE uscc != '' LIMIT 1")[
            0
        ]
        with store.transaction():
            for given in (
                Merchant(id=row["id"], name=row["name"]),
                Merchant(name=row["name"], uscc=row["uscc"]),
                Merchant(name=row["name"], address=row["address"]),
            ):
                found = resolve_merchant(store, given, code)
                assert found.id != row["id"]
        real = {r["id"] for r in store.query("SELECT id FROM merchants WHERE demo = 0")}
        assert real  # registered as real merchants, queued like any real row
        queued = store.query("SELECT row_id FROM outbox WHERE table_name = 'merchants'")
        assert {q["row_id"] for q in queued} == real
