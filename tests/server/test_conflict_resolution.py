"""A conflict resolved at the owner station travels (protocol 3): the city server closes its
record of the conflict (only the record's owner may), the city's list shows it resolved, and
the information-only notice at the station whose value lost closes when it pulls the
resolution. After an escalation the new owner reviews, and its review closes the old
owner's copy."""

from __future__ import annotations

import json

import pytest

from station_app.domain import Role, User
from station_app.ids import new_id, utc_now
from station_app.store.sync_review import KEEP_LOCAL, KEEP_REMOTE, open_conflicts, resolve_conflict
from station_app.sync.engine import sync_status
from tests.server.live import count_rows
from tests.server.sync_support import act_on, make_city

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(scope="module")
def backend(sync_backend):
    """This module's own city server (see sync_support.sync_backend)."""
    return sync_backend


@pytest.fixture
def city(tmp_path, backend, memory_keyring):
    replicas = make_city(tmp_path, backend)
    yield replicas
    for replica in replicas.values():
        replica.close()


def _facts(replica, case_id: str) -> str:
    return replica.store.scalar("SELECT facts FROM cases WHERE id = ?", (case_id,))


def _open_on_server(backend, case_id: str) -> int:
    return count_rows(
        backend.engine,
        "SELECT count(*) FROM conflicts WHERE row_id = :r AND resolved_at IS NULL",
        r=case_id,
    )


def _mine(replica, case_id: str):
    return [c for c in open_conflicts(replica.store) if c.row_id == case_id]


def _lose_to_the_village(village, township, case_id: str) -> None:
    """The village (the owner) and its township change the facts offline; the village
    syncs first, so the township's value loses on the server."""
    village.edit("cases", case_id, facts="村的版本")
    township.edit("cases", case_id, facts="乡镇的版本")
    village.sync()
    assert township.sync().conflicts >= 1
    village.sync()  # the owner reads the conflict from the server's list


def test_a_conflict_resolved_at_the_owner_is_closed_on_the_server_and_at_the_other_station(
    city, backend
) -> None:
    village, township, city_station = city["village_a"], city["township"], city["city"]
    case = village.add_case(facts="原事实")
    village.sync()
    township.sync()
    _lose_to_the_village(village, township, case.id)
    notices = _mine(township, case.id)
    assert notices and not any(c.reviewable for c in notices)
    [review] = _mine(village, case.id)
    assert review.reviewable and review.remote_value == "乡镇的版本"
    assert _open_on_server(backend, case.id) == 1

    # A station that does not own the case cannot close the conflict, not even the city: its
    # resolution is set aside with the reason, and the conflict stays open.
    with city_station.store.transaction(city_station.user):
        now = utc_now()
        city_station.store.execute(
            "INSERT INTO conflict_resolutions(id, table_name, row_id, field, case_id,"
            " lost_station, lost_value, kept_station, chosen_value, resolved_by,"
            " owner_station, created_at, updated_at)"
            " VALUES (?, 'cases', ?, 'facts', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new_id(),
                case.id,
                case.id,
                township.code,
                json.dumps("乡镇的版本", ensure_ascii=False),
                village.code,
                json.dumps("乡镇的版本", ensure_ascii=False),
                city_station.user,
                city_station.code,
                now,
                now,
            ),
        )
    assert city_station.sync().set_aside == 1
    [reason] = city_station.store.query(
        "SELECT reason FROM sync_rejected WHERE table_name = 'conflict_resolutions'"
    )
    assert f"only the owner station {village.code}" in reason["reason"]
    assert _open_on_server(backend, case.id) == 1

    # The owner keeps the township's value: the value and the review both travel.
    assert resolve_conflict(village.store, review.conflict_id, KEEP_REMOTE, actor=village.user)
    assert sync_status(village.store).conflicts == 0
    queued = village.store.scalar(
        "SELECT count(*) FROM outbox WHERE table_name = 'conflict_resolutions'"
    )
    assert queued == 1
    assert village.sync().set_aside == 0
    assert _open_on_server(backend, case.id) == 0
    resolved_by = count_rows(
        backend.engine,
        "SELECT count(*) FROM conflicts WHERE row_id = :r AND resolved_by = :s",
        r=case.id,
        s=village.code,
    )
    assert resolved_by == 1
    # The city's view of it: resolved.
    listed = city_station.connect().transport.conflicts(0, 1000)
    assert [c["resolved"] for c in listed if c["row_id"] == case.id] == [True]

    # The notice at the township closes when it pulls the review; everyone has the value.
    assert township.sync().checksum_ok
    assert _mine(township, case.id) == []
    closed = township.store.query(
        "SELECT resolution_id FROM sync_conflicts WHERE row_id = ? AND resolved = 1", (case.id,)
    )
    assert closed and all(r["resolution_id"] for r in closed)
    assert city_station.sync().checksum_ok and village.sync().checksum_ok
    for replica in (village, township, city_station):
        assert _facts(replica, case.id) == "乡镇的版本", replica.name
        assert replica.store.scalar(
            "SELECT count(*) FROM conflict_resolutions WHERE row_id = ?", (case.id,)
        ) == (2 if replica is city_station else 1)


