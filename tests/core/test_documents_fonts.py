"""Document fonts: a missing or wrong font is a clear message, never a PDF of empty boxes; rare
characters (𠮷, U+20BB7) come from a font that has them, or printing stops naming them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from station_app.documents.content import MissingFacts
from station_app.documents.fonts import (
    DocumentFontMissing,
    FontFile,
    UnprintableCharacter,
    _to_unicode_cmap,
    check_document_font,
    configure_document_fonts,
    document_fonts,
)
from station_app.documents.layout import markup
from station_app.documents.mediation_agreement import build_mediation_agreement, missing_facts
from station_app.documents.registration_form import build_registration_form
from station_app.documents.samples import sample_agreement, sample_registration
from tests.core.test_documents_pdf import (
    bundled_fonts,  # noqa: F401 - autouse fixture
    flat,
    needs_poppler,
    pdf_fonts,
    pdf_text,
)

RARE = "\U00020bb7"  # 𠮷, CJK Extension B: not in WenQuanYi Micro Hei
# TrueType fonts with CJK Extension B that Debian packages (fonts-hanazono, fonts-babelstone-han)
EXTENSION_B_FONTS = [
    Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"),
    Path("/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf"),
]
LATIN_ONLY_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_the_bundled_font_is_used_and_passes_the_start_up_check():
    assert check_document_font() is None
    fonts = document_fonts()
    assert fonts.body_file.path.name == "wqy-microhei.ttc"
    assert fonts.title_fake_bold


def test_a_missing_font_file_is_a_clear_message_at_start_up(tmp_path):
    missing = tmp_path / "wqy-microhei.ttc"
    configure_document_fonts(bundled=FontFile(missing), prefer_system=False)
    message = check_document_font()
    assert message is not None
    assert "The font for printed documents is missing" in message
    assert str(missing) in message
    with pytest.raises(DocumentFontMissing):
        build_mediation_agreement(sample_agreement(), verification_code="1A2B3C4D")


def test_an_unreadable_font_file_is_a_clear_message(tmp_path):
    broken = tmp_path / "wqy-microhei.ttc"
    broken.write_bytes(b"ttcf" + b"\0" * 64)
    configure_document_fonts(bundled=FontFile(broken), prefer_system=False)
    message = check_document_font()
    assert message is not None
    assert "cannot be read" in message and str(broken) in message


def test_a_font_without_chinese_is_refused():
    configure_document_fonts(bundled=FontFile(LATIN_ONLY_FONT), prefer_system=False)
    message = check_document_font()
    assert message is not None and "no Chinese characters" in message


def test_the_message_goes_through_the_translation_catalogue(tmp_path, monkeypatch):
    from station_app import i18n

    english = (
        "The font for printed documents is missing: {path}. Reinstall the application "
        "or put the font file back, then start again."
    )
    monkeypatch.setattr(i18n, "_language", "zh_CN")
    configure_document_fonts(bundled=FontFile(tmp_path / "x.ttc"), prefer_system=False)
    message = check_document_font()
    assert message == i18n.load_catalogue("zh_CN")[english].format(path=tmp_path / "x.ttc")


def test_a_rare_character_without_a_font_stops_printing_and_names_it():
    content = sample_agreement()
    content.case.complainants[0].name = RARE + "祥"
    problems = missing_facts(content)
    assert len(problems) == 1
    assert RARE in problems[0] and "U+20BB7" in problems[0] and RARE + "祥" in problems[0]
    with pytest.raises(MissingFacts):
        build_mediation_agreement(content, verification_code="1A2B3C4D")
    with pytest.raises(UnprintableCharacter) as caught:
        markup(RARE + "祥")
    assert caught.value.char == RARE


def test_the_registration_form_checks_rare_characters_too():
    content = sample_registration()
    content.case.facts += RARE
    assert any("U+20BB7" in p for p in build_problems(content))


def build_problems(content) -> list[str]:
    try:
        build_registration_form(content, verification_code="1A2B3C4D")
    except MissingFacts as exc:
        return exc.problems
    return []


@needs_poppler
def test_a_rare_character_is_printed_with_a_font_that_has_it():
    font = next(p for p in EXTENSION_B_FONTS if p.is_file())
    configure_document_fonts(prefer_system=False, rare_character_fonts=[FontFile(font)])
    content = sample_agreement()
    content.case.complainants[0].name = RARE + "祥"
    assert missing_facts(content) == []
    pdf = build_mediation_agreement(content, verification_code="1A2B3C4D")
    assert RARE + "祥" in flat(pdf_text(pdf))  # the text comes back out, beyond the BMP
    rows = pdf_fonts(pdf)
    assert len(rows) >= 2
    assert all(row["emb"] == "yes" and row["sub"] == "yes" for row in rows)


def test_text_beyond_the_bmp_maps_back_to_unicode_as_a_surrogate_pair():
    cmap = _to_unicode_cmap("AAAAAA+Font", [0, 0x4E2D, 0x20BB7])
    assert "<01> <4E2D>" in cmap
    assert "<02> <D842DFB7>" in cmap


def test_markup_escapes_and_keeps_line_breaks():
    assert markup("a<b>&c\n第二行") == "a&lt;b&gt;&amp;c<br/>第二行"
    assert markup("零\u200b宽") == "零宽"  # invisible marks need no glyph


@needs_poppler
def test_a_windows_song_font_is_preferred_and_the_bundled_font_fills_its_gaps(
    tmp_path, monkeypatch
):
    """Stands a copy of the bundled collection in for simsun.ttc in a fake %WINDIR%\\Fonts."""
    from station_app.documents import fonts

    bundled = fonts.bundled_font_file().path
    shutil.copyfile(bundled, tmp_path / "simsun.ttc")  # a symlink needs a privilege on Windows
    monkeypatch.setattr(fonts, "windows_fonts_dir", lambda: tmp_path)
    configure_document_fonts(prefer_system=True, rare_character_fonts=())
    chosen = document_fonts()
    assert chosen.body_file.path == tmp_path / "simsun.ttc"
    assert chosen.fallback_fonts  # the bundled font, for characters SimSun lacks
    assert chosen.title_fake_bold  # no simhei.ttf here
    pdf = build_mediation_agreement(sample_agreement(), verification_code="1A2B3C4D")
    assert "调解协议书" in flat(pdf_text(pdf))
    assert all(row["emb"] == "yes" for row in pdf_fonts(pdf))


def test_an_unreadable_windows_font_falls_back_to_the_bundled_one(tmp_path, monkeypatch):
    from station_app.documents import fonts

    (tmp_path / "simsun.ttc").write_bytes(b"not a font")
    monkeypatch.setattr(fonts, "windows_fonts_dir", lambda: tmp_path)
    configure_document_fonts(prefer_system=True, rare_character_fonts=())
    assert check_document_font() is None
    assert document_fonts().body_file.path.name == "wqy-microhei.ttc"
