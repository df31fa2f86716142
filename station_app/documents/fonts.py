"""Fonts of the printed documents: the bundled WenQuanYi Micro Hei (or a Windows Song font),
embedded as a subset, and fonts for rare characters the main font lacks.

A document is never printed with a character the fonts cannot draw: that would be an empty box
on a legal document. A missing main font is `DocumentFontMissing` (checked at start-up with
`check_document_font()`); a missing character is `UnprintableCharacter`, naming it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

from station_app.assets import asset_path
from station_app.i18n import _

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FontFile:
    """A TrueType font file; `subfont` picks one font of a collection (.ttc)."""

    path: Path
    subfont: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))  # a str is welcome too


BUNDLED_FONT = ("fonts", "wqy-microhei.ttc")
# Characters every document prints: a font without them is not a Chinese font.
CHINESE_PROBE = "投诉调解协议书当事人人民币壹贰叁元整年月日签名盖章"


def windows_fonts_dir() -> Path:
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


# Windows system fonts preferred to the bundled one when present (宋体, 仿宋), a title font
# (黑体), and fonts with the rare characters of CJK Extension B (𠮷 and the like).
WINDOWS_BODY_FONTS = (("simsun.ttc", 0), ("simfang.ttf", 0))
WINDOWS_TITLE_FONTS = (("simhei.ttf", 0),)
WINDOWS_RARE_CHARACTER_FONTS = (("simsunb.ttf", 0), ("mingliub.ttc", 0))
LINUX_RARE_CHARACTER_FONTS = (
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
    "/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf",
)
# Extra fonts for rare characters may be dropped beside the bundled font.
BUNDLED_RARE_CHARACTER_DIR = ("fonts", "rare")

# Marks that change how the character before them looks but need no glyph of their own.
_SILENT = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF} | set(range(0xFE00, 0xFE10))
_SILENT |= set(range(0xE0100, 0xE01F0))


class DocumentFontMissing(Exception):
    """The main font of the documents cannot be used; the message says what to do."""


class UnprintableCharacter(Exception):
    """A text holds a character no available font can draw."""

    def __init__(self, char: str, text: str) -> None:
        self.char = char
        self.text = text
        super().__init__(unprintable_message(char, text))


def unprintable_message(char: str, text: str) -> str:
    shown = text if len(text) <= 24 else text[:24] + "…"
    return _(
        "“{text}” contains the character {char} (U+{code}), which no font on this computer "
        "can print. Install a font that has it (on Windows: SimSun-ExtB) or write it another "
        "way, then print again."
    ).format(text=shown, char=char, code=f"{ord(char):04X}")


class _DocumentTTFont(TTFont):
    """A TrueType font whose text comes back out of the PDF also beyond the BMP.

    reportlab writes each ToUnicode entry as 4 hex digits, which is wrong for 𠮷 (U+20BB7):
    such a code must be written as a UTF-16 surrogate pair, or pdftotext and copy-paste lose it.
    """

    def addObjects(self, doc) -> None:  # noqa: N802 - reportlab's name
        subsets = [list(subset) for subset in self.state[doc].subsets]
        super().addObjects(doc)  # forgets the document's state
        for number, subset in enumerate(subsets):
            if max(subset) <= 0xFFFF:
                continue
            base = b"".join((SUBSETN(number), b"+", self.face.name, self.face.subfontNameX))
            base_name = base.decode("pdfdoc")
            doc.idToObject["toUnicodeCMap:" + base_name].content = _to_unicode_cmap(
                base_name, subset
            )


def _utf16_hex(code: int) -> str:
    return "".join(f"{unit:04X}" for unit in _utf16_units(code))


def _utf16_units(code: int) -> tuple[int, ...]:
    if code <= 0xFFFF:
        return (code,)
    code -= 0x10000
    return (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def _to_unicode_cmap(font_name: str, subset: Sequence[int]) -> str:
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({font_name})",
        f"/Ordering ({font_name})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{font_name} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{index:02X}> <{_utf16_hex(code)}>" for index, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


def _font_name(font: FontFile) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in font.path.stem)
    return f"StationDoc-{stem}-{font.subfont}"


def load_font(font: FontFile) -> _DocumentTTFont:
    """Read a TrueType font and register it with reportlab; DocumentFontMissing if unusable."""
    if not font.path.is_file():
        raise DocumentFontMissing(
            _(
                "The font for printed documents is missing: {path}. Reinstall the application "
                "or put the font file back, then start again."
            ).format(path=font.path)
        )
    try:
        ttf = _DocumentTTFont(_font_name(font), str(font.path), subfontIndex=font.subfont)
    except Exception as exc:  # reportlab raises TTFError, struct.error, IndexError, OSError...
        log.warning("cannot read document font %s: %s", font.path, exc)
        raise DocumentFontMissing(
            _(
                "The font for printed documents cannot be read: {path} ({error}). Reinstall "
                "the application or put the font file back, then start again."
            ).format(path=font.path, error=exc)
        ) from exc
    pdfmetrics.registerFont(ttf)
    return ttf


def _require_chinese(ttf: TTFont, font: FontFile) -> None:
    lacking = [c for c in CHINESE_PROBE if ord(c) not in ttf.face.charToGlyph]
    if lacking:
        raise DocumentFontMissing(
            _(
                "The font for printed documents has no Chinese characters: {path}. Reinstall "
                "the application or put the right font file back, then start again."
            ).format(path=font.path)
        )


@dataclass
class DocumentFonts:
    """The registered fonts: body text, titles, and rare-character fonts loaded when needed."""

    body: str
    title: str
    title_fake_bold: bool  # the title font has no bold face: draw it thicker
    body_file: FontFile
    rare_character_files: tuple[FontFile, ...]
    fallback_fonts: tuple[str, ...] = ()  # already registered, tried before rare-character fonts
    _glyphs: dict[str, dict[int, int]] = field(default_factory=dict, repr=False)
    _rare_loaded: list[str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _rare_fonts(self) -> list[str]:
        with self._lock:
            if self._rare_loaded is None:
                loaded = list(self.fallback_fonts)
                for font in self.rare_character_files:
                    try:
                        ttf = load_font(font)
                    except DocumentFontMissing as exc:
                        log.info("rare-character font not used: %s", exc)
                        continue
                    self._glyphs[ttf.fontName] = ttf.face.charToGlyph
                    loaded.append(ttf.fontName)
                self._rare_loaded = loaded
            return self._rare_loaded

    def font_for(self, char: str, preferred: str | None = None) -> str | None:
        """The font that draws `char`: the preferred (body) font if it can, else a rare one."""
        code = ord(char)
        preferred = preferred or self.body
        if code in self._glyphs[preferred]:
            return preferred
        if code in self._glyphs[self.body]:
            return self.body
        for name in self._rare_fonts():
            if code in self._glyphs[name]:
                return name
        return None

    def runs(self, text: str, preferred: str | None = None) -> Iterator[tuple[str, str]]:
        """Split `text` into (font, text) runs; UnprintableCharacter if no font has a character.

        Line breaks and tabs pass through in the current run; invisible format marks
        (zero-width spaces, variation selectors) are dropped.
        """
        preferred = preferred or self.body
        current_font, current = preferred, []
        for char in text:
            code = ord(char)
            if code in _SILENT:
                continue
            if char in "\n\t" or code == 0x20:
                current.append(char)
                continue
            if unicodedata.category(char) == "Cc":
                continue
            font = self.font_for(char, preferred)
            if font is None:
                raise UnprintableCharacter(char, text)
            if font != current_font and current:
                yield current_font, "".join(current)
                current = []
            current_font = font
            current.append(char)
        if current:
            yield current_font, "".join(current)

    def unprintable(self, text: str) -> str | None:
        """The first character of `text` no font can draw, or None."""
        try:
            for _run in self.runs(text):
                pass
        except UnprintableCharacter as exc:
            return exc.char
        return None


@dataclass
class _Settings:
    bundled: FontFile | None = None
    prefer_system: bool | None = None
    rare_character_fonts: tuple[FontFile, ...] | None = None


_settings = _Settings()
_fonts: DocumentFonts | None = None
_fonts_lock = threading.Lock()


def configure_document_fonts(
    *,
    bundled: FontFile | None = None,
    prefer_system: bool | None = None,
    rare_character_fonts: Sequence[FontFile] | None = None,
) -> None:
    """Choose the fonts (tests, settings); None keeps the default. Takes effect at the next use."""
    global _settings, _fonts
    with _fonts_lock:
        _settings = _Settings(
            bundled=bundled,
            prefer_system=prefer_system,
            rare_character_fonts=None
            if rare_character_fonts is None
            else tuple(rare_character_fonts),
        )
        _fonts = None


def bundled_font_file() -> FontFile:
    return _settings.bundled or FontFile(asset_path(*BUNDLED_FONT), 0)


def default_rare_character_fonts() -> tuple[FontFile, ...]:
    found: list[FontFile] = []
    rare_dir = asset_path(*BUNDLED_RARE_CHARACTER_DIR)
    if rare_dir.is_dir():
        found += [FontFile(p) for p in sorted(rare_dir.glob("*.tt[fc]"))]
    if sys.platform == "win32":
        found += [
            FontFile(windows_fonts_dir() / name, i) for name, i in WINDOWS_RARE_CHARACTER_FONTS
        ]
    else:
        found += [FontFile(Path(p)) for p in LINUX_RARE_CHARACTER_FONTS]
    return tuple(f for f in found if f.path.is_file())


def _first_usable(candidates: Sequence[FontFile]) -> TTFont | None:
    for font in candidates:
        if not font.path.is_file():
            continue
        try:
            ttf = load_font(font)
            _require_chinese(ttf, font)
        except DocumentFontMissing as exc:
            log.warning("system font not used for documents: %s", exc)
            continue
        return ttf
    return None


def _load_fonts() -> DocumentFonts:
    prefer_system = _settings.prefer_system
    if prefer_system is None:
        prefer_system = sys.platform == "win32"
    bundled = bundled_font_file()
    body = title = None
    body_file = bundled
    if prefer_system:
        fonts_dir = windows_fonts_dir()
        body_candidates = [FontFile(fonts_dir / name, i) for name, i in WINDOWS_BODY_FONTS]
        body = _first_usable(body_candidates)
        if body is not None:
            body_file = next(f for f in body_candidates if _font_name(f) == body.fontName)
            title = _first_usable([FontFile(fonts_dir / n, i) for n, i in WINDOWS_TITLE_FONTS])
    # The bundled font is always loaded: it is the body font, or the first fallback.
    bundled_ttf = load_font(bundled)
    _require_chinese(bundled_ttf, bundled)
    body = body or bundled_ttf
    rare = _settings.rare_character_fonts
    if rare is None:
        rare = default_rare_character_fonts()
    fonts = DocumentFonts(
        body=body.fontName,
        title=(title or body).fontName,
        title_fake_bold=title is None,
        body_file=body_file,
        rare_character_files=tuple(rare),
    )
    fonts._glyphs[body.fontName] = body.face.charToGlyph
    fonts._glyphs[bundled_ttf.fontName] = bundled_ttf.face.charToGlyph
    fonts._glyphs[fonts.title] = (title or body).face.charToGlyph
    if body is not bundled_ttf:
        # The bundled font draws what the system font lacks, before any rare-character font.
        fonts.fallback_fonts = (bundled_ttf.fontName,)
    return fonts


def document_fonts() -> DocumentFonts:
    """The registered document fonts, loaded once; DocumentFontMissing if none is usable."""
    global _fonts
    with _fonts_lock:
        if _fonts is None:
            _fonts = _load_fonts()
        return _fonts


def check_document_font() -> str | None:
    """For start-up: None when documents can be printed, else the message to show."""
    try:
        document_fonts()
    except DocumentFontMissing as exc:
        return str(exc)
    return None
