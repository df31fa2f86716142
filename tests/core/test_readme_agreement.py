"""The README's workflow example, run as written through `station-app`, ends in a printable
调解协议书 that says what the agree action was told."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from station_app.domain import Role, User
from station_app.store import Store
from station_app.store.accounts import add_user
from tests.core.test_documents_pdf import flat, needs_poppler, pdf_text
from tests.support.cli import EXAMPLE, ROOT, init_station, run

README_CASE = "RC-MT-2026-00017"


def readme_commands() -> list[tuple[list[str], str]]:
    """The commands of the README's `case act` example: (arguments, standard input)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Workflow actions", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = []
    for command in re.split(r"\n(?=echo |station-app )", block.strip()):
        command = command.replace("\\\n", " ")
        stdin = ""
        if command.startswith("echo '"):
            stdin, command = re.fullmatch(r"echo '(.*?)'\s*\|\s*(.*)", command, re.S).groups()
        words = shlex.split(command)
        assert words[0] == "station-app"
        commands.append((words[1:], stdin))
    return commands


def test_the_readme_example_takes_agree_with_everything_the_agreement_needs():
    commands = readme_commands()
    agree = next(stdin for args, stdin in commands if "agree" in args)
    payload = json.loads(agree)
    assert {"terms", "dispute", "performance", "performance_due", "mediators"} <= set(payload)
    assert all(term["description"] for term in payload["terms"])


@needs_poppler
def test_the_readme_agree_example_prints_the_agreement(tmp_path: Path):
    data_dir = init_station(tmp_path / "data")
    with Store(data_dir / "station.db") as store:
        add_user(store, User("wang", "王调解员", Role.OFFICER, "RC-MT"), "secret123")
    added = run(data_dir, "case", "add", "--json", str(EXAMPLE))
    assert added.returncode == 0, added.stderr
    number = json.loads(added.stdout)["case_numbers"][0]
    out = tmp_path / "agreement.pdf"
    for args, stdin in readme_commands():
        args = [number if a == README_CASE else a for a in args]
        args = [str(out) if a == "agreement.pdf" else a for a in args]
        done = run(data_dir, *args, stdin=stdin)
        assert done.returncode == 0, (args, done.stderr)
    agree = json.loads(next(stdin for args, stdin in readme_commands() if "agree" in args))
    text = flat(pdf_text(out.read_bytes()))
    assert "调解协议书" in text
    assert agree["dispute"] in text
    assert agree["terms"][0]["description"] in text
    assert "调解员：" + "、".join(agree["mediators"]) in text
    assert agree["performance"] in text
    assert "2026年3月20日" in text  # performed by
