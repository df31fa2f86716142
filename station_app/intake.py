"""Registering new cases: the one path used by the intake form, `case add` and the demo."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from station_app.case_json import case_from_dict
from station_app.classification import bundled_classification
from station_app.domain import Case, User
from station_app.i18n import _
from station_app.store import Store
from station_app.store.cases import add_case
from station_app.store.reference_data import station_classification
from station_app.validation import Problem, Severity, validate_case

OVERRIDABLE_WARNINGS = {"uscc_checksum": "override_uscc_warning"}


@dataclass
class IntakeRejected(Exception):
    """Nothing was saved: `problems` maps the index of each bad case to what is wrong with it."""

    problems: dict[int, list[Problem]] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = []
        for index, problems in self.problems.items():
            for problem in problems:
                lines.append(
                    _("Case {number}: {message}").format(number=index + 1, message=problem.message)
                )
        return "\n".join(lines)


def blocking_problems(data: dict, problems: list[Problem]) -> list[Problem]:
    """Errors, and warnings the clerk has not chosen to override (a failed credit-code check)."""
    blocking = []
    for problem in problems:
        if problem.severity is Severity.ERROR:
            blocking.append(problem)
        elif problem.code in OVERRIDABLE_WARNINGS and not data.get(
            OVERRIDABLE_WARNINGS[problem.code]
        ):
            blocking.append(problem)
    return blocking


def check_case_data(
    data: dict, *, today: date, classification: dict[str, list[str]] | None = None
) -> list[Problem]:
    """Every problem of one case's data, errors and warnings alike; `classification`: the lists
    in force (store.reference_data.station_classification), the bundled ones by default."""
    return validate_case(
        data, today=today, classification=classification or bundled_classification()
    )


def register_cases(
    store: Store, cases_data: list[dict], *, user: User, station_code: str, today: date
) -> list[Case]:
    """Validate every case first; save all of them in one transaction, or none."""
    rejected: dict[int, list[Problem]] = {}
    classification = station_classification(store)
    for index, data in enumerate(cases_data):
        if not isinstance(data, dict):
            rejected[index] = [
                Problem("", Severity.ERROR, _("Each case must be a JSON object."), "not_object")
            ]
            continue
        blocking = blocking_problems(
            data, check_case_data(data, today=today, classification=classification)
        )
        if blocking:
            rejected[index] = blocking
    if rejected:
        raise IntakeRejected(rejected)
    saved = []
    with store.transaction():
        for data in cases_data:
            saved.append(
                add_case(
                    store, case_from_dict(data), station_code=station_code, created_by=user.username
                )
            )
    return saved
