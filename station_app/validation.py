"""Case data checks (IDs, credit codes, phones, dates, amounts, text) with clerk-friendly text."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from station_app.i18n import _, current_language
from station_app.money import MoneyError, is_blank, parse_yuan, shown

__all__ = [
    "CHANNELS",
    "GENDERS",
    "GOODS_OR_SERVICE",
    "ID_TYPES",
    "KINDS",
    "MAX_LEN",
    "Problem",
    "Severity",
    "check_credit_code",
    "check_phone",
    "check_resident_id",
    "check_text",
    "has_errors",
    "limitation_warning",
    "mask_id_number",
    "mask_phone",
    "normalize_phone",
    "required_fields",
    "validate_case",
]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data: where, how bad, what to tell the clerk, and a stable code."""

    field: str
    severity: Severity
    message: str
    code: str


KINDS = ("complaint", "report", "consultation")
CHANNELS = ("phone", "walk_in", "letter", "platform_12315", "transfer_12345", "other")
GENDERS = ("", "male", "female")
ID_TYPES = ("", "resident_id", "passport", "other")
GOODS_OR_SERVICE = ("", "goods", "service")

# Longest accepted text, in characters (code points: 𠮷 or an emoji counts as one).
MAX_LEN: dict[str, int] = {
    "name": 50,
    "address": 200,
    "phone": 40,
    "id_number": 30,
    "work_order_no": 64,
    "merchant_name": 200,
    "legal_rep": 50,
    "platform": 100,
    "shop_url": 500,
    "category": 100,
    "problem_nature": 100,
    "purchase_place": 200,
    "request": 2000,
    "facts": 20000,
}

LIMITATION_YEARS = 3
_CHINA_TZ = timezone(timedelta(hours=8))
# Windows line endings (\r\n) come with pasted text and files written on the station PCs.
_ALLOWED_CONTROLS = frozenset("\n\r\t")

_RIC_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_EXCLUDED = "IOSVZ"


# --------------------------------------------------------------------------- labels


def _plain_labels() -> dict[str, str]:
    """Plain-words names of fields in the current language (a language switch takes effect)."""
    return _labels_in(current_language())


@functools.lru_cache(maxsize=4)
def _labels_in(_language: str) -> dict[str, str]:
    return {
        "kind": _("Case type"),
        "channel": _("How the case was received"),
        "received_at": _("Date and time received"),
        "work_order_no": _("12345 work order number"),
        "work_order_due": _("Work order due date"),
        "complainants": _("Complainant"),
        "agent": _("Agent"),
        "merchant": _("Merchant"),
        "goods_or_service": _("Goods or service"),
        "category": _("Category"),
        "problem_nature": _("Nature of the problem"),
        "purchase_date": _("Purchase date"),
        "purchase_place": _("Place of purchase"),
        "amount": _("Amount involved"),
        "request": _("What the consumer asks for"),
        "facts": _("Facts and reasons"),
        "consent_publish": _("Consent to publication"),
        "consent_mediation": _("Consent to mediation"),
        "consent_entrusted": _("Consent to entrusted handling"),
        "override_uscc_warning": _("Keep the credit code despite the warning"),
        "anonymous": _("Anonymous report"),
        # nested
        "name": _("name"),
        "gender": _("gender"),
        "phone": _("phone number"),
        "address": _("address"),
        "id_type": _("ID type"),
        "id_number": _("ID number"),
        "uscc": _("unified social credit code"),
        "legal_rep": _("legal representative"),
        "platform": _("online platform"),
        "shop_url": _("shop link"),
        "cluster_registered": _("cluster registration"),
    }


def _person_label(index: int, kind: str | None) -> str:
    n = index + 1
    if kind == "report":
        return _("Reporter {n}").format(n=n)
    if kind == "consultation":
        return _("Consumer {n}").format(n=n)
    return _("Complainant {n}").format(n=n)


_PATH_RE = re.compile(r"^(?P<head>[a-z_]+)(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>[a-z_]+))?$")


