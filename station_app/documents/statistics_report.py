"""The statistics report as a PDF on A4 portrait pages: the title and period, three charts
(items by channel, the monthly trend, complaints by category) and every figure of the report
in tables. Pure: it draws the content it is given (stats_report.py builds it from the figures
the .xlsx and `station-app stats` print)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

from station_app.documents.fonts import document_fonts
from station_app.documents.layout import (
    SIZE_5,
    SIZE_S4,
    SIZE_S5,
    TEXT_WIDTH,
    CentredLine,
    PageMarks,
    Styles,
    build_pdf,
    cell,
    grid_table,
    para,
)

CHART_HEIGHT = 62 * mm
# Colours of the bars, the line and the slices (distinct when printed in grey too).
PALETTE = (
    colors.HexColor("#2F5597"),
    colors.HexColor("#C55A11"),
    colors.HexColor("#548235"),
    colors.HexColor("#7F6000"),
    colors.HexColor("#7030A0"),
    colors.HexColor("#2E75B6"),
    colors.HexColor("#BF9000"),
    colors.HexColor("#A5A5A5"),
)
MAX_SLICES = 7  # the largest categories; the rest are one slice "other"


@dataclass(frozen=True)
class ReportLine:
    label: str
    value: str
    percent: str = ""


@dataclass(frozen=True)
class StatisticsReportContent:
    """What the report prints, as text and numbers (labels already translated)."""

    title: str
    subtitle: str
    sections: list[tuple[str, list[ReportLine]]]
    channels: list[tuple[str, int]]  # items received by channel
    months: list[tuple[str, int]]  # ("YYYY-MM", items received)
    categories: list[tuple[str, int]]  # complaints by category, largest first
    chart_titles: tuple[str, str, str]  # channels, trend, categories
    headers: tuple[str, str, str]  # item, number, share
    other_label: str = "其他"
    none_text: str = "—"
    author: str = ""
    notes: list[str] = field(default_factory=list)


def _drawing(font: str) -> Drawing:
    """A chart's drawing whose text starts in the documents' font (reportlab's default,
    Helvetica, would be named in the PDF without being embedded)."""
    drawing = Drawing(TEXT_WIDTH, CHART_HEIGHT)
    drawing.initialFontName = font
    drawing.initialFontSize = SIZE_S5
    return drawing


def _caption(drawing: Drawing, text: str, font: str) -> None:
    drawing.add(
        String(drawing.width / 2, drawing.height - SIZE_S4, text, fontName=font,
               fontSize=SIZE_S4, textAnchor="middle")
    )  # fmt: skip


def _value_axis_max(values: list[int]) -> int:
    top = max(values or [0])
    step = 1
    for candidate in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 50_000):
        step = candidate
        if top / candidate <= 6:
            break
    return max(step, -(-top // step) * step)


def channel_chart(content: StatisticsReportContent, font: str) -> Drawing:
    drawing = _drawing(font)
    _caption(drawing, content.chart_titles[0], font)
    chart = VerticalBarChart()
    chart.x, chart.y = 14 * mm, 12 * mm
    chart.width, chart.height = TEXT_WIDTH - 20 * mm, CHART_HEIGHT - 22 * mm
    values = [n for _label, n in content.channels] or [0]
    chart.data = [values]
    chart.categoryAxis.categoryNames = [label for label, _n in content.channels] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = SIZE_S5
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = SIZE_S5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _value_axis_max(values)
    chart.valueAxis.valueStep = chart.valueAxis.valueMax / 5 or 1
    chart.bars[0].fillColor = PALETTE[0]
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = SIZE_S5
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def month_labels(months: list[str]) -> list[str]:
    """Short labels for "YYYY-MM" months that fit under the axis: the month alone within one
    year ("03"), else "26-03"; beyond 13 months only every second (or third) one is named."""
    if len({m[:4] for m in months}) <= 1:
        labels = [m[5:] for m in months]
    else:
        labels = [m[2:] for m in months]
    step = 1 if len(labels) <= 13 else 2 if len(labels) <= 26 else 3
    return [text if i % step == 0 else "" for i, text in enumerate(labels)]


def trend_chart(content: StatisticsReportContent, font: str) -> Drawing:
    drawing = _drawing(font)
    _caption(drawing, content.chart_titles[1], font)
    chart = HorizontalLineChart()
    chart.x, chart.y = 14 * mm, 12 * mm
    chart.width, chart.height = TEXT_WIDTH - 20 * mm, CHART_HEIGHT - 22 * mm
    values = [n for _month, n in content.months] or [0]
    chart.data = [values]
    chart.categoryAxis.categoryNames = month_labels([m for m, _n in content.months]) or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = SIZE_S5
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = SIZE_S5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _value_axis_max(values)
    chart.valueAxis.valueStep = chart.valueAxis.valueMax / 5 or 1
    chart.lines[0].strokeColor = PALETTE[1]
    chart.lines[0].strokeWidth = 1.6
    chart.joinedLines = 1
    chart.lineLabelFormat = "%d" if len(values) <= 13 else None
    chart.lineLabels.fontName = font
    chart.lineLabels.fontSize = SIZE_S5
    drawing.add(chart)
    return drawing


def category_shares(content: StatisticsReportContent) -> list[tuple[str, int]]:
    """The slices: the largest categories, the rest summed as "other"."""
    shown = [(name, n) for name, n in content.categories if n > 0]
    if len(shown) > MAX_SLICES:
        rest = sum(n for _name, n in shown[MAX_SLICES - 1 :])
        shown = shown[: MAX_SLICES - 1] + [(content.other_label, rest)]
    return shown


def category_chart(content: StatisticsReportContent, font: str) -> Drawing:
    drawing = _drawing(font)
    _caption(drawing, content.chart_titles[2], font)
    slices = category_shares(content)
    if not slices:
        drawing.add(
            String(drawing.width / 2, drawing.height / 2, content.none_text, fontName=font,
                   fontSize=SIZE_S4, textAnchor="middle")
        )  # fmt: skip
        return drawing
    total = sum(n for _name, n in slices)
    pie = Pie()
    size = CHART_HEIGHT - 22 * mm
    pie.x, pie.y = 18 * mm, 8 * mm
    pie.width = pie.height = size
    pie.data = [n for _name, n in slices]
    pie.labels = None
    pie.simpleLabels = 1
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 0.6
    for index in range(len(slices)):
        pie.slices[index].fillColor = PALETTE[index % len(PALETTE)]
    drawing.add(pie)
    legend = Legend()
    legend.x, legend.y = pie.x + size + 14 * mm, pie.y + size
    legend.fontName = font
    legend.fontSize = SIZE_S5 + 1
    legend.alignment = "right"
    legend.deltay = SIZE_S5 + 6
    legend.columnMaximum = MAX_SLICES
    legend.colorNamePairs = [
        (PALETTE[i % len(PALETTE)], f"{name}  {n}（{100 * n / total:.1f}%）")
        for i, (name, n) in enumerate(slices)
    ]
    drawing.add(legend)
    return drawing


def statistics_report_pdf(
    content: StatisticsReportContent, *, verification_code: str, printed_on: str
) -> bytes:
    """The report's PDF bytes (identical for identical content)."""
    fonts = document_fonts()
    styles = Styles(fonts)
    story: list = [
        CentredLine(content.title, 16, title_font=True, space_after=2),
        para(content.subtitle, styles.style("subtitle", SIZE_5, alignment=TA_CENTER)),
        Spacer(1, 4 * mm),
        channel_chart(content, fonts.body),
        trend_chart(content, fonts.body),
        category_chart(content, fonts.body),
    ]
    widths = (TEXT_WIDTH * 0.62, TEXT_WIDTH * 0.22, TEXT_WIDTH * 0.16)
    for title, lines in content.sections:
        rows = [[cell(title, styles, SIZE_5), "", ""]]
        rows.append([cell(h, styles, SIZE_5, TA_CENTER) for h in content.headers])
        for line in lines or [ReportLine(content.none_text, "")]:
            rows.append(
                [
                    cell(line.label, styles, SIZE_5),
                    cell(line.value, styles, SIZE_5, TA_RIGHT),
                    cell(line.percent, styles, SIZE_5, TA_RIGHT),
                ]
            )
        table = grid_table(rows, widths, spans=[(0, 0, 2, 0)], shaded=[(0, 0, 2, 1)], repeat_rows=2)
        story += [CondPageBreak(30 * mm), Spacer(1, 3 * mm)]
        story.append(KeepTogether([table]) if len(rows) <= 14 else table)
    for note in content.notes:
        story.append(para(note, styles.style("note", SIZE_S5)))
    return build_pdf(
        story,
        title=content.title,
        author=content.author,
        marks=PageMarks(verification_code=verification_code, printed_on=printed_on),
    )
