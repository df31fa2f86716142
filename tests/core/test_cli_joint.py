"""`case import-members`, `case members`, `case representatives` and `case flags` as processes."""

from __future__ import annotations

import json

import openpyxl
import pytest

from tests.support.cli import EXAMPLE, init_station, run


@pytest.fixture
def joint_case(tmp_path):
    data_dir = tmp_path / "data"
    init_station(data_dir)
    added = run(data_dir, "case", "add", "--json", str(EXAMPLE))
    assert added.returncode == 0, added.stderr
    return data_dir, json.loads(added.stdout)["case_numbers"][0]


def _sheet(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "电话", "身份证号", "金额"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


MEMBERS = [
    ["李秀英", "13907921001", "360481199001011234", "1200.00"],
    ["王建华", "13907921002", "360481198505052345", "800.50"],
]


def _valid(rows):
    from stdnum.cn import ric

    fixed = []
    for name, phone, id_number, amount in rows:
        body = id_number[:17]  # calc_check_digit wants a full-length number
        fixed.append([name, phone, body + ric.calc_check_digit(body + "0"), amount])
    return fixed


def test_import_then_list_then_elect(joint_case, tmp_path):
    data_dir, number = joint_case
    sheet = _sheet(tmp_path / "members.xlsx", _valid(MEMBERS))

    imported = run(data_dir, "case", "import-members", number, str(sheet))
    assert imported.returncode == 0, imported.stderr
    result = json.loads(imported.stdout)
    assert result["saved"] == 2
    assert result["totals"]["members"] == 3
    names = [m["name"] for m in result["members"]]
    assert names[1:] == ["李秀英", "王建华"]

    elected = run(data_dir, "case", "representatives", number, "2", "3")
    assert elected.returncode == 0, elected.stderr
    members = json.loads(run(data_dir, "case", "members", number).stdout)["members"]
    assert [m["representative"] for m in members] == [False, True, True]

    found = json.loads(run(data_dir, "search", "李秀英", "--json").stdout)
    assert number in [row["case_no"] for row in found]


def test_a_bad_row_is_named_and_nothing_is_imported(joint_case, tmp_path):
    data_dir, number = joint_case
    rows = _valid(MEMBERS)
    rows[1][1] = "1390792"
    sheet = _sheet(tmp_path / "bad.xlsx", rows)
    before = run(data_dir, "case", "members", number).stdout

    done = run(data_dir, "case", "import-members", number, str(sheet))

    assert done.returncode == 2
    assert "Row 3" in done.stderr
    assert run(data_dir, "case", "members", number).stdout == before


def test_a_file_that_is_not_a_spreadsheet_is_refused(joint_case, tmp_path):
    data_dir, number = joint_case
    fake = tmp_path / "list.xlsx"
    fake.write_text("姓名,电话\n", encoding="utf-8")
    done = run(data_dir, "case", "import-members", number, str(fake))
    assert done.returncode == 2
    assert "Nothing was saved" in done.stderr


def test_flags_name_the_other_case_sharing_a_phone(joint_case, tmp_path):
    data_dir, number = joint_case
    other = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    other["complainants"][0]["name"] = "赵六"
    other["complainants"][0]["id_number"] = ""
    other["complainants"][0]["id_type"] = ""
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    second = json.loads(run(data_dir, "case", "add", "--json", str(path)).stdout)["case_numbers"][0]

    flags = json.loads(run(data_dir, "case", "flags", second).stdout)

    assert [f["kind"] for f in flags] == ["shared_phone"]
    assert number in flags[0]["cases"]