def field_label(field: str, kind: str | None = None) -> str:
    """Plain words for a field path: "complainants[0].phone" -> "Complainant 1 – phone number"."""
    labels = _plain_labels()
    m = _PATH_RE.match(field)
    if not m:
        return field
    head, index, sub = m["head"], m["index"], m["sub"]
    if head == "complainants" and index is not None:
        who = _person_label(int(index), kind)
    elif head == "merchant_name":
        who, sub = labels["merchant"], "name"
    else:
        who = labels.get(head, head)
        who = who[:1].upper() + who[1:]
    if sub is None:
        return who
    return _("{who} – {what}").format(who=who, what=labels.get(sub, sub))


# --------------------------------------------------------------------------- resident ID


def _strip_separators(value: str) -> str:
    value = unicodedata.normalize("NFKC", value)
    return re.sub(r"[\s\-]", "", value)


def check_resident_id(value: str) -> str | None:
    """Check an 18-character resident ID number; return what is wrong, or None when valid."""
    # Imported when first used: start-up does not check numbers.
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    number = ric.compact(_strip_separators(value))
    if not number:
        return _("The resident ID number is empty. Enter the 18 characters from the ID card.")
    if len(number) == 15 and number.isdigit():
        return _(
            "This looks like an old 15-digit ID number, which is no longer in use. "
            "Enter the 18-character number from the current ID card."
        )
    if len(number) != 18:
        return _("The resident ID number must have 18 characters; this one has {n}.").format(
            n=len(number)
        )
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        return _(
            "The resident ID number may contain only digits, with an X allowed as the last "
            "character."
        )
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        birth = None
    if birth is None or birth.year < 1900 or birth > date.today():
        return _(
            "Characters 7 to 14 of the resident ID number are the birth date (YYYYMMDD), but "
            "{digits} is not a possible birth date. Check these digits against the ID card."
        ).format(digits=number[6:14])
    if number[17] != ric.calc_check_digit(number):
        return _(
            "The last character of the resident ID number does not match the other digits. "
            "One of the digits was probably mistyped; check each one against the ID card."
        )
    try:
        ric.validate(number)
    except ValidationError:
        # stdnum's region table checks county codes against the birth year, which wrongly
        # rejects people registered in a county created after their birth; with a correct
        # check character, only an impossible province code is treated as an error.
        if number[:2] not in _RIC_PROVINCES:
            return _(
                "The first 6 digits of the resident ID number ({code}) are not a region code. "
                "Check them against the ID card."
            ).format(code=number[:6])
    return None


# --------------------------------------------------------------------------- credit code


def check_credit_code(value: str) -> tuple[str | None, bool]:
    """Check a unified social credit code: (message or None, whether the problem must block saving).

    A wrong length or impossible characters block saving; a failed check character is only a
    warning because some early codes fail it and the clerk may confirm the code from the licence.
    """
    from stdnum.cn import uscc

    number = uscc.compact(_strip_separators(value))
    if not number:
        return (
            _("The unified social credit code is empty. Enter the 18 characters from the licence."),
            True,
        )
    if len(number) == 15 and number.isdigit():
        return (
            _(
                "This looks like an old 15-digit business registration number. Ask for the "
                "18-character unified social credit code on the current business licence."
            ),
            True,
        )
    if len(number) != 18:
        return (
            _("The unified social credit code must have 18 characters; this one has {n}.").format(
                n=len(number)
            ),
            True,
        )
    excluded = sorted({c for c in number if c in _USCC_EXCLUDED})
    if excluded:
        return (
            _(
                "The unified social credit code never contains the letters I, O, S, V or Z, but "
                "this one has {chars}. Check for mix-ups such as O/0, I/1, S/5 or Z/2."
            ).format(chars=", ".join(excluded)),
            True,
        )
    other = sorted({c for c in number if c not in _USCC_ALPHABET})
    if other:
        return (
            _(
                "The unified social credit code may contain only digits and capital letters; "
                "remove {chars}."
            ).format(chars=" ".join(other)),
            True,
        )
    if not number[2:8].isdigit():
        return (
            _(
                "Characters 3 to 8 of the unified social credit code are the region code and must "
                "be digits."
            ),
            True,
        )
    if number[17] != uscc.calc_check_digit(number):
        return (
            _(
                "The last character of the unified social credit code does not match the others. "
                "Check the code against the business licence; if it is copied correctly, you may "
                "keep it."
            ),
            False,
        )
    return None, False


