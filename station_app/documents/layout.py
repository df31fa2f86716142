"""The shared A4 layout of every document: letterhead, title, number, text, tables, signature
block, seal area, and on every page "第 1 页 共 2 页" with the verification code.

Output is deterministic: the same story gives byte-identical PDF bytes (reportlab's invariant
mode: fixed dates and document ID), so a reprint can be checked against a stored SHA-256.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib import textsplit as _rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as _rl_paragraph

from station_app.documents.fonts import DocumentFonts, document_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT_MARGIN = 26 * mm
RIGHT_MARGIN = 22 * mm
TOP_MARGIN = 24 * mm
BOTTOM_MARGIN = 24 * mm
TEXT_WIDTH = PAGE_WIDTH - LEFT_MARGIN - RIGHT_MARGIN

# Chinese type sizes (字号) in points.
SIZE_2 = 22.0  # 二号: titles
SIZE_3 = 16.0  # 三号: letterhead
SIZE_4 = 14.0  # 四号: body text of decisions and agreements
SIZE_S4 = 12.0  # 小四: form tables
SIZE_5 = 10.5  # 五号: long tables, footer
SIZE_S5 = 9.0  # 小五: page marks

GRID_LINE = 0.6
SECTION_SHADE = colors.Color(0.93, 0.93, 0.93)

# Chinese punctuation that must not begin a line (reportlab's list has the Japanese set only);
# such a character hangs at the end of the line before, as in Chinese typesetting.
CHINESE_CANNOT_START = "，。、；：？！）》」』】〕〉”’％…"
for _module in (_rl_paragraph, _rl_textsplit):  # one-fragment and many-fragment paragraphs
    _module.ALL_CANNOT_START += "".join(
        c for c in CHINESE_CANNOT_START if c not in _module.ALL_CANNOT_START
    )

# reportlab keeps per-document font state in shared font objects; build one PDF at a time.
_BUILD_LOCK = threading.Lock()


def format_document_number(prefix: str, year: int, seq: int) -> str:
    """瑞市监消, 2026, 17 → 瑞市监消〔2026〕第17号 (the 〔〕 are the official hexagonal brackets)."""
    if not prefix.strip():
        raise ValueError("a document number needs its prefix")
    if not 1000 <= year <= 9999 or seq < 1:
        raise ValueError(f"not a document number: {year}/{seq}")
    return f"{prefix.strip()}〔{year}〕第{seq}号"


# --------------------------------------------------------------------------- text


def markup(text: str, fonts: DocumentFonts | None = None, preferred: str | None = None) -> str:
    """Paragraph markup for plain text: escaped, line breaks kept, and rare characters set in a
    font that has them (UnprintableCharacter when none has)."""
    fonts = fonts or document_fonts()
    preferred = preferred or fonts.body
    parts = []
    for font, run in fonts.runs(text, preferred):
        piece = escape(run).replace("\t", " ").replace("\n", "<br/>")
        parts.append(piece if font == preferred else f'<font face="{font}">{piece}</font>')
    return "".join(parts)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of one document, on the registered fonts."""

    fonts: DocumentFonts
    body_size: float = SIZE_4

    def style(self, name: str, size: float, **kw) -> ParagraphStyle:
        kw.setdefault("leading", round(size * 1.6, 1))
        kw.setdefault("alignment", TA_JUSTIFY)
        return ParagraphStyle(name, fontName=self.fonts.body, fontSize=size, wordWrap="CJK", **kw)

    @property
    def body(self) -> ParagraphStyle:
        """Running text: two-character first-line indent, justified."""
        return self.style("body", self.body_size, firstLineIndent=2 * self.body_size)

    @property
    def plain(self) -> ParagraphStyle:
        return self.style("plain", self.body_size)

    @property
    def hanging(self) -> ParagraphStyle:
        """Numbered items: the number hangs, the text wraps under the text."""
        return self.style(
            "hanging", self.body_size, leftIndent=2 * self.body_size, firstLineIndent=0
        )

    @property
    def heading(self) -> ParagraphStyle:
        return self.style("heading", self.body_size, spaceBefore=4, spaceAfter=2)

    @property
    def centred(self) -> ParagraphStyle:
        return self.style("centred", self.body_size, alignment=TA_CENTER)

    @property
    def right(self) -> ParagraphStyle:
        return self.style("right", self.body_size, alignment=TA_RIGHT)

    def cell(self, size: float = SIZE_S4, align: int = TA_LEFT) -> ParagraphStyle:
        return self.style("cell", size, leading=round(size * 1.3, 1), alignment=align)


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped; rare characters in a font that has them)."""
    return Paragraph(markup(text, preferred=style.fontName), style)


def cell(text: str, styles: Styles, size: float = SIZE_S4, align: int = TA_LEFT) -> Paragraph:
    return para(text, styles.cell(size, align))


def label_cell(text: str, styles: Styles, size: float = SIZE_S4) -> Paragraph:
    return para(text, styles.cell(size, TA_CENTER))


def _split_to_width(text: str, font: str, size: float, width: float) -> list[str]:
    """Break a line of CJK text character by character to fit `width`."""
    lines, current = [], ""
    for char in text:
        if current and stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = ""
        current += char
    return [*lines, current] if current else lines


def draw_text(
    canv: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    align: str = "left",
    font: str | None = None,
    bold: bool = False,
    char_space: float = 0,
) -> float:
    """Draw one line of text in runs of fonts that have its characters; returns its width.
    `char_space` spreads the characters (a short title) without putting spaces in the text."""
    fonts = document_fonts()
    runs = list(fonts.runs(text, font or fonts.body))
    width = sum(stringWidth(run, f, size) for f, run in runs)
    width += char_space * max(0, sum(len(run) for _, run in runs) - 1)
    if align == "centre":
        x -= width / 2
    elif align == "right":
        x -= width
    canv.saveState()
    obj = canv.beginText(x, y)
    if bold:
        # No bold face in the font: fill and stroke the outline, as word processors do.
        canv.setLineWidth(size * 0.035)
        obj.setTextRenderMode(2)
    if char_space:
        obj.setCharSpace(char_space)
    for f, run in runs:
        obj.setFont(f, size)
        obj.textOut(run)
    canv.drawText(obj)
    canv.restoreState()
    return width


class CentredLine(Flowable):
    """A centred heading line (letterhead, title), wrapped by character if it is too wide."""

    def __init__(
        self,
        text: str,
        size: float,
        *,
        title_font: bool,
        space_after: float = 0,
        spread_short: bool = False,
    ) -> None:
        super().__init__()
        fonts = document_fonts()
        self.text = text
        self.size = size
        self.font = fonts.title if title_font else fonts.body
        self.bold = title_font and fonts.title_fake_bold
        self.spaceAfter = space_after
        # A title of up to six characters is spread: 调 解 协 议 书.
        self.char_space = size * 0.5 if spread_short and len(text) <= 6 else 0
        self._lines: list[str] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._lines = _split_to_width(self.text, self.font, self.size, available_width) or [""]
        self.width = available_width
        self.height = len(self._lines) * self.size * 1.45
        return self.width, self.height

    def draw(self) -> None:
        y = self.height - self.size * 1.1
        for line in self._lines:
            draw_text(
                self.canv,
                self.width / 2,
                y,
                line,
                self.size,
                align="centre",
                font=self.font,
                bold=self.bold,
                char_space=self.char_space,
            )
            y -= self.size * 1.45


def letterhead(organisation: str) -> Flowable:
    """The issuing organisation's name above the title."""
    return CentredLine(organisation, SIZE_3, title_font=True, space_after=4)


