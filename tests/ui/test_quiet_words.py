"""Quiet, correct words: the missing holiday schedule told once per login (status bar, today's
work) and not after every step; a met deadline completed in time or late; a single
complainant without the joint-complaint table; the registrant by display name; the documents
list counting what its dialog lists."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from station_app.case_actions import act, case_record
from station_app.case_clock import CaseDeadline
from station_app.deadlines import DeadlineKind
from station_app.store.holidays import calendar_warnings, load_calendar
from station_app.ui.case_detail import CaseDetailDialog
from station_app.ui.case_timeline import deadline_state, known_names
from station_app.ui.documents_dialog import DocumentsDialog
from station_app.ui.todays_work import TodaysWorkDialog
from station_app.workflow import Action
from tests.ui.conftest import STATION_CODE


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where to save screenshots to look at: $STATION_SCREENSHOTS, else the test's folder."""
    return Path(os.environ.get("STATION_SCREENSHOTS") or tmp_path)


def _act(folder, user, case_no, action, payload=None):
    with folder.open_store() as store:
        return act(
            store,
            case_no,
            action,
            payload or {},
            user=user,
            station_code=STATION_CODE,
            calendar=load_calendar(store),
            now=datetime.now(),
        )


def open_detail(qtbot, tasks, user, case_no) -> CaseDetailDialog:
    dialog = CaseDetailDialog(tasks, None, user)
    qtbot.addWidget(dialog)
    dialog.view.show_case(case_no)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view.view is not None, timeout=5_000)
    return dialog


def texts(widget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel) if label.isVisible())


def test_the_status_bar_tells_of_a_missing_holiday_schedule_once(
    qtbot, main_window, folder, screenshots
):
    with folder.open_store() as store:
        expected = calendar_warnings(store, date.today())
    label = main_window.calendar_label
    qtbot.waitUntil(lambda: label.text() == " ".join(expected), timeout=5_000)
    assert label.isVisible() == bool(expected)
    main_window.grab().save(str(screenshots / "quiet-main-window.png"))


def test_todays_work_shows_the_calendar_warning(qtbot, tasks, folder, sample_cases, screenshots):
    dialog = TodaysWorkDialog(tasks, today=date(2026, 11, 30))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.work is not None, timeout=5_000)
    assert dialog.work.calendar_warnings
    assert dialog.calendar.isVisible()
    assert "2027" in dialog.calendar.text()
    dialog.grab().save(str(screenshots / "quiet-todays-work.png"))


def test_a_step_shows_no_calendar_warning_box(qtbot, tasks, admin, sample_cases):
    complaint = sample_cases[0].case_no
    detail = open_detail(qtbot, tasks, admin, complaint)
    dialog = detail.view.open_action(Action.ACCEPT)
    # Today's acceptance starts a 60-working-day mediation clock: with no schedule for next
    # year, the step's result carries the calendar warning...
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=5_000)
    with tasks.folder.open_store() as store:
        calendar = calendar_warnings(store, date.today())
        if calendar:
            assert dialog.result.calendar_warnings
    # (the case was received in March: accepted today, it is accepted late, and told so)
    assert [w for w in dialog.result.step_warnings if "completed late" not in w] == []
    qtbot.wait(100)
    # ...and no box tells of the calendar after the step.
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    shown = "\n".join(b.text() for b in boxes if b.isVisible())
    assert not any(warning in shown for warning in dialog.result.calendar_warnings)


def test_a_met_deadline_reads_completed_in_time_or_late():
    on_time = CaseDeadline(
        DeadlineKind.ACCEPTANCE, date(2026, 3, 2), date(2026, 3, 10), date(2026, 3, 4)
    )
    late = CaseDeadline(
        DeadlineKind.ACCEPTANCE, date(2026, 3, 2), date(2026, 3, 10), date(2026, 3, 12)
    )
    assert deadline_state(on_time, date(2026, 3, 20))[0] == "completed in time on 2026-03-04"
    assert deadline_state(late, date(2026, 3, 20))[0] == "completed late on 2026-03-12"


def test_a_single_complainant_has_no_joint_table_and_the_registrant_a_name(
    qtbot, tasks, admin, sample_cases, screenshots
):
    known_names["admin"] = "管理员"
    single = open_detail(qtbot, tasks, admin, sample_cases[0].case_no)
    box = single.view.members_box
    assert box.title() == "Joint complaint"
    assert "Members (" not in texts(single.view)
    assert box.findChild(QLabel, "members-totals") is None
    assert "管理员 (admin)" in texts(single.view)
    single.view.scroll.verticalScrollBar().setValue(400)
    single.grab().save(str(screenshots / "quiet-single-complainant.png"))
    joint = open_detail(qtbot, tasks, admin, sample_cases[3].case_no)
    assert joint.view.members_box.title() == "Members (2)"


def test_the_documents_list_counts_what_its_dialog_lists(qtbot, tasks, folder, admin, sample_cases):
    complaint = sample_cases[0].case_no
    _act(folder, admin, complaint, Action.ACCEPT)
    dialog = DocumentsDialog(tasks, user=admin, station_code=STATION_CODE, case_key=complaint)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    kinds = [row.kind for row in dialog.rows]
    # The judicial application lacks the agreement (the case); the court is the setting
    # court.name, which the station has.
    judicial = kinds.index("judicial_application")
    row = dialog.rows[judicial]
    assert len(row.missing) == 1 and len(row.missing_beyond_form) == 1
    assert dialog.table.item(judicial, 4).text() == "Not issued: 1 item(s) missing"
    dialog.select("judicial_application")
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.problems_dialog is not None, timeout=5_000)
    listed = [line for line in dialog.problems_dialog.problems if line.startswith("  - ")]
    assert len(listed) == 1
    # The notice waits for both consents (the case), then only for the facts its form asks.
    notice = kinds.index("mediation_notice")
    assert dialog.table.item(notice, 4).text() == "Not issued: 1 item(s) missing"
    consents = {"complainant_consents": True, "merchant_consents": True, "mode": "phone"}
    _act(folder, admin, complaint, Action.START_MEDIATION, consents)
    dialog.loaded = False
    dialog.reload()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    # A document whose only missing facts its form asks for says so.
    assert dialog.table.item(notice, 4).text() == "Not issued: its facts are asked when issued"
    with folder.open_store() as store:
        assert case_record(store, complaint).agreement is None
