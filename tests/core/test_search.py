"""Chinese full-text search of cases, filters and sorting of the case list."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station_app.domain import CaseKind, CaseStatus, Channel, Party
from station_app.search_text import (
    FTS_TOKENIZER,
    match_expression,
    normalize,
    segment_terms,
    split_digit_runs,
)
from station_app.store import search_index
from station_app.store.case_list import (
    CaseFilter,
    SortKey,
    case_ids,
    case_rows,
    count_cases,
    search_cases,
)
from station_app.store.cases import delete_case


@pytest.fixture
def book(store, add):
    """Six cases; numbers start at 00017. E (王五) is deleted."""
    store.execute("INSERT INTO case_counters VALUES ('RC-MT', 2026, 16)")
    cases = {
        "A": add(
            name="张三",
            phone="13812346721",
            merchant="茅台镇好又多超市",
            facts="购买的冰箱不制冷",
            kind=CaseKind.COMPLAINT,
            channel=Channel.WALK_IN,
            received_at=datetime(2026, 3, 1, 10, 0),
            amount=Decimal("1299.50"),
        ),
        "B": add(
            name="李四张",
            phone="13955551234",
            merchant="贵州茅台酒专卖店",
            facts="酒是假的",
            kind=CaseKind.REPORT,
            channel=Channel.PHONE,
            received_at=datetime(2026, 3, 2, 9, 0),
        ),
        "C": add(
            name="张四",
            phone="0851-22512345",
            merchant="Apple Store 遵义",
            facts="iPhone 屏幕坏了",
            kind=CaseKind.CONSULTATION,
            channel=Channel.PLATFORM_12315,
            received_at=datetime(2026, 3, 3, 0, 0),
        ),
        "D": add(
            name="欧阳娜娜",
            phone="18611112222",
            merchant="好又多家电",
            facts="洗衣机漏水，冰箱也坏了",
            kind=CaseKind.COMPLAINT,
            channel=Channel.PHONE,
            received_at=datetime(2026, 2, 28, 23, 59),
        ),
        "E": add(
            name="王五",
            phone="13700000000",
            merchant="五金店",
            facts="电饭煲",
            received_at=datetime(2026, 2, 26, 8, 0),
        ),
        "F": add(
            name="O'Brien",
            phone="13811110000",
            merchant="McDonald's",
            facts="Burger was COLD",
            kind=CaseKind.COMPLAINT,
            channel=Channel.LETTER,
            received_at=datetime(2026, 2, 27, 12, 0),
        ),
    }
    delete_case(store, cases["E"].id)
    return cases


def _local_id(store, case):
    return store.scalar("SELECT local_id FROM cases WHERE id = ?", (case.id,))


def found(store, book, query):
    """Letters of the cases that search_cases and case_ids both find, checked to agree."""
    by_id = {c.case_no: letter for letter, c in book.items()}
    via_search = {by_id[row.case_no] for row in search_cases(store, query, limit=100)}
    local = {_local_id(store, c): letter for letter, c in book.items()}
    via_filter = {local[i] for i in case_ids(store, CaseFilter(text=query))}
    assert via_search == via_filter, query
    return "".join(sorted(via_search))


def test_case_numbers_of_the_book(book):
    assert [c.case_no[-5:] for c in book.values()] == [
        "00017",
        "00018",
        "00019",
        "00020",
        "00021",
        "00022",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # one character: start, middle and end of a name
        ("张", "ABC"),
        ("三", "A"),
        ("四", "BC"),
        ("娜", "D"),
        ("市", "A"),  # last character of a merchant name
        # two characters
        ("张三", "A"),
        ("张四", "C"),
        ("李四", "B"),
        ("四张", "B"),
        ("欧阳", "D"),
        # three and more
        ("欧阳娜", "D"),
        ("阳娜娜", "D"),
        ("欧阳娜娜", "D"),
        ("李四张", "B"),
        ("欧阳娜娜娜", ""),
    ],
)
def test_names(store, book, query, expected):
    assert found(store, book, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("6721", "A"),  # last four digits
        ("1234", "ABC"),  # in the middle of A's and C's, at the end of B's
        ("3812346", "A"),
        ("13812346721", "A"),
        ("138 1234 6721", "A"),  # words AND-ed: all three are in A's phone
        ("5555", "B"),
        ("1111", "DF"),
        ("22512345", "C"),  # a landline
        ("0851", "C"),
        ("0851-2251", "C"),
        ("08512251", "C"),
        ("６７２１", "A"),  # full-width digits fold
        ("１３８１２３４６７２１", "A"),
        ("67210", ""),
        ("9999", ""),
    ],
)
def test_phone_digits(store, book, query, expected):
    assert found(store, book, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("RC-MT-2026-00017", "A"),
        ("rc-mt-2026-00017", "A"),
        ("2026-00017", "A"),
        ("00017", "A"),
        ("00018", "B"),
        ("0001", "ABC"),
        ("00021", ""),  # E is deleted
        ("RC-MT-2026-00099", ""),
    ],
)
def test_case_numbers(store, book, query, expected):
    assert found(store, book, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("好又多", "AD"),
        ("茅台", "AB"),
        ("专卖", "B"),
        ("apple", "C"),
        ("APPLE", "C"),
        ("ＡＰＰＬＥ", "C"),  # full-width latin folds too
        ("mcdonald", "F"),
        ("McDonald's", "F"),
        ("冰箱", "AD"),
        ("不制冷", "A"),
        ("iphone", "C"),
        ("cold", "F"),
        ("Burger", "F"),
        ("o'brien", "F"),
        ("OBRIEN", "F"),
        ("电饭煲", ""),  # only in the deleted case
        ("王五", ""),
    ],
)
def test_merchants_facts_and_latin(store, book, query, expected):
    assert found(store, book, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张 冰箱", "A"),
        ("好又多 冰箱", "AD"),
        ("好又多 洗衣机", "D"),
        ("张 好又多 6721", "A"),
        ("张 酒", "B"),
        ("张 洗衣机", ""),
        ("  张   三  ", "A"),
        ("张\t冰箱", "A"),
        ("张　冰箱", "A"),  # an ideographic (full-width) space also separates words
    ],
)
def test_words_are_and_ed(store, book, query, expected):
    assert found(store, book, query) == expected


@pytest.mark.parametrize(
    "query",
    ["，。！？", "---", "!!!", "%", "_", "*", '"', "()", "😀", "、；：", "'\"*^", "— …"],
)
def test_punctuation_only_finds_nothing_and_raises_nothing(store, book, query):
    assert search_cases(store, query) == []
    assert list(case_ids(store, CaseFilter(text=query))) == []
    assert match_expression(query) is None


def test_blank_text_is_no_filter(store, book):
    assert len(case_ids(store, CaseFilter(text="   "))) == 5
    assert search_cases(store, "   ") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张 OR 李", ""),  # not an FTS5 OR: "or" is a word that must be found (Apple Store has it)
        ("NOT 张", ""),
        ("张 AND 冰箱", ""),
        ('张"三', "A"),
        ("张*", "ABC"),
        ("(张)", "ABC"),
        ("NEAR(张 三)", ""),
        ("store", "C"),
        ("st*re", ""),
        ("^张", "ABC"),
        ("张:三", "A"),
    ],
)
def test_fts_syntax_in_queries_is_plain_text(store, book, query, expected):
    assert found(store, book, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "三1",  # last character of A's name + first digit of A's phone
        "三13",
        "市张",  # end of A's merchant + start of A's name
        "17茅",  # end of A's case number + start of A's merchant
        "1购",  # end of A's phone + start of A's facts
        "21购买",
        "张三138",
        "遵义张",
        "娜1",
    ],
)
def test_a_query_spanning_two_fields_does_not_match(store, book, query):
    assert found(store, book, query) == ""


def test_deleted_case_is_not_found(store, book):
    assert found(store, book, "13700000000") == ""
    assert _local_id(store, book["E"]) not in case_ids(store)
    assert count_cases(store) == 5


def test_new_case_is_found_at_once(store, book, add):
    new = add(name="赵六", phone="13600001111")
    assert [r.case_no for r in search_cases(store, "赵六")] == [new.case_no]


def test_rare_characters_are_searchable(store, add):
    case = add(name="𠮷田", phone="13812340000", facts="𠮷野家的饭")
    assert [r.case_no for r in search_cases(store, "𠮷")] == [case.case_no]
    assert [r.case_no for r in search_cases(store, "𠮷田")] == [case.case_no]
    assert [r.case_no for r in search_cases(store, "𠮷野家")] == [case.case_no]


def test_agent_and_second_complainant_are_searchable(store, add, new_case):
    from station_app.domain import PartyRole
    from station_app.store.cases import add_case
    from station_app.store.cases import get_case as load

    case = add(complainants=[Party(name="张三"), Party(name="钱七", phone="13500007777")])
    assert [r.case_no for r in search_cases(store, "钱七")] == [case.case_no]
    assert [r.case_no for r in search_cases(store, "7777")] == [case.case_no]
    with_agent = new_case(name="周八")
    with_agent.agent = Party(name="孙律师", phone="0851-28880000", role=PartyRole.AGENT)
    other = add_case(store, with_agent, station_code="RC-MT", created_by="admin")
    assert [r.case_no for r in search_cases(store, "孙律师")] == [other.case_no]
    assert [r.case_no for r in search_cases(store, "2888")] == [other.case_no]
    assert load(store, other.id).agent.name == "孙律师"


# --------------------------------------------------------------------------- search_cases rows


def test_search_rows_are_newest_first_with_list_columns(store, book):
    rows = search_cases(store, "张")
    assert [r.case_no for r in rows] == [book[x].case_no for x in "CBA"]
    a = rows[-1]
    assert a.complainant == "张三"
    assert a.phone == "13812346721"
    assert a.merchant == "茅台镇好又多超市"
    assert a.amount_fen == 129950
    assert a.kind is CaseKind.COMPLAINT
    assert a.channel is Channel.WALK_IN
    assert a.status is CaseStatus.REGISTERED
    assert a.received_at == "2026-03-01 10:00"
    assert a.complainant_count == 1


def test_search_limit(store, book):
    assert [r.case_no for r in search_cases(store, "张", limit=2)] == [
        book["C"].case_no,
        book["B"].case_no,
    ]


def test_case_rows_first_complainant_and_count(store, add):
    case = add(complainants=[Party(name="甲一", phone="13100000001"), Party(name="乙二")])
    local = _local_id(store, case)
    row = case_rows(store, [local])[local]
    assert (row.complainant, row.phone, row.complainant_count) == ("甲一", "13100000001", 2)
    assert case_rows(store, []) == {}


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("case_filter", "expected"),
    [
        (CaseFilter(kind=CaseKind.COMPLAINT), "ADF"),
        (CaseFilter(kind=CaseKind.COMPLAINT, text="冰箱"), "AD"),
        (CaseFilter(kind=CaseKind.REPORT, text="冰箱"), ""),
        (CaseFilter(channel=Channel.PHONE), "BD"),
        (CaseFilter(channel=Channel.PHONE, text="冰箱"), "D"),
        (CaseFilter(channel=Channel.PHONE, text="张"), "B"),
        (CaseFilter(status=CaseStatus.REGISTERED, text="张"), "ABC"),
        (CaseFilter(received_from=date(2026, 3, 1), received_to=date(2026, 3, 1)), "A"),
        (
            CaseFilter(received_from=date(2026, 3, 1), received_to=date(2026, 3, 1), text="冰箱"),
            "A",
        ),
        (CaseFilter(received_from=date(2026, 3, 2)), "BC"),
        (CaseFilter(received_from=date(2026, 3, 3)), "C"),  # 00:00 on the first day counts
        (CaseFilter(received_to=date(2026, 2, 28)), "DF"),  # 23:59 on the last day counts
        (CaseFilter(received_to=date(2026, 3, 2), text="张"), "AB"),
        (CaseFilter(received_from=date(2026, 3, 2), text="张"), "BC"),
        (CaseFilter(received_from=date(2026, 3, 4)), ""),
        (
            CaseFilter(
                kind=CaseKind.COMPLAINT,
                channel=Channel.PHONE,
                received_from=date(2026, 2, 28),
                received_to=date(2026, 2, 28),
                text="欧阳 冰箱",
            ),
            "D",
        ),
        (CaseFilter(kind=CaseKind.COMPLAINT, text="，。"), ""),
        (CaseFilter(), "ABCDF"),
    ],
)
def test_filters_combined_with_text(store, book, case_filter, expected):
    local = {_local_id(store, c): letter for letter, c in book.items()}
    got = "".join(sorted(local[i] for i in case_ids(store, case_filter)))
    assert got == expected


# --------------------------------------------------------------------------- sorting


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        (SortKey.RECEIVED, True, "CBADF"),
        (SortKey.RECEIVED, False, "FDABC"),
        (SortKey.CASE_NO, False, "ABCDF"),
        (SortKey.CASE_NO, True, "FDCBA"),
        # complaint < consultation < report; ties by time received, same direction
        (SortKey.KIND, False, "FDACB"),
        (SortKey.KIND, True, "BCADF"),
        # letter < phone < platform_12315 < walk_in
        (SortKey.CHANNEL, False, "FDBCA"),
        (SortKey.CHANNEL, True, "ACBDF"),
        # all registered: the tie-break orders them by time
        (SortKey.STATUS, False, "FDABC"),
        (SortKey.STATUS, True, "CBADF"),
    ],
)
def test_sort_keys(store, book, sort, descending, expected):
    local = {_local_id(store, c): letter for letter, c in book.items()}
    ids = case_ids(store, CaseFilter(), sort, descending)
    assert "".join(local[i] for i in ids) == expected
    assert ids.typecode == "q"


def test_sort_with_text_filter(store, book):
    local = {_local_id(store, c): letter for letter, c in book.items()}
    ids = case_ids(store, CaseFilter(text="张"), SortKey.RECEIVED, descending=False)
    assert "".join(local[i] for i in ids) == "ABC"


def test_equal_times_are_ordered_by_local_id(store, add):
    same = datetime(2026, 3, 2, 9, 0)
    first, second = add(received_at=same), add(received_at=same)
    ids = list(case_ids(store, CaseFilter(), SortKey.RECEIVED, descending=True))
    assert ids == [_local_id(store, second), _local_id(store, first)]


# --------------------------------------------------------------------------- the terms


def test_normalize_folds_width_and_case_and_drops_punctuation():
    assert normalize("ＡＢＣ１２３ abc") == "abc123abc"
    assert normalize("O'Brien-李 四！") == "obrien李四"
    assert normalize("𠮷😀") == "𠮷"
    assert normalize("，。、") == ""


def test_segment_terms():
    assert segment_terms("张三丰") == ["张三", "三丰", "丰"]
    assert segment_terms("张") == ["张"]
    assert segment_terms("!!") == []
    assert segment_terms("0851-2251") == ["08", "85", "51", "12", "22", "25", "51", "1"]


def test_match_expression():
    assert match_expression("张") == '"张"*'
    assert match_expression("张三丰") == '"张三 三丰"'
    assert match_expression("张 6721") == '"张"* AND "6721"'
    assert match_expression("672") == '"67 72"'
    assert match_expression("电话:13812346721") == (
        '{phone_digits} : "1381 3812 8123 1234 2346 3467 4672 6721"'
    )
    assert match_expression("姓名:张") == '{names} : "张"*'
    assert match_expression("") is None
    assert match_expression("，") is None


ALPHABET = st.sampled_from(list("张三李四王五欧阳娜𠮷田0123456789０１２abAB-'_ %，"))
FIELD = st.text(ALPHABET, min_size=0, max_size=12)
ROWIDS = itertools.count(1)


def _columns() -> list[str]:
    return [*(f.value for f in search_index.COLUMNS), *search_index.DIGIT_COLUMN_NAMES]


@pytest.fixture(scope="module")
def fts():
    """An index laid out as the store's (text columns, then digits columns)."""
    conn = sqlite3.connect(":memory:")
    columns = ", ".join(_columns())
    conn.execute(
        f"CREATE VIRTUAL TABLE t USING fts5({columns}, content='',"
        f" tokenize=\"{FTS_TOKENIZER}\", prefix='1')"
    )
    yield conn
    conn.close()