def document_title(title: str) -> Flowable:
    return CentredLine(title, SIZE_2, title_font=True, space_after=6, spread_short=True)


def number_line(number: str, styles: Styles, align: int = TA_CENTER) -> Paragraph:
    style = styles.style("number", SIZE_S4, alignment=align, spaceAfter=8)
    return para(number, style)


def section_heading(text: str, styles: Styles) -> Paragraph:
    return para(text, styles.heading)


class CheckChoices(Flowable):
    """Lines like "同意调解：☑是 ☐否", each box drawn and ticked with the font's √.

    The bundled font has no ☐/☑, and a checkbox must never come out as an empty glyph box;
    the box is drawn, the tick is text (so pdftotext reads "√是 否").
    """

    def __init__(
        self,
        items: Sequence[tuple[str, bool]],
        size: float = SIZE_S4,
        options: tuple[str, str] = ("是", "否"),
    ) -> None:
        super().__init__()
        self.items = list(items)
        self.size = size
        self.options = options
        self.leading = size * 1.6

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = len(self.items) * self.leading
        return self.width, self.height

    def _box(self, x: float, y: float, checked: bool) -> float:
        side = self.size * 0.85
        canv = self.canv
        canv.saveState()
        canv.setLineWidth(0.7)
        canv.rect(x, y - self.size * 0.12, side, side, stroke=1, fill=0)
        canv.restoreState()
        if checked:
            draw_text(canv, x + side / 2, y, "√", self.size, align="centre")
        return side + self.size * 0.25

    def draw(self) -> None:
        y = self.height - self.size * 1.15
        for label, value in self.items:
            x = draw_text(self.canv, 0, y, f"{label}：", self.size)
            for option, checked in zip(self.options, (value, not value), strict=True):
                x += self._box(x, y, checked)
                x += draw_text(self.canv, x, y, option, self.size) + self.size * 0.8
            y -= self.leading


