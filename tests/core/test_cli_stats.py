"""`station-app stats` as a real process: the figures as text and JSON, and the .xlsx report
that opens with openpyxl, holds the same numbers and prints on A4."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from station_app.statistics import Period, Scope, compute_figures
from station_app.store import Store
from tests.support.cli import run


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stats-cli") / "data"
    made = run(folder, "demo", "--cases", "1200", "--seed", "5")
    assert made.returncode == 0, made.stderr
    return folder


def test_stats_json_holds_the_figures_of_the_core(data_dir):
    done = run(data_dir, "stats", "--from", "2025-01-01", "--to", "2025-12-31", "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    with Store(data_dir / "station.db") as store:
        from datetime import date

        want = compute_figures(
            store,
            Period.year(2025),
            scope=Scope.STATION,
            station_code="RC-MT",
            as_of=date.fromisoformat(printed["as_of"]),
        ).to_dict()
    assert printed == want
    assert printed["received"] > 100
    assert printed["completion"]["count"] > 0.9 * printed["received"]


def test_the_xlsx_report_holds_the_same_numbers_and_prints_on_a4(data_dir, tmp_path):
    report = tmp_path / "年报.xlsx"
    done = run(
        data_dir,
        "stats",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--json",
        "--xlsx",
        str(report),
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    sheet = load_workbook(report).active
    values = {
        row[0]: (row[1], row[2])
        for row in sheet.iter_rows(min_row=4, values_only=True)
        if row[0] is not None
    }
    assert "Year 2025" in sheet["A1"].value
    assert values["All items received"][0] == figures["received"]
    assert values["Complaint"][0] == figures["by_kind"]["complaint"]
    assert values["Phone"][0] == figures["by_channel"]["phone"]
    completion = figures["completion"]
    assert values["Completed (completion rate)"] == (
        f"{completion['count']} / {completion['of']}",
        f"{completion['percent']}%",
    )
    success = figures["mediation_success"]
    assert values["Mediation success rate"][1] == f"{success['percent']}%"
    assert Decimal(str(values["Losses recovered (yuan)"][0])) == Decimal(
        figures["losses_recovered"]
    )
    assert values["Joint complaints"][0] == figures["joint_complaints"]
    top = figures["top_merchants"][0]
    assert values[top["name"]][0] == top["complaints"]
    for category, count in figures["complaints_by_category"].items():
        assert values[category][0] == count
    setup = sheet.page_setup
    assert int(setup.paperSize) == 9 and setup.orientation == "portrait"  # 9: A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth == 1


def test_text_output_and_bad_dates(data_dir):
    done = run(data_dir, "stats", "--from", "2024-02-01", "--to", "2024-02-29")
    assert done.returncode == 0, done.stderr
    assert "2024-02" in done.stdout and "Mediation success rate" in done.stdout
    backwards = run(data_dir, "stats", "--from", "2025-01-02", "--to", "2025-01-01")
    assert backwards.returncode == 2 and "before --from" in backwards.stderr
    bad = run(data_dir, "stats", "--from", "2024-02-30", "--to", "2024-03-01")
    assert bad.returncode == 2 and "not a date" in bad.stderr
    assert "Traceback" not in bad.stderr + backwards.stderr
    scope = run(data_dir, "stats", "--from", "2024-01-01", "--to", "2024-12-31", "--scope", "city")
    assert scope.returncode == 0, scope.stderr


def _row_pattern(label: str, value: str, percent: str = "") -> re.Pattern:
    tail = rf"\s+{re.escape(percent)}" if percent else ""
    return re.compile(rf"{re.escape(label)}\s+{re.escape(value)}{tail}(\s|$)", re.MULTILINE)


def test_stats_pdf_holds_the_figures_of_the_json_with_embedded_fonts(data_dir, tmp_path):
    from tests.core.test_documents_pdf import page_count, pdf_fonts

    pdf = tmp_path / "annual.pdf"
    done = run(data_dir, "stats", "--from", "2025-01-01", "--to", "2025-12-31", "--json",
               "--pdf", str(pdf), env={"STATION_APP_LANG": "zh_CN"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and page_count(data) >= 2
    fonts = pdf_fonts(data)
    assert fonts and all(f["emb"] == "yes" for f in fonts), fonts
    assert not any("Helvetica" in f["name"] for f in fonts)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "595.276 x 841.89 pts (A4)" in info.stdout
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "2025年度" in text
    completion = printed["completion"]
    checks = [
        ("受理总件数", str(printed["received"]), ""),
        ("电话", str(printed["by_channel"]["phone"]), ""),
        ("办结件数（办结率）", f"{completion['count']} / {completion['of']}",
         f"{completion['percent']}%"),
        ("挽回经济损失（元）", f"{Decimal(printed['losses_recovered']):,.2f}", ""),
        ("抽检：次数", str(printed["supervision"]["sampling"]["done"]), ""),
    ]  # fmt: skip
    success = printed["mediation_success"]
    checks.append(("调解成功率", f"{success['count']} / {success['of']}", f"{success['percent']}%"))
    for category, n in printed["complaints_by_category"].items():
        checks.append((category, str(n), ""))
    for label, value, percent in checks:
        assert _row_pattern(label, value, percent).search(text), (label, value, percent)
    # The charts: the channel bars carry their numbers, the trend its months.
    assert "按受理渠道的受理件数" in text and "每月受理件数（2025-01 至 2025-12）" in text
