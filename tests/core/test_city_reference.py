"""Reference data from the city office at the station: the authority document's format and
resolution per township and station, the effective settings with their sources, overrides only
where the city allows, and documents kept by the store whichever way a row arrives."""

from __future__ import annotations

import json

import pytest

from station_app.city_reference import (
    SOURCE_CITY,
    SOURCE_STATION,
    SOURCE_UNSET,
    authority_problems,
    city_authority,
    effective_settings,
    reference_problems,
)
from station_app.safe_input import InputRejected
from station_app.store import sync_state
from station_app.store.reference_data import reference_document
from station_app.store.station_settings import (
    effective_acting_settings,
    load_acting_bodies,
    save_acting_settings,
)

BUREAU = "瑞昌市市场监督管理局"
OFFICE = "瑞昌市市场监督管理局码头市场监督管理所"

AUTHORITY = {
    "defaults": {
        "authority.name": BUREAU,
        "authority.prefix": "瑞市监消",
        "mediator.kind": "consumer_association",
        "court.name": "瑞昌市人民法院",
    },
    "overridable": ["mediator.name", "prefix.*"],
    "townships": {"RC-MT": {"values": {"authority.name": OFFICE}}},
    "stations": {
        "RC-MT-XC": {"values": {"mediator.name": "下畈村消费维权站"}, "overridable": ["*"]}
    },
}


def pull_reference(store, kind: str, content, *, row_id: str | None = None, op="insert") -> None:
    """A reference_data row as the sync engine hands a pulled page to the store."""
    fields = {"kind": kind, "content": json.dumps(content, ensure_ascii=False)}
    if op == "update":
        fields = {"content": fields["content"], "updated_at": "2026-12-01T00:00:00Z"}
    cursor = int(sync_state.get_state(store, sync_state.CURSOR, "0")) + 1
    sync_state.apply_page(
        store, [], cursor=cursor, foreign=[("reference_data", row_id or f"ref-{kind}", fields)]
    )


def test_the_city_value_comes_from_the_most_specific_entry() -> None:
    assert authority_problems(AUTHORITY) == []
    village = city_authority(AUTHORITY, "RC-MT-DC", "RC-MT")
    assert village.values["authority.name"] == OFFICE
    assert village.values["court.name"] == "瑞昌市人民法院"
    assert village.allows_override("prefix.mediation_agreement")
    assert not village.allows_override("authority.name")
    township = city_authority(AUTHORITY, "RC-MT", "RC")
    assert township.values["authority.name"] == OFFICE
    other = city_authority(AUTHORITY, "RC-FX", "RC")
    assert other.values["authority.name"] == BUREAU
    own_entry = city_authority(AUTHORITY, "RC-MT-XC", "RC-MT")
    assert own_entry.values["mediator.name"] == "下畈村消费维权站"
    assert own_entry.allows_override("authority.name")  # its own entry allows every key


def test_effective_settings_station_override_only_where_allowed() -> None:
    city = city_authority(AUTHORITY, "RC-MT-DC", "RC-MT")
    own = {"authority.name": "某村", "mediator.name": "东村调解站", "prefix.notice": "东调"}
    got = effective_settings(own, city)
    assert (got["authority.name"].value, got["authority.name"].source) == (OFFICE, SOURCE_CITY)
    assert got["authority.name"].locked and got["authority.name"].station_value == "某村"
    assert (got["mediator.name"].value, got["mediator.name"].source) == (
        "东村调解站",
        SOURCE_STATION,
    )
    assert got["prefix.notice"].source == SOURCE_STATION
    assert got["mediator.kind"].value == "consumer_association"
    assert effective_settings({}, None)["court.name"].source == SOURCE_UNSET
    # An empty city value sets nothing: the station's own holds and may be changed.
    blank = city_authority({"defaults": {"court.name": " "}}, "RC-MT-DC", "RC-MT")
    court = effective_settings({"court.name": "本地法院"}, blank)["court.name"]
    assert (court.value, court.source, court.locked) == ("本地法院", SOURCE_STATION, False)


