"""The search index by field: reindex_case after rows changed behind its back, one-field
searches (姓名:张), ranking of names before facts, where a search matched, and migration 9."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest

from station_app.search_text import (
    QueryWord,
    SearchField,
    find_spans,
    parse_query,
)
from station_app.store import Store, search_index
from station_app.store.case_list import (
    CaseFilter,
    SortKey,
    case_ids,
    case_rows,
    count_text_matches,
    search_cases,
)


@pytest.fixture
def three(store, add):
    return {
        "name": add(
            name="张伟",
            phone="13812346721",
            merchant="好又多超市",
            facts="冰箱坏了",
            received_at=datetime(2026, 3, 1, 10, 0),
        ),
        "facts": add(
            name="李娜",
            phone="13955551234",
            merchant="茅台专卖店",
            facts="店员张伟说不能退",
            received_at=datetime(2026, 3, 5, 10, 0),
        ),
        "merchant": add(
            name="王芳",
            phone="18611112222",
            merchant="张记面馆",
            facts="面里有虫",
            received_at=datetime(2026, 3, 3, 10, 0),
        ),
    }


def _id(store, case):
    return store.scalar("SELECT local_id FROM cases WHERE id = ?", (case.id,))


def _numbers(rows):
    return [row.case_no for row in rows]


def test_reindex_case_follows_a_name_changed_behind_its_back(store, three):
    case = three["name"]
    with store.transaction():
        store.execute("UPDATE parties SET name = '赵敏' WHERE case_id = ?", (case.id,))
        search_index.reindex_case(store.conn, _id(store, case))
    assert _numbers(search_cases(store, "赵敏")) == [case.case_no]
    assert _numbers(search_cases(store, "姓名:张伟")) == []
    # the other case that mentions 张伟 in its facts is still found, by its facts
    assert _numbers(search_cases(store, "张伟")) == [three["facts"].case_no]
    assert store.integrity_check() == "ok"
    store.execute("INSERT INTO case_search(case_search) VALUES ('integrity-check')")


def test_reindex_case_follows_new_and_deleted_parties_facts_and_deletion(store, three):
    case = three["merchant"]
    local_id = _id(store, case)
    with store.transaction():
        store.execute(
            "INSERT INTO parties(id, case_id, role, position, name, phone, owner_station,"
            " created_at, updated_at) VALUES ('p-x', ?, 'complainant', 5, '欧阳锋', '', 'RC-MT',"
            " '2026', '2026')",
            (case.id,),
        )
        store.execute("UPDATE cases SET facts = '汤是凉的' WHERE id = ?", (case.id,))
        search_index.reindex_case(store.conn, local_id)
    assert _numbers(search_cases(store, "欧阳")) == [case.case_no]
    assert _numbers(search_cases(store, "汤")) == [case.case_no]
    assert search_cases(store, "虫") == []
    with store.transaction():
        store.execute("UPDATE parties SET deleted = 1 WHERE id = 'p-x'")
        search_index.reindex_case(store.conn, local_id)
    assert search_cases(store, "欧阳") == []
    with store.transaction():
        store.execute("UPDATE cases SET deleted = 1 WHERE id = ?", (case.id,))
        search_index.reindex_case(store.conn, local_id)
        search_index.reindex_case(store.conn, local_id)  # twice is harmless
    assert search_cases(store, "王芳") == []
    assert (
        store.scalar("SELECT count(*) FROM case_search_source WHERE local_id = ?", (local_id,)) == 0
    )
    store.execute("INSERT INTO case_search(case_search) VALUES ('integrity-check')")


def test_rebuild_gives_the_same_answers(store, three):
    before = {q: _numbers(search_cases(store, q)) for q in ("张", "张伟", "6721", "面馆", "退")}
    assert search_index.rebuild_index(store.conn) == 3
    assert {q: _numbers(search_cases(store, q)) for q in before} == before


def test_digits_are_found_by_four_digit_terms_and_by_short_runs(store, three):
    name, facts = three["name"].case_no, three["facts"].case_no
    assert _numbers(search_cases(store, "6721")) == [name]
    assert _numbers(search_cases(store, "138 1234")) == [name]
    assert _numbers(search_cases(store, "13812346721")) == [name]
    assert _numbers(search_cases(store, "2346")) == [name]  # the middle of a number
    assert search_cases(store, "67213") == []  # no phone holds these five in a row
    assert _numbers(search_cases(store, name[-10:])) == [name]  # 2026-00001
    assert _numbers(search_cases(store, name)) == [name]  # RC-MT-2026-00001: letters, digits
    assert _numbers(search_cases(store, "电话:5551")) == [facts]  # 13955551234
    assert search_cases(store, "案号:5551") == []
    assert len(search_cases(store, "67")) >= 1  # short runs: bigrams as before
    assert len(search_cases(store, "7")) >= 1


def test_names_and_numbers_rank_before_facts(store, three):
    # the facts case is the newest, yet the name and the merchant come first
    ranked = _numbers(search_cases(store, "张"))
    assert ranked[-1] == three["facts"].case_no
    assert set(ranked[:2]) == {three["name"].case_no, three["merchant"].case_no}
    ids = case_ids(store, CaseFilter(text="张"), SortKey.RECEIVED, True)
    assert list(ids) == [
        _id(store, three["merchant"]),
        _id(store, three["name"]),
        _id(store, three["facts"]),
    ]


def test_one_field_by_prefix_or_chooser(store, three):
    assert _numbers(search_cases(store, "姓名:张")) == [three["name"].case_no]
    assert _numbers(search_cases(store, "姓名：张伟")) == [three["name"].case_no]
    assert _numbers(search_cases(store, "商家:张")) == [three["merchant"].case_no]
    assert _numbers(search_cases(store, "事实:张伟")) == [three["facts"].case_no]
    assert _numbers(search_cases(store, "电话:6721")) == [three["name"].case_no]
    assert search_cases(store, "电话:张") == []
    assert _numbers(search_cases(store, "张", field=SearchField.MERCHANT)) == [
        three["merchant"].case_no
    ]
    assert count_text_matches(store, "张", SearchField.NAMES) == 1
    chosen = CaseFilter(text="张", field=SearchField.FACTS)
    assert list(case_ids(store, chosen)) == [_id(store, three["facts"])]
    # an unknown prefix is text: "12:30" stays searchable as digits
    assert parse_query("12:30") == [QueryWord("1230")]
    assert parse_query("name:张 退", SearchField.FACTS) == [
        QueryWord("张", SearchField.NAMES),
        QueryWord("退", SearchField.FACTS),
    ]


def test_rows_say_where_the_search_matched(store, three):
    rows = {row.case_no: row for row in search_cases(store, "张伟")}
    by_name = rows[three["name"].case_no].match
    assert (by_name.field, by_name.text, by_name.spans) == (SearchField.NAMES, "张伟", ((0, 2),))
    in_facts = rows[three["facts"].case_no].match
    assert in_facts.field is SearchField.FACTS
    start, end = in_facts.spans[0]
    assert in_facts.text[start:end] == "张伟"
    phone = search_cases(store, "6721")[0].match
    assert phone.field is SearchField.PHONES and phone.spans == ((7, 11),)
    plain = case_rows(store, [_id(store, three["name"])])
    assert plain[_id(store, three["name"])].match is None


def test_spans_map_back_through_width_and_case_folding():
    assert find_spans("ＡＢＣ-张 三", ["bc", "张三"]) == [(1, 3), (4, 7)]
    assert find_spans("0791-8888 8888", ["18888"]) == [(3, 9)]


def test_deadline_column_sorts_open_deadlines_first(store, three):
    local = {key: _id(store, case) for key, case in three.items()}
    with store.transaction():
        store.execute("DELETE FROM case_deadlines")
        store.conn.executemany(
            "INSERT INTO case_deadlines(case_local_id, kind, owner_station, start, due, met_on)"
            " VALUES (?, ?, 'RC-MT', '2026-03-01', ?, ?)",
            [
                (local["name"], "accept", "2026-03-20", None),
                (local["name"], "mediate", "2026-03-10", None),
                (local["facts"], "accept", "2026-03-08", None),
                (local["facts"], "mediate", "2026-03-01", "2026-03-01"),  # met: not next
            ],
        )
    assert (
        store.scalar("SELECT due FROM case_next_deadline WHERE case_local_id = ?", (local["name"],))
        == "2026-03-10"
    )
    ascending = list(case_ids(store, CaseFilter(), SortKey.DEADLINE, False))
    assert ascending == [local["facts"], local["name"], local["merchant"]]
    descending = list(case_ids(store, CaseFilter(), SortKey.DEADLINE, True))
    assert descending == [local["name"], local["facts"], local["merchant"]]
    searched = list(case_ids(store, CaseFilter(text="张"), SortKey.DEADLINE, False))
    assert searched == [local["name"], local["merchant"], local["facts"]]  # tier, then due
    row = case_rows(store, [local["name"]])[local["name"]]
    assert (row.next_due, row.next_due_kind) == (date(2026, 3, 10), "mediate")
    with store.transaction():
        store.execute(
            "UPDATE case_deadlines SET met_on = '2026-03-09' WHERE case_local_id = ?"
            " AND kind = 'mediate'",
            (local["name"],),
        )
    assert (
        store.scalar("SELECT due FROM case_next_deadline WHERE case_local_id = ?", (local["name"],))
        == "2026-03-20"
    )
    with store.transaction():
        store.execute("DELETE FROM case_deadlines WHERE case_local_id = ?", (local["name"],))
    assert (
        store.scalar(
            "SELECT count(*) FROM case_next_deadline WHERE case_local_id = ?", (local["name"],)
        )
        == 0
    )


def test_migration_9_rebuilds_the_index_of_an_older_database(db_path, three, store):
    expected = {q: _numbers(search_cases(store, q)) for q in ("张", "张伟", "6721", "姓名:张")}
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    old = db_path.with_name("old.db")
    shutil.copy(db_path, old)
    # back to schema 6: the one-column index of migration 2, no copy, no next deadline
    back = Store(old, migrate=False)
    if True:
        back.conn.executescript(
            "DROP TABLE case_search; DROP TABLE case_search_source;"
            " DROP TABLE case_next_deadline;"
            # and no sync bookkeeping of migration 10
            " DROP TABLE sync_state; DROP TABLE sync_batches; DROP TABLE sync_rejected;"
            " DROP TABLE sync_extra_fields; DROP TABLE sync_files;"
            " DELETE FROM schema_version WHERE version >= 9;"
            # nor the kept checksum digests of migration 14
            " DROP TABLE sync_row_digests; DROP TABLE sync_digest_totals;"
            " DROP TABLE sync_digest_dirty;"
        )
        for (trigger,) in back.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%digest_dirty%'"
        ).fetchall():
            back.conn.execute(f"DROP TRIGGER {trigger}")
        for event in ("insert", "delete", "update"):
            back.conn.execute(f"DROP TRIGGER IF EXISTS case_next_deadline_after_{event}")
        # and what the later migrations made (the statistics tables of migration 13)
        for trigger in (
            "case_figures_totals_insert",
            "case_figures_totals_delete",
            "open_deadlines_after_insert",
            "open_deadlines_after_delete",
            "open_deadlines_after_update",
        ):
            back.conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for table in (
            "case_figures",
            "figure_months",
            "figure_years",
            "merchant_months",
            "merchant_years",
            "open_deadlines",
        ):
            back.conn.execute(f"DROP TABLE IF EXISTS {table}")
        # nor the conflict reviews of migration 21 (its trigger reads sync_conflicts.lost_here)
        back.conn.execute("DROP TABLE IF EXISTS conflict_resolutions")
        back.conn.execute("ALTER TABLE sync_conflicts DROP COLUMN lost_here")
        back.conn.execute("ALTER TABLE sync_conflicts DROP COLUMN resolution_id")
        from station_app.store.migrations import _schema_2

        _schema_2(back.conn)
    back.close()
    with Store(old) as reopened:
        assert {q: _numbers(search_cases(reopened, q)) for q in expected} == expected
        assert reopened.scalar("SELECT count(*) FROM case_search_source") == 3
        # The index rebuilt after migrating is the live one: re-indexing removes every term.
        case = three["name"]
        with reopened.transaction():
            reopened.execute(
                "UPDATE parties SET name = '赵敏', phone = '13900009999' WHERE case_id = ?",
                (case.id,),
            )
            reopened.execute("UPDATE cases SET facts = '', case_no = 'X' WHERE id = ?", (case.id,))
            search_index.reindex_case(reopened.conn, _id(reopened, case))
        for gone in ("张伟", "6721", "13812346721", "冰箱", case.case_no):
            assert case.case_no not in _numbers(search_cases(reopened, gone)), gone
        assert _numbers(search_cases(reopened, "9999")) == ["X"]
