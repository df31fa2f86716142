"""`station-app print`, run as a real process: --list, first print issues, later prints give the
identical bytes, --reissue with a reason, missing facts, --verify."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from station_app.documents import DOCUMENT_KINDS
from tests.support.cli import EXAMPLE, init_station, run, set_authority


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("print") / "data"
    init_station(data_dir)
    set_authority(data_dir)
    added = run(data_dir, "case", "add", "--json", str(EXAMPLE))
    assert added.returncode == 0, added.stderr
    return data_dir


def test_list_names_every_kind_with_its_chinese_title(station):
    done = run(station, "print", "--list")
    assert done.returncode == 0, done.stderr
    listed = {row["kind"]: row["title"] for row in json.loads(done.stdout)}
    assert listed == {k.id: k.title for k in DOCUMENT_KINDS.values()}
    assert listed["refusal_decision"] == "投诉不予受理决定书"


def test_first_print_issues_and_later_prints_are_identical(station, tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    done = run(station, "print", "complaint_registration", "RC-MT-2026-00001", "--out", str(first))
    assert done.returncode == 0, done.stderr
    issued = json.loads(done.stdout)
    assert issued["reprinted"] is False and issued["version"] == 1
    assert issued["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
    again = run(
        station, "print", "complaint_registration", "RC-MT-2026-00001", "--out", str(second)
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["reprinted"] is True
    assert first.read_bytes() == second.read_bytes()

    verified = run(station, "print", "--verify", issued["verification_code"].lower())
    assert verified.returncode == 0, verified.stderr
    [found] = json.loads(verified.stdout)
    assert (found["case_no"], found["title"]) == ("RC-MT-2026-00001", "投诉登记表")

    no_reason = run(
        station, "print", "complaint_registration", "RC-MT-2026-00001", "--out", str(second),
        "--reissue",
    )  # fmt: skip
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    corrected = run(
        station, "print", "complaint_registration", "RC-MT-2026-00001", "--out", str(second),
        "--reissue", "--reason", "登记内容有误",
    )  # fmt: skip
    assert corrected.returncode == 0, corrected.stderr
    assert json.loads(corrected.stdout)["version"] == 2
    verified = run(station, "print", "--verify", issued["verification_code"])
    assert json.loads(verified.stdout)[0]["current"] is False


def test_missing_facts_exit_2_naming_each_item(station, tmp_path):
    out = tmp_path / "n.pdf"
    done = run(station, "print", "mediation_notice", "RC-MT-2026-00001", "--out", str(out))
    assert done.returncode == 2
    assert "Nothing was issued" in done.stderr
    # The notice goes out only once both parties have agreed to mediation.
    assert "record it with “Start mediation” (start-mediation)" in done.stderr
    assert run(station, "case", "act", "RC-MT-2026-00001", "accept").returncode == 0
    consents = tmp_path / "consents.json"
    consents.write_text(
        json.dumps({"complainant_consents": True, "merchant_consents": True, "mode": "phone"}),
        encoding="utf-8",
    )
    started = run(
        station, "case", "act", "RC-MT-2026-00001", "start-mediation", "--json", str(consents)
    )
    assert started.returncode == 0, started.stderr
    done = run(station, "print", "mediation_notice", "RC-MT-2026-00001", "--out", str(out))
    assert done.returncode == 2
    assert "Start mediation" not in done.stderr
    for item in (
        "- The time of the mediation session is missing: give it when printing (“held_at” in "
        "print --json",
        "- The place of the mediation session is missing: give it when printing (“place”",
        "- The materials the parties bring are not listed: give it when printing (“materials”",
    ):
        assert item in done.stderr
    assert not out.exists()
    details = tmp_path / "notice.json"
    details.write_text(
        json.dumps(
            {"held_at": "2026-03-09 09:30", "place": "调解室", "materials": ["身份证件"]},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    done = run(
        station,
        "print",
        "mediation_notice",
        "RC-MT-2026-00001",
        "--out",
        str(out),
        "--json",
        str(details),
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert "调通〔" in printed["doc_no"]
    # Issued today for a session in March: issued, with the warning on stderr and in the JSON.
    assert printed["warnings"] and "2026-03-09 09:30" in printed["warnings"][0]
    assert "2026-03-09 09:30" in done.stderr


def test_an_unknown_kind_and_missing_arguments_are_refused(station, tmp_path):
    done = run(station, "print", "letter", "RC-MT-2026-00001", "--out", str(tmp_path / "x.pdf"))
    assert done.returncode == 2 and "print --list" in done.stderr
    done = run(station, "print", "acceptance_decision")
    assert done.returncode == 2
    done = run(station, "print", "--verify", "00000000")
    assert done.returncode == 1


@pytest.mark.parametrize("kind", sorted(DOCUMENT_KINDS))
def test_every_kind_prints_or_names_what_is_missing(station, tmp_path, kind):
    out = tmp_path / f"{kind}.pdf"
    done = run(station, "print", kind, "RC-MT-2026-00001", "--out", str(out))
    if done.returncode == 0:
        assert out.read_bytes().startswith(b"%PDF-")
        assert json.loads(done.stdout)["kind"] == kind
    else:
        assert done.returncode == 2, done.stderr
        assert "Nothing was issued" in done.stderr
        assert "\n- " in done.stderr
        assert not out.exists()