def test_after_an_escalation_the_new_owner_reviews_and_closes_the_old_owners_copy(
    city, backend
) -> None:
    village, township = city["village_a"], city["township"]
    case = village.add_case(facts="原事实")
    village.sync()
    township.sync()
    _lose_to_the_village(village, township, case.id)
    assert sync_status(township.store).conflicts == 0
    assert sync_status(village.store).conflicts == 1

    # Escalated before the village reviewed: the township's notice becomes its to review.
    act_on(village, case.id, "escalate", {"to_station": township.code, "reason": "案情重大"})
    assert village.sync().set_aside == 0
    township.sync()
    assert sync_status(township.store).conflicts == 1
    assert sync_status(village.store).conflicts == 0
    [review] = [c for c in _mine(township, case.id) if c.reviewable]
    assert review.local_value == "乡镇的版本"

    # The township keeps its own value (the one that lost on the server).
    assert resolve_conflict(township.store, review.conflict_id, KEEP_LOCAL, actor=township.user)
    assert township.sync().set_aside == 0
    assert _open_on_server(backend, case.id) == 0
    # The village's copy (for information since the escalation) closes at its next pull.
    assert _mine(village, case.id)
    assert village.sync().checksum_ok
    assert _mine(village, case.id) == []
    assert _facts(village, case.id) == _facts(township, case.id) == "乡镇的版本"


def test_a_conflict_between_two_other_stations_on_its_case_is_reviewed_at_the_owner(
    city, backend
) -> None:
    """The township and the city both change a village's case offline; the township's value
    reaches the server first, so the city's loses there, to a value that is not the owner's.
    The village (the owner) still gets the conflict to review, and its choice travels."""
    village, township, city_station = city["village_a"], city["township"], city["city"]
    case = village.add_case(facts="原事实")
    for replica in (village, township, city_station):
        replica.sync()
    township.edit("cases", case.id, facts="乡镇的版本")
    city_station.edit("cases", case.id, facts="市里的版本")
    township.sync()
    assert city_station.sync().conflicts == 1
    assert _open_on_server(backend, case.id) == 1
    [notice] = _mine(city_station, case.id)
    assert not notice.reviewable

    village.sync()
    [review] = _mine(village, case.id)
    assert review.reviewable
    assert (review.local_value, review.remote_value) == ("乡镇的版本", "市里的版本")
    assert review.remote_station == city_station.code
    assert sync_status(village.store).conflicts == 1
    # Neither other station reviews it.
    assert sync_status(township.store).conflicts == 0
    assert sync_status(city_station.store).conflicts == 0

    assert resolve_conflict(village.store, review.conflict_id, KEEP_REMOTE, actor=village.user)
    assert village.sync().set_aside == 0
    assert _open_on_server(backend, case.id) == 0
    for replica in (township, city_station, village):
        assert replica.sync().checksum_ok, replica.name
        assert _facts(replica, case.id) == "市里的版本", replica.name
    assert _mine(city_station, case.id) == []


