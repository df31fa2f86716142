"""A year without a holiday schedule is told once (today's work, the status bar), and kept apart
from the warnings about a step itself."""

from __future__ import annotations

import json
from datetime import date, datetime

from station_app.store.due import todays_work
from station_app.store.holidays import calendar_warnings, import_holiday_file
from tests.core.test_case_deadlines import SCHEDULE_2027
from tests.core.workflow_helpers import CLERK, VILLAGE, do, new_case, set_up_village

LATE_2026 = date(2026, 11, 30)


def test_todays_work_tells_of_a_year_without_a_schedule_until_it_is_imported(store, tmp_path):
    set_up_village(store)
    assert any("No holiday schedule for 2027" in w for w in calendar_warnings(store, LATE_2026))
    assert todays_work(store, LATE_2026).calendar_warnings == calendar_warnings(store, LATE_2026)
    assert "calendar_warnings" in todays_work(store, LATE_2026).to_dict()
    assert calendar_warnings(store, date(2026, 5, 4)) == []  # its deadlines stay in 2026
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    import_holiday_file(store, path, station_code=VILLAGE, actor="admin")
    assert todays_work(store, LATE_2026).calendar_warnings == []


def test_a_step_keeps_calendar_warnings_apart_from_its_own(store):
    set_up_village(store)
    case = new_case(store, received_at=datetime(2026, 11, 20, 9, 0))
    now = datetime(2026, 11, 30, 9, 0)
    result = do(store, case, "accept", {"occurred_at": "2026-11-30"}, user=CLERK, now=now)
    assert any("2027" in w for w in result.calendar_warnings)
    assert set(result.calendar_warnings) <= set(result.warnings)
    assert result.step_warnings == []
    assert result.to_dict(date(2026, 11, 30))["warnings"] == result.warnings
