"""The documents dialog of a case: which documents apply and which are issued, preview with
QtPdf, save as PDF (the frozen bytes), printing on a QPrinter, several at once, correction,
and the missing facts listed instead of a document with blanks."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor
from PySide6.QtPrintSupport import QPrinter

from station_app.case_actions import act
from station_app.document_issuing import issue_document, reprint
from station_app.documents import DOCUMENT_KINDS
from station_app.domain import Role, User
from station_app.store.cases import get_case
from station_app.store.documents import case_documents
from station_app.store.holidays import load_calendar
from station_app.ui.case_detail import CaseDetailDialog
from station_app.ui.document_details import DocumentDetailsDialog
from station_app.ui.documents_dialog import DocumentsDialog
from station_app.ui.print_documents import load_pdf
from station_app.workflow import Action

STATION = "RC-MT"
ACCEPTANCE = "acceptance_decision"
REGISTRATION = "complaint_registration"
AGREEMENT = "mediation_agreement"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where to save screenshots to look at: $STATION_SCREENSHOTS, else the test's folder."""
    return Path(os.environ.get("STATION_SCREENSHOTS") or tmp_path)


@pytest.fixture
def accepted(folder, admin, sample_cases) -> str:
    """张三's complaint, accepted, so its acceptance decision can be issued."""
    case_no = sample_cases[0].case_no
    with folder.open_store() as store:
        act(
            store,
            case_no,
            Action.ACCEPT,
            {"note": "材料齐全"},
            user=admin,
            station_code=STATION,
            calendar=load_calendar(store),
            now=datetime.now(),
        )
    return case_no


@pytest.fixture
def mediating(folder, admin, accepted) -> str:
    """The accepted complaint with both parties' consent to mediation recorded."""
    with folder.open_store() as store:
        act(
            store,
            accepted,
            Action.START_MEDIATION,
            {"complainant_consents": True, "merchant_consents": True, "mode": "phone"},
            user=admin,
            station_code=STATION,
            calendar=load_calendar(store),
            now=datetime.now(),
        )
    return accepted


def issue(folder, admin, case_no: str, kind: str):
    with folder.open_store() as store:
        return issue_document(
            store, folder, case_no, kind, user=admin, station_code=STATION, now=datetime.now()
        )


def issued_kinds(folder, case_no: str) -> list[tuple[str, int]]:
    with folder.open_store() as store:
        case = get_case(store, case_no)
        return [(doc.kind, doc.version) for doc in case_documents(store, case.id)]


def frozen(folder, case_no: str, kind: str) -> bytes:
    with folder.open_store() as store:
        reader = User("admin", "管理员", Role.ADMIN, STATION)
        return reprint(store, folder, case_no, kind, user=reader, station_code=STATION).pdf


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    line = next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])


def open_documents(qtbot, tasks, admin, case_no: str) -> DocumentsDialog:
    dialog = DocumentsDialog(tasks, user=admin, station_code=STATION, case_key=case_no)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    return dialog


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def answer_printer(monkeypatch, dialog: DocumentsDialog, path: Path) -> list[tuple[str, int]]:
    """Bypass the print dialog: print to a PDF file; returns the (title, copies) asked for."""
    asked: list[tuple[str, int]] = []

    def choose(title: str, copies: int) -> QPrinter:
        asked.append((title, copies))
        printer = pdf_printer(path)
        printer.setCopyCount(copies)
        return printer

    monkeypatch.setattr(dialog, "choose_printer", choose)
    return asked


