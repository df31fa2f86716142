"""`station-app case contact` and `station-app merchant proposals`, run as real processes."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from tests.support.cli import EXAMPLE, init_station, run


def _shop_case() -> str:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["merchant"] = {
        "name": "某某旗舰店",
        "address": "九江市电商产业园A栋301",
        "platform": "拼多多",
        "cluster_registered": True,
    }
    return json.dumps(data, ensure_ascii=False)


def test_contact_attempts_make_a_proposal_with_its_case(tmp_path):
    data_dir = init_station(tmp_path / "data")
    added = run(data_dir, "case", "add", "--json", "-", stdin=_shop_case())
    assert added.returncode == 0, added.stderr
    (case_no,) = json.loads(added.stdout)["case_numbers"]

    empty = run(data_dir, "merchant", "proposals", "--json")
    assert empty.returncode == 0 and json.loads(empty.stdout) == []

    for day in ("2026-03-03", "2026-03-05 10:30"):
        done = run(data_dir, "case", "contact", case_no, "--way", "phone",
                   "--result", "unreachable", "--on", day, "--note", "空号")  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["event"]["details"]["contact_result"] == "unreachable"

    bad = run(data_dir, "case", "contact", case_no, "--way", "phone", "--result", "unreachable",
              "--on", "2026-13-40")  # fmt: skip
    assert bad.returncode != 0 and "Nothing was saved" in bad.stderr

    xlsx = tmp_path / "proposals.xlsx"
    listed = run(data_dir, "merchant", "proposals", "--json", "--xlsx", str(xlsx))
    assert listed.returncode == 0, listed.stderr
    (proposal,) = json.loads(listed.stdout)
    assert proposal["name"] == "某某旗舰店" and proposal["cluster_registered"] is True
    assert [(c["case_no"], c["attempts"], c["last_attempt"]) for c in proposal["cases"]] == [
        (case_no, 2, "2026-03-05")
    ]
    rows = list(load_workbook(xlsx).active.iter_rows(min_row=4, values_only=True))
    assert rows[0][1] == "某某旗舰店" and rows[0][7] == case_no and rows[0][10] == 2

    # Reached once: no longer a shop that cannot be reached.
    reached = run(data_dir, "case", "contact", case_no, "--way", "visit", "--result", "reached")
    assert reached.returncode == 0, reached.stderr
    after = run(data_dir, "merchant", "proposals", "--json")
    assert json.loads(after.stdout) == []
    shown = run(data_dir, "case", "show", case_no, "--json")
    contacts = [e for e in json.loads(shown.stdout)["events"] if e["action"] == "contact"]
    assert len(contacts) == 3


def test_supervision_add_list_edit_and_the_statistics(tmp_path):
    data_dir = init_station(tmp_path / "data")
    added = run(data_dir, "supervision", "add", "--on", "2026-03-05", "--kind", "sampling",
                "--result", "failed", "--subject", "散装白酒", "--findings", "酒精度不符",
                "--follow-up", "责令下架")  # fmt: skip
    assert added.returncode == 0, added.stderr
    record = json.loads(added.stdout)
    assert (record["kind"], record["result"], record["owner_station"]) == (
        "sampling", "failed", "RC-MT",
    )  # fmt: skip
    bad = run(data_dir, "supervision", "add", "--on", "2026-3-5", "--kind", "survey",
              "--result", "passed", "--merchant", "没有这家")  # fmt: skip
    assert bad.returncode != 0
    assert "Nothing was saved" in bad.stderr and "没有这家" in bad.stderr
    edited = run(data_dir, "supervision", "edit", record["id"][:13], "--result", "passed")
    assert edited.returncode == 0, edited.stderr
    assert json.loads(edited.stdout)["result"] == "passed"
    listed = run(data_dir, "supervision", "list", "--from", "2026-03-01", "--json")
    assert [r["id"] for r in json.loads(listed.stdout)] == [record["id"]]
    stats = run(data_dir, "stats", "--from", "2026-03-01", "--to", "2026-03-31", "--json")
    sampling = json.loads(stats.stdout)["supervision"]["sampling"]
    assert sampling["done"] == 1 and sampling["not_passed"]["count"] == 0
