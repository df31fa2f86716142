"""The merchant registry: search, create, edit (checked like intake, audited, synced), merge
duplicates without losing a case, designations, the abnormal list, intake warnings."""

from __future__ import annotations

import pytest

from station_app import merchant_registry as reg
from station_app.domain import Merchant
from station_app.store.merchants import insert_merchant
from tests.core.conftest import BAD_CHECKSUM_USCC, STATION_CODE, VALID_USCC, outbox_rows, save_case


def _new(store, name, **details):
    return reg.create(store, {"name": name, **details}, actor="admin", station_code=STATION_CODE)


def _counts(store):
    return {
        row["merchant_id"]: row["n"]
        for row in store.query("SELECT merchant_id, count(*) AS n FROM cases GROUP BY merchant_id")
    }


def test_create_search_and_edit_is_audited_and_synced(store, station):
    entry = _new(store, "茅台镇好又多超市", address="茅台镇新街1号")
    assert [e.merchant.id for e in reg.search(store, "好又多")] == [entry.merchant.id]
    assert reg.search(store, "新街") and not reg.search(store, "国酒")

    seq = store.query("SELECT COALESCE(max(seq), 0) AS s FROM outbox")[0]["s"]
    edited = reg.edit(
        store,
        entry.merchant.id,
        {"name": "茅台镇国酒超市", "uscc": VALID_USCC.lower()},
        actor="admin",
        station_code=STATION_CODE,
    )
    assert edited.merchant.name == "茅台镇国酒超市" and edited.merchant.uscc == VALID_USCC
    assert [e.merchant.id for e in reg.search(store, "国酒")] == [entry.merchant.id]
    assert [e.merchant.id for e in reg.search(store, VALID_USCC[:8])] == [entry.merchant.id]
    trail = {row["field"]: row for row in reg.audit_trail(store, entry.merchant.id)}
    assert trail["name"]["old_value"] == "茅台镇好又多超市"
    assert trail["name"]["new_value"] == "茅台镇国酒超市" and trail["name"]["actor"] == "admin"
    assert trail["uscc"]["new_value"] == VALID_USCC
    changes = [r for r in outbox_rows(store, "merchants") if r["seq"] > seq]
    assert changes and all(r["row_id"] == entry.merchant.id for r in changes)


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"name": "  "}, "name is empty"),
        ({"uscc": "12345"}, "18 characters"),
        ({"uscc": BAD_CHECKSUM_USCC}, "does not match"),
        ({"phone": "12"}, "phone number"),
    ],
)
def test_bad_edits_are_refused_and_nothing_written(store, station, details, message):
    entry = _new(store, "好又多超市")
    before = store.query("SELECT count(*) AS n FROM audit_log")[0]["n"]
    with pytest.raises(reg.RegistryRefused, match=message):
        reg.edit(store, entry.merchant.id, details, actor="admin", station_code=STATION_CODE)
    assert reg.get_entry(store, entry.merchant.id).merchant.name == "好又多超市"
    assert store.query("SELECT count(*) AS n FROM audit_log")[0]["n"] == before


def test_checksum_warning_may_be_kept(store, station):
    entry = _new(store, "好又多超市")
    kept = reg.edit(
        store,
        entry.merchant.id,
        {"uscc": BAD_CHECKSUM_USCC},
        actor="admin",
        station_code=STATION_CODE,
        keep_code_warning=True,
    )
    assert kept.merchant.uscc == BAD_CHECKSUM_USCC


def test_duplicates_by_credit_code_and_by_normalised_name(store, station):
    a = _new(store, "遵义市（红花岗区）老王 粮油店")
    b = _new(store, "遵义市(红花岗区)老王粮油店")
    c = _new(store, "【旗舰店】小米", uscc=VALID_USCC)
    d = _new(store, "小米科技有限公司", uscc=VALID_USCC)
    e = _new(store, "另一家店")
    groups = [sorted(x.merchant.id for x in g) for g in reg.duplicate_groups(store)]
    assert sorted(groups) == sorted(
        [sorted([a.merchant.id, b.merchant.id]), sorted([c.merchant.id, d.merchant.id])]
    )
    assert [x.merchant.id for x in reg.duplicates_of(store, b.merchant.id)] == [a.merchant.id]
    assert reg.duplicates_of(store, e.merchant.id) == []
    assert reg.normalised_name("小米 （旗舰店）") == reg.normalised_name("小米【旗舰店】")