def test_the_dialog_lists_the_kinds_of_the_case_and_marks_the_issued_ones(
    qtbot, tasks, folder, admin, accepted, screenshots
):
    issued = issue(folder, admin, accepted, ACCEPTANCE).document
    dialog = open_documents(qtbot, tasks, admin, accepted)
    kinds = [row.kind for row in dialog.rows]
    # A complaint: every document but the report's two.
    assert "report_registration" not in kinds and "report_result_notice" not in kinds
    assert {ACCEPTANCE, REGISTRATION, AGREEMENT, "refusal_decision"} <= set(kinds)
    assert dialog.table.rowCount() == len(kinds)
    row = kinds.index(ACCEPTANCE)
    assert dialog.table.item(row, 0).text() == DOCUMENT_KINDS[ACCEPTANCE].title
    assert dialog.table.item(row, 1).text() == issued.doc_no
    assert dialog.table.item(row, 2).text() == "1"
    assert dialog.table.item(row, 4).text() == "Issued"
    agreement = kinds.index(AGREEMENT)
    assert dialog.table.item(agreement, 1).text() == ""
    assert dialog.table.item(agreement, 4).text().startswith("Not issued:")
    assert "missing" in dialog.table.item(agreement, 4).text()
    dialog.grab().save(str(screenshots / "documents_dialog.png"))


def test_preview_shows_every_page_of_the_issued_document(
    qtbot, tasks, folder, admin, accepted, tmp_path, screenshots
):
    issue(folder, admin, accepted, ACCEPTANCE)
    dialog = open_documents(qtbot, tasks, admin, accepted)
    dialog.select(ACCEPTANCE)
    assert dialog.preview_button.isEnabled()
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview_dialog is not None, timeout=10_000)
    preview = dialog.preview_dialog
    expected = pdf_pages(frozen(folder, accepted, ACCEPTANCE), tmp_path)
    assert preview.page_count() == expected >= 1
    assert preview.pdf == frozen(folder, accepted, ACCEPTANCE)
    preview.resize(700, 900)
    qtbot.wait(300)  # QPdfView renders its pages in the background
    preview.grab().save(str(screenshots / "document_preview.png"))


def test_previewing_a_ready_document_issues_it_after_asking(
    qtbot, tasks, folder, admin, accepted, monkeypatch
):
    dialog = open_documents(qtbot, tasks, admin, accepted)
    asked: list[list[str]] = []
    monkeypatch.setattr(dialog, "confirm_issue", lambda titles: asked.append(titles) or True)
    dialog.preview(REGISTRATION)
    qtbot.waitUntil(lambda: dialog.preview_dialog is not None, timeout=10_000)
    assert asked == [[DOCUMENT_KINDS[REGISTRATION].title]]
    assert (REGISTRATION, 1) in issued_kinds(folder, accepted)
    qtbot.waitUntil(lambda: dialog.row_of(REGISTRATION).issued is not None, timeout=5_000)


def test_declining_to_issue_issues_nothing(qtbot, tasks, folder, admin, accepted, monkeypatch):
    dialog = open_documents(qtbot, tasks, admin, accepted)
    monkeypatch.setattr(dialog, "confirm_issue", lambda titles: False)
    dialog.preview(REGISTRATION)
    qtbot.wait(300)
    assert dialog.preview_dialog is None
    assert issued_kinds(folder, accepted) == []


def test_save_as_pdf_writes_the_frozen_bytes(
    qtbot, tasks, folder, admin, accepted, tmp_path, monkeypatch
):
    issue(folder, admin, accepted, ACCEPTANCE)
    dialog = open_documents(qtbot, tasks, admin, accepted)
    target = tmp_path / "受理决定书.pdf"
    suggested: list[str] = []
    monkeypatch.setattr(
        dialog, "choose_save_path", lambda name: suggested.append(name) or str(target)
    )
    dialog.select(ACCEPTANCE)
    dialog.save_button.click()
    qtbot.waitUntil(target.exists, timeout=10_000)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=5_000)
    assert target.read_bytes() == frozen(folder, accepted, ACCEPTANCE)
    assert suggested and suggested[0].startswith(accepted) and suggested[0].endswith(".pdf")


