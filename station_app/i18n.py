"""The one translation function of the app: English source text in, the user's language out."""

from __future__ import annotations

import json
import os
from functools import cache

from station_app.assets import asset_path

DEFAULT_LANGUAGE = "zh_CN"
SUPPORTED_LANGUAGES = ("zh_CN", "en")

_language = os.environ.get("STATION_APP_LANG", DEFAULT_LANGUAGE)


@cache
def load_catalogue(language: str) -> dict[str, str]:
    """The message catalogue of a language; English is the source text itself."""
    if language == "en":
        return {}
    path = asset_path("i18n", f"{language}.json")
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def set_language(language: str) -> None:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {SUPPORTED_LANGUAGES}")
    global _language
    _language = language


def current_language() -> str:
    return _language


def N_(text: str) -> str:
    """Mark a message for the catalogue where it is defined (a table of labels) and translate
    it where it is shown, with _(): the gettext convention."""
    return text


def _(text: str) -> str:
    """Translate `text`; an entry missing from the catalogue falls back to the source text."""
    return load_catalogue(_language).get(text, text)
