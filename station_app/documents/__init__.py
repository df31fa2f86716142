"""Printed documents as pure functions: content records in, deterministic PDF bytes out.

`DOCUMENT_KINDS` names every kind the app can print, with its builder, its check for missing
facts and who receives it (a document for the business never carries a reporter's identity).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from station_app.documents import (
    court_transfer,
    decisions,
    internal_annex,
    judicial_application,
    mediation_agreement,
    mediation_record,
    registration_form,
    report_result,
)
from station_app.documents.content import AgreementContent, MissingFacts, RegistrationContent
from station_app.documents.fonts import (
    DocumentFontMissing,
    UnprintableCharacter,
    check_document_font,
)
from station_app.domain import CaseKind


class Audience(StrEnum):
    """Who is given the printed document."""

    INTERNAL = "internal"  # the station's file only
    PARTIES = "parties"  # both the consumer and the business
    REPORTER = "reporter"  # the reporter only, never the business
    COURT = "court"  # the court (the parties by name only)


@dataclass(frozen=True)
class DocumentKind:
    id: str
    title: str
    module: str
    content_type: type
    build: Callable[..., bytes]  # build(content, *, verification_code) -> PDF bytes
    missing_facts: Callable[[Any], list[str]]
    audience: Audience


DOCUMENT_KINDS: dict[str, DocumentKind] = {
    kind.id: kind
    for kind in (
        DocumentKind(
            id=registration_form.COMPLAINT_KIND,
            title="投诉登记表",
            module=registration_form.__name__,
            content_type=RegistrationContent,
            build=partial(registration_form.build_registration_form, kind=CaseKind.COMPLAINT),
            missing_facts=partial(registration_form.missing_facts, kind=CaseKind.COMPLAINT),
            audience=Audience.INTERNAL,
        ),
        DocumentKind(
            id=registration_form.REPORT_KIND,
            title="举报登记表",
            module=registration_form.__name__,
            content_type=RegistrationContent,
            build=partial(registration_form.build_registration_form, kind=CaseKind.REPORT),
            missing_facts=partial(registration_form.missing_facts, kind=CaseKind.REPORT),
            audience=Audience.INTERNAL,
        ),
        DocumentKind(
            id=mediation_agreement.KIND,
            title="调解协议书（投诉调解书）",
            module=mediation_agreement.__name__,
            content_type=AgreementContent,
            build=mediation_agreement.build_mediation_agreement,
            missing_facts=mediation_agreement.missing_facts,
            audience=Audience.PARTIES,
        ),
        DocumentKind(
            id=internal_annex.KIND,
            title="调解协议书附件（内部留存）",
            module=internal_annex.__name__,
            content_type=internal_annex.InternalAnnexContent,
            build=internal_annex.build_internal_annex,
            missing_facts=internal_annex.missing_facts,
            audience=Audience.INTERNAL,
        ),
        *(
            DocumentKind(
                id=kind,
                title=decisions.TITLES[kind],
                module=decisions.__name__,
                content_type=decisions.DecisionContent,
                build=partial(decisions.build_decision, kind=kind),
                missing_facts=decisions.decision_missing_facts,
                audience=Audience.PARTIES,
            )
            for kind in (
                decisions.ACCEPTANCE_KIND,
                decisions.REFUSAL_KIND,
                decisions.TERMINATION_KIND,
            )
        ),
        DocumentKind(
            id=decisions.NOTICE_KIND,
            title=decisions.TITLES[decisions.NOTICE_KIND],
            module=decisions.__name__,
            content_type=decisions.NoticeContent,
            build=decisions.build_notice,
            missing_facts=decisions.notice_missing_facts,
            audience=Audience.PARTIES,
        ),
        DocumentKind(
            id=mediation_record.KIND,
            title=mediation_record.TITLE,
            module=mediation_record.__name__,
            content_type=mediation_record.RecordContent,
            build=mediation_record.build_mediation_record,
            missing_facts=mediation_record.missing_facts,
            audience=Audience.PARTIES,
        ),
        DocumentKind(
            id=judicial_application.KIND,
            title=judicial_application.TITLE,
            module=judicial_application.__name__,
            content_type=judicial_application.JudicialContent,
            build=judicial_application.build_judicial_application,
            missing_facts=judicial_application.missing_facts,
            audience=Audience.PARTIES,
        ),
        DocumentKind(
            id=court_transfer.KIND,
            title=court_transfer.TITLE,
            module=court_transfer.__name__,
            content_type=court_transfer.CourtTransferContent,
            build=court_transfer.build_court_transfer_letter,
            missing_facts=court_transfer.missing_facts,
            audience=Audience.COURT,
        ),
        DocumentKind(
            id=report_result.KIND,
            title=report_result.TITLE,
            module=report_result.__name__,
            content_type=report_result.ReportResultContent,
            build=report_result.build_report_result,
            missing_facts=report_result.missing_facts,
            audience=Audience.REPORTER,
        ),
    )
}

__all__ = [
    "DOCUMENT_KINDS",
    "Audience",
    "DocumentFontMissing",
    "DocumentKind",
    "MissingFacts",
    "UnprintableCharacter",
    "check_document_font",
]