def test_printing_paints_white_pages_with_the_text_on_the_printer(
    qtbot, tasks, folder, admin, accepted, tmp_path, monkeypatch, screenshots
):
    issue(folder, admin, accepted, ACCEPTANCE)
    dialog = open_documents(qtbot, tasks, admin, accepted)
    out = tmp_path / "printed.pdf"
    asked = answer_printer(monkeypatch, dialog, out)
    dialog.select(ACCEPTANCE)
    dialog.print_button.click()
    qtbot.waitUntil(lambda: dialog.last_printed_pages > 0, timeout=20_000)
    assert asked == [(DOCUMENT_KINDS[ACCEPTANCE].title, 1)]  # one copy of a decision
    pages = pdf_pages(frozen(folder, accepted, ACCEPTANCE), tmp_path)
    assert dialog.last_printed_pages == pages
    assert pdf_pages(out.read_bytes(), tmp_path) == pages

    printed = load_pdf(out.read_bytes())
    image = printed.render(0, QSize(420, 594))  # no fill here: the page itself must be white
    corner = image.pixelColor(5, 5)
    assert corner.alpha() == 255 and corner.lightness() > 245
    dark = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixelColor(x, y).alpha() == 255 and image.pixelColor(x, y).lightness() < 100
    )
    assert dark > 50  # the text and the title are there
    white = sum(
        1
        for y in range(0, image.height(), 4)
        for x in range(0, image.width(), 4)
        if image.pixelColor(x, y) == QColor("white")
    )
    assert white > image.width() * image.height() / 16 / 2  # mostly white paper
    image.save(str(screenshots / "documents_printed_page.png"))


def test_the_copies_chosen_are_printed(qtbot, folder, admin, accepted, tmp_path):
    from station_app.ui.print_documents import default_copies, print_pdf

    assert default_copies(AGREEMENT) == 3  # the agreement is offered in three copies
    assert default_copies(ACCEPTANCE) == 1
    pdf = issue(folder, admin, accepted, ACCEPTANCE).pdf
    out = tmp_path / "copies.pdf"
    printer = pdf_printer(out)
    printer.setCopyCount(3)  # as chosen in the print dialog
    pages = pdf_pages(pdf, tmp_path)
    assert print_pdf(pdf, printer) == 3 * pages
    assert pdf_pages(out.read_bytes(), tmp_path) == 3 * pages


def test_print_selected_issues_and_prints_several_as_one_job(
    qtbot, tasks, folder, admin, accepted, tmp_path, monkeypatch
):
    issue(folder, admin, accepted, ACCEPTANCE)
    dialog = open_documents(qtbot, tasks, admin, accepted)
    out = tmp_path / "batch.pdf"
    answer_printer(monkeypatch, dialog, out)
    confirmed: list[list[str]] = []
    monkeypatch.setattr(dialog, "confirm_issue", lambda titles: confirmed.append(titles) or True)
    dialog.select(ACCEPTANCE, REGISTRATION)
    assert set(dialog.selected_kinds()) == {ACCEPTANCE, REGISTRATION}
    dialog.print_selected_button.click()
    qtbot.waitUntil(lambda: dialog.last_printed_pages > 0, timeout=30_000)
    # Only the registration form was new; the decision was reprinted, not issued again.
    assert confirmed == [[DOCUMENT_KINDS[REGISTRATION].title]]
    assert sorted(issued_kinds(folder, accepted)) == [(ACCEPTANCE, 1), (REGISTRATION, 1)]
    expected = sum(
        pdf_pages(frozen(folder, accepted, kind), tmp_path) for kind in (ACCEPTANCE, REGISTRATION)
    )
    assert dialog.last_printed_pages == expected
    assert pdf_pages(out.read_bytes(), tmp_path) == expected


