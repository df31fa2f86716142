"""What each document prints: plain input records the workflow layer fills (no database here),
and the checks shared by every document's `missing_facts`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from station_app.acting_bodies import ActingBodies, setting_problems
from station_app.documents.fonts import document_fonts, unprintable_message
from station_app.documents.wording import AGREEMENT_TITLES
from station_app.domain import AgreementTerm, Case, Party
from station_app.i18n import _
from station_app.workflow import Action, action_label

# One term of an agreement: what the consumer gets (TermType), in words, and the money if any.
Term = AgreementTerm


@dataclass
class RegistrationContent:
    """投诉登记表 / 举报登记表: the case as registered, for the station's file."""

    case: Case
    organisation: str  # the station, printed as the letterhead
    clerk: str  # who registered it (display name)
    registered_at: datetime | None = None  # when it was registered; default: when received


@dataclass(frozen=True)
class MemberAmount:
    """One complainant of a joint complaint as an agreement names them: name and amount only."""

    name: str
    amount: Decimal | None
    representative: bool = False


@dataclass
class AgreementContent:
    """调解协议书 / 投诉调解书 (人民调解法第二十九条)."""

    case: Case  # parties, the complaint's request and facts
    organisation: str  # the mediation organisation (letterhead, seal)
    document_number: str  # e.g. 瑞市监消〔2026〕第17号 (layout.format_document_number)
    agreed_on: date | None
    terms: list[Term] = field(default_factory=list)
    mediators: list[str] = field(default_factory=list)
    facts: str = ""  # 纠纷的主要事实; the case's facts when empty
    dispute: str = ""  # 争议事项及各方责任
    performance: str = ""  # 履行方式, e.g. 现金支付 / 银行转账
    performance_due: date | None = None
    performed_on_spot: bool = False
    merchant_agent: Party | None = None  # the business's representative at the mediation
    title: str = AGREEMENT_TITLES[0]
    bodies: ActingBodies = field(default_factory=ActingBodies)
    members: list[MemberAmount] = field(default_factory=list)  # a joint complaint's amounts
    printed_on: date | None = None  # 打印日期 in the footer

    @property
    def seal_holder(self) -> str:
        """Who is named and seals: the bureau when an association mediates on its entrustment,
        else the mediating organisation."""
        return self.bodies.mediation_seal_holder.strip()

    @property
    def copies(self) -> int:
        """One copy per party (each complainant, the business) and one for the file."""
        return len(self.case.complainants) + 1 + 1

    @property
    def dispute_facts(self) -> str:
        return (self.facts or self.case.facts).strip()


def _texts(value: object) -> Iterator[str]:
    """Every piece of text in a content record, however deeply nested."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _texts(getattr(value, f.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def printing_problems(key: str, value: str) -> list[str]:
    """A setting's value checked by the rules, then whether the document font draws it all."""
    problems = setting_problems(key, value)
    if problems or not value.strip():
        return problems
    from station_app.documents.fonts import DocumentFontMissing

    try:
        char = document_fonts().unprintable(value.strip())
    except DocumentFontMissing:
        return []  # `selftest` reports the missing font; the value itself is fine
    if char is not None:
        return [
            _(
                "“{key}” holds “{char}”, which the document font cannot print; use another word."
            ).format(key=key, char=char)
        ]
    return []


def unprintable_problems(content: object) -> list[str]:
    """One message per text that holds a character no available font can draw."""
    fonts = document_fonts()
    problems = []
    seen: set[str] = set()
    for text in _texts(content):
        if text in seen:
            continue
        seen.add(text)
        char = fonts.unprintable(text)
        if char is not None:
            problems.append(unprintable_message(char, text))
    return problems


# Each missing fact says what supplies it: a workflow action and its --json key, a key of
# `print --json` (the form the documents dialog shows), or the case's registration.


def by_action(problem: str, action: Action, key: str = "") -> str:
    """`problem` (no final stop) and the workflow action, with its --json key, that records it."""
    if key:
        return _("{problem}: record it with “{label}” ({action}, “{key}”).").format(
            problem=problem, label=action_label(action), action=action.value, key=key
        )
    return _("{problem}: record it with “{label}” ({action}).").format(
        problem=problem, label=action_label(action), action=action.value
    )


def when_printing(problem: str, key: str) -> str:
    """`problem` and the fact given when the document is issued (print --json or the form)."""
    return _(
        "{problem}: give it when printing (“{key}” in print --json, or the form when issuing)."
    ).format(problem=problem, key=key)


def issue_first(problem: str, kind: str) -> str:
    """`problem` and the document of `kind` to issue first (print KIND)."""
    return _("{problem}: issue it first (print {kind}).").format(problem=problem, kind=kind)


def in_registration(problem: str, key: str) -> str:
    """`problem` and the registration data that holds it."""
    return _("{problem}: correct the case's registration (“{key}” in the case JSON).").format(
        problem=problem, key=key
    )


def station_name_problem() -> str:
    return _(
        "The station's name is missing: it is the name given when the station was set up "
        "(init --name)."
    )


def party_problems(case: Case, *, who: str) -> list[str]:
    """Missing names of the consumers (`who` is "complainant" or "reporter")."""
    problems = []
    if not case.complainants:
        problems.append(
            in_registration(_("No reporter is recorded"), "complainants")
            if who == "reporter"
            else in_registration(_("No complainant is recorded"), "complainants")
        )
    for number, party in enumerate(case.complainants, start=1):
        if not party.name.strip():
            if who == "reporter":
                problem = _("Reporter {n} has no name").format(n=number)
            else:
                problem = _("Complainant {n} has no name").format(n=number)
            problems.append(in_registration(problem, "complainants"))
    if case.agent is not None and not case.agent.name.strip():
        problems.append(in_registration(_("The agent has no name"), "agent"))
    return problems


def merchant_problems(case: Case) -> list[str]:
    if case.merchant is None or not case.merchant.name.strip():
        return [in_registration(_("The business complained about is not recorded"), "merchant")]
    return []


class MissingFacts(Exception):
    """A document cannot be printed: these facts are missing (messages for the user)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            _("The document cannot be printed:") + "\n" + "\n".join(f"- {p}" for p in problems)
        )
