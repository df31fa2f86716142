"""Document PDFs read back with poppler: helpers, and what every document kind must satisfy
(fonts embedded as subsets, byte-identical reprints, page marks on every page)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from station_app.documents import DOCUMENT_KINDS, samples
from station_app.documents.fonts import configure_document_fonts
from station_app.documents.layout import format_document_number
from station_app.documents.samples import sample_complainant, sample_registration
from station_app.domain import CaseKind


def needs_poppler(test):
    """poppler-utils is installed by scripts/setup.sh; its absence is a failure, not a skip."""
    return test


def _run(tool: list[str], pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        done = subprocess.run(
            [*tool, str(path)] + (["-"] if tool[0] == "pdftotext" else []),
            capture_output=True,
            check=True,
        )
    return done.stdout.decode("utf-8")


def pdf_text(pdf: bytes, page: int | None = None, *, raw: bool = False) -> str:
    """The text of the document, or of one page, as pdftotext reads it (`raw`: in the order
    it was drawn, which keeps a line drawn in pieces together)."""
    pages = [] if page is None else ["-f", str(page), "-l", str(page)]
    return _run(["pdftotext", "-enc", "UTF-8", *(["-raw"] if raw else []), *pages], pdf)


def flat(text: str) -> str:
    """Text without any whitespace: line breaks fall anywhere in Chinese text."""
    return re.sub(r"\s+", "", text)


def page_count(pdf: bytes) -> int:
    match = re.search(r"^Pages:\s+(\d+)", _run(["pdfinfo"], pdf), re.MULTILINE)
    assert match
    return int(match.group(1))


def pdf_fonts(pdf: bytes) -> list[dict[str, str]]:
    """pdffonts' rows: name, type, emb, sub, uni."""
    lines = _run(["pdffonts"], pdf).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni objnum gen
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def bundled_fonts():
    """The bundled font only, whatever this computer has, so results are the same anywhere."""
    configure_document_fonts(prefer_system=False, rare_character_fonts=())
    yield
    configure_document_fonts()


def sample_content(kind_id: str):
    return samples.sample_content(kind_id)


def build(kind_id: str, content=None, code: str = "1A2B3C4D") -> bytes:
    kind = DOCUMENT_KINDS[kind_id]
    return kind.build(content or sample_content(kind_id), verification_code=code)


# --------------------------------------------------------------------------- every kind

KINDS = sorted(DOCUMENT_KINDS)


def test_the_registry_names_every_kind():
    assert {"complaint_registration", "report_registration", "mediation_agreement"} <= set(KINDS)
    for kind in DOCUMENT_KINDS.values():
        assert kind.title and kind.module.startswith("station_app.documents.")
        assert isinstance(sample_content(kind.id), kind.content_type)
        assert kind.missing_facts(sample_content(kind.id)) == []


@needs_poppler
@pytest.mark.parametrize("kind_id", KINDS)
def test_every_font_is_embedded_as_a_subset(kind_id):
    rows = pdf_fonts(build(kind_id))
    assert rows
    for row in rows:
        assert (row["emb"], row["sub"], row["uni"]) == ("yes", "yes", "yes"), row
        assert re.fullmatch(r"[A-Z]{6}\+.+", row["name"]), row


@pytest.mark.parametrize("kind_id", KINDS)
def test_a_reprint_is_byte_identical(kind_id):
    first = build(kind_id)
    assert first.startswith(b"%PDF-")
    assert build(kind_id) == first
    assert build(kind_id, code="FFFF0000") != first  # the code is printed


def test_a_reprint_in_another_process_is_byte_identical():
    script = (
        "import hashlib, sys\n"
        "from station_app.documents import DOCUMENT_KINDS\n"
        "from station_app.documents.fonts import configure_document_fonts\n"
        "from station_app.documents.samples import sample_agreement\n"
        "configure_document_fonts(prefer_system=False, rare_character_fonts=())\n"
        "pdf = DOCUMENT_KINDS['mediation_agreement'].build(sample_agreement(),"
        " verification_code='1A2B3C4D')\n"
        "print(hashlib.sha256(pdf).hexdigest())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, text=True
    )
    assert done.stdout.strip() == hashlib.sha256(build("mediation_agreement")).hexdigest()


@needs_poppler
@pytest.mark.parametrize("kind_id", KINDS)
def test_every_page_has_its_number_and_the_verification_code(kind_id):
    content = sample_content(kind_id)
    content.case.complainants = [sample_complainant(n) for n in range(1, 151)]
    if getattr(content, "session", None) is not None:  # 调解笔录: a long statement
        content.session.complainant_statement *= 30
    if isinstance(getattr(content, "reason", None), str):  # 举报处理结果告知书: a long reason
        content.outcome = "not-open"
        content.reason = "经核查，被举报人的行为不构成违法。" * 60
    pdf = build(kind_id, content, code="C0DE1234")
    total = page_count(pdf)
    assert total >= 2
    for page in range(1, total + 1):
        text = flat(pdf_text(pdf, page))
        assert f"第{page}页共{total}页" in text
        assert "校验码C0DE1234" in text


@needs_poppler
@pytest.mark.parametrize("kind_id", KINDS)
def test_no_line_starts_with_closing_punctuation(kind_id):
    """Chinese typesetting: ，。、；：） never begin a line (they hang at the end of the line)."""
    content = sample_content(kind_id)
    content.case.facts = "投诉人称，" * 120
    lines = [line.strip() for line in pdf_text(build(kind_id, content)).splitlines()]
    assert [line for line in lines if line and line[0] in "，。、；：）》"] == []


def test_document_numbers():
    assert format_document_number("瑞市监消", 2026, 17) == "瑞市监消〔2026〕第17号"
    with pytest.raises(ValueError):
        format_document_number("", 2026, 1)
    with pytest.raises(ValueError):
        format_document_number("瑞市监消", 2026, 0)


def test_no_document_for_the_business_is_made_for_a_report():
    """A reporter's identity never reaches the business: only internal forms exist for reports."""
    from station_app.documents import Audience

    report = sample_registration(CaseKind.REPORT)
    for kind in DOCUMENT_KINDS.values():
        if kind.audience in (Audience.INTERNAL, Audience.REPORTER):
            continue
        content = sample_content(kind.id)
        content.case = report.case
        assert kind.missing_facts(content), kind.id


@needs_poppler
def test_a_footer_note_is_printed_on_every_page():
    """For records signed on every page (调解笔录): the note sits above the page number."""
    from station_app.documents.fonts import document_fonts
    from station_app.documents.layout import PageMarks, Styles, build_pdf, para

    styles = Styles(document_fonts())
    story = [para("调解笔录正文。" * 40, styles.body) for _ in range(8)]
    marks = PageMarks(verification_code="ABCD0123", footer_note="当事人签名：")
    pdf = build_pdf(story, title="调解笔录", author="测试", marks=marks)
    total = page_count(pdf)
    assert total >= 2
    for page in range(1, total + 1):
        text = flat(pdf_text(pdf, page))
        assert "当事人签名：" in text and f"第{page}页共{total}页" in text


def problem_heads(problems: list[str]) -> list[str]:
    """Missing facts without what supplies each ("…: record it with …"), to compare lists."""
    return [p.split(": ", 1)[0].removesuffix(".") for p in problems]
