"""Joint complaints: importing an .xlsx member list, representatives and totals."""

from __future__ import annotations

import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from station_app.case_actions import act
from station_app.domain import Role, User
from station_app.joint_members import (
    JointComplaintRefused,
    MemberSheetRejected,
    elect_representatives,
    import_members,
    joint_totals,
    member_to_dict,
    members_of,
    parse_member_sheet,
    totals_to_dict,
)
from station_app.store.case_list import search_cases
from station_app.workdays import WorkdayCalendar
from tests.core.conftest import STATION_CODE

# Valid resident ID numbers (check characters right) for the members.
IDS = [
    "110105194912310011",
    "11010519491231002X",
    "110105194912310038",
    "110105194912310046",
    "110105194912310054",
    "110105194912310062",
    "110105194912310070",
    "110105194912310089",
]
HEADER = ["序号", "姓名", "电话", "身份证号", "金额（元）", "地址"]


def member_values(n: int) -> list[list]:
    return [
        [i + 1, f"会员{i + 1}", f"1381234{6700 + i}", IDS[i], f"{100 * (i + 1)}.50", f"茅台镇{i}号"]
        for i in range(n)
    ]


def write_xlsx(path: Path, rows: list[list], *, title_rows: int = 0) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    for _n in range(title_rows):
        sheet.append(["美容院预付卡消费者名单"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def joint_case(add):
    return add(name="张三", phone="13812346721")


def test_ids_are_valid():
    from station_app.validation import check_resident_id

    assert [check_resident_id(n) for n in IDS] == [None] * len(IDS)


def test_a_clean_sheet_imports_every_member(store, admin, joint_case, tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [HEADER, *member_values(8)], title_rows=1)
    rows = parse_member_sheet(path)
    assert [r.row for r in rows] == list(range(3, 11))  # a title row, then the headings
    assert rows[0].claimed == Decimal("100.50")

    import_members(store, joint_case.case_no, rows, actor=admin)

    members = members_of(store, joint_case.case_no)
    assert [m.name for m in members] == ["张三"] + [f"会员{i}" for i in range(1, 9)]
    assert members[1].id_number == IDS[0] and members[1].address == "茅台镇0号"
    totals = joint_totals(store, joint_case.case_no)
    assert totals.members == 9
    assert (
        totals.claimed == sum(Decimal(f"{100 * i}.50") for i in range(1, 9)) == Decimal("3604.00")
    )
    assert totals.recovered == Decimal("0.00")
    assert [row.case_no for row in search_cases(store, "会员7")] == [joint_case.case_no]
    audit = store.scalar(
        "SELECT COUNT(*) FROM audit_log WHERE table_name = 'parties' AND actor = 'admin'"
        " AND field = '*' AND case_id = ?",
        (joint_case.id,),
    )
    assert audit >= 8


def test_english_headings_and_numbers_as_cells(store, admin, joint_case, tmp_path):
    rows = [
        ["Name", "Phone", "ID number", "Amount (yuan)", "Representative"],
        ["Li Si", 13812346700, IDS[2], 1299.5, "yes"],
        ["Wang Wu", "0791-88888888", IDS[1].lower(), 0, ""],
        ["Zhao Liu", "+86 138 1234 6702", IDS[3], "¥1,000元", "是"],
    ]
    parsed = parse_member_sheet(write_xlsx(tmp_path / "list.xlsx", rows))
    assert [(r.phone, r.claimed, r.representative) for r in parsed] == [
        ("13812346700", Decimal("1299.50"), True),
        ("0791-88888888", Decimal("0.00"), False),
        ("13812346702", Decimal("1000.00"), True),
    ]
    import_members(store, joint_case.case_no, parsed, actor=admin)
    reps = [m.name for m in members_of(store, joint_case.case_no) if m.representative]
    assert reps == ["Li Si", "Zhao Liu"]


def test_bad_rows_are_reported_by_row_number_and_nothing_is_imported(
    store, admin, joint_case, tmp_path
):
    values = member_values(8)
    values[3][2] = "138123467"  # row 5 (heading is row 1)
    values[7][3] = "110105194912310098"  # row 9: wrong check character
    path = write_xlsx(tmp_path / "bad.xlsx", [HEADER, *values])
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(path)
    problems = rejected.value.problems
    assert [(p.row, p.column) for p in problems] == [(5, "电话"), (9, "身份证号")]
    text = str(rejected.value)
    assert "Row 5, column “电话”" in text and "Row 9, column “身份证号”" in text
    assert "mobile number has 11 digits" in text
    assert members_of(store, joint_case.case_no)[1:] == []


def test_bad_amounts(tmp_path):
    values = member_values(4)
    values[0][4] = "-5"
    values[1][4] = "12.345"
    values[2][4] = "十元"
    values[3][4] = None
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(write_xlsx(tmp_path / "amounts.xlsx", [HEADER, *values]))
    messages = {p.row: p.message for p in rejected.value.problems}
    assert "negative" in messages[2]
    assert "more than two decimals" in messages[3]
    assert "not an amount" in messages[4]
    assert "empty" in messages[5]


def test_an_id_number_typed_as_a_number_is_explained(tmp_path):
    values = member_values(1)
    values[0][3] = 1.10105194912310e17  # what Excel keeps of an ID typed into a number cell
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(write_xlsx(tmp_path / "number.xlsx", [HEADER, *values]))
    assert "Format the column as text" in str(rejected.value)


def test_duplicates_are_errors(tmp_path):
    values = member_values(4)
    values[2][3] = values[0][3]  # row 4 repeats row 2's ID number
    values[3][1], values[3][2] = values[1][1], values[1][2]  # row 5 repeats row 3's person
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(write_xlsx(tmp_path / "dup.xlsx", [HEADER, *values]))
    text = str(rejected.value)
    assert "Row 4, column “身份证号”: the same ID number as row 2" in text
    assert "Row 5: the same name and phone as row 3" in text


def test_a_member_already_in_the_case_rejects_the_list(store, admin, joint_case, tmp_path):
    values = member_values(2)
    values[1][1], values[1][2] = "张三", "13812346721"  # the case's own complainant
    rows = parse_member_sheet(write_xlsx(tmp_path / "again.xlsx", [HEADER, *values]))
    with pytest.raises(MemberSheetRejected) as rejected:
        import_members(store, joint_case.case_no, rows, actor=admin)
    assert "Row 3: 张三 (138****6721" in str(rejected.value)
    assert "already complainant 1" in str(rejected.value)
    assert joint_totals(store, joint_case.case_no).members == 1


def test_a_text_file_renamed_xlsx(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_text("姓名,电话\n张三,13812346721\n", encoding="utf-8")
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(path)
    assert "is not an Excel workbook (.xlsx)" in str(rejected.value)


def test_a_corrupt_zip(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [HEADER, *member_values(2)])
    data = good.read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(broken)
    assert "damaged or incomplete" in str(rejected.value)


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "not a workbook")
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(path)
    assert "damaged or incomplete" in str(rejected.value)


def test_an_old_xls_file(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(path)
    assert "old-format Excel file (.xls)" in str(rejected.value)


def test_a_missing_file(tmp_path):
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(tmp_path / "nowhere.xlsx")
    assert "does not exist" in str(rejected.value)


def test_an_empty_sheet(tmp_path):
    path = write_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(path)
    assert "is empty" in str(rejected.value)


def test_headings_without_members(tmp_path):
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(write_xlsx(tmp_path / "h.xlsx", [HEADER, [None] * 6]))
    assert "no members under it" in str(rejected.value)


def test_missing_name_column(tmp_path):
    rows = [["电话", "身份证号", "金额"], ["13812346721", IDS[0], "5"]]
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(write_xlsx(tmp_path / "noname.xlsx", rows))
    assert "No heading row with a name column" in str(rejected.value)


def test_missing_amount_column(tmp_path):
    rows = [["姓名", "电话", "身份证号"], ["张三", "13812346721", IDS[0]]]
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(write_xlsx(tmp_path / "noamount.xlsx", rows))
    assert (
        str(rejected.value)
        == "Row 1: the heading row has no column Amount (金额). Add it and fill it in."
    )


def test_one_marked_representative_is_an_error(tmp_path):
    rows = [[*HEADER, "代表"], *[[*v, ""] for v in member_values(3)]]
    rows[2][-1] = "是"
    with pytest.raises(MemberSheetRejected) as rejected:
        parse_member_sheet(write_xlsx(tmp_path / "rep.xlsx", rows))
    assert "1 members are marked as representatives (rows 3)" in str(rejected.value)


def test_electing_representatives(store, admin, joint_case, tmp_path):
    rows = parse_member_sheet(write_xlsx(tmp_path / "m.xlsx", [HEADER, *member_values(3)]))
    import_members(store, joint_case.case_no, rows, actor=admin)
    members = members_of(store, joint_case.case_no)
    first, second, third = members[1].party_id, members[2].party_id, members[3].party_id

    elect_representatives(store, joint_case.case_no, [first, second], actor=admin)
    assert [m.name for m in members_of(store, joint_case.case_no) if m.representative] == [
        "会员1",
        "会员2",
    ]
    elect_representatives(store, joint_case.case_no, [second, third], actor=admin)
    assert [m.name for m in members_of(store, joint_case.case_no) if m.representative] == [
        "会员2",
        "会员3",
    ]
    for wrong in ([first], [first, first], [first, second, third]):
        with pytest.raises(JointComplaintRefused, match="exactly two"):
            elect_representatives(store, joint_case.case_no, wrong, actor=admin)
    with pytest.raises(JointComplaintRefused, match="must be complainants"):
        elect_representatives(store, joint_case.case_no, [first, "not-a-member"], actor=admin)
    assert [m.name for m in members_of(store, joint_case.case_no) if m.representative] == [
        "会员2",
        "会员3",
    ]


def test_totals_include_recovered_amounts(store, admin, joint_case, tmp_path):
    rows = parse_member_sheet(write_xlsx(tmp_path / "m.xlsx", [HEADER, *member_values(2)]))
    import_members(store, joint_case.case_no, rows, actor=admin)
    store.execute(
        "UPDATE parties SET recovered_fen = 5025 WHERE case_id = ? AND name = '会员1'",
        (joint_case.id,),
    )
    totals = joint_totals(store, joint_case.case_no)
    assert totals == (3, Decimal("301.00"), Decimal("50.25"))
    assert totals_to_dict(totals) == {"members": 3, "claimed": "301.00", "recovered": "50.25"}
    shown = member_to_dict(members_of(store, joint_case.case_no)[1])
    assert shown["party"] == 2 and shown["recovered"] == "50.25"
    assert shown["phone"] == "138****6700" and shown["id_number"] == "110105********0011"


def test_a_closed_or_foreign_case_is_refused(store, admin, add, tmp_path):
    rows = parse_member_sheet(write_xlsx(tmp_path / "m.xlsx", [HEADER, *member_values(1)]))
    foreign = add(station_code="RC-XY")
    with pytest.raises(JointComplaintRefused, match="belongs to station RC-XY"):
        import_members(store, foreign.case_no, rows, actor=admin)

    case = add()
    for action in ("withdraw", "close"):
        act(
            store,
            case.case_no,
            action,
            {"occurred_at": "2026-03-03"},
            user=admin,
            station_code=STATION_CODE,
            calendar=WorkdayCalendar(),
            now=datetime(2026, 3, 4, 10, 0),
        )
    with pytest.raises(JointComplaintRefused, match="can no longer be changed"):
        import_members(store, case.case_no, rows, actor=admin)
    with pytest.raises(JointComplaintRefused, match="No case numbered"):
        import_members(store, "RC-MT-2026-99999", rows, actor=admin)
    assert joint_totals(store, case.case_no).members == 1


def test_a_clerk_may_import(store, admin, joint_case, tmp_path):
    clerk = User("clerk1", "办事员", Role.CLERK, STATION_CODE)
    rows = parse_member_sheet(write_xlsx(tmp_path / "m.xlsx", [HEADER, *member_values(1)]))
    import_members(store, joint_case.case_no, rows, actor=clerk)
    actor = store.scalar(
        "SELECT actor FROM audit_log WHERE table_name = 'parties' AND case_id = ?"
        " ORDER BY local_id DESC LIMIT 1",
        (joint_case.id,),
    )
    assert actor == "clerk1"
