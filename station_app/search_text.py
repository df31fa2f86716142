"""Chinese-friendly full-text search terms: bigrams that find 1-, 2- and longer queries."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# Marks the border between two fields so that no phrase matches across it. It contains "_",
# which normalize() removes from every query, so no query can ever match it.
FIELD_SEPARATOR = "__"

# unicode61 keeps "_" inside tokens so the separator stays one token.
FTS_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'"


def normalize(text: str) -> str:
    """Fold width and case and keep letters and digits only (CJK, 𠮷 and other rare characters included)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


def segment_terms(segment: str) -> list[str]:
    """Bigrams of one field, then its last character alone.

    A query of two or more characters becomes a phrase of its bigrams, which matches exactly
    where the query is a substring. A one-character query is a prefix query: every character
    starts a bigram except the last, which is why the last one is indexed on its own.
    """
    s = normalize(segment)
    if not s:
        return []
    return [s[i : i + 2] for i in range(len(s) - 1)] + [s[-1]]


def index_text(fields: Iterable[str]) -> str:
    """The text stored in the FTS index for one case."""
    parts: list[str] = []
    for field in fields:
        terms = segment_terms(field or "")
        if terms:
            if parts:
                parts.append(FIELD_SEPARATOR)
            parts.extend(terms)
    return " ".join(parts)


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression for a user's query, or None when it has nothing to search for.

    Words separated by spaces must all be found (AND); each word may be one character
    (张), a name (张三), digits of a phone number (6721) or part of a case number, and may
    name its field (姓名:张).
    """
    return words_expression(parse_query(query))


class SearchField(StrEnum):
    """The indexed fields of a case, one column each in the full-text index."""

    CASE_NO = "case_no"
    NAMES = "names"
    PHONES = "phones"
    MERCHANT = "merchant"
    FACTS = "facts"


# Matches in these fields rank before matches in the facts: they are what a clerk means.
KEY_FIELDS: tuple[SearchField, ...] = (
    SearchField.CASE_NO,
    SearchField.NAMES,
    SearchField.PHONES,
    SearchField.MERCHANT,
)

# The words a clerk may type before a colon to search one field (姓名:张, 电话：6721, name:zhang).
FIELD_PREFIXES: dict[str, SearchField] = {
    "案号": SearchField.CASE_NO,
    "编号": SearchField.CASE_NO,
    "no": SearchField.CASE_NO,
    "姓名": SearchField.NAMES,
    "名字": SearchField.NAMES,
    "当事人": SearchField.NAMES,
    "name": SearchField.NAMES,
    "电话": SearchField.PHONES,
    "手机": SearchField.PHONES,
    "phone": SearchField.PHONES,
    "商家": SearchField.MERCHANT,
    "经营者": SearchField.MERCHANT,
    "merchant": SearchField.MERCHANT,
    "事实": SearchField.FACTS,
    "内容": SearchField.FACTS,
    "facts": SearchField.FACTS,
}


@dataclass(frozen=True)
class QueryWord:
    """One word of a query, normalized, and the field it is restricted to (None: any)."""

    text: str
    field: SearchField | None = None


def parse_query(query: str, field: SearchField | None = None) -> list[QueryWord]:
    """The words of a query. `field` restricts every word (the field chooser beside the box);
    a word written `姓名:张` is restricted to its own field, which wins over `field`.
    A prefix that names no field is searched as text (so 12:30 stays searchable)."""
    words: list[QueryWord] = []
    for raw in query.replace("：", ":").split():
        word_field = field
        prefix, colon, rest = raw.partition(":")
        if colon:
            named = FIELD_PREFIXES.get(prefix.strip().lower())
            if named is not None:
                word_field, raw = named, rest
        text = normalize(raw)
        if text:
            words.append(QueryWord(text, word_field))
    return words


# Runs of this many ASCII digits or more (phones, case numbers, amounts) are also indexed as
# overlapping 4-digit terms in a digits column of their field. There are only 100 digit
# bigrams, each in a tenth of all cases, so a phrase of bigrams reads huge lists; a 4-digit
# term is in a few hundred cases, so "6721" or "2026-00017" is found by reading little.
DIGIT_GRAM = 4
DIGITS = frozenset("0123456789")

# The digits column of each field in the index.
DIGIT_COLUMNS: dict[SearchField, str] = {
    SearchField.CASE_NO: "no_digits",
    SearchField.NAMES: "other_digits",
    SearchField.PHONES: "phone_digits",
    SearchField.MERCHANT: "other_digits",
    SearchField.FACTS: "facts_digits",
}


def split_digit_runs(text: str) -> list[tuple[bool, str]]:
    """A normalized text cut into (is a long digit run, piece), in order."""
    pieces: list[tuple[bool, str]] = []
    start = 0
    i = 0
    while i < len(text):
        if text[i] in DIGITS:
            j = i
            while j < len(text) and text[j] in DIGITS:
                j += 1
            if j - i >= DIGIT_GRAM:
                if start < i:
                    pieces.append((False, text[start:i]))
                pieces.append((True, text[i:j]))
                start = j
            i = j
        else:
            i += 1
    if start < len(text):
        pieces.append((False, text[start:]))
    return pieces


def digit_grams(run: str) -> list[str]:
    return [run[i : i + DIGIT_GRAM] for i in range(len(run) - DIGIT_GRAM + 1)]


def _text_phrase(text: str) -> str:
    if len(text) == 1:
        return f'"{text}"*'
    return '"' + " ".join(text[i : i + 2] for i in range(len(text) - 1)) + '"'


def _filtered(columns: Iterable[str] | None, phrase: str) -> str:
    if columns is None:
        return phrase
    return "{" + " ".join(dict.fromkeys(columns)) + "} : " + phrase


def _word_clauses(text: str, fields: tuple[SearchField, ...] | None) -> list[str]:
    """The clauses a word needs: a long digit run as a phrase of 4-digit terms in the digits
    columns, the rest as a phrase of bigrams (or a one-character prefix) in the text columns."""
    clauses = []
    for is_digits, piece in split_digit_runs(text):
        if is_digits:
            columns = None if fields is None else [DIGIT_COLUMNS[f] for f in fields]
            clauses.append(_filtered(columns, '"' + " ".join(digit_grams(piece)) + '"'))
        else:
            columns = None if fields is None else [f.value for f in fields]
            if fields is None and len(piece) == 1 and piece in DIGITS:
                # "6"* would also match the 4-digit terms of the digits columns.
                columns = [f.value for f in SearchField]
            clauses.append(_filtered(columns, _text_phrase(piece)))
    return clauses


def words_expression(
    words: Iterable[QueryWord], within: Iterable[SearchField] | None = None
) -> str | None:
    """An FTS5 MATCH expression requiring every word, each in its own field if it names one
    and within `within` (None: any field). None when a word can match no allowed field."""
    allowed = None if within is None else tuple(within)
    clauses: list[str] = []
    for word in words:
        fields = allowed
        if word.field is not None:
            fields = (word.field,) if allowed is None or word.field in allowed else ()
        if fields is not None and not fields:
            return None
        clauses.extend(_word_clauses(word.text, fields))
    return " AND ".join(clauses) if clauses else None


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """normalize(text) and, for each of its characters, the index in `text` it came from,
    so that a match in the normalized text can be shown in the original."""
    folded: list[str] = []
    origins: list[int] = []
    for index, ch in enumerate(text):
        for out in unicodedata.normalize("NFKC", ch).lower():
            if out.isalnum():
                folded.append(out)
                origins.append(index)
    return "".join(folded), origins


def find_spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where normalized `words` occur in `text`: sorted, merged (start, end) ranges of `text`."""
    folded, origins = fold_with_positions(text)
    spans: list[tuple[int, int]] = []
    for word in words:
        start = folded.find(word)
        while start >= 0:
            end = start + len(word)
            spans.append((origins[start], origins[end - 1] + 1))
            start = folded.find(word, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class FieldMatch:
    """Where a search matched one case: the field, the text to show (a value, or a snippet of
    the facts) and the ranges of that text to highlight."""

    field: SearchField
    text: str
    spans: tuple[tuple[int, int], ...]


SNIPPET_CONTEXT = 12  # characters of the facts shown before a match


def match_in_fields(
    values: dict[SearchField, list[str]], words: Iterable[QueryWord]
) -> FieldMatch | None:
    """The first field (case number, names, phones, merchant, then facts) with a value in which
    a word of the query occurs, with the ranges to highlight; None when nothing occurs."""
    words = list(words)
    for field in (*KEY_FIELDS, SearchField.FACTS):
        texts = [w.text for w in words if w.field in (None, field)]
        if not texts:
            continue
        for value in values.get(field, []):
            spans = find_spans(value, texts)
            if not spans:
                continue
            if field is SearchField.FACTS:
                start = max(0, spans[0][0] - SNIPPET_CONTEXT)
                shown = value[start:].replace("\n", " ")
                prefix = "…" if start else ""
                shifted = tuple(
                    (a - start + len(prefix), b - start + len(prefix)) for a, b in spans
                )
                return FieldMatch(field, prefix + shown, shifted)
            return FieldMatch(field, value, tuple(spans))
    return None
