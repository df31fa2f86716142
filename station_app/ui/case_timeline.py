"""The workflow part of a case as widgets: its deadlines (overdue red, due today orange) and the
timeline of its events, newest first, naming people by their display names where known."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from station_app.action_payloads import ACTION_FIELDS
from station_app.case_clock import CaseDeadline
from station_app.documents import DOCUMENT_KINDS
from station_app.domain import (
    CaseEvent,
    ContactResult,
    ContactWay,
    CourtOutcome,
    FollowUpParty,
    MediationMode,
    PromiseArea,
    Role,
    Satisfaction,
    SuspensionReason,
    TermType,
)
from station_app.domain import label as enum_label
from station_app.i18n import _
from station_app.ui.field_problem import ERROR_COLOUR, WARNING_COLOUR
from station_app.ui.known_names import known_names
from station_app.validation import field_label
from station_app.workflow import Action, event_label

MUTED_COLOUR = "#555555"


def person_text(username: str, names: Mapping[str, str] | None = None) -> str:
    """ "张三 (zhangsan)" for a known user, else the bare username."""
    names = known_names if names is None else names
    display = names.get(username)
    if not username or not display or display == username:
        return username
    return _("{name} ({username})").format(name=display, username=username)


def _enum_text(kind: type[StrEnum], value: Any) -> str:
    try:
        return enum_label(kind(value))
    except (ValueError, KeyError):
        return str(value)


# What an amend-agreement event may change, with the labels its dialog shows.
AMENDABLE_FIELDS = ACTION_FIELDS[Action.AMEND_AGREEMENT]


def event_title(event: CaseEvent) -> str:
    return event_label(event.action)


def event_lines(event: CaseEvent) -> list[str]:
    """The event's details a clerk needs to read, one line each (ground by item number ...)."""
    d = event.details or {}
    lines: list[str] = []
    if event.from_status != event.to_status:
        lines.append(
            _("Status: {old} → {new}").format(
                old=enum_label(event.from_status), new=enum_label(event.to_status)
            )
        )
    if d.get("ground") is not None:
        lines.append(
            _("Ground: item {item}, {text}").format(item=d["ground"], text=d.get("ground_text", ""))
        )
    if d.get("to_station"):
        lines.append(
            _("Escalated from {old} to {new}").format(
                old=d.get("from_station", ""), new=d["to_station"]
            )
        )
    if d.get("reason"):
        if event.action == Action.SUSPEND:
            lines.append(
                _("Reason: {reason}").format(reason=_enum_text(SuspensionReason, d["reason"]))
            )
        else:
            lines.append(_("Reason: {reason}").format(reason=d["reason"]))
    if d.get("mode"):
        lines.append(_("Mode: {mode}").format(mode=_enum_text(MediationMode, d["mode"])))
    if d.get("entrusted"):
        lines.append(_("Entrusted to the consumer association"))
    for term in d.get("terms") or []:
        amount = term.get("amount")
        text = _enum_text(TermType, term.get("type"))
        if term.get("description"):
            text += f"：{term['description']}"
        if amount:
            text += " " + _("{amount} yuan").format(amount=amount)
        lines.append(_("Term: {term}").format(term=text))
    if d.get("amount_recovered"):
        lines.append(_("Amount recovered: {amount} yuan").format(amount=d["amount_recovered"]))
    if d.get("performed_on_spot"):
        lines.append(_("Performed on the spot"))
    if d.get("performance_due"):
        lines.append(_("To be performed by {day}").format(day=d["performance_due"]))
    if d.get("performance"):
        lines.append(_("Performed by way of: {how}").format(how=d["performance"]))
    if d.get("dispute"):
        lines.append(_("Dispute and responsibility: {text}").format(text=d["dispute"]))
    if d.get("mediators"):
        lines.append(_("Mediators: {names}").format(names="、".join(d["mediators"])))
    if isinstance(d.get("previous"), dict):
        changed = [_(spec.label) for spec in AMENDABLE_FIELDS if spec.key in d["previous"]]
        lines.append(_("Changed: {fields}").format(fields="、".join(changed)))
    if d.get("late"):
        lines.append(_("Performed late"))
    if "minutes" in d:
        kept = _("promise kept") if d.get("kept") else _("promise not kept")
        lines.append(
            _("On the scene after {minutes} minutes (promise {promise} minutes): {kept}").format(
                minutes=d["minutes"], promise=d.get("promise_minutes", "?"), kept=kept
            )
        )
    if d.get("area"):
        lines.append(_("Scene: {area}").format(area=_enum_text(PromiseArea, d["area"])))
    if d.get("court_name"):
        lines.append(_("Court: {court}").format(court=d["court_name"]))
    if d.get("outcome"):
        lines.append(
            _("Pre-litigation mediation: {outcome}").format(
                outcome=_enum_text(CourtOutcome, d["outcome"])
            )
        )
    if d.get("court_case_no"):
        lines.append(_("Court's case number: {number}").format(number=d["court_case_no"]))
    if d.get("into"):
        lines.append(_("Merged into {number}").format(number=d["into"]))
    if d.get("merged_report"):
        lines.append(
            _("Repeat report {number} merged into this one; the clock restarts on {day}").format(
                number=d["merged_report"], day=d.get("restart_on", "")
            )
        )
    if d.get("party"):
        lines.append(
            _("Visited: {party}, {satisfaction}").format(
                party=_enum_text(FollowUpParty, d["party"]),
                satisfaction=_enum_text(Satisfaction, d.get("satisfaction", "")),
            )
        )
    if d.get("contact_way"):
        lines.append(
            _("Contact: {way}, {result}").format(
                way=_enum_text(ContactWay, d["contact_way"]),
                result=_enum_text(ContactResult, d.get("contact_result", "")),
            )
        )
    if d.get("result"):
        lines.append(_("Result: {result}").format(result=d["result"]))
    if d.get("answer"):
        lines.append(_("Answer: {answer}").format(answer=d["answer"]))
    for change in d.get("changes") or []:
        lines.append(
            _("{field}: {old} → {new}").format(
                field=field_label(change.get("field", "")),
                old=_change_value(change.get("old")),
                new=_change_value(change.get("new")),
            )
        )
    for document in d.get("documents") or []:
        spec = DOCUMENT_KINDS.get(document.get("kind", ""))
        lines.append(
            _("Needs a corrected version: {title} {number}").format(
                title=spec.title if spec else document.get("kind", ""),
                number=document.get("doc_no", ""),
            )
        )
    if event.note:
        lines.append(_("Note: {note}").format(note=event.note))
    return lines


