"""Reference data from the city office in the app's screens: the intake form offers the city's
categories first."""

from __future__ import annotations

from station_app.domain import GoodsOrService
from station_app.ui.intake_dialog import IntakeDialog
from tests.core.test_city_reference import pull_reference


def test_the_intake_form_offers_the_city_categories(qtbot, tasks, admin):
    with tasks.folder.open_store() as store:
        pull_reference(
            store,
            "categories",
            {"goods": ["新能源汽车类"], "services": ["直播带货服务"], "natures": ["质量"]},
        )
    dialog = IntakeDialog(tasks, admin)
    try:
        form = dialog.form
        qtbot.waitUntil(lambda: form.classification["goods"][0] == "新能源汽车类", timeout=5_000)
        form.goods_or_service.setCurrentIndex(form.goods_or_service.findData(GoodsOrService.GOODS))
        offered = [form.category.itemText(i) for i in range(form.category.count())]
        assert offered[1] == "新能源汽车类" and "家用电子电器类" in offered
        form.category.setCurrentIndex(1)
        assert not [p for p in form.check() if p.code == "unknown_category"]
    finally:
        dialog.done(0)
        dialog.deleteLater()


def test_the_merchants_window_shows_the_city_listing_and_designations(
    qtbot, tasks, admin, sample_cases
):
    from station_app.ui.merchants_dialog import MerchantsDialog
    from tests.ui.test_merchants_ui import _select

    with tasks.folder.open_store() as store:
        pull_reference(
            store,
            "abnormal_list",
            {"entries": [{"name": "瑞昌市好又多超市", "since": "2026-02-01", "note": "失联"}]},
        )
        pull_reference(
            store,
            "designations",
            {"entries": [{"name": "瑞昌市好又多超市", "kind": "honest_business",
                          "granted": "2025-06-01"}]},
        )  # fmt: skip
    dialog = MerchantsDialog(tasks, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.list.rowCount() >= 1, timeout=10_000)
    _select(qtbot, dialog, "瑞昌市好又多超市")
    assert dialog.list.item(dialog.list.currentRow(), 0).text().endswith("⚠")
    assert "city office's abnormal list since 2026-02-01" in dialog.heading.text()
    texts = [dialog.designations.item(r, 0).text() for r in range(dialog.designations.rowCount())]
    assert any("(city office)" in t for t in texts)


AUTHORITY = {
    "defaults": {"authority.name": "瑞昌市市场监督管理局", "authority.prefix": "瑞市监消",
                 "mediator.kind": "consumer_association"},
    "overridable": ["*"],
    "townships": {"RC-MT": {"values": {"authority.name": "瑞昌市市场监督管理局码头市场监督管理所"}}},
}  # fmt: skip


def test_the_setup_wizard_proposes_what_the_city_office_published(qtbot, tasks):
    from station_app.ui.setup_wizard import SetupWizard

    with tasks.folder.open_store() as store:
        pull_reference(store, "authority", AUTHORITY)
    wizard = SetupWizard(tasks)
    qtbot.addWidget(wizard)
    qtbot.keyClicks(wizard.code, "rc-mt-xc")
    qtbot.keyClicks(wizard.parent_code, "rc-mt")
    wizard.parent_code.editingFinished.emit()
    qtbot.waitUntil(lambda: wizard.authority.text() != "", timeout=5_000)
    assert wizard.authority.text() == "瑞昌市市场监督管理局码头市场监督管理所"
    assert wizard.authority_prefix.text() == "瑞市监消"
    assert wizard.mediator_kind.currentData() == "consumer_association"
    # What the clerk typed is never replaced.
    wizard.authority_prefix.setText("码监")
    wizard.propose({"authority.prefix": "瑞市监消"})
    assert wizard.authority_prefix.text() == "码监"


def test_a_city_value_left_unchanged_is_not_saved_as_the_stations_own(qtbot, tasks, admin):
    from station_app.store.station_settings import load_acting_bodies, save_acting_settings
    from tests.ui.test_settings_and_compensation_ui import open_settings

    with tasks.folder.open_store() as store:
        save_acting_settings(store, {"authority.prefix": ""}, actor="admin")
        pull_reference(store, "authority", AUTHORITY)
    dialog = open_settings(qtbot, tasks, admin)
    prefix = dialog.acting_edits["authority.prefix"]
    assert prefix.text() == "瑞市监消" and not prefix.isReadOnly()  # overridable
    assert prefix.placeholderText() == "瑞市监消"  # cleared, the field takes the city's value
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save_button.click()
    with tasks.folder.open_store() as store:
        assert store.get_setting("authority.prefix") == ""
        changed = {**AUTHORITY, "defaults": {**AUTHORITY["defaults"], "authority.prefix": "赣瑞监"}}
        pull_reference(store, "authority", changed)
        assert load_acting_bodies(store).authority_prefix == "赣瑞监"