def _has_mixed_digit_run(word: str) -> bool:
    pieces = split_digit_runs(word)
    return len(pieces) > 1 and any(is_digits for is_digits, _piece in pieces)


@settings(max_examples=300, deadline=None)
@given(fields=st.lists(FIELD, min_size=1, max_size=4), query=FIELD)
def test_a_word_matches_exactly_when_it_is_inside_one_field(fts, fields, query):
    """The defining property: a one-word query matches a case if and only if its normalized
    text is a substring of one normalized field (never across two fields). A word mixing a
    run of 4+ digits with other characters is searched as its pieces: it is never missed,
    but its pieces need not be adjacent."""
    rowid = next(ROWIDS)  # a contentless table cannot be emptied; use a new row each time
    names = " ".join(normalize(f) for f in fields if normalize(f))
    source = ("", names, "", "", "")
    marks = ", ".join("?" * (len(source) + len(search_index.DIGIT_COLUMN_NAMES)))
    fts.execute(
        f"INSERT INTO t(rowid, {', '.join(_columns())}) VALUES (?, {marks})",
        (rowid, *search_index._terms(source)),
    )
    word = normalize(query)
    expression = match_expression(word)
    if not word:
        assert expression is None
        return
    hit = fts.execute(
        "SELECT count(*) FROM t WHERE t MATCH ? AND rowid = ?", (expression, rowid)
    ).fetchone()[0]
    inside = any(word in normalize(field) for field in fields)
    if _has_mixed_digit_run(word):
        assert bool(hit) or not inside, (fields, word, expression)
    else:
        assert bool(hit) == inside, (fields, word, expression)
