"""Power cuts, stronger than kill -9: only what was fsynced survives, and nothing said saved is lost.

`tests/support/powercut.c`, compiled here with gcc and loaded with LD_PRELOAD into a process
that saves cases and issues documents through the real `station-app` commands, keeps a copy of
each file of the data folder as of its last fsync. The process is killed at a random moment;
then the "power is cut": the data folder is replaced by those copies, so every write that was
not fsynced is gone (the page cache of a PC switched off at the wall). Then every case number
and document number the commands printed must still be there, with its PDF, and the numbers
given out after the cut must never repeat one given out before.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from station_app.data_folder import DataFolder
from station_app.document_issuing import document_path
from station_app.file_crypt import read_stored_file
from station_app.store.cases import get_case
from tests.support.cli import EXAMPLE, ROOT, init_station, set_authority

ROUNDS = 8

WORKER = """
    import contextlib, io, json, sys
    from station_app.cli import main

    data_dir, example, out_dir = sys.argv[1:4]
    # A connection that stays open, as the app's window keeps one: without it each command's
    # close would checkpoint and sync everything, and hide what a long-lived connection risks.
    from pathlib import Path
    from station_app.store import Store
    window = Store(Path(data_dir) / "station.db")
    window.scalar("SELECT count(*) FROM cases")

    def run(*args):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = main(["--data-dir", data_dir, *args])
        assert code == 0, (args, code)
        return json.loads(buffer.getvalue())

    number = 0
    while True:
        number += 1
        case_no = run("case", "add", "--json", example)["case_numbers"][0]
        print("case", case_no, flush=True)
        if number % 3 == 1:
            run("case", "act", case_no, "accept")
            issued = run("print", "acceptance_decision", case_no, "--out", f"{out_dir}/d.pdf")
            print("document", issued["doc_no"], issued["sha256"], flush=True)
"""


@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> Path:
    library = tmp_path_factory.mktemp("shim") / "powercut.so"
    source = ROOT / "tests" / "support" / "powercut.c"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source), "-ldl"], check=True
    )
    return library


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _shadow_name(data_dir: Path, path: Path) -> str:
    return str(path.relative_to(data_dir)).replace("/", "%")


def take_baseline(data_dir: Path, shadow: Path) -> None:
    """Before a round everything on disk is durable (the previous cut left only that)."""
    shutil.rmtree(shadow, ignore_errors=True)
    shadow.mkdir()
    for path in _files(data_dir):
        shutil.copyfile(path, shadow / _shadow_name(data_dir, path))


def cut_power(data_dir: Path, shadow: Path) -> None:
    """The folder as the disk holds it after the cut: the last fsynced copy of each file."""
    for path in _files(data_dir):
        path.unlink()
    for copy in shadow.iterdir():
        if copy.name.startswith(".copy-"):
            continue  # a copy being made when the process died: that fsync never returned
        target = data_dir / copy.name.replace("%", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy, target)


def run_until_killed(shim: Path, data_dir: Path, shadow: Path, out_dir: Path, rng: random.Random):
    """Run the worker until it has reported a few saves, then kill it at a random moment."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "STATION_APP_LANG": "en",
        "STATION_APP_PASSWORD": "secret123",
        # The session's keyring file, which holds the station's key (tests/conftest.py).
        "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
        "LD_PRELOAD": str(shim),
        "POWERCUT_WATCH": str(data_dir.resolve()),
        "POWERCUT_SHADOW": str(shadow.resolve()),
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WORKER), str(data_dir), str(EXAMPLE), str(out_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    reported = []
    for _ in range(rng.randint(1, 4)):
        line = worker.stdout.readline()
        if not line:
            break
        reported.append(line)
    time.sleep(rng.uniform(0, 0.5))  # lands inside the next save, print or fsync
    worker.send_signal(signal.SIGKILL)
    out, err = worker.communicate()
    assert worker.returncode == -signal.SIGKILL, err
    # A line is "reported to the user" once printed whole; a torn last line was never shown.
    lines = reported + out.splitlines(keepends=True)
    return [line.split() for line in lines if line.endswith("\n")]


def test_every_reported_save_survives_a_power_cut_and_no_number_repeats(shim, tmp_path):
    data_dir = init_station(tmp_path / "data")
    set_authority(data_dir)
    shadow, out_dir = tmp_path / "shadow", tmp_path / "out"
    out_dir.mkdir()
    rng = random.Random(8)
    cases_reported: list[str] = []
    documents_reported: dict[str, str] = {}
    for _ in range(ROUNDS):
        take_baseline(data_dir, shadow)
        reported = run_until_killed(shim, data_dir, shadow, out_dir, rng)
        cut_power(data_dir, shadow)
        for kind, number, *rest in reported:
            if kind == "case":
                assert number not in cases_reported, f"case number {number} given out twice"
                cases_reported.append(number)
            else:
                assert number not in documents_reported, f"document {number} given out twice"
                documents_reported[number] = rest[0]
        with DataFolder(data_dir) as folder, folder.open_store() as store:
            assert store.integrity_check() == "ok"
            for number in cases_reported:
                assert get_case(store, number) is not None, f"saved case {number} was lost"
            on_record = dict(store.execute("SELECT doc_no, sha256 FROM issued_documents"))
            for number, sha in documents_reported.items():
                assert on_record.get(number) == sha, f"issued document {number} was lost"
                pdf = read_stored_file(document_path(data_dir, sha), store.key)  # encrypted
                assert hashlib.sha256(pdf).hexdigest() == sha
    # The loop did real work: saves in most rounds, and cuts that fell between them.
    assert len(cases_reported) >= ROUNDS and len(documents_reported) >= 2
    print(json.dumps({"cases": len(cases_reported), "documents": len(documents_reported)}))
