"""Chinese-friendly full-text search terms: bigrams that find 1-, 2- and longer queries."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

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
    (张), a name (张三), digits of a phone number (6721) or part of a case number.
    """
    clauses: list[str] = []
    for word in query.split():
        s = normalize(word)
        if not s:
            continue
        if len(s) == 1:
            clauses.append(f'"{s}"*')
        else:
            clauses.append('"' + " ".join(s[i : i + 2] for i in range(len(s) - 1)) + '"')
    return " AND ".join(clauses) if clauses else None
