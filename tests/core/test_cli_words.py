"""The command line speaks Chinese too: argparse's own words, every option's help, no internals."""

from __future__ import annotations

import argparse

import pytest

from station_app import i18n
from station_app.cli import build_parser
from station_app.cli_words import (
    ARGPARSE_MESSAGES,
    language_from_argv,
    translate_argparse,
    walk_parsers,
)
from tests.support.cli import run

ENGLISH_ARGPARSE_WORDS = ("usage:", "positional arguments", "options:", "show this help")


@pytest.fixture
def chinese_argparse(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh_CN")
    monkeypatch.setattr(argparse, "_", argparse._)
    monkeypatch.setattr(argparse, "ngettext", argparse.ngettext)
    translate_argparse()
    return build_parser()


def _options(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        yield action


def test_every_option_and_argument_has_a_help_text():
    parser = build_parser()
    missing = [
        f"{' '.join(path) or 'station-app'} {action.dest}"
        for path, sub in walk_parsers(parser)
        for action in _options(sub)
        if not action.help or action.help == argparse.SUPPRESS
    ]
    assert not missing, missing


def test_every_command_has_a_help_text():
    parser = build_parser()
    for _path, sub in walk_parsers(parser):
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                helped = {choice.dest for choice in action._choices_actions}
                visible = {name for name in action.choices if not name.startswith("_")}
                assert visible <= helped, visible - helped


def test_help_of_every_command_is_in_chinese(chinese_argparse):
    for path, sub in walk_parsers(chinese_argparse):
        text = sub.format_help()
        assert "用法：" in text, path
        assert not [w for w in ENGLISH_ARGPARSE_WORDS if w in text], (path, text)
        for action in _options(sub):
            # The help shown is the catalogue's Chinese, never the English source.
            assert not action.help.isascii(), (path, action.dest, action.help)


def test_argparse_messages_are_all_translated():
    catalogue = i18n.load_catalogue("zh_CN")
    assert all(catalogue.get(message) for message in ARGPARSE_MESSAGES)


def test_internal_commands_are_not_listed(chinese_argparse):
    text = chinese_argparse.format_help()
    assert "_qtcheck" not in text
    assert "selftest" in text
    # ... but the app can still run them.
    assert "_qtcheck" in chinese_argparse._subparsers._group_actions[0].choices


def test_representatives_usage_names_its_two_numbers(chinese_argparse):
    for path, sub in walk_parsers(chinese_argparse):
        if path == ("case", "representatives"):
            usage = sub.format_usage()
            assert usage.startswith("用法：station-app case representatives")
            assert usage.rstrip().endswith("case_no N N")
            break
    else:
        raise AssertionError("no case representatives command")


def test_language_is_read_before_the_parser_is_built():
    assert language_from_argv(["--lang", "en", "search", "x"]) == "en"
    assert language_from_argv(["--lang=zh_CN", "due"]) == "zh_CN"
    assert language_from_argv(["search", "--", "--lang", "en"]) is None


def test_a_wrong_option_value_is_explained_in_chinese(tmp_path):
    done = run(tmp_path, "--lang", "zh_CN", "demo", "--seed", "many")
    assert done.returncode == 2
    assert "用法：station-app demo" in done.stderr
    assert "错误：参数 --seed：无效的 int 值：'many'" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_follows_the_language_option(tmp_path):
    chinese = run(tmp_path, "--lang", "zh_CN", "case", "--help")
    english = run(tmp_path, "--lang", "en", "case", "--help")
    assert chinese.returncode == english.returncode == 0
    assert "用法：" in chinese.stdout and "显示本帮助并退出" in chinese.stdout
    assert "usage:" in english.stdout and "show this help message and exit" in english.stdout
