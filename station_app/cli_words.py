"""argparse's own words (usage, option groups, errors) in the user's language, and its tidying."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence

from station_app.i18n import N_, SUPPORTED_LANGUAGES, _, set_language

# The messages argparse (Python 3.11 to 3.13) looks up through its module-level gettext
# functions. Marked here so the catalogue holds them; translated where argparse asks for them.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("expected %s argument"),
    N_("expected %s arguments"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _(singular if count == 1 else plural)


def translate_argparse() -> None:
    """Make argparse speak the app's language.

    argparse reads `_` and `ngettext` from its module globals each time it words a message, so
    replacing them is enough; the words of a parser's groups are fixed when the parser is
    built, so call this (and choose the language) before building it.
    """
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]


def language_from_argv(argv: Sequence[str]) -> str | None:
    """The value of `--lang` in a command line, read before the parser exists."""
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def choose_language(argv: Sequence[str]) -> None:
    """Apply `--lang` before the parser is built, so its help is in that language too."""
    language = language_from_argv(argv)
    if language in SUPPORTED_LANGUAGES:
        set_language(language)


def hide_internal_commands(parser: argparse.ArgumentParser) -> None:
    """Name each command's subcommands in its usage and errors, leaving out those whose names
    start with '_' (run by the app itself, e.g. the Qt probe of selftest)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            visible = [name for name in action.choices if not name.startswith("_")]
            action.metavar = "{" + ",".join(visible) + "}"
            for name in visible:
                hide_internal_commands(action.choices[name])


def walk_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser of a command line with the subcommand names that lead to it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                if not name.startswith("_"):
                    yield from walk_parsers(child, (*path, name))
