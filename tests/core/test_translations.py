"""The Chinese catalogue is complete and keeps every format field of the English source."""

from station_app import i18n
from station_app.i18n_extract import extract_messages, format_fields, load


def test_every_message_has_a_chinese_translation():
    catalogue = load("zh_CN")
    missing = [
        f"{where[0]}: {text}"
        for text, where in extract_messages().items()
        if not catalogue.get(text)
    ]
    assert not missing, "missing from resources/i18n/zh_CN.json:\n" + "\n".join(missing)


def test_translations_keep_the_format_fields():
    catalogue = load("zh_CN")
    wrong = [
        text
        for text in extract_messages()
        if text in catalogue and format_fields(text) != format_fields(catalogue[text])
    ]
    assert not wrong, f"format fields differ: {wrong}"


def test_extraction_finds_messages_of_core_and_ui():
    messages = extract_messages()
    assert "Nothing was saved:" in messages
    assert any(
        where.startswith("station_app/ui/") for wheres in messages.values() for where in wheres
    )


def test_language_switch(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh_CN")
    assert i18n._("Complaint") == load("zh_CN")["Complaint"] != "Complaint"
    i18n.set_language("en")
    assert i18n._("Complaint") == "Complaint"


def test_the_catalogue_holds_no_stale_entries():
    used = extract_messages()
    stale = [text for text in load("zh_CN") if text not in used]
    assert not stale, f"entries no code uses any more: {stale}"


def test_label_tables_are_in_the_catalogue():
    from station_app.domain import LABELS
    from station_app.workflow import ACTION_LABELS

    catalogue = load("zh_CN")
    assert all(text in catalogue for text in LABELS.values())
    assert all(text in catalogue for text in ACTION_LABELS.values())