@pytest.mark.parametrize(
    ("kind", "document", "words"),
    [
        ("authority", {"defaults": {"authority.nmae": "x"}}, "Unknown setting"),
        ("authority", {"defaults": {"mediator.kind": "court"}}, "must be one of"),
        ("authority", {"overridable": ["nothing"]}, "names no setting"),
        ("authority", {"stations": {"A": {"value": {}}}}, "must be"),
        ("authority", {"defaults": {"authority.name": "局" * 500}}, "500 characters"),
        ("categories", {"goods": ["食品类"], "services": []}, "services must be"),
        ("abnormal_list", {"entries": [{"note": "x"}]}, "credit code"),
        ("abnormal_list", {"entries": [{"uscc": "X", "since": "15/3"}]}, "not a date"),
        (
            "designations",
            {"entries": [{"name": "店", "kind": "x", "granted": "2026-01-01"}]},
            "kind must be",
        ),  # fmt: skip
    ],
)
def test_bad_reference_documents_are_refused_with_the_reason(kind, document, words) -> None:
    problems = reference_problems(kind, document, ("model_store", "honest_business"))
    assert any(words in p for p in problems), problems


def test_a_pulled_authority_document_takes_effect_through_the_store(store, station) -> None:
    save_acting_settings(
        store,
        {"authority.name": "本站自填", "mediator.name": "本站", "court.name": "自填法院"},
        actor="admin",
    )
    queued = store.scalar("SELECT count(*) FROM outbox")
    pull_reference(store, "authority", AUTHORITY)
    assert reference_document(store, "authority") == AUTHORITY
    # RC-MT is a township: its entry names the township office; no outbox row for it.
    assert store.scalar("SELECT count(*) FROM outbox") == queued
    bodies = load_acting_bodies(store)
    assert bodies.authority_name == OFFICE and bodies.court_name == "瑞昌市人民法院"
    assert bodies.mediator_name == "本站"  # overridable: the station's own stays
    settings = effective_acting_settings(store)
    assert settings["authority.name"].source == SOURCE_CITY
    assert settings["mediator.name"].source == SOURCE_STATION
    # A locked key: refused with the reason, nothing written; the city's own value passes.
    with pytest.raises(InputRejected, match="set by the city office"):
        save_acting_settings(store, {"court.name": "别的法院", "mediator.name": "新"}, actor="a")
    assert load_acting_bodies(store).mediator_name == "本站"
    save_acting_settings(store, {"court.name": "瑞昌市人民法院", "mediator.name": "新"}, actor="a")
    assert load_acting_bodies(store).mediator_name == "新"
    assert store.get_setting("court.name") == "自填法院"  # the station's own kept, not used
    # The city changes its document (an update carries only the changed fields).
    changed = {**AUTHORITY, "defaults": {**AUTHORITY["defaults"], "court.name": "九江市中院"}}
    pull_reference(store, "authority", changed, op="update")
    assert load_acting_bodies(store).court_name == "九江市中院"


def test_a_document_that_is_not_json_does_not_break_the_pull(store, station) -> None:
    sync_state.apply_page(
        store,
        [],
        cursor=5,
        foreign=[("reference_data", "r1", {"kind": "abnormal_list", "content": "{oops"})],
    )
    assert reference_document(store, "abnormal_list") is None
    assert store.scalar("SELECT count(*) FROM city_abnormal_list") == 0
    assert sync_state.get_state(store, sync_state.CURSOR) == "5"


def test_city_categories_come_first_and_the_bundled_ones_stay_valid(store, station, admin):
    from station_app.classification import bundled_classification
    from station_app.intake import IntakeRejected, check_case_data, register_cases
    from station_app.store.reference_data import station_classification
    from tests.core.conftest import TODAY, complaint_data

    bundled = bundled_classification()
    new_car = complaint_data(goods_or_service="goods", category="新能源汽车类")
    with pytest.raises(IntakeRejected, match="not in the classification list"):
        register_cases(store, [new_car], user=admin, station_code="RC-MT", today=TODAY)
    city = {
        "goods": ["新能源汽车类", bundled["goods"][1]],
        "services": ["直播带货服务"],
        "natures": ["质量"],
    }
    pull_reference(store, "categories", city)
    lists = station_classification(store)
    assert lists["goods"][:2] == city["goods"] and set(bundled["goods"]) <= set(lists["goods"])
    assert lists["services"][0] == "直播带货服务"
    [saved] = register_cases(store, [new_car], user=admin, station_code="RC-MT", today=TODAY)
    assert saved.category == "新能源汽车类"
    # A case recorded under a bundled name the city does not list is still valid.
    old = complaint_data(goods_or_service="goods", category=bundled["goods"][0])
    found = check_case_data(old, today=TODAY, classification=lists)
    assert not [p for p in found if p.code == "unknown_category"]


