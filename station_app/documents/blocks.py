"""The blocks several documents share: a party's row in a table of parties, the business's row,
and the signature lines of the parties, the mediator and the recorder."""

from __future__ import annotations

from reportlab.platypus import Paragraph

from station_app.documents.formatting import gender_text, given, id_text, merchant_id_text
from station_app.documents.layout import SIZE_5, SignatureLine, Styles, cell, label_cell
from station_app.documents.wording import NOT_APPLICABLE
from station_app.domain import Merchant, Party

# The columns after the first (the role or the number) of every table of parties.
PARTY_HEADER = ("姓名（名称）", "性别", "证件类型及号码", "联系电话", "住址")

COMPLAINANT_SIGNS = "投诉人（签名或按指印）"
MERCHANT_SIGNS = "被投诉人（签名或盖章）"
AGENT_SIGNS = "委托代理人（签名）"
MEDIATOR_SIGNS = "调解员（签名）"
RECORDER_SIGNS = "记录人（签名）"


def header_row(first: str, styles: Styles, names: tuple[str, ...] = PARTY_HEADER) -> list:
    """The shaded header of a table of parties: `first` names the first column."""
    return [label_cell(text, styles, SIZE_5) for text in (first, *names)]


def party_row(label: str, party: Party, styles: Styles) -> list[Paragraph]:
    """One person: the label (role or number), name, gender, ID, phone and address."""
    return [
        label_cell(label, styles, SIZE_5),
        cell(party.name, styles, SIZE_5),
        label_cell(gender_text(party), styles, SIZE_5),
        cell(id_text(party), styles, SIZE_5),
        cell(given(party.phone), styles, SIZE_5),
        cell(given(party.address), styles, SIZE_5),
    ]


def merchant_name(merchant: Merchant) -> str:
    """The business's name, with its legal representative on a second line when recorded."""
    name = merchant.name
    if merchant.legal_rep.strip():
        name += f"\n法定代表人（负责人）：{merchant.legal_rep.strip()}"
    return name


def merchant_row(label: str, merchant: Merchant, styles: Styles) -> list[Paragraph]:
    """The business in the same columns as a person (no gender; the credit code as its ID)."""
    return [
        label_cell(label, styles, SIZE_5),
        cell(merchant_name(merchant), styles, SIZE_5),
        label_cell(NOT_APPLICABLE, styles, SIZE_5),
        cell(merchant_id_text(merchant), styles, SIZE_5),
        cell(given(merchant.phone), styles, SIZE_5),
        cell(given(merchant.address), styles, SIZE_5),
    ]


def party_signature_lines(
    *,
    complainant_note: str = "",
    complainant_agent: bool = False,
    merchant_agent: bool = False,
    last: tuple[SignatureLine | None, SignatureLine | None] | None = None,
) -> list[tuple[SignatureLine | None, SignatureLine | None]]:
    """The parties' signature lines (complainant left, business right), a row for their agents
    when either has one, then `last` (by default the mediator alone)."""
    lines: list[tuple[SignatureLine | None, SignatureLine | None]] = [
        (SignatureLine(COMPLAINANT_SIGNS, complainant_note), SignatureLine(MERCHANT_SIGNS))
    ]
    if complainant_agent or merchant_agent:
        agent = SignatureLine(AGENT_SIGNS)
        lines.append((agent if complainant_agent else None, agent if merchant_agent else None))
    lines.append(last if last is not None else (SignatureLine(MEDIATOR_SIGNS), None))
    return lines
