"""`station-app import-ledger`, run as a real process: dry run, import, list, undo, bad input."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import init_station, run
from tests.support.ledger_files import messy_rows, write_messy_ledger

MAPPING = {
    "ledger_no": "序号",
    "received": "登记日期",
    "complainant": "投诉人姓名",
    "phone": "D",
    "merchant": "被投诉人名称",
    "merchant_address": "被投诉人地址",
    "facts": "投诉内容",
    "amount": "涉案金额",
    "status": "处理结果",
    "closed": "办结日期",
    "recovered": "挽回损失",
}


def _cases(data_dir: Path) -> int:
    from station_app.store import Store

    with Store(data_dir / "station.db") as store:
        return store.scalar("SELECT count(*) FROM cases WHERE deleted = 0")


def test_import_ledger_dry_run_import_list_and_undo(tmp_path):
    data_dir = init_station(tmp_path / "data")
    ledger = write_messy_ledger(tmp_path / "台账.xlsx", messy_rows())
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")

    dry = run(data_dir, "import-ledger", str(ledger), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert (report["rows"], report["header_row"], report["problems"]) == (6, 3, [])
    assert report["mapping"]["merchant"] == "E"
    assert _cases(data_dir) == 0

    refused = run(data_dir, "import-ledger", str(ledger))
    assert refused.returncode == 2 and "--mapping" in refused.stderr

    done = run(data_dir, "import-ledger", str(ledger), "--sheet", "2021年",
               "--mapping", str(mapping), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["cases"] == 6
    assert result["first_case_no"] == "RC-MT-2021-00001"
    assert _cases(data_dir) == 6

    twice = run(data_dir, "import-ledger", str(ledger), "--mapping", str(mapping))
    assert twice.returncode == 2 and "was already imported" in twice.stderr
    assert "--again" in twice.stderr
    assert _cases(data_dir) == 6

    listed = run(data_dir, "import-ledger", "--list", "--json")
    assert [b["id"] for b in json.loads(listed.stdout)] == [result["batch"]]

    undone = run(data_dir, "import-ledger", "--undo", result["batch"])
    assert undone.returncode == 0, undone.stderr
    assert "6 cases" in undone.stdout
    assert _cases(data_dir) == 0
    again = run(data_dir, "import-ledger", "--undo", result["batch"])
    assert again.returncode == 2 and "already undone" in again.stderr


def test_import_ledger_bad_input_imports_nothing(tmp_path):
    data_dir = init_station(tmp_path / "data")
    rows = messy_rows()
    rows[4][7] = "约3000元"  # row 8
    ledger = write_messy_ledger(tmp_path / "bad.xlsx", rows)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    done = run(data_dir, "import-ledger", str(ledger), "--mapping", str(mapping))
    assert done.returncode == 2
    assert "Row 8, column “H（涉案金额）”: “约3000元” is not an amount of money" in done.stdout
    assert "nothing was imported" in done.stderr
    assert _cases(data_dir) == 0

    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps({**MAPPING, "closed": "B"}, ensure_ascii=False), encoding="utf-8")
    done = run(data_dir, "import-ledger", str(ledger), "--mapping", str(twice))
    assert done.returncode == 2 and "chosen for more than one field" in done.stderr

    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(ledger.read_bytes()[:2000])
    done = run(data_dir, "import-ledger", str(corrupt), "--dry-run")
    assert done.returncode == 2 and "damaged or incomplete" in done.stderr
    assert "Traceback" not in done.stderr
    assert _cases(data_dir) == 0