# --------------------------------------------------------------------------- tables


def grid_table(
    rows: list[list],
    col_widths: Sequence[float],
    *,
    spans: Sequence = (),
    shaded: Sequence[tuple[int, int, int, int]] = (),
    repeat_rows: int = 0,
    min_row_height: float | None = None,
    split_in_row: bool = False,
) -> Table:
    """A bordered table of Paragraph cells; `spans` and `shaded` are (col0, row0, col1, row1)."""
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), document_fonts().body),  # for empty cells too
        ("GRID", (0, 0), (-1, -1), GRID_LINE, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in spans]
    commands += [("BACKGROUND", (c0, r0), (c1, r1), SECTION_SHADE) for c0, r0, c1, r1 in shaded]
    table = Table(
        rows,
        colWidths=list(col_widths),
        repeatRows=repeat_rows,
        splitInRow=1 if split_in_row else 0,
        minRowHeights=None if min_row_height is None else [min_row_height] * len(rows),
        hAlign="CENTER",
    )
    table.setStyle(TableStyle(commands))
    return table


class LabelledText(Flowable):
    """A form row of a label and a long text, drawn with the form's borders, that splits
    between pages inside the text (reportlab's own row splitting misplaces spanned cells).
    The continuation is labelled "（续）"."""

    PADDING = 4

    def __init__(
        self,
        label: str,
        text: Paragraph | str,
        label_width: float,
        styles: Styles,
        *,
        continued: bool = False,
    ) -> None:
        super().__init__()
        self.label = label
        self.label_width = label_width
        self.styles = styles
        self.continued = continued
        self.text = text if isinstance(text, Paragraph) else cell(text, styles)
        shown = label + "（续）" if continued else label
        self.label_para = label_cell(shown, styles)

    def _text_width(self, available_width: float) -> float:
        return available_width - self.label_width - 2 * self.PADDING

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        _, text_height = self.text.wrap(self._text_width(available_width), 1e6)
        _, label_height = self.label_para.wrap(self.label_width - 2 * self.PADDING, 1e6)
        self.height = max(text_height, label_height) + 2 * self.PADDING
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        width = self._text_width(available_width)
        self.text.wrap(width, 1e6)
        parts = self.text.split(width, available_height - 2 * self.PADDING)
        if len(parts) < 2:
            return []
        first = LabelledText(
            self.label, parts[0], self.label_width, self.styles, continued=self.continued
        )
        rest = LabelledText(self.label, parts[1], self.label_width, self.styles, continued=True)
        return [first, rest]

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setLineWidth(GRID_LINE)
        canv.rect(0, 0, self.width, self.height)
        canv.line(self.label_width, 0, self.label_width, self.height)
        canv.restoreState()
        _, label_height = self.label_para.wrap(self.label_width - 2 * self.PADDING, 1e6)
        self.label_para.drawOn(canv, self.PADDING, (self.height - label_height) / 2)
        _, text_height = self.text.wrap(self._text_width(self.width), 1e6)
        self.text.drawOn(
            canv, self.label_width + self.PADDING, self.height - self.PADDING - text_height
        )


# --------------------------------------------------------------------------- signatures


@dataclass(frozen=True)
class SignatureLine:
    """One place to sign: a label and how much room to leave for the hand."""

    label: str
    printed: str = ""  # printed next to the blank, e.g. the mediator's name


def signature_block(
    lines: Sequence[tuple[SignatureLine | None, SignatureLine | None]],
    *,
    seal_holder: str,
    date_text: str,
    styles: Styles,
    lead: Sequence[Flowable] = (),
    sealed: bool = True,
) -> KeepTogether:
    """Rows of signatures in two columns (left, right; None leaves the place empty), then the
    seal area and the date at the right; kept on one page together with `lead` (the last
    clause), so no signature page stands alone."""
    size = styles.body_size
    half = TEXT_WIDTH / 2
    style = styles.style("sig", size, alignment=TA_LEFT)
    rows = [
        ["" if line is None else para(f"{line.label}：{line.printed}", style) for line in pair]
        for pair in lines
    ]
    table = Table(rows, colWidths=[half, half], minRowHeights=[size * 3.2] * len(rows))
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.fonts.body),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    seal_style = styles.style("seal", size, alignment=TA_CENTER)
    seal_width = TEXT_WIDTH * 0.62
    # Without a seal (an application the parties sign), only the date is printed.
    seal_rows = [[""], [para(f"{seal_holder}（盖章）", seal_style)]] if sealed else [[""]]
    seal = Table(
        [*seal_rows, [para(date_text, seal_style)]],
        colWidths=[seal_width],
        rowHeights=[size * 2.4 if sealed else size * 0.5] + [None] * len(seal_rows),
        hAlign="RIGHT",
    )
    seal.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.fonts.body),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([*lead, Spacer(1, size), table, seal])


