"""The monthly or annual statistics report: the figures of statistics.compute_figures as rows
(for the command line) and as a formatted .xlsx that prints on A4 portrait pages."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from station_app.domain import CaseKind, Channel, SupervisionKind, label
from station_app.i18n import _
from station_app.money import from_fen
from station_app.report_files import print_on_a4, save_report_file, save_workbook
from station_app.statistics import SCOPE_LABELS, FigureRef, Figures, Rate


@dataclass(frozen=True)
class ReportRow:
    """One line of a section: what is counted, its number (int, yuan, or a Rate's count) and,
    for a share, the percentage."""

    label: str
    value: object
    percent: str = ""
    figure: FigureRef | None = None  # the figure shown, whose cases can be listed


def _rate_row(text: str, rate: Rate, name: str) -> ReportRow:
    percent = rate.percent
    return ReportRow(
        text,
        f"{rate.numerator} / {rate.denominator}",
        "—" if percent is None else f"{percent}%",
        FigureRef(name),
    )


def report_sections(figures: Figures) -> list[tuple[str, list[ReportRow]]]:
    """The report's sections in order, each with its rows; the .xlsx and `stats` print these."""
    f = figures
    kinds = [
        ReportRow(label(CaseKind(k)), n, "", FigureRef("by_kind", k)) for k, n in f.by_kind.items()
    ]
    channels = [
        ReportRow(label(Channel(c)), n, "", FigureRef("by_channel", c))
        for c, n in f.by_channel.items()
    ]
    return [
        (
            _("Items received"),
            [ReportRow(_("All items received"), f.received, "", FigureRef("received")), *kinds],
        ),
        (_("By channel"), channels),
        (
            _("Handling"),
            [
                _rate_row(_("Completed (completion rate)"), f.completion, "completion"),
                ReportRow(_("Complaints accepted"), f.accepted, "", FigureRef("accepted")),
                ReportRow(_("Complaints not accepted"), f.refused, "", FigureRef("refused")),
                ReportRow(_("Complaints withdrawn"), f.withdrawn, "", FigureRef("withdrawn")),
                ReportRow(_("Mediations begun"), f.mediated, "", FigureRef("mediated")),
                ReportRow(_("Mediations with an agreement"), f.agreed, "", FigureRef("agreed")),
                ReportRow(
                    _("Mediations ended without agreement"),
                    f.mediation_failed,
                    "",
                    FigureRef("mediation_failed"),
                ),
                _rate_row(_("Mediation success rate"), f.mediation_success, "mediation_success"),
                ReportRow(
                    _("Mediations terminated (all grounds)"),
                    f.terminated,
                    "",
                    FigureRef("terminated"),
                ),
                ReportRow(
                    _("Escalated to a higher station"), f.escalated, "", FigureRef("escalated")
                ),
                ReportRow(
                    _("Reports on which a case was opened"),
                    f.reports_case_opened,
                    "",
                    FigureRef("reports_case_opened"),
                ),
                ReportRow(
                    _("Joint complaints"), f.joint_complaints, "", FigureRef("joint_complaints")
                ),
            ],
        ),
        (
            _("Losses"),
            [
                ReportRow(
                    _("Amount in dispute (yuan)"),
                    from_fen(f.claimed_fen),
                    "",
                    FigureRef("claimed_fen"),
                ),
                ReportRow(
                    _("Losses recovered (yuan)"),
                    from_fen(f.recovered_fen),
                    "",
                    FigureRef("recovered_fen"),
                ),
            ],
        ),
        (
            _("Satisfaction (follow-up visits)"),
            [
                _rate_row(
                    _("Complainants satisfied"),
                    f.complainant_satisfaction,
                    "complainant_satisfaction",
                ),
                _rate_row(
                    _("Merchants satisfied"), f.merchant_satisfaction, "merchant_satisfaction"
                ),
                _rate_row(_("Both parties satisfied"), f.both_satisfaction, "both_satisfaction"),
            ],
        ),
        (
            _("On-site response and time limits"),
            [
                ReportRow(_("Dispatches to the scene"), f.dispatched, "", FigureRef("dispatched")),
                _rate_row(
                    _("On the scene within the promise"), f.on_site_in_promise, "on_site_in_promise"
                ),
                ReportRow(
                    _("Deadlines overdue on {day}").format(day=f.as_of.isoformat()),
                    f.overdue,
                    "",
                    FigureRef("overdue"),
                ),
                ReportRow(
                    _("Deadlines met late"), f.late_deadlines, "", FigureRef("late_deadlines")
                ),
            ],
        ),
        (
            _("Complaints by category"),
            [
                ReportRow(name, n, "", FigureRef("complaints_by_category", name))
                for name, n in f.complaints_by_category.items()
            ],
        ),
        (
            _("Complaints by nature of the problem"),
            [
                ReportRow(name, n, "", FigureRef("complaints_by_nature", name))
                for name, n in f.complaints_by_nature.items()
            ],
        ),
        (_("Supervision work"), supervision_rows(figures)),
        (
            _("Merchants with the most complaints"),
            [
                ReportRow(name or "—", n, "", FigureRef("top_merchants", merchant_id))
                for merchant_id, name, n in f.top_merchants
            ],
        ),
    ]


def supervision_rows(figures: Figures) -> list[ReportRow]:
    """Per kind of supervision work: how many were done, and the share not passed (of those
    with a result). They are not cases: no list opens behind them."""
    rows = []
    for kind, done in figures.supervision_done.items():
        name = label(SupervisionKind(kind))
        rows.append(ReportRow(_("{kind}: done").format(kind=name), done))
        rate = figures.supervision_not_passed[kind]
        percent = rate.percent
        rows.append(
            ReportRow(
                _("{kind}: not passed").format(kind=name),
                f"{rate.numerator} / {rate.denominator}",
                "—" if percent is None else f"{percent}%",
            )
        )
    return rows


def report_title(figures: Figures, station_name: str) -> str:
    return _("{station}: statistics of complaints and reports, {period}").format(
        station=station_name, period=figures.period.title()
    )


def report_subtitle(figures: Figures) -> str:
    return _("Received {first} to {last}; {scope}; counted on {day}").format(
        first=figures.period.first.isoformat(),
        last=figures.period.last.isoformat(),
        scope=_(SCOPE_LABELS[figures.scope]),
        day=figures.as_of.isoformat(),
    )


def write_report_xlsx(figures: Figures, path: Path | str, *, station_name: str) -> None:
    """Write the report as one formatted worksheet that fits the width of an A4 page when
    printed (portrait, repeated header rows). The file appears only when complete."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.page import PageMargins

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Statistics")
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    heading_fill = PatternFill("solid", fgColor="DDE5F0")
    sheet.column_dimensions["A"].width = 46
    sheet.column_dimensions["B"].width = 20
    sheet.column_dimensions["C"].width = 14
    sheet.append([report_title(figures, station_name)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center", wrap_text=True)
    sheet.row_dimensions[1].height = 36
    sheet.append([report_subtitle(figures)])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    sheet["A2"].alignment = Alignment(horizontal="center", wrap_text=True)
    sheet.row_dimensions[2].height = 30
    sheet.append([_("Item"), _("Figure value"), _("Share")])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.border = border
        cell.alignment = Alignment(horizontal="center")
    for title, rows in report_sections(figures):
        sheet.append([title])
        row_no = sheet.max_row
        sheet.merge_cells(start_row=row_no, start_column=1, end_row=row_no, end_column=3)
        for cell in sheet[row_no]:
            cell.font = Font(bold=True)
            cell.fill = heading_fill
            cell.border = border
        if not rows:
            sheet.append([_("(none)"), "", ""])
        for row in rows:
            sheet.append([row.label, row.value, row.percent])
            current = sheet.max_row
            for cell in sheet[current]:
                cell.border = border
            value_cell = sheet.cell(row=current, column=2)
            value_cell.alignment = Alignment(horizontal="right")
            if not isinstance(row.value, str) and not isinstance(row.value, int):
                value_cell.number_format = "#,##0.00"
            sheet.cell(row=current, column=3).alignment = Alignment(horizontal="right")
            sheet.cell(row=current, column=1).alignment = Alignment(wrap_text=True)
    print_on_a4(
        sheet, landscape=False, margins=PageMargins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    )
    save_workbook(workbook, Path(path))


def _value_text(value: object) -> str:
    return str(value) if isinstance(value, (int, str)) else f"{value:,.2f}"


def report_pdf_content(figures: Figures, months: list[tuple[str, int]], *, station_name: str):
    """What the PDF report prints: the same sections and rows as the .xlsx, and the charts'
    data (items by channel, `months` from statistics.monthly_received over
    statistics.trend_period, complaints by category)."""
    from station_app.documents.statistics_report import ReportLine, StatisticsReportContent

    trend = _("Items received per month, {first} to {last}").format(
        first=months[0][0] if months else "", last=months[-1][0] if months else ""
    )
    return StatisticsReportContent(
        title=report_title(figures, station_name),
        subtitle=report_subtitle(figures),
        sections=[
            (title, [ReportLine(r.label, _value_text(r.value), r.percent) for r in rows])
            for title, rows in report_sections(figures)
        ],
        channels=[(label(Channel(c)), n) for c, n in figures.by_channel.items()],
        months=months,
        categories=list(figures.complaints_by_category.items()),
        chart_titles=(_("Items received by channel"), trend, _("Complaints by category")),
        headers=(_("Item"), _("Figure value"), _("Share")),
        other_label=_("Other categories"),
        none_text=_("(none)"),
        author=station_name,
    )


def report_verification_code(figures: Figures) -> str:
    """The code on every page: the first 8 hex digits of the SHA-256 of the figures."""
    text = json.dumps(figures.to_dict(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()


def write_report_pdf(
    figures: Figures, months: list[tuple[str, int]], path: Path | str, *, station_name: str
) -> None:
    """Write the report as a PDF with its charts (A4, the documents' embedded Chinese font).
    The file appears only when complete."""
    from station_app.documents.statistics_report import statistics_report_pdf

    pdf = statistics_report_pdf(
        report_pdf_content(figures, months, station_name=station_name),
        verification_code=report_verification_code(figures),
        printed_on=figures.as_of.isoformat(),
    )
    save_report_file(pdf, Path(path))
