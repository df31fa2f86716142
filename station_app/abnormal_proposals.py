"""Proposals for the abnormal operations list (经营异常名录) for the credit department: online
shops registered en masse at one address (集群登记) that could not be reached in a case, each
with the cases behind it, as a list and as an .xlsx that prints on A4 landscape pages.

Who is proposed is decided once, here and in store/abnormal_proposals.py: an online shop (its
platform is named) not yet on the list, cluster-registered or sharing its registered address
with another merchant, with a case whose attempts to reach it (the "contact" action) number at
least MIN_UNREACHABLE_ATTEMPTS and were all unreachable (none reached, none refused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from station_app.domain import CaseStatus, ContactWay, label
from station_app.i18n import _
from station_app.report_files import print_on_a4, save_workbook
from station_app.store import Store
from station_app.store.abnormal_proposals import proposal_rows

# One missed call is not "could not be reached": at least two failed attempts.
MIN_UNREACHABLE_ATTEMPTS = 2


@dataclass(frozen=True)
class ProposalCase:
    case_no: str
    kind: str
    status: str
    received_on: str
    owner_station: str
    attempts: int
    first_attempt: str
    last_attempt: str
    ways: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_no": self.case_no,
            "kind": self.kind,
            "status": self.status,
            "received_on": self.received_on,
            "owner_station": self.owner_station,
            "attempts": self.attempts,
            "first_attempt": self.first_attempt,
            "last_attempt": self.last_attempt,
            "ways": list(self.ways),
        }


@dataclass
class Proposal:
    merchant_id: str
    name: str
    uscc: str
    address: str
    platform: str
    shop_url: str
    cluster_registered: bool
    same_address: int  # live merchants registered at this address, itself included
    cases: list[ProposalCase] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "merchant_id": self.merchant_id,
            "name": self.name,
            "uscc": self.uscc,
            "address": self.address,
            "platform": self.platform,
            "shop_url": self.shop_url,
            "cluster_registered": self.cluster_registered,
            "same_address": self.same_address,
            "cases": [case.to_dict() for case in self.cases],
        }


def abnormal_list_proposals(
    store: Store, *, min_attempts: int = MIN_UNREACHABLE_ATTEMPTS
) -> list[Proposal]:
    """The merchants to propose, by name, each with its cases in order of receipt."""
    proposals: dict[str, Proposal] = {}
    for row in proposal_rows(store, min_attempts):
        proposal = proposals.get(row["merchant_id"])
        if proposal is None:
            proposal = proposals[row["merchant_id"]] = Proposal(
                merchant_id=row["merchant_id"],
                name=row["name"],
                uscc=row["uscc"],
                address=row["address"],
                platform=row["platform"],
                shop_url=row["shop_url"],
                cluster_registered=bool(row["cluster_registered"]),
                same_address=row["same_address"],
            )
        proposal.cases.append(
            ProposalCase(
                case_no=row["case_no"],
                kind=row["kind"],
                status=row["status"],
                received_on=(row["received_at"] or "")[:10],
                owner_station=row["owner_station"],
                attempts=row["attempts"],
                first_attempt=(row["first_at"] or "")[:10],
                last_attempt=(row["last_at"] or "")[:10],
                ways=tuple(sorted(set(filter(None, (row["ways"] or "").split(","))))),
            )
        )
    return list(proposals.values())


def _way_text(ways: tuple[str, ...]) -> str:
    names = []
    for way in ways:
        try:
            names.append(label(ContactWay(way)))
        except ValueError:
            names.append(way)
    return "、".join(names)


def _enum_text(kind: type, value: str) -> str:
    try:
        return label(kind(value))
    except (ValueError, KeyError):
        return value


def proposal_headers() -> list[str]:
    return [
        _("No."),
        _("Merchant"),
        _("Unified social credit code"),
        _("Platform"),
        _("Shop address (URL)"),
        _("Registered address"),
        _("Why proposed"),
        _("Case number"),
        _("Received"),
        _("Status"),
        _("Attempts"),
        _("Ways tried"),
        _("Last attempt"),
    ]


def reason_text(proposal: Proposal) -> str:
    """Why the shop is proposed, in words for the credit department."""
    parts = []
    if proposal.cluster_registered:
        parts.append(_("cluster-registered"))
    if proposal.same_address >= 2:
        parts.append(_("{n} merchants at this address").format(n=proposal.same_address))
    parts.append(_("unreachable in {n} cases").format(n=len(proposal.cases)))
    return "；".join(parts)


def write_proposals_xlsx(
    proposals: list[Proposal], path: Path | str, *, station_name: str, made_on: date
) -> None:
    """The proposals as one worksheet, a row per case, the merchant's cells merged over its
    cases; fits the width of an A4 landscape page. The file appears only when complete."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Abnormal-list proposals")
    headers = proposal_headers()
    widths = (5, 24, 21, 10, 22, 26, 18, 19, 11, 11, 6, 14, 11)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    sheet.append([_("Proposals for the abnormal operations list: {station}").format(
        station=station_name)])  # fmt: skip
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.row_dimensions[1].height = 26
    total_cases = sum(len(p.cases) for p in proposals)
    sheet.append([
        _("Made on {day}: {merchants} online shops, {cases} cases; a shop is proposed when "
          "it could not be reached in at least {attempts} attempts in a case.").format(
            day=made_on.isoformat(), merchants=len(proposals), cases=total_cases,
            attempts=MIN_UNREACHABLE_ATTEMPTS)
    ])  # fmt: skip
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    sheet["A2"].alignment = Alignment(horizontal="center", wrap_text=True)
    sheet.row_dimensions[2].height = 30
    sheet.append(headers)
    fill = PatternFill("solid", fgColor="DDE5F0")
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.border = border
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    merchant_columns = 7
    for number, proposal in enumerate(proposals, start=1):
        first_row = sheet.max_row + 1
        for case in proposal.cases:
            sheet.append([
                number, proposal.name, proposal.uscc, proposal.platform, proposal.shop_url,
                proposal.address, reason_text(proposal), case.case_no, case.received_on,
                _enum_text(CaseStatus, case.status), case.attempts, _way_text(case.ways),
                case.last_attempt,
            ])  # fmt: skip
            for cell in sheet[sheet.max_row]:
                cell.border = border
                cell.alignment = wrap
        last_row = sheet.max_row
        if last_row > first_row:
            for column in range(1, merchant_columns + 1):
                sheet.merge_cells(
                    start_row=first_row, start_column=column, end_row=last_row, end_column=column
                )
    if not proposals:
        sheet.append([_("(none)")])
    print_on_a4(
        sheet, landscape=True, margins=PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    )
    save_workbook(workbook, Path(path))