def test_the_city_abnormal_list_and_designations_meet_the_registry(store, station) -> None:
    from station_app import merchant_registry as reg
    from tests.core.conftest import VALID_USCC

    def make(name: str, **details):
        return reg.create(
            store, {"name": name, **details}, actor="admin", station_code="RC-MT"
        ).merchant.id

    coded = make("好又多超市", uscc=VALID_USCC)
    named = make("老王 电器行")
    own = make("本站自列商户")
    reg.set_abnormal(store, own, True, since="2026-01-05", note="本站列入", actor="admin",
                     station_code="RC-MT")  # fmt: skip
    queued = store.scalar("SELECT count(*) FROM outbox")
    pull_reference(
        store,
        "abnormal_list",
        {"entries": [
            {"uscc": VALID_USCC.lower(), "name": "好又多", "since": "2026-02-01", "note": "地址失联"},
            {"name": "老王电器行", "since": "2026-03-01"},
        ]},
    )  # fmt: skip
    pull_reference(
        store,
        "designations",
        {"entries": [{"uscc": VALID_USCC, "kind": "model_store", "granted": "2025-06-01"}]},
    )
    assert store.scalar("SELECT count(*) FROM outbox") == queued  # local data, never pushed
    entry = reg.get_entry(store, coded)
    assert entry.on_abnormal_list and not entry.abnormal_listed
    assert entry.city_abnormal == {"since": "2026-02-01", "note": "地址失联"}
    assert [d.kind for d in entry.city_designations] == ["model_store"]
    assert reg.get_entry(store, named).on_abnormal_list  # a name without a code, spaces ignored
    mine = reg.get_entry(store, own)
    assert mine.on_abnormal_list and mine.city_abnormal is None  # the station's own listing kept
    warnings = reg.intake_warnings(store, entry.merchant)
    assert any("abnormal operations list (since 2026-02-01)" in w for w in warnings)
    # A merchant typed at intake that this station has never registered: the city's list counts.
    from station_app.domain import Merchant

    typed = Merchant(name="新开的店", uscc=" 91110108551385082q ")
    assert reg.intake_warnings(store, typed) == []
    pull_reference(store, "abnormal_list", {"entries": [{"uscc": "91110108551385082Q"}]})
    assert reg.intake_warnings(store, typed) == [
        "Merchant “新开的店” is on the abnormal operations list (since ?)."
    ]
    pull_reference(
        store,
        "abnormal_list",
        {"entries": [
            {"uscc": VALID_USCC.lower(), "name": "好又多", "since": "2026-02-01", "note": "地址失联"},
            {"name": "老王电器行", "since": "2026-03-01"},
        ]},
    )  # fmt: skip
    # The city's entries are the city's: not taken off, not revoked here.
    with pytest.raises(reg.RegistryRefused, match="only the city office takes it off"):
        reg.set_abnormal(store, coded, False, actor="admin", station_code="RC-MT")
    with pytest.raises(reg.RegistryRefused, match="granted by the city office"):
        reg.revoke_designation(store, coded, 0, "", "不再符合", actor="admin", station_code="RC-MT")
    # A new list replaces the old one whole.
    pull_reference(store, "abnormal_list", {"entries": [{"name": "别家", "since": "2026-04-01"}]})
    assert not reg.get_entry(store, coded).on_abnormal_list
    assert reg.get_entry(store, own).on_abnormal_list
    listed = [e.merchant.id for e in reg.search(store, "") if e.on_abnormal_list]
    assert listed == [own]


def test_reference_data_pulled_before_migration_18_is_taken_up(db_path) -> None:
    from station_app.store import Store
    from station_app.store.migrations import LATEST_VERSION, migrate_to_latest, schema_version

    old = Store(db_path, migrate=False)
    migrate_to_latest(old, backup_dir=db_path.parent / "backups", target=15)
    old.execute(
        "INSERT INTO sync_extra_fields(table_name, row_id, fields) VALUES ('reference_data', 'r1', ?)",
        (json.dumps({"kind": "abnormal_list", "content": json.dumps({"entries": [
            {"uscc": "91520382709601191M", "since": "2026-01-02"}]})}),),
    )  # fmt: skip
    old.close()
    with Store(db_path) as store:
        assert schema_version(store.conn) == LATEST_VERSION
        assert reference_document(store, "abnormal_list")["entries"][0]["since"] == "2026-01-02"
        assert store.scalar("SELECT uscc FROM city_abnormal_list") == "91520382709601191M"
