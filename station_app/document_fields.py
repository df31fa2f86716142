"""Which registration fields each kind of printed document shows, as data: a correction of one
of them makes an issued copy outdated, and the clerk is told which documents need a corrected
version (case_edit). Kept in step with the document modules by a test
(tests/core/test_case_edit.py checks that every kind in documents.DOCUMENT_KINDS is listed).

Fields are written as in the case JSON: "facts", "merchant.name", "complainants.phone";
"complainants" alone means a complainant added or removed, "agent" an agent added or removed.
"""

from __future__ import annotations

import re

PERSON_FIELDS = ("name", "gender", "phone", "address", "id_type", "id_number")
_PEOPLE = tuple(f"complainants.{key}" for key in PERSON_FIELDS) + ("complainants",)
_AGENT = tuple(f"agent.{key}" for key in PERSON_FIELDS) + ("agent",)
_MERCHANT_IDENTITY = (
    "merchant.name",
    "merchant.uscc",
    "merchant.legal_rep",
    "merchant.phone",
    "merchant.address",
)
# The addressees of a decision or notice: the complainants and the business, by name.
_ADDRESSEES = ("complainants.name", "complainants", "merchant.name", "received_at")

_REGISTRATION = (
    "channel",
    "received_at",
    "work_order_no",
    "work_order_due",
    *_PEOPLE,
    *_AGENT,
    "anonymous",
    *_MERCHANT_IDENTITY,
    "merchant.platform",
    "merchant.shop_url",
    "goods_or_service",
    "category",
    "problem_nature",
    "purchase_date",
    "purchase_place",
    "amount",
    "request",
    "facts",
    "consent_publish",
    "consent_mediation",
    "consent_entrusted",
)

# document kind (documents.DOCUMENT_KINDS) -> the registration fields it prints
PRINTED_FIELDS: dict[str, frozenset[str]] = {
    "complaint_registration": frozenset(_REGISTRATION),
    "report_registration": frozenset(_REGISTRATION),
    "acceptance_decision": frozenset(_ADDRESSEES),
    "refusal_decision": frozenset(_ADDRESSEES),
    "termination_decision": frozenset(_ADDRESSEES),
    "mediation_notice": frozenset(_ADDRESSEES),
    # the parties by name (the business with its code, representative and address), the
    # receipt, the request, and the facts when the agreement was issued without facts of its own
    "mediation_agreement": frozenset(
        (
            "complainants.name",
            "complainants",
            "agent.name",
            "agent",
            "merchant.name",
            "merchant.uscc",
            "merchant.legal_rep",
            "merchant.address",
            "received_at",
            "channel",
            "request",
            "facts",
        )
    ),
    # every party's full particulars, for the station's file
    "agreement_internal_annex": frozenset((*_PEOPLE, *_AGENT, *_MERCHANT_IDENTITY)),
    "mediation_record": frozenset(("complainants.name", "complainants", "merchant.name")),
    "judicial_application": frozenset((*_PEOPLE, *_MERCHANT_IDENTITY)),
    # the complainants and the business by name, the receipt and the request
    "court_transfer_letter": frozenset(
        ("complainants.name", "complainants", "merchant.name", "received_at", "request")
    ),
    "report_result_notice": frozenset(
        (
            "complainants.name",
            "complainants",
            "anonymous",
            "merchant.name",
            "received_at",
            "channel",
        )
    ),
}

_INDEX = re.compile(r"\[\d+\]")


def field_key(path: str) -> str:
    """A changed field's path without list positions: "complainants[1].phone" -> "complainants.phone"."""
    return _INDEX.sub("", path)


def printed_fields_changed(kind: str, paths: list[str]) -> list[str]:
    """The changed field paths that a document of `kind` prints (a kind not listed: none)."""
    printed = PRINTED_FIELDS.get(kind, frozenset())
    return [path for path in paths if field_key(path) in printed]