def _change_value(value: Any) -> str:
    """A corrected field's value in words: empty as a dash, yes/no for a tick box."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _role_text(role: str) -> str:
    return _enum_text(Role, role) if role else ""


def timeline_box(
    events: list[CaseEvent],
    received_at: str,
    created_by: str,
    names: Mapping[str, str] | None = None,
) -> QGroupBox:
    """The case's steps, newest first, ending with its registration. `names` maps usernames
    to display names (default: the ones the main window read, `known_names`)."""
    box = QGroupBox(_("Timeline ({n} steps)").format(n=len(events)))
    box.setObjectName("timeline")
    layout = QVBoxLayout(box)
    layout.setSpacing(6)
    for event in reversed(events):
        layout.addWidget(_event_widget(event, names))
    registered = QLabel(
        _("{when} · Registered by {who}").format(
            when=received_at, who=person_text(created_by, names) if created_by else "—"
        )
    )
    registered.setStyleSheet(f"color: {MUTED_COLOUR};")
    layout.addWidget(registered)
    return box


def _event_widget(event: CaseEvent, names: Mapping[str, str] | None) -> QWidget:
    frame = QFrame()
    frame.setObjectName("timeline-event")
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(8, 4, 8, 4)
    layout.setSpacing(1)
    who = person_text(event.actor, names)
    role = _role_text(event.actor_role)
    display = (known_names if names is None else names).get(event.actor)
    if role and display and display != event.actor:
        who = _("{name} ({username}, {role})").format(name=display, username=event.actor, role=role)
    elif role:
        who = _("{name} ({role})").format(name=event.actor, role=role)
    title = QLabel(
        _("{when} · {action} · {who}").format(
            when=event.occurred_at, action=event_title(event), who=who
        )
    )
    font = title.font()
    font.setBold(True)
    title.setFont(font)
    title.setWordWrap(True)
    layout.addWidget(title)
    for line in event_lines(event):
        text = QLabel(line)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(text)
    return frame


def deadline_state(deadline: CaseDeadline, today: date) -> tuple[str, str]:
    """The deadline's state in words and its colour ('' for none)."""
    if deadline.met_on is not None:
        day = deadline.met_on.isoformat()
        if deadline.due is not None and deadline.met_on > deadline.due:
            return _("completed late on {day}").format(day=day), MUTED_COLOUR
        return _("completed in time on {day}").format(day=day), MUTED_COLOUR
    if deadline.due is None:
        since = deadline.paused_since.isoformat() if deadline.paused_since else "—"
        return _("paused since {day}").format(day=since), MUTED_COLOUR
    days = (deadline.due - today).days
    if days < 0:
        return _("overdue by {n} days").format(n=-days), ERROR_COLOUR
    if days == 0:
        return _("due today"), WARNING_COLOUR
    return _("{n} days left").format(n=days), ""


def deadline_warnings(deadlines: list[CaseDeadline]) -> list[str]:
    """The calendar warnings of the open deadlines (e.g. a year without holiday data)."""
    warnings: list[str] = []
    for deadline in deadlines:
        if deadline.met_on is None:
            for warning in deadline.warnings:
                if warning not in warnings:
                    warnings.append(warning)
    return warnings


def deadlines_box(deadlines: list[CaseDeadline], today: date) -> QGroupBox:
    box = QGroupBox(_("Deadlines"))
    box.setObjectName("deadlines")
    outer = QVBoxLayout(box)
    if not deadlines:
        outer.addWidget(QLabel(_("No deadlines at this step.")))
        return box
    grid = QGridLayout()
    grid.setHorizontalSpacing(16)
    for row, deadline in enumerate(deadlines):
        state, colour = deadline_state(deadline, today)
        due = deadline.due.isoformat() if deadline.due else "—"
        cells = [deadline.label, due, state]
        for column, text in enumerate(cells):
            cell = QLabel(text)
            cell.setObjectName(f"deadline-{deadline.kind.value}-{column}")
            if colour and column > 0:
                cell.setStyleSheet(
                    f"color: {colour};"
                    + (" font-weight: bold;" if colour in (ERROR_COLOUR, WARNING_COLOUR) else "")
                )
            grid.addWidget(cell, row, column)
    grid.setColumnStretch(2, 1)
    outer.addLayout(grid)
    for warning in deadline_warnings(deadlines):
        label = QLabel(warning)
        label.setObjectName("calendar-warning")
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {WARNING_COLOUR};")
        outer.addWidget(label)
    return box