def test_an_incomplete_document_lists_what_is_missing_and_issues_nothing(
    qtbot, tasks, folder, admin, accepted, monkeypatch, screenshots
):
    dialog = open_documents(qtbot, tasks, admin, accepted)
    printers: list = []
    monkeypatch.setattr(dialog, "choose_printer", lambda *args: printers.append(args))
    monkeypatch.setattr(dialog, "confirm_issue", lambda titles: True)
    dialog.select(AGREEMENT)
    dialog.print_button.click()
    qtbot.waitUntil(lambda: dialog.problems_dialog is not None, timeout=5_000)
    problems = dialog.problems_dialog.problems
    assert problems[0] == DOCUMENT_KINDS[AGREEMENT].title + ":"
    assert len(problems) >= 2 and all(line.startswith("  - ") for line in problems[1:])
    assert printers == []
    assert issued_kinds(folder, accepted) == []
    dialog.problems_dialog.grab().save(str(screenshots / "documents_missing_facts.png"))

    # Printing it among others prints none of them.
    dialog.problems_dialog.close()
    dialog.select(AGREEMENT, REGISTRATION)
    dialog.print_selected()
    qtbot.waitUntil(lambda: dialog.problems_dialog is not None, timeout=5_000)
    assert DOCUMENT_KINDS[AGREEMENT].title + ":" in dialog.problems_dialog.problems
    qtbot.wait(200)
    assert printers == [] and issued_kinds(folder, accepted) == []


def test_a_correction_asks_for_the_reason_and_issues_version_two(
    qtbot, tasks, folder, admin, accepted, monkeypatch
):
    issue(folder, admin, accepted, ACCEPTANCE)
    dialog = open_documents(qtbot, tasks, admin, accepted)
    monkeypatch.setattr(dialog, "ask_reason", lambda title: "投诉人姓名更正")
    dialog.select(ACCEPTANCE)
    assert dialog.correct_button.isEnabled()
    dialog.correct_button.click()
    qtbot.waitUntil(lambda: (ACCEPTANCE, 2) in issued_kinds(folder, accepted), timeout=10_000)
    qtbot.waitUntil(lambda: dialog.row_of(ACCEPTANCE).issued.version == 2, timeout=5_000)
    qtbot.waitUntil(lambda: dialog.preview_dialog is not None, timeout=5_000)
    assert "version 2" in dialog.preview_dialog.windowTitle()
    row = [r.kind for r in dialog.rows].index(ACCEPTANCE)
    assert dialog.table.item(row, 2).text() == "2"


def test_the_case_detail_opens_the_documents_dialog(qtbot, tasks, admin, accepted):
    detail = CaseDetailDialog(tasks, None, admin)
    qtbot.addWidget(detail)
    detail.view.show_case(accepted)
    detail.show()
    qtbot.waitUntil(lambda: detail.view.view is not None, timeout=5_000)
    detail.view.documents_button.click()
    dialog = detail.view.documents_dialog
    assert isinstance(dialog, DocumentsDialog) and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    assert dialog.case_key == accepted


NOTICE = "mediation_notice"


def test_the_mediation_notice_waits_for_both_consents(
    qtbot, tasks, folder, admin, accepted, monkeypatch
):
    dialog = open_documents(qtbot, tasks, admin, accepted)
    monkeypatch.setattr(dialog, "ask_details", lambda *args: pytest.fail("not asked"))
    dialog.preview(NOTICE)
    qtbot.waitUntil(lambda: dialog.problems_dialog is not None, timeout=5_000)
    assert "Start mediation" in "\n".join(dialog.problems_dialog.problems)
    assert issued_kinds(folder, accepted) == []


def test_a_notice_for_a_past_session_is_issued_with_a_warning(
    qtbot, tasks, folder, admin, mediating, monkeypatch
):
    dialog = open_documents(qtbot, tasks, admin, mediating)
    past = {"held_at": "2026-01-05 09:30", "place": "调解室", "materials": ["身份证"]}
    monkeypatch.setattr(dialog, "ask_details", lambda *args: past)
    dialog.preview(NOTICE)
    qtbot.waitUntil(lambda: dialog.warnings_box is not None, timeout=10_000)
    assert "2026-01-05 09:30" in dialog.warnings_box.text()
    assert issued_kinds(folder, mediating) == [(NOTICE, 1)]