def test_merge_keeps_every_case(store, station):
    save_case(store, merchant="好又多超市", merchant_address="新街1号")
    save_case(store, merchant="好又多超市", merchant_address="新街1号", name="李四")
    save_case(store, merchant="好又多 超市", merchant_address="新街1号", name="王五")
    save_case(store, merchant="好又多 超市", merchant_address="新街1号", name="赵六")
    save_case(store, merchant="好又多 超市", merchant_address="新街1号", name="钱七")
    ids = {r["name"]: r["id"] for r in store.query("SELECT id, name FROM merchants")}
    keep, gone = ids["好又多超市"], ids["好又多 超市"]
    all_cases = {r["id"] for r in store.query("SELECT id FROM cases")}
    reg.add_designation(
        store, gone, "model_store", "2025-01-01", actor="admin", station_code=STATION_CODE
    )
    result = reg.merge(store, keep, gone, actor="admin", station_code=STATION_CODE)
    assert result.cases_moved == 3
    assert _counts(store) == {keep: 5}
    assert {r["id"] for r in store.query("SELECT id FROM cases")} == all_cases
    assert result.kept.cases == 5
    # the statistics' per-case figures follow the new link (top merchants by complaints)
    figures = store.query("SELECT merchant_id, count(*) AS n FROM case_figures GROUP BY 1")
    assert figures == [{"merchant_id": keep, "n": 5}]
    assert [d.kind for d in result.kept.designations] == ["model_store"]
    removed = reg.get_entry(store, gone)
    assert removed.deleted and removed.merged_into == keep
    assert store.query("SELECT count(*) AS n FROM merchants WHERE id = ?", (gone,))[0]["n"] == 1
    assert gone not in {e.merchant.id for e in reg.search(store, "好又多")}
    # audited: the cases' own audit rows name the new link, the registry names the merge
    moved = store.query(
        "SELECT count(*) AS n FROM audit_log WHERE table_name = 'cases' AND field = 'merchant_id'"
        " AND old_value = ? AND new_value = ?",
        (gone, keep),
    )[0]["n"]
    assert moved == 3
    assert any(r["field"] == "merged_into" for r in reg.audit_trail(store, gone))
    # sync carries the tombstone
    (tombstone,) = [
        r
        for r in outbox_rows(store, "merchants")
        if r["row_id"] == gone and r["op"] == "update" and "deleted" in r["new_values"]
    ]
    assert tombstone["new_values"]["deleted"] == 1
    assert tombstone["new_values"]["merged_into"] == keep


def test_bad_merges_write_nothing(store, station):
    a = _new(store, "甲店", uscc=VALID_USCC)
    b = _new(store, "乙店", uscc="91110000802100433B")
    before = store.query("SELECT count(*) AS n FROM outbox")[0]["n"]
    with pytest.raises(reg.RegistryRefused, match="itself"):
        reg.merge(store, a.merchant.id, a.merchant.id, actor="admin", station_code=STATION_CODE)
    with pytest.raises(reg.RegistryRefused, match="different credit codes"):
        reg.merge(store, a.merchant.id, b.merchant.id, actor="admin", station_code=STATION_CODE)
    with pytest.raises(reg.RegistryRefused, match="No merchant"):
        reg.merge(store, a.merchant.id, "nope", actor="admin", station_code=STATION_CODE)
    assert store.query("SELECT count(*) AS n FROM outbox")[0]["n"] == before
    assert not reg.get_entry(store, b.merchant.id).deleted


