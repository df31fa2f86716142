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