def seal_block(
    *, seal_holder: str, date_text: str, styles: Styles, lead: Sequence[Flowable] = ()
) -> KeepTogether:
    """The issuing organisation's seal area and the date at the right, kept on one page with
    `lead` (the last paragraph): a decision signed by seal only."""
    size = styles.body_size
    seal_style = styles.style("seal", size, alignment=TA_CENTER)
    seal = Table(
        [[""], [para(f"{seal_holder}（盖章）", seal_style)], [para(date_text, seal_style)]],
        colWidths=[TEXT_WIDTH * 0.62],
        rowHeights=[size * 3.2, None, None],
        hAlign="RIGHT",
    )
    seal.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.fonts.body),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([*lead, Spacer(1, size), seal])


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class PageMarks:
    """What every page carries besides the story."""

    verification_code: str
    document_number: str = ""
    header_note: str = ""  # top right, e.g. 内部登记
    footer_note: str = ""  # above the footer, e.g. 当事人签名： on every page of a record
    printed_on: str = ""  # 打印日期, beside the verification code (never the decision's date)


class _NumberedCanvas(Canvas):
    """Draws "第 n 页 共 m 页" once the page count is known (pages are kept until save)."""

    def __init__(self, *args, marks: PageMarks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._marks = marks
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_marks(number, total)
            super().showPage()
        super().save()

    def _draw_marks(self, number: int, total: int) -> None:
        marks = self._marks
        y = BOTTOM_MARGIN * 0.5
        draw_text(self, PAGE_WIDTH / 2, y, f"第 {number} 页 共 {total} 页", SIZE_S5, align="centre")
        draw_text(
            self,
            PAGE_WIDTH - RIGHT_MARGIN,
            y,
            (f"打印日期 {marks.printed_on}  " if marks.printed_on else "")
            + f"校验码 {marks.verification_code}",
            SIZE_S5,
            align="right",
        )
        if marks.document_number:
            draw_text(self, LEFT_MARGIN, y, marks.document_number, SIZE_S5)
        if marks.footer_note:
            draw_text(
                self, LEFT_MARGIN, BOTTOM_MARGIN * 0.5 + SIZE_S4 * 1.8, marks.footer_note, SIZE_S4
            )
        if marks.header_note:
            size = SIZE_S4
            x = PAGE_WIDTH - RIGHT_MARGIN
            top = PAGE_HEIGHT - TOP_MARGIN * 0.55
            width = draw_text(self, x - 4, top, marks.header_note, size, align="right", bold=True)
            self.saveState()
            self.setLineWidth(0.8)
            self.rect(x - width - 8, top - size * 0.35, width + 8, size * 1.45)
            self.restoreState()


# Set by the issuing layer while it renders a corrected version: "第2版（更正）" at the top right
# of every page, so a paper copy shows which version it is.
VERSION_NOTE: ContextVar[str] = ContextVar("VERSION_NOTE", default="")


def build_pdf(
    story: list[Flowable], *, title: str, author: str, marks: PageMarks, footer_room: bool = False
) -> bytes:
    """Lay out `story` on A4 pages and return the PDF bytes (identical for identical input)."""
    fonts = document_fonts()
    if note := VERSION_NOTE.get():
        marks = dataclasses.replace(marks, header_note=f"{marks.header_note} {note}".strip())
    buffer = io.BytesIO()
    bottom = BOTTOM_MARGIN + (SIZE_S4 * 2 if footer_room or marks.footer_note else 0)
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT_MARGIN,
        rightMargin=RIGHT_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=bottom,
        title=title,
        author=author,
        subject=title,
        creator="station-app",
        invariant=1,
        lang="zh-CN",
        initialFontName=fonts.body,
        initialFontSize=SIZE_S4,
    )
    frame = Frame(
        LEFT_MARGIN,
        bottom,
        TEXT_WIDTH,
        PAGE_HEIGHT - TOP_MARGIN - bottom,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    with _BUILD_LOCK:
        doc.build(story, canvasmaker=partial(_NumberedCanvas, marks=marks))
    return buffer.getvalue()