def test_designations_with_dates_and_revocation(store, station):
    from datetime import date

    entry = _new(store, "诚信店")
    entry = reg.add_designation(
        store,
        entry.merchant.id,
        "honest_business",
        "2025-01-01",
        "2027-12-31",
        actor="admin",
        station_code=STATION_CODE,
    )
    (item,) = entry.designations
    assert item.active_on(date(2026, 1, 1)) and not item.active_on(date(2028, 1, 1))
    with pytest.raises(reg.RegistryRefused, match="reason"):
        reg.revoke_designation(
            store, entry.merchant.id, 0, "2026-02-01", " ", actor="admin", station_code=STATION_CODE
        )
    entry = reg.revoke_designation(
        store,
        entry.merchant.id,
        0,
        "2026-02-01",
        "投诉属实",
        actor="admin",
        station_code=STATION_CODE,
    )
    (item,) = entry.designations
    assert item.revoked == "2026-02-01" and not item.active_on(date(2026, 3, 1))
    with pytest.raises(reg.RegistryRefused, match="Unknown designation"):
        reg.add_designation(
            store,
            entry.merchant.id,
            "nobel",
            "2025-01-01",
            actor="admin",
            station_code=STATION_CODE,
        )
    with pytest.raises(reg.RegistryRefused, match="not a date"):
        reg.add_designation(
            store,
            entry.merchant.id,
            "model_store",
            "2025-13-01",
            actor="admin",
            station_code=STATION_CODE,
        )


def test_intake_warnings_for_abnormal_list_and_open_complaints(store, station):
    for name in ("甲", "乙", "丙"):
        save_case(store, merchant="网店A", name=name)
    merchant_id = store.query("SELECT id FROM merchants WHERE name = '网店A'")[0]["id"]
    merchant = Merchant(name="网店A", id=merchant_id)
    (warning,) = reg.intake_warnings(store, merchant)
    assert "3 open complaints" in warning
    reg.set_abnormal(
        store,
        merchant_id,
        True,
        since="2026-01-05",
        note="无法联系",
        actor="admin",
        station_code=STATION_CODE,
    )
    warnings = reg.intake_warnings(store, merchant)
    assert any("abnormal operations list (since 2026-01-05)" in w for w in warnings)
    quiet = insert_merchant(store, Merchant(name="安静的店"), STATION_CODE)
    assert reg.intake_warnings(store, quiet) == []
    history = reg.history(store, merchant_id)
    assert len(history) == 3 and all(h["status"] != "closed" for h in history)


def test_a_demo_merchant_is_never_merged_with_a_real_one(store, station):
    from station_app.store.connection import ORIGIN_DEMO

    real = _new(store, "样板店")
    with store.transaction("admin", origin=ORIGIN_DEMO):
        store.execute(
            "INSERT INTO merchants(id, name, owner_station, created_at, updated_at, demo)"
            " VALUES ('demo-1', '样板店', ?, '2026-01-01', '2026-01-01', 1)",
            (STATION_CODE,),
        )
    with pytest.raises(reg.RegistryRefused, match="demo"):
        reg.merge(store, real.merchant.id, "demo-1", actor="admin", station_code=STATION_CODE)
    assert not reg.get_entry(store, "demo-1").deleted


def test_a_case_registered_against_a_merged_entry_goes_to_the_kept_one(store, station):
    from station_app.store.cases import add_case
    from tests.core.conftest import make_case

    keep = _new(store, "好又多超市")
    gone = _new(store, "好又多 超市")
    reg.merge(store, keep.merchant.id, gone.merchant.id, actor="admin", station_code=STATION_CODE)
    case = make_case(merchant="好又多 超市")
    case.merchant.id = gone.merchant.id  # chosen in a form opened before the merge
    saved = add_case(store, case, station_code=STATION_CODE, created_by="admin")
    linked = store.query("SELECT merchant_id FROM cases WHERE id = ?", (saved.id,))
    assert linked[0]["merchant_id"] == keep.merchant.id