# --------------------------------------------------------------------------- phones

_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_LOCAL_RE = re.compile(r"[2-9]\d{6,7}")
_SERVICE_RES = (
    re.compile(r"1[0-2]\d{3}"),  # 12315, 12345, 10086 …
    re.compile(r"9[56]\d{3,6}"),  # 95xxx / 96xxx hotlines
)
_TOLL_FREE_RE = re.compile(r"[48]00\d{7}")


def _phone_parts(value: str) -> tuple[str, str, str] | None:
    """Classify a phone: (kind, area code, number); kind is mobile, landline, local or service."""
    text = unicodedata.normalize("NFKC", value).strip()
    text = re.sub(r"[\s\-()]", "", text)
    if not text:
        return None
    international = False
    if text.startswith("+86"):
        text, international = text[3:], True
    elif text.startswith("0086"):
        text, international = text[4:], True
    elif text.startswith("86") and len(text) == 13 and _MOBILE_RE.fullmatch(text[2:]):
        text = text[2:]
    if not text.isascii() or not text.isdigit():
        return None
    if _MOBILE_RE.fullmatch(text):
        return "mobile", "", text
    if international and not text.startswith("0"):
        text = "0" + text  # +86 791 88888888 -> 0791 88888888
    if text.startswith("0") and len(text) > 2:
        area_len = 3 if text[1] in "12" else 4
        area, local = text[:area_len], text[area_len:]
        if len(area) == area_len and area[1] != "0" and _LOCAL_RE.fullmatch(local):
            return "landline", area, local
        return None
    if international:
        return None
    if _TOLL_FREE_RE.fullmatch(text):
        return "service", "", text
    if any(p.fullmatch(text) for p in _SERVICE_RES):
        return "service", "", text
    if _LOCAL_RE.fullmatch(text):
        return "local", "", text
    return None


def check_phone(value: str) -> str | None:
    """Check a mainland mobile, landline or service number; return what is wrong, or None."""
    if _phone_parts(value) is not None:
        return None
    compact = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", value))
    hint = _(
        "Enter a mobile number (11 digits, e.g. 13812345678), a landline with its area code "
        "(e.g. 0791-88888888), or a service number such as 12315 or 400-xxx-xxxx."
    )
    if compact.isascii() and compact.isdigit() and compact[:1] == "1" and 8 <= len(compact) <= 14:
        problem = _("A mobile number has 11 digits; this one has {n}.").format(n=len(compact))
    else:
        problem = _("“{value}” is not a phone number we recognise.").format(value=value.strip())
    return _("{problem} {hint}").format(problem=problem, hint=hint)


def normalize_phone(value: str) -> str:
    """One stored form: mobiles as 11 digits, landlines "0791-88888888"; else trimmed."""
    parts = _phone_parts(value)
    if parts is None:
        return value.strip()
    kind, area, number = parts
    if kind == "landline":
        return f"{area}-{number}"
    if kind == "service" and _TOLL_FREE_RE.fullmatch(number):
        return f"{number[:3]}-{number[3:6]}-{number[6:]}"
    return number


def _mask_tail(text: str, keep: int) -> str:
    """Star all but the last `keep` characters (all of them if the text is that short)."""
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


def mask_phone(value: str) -> str:
    """Hide most of a phone number for display: 13812346721 -> 138****6721, 0791-****8888."""
    parts = _phone_parts(value)
    if parts is not None:
        kind, area, number = parts
        if kind == "mobile":
            return f"{number[:3]}****{number[-4:]}"
        if kind == "landline":
            return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}"
    text = re.sub(r"\s", "", value)
    if not text:
        return ""
    if len(text) <= 6:
        return _mask_tail(text, 2)
    return _mask_tail(text, 4)


# Whole ID numbers and phones as they may stand in free text (a log line, an error's message,
# a traceback): an 18-character resident ID or an old 15-digit one, a mobile number (with
# +86, spaces or dashes), a landline with its area code; no digit or Latin letter either side.
_NUMBERS_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"(?P<id>[0-9]{17}[0-9Xx]|[0-9]{15})"
    r"|(?P<phone>(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}|0[0-9]{2,3}-?[0-9]{7,8})"
    r")(?![0-9A-Za-z])"
)