def test_the_mediation_notice_asks_for_its_time_and_place_then_issues(
    qtbot, tasks, folder, admin, mediating, monkeypatch, tmp_path
):
    accepted = mediating
    dialog = open_documents(qtbot, tasks, admin, accepted)
    asked: list[str] = []

    def fill(kind, title, known=None):
        asked.append(kind)
        form = DocumentDetailsDialog(kind, title, dialog)
        qtbot.addWidget(form)
        form.set_value("held_at", "2026-12-01 09:30")
        form.set_value("place", "码头镇消费者投诉站调解室")
        form.set_value("mediators", "李文华\n赵明")
        form.set_value("materials", "身份证\n购物小票")
        form.set_value("contact", "0792-4221234")
        return form.details()

    monkeypatch.setattr(dialog, "ask_details", fill)
    dialog.preview(NOTICE)
    qtbot.waitUntil(lambda: dialog.preview_dialog is not None, timeout=10_000)

    assert asked == [NOTICE]
    path = tmp_path / "notice.pdf"
    path.write_bytes(frozen(folder, accepted, NOTICE))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for fact in ("码头镇消费者投诉站调解室", "购物小票", "李文华", "0792-4221234"):
        assert fact in text.replace("\n", "").replace(" ", "")


def test_cancelling_the_facts_form_issues_nothing(
    qtbot, tasks, folder, admin, accepted, monkeypatch
):
    dialog = open_documents(qtbot, tasks, admin, accepted)
    monkeypatch.setattr(dialog, "ask_details", lambda *args: None)
    dialog.preview(NOTICE)
    qtbot.wait(300)
    assert dialog.preview_dialog is None
    assert issued_kinds(folder, accepted) == []


def test_the_facts_form_gives_lists_for_one_entry_per_line(qtbot):
    form = DocumentDetailsDialog(NOTICE, "投诉调解通知书")
    qtbot.addWidget(form)
    form.set_value("place", "  调解室 ")
    form.set_value("materials", "身份证\n\n购物小票\n")
    form.set_value("contact", "")
    details = form.details()
    assert details["place"] == "调解室"
    assert details["materials"] == ["身份证", "购物小票"]
    assert "contact" not in details


def test_a_corrected_notice_offers_the_facts_typed_first(
    qtbot, tasks, folder, admin, mediating, monkeypatch, tmp_path
):
    first = {
        "held_at": "2026-12-03 09:30",
        "place": "码头镇消费者投诉站调解室",
        "materials": ["身份证", "购物小票"],
        "contact": "0792-4221234",
    }
    with folder.open_store() as store:
        issue_document(
            store, folder, mediating, NOTICE, user=admin, station_code=STATION,
            now=datetime.now(), details=first,
        )  # fmt: skip
    dialog = open_documents(qtbot, tasks, admin, mediating)
    offered: list[dict] = []

    def fill(kind, title, known=None):
        form = DocumentDetailsDialog(kind, title, dialog, known=known)
        qtbot.addWidget(form)
        offered.append(form.details())  # what the clerk sees, before changing anything
        form.set_value("place", "码头镇人民调解室")
        return form.details()

    monkeypatch.setattr(dialog, "ask_details", fill)
    monkeypatch.setattr(dialog, "ask_reason", lambda title: "调解地点变更")
    dialog.correct(NOTICE)
    qtbot.waitUntil(lambda: (NOTICE, 2) in issued_kinds(folder, mediating), timeout=10_000)
    assert offered == [first]
    path = tmp_path / "v2.pdf"
    path.write_bytes(frozen(folder, mediating, NOTICE))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    flat = text.replace("\n", "").replace(" ", "")
    assert "码头镇人民调解室" in flat and "购物小票" in flat and "0792-4221234" in flat
