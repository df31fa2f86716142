"""Sync in a clerk's words: the status bar's line and what to do when a sync fails."""

from __future__ import annotations

from datetime import UTC, datetime

from station_app.i18n import N_, _
from station_app.store.sync_state import SetAsideRecord
from station_app.sync.engine import SyncStatus
from station_app.sync.transport import SyncError

# What to do, by SyncError.kind (sync/transport.py); the engine's own message follows.
_ADVICE = {
    "offline": N_(
        "The city office's server cannot be reached. Please check the network, or sync by "
        "USB stick (Sync > Export a USB bundle)."
    ),
    "server": N_(
        "The city office's server has a fault. Nothing is lost; sync again later, and tell "
        "the city office if it keeps happening."
    ),
    "revoked": N_(
        "This station's access to the city office's server was withdrawn. Please contact the "
        "city office."
    ),
    "token": N_(
        "This station's access to the server is not valid. Please contact the city office "
        "for a new enrolment code."
    ),
    "not_enrolled": N_(
        "This station is not connected to the city office's server yet. An administrator "
        "connects it under Sync > Connect to the city office's server, with the code the "
        "city office gave."
    ),
    "tls": N_(
        "The server could not prove it is the city office's server. Please contact the city "
        "office for its certificate (CA) file."
    ),
    "protocol": N_(
        "This version of the program is too old for the city office's server. Please install "
        "the current version."
    ),
    "keyring": N_(
        "This PC's password store cannot keep the station's key. Please ask the city office's "
        "technician."
    ),
    "bundle": N_("The USB bundle was refused. Nothing was imported."),
    "not_allowed": N_("This is for an administrator: ask one to do it."),
}
_CLOCK_ADVICE = N_("PC clock is wrong, please set the PC's time right")


def advice(kind: str) -> str:
    """What to do after a failure of this kind, in one or two sentences."""
    text = _ADVICE.get(kind)
    return _(text) if text else _("The sync did not succeed.")


def failure_text(error: BaseException, *, enrolling: bool = False) -> str:
    """What went wrong and what to do, for a message box or the status bar's tooltip
    (`enrolling`: while connecting the station for the first time)."""
    if isinstance(error, SyncError):
        detail = error.message
        head = advice(error.kind)
        if enrolling and error.kind == "offline":
            head = _("No server answers at this address. Please check the address and the network.")
        return head if not detail or detail == head else f"{head}\n\n{detail}"
    return str(error) or _("The sync did not succeed.")


def short_failure(error: BaseException) -> str:
    """A few words for the status bar."""
    kind = error.kind if isinstance(error, SyncError) else ""
    if kind == "offline":
        return _("Sync failed: no connection, check the network or use a USB bundle")
    if kind == "revoked":
        return _("Sync stopped: please contact the city office")
    if kind == "server":
        return _("Sync failed: server fault, try again later")
    if kind == "not_enrolled":
        return _("Not connected to the city office's server")
    return _("Sync failed (point here for the reason)")


def when_text(stamp: str | None, now: datetime | None = None) -> str:
    """An ISO time (UTC) as the clerk reads it: 今天 14:05, 昨天 09:12, 3月2日 14:05."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone()
    today = (now or datetime.now().astimezone()).date()
    clock = local.strftime("%H:%M")
    days = (today - local.date()).days
    if days == 0:
        return _("today {time}").format(time=clock)
    if days == 1:
        return _("yesterday {time}").format(time=clock)
    if local.year == today.year:
        return _("{month}/{day} {time}").format(month=local.month, day=local.day, time=clock)
    return _("{year}/{month}/{day} {time}").format(
        year=local.year, month=local.month, day=local.day, time=clock
    )


def status_line(status: SyncStatus, now: datetime | None = None) -> tuple[str, str]:
    """The status bar's sync line and its tooltip, e.g.
    "上次同步：今天 14:05 · 待上传 12 条 · 冲突 1 条"."""
    if not status.enrolled:
        parts = [_("Not connected to the city office's server")]
        if status.pending:
            parts.append(_("{count} changes waiting").format(count=status.pending))
        return " · ".join(parts), _(
            "An administrator connects this station under Sync > Connect to the city "
            "office's server; until then, changes wait on this PC (or go by USB bundle)."
        )
    parts = []
    if status.last_success:
        parts.append(_("Last sync: {when}").format(when=when_text(status.last_success, now)))
    else:
        parts.append(_("Not synced yet"))
    if status.pending:
        parts.append(_("{count} to send").format(count=status.pending))
    if status.conflicts:
        parts.append(_("{count} conflicts to review").format(count=status.conflicts))
    if status.rejected:
        parts.append(_("{count} refused").format(count=status.rejected))
    tips = [_("Server: {url}").format(url=status.server_url or "")]
    if status.last_error:
        tips.append(_("The last attempt failed: {reason}").format(reason=status.last_error))
    if status.clock_warning:
        parts.append(_(_CLOCK_ADVICE))
        tips.append(status.clock_warning)
    if status.rejected:
        tips.append(
            _(
                "Refused changes were set aside with a reason; Sync > Set-aside records lists "
                "them with what to do."
            )
        )
    return " · ".join(parts), "\n".join(tips)


# Records set aside, by what their reason says (the server's reasons are its own English
# words): (words found in the reason, what happened, what to do).
_SET_ASIDE_KINDS = (
    (
        ("hash chain broken",),
        N_("The record's tamper-evident chain is incomplete; the city office refused it"),
        N_(
            "Ask the city office's technician to check this station's records. Do not edit "
            "the database yourself."
        ),
    ),
    (
        ("belongs to station", "owner station", "cannot go to"),
        N_("The record belongs to another station; this station may not change it"),
        N_(
            "Ask the station that owns the case, or have it escalate the case to this "
            "station. The other changes sync as usual."
        ),
    ),
    (
        ("only the city office publishes",),
        N_("The city office publishes this kind of data; the change stays on this PC only"),
        N_("Nothing to do; if the city office's data is wrong, tell the city office."),
    ),
    (
        ("not known to the server", "is not on the server"),
        N_("The city office's server does not have the record this change belongs to yet"),
        N_(
            "Usually the next sync sends what is missing; if it is still listed after a few "
            "days, tell the city office."
        ),
    ),
    (
        ("never deleted", "never changed"),
        N_("Records of this kind are only ever added, never changed or removed"),
        N_("Nothing to do; to correct one, add a new record."),
    ),
    (
        ("must name", "names no owner"),
        N_("The record lacks required information (its station or its case)"),
        N_("Tell the city office's technician."),
    ),
)


def set_aside_words(record: SetAsideRecord) -> tuple[str, str]:
    """What happened to a set-aside record and what to do, in the clerk's words."""
    repair_copy = (
        record.direction == "pull" and record.op == "delete" and "station" not in record.change
    )
    if repair_copy:
        return _(
            "The city office's server does not have this record; a repair removed it from "
            "this PC, keeping a copy here"
        ), _("If the record should exist, tell the city office; the copy below holds all of it.")
    reason = record.reason.lower()
    for words, what, todo in _SET_ASIDE_KINDS:
        if any(word in reason for word in words):
            return _(what), _(todo)
    if record.direction == "pull":
        return _("This PC did not take a change sent by the city office"), _(
            "This station's data is unaffected. If it stays listed, tell the city office."
        )
    return _("The city office's server refused this change"), _(
        "Tell the city office's technician the reason below; the other changes sync as usual."
    )