def mask_numbers_in_text(text: str) -> str:
    """`text` with every whole ID number and phone number in it masked as the lists show them
    (for what leaves the app unasked: the log file, an error's copied details)."""
    return _NUMBERS_IN_TEXT.sub(
        lambda m: mask_id_number(m["id"]) if m["id"] else mask_phone(m["phone"]), text
    )


def mask_id_number(value: str) -> str:
    """Hide the middle of an ID number: 18 characters -> first 6, 8 stars, last 4."""
    text = re.sub(r"\s", "", value)
    n = len(text)
    if n >= 15:
        head, tail = 6, 4
    elif n >= 8:
        head, tail = 2, 2
    elif n >= 3:
        head, tail = 1, 1
    else:
        return "*" * n
    return text[:head] + "*" * (n - head - tail) + text[n - tail :]


# --------------------------------------------------------------------------- dates


def _add_years(d: date, years: int) -> date:
    """The same calendar day `years` later; 29 Feb -> 28 Feb (Civil Code art. 202)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def limitation_warning(purchase_date: date | None, received: date) -> str | None:
    """Warn when the purchase was more than 3 years before receipt (Civil Code art. 188)."""
    if purchase_date is None:
        return None
    if received <= _add_years(purchase_date, LIMITATION_YEARS):
        return None
    return _(
        "The purchase ({purchase}) was more than 3 years before this case was received "
        "({received}). The 3-year limitation period (Civil Code art. 188) may have run out; "
        "ask when the consumer first learned of the problem and note it in the facts."
    ).format(purchase=purchase_date.isoformat(), received=received.isoformat())


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?"
)


def _parse_date(value: str) -> date | None:
    value = value.strip()
    if not _DATE_RE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_datetime(value: str) -> datetime | None:
    value = value.strip()
    if not _DATETIME_RE.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:  # the station works in China time
        parsed = parsed.astimezone(_CHINA_TZ).replace(tzinfo=None)
    return parsed


# --------------------------------------------------------------------------- text


def _text_problem(field: str, value: str, max_len: int, label: str) -> Problem | None:
    for position, ch in enumerate(value, start=1):
        category = unicodedata.category(ch)
        if category == "Cc" and ch not in _ALLOWED_CONTROLS:
            return Problem(
                field,
                Severity.ERROR,
                _(
                    "{field} contains an invisible control character (U+{code:04X}) at position "
                    "{position}. Retype the text or paste it again as plain text."
                ).format(field=label, code=ord(ch), position=position),
                "control_char",
            )
        if category == "Cs":
            return Problem(
                field,
                Severity.ERROR,
                _(
                    "{field} contains a broken character at position {position}. Retype the text "
                    "there."
                ).format(field=label, position=position),
                "invalid_char",
            )
    if len(value) > max_len:
        return Problem(
            field,
            Severity.ERROR,
            _(
                "{field} is too long: {n} characters, but at most {limit} are allowed. "
                "Please shorten it."
            ).format(field=label, n=len(value), limit=max_len),
            "too_long",
        )
    return None


def check_text(field: str, value: str, max_len: int) -> Problem | None:
    """Reject text over max_len characters or with control characters other than line breaks and tabs."""
    return _text_problem(field, value, max_len, field_label(field))


def has_errors(problems: Iterable[Problem]) -> bool:
    """Whether any problem is an error (warnings alone do not block saving)."""
    return any(p.severity is Severity.ERROR for p in problems)


# --------------------------------------------------------------------------- the whole case


class _CaseChecker:
    """Collects the problems of one case dict; the per-field helpers append to self.problems."""

    def __init__(self, data: dict, today: date, classification: dict | None) -> None:
        self.data = data
        self.today = today
        self.classification = classification
        self.problems: list[Problem] = []
        kind = data.get("kind")
        self.kind = kind if isinstance(kind, str) else None

    # helpers -------------------------------------------------------------

    def label(self, field: str) -> str:
        return field_label(field, self.kind)

    def prefixed(self, field: str, message: str) -> str:
        """A checker's message after the field it is about ("Complainant 2 – ID number: …")."""
        return _("{field}: {problem}").format(field=self.label(field), problem=message)

    def error(self, field: str, message: str, code: str) -> None:
        self.problems.append(Problem(field, Severity.ERROR, message, code))

    def warning(self, field: str, message: str, code: str) -> None:
        self.problems.append(Problem(field, Severity.WARNING, message, code))

    def required(self, field: str) -> None:
        self.error(
            field,
            _("{field} is required. Please fill it in.").format(field=self.label(field)),
            "required",
        )

    def text(self, source: dict, key: str, field: str, limit_key: str | None = None) -> str:
        """The stripped text at source[key] ('' if missing); type, length, characters checked."""
        value = source.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.error(
                field,
                _("{field} must be written as text.").format(field=self.label(field)),
                "wrong_type",
            )
            return ""
        value = str(value)
        limit = MAX_LEN.get(limit_key or key)
        if limit is not None:
            problem = _text_problem(field, value, limit, self.label(field))
            if problem is not None:
                self.problems.append(problem)
        return value.strip()

    def choice(self, source: dict, key: str, field: str, allowed: tuple[str, ...]) -> str:
        value = source.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str) or value not in allowed:
            choices = ", ".join(a for a in allowed if a)
            self.error(
                field,
                _("{field} has the value “{value}”, which is not one of: {choices}.").format(
                    field=self.label(field), value=shown(value, 60), choices=choices
                ),
                "invalid_choice",
            )
            return ""
        return value

    def flag(self, source: dict, key: str, field: str) -> bool:
        value = source.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(
                field,
                _("{field} must be true or false.").format(field=self.label(field)),
                "wrong_type",
            )
            return False
        return value

    def section(self, key: str) -> dict | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(
                key,
                _("{field} details are not in the expected form.").format(field=self.label(key)),
                "wrong_type",
            )
            return None
        return value

    def phone(self, source: dict, field: str) -> str:
        value = self.text(source, "phone", field)
        if value:
            message = check_phone(value)
            if message is not None:
                self.error(field, self.prefixed(field, message), "phone_invalid")
        return value

    # sections ------------------------------------------------------------

    def run(self) -> list[Problem]:
        kind = self.choice_required("kind", KINDS)
        channel = self.choice_required("channel", CHANNELS)
        received = self.received_at()
        self.work_order(channel, received)
        anonymous = self.flag(self.data, "anonymous", "anonymous")
        override = self.flag(self.data, "override_uscc_warning", "override_uscc_warning")
        people = self.complainants(kind, anonymous)
        self.agent()
        merchant = self.merchant(override)
        self.classification_fields()
        self.purchase(received)
        self.amount()
        request = self.text(self.data, "request", "request")
        facts = self.text(self.data, "facts", "facts")
        for key in ("consent_publish", "consent_mediation", "consent_entrusted"):
            self.flag(self.data, key, key)

        if kind == "complaint":
            self.complaint_rules(people, merchant, request, facts)
        elif kind == "report":
            if not facts:
                self.required("facts")
            if not merchant.get("name"):
                self.required("merchant.name")
        elif kind == "consultation":
            if not facts:
                self.required("facts")
            if not any(p.get("name") or p.get("phone") for p in people):
                self.error(
                    "complainants",
                    _("Record at least the name or the phone number of the consumer who asked."),
                    "required",
                )
        return self.problems

    def choice_required(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            self.required(key)
            return ""
        return self.choice(self.data, key, key, allowed)

    def received_at(self) -> date | None:
        value = self.data.get("received_at")
        if value is None or (isinstance(value, str) and not value.strip()):
            self.required("received_at")
            return None
        parsed = _parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            self.error(
                "received_at",
                _(
                    "{field} “{value}” is not a valid date and time. Write it like "
                    "2026-03-02 09:30."
                ).format(field=self.label("received_at"), value=shown(value, 60)),
                "invalid_datetime",
            )
            return None
        if parsed.date() > self.today + timedelta(days=1):
            self.error(
                "received_at",
                _("{field} ({value}) is in the future. Check the date.").format(
                    field=self.label("received_at"), value=parsed.strftime("%Y-%m-%d %H:%M")
                ),
                "in_future",
            )
        return parsed.date()

    def date_field(self, key: str) -> date | None:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        parsed = _parse_date(value) if isinstance(value, str) else None
        if parsed is None:
            self.error(
                key,
                _("{field} “{value}” is not a valid date. Write it like 2026-03-02.").format(
                    field=self.label(key), value=shown(value, 60)
                ),
                "invalid_date",
            )
        return parsed

    def work_order(self, channel: str, received: date | None) -> None:
        number = self.text(self.data, "work_order_no", "work_order_no")
        if channel == "transfer_12345" and not number:
            self.error(
                "work_order_no",
                _(
                    "Cases transferred from the 12345 hotline need the 12345 work order number. "
                    "Copy it from the transfer notice."
                ),
                "required",
            )
        due = self.date_field("work_order_due")
        if due is not None and received is not None and due < received:
            self.error(
                "work_order_due",
                _("{field} ({due}) is before the case was received ({received}).").format(
                    field=self.label("work_order_due"),
                    due=due.isoformat(),
                    received=received.isoformat(),
                ),
                "date_order",
            )

    def person(self, source: dict, prefix: str) -> dict[str, str]:
        """Check one person's fields; return the stripped name and phone."""
        name = self.text(source, "name", f"{prefix}.name")
        self.choice(source, "gender", f"{prefix}.gender", GENDERS)
        phone = self.phone(source, f"{prefix}.phone")
        self.text(source, "address", f"{prefix}.address")
        id_type = self.choice(source, "id_type", f"{prefix}.id_type", ID_TYPES)
        before = len(self.problems)
        id_number = self.text(source, "id_number", f"{prefix}.id_number")
        if id_number and len(self.problems) == before:
            field = f"{prefix}.id_number"
            if id_type == "resident_id":
                message = check_resident_id(id_number)
                if message is not None:
                    self.error(field, self.prefixed(field, message), "ric_invalid")
            elif id_type == "" and source.get("id_type") in (None, ""):
                self.error(
                    f"{prefix}.id_type",
                    _("{field}: choose the type of ID for the number entered.").format(
                        field=self.label(f"{prefix}.id_type")
                    ),
                    "required",
                )
        return {"name": name, "phone": phone}

    def complainants(self, kind: str, anonymous: bool) -> list[dict[str, str]]:
        value = self.data.get("complainants")
        if value is None:
            value = []
        if not isinstance(value, list):
            self.error(
                "complainants",
                _("The complainant details are not in the expected form (a list)."),
                "wrong_type",
            )
            return []
        people: list[dict[str, str]] = []
        for index, item in enumerate(value):
            prefix = f"complainants[{index}]"
            if not isinstance(item, dict):
                self.error(
                    prefix,
                    _("{field} details are not in the expected form.").format(
                        field=self.label(prefix)
                    ),
                    "wrong_type",
                )
                continue
            person = self.person(item, prefix)
            people.append(person)
            if kind == "complaint" and not person["name"]:
                self.required(f"{prefix}.name")
        if kind == "report" and not anonymous and not any(p["phone"] for p in people):
            self.error(
                "complainants[0].phone",
                _(
                    "The reporter's phone number is required, unless the report is anonymous. "
                    "Enter a phone number or mark the report as anonymous."
                ),
                "required",
            )
        return people

    def agent(self) -> None:
        agent = self.section("agent")
        if agent is None or not any(v not in (None, "", False) for v in agent.values()):
            return
        person = self.person(agent, "agent")
        if not person["name"]:
            self.required("agent.name")

    def merchant(self, override_uscc_warning: bool) -> dict[str, str]:
        merchant = self.section("merchant") or {}
        name = self.text(merchant, "name", "merchant.name", "merchant_name")
        self.text(merchant, "address", "merchant.address")
        phone = self.phone(merchant, "merchant.phone")
        self.text(merchant, "legal_rep", "merchant.legal_rep")
        self.text(merchant, "platform", "merchant.platform")
        self.text(merchant, "shop_url", "merchant.shop_url")
        self.flag(merchant, "cluster_registered", "merchant.cluster_registered")
        code = self.text(merchant, "uscc", "merchant.uscc", "id_number")
        if code:
            message, blocking = check_credit_code(code)
            if message is not None and blocking:
                self.error("merchant.uscc", self.prefixed("merchant.uscc", message), "uscc_invalid")
            elif message is not None and not override_uscc_warning:
                self.warning(
                    "merchant.uscc", self.prefixed("merchant.uscc", message), "uscc_checksum"
                )
        return {"name": name, "phone": phone}

    def complaint_rules(
        self, people: list[dict[str, str]], merchant: dict[str, str], request: str, facts: str
    ) -> None:
        if not people:
            self.error(
                "complainants",
                _("A complaint needs at least one complainant with a name and a phone number."),
                "required",
            )
        elif not any(p["phone"] for p in people):
            self.required("complainants[0].phone")
        if not merchant.get("name"):
            self.required("merchant.name")
        if not request:
            self.required("request")
        if not facts:
            self.required("facts")

    def classification_fields(self) -> None:
        kind_of_item = self.choice(
            self.data, "goods_or_service", "goods_or_service", GOODS_OR_SERVICE
        )
        category = self.text(self.data, "category", "category")
        nature = self.text(self.data, "problem_nature", "problem_nature")
        ref = self.classification
        if not isinstance(ref, dict):
            return
        if category:
            if kind_of_item == "goods":
                names = list(ref.get("goods") or [])
            elif kind_of_item == "service":
                names = list(ref.get("services") or [])
            else:
                names = list(ref.get("goods") or []) + list(ref.get("services") or [])
            if category not in names:
                self.error(
                    "category",
                    _(
                        "{field} “{value}” is not in the classification list. Choose a category "
                        "from the list."
                    ).format(field=self.label("category"), value=category),
                    "unknown_category",
                )
        if nature and nature not in list(ref.get("natures") or []):
            self.error(
                "problem_nature",
                _(
                    "{field} “{value}” is not in the classification list. Choose one from the list."
                ).format(field=self.label("problem_nature"), value=nature),
                "unknown_nature",
            )

    def purchase(self, received: date | None) -> None:
        self.text(self.data, "purchase_place", "purchase_place")
        purchase = self.date_field("purchase_date")
        if purchase is None:
            return
        reference = received if received is not None else self.today
        if purchase > reference:
            self.error(
                "purchase_date",
                _("{field} ({purchase}) is after the case was received ({received}).").format(
                    field=self.label("purchase_date"),
                    purchase=purchase.isoformat(),
                    received=reference.isoformat(),
                ),
                "date_order",
            )
            return
        message = limitation_warning(purchase, reference)
        if message is not None:
            self.warning("purchase_date", message, "limitation")

    def amount(self) -> None:
        value = self.data.get("amount")
        if is_blank(value):
            return
        try:
            parse_yuan(value)
        except MoneyError as refused:
            self.error(
                "amount",
                _("{field}: {problem}").format(field=self.label("amount"), problem=refused.message),
                refused.code,
            )


def validate_case(
    data: dict[str, Any], *, today: date, classification: dict | None = None
) -> list[Problem]:
    """Check a case in the `case add --json` shape; an empty list means it can be saved as is.

    `classification`, when given, is {"goods": [...], "services": [...], "natures": [...]} and
    makes unknown category / problem nature values errors.
    """
    if not isinstance(data, dict):
        return [
            Problem(
                "",
                Severity.ERROR,
                _("The case data is not in the expected form (a JSON object)."),
                "wrong_type",
            )
        ]
    return _CaseChecker(data, today, classification).run()


def required_fields(data: dict[str, Any], *, today: date) -> frozenset[str]:
    """The fields a case like `data` (its kind, channel, anonymity and number of complainants)
    must have filled in, for marking a form: what validate_case reports as required when they
    are blank, so the rule stays in one place. An agent, when there is one, needs a name."""
    people = data.get("complainants")
    count = len(people) if isinstance(people, list) else 0
    probe = {key: data.get(key) for key in ("kind", "channel", "anonymous")}
    probe.update(received_at="", complainants=[{} for _ in range(max(1, count))], merchant={})
    found = {p.field for p in _CaseChecker(probe, today, None).run() if p.code == "required"}
    return frozenset(found | {"kind", "channel", "agent.name"})
