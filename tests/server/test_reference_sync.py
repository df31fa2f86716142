"""Reference data published by the city office reaches the stations through a live server: the
acting bodies (`city-server set-reference authority`) take effect at the next sync and print on
the next decision; a station's own value stays only where the city allows an override."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime

import pytest

from city_server import admin
from station_app.city_reference import SOURCE_CITY, SOURCE_STATION
from station_app.document_issuing import issue_document
from station_app.domain import Role, User
from station_app.store.reference_data import reference_document
from station_app.store.station_settings import effective_acting_settings, save_acting_settings
from tests.server.live import ROOT
from tests.server.sync_support import act_on, make_city

pytestmark = pytest.mark.usefixtures("english")

OFFICE = "瑞昌市市场监督管理局码头市场监督管理所"


@pytest.fixture(scope="module")
def backend(sync_backend):
    return sync_backend


def publish(backend, tmp_path, kind: str, document: dict) -> None:
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with backend.engine.begin() as conn:
        admin.set_reference(conn, kind, path)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "decision.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout.replace("\n", "")


def test_a_published_authority_reaches_the_station_and_prints_on_the_next_decision(
    tmp_path, backend, memory_keyring
) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        publish(backend, tmp_path, "authority", {"defaults": {"mediator.kind": "court"}})
    city = make_city(tmp_path, backend)
    try:
        village = city["village_a"]
        store = village.store
        save_acting_settings(
            store,
            {"authority.name": "村里自填的局", "authority.prefix": "自填", "mediator.name": "本站"},
            actor=village.user,
        )
        publish(
            backend,
            tmp_path,
            "authority",
            {
                "defaults": {
                    "authority.name": "瑞昌市市场监督管理局",
                    "court.name": "瑞昌市人民法院",
                },
                "overridable": ["mediator.name"],
                "townships": {
                    city["township"].code: {
                        "values": {"authority.name": OFFICE, "authority.prefix": "瑞市监消"}
                    }
                },
            },  # fmt: skip
        )
        assert village.sync().checksum_ok
        settings = effective_acting_settings(store)
        assert (settings["authority.name"].value, settings["authority.name"].source) == (
            OFFICE,
            SOURCE_CITY,
        )
        assert settings["mediator.name"].source == SOURCE_STATION
        # The city's own station belongs to no township: the city's defaults hold.
        other = city["city"]
        assert other.sync().checksum_ok
        assert effective_acting_settings(other.store)["authority.name"].value == (
            "瑞昌市市场监督管理局"
        )

        case = village.add_case(name="欧阳娜娜", phone="13987654321", merchant="好又多超市")
        act_on(village, case.id, "accept", {"occurred_at": "2026-06-01"})
        issued = issue_document(
            store,
            village.folder,
            case.case_no,
            "acceptance_decision",
            user=User(village.user, "管理员", Role.ADMIN, village.code),
            station_code=village.code,
            now=datetime(2026, 6, 1, 11, 0),
        )
        text = pdf_text(issued.pdf, tmp_path)
        assert OFFICE in text and "村里自填的局" not in text
        assert issued.document.doc_no.startswith("瑞市监消")
    finally:
        for replica in city.values():
            replica.close()


def _abnormal_usccs(store) -> set[str]:
    return {r["uscc"] for r in store.query("SELECT uscc FROM city_abnormal_list")}


def test_entries_and_documents_the_city_removes_disappear_at_the_stations(
    tmp_path, backend, memory_keyring
) -> None:
    """A shop taken off the abnormal list (a document with fewer entries, or none), and a
    reference document the city deletes: gone at the station after its next pull."""
    listed = [
        {"uscc": "91110108551385082Q", "name": "好又多超市", "since": "2026-01-05", "note": ""},
        {"uscc": "91360481MA35XXXX1U", "name": "集群登记网店", "since": "2026-02-01", "note": ""},
    ]
    city = make_city(tmp_path, backend)
    try:
        village, township = city["village_a"], city["township"]
        publish(backend, tmp_path, "abnormal_list", {"entries": listed})
        assert village.sync().checksum_ok and township.sync().checksum_ok
        assert _abnormal_usccs(village.store) == {e["uscc"] for e in listed}
        # One shop taken off the list: the next document names only the other.
        publish(backend, tmp_path, "abnormal_list", {"entries": listed[:1]})
        assert village.sync().checksum_ok
        assert _abnormal_usccs(village.store) == {listed[0]["uscc"]}
        # The list emptied.
        publish(backend, tmp_path, "abnormal_list", {"entries": []})
        assert village.sync().checksum_ok
        assert _abnormal_usccs(village.store) == set()
        assert reference_document(village.store, "abnormal_list") == {"entries": []}
        # A document the city deletes (city-server remove-reference): gone at the stations,
        # with what was unpacked from it, whether they pulled it before or not.
        publish(backend, tmp_path, "abnormal_list", {"entries": listed})
        publish(
            backend,
            tmp_path,
            "categories",
            {"goods": ["城里的商品"], "services": ["城里的服务"], "natures": ["质量"]},
        )
        assert village.sync().checksum_ok
        assert _abnormal_usccs(village.store) == {e["uscc"] for e in listed}
        assert reference_document(village.store, "categories") is not None
        with backend.engine.begin() as conn:
            assert admin.remove_reference(conn, "abnormal_list")
            assert admin.remove_reference(conn, "categories")
            assert not admin.remove_reference(conn, "designations")  # none published
        for replica in (village, township):
            assert replica.sync().checksum_ok
            assert reference_document(replica.store, "abnormal_list") is None
            assert reference_document(replica.store, "categories") is None
            assert _abnormal_usccs(replica.store) == set()
        # A year's holiday schedule taken back.
        holidays = json.loads(
            (ROOT / "resources/reference/holidays/2027.example.json").read_text(encoding="utf-8")
        )
        del holidays["example"], holidays["note"]
        holiday_file = tmp_path / "2027.json"
        holiday_file.write_text(json.dumps(holidays, ensure_ascii=False), encoding="utf-8")
        with backend.engine.begin() as conn:
            admin.set_reference(conn, "holidays", holiday_file)
        assert village.sync().checksum_ok
        years = "SELECT count(*) FROM holiday_schedules WHERE year = 2027"
        assert village.store.scalar(years) == 1
        with backend.engine.begin() as conn:
            assert admin.remove_reference(conn, "holidays", year=2027)
        assert village.sync().checksum_ok
        assert village.store.scalar(years) == 0
        # Published again later: it arrives again.
        publish(backend, tmp_path, "abnormal_list", {"entries": listed[1:]})
        assert village.sync().checksum_ok
        assert _abnormal_usccs(village.store) == {listed[1]["uscc"]}
    finally:
        with backend.engine.begin() as conn:
            admin.remove_reference(conn, "abnormal_list")
            admin.remove_reference(conn, "categories")
        for replica in city.values():
            replica.close()
