"""The case detail's flags notice and the members of a joint complaint: import from an .xlsx
file, row problems shown with nothing imported, electing the two representatives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtWidgets import QLabel
from stdnum.cn import ric

from station_app.domain import Role, User
from station_app.intake import register_cases
from station_app.store.accounts import add_user
from station_app.store.cases import get_case
from station_app.store.joint_members import list_members
from station_app.ui.case_detail import CaseDetailDialog

STATION = "RC-MT"


def resident_id(serial: int) -> str:
    body = f"36048119850101{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def clerk(folder, admin) -> User:
    user = User("clerk", "Clerk", Role.CLERK, STATION)
    with folder.open_store() as store:
        add_user(store, user, "a-good-password-1")
    return user


def register(folder, admin, cases: list[dict]):
    from tests.ui.conftest import TODAY

    with folder.open_store() as store:
        return register_cases(store, cases, user=admin, station_code=STATION, today=TODAY)


def open_detail(qtbot, tasks, user: User, case_no: str) -> CaseDetailDialog:
    dialog = CaseDetailDialog(tasks, None, user)
    qtbot.addWidget(dialog)
    dialog.view.show_case(case_no)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view.view is not None, timeout=5_000)
    return dialog


def texts(widget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


def write_sheet(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["某预付卡联名投诉名单"])
    sheet.append(["姓名", "电话", "身份证号", "金额（元）"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


CLEAN_ROWS = [
    ["孙一", "13900000001", resident_id(11), 1000],
    ["周二", "13900000002", resident_id(12), "2,500.50元"],
    ["吴三", "13900000003", resident_id(13), 499.5],
]


def members(folder, case_no: str):
    with folder.open_store() as store:
        return list_members(store, get_case(store, case_no).id)


def test_a_case_sharing_a_phone_shows_the_flags_and_an_ordinary_one_none(
    qtbot, tasks, folder, admin, clerk, make_complaint
):
    first, second, ordinary = register(
        folder,
        admin,
        [
            make_complaint("甲某", "13955550000"),
            make_complaint("乙某", "13955550000"),
            make_complaint("丙某", "13766667777"),
        ],
    )
    flagged = open_detail(qtbot, tasks, clerk, second.case_no)
    box = flagged.view.flags_box
    assert not box.isHidden() and len(box.flags) == 1
    shown = texts(box)
    assert first.case_no in shown and "139****0000" in shown
    assert "13955550000" not in shown
    # The flags never block: the steps are still offered.
    assert flagged.view.action_buttons

    plain = open_detail(qtbot, tasks, clerk, ordinary.case_no)
    assert plain.view.flags_box.isHidden() and plain.view.flags_box.flags == []


def test_importing_a_clean_sheet_adds_the_members_and_shows_the_totals(
    qtbot, tasks, folder, sample_cases, clerk, tmp_path
):
    case_no = sample_cases[0].case_no
    detail = open_detail(qtbot, tasks, clerk, case_no)
    assert detail.view.can_edit_members()
    sheet = write_sheet(tmp_path / "members.xlsx", CLEAN_ROWS)
    detail.view.import_member_sheet(sheet)
    qtbot.waitUntil(lambda: len(detail.view.view.members) == 4, timeout=5_000)
    assert [m.name for m in members(folder, case_no)] == ["张三", "孙一", "周二", "吴三"]
    box = detail.view.members_box
    shown = texts(box)
    assert "Members (4)" == box.title()
    assert "claimed 4,000.00 yuan" in shown  # 1000 + 2500.50 + 499.50; 张三 claims nothing
    assert "139****0002" in shown and "13900000002" not in shown
    assert detail.view.problems_dialog is None


def test_a_bad_sheet_shows_each_row_problem_and_imports_nothing(
    qtbot, tasks, folder, sample_cases, clerk, tmp_path
):
    case_no = sample_cases[0].case_no
    detail = open_detail(qtbot, tasks, clerk, case_no)
    sheet = write_sheet(
        tmp_path / "bad.xlsx",
        [
            ["孙一", "13900000001", resident_id(11), 1000],
            ["", "13900000002", resident_id(12), 20],
            ["吴三", "不详", resident_id(13), "很多"],
        ],
    )
    detail.view.import_member_sheet(sheet)
    qtbot.waitUntil(lambda: detail.view.problems_dialog is not None, timeout=5_000)
    problems = detail.view.problems_dialog.problems
    assert any(p.startswith("Row 4") and "name" in p for p in problems)
    assert sum(p.startswith("Row 5") for p in problems) == 2
    assert "Nothing was imported" in texts(detail.view.problems_dialog)
    assert [m.name for m in members(folder, case_no)] == ["张三"]


def test_electing_two_representatives_marks_them(
    qtbot, tasks, folder, sample_cases, clerk, tmp_path
):
    case_no = sample_cases[0].case_no
    detail = open_detail(qtbot, tasks, clerk, case_no)
    detail.view.import_member_sheet(write_sheet(tmp_path / "m.xlsx", CLEAN_ROWS))
    qtbot.waitUntil(lambda: len(detail.view.view.members) == 4, timeout=5_000)
    dialog = detail.view.open_elect()
    assert dialog is not None and not dialog.ok.isEnabled()
    by_name = {m.name: m.party_id for m in detail.view.view.members}
    dialog.boxes[by_name["孙一"]].setChecked(True)
    assert not dialog.ok.isEnabled()
    dialog.boxes[by_name["吴三"]].setChecked(True)
    assert dialog.ok.isEnabled()
    dialog.boxes[by_name["周二"]].setChecked(True)
    assert not dialog.ok.isEnabled()
    dialog.boxes[by_name["周二"]].setChecked(False)
    dialog.ok.click()
    qtbot.waitUntil(
        lambda: sum(m.representative for m in detail.view.view.members) == 2, timeout=5_000
    )
    assert {m.name for m in members(folder, case_no) if m.representative} == {"孙一", "吴三"}
    assert "Representatives: 孙一、吴三" in texts(detail.view.members_box)


def test_members_cannot_be_changed_by_a_user_without_steps(qtbot, tasks, folder, sample_cases):
    detail = open_detail(qtbot, tasks, None, sample_cases[0].case_no)
    assert not detail.view.can_edit_members()
    assert detail.view.members_box.findChild(QLabel) is not None
    from PySide6.QtWidgets import QPushButton

    names = [b.objectName() for b in detail.view.members_box.findChildren(QPushButton)]
    assert "import-members" not in names


def test_screenshot_of_flags_and_members(
    qtbot, tasks, folder, admin, clerk, make_complaint, tmp_path
):
    register(folder, admin, [make_complaint("甲某", "13955550000")])
    (case,) = register(folder, admin, [make_complaint("乙某", "13955550000")])
    detail = open_detail(qtbot, tasks, clerk, case.case_no)
    detail.view.import_member_sheet(write_sheet(tmp_path / "m.xlsx", CLEAN_ROWS))
    qtbot.waitUntil(lambda: len(detail.view.view.members) == 4, timeout=5_000)
    detail.resize(900, 1400)
    qtbot.wait(50)
    target = os.environ.get("STATION_SCREENSHOT")
    image = detail.view.scroll.widget().grab()
    assert not image.isNull()
    if target:
        image.save(target)
