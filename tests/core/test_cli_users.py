"""`station-app user ...` and the password every acting command now needs, run as real
processes: wrong passwords refused, roles enforced, the audit naming who really acted."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from station_app.store import Store
from tests.support.cli import EXAMPLE, ROOT, init_station, run


@pytest.fixture(scope="module")
def station(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli-users") / "data"
    init_station(data_dir)
    added = run(
        data_dir, "user", "add", "li", "--role", "clerk", "--display-name", "李文书",
        stdin="li-pass-1\nli-pass-1\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    return data_dir


def _as(password: str | None) -> dict:
    return {"STATION_APP_PASSWORD": password}


def _case_count(station: Path) -> int:
    with Store(station / "station.db") as store:
        return store.scalar("SELECT count(*) FROM cases")


def _add_case(station: Path) -> str:
    added = run(station, "case", "add", "--json", str(EXAMPLE))
    assert added.returncode == 0, added.stderr
    return json.loads(added.stdout)["case_numbers"][0]


def test_user_add_list_set_role_disable_enable_reset(station):
    added = run(
        station, "user", "add", "zhou", "--role", "officer", "--display-name", "周调解",
        stdin="zhou-pass-1\nzhou-pass-1\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {
        "username": "zhou",
        "display_name": "周调解",
        "role": "officer",
        "active": True,
        "locked_until": None,
    }
    listed = json.loads(run(station, "user", "list").stdout)
    assert {u["username"]: u["role"] for u in listed}.items() >= {
        "admin": "admin",
        "li": "clerk",
        "zhou": "officer",
    }.items()
    assert run(station, "user", "set-role", "zhou", "--role", "admin").returncode == 0
    assert run(station, "user", "disable", "zhou").returncode == 0
    refused = run(station, "user", "list", "--user", "zhou", env=_as("zhou-pass-1"))
    assert refused.returncode == 1 and "disabled" in refused.stderr
    assert run(station, "user", "enable", "zhou").returncode == 0
    reset = run(station, "user", "reset-password", "zhou", stdin="zhou-pass-2\nzhou-pass-2\n")
    assert reset.returncode == 0, reset.stderr
    assert run(station, "user", "list", "--user", "zhou", env=_as("zhou-pass-2")).returncode == 0
    assert run(station, "user", "list", "--user", "zhou", env=_as("zhou-pass-1")).returncode == 1
    assert run(station, "user", "set-role", "zhou", "--role", "officer").returncode == 0


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("li", "--role", "clerk", "--display-name", "又一个"), "pass-123\npass-123\n", "taken"),
        (("LI", "--role", "clerk", "--display-name", "又一个"), "pass-123\npass-123\n", "taken"),
        (("wu", "--role", "clerk", "--display-name", "吴"), "pass-123\npass-124\n", "differ"),
        (("wu", "--role", "clerk", "--display-name", "吴"), ("x" * 200 + "\n") * 2, "at most 128"),
        (("wu", "--role", "clerk", "--display-name", "吴"), "", "twice"),
    ],
)
def test_bad_user_add_exits_2_and_saves_nothing(station, args, stdin, message):
    done = run(station, "user", "add", *args, stdin=stdin)
    assert done.returncode == 2
    assert message in done.stderr
    with Store(station / "station.db") as store:
        assert store.scalar("SELECT count(*) FROM users WHERE username = 'wu'") == 0


def test_an_emoji_password_works_on_the_command_line(station):
    password = "钥匙🔑pass"
    added = run(
        station, "user", "add", "emoji", "--role", "clerk", "--display-name", "表情",
        stdin=f"{password}\n{password}\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    shown = run(station, "case", "show", _add_case(station), "--json", "--reveal",
                "--user", "emoji", env=_as(password))  # fmt: skip
    # The password is right (a wrong one exits 1); a clerk is then refused the full numbers.
    assert shown.returncode == 2 and "Only an administrator" in shown.stderr, shown.stderr


def test_disabling_the_last_administrator_is_refused(station):
    done = run(station, "user", "disable", "admin")
    assert done.returncode == 2
    assert "last active administrator" in done.stderr
    clerk = run(station, "user", "disable", "admin", "--user", "li", env=_as("li-pass-1"))
    assert clerk.returncode == 2 and "Only an administrator" in clerk.stderr
    listing = run(station, "user", "list", "--user", "li", env=_as("li-pass-1"))
    assert listing.returncode == 2 and "Only an administrator" in listing.stderr
    assert run(station, "user", "list").returncode == 0


def test_a_wrong_password_is_refused_and_nothing_is_saved(station):
    before = _case_count(station)
    done = run(station, "case", "add", "--json", str(EXAMPLE), env=_as("not-the-password"))
    assert done.returncode == 1
    assert "user name or the password is wrong" in done.stderr
    assert done.stdout == ""
    named = run(
        station, "case", "add", "--json", str(EXAMPLE), "--user", "li", env=_as("secret123")
    )
    assert named.returncode == 1
    ghost = run(station, "case", "add", "--json", str(EXAMPLE), "--user", "ghost")
    assert ghost.returncode == 1
    assert _case_count(station) == before


def test_the_password_is_never_read_from_standard_input(station):
    number = _add_case(station)
    payload = json.dumps({"note": "secret123"})
    done = run(
        station, "case", "act", number, "accept", "--json", "-", stdin=payload, env=_as(None)
    )
    assert done.returncode == 1
    assert "STATION_APP_PASSWORD" in done.stderr
    shown = json.loads(run(station, "case", "show", number, "--json").stdout)
    assert shown["status"] == "registered"
    reveal = run(station, "case", "show", number, "--json", "--reveal", stdin="secret123\n",
                 env=_as(None))  # fmt: skip
    assert reveal.returncode == 1 and reveal.stdout == ""


def test_the_password_is_asked_on_the_terminal_while_stdin_carries_the_json(station):
    number = _add_case(station)
    master, slave = pty.openpty()

    def own_terminal():  # a new session whose controlling terminal is the pty
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    env = {
        **os.environ,
        "STATION_APP_LANG": "en",
        "PYTHONPATH": str(ROOT),
        # The session's keyring file, which holds the station's key (tests/conftest.py).
        "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
    }
    env.pop("STATION_APP_PASSWORD", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "station_app", "--data-dir", str(station),
         "case", "act", number, "accept", "--json", "-", "--user", "li"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=env, preexec_fn=own_terminal, pass_fds=(slave,),
    )  # fmt: skip
    os.close(slave)
    try:
        process.stdin.write(json.dumps({"note": "由终端输入密码"}).encode())
        process.stdin.close()  # the data is all read before the password is asked
        prompt = b""
        while b"Password of li" not in prompt:
            readable, _w, _x = select.select([master], [], [], 60)
            assert readable, f"no password prompt on the terminal: {prompt!r}"
            prompt += os.read(master, 100)
        os.write(master, b"li-pass-1\n")
        out, err = process.stdout.read(), process.stderr.read()
        process.wait(timeout=60)
    finally:
        process.kill()
        os.close(master)
    assert process.returncode == 0, err.decode()
    result = json.loads(out)
    assert result["status"] == "accepted"
    assert result["event"]["actor"] == "li"  # the audit names who really acted
    assert result["event"]["note"] == "由终端输入密码"


def test_a_new_clerk_cannot_take_an_officer_action_on_the_command_line(station, tmp_path):
    number = _add_case(station)
    li = _as("li-pass-1")
    accepted = run(station, "case", "act", number, "accept", "--user", "li", env=li)
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout)["event"]["actor"] == "li"
    consents = json.dumps(
        {"complainant_consents": True, "merchant_consents": True, "mode": "phone"}
    )
    refused = run(station, "case", "act", number, "start-mediation", "--json", "-",
                  "--user", "li", stdin=consents, env=li)  # fmt: skip
    assert refused.returncode == 2
    assert "mediation officer" in refused.stderr
    assert run(station, "user", "set-role", "li", "--role", "officer").returncode == 0
    allowed = run(station, "case", "act", number, "start-mediation", "--json", "-",
                  "--user", "li", stdin=consents, env=li)  # fmt: skip
    assert allowed.returncode == 0, allowed.stderr
    assert run(station, "user", "set-role", "li", "--role", "clerk").returncode == 0


def test_five_wrong_passwords_lock_the_user_on_the_command_line(station):
    added = run(
        station, "user", "add", "lock.me", "--role", "clerk", "--display-name", "锁",
        stdin="lock-pass-1\nlock-pass-1\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    for attempt in range(5):
        wrong = run(station, "user", "list", "--user", "lock.me", env=_as(f"bad-{attempt}"))
        assert wrong.returncode == 1
    locked = run(station, "case", "flags", "x")  # a command acting as nobody still works
    assert "locked" not in locked.stderr
    right = run(station, "case", "add", "--json", str(EXAMPLE), "--user", "lock.me",
                env=_as("lock-pass-1"))  # fmt: skip
    assert right.returncode == 1 and "locked" in right.stderr
    listed = json.loads(run(station, "user", "list").stdout)
    assert [u["locked_until"] is not None for u in listed if u["username"] == "lock.me"] == [True]
    assert run(station, "user", "reset-password", "lock.me",
               stdin="lock-pass-2\nlock-pass-2\n").returncode == 0  # fmt: skip
    again = run(station, "case", "add", "--json", str(EXAMPLE), "--user", "lock.me",
                env=_as("lock-pass-2"))  # fmt: skip
    assert again.returncode == 0, again.stderr