def test_the_review_of_a_city_wide_record_reaches_a_station_outside_the_owners_scope(
    city, backend
) -> None:
    """A merchant (the city-wide registry, written by every station) belongs to the station
    that registered it; another village's lost value is reviewed there, and the review is
    public like the merchant, so it reaches that village too."""
    village, other = city["village_a"], city["village_b"]
    case = village.add_case(merchant="好又多超市")
    merchant_id = village.store.scalar("SELECT merchant_id FROM cases WHERE id = ?", (case.id,))
    village.sync()
    other.sync()
    village.edit("merchants", merchant_id, address="码头镇老街1号")
    other.edit("merchants", merchant_id, address="码头镇新街2号")
    village.sync()
    assert other.sync().conflicts == 1
    [notice] = [c for c in open_conflicts(other.store) if c.row_id == merchant_id]
    assert not notice.reviewable and notice.local_value == "码头镇新街2号"
    village.sync()
    [review] = [c for c in open_conflicts(village.store) if c.row_id == merchant_id]
    assert review.reviewable and review.remote_station == other.code
    # Keeping the value in effect writes only the review, which travels all the same.
    assert not resolve_conflict(village.store, review.conflict_id, KEEP_LOCAL, actor=village.user)
    assert village.sync().set_aside == 0
    assert _open_on_server(backend, merchant_id) == 0
    assert other.sync().checksum_ok
    assert [c for c in open_conflicts(other.store) if c.row_id == merchant_id] == []
    for replica in city.values():
        assert replica.sync().checksum_ok, replica.name
        address = replica.store.scalar("SELECT address FROM merchants WHERE id = ?", (merchant_id,))
        assert address == "码头镇老街1号", replica.name


def test_a_review_and_a_removed_reference_document_travel_by_usb_bundle(
    city, backend, tmp_path
) -> None:
    """Offline both ways: the owner's review reaches the city office in the station's bundle,
    and the city's bundle for the township closes the township's notice and takes back a
    reference document the city deleted."""
    from city_server import admin
    from station_app.store import sync_state
    from station_app.store.reference_data import reference_document
    from station_app.sync import bundles

    village, township = city["village_a"], city["township"]
    case = village.add_case(facts="原事实")
    village.sync()
    path = tmp_path / "abnormal.json"
    path.write_text('{"entries": [{"uscc": "91110108551385082Q", "name": "好又多超市"}]}')
    with backend.engine.begin() as conn:
        admin.set_reference(conn, "abnormal_list", path)
    township.sync()
    assert reference_document(township.store, "abnormal_list") is not None
    _lose_to_the_village(village, township, case.id)
    [review] = _mine(village, case.id)
    resolve_conflict(village.store, review.conflict_id, KEEP_REMOTE, actor=village.user)

    to_city = tmp_path / "to-city.bundle"
    bundles.export_bundle(
        village.store,
        village.folder,
        to_city,
        exported_by=User(village.user, "管理员", Role.ADMIN, village.code),
    )
    with backend.engine.begin() as conn:
        assert admin.import_bundle(conn, to_city.read_bytes())["rejected"] == 0
        assert admin.remove_reference(conn, "abnormal_list")
    assert _open_on_server(backend, case.id) == 0

    cursor = int(sync_state.get_state(township.store, sync_state.CURSOR, "0"))
    with backend.engine.begin() as conn:
        back = admin.export_bundle(conn, township.code, cursor)
    to_township = tmp_path / "to-township.bundle"
    to_township.write_bytes(back)
    bundles.import_bundle(township.store, township.folder, to_township)
    assert _mine(township, case.id) == []
    assert _facts(township, case.id) == "乡镇的版本"
    assert reference_document(township.store, "abnormal_list") is None
    assert township.store.scalar("SELECT count(*) FROM city_abnormal_list") == 0
