"""Local user passwords: salted scrypt hashes, and logging in with them."""

from __future__ import annotations

import base64

import pytest

from station_app.domain import Role, User
from station_app.passwords import (
    OWASP_COST,
    TEST_COST,
    TEST_COST_VALUE,
    TEST_COST_VARIABLE,
    ScryptCost,
    current_cost,
    hash_password,
    needs_rehash,
    verify_password,
)
from station_app.store import StoreError
from station_app.store.accounts import add_user, authenticate


@pytest.fixture(scope="module")
def stored():
    return hash_password("correct horse 马")


def test_right_password_verifies(stored):
    assert verify_password("correct horse 马", stored)


@pytest.mark.parametrize(
    "attempt", ["", "correct horse", "correct horse 马 ", "Correct horse 马", "correct horse 马马"]
)
def test_wrong_password_does_not_verify(stored, attempt):
    assert not verify_password(attempt, stored)


def test_hash_format_and_no_plain_text(stored):
    scheme, n, r, p, salt, digest = stored.split("$")
    assert scheme == "scrypt"
    assert (int(n), int(r), int(p)) == (TEST_COST.n, TEST_COST.r, TEST_COST.p)
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(digest)) == 32
    assert "correct" not in stored and "马" not in stored


def test_production_hashes_use_the_owasp_scrypt_parameters(monkeypatch):
    assert (OWASP_COST.n, OWASP_COST.r, OWASP_COST.p) == (2**17, 8, 1)
    monkeypatch.delenv(TEST_COST_VARIABLE)
    assert current_cost() == OWASP_COST
    monkeypatch.setenv(TEST_COST_VARIABLE, "1")  # only the exact phrase lowers the cost
    assert current_cost() == OWASP_COST
    real = hash_password("correct horse 马")  # 128 MiB: hashlib's default maxmem is 32 MiB
    assert real.split("$")[1:4] == ["131072", "8", "1"]
    assert verify_password("correct horse 马", real)
    assert not verify_password("correct horse", real)
    assert not needs_rehash(real)


def test_a_hash_below_the_current_cost_needs_rehashing(monkeypatch):
    old = hash_password("pw-2014", ScryptCost(2**14, 8, 1))  # the cost of earlier versions
    assert verify_password("pw-2014", old)
    monkeypatch.delenv(TEST_COST_VARIABLE)
    assert needs_rehash(old)
    assert needs_rehash("garbage")
    monkeypatch.setenv(TEST_COST_VARIABLE, TEST_COST_VALUE)
    assert not needs_rehash(old)  # higher than the test cost: never weakened


def test_different_salts_give_different_hashes():
    first, second = hash_password("same-password"), hash_password("same-password")
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert first.split("$")[5] != second.split("$")[5]
    assert verify_password("same-password", first)
    assert verify_password("same-password", second)


def test_unicode_passwords():
    for password in ("密码𠮷😀", "ｆｕｌｌｗｉｄｔｈ", "é"):
        assert verify_password(password, hash_password(password))
    # No normalization: a composed and a decomposed é are different passwords.
    assert not verify_password("e\u0301", hash_password("\u00e9"))


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage",
        "$$$$$",
        "scrypt",
        "scrypt$16384$8$1$salt",  # a part missing
        "scrypt$16384$8$1$c2FsdA==$ZGlnZXN0$extra",
        "bcrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk=",
        "scrypt$abc$8$1$c2FsdA==$ZGlnZXN0",  # n not a number
        "scrypt$16383$8$1$c2FsdA==$ZGlnZXN0",  # n not a power of two
        "scrypt$16384$8$1$!!!not base64!!!$ZGlnZXN0",
        "scrypt$16384$8$1$c2FsdA==$!!!",
        "scrypt$16384$8$1$c2FsdA==$",  # empty digest: must not verify everything
        "scrypt$1073741824$8$1$c2FsdA==$ZGlnZXN0",  # absurd cost: refused, not run
        "scrypt$16384$0$1$c2FsdA==$ZGlnZXN0",
        "scrypt$-1$8$1$c2FsdA==$ZGlnZXN0",
        "密码$密码$密码$密码$密码$密码",
    ],
)
def test_garbage_stored_hash_is_false(garbage):
    assert verify_password("anything", garbage) is False
    assert verify_password("", garbage) is False


def test_hash_of_another_password_is_false(stored):
    assert not verify_password("correct horse 马", hash_password("other"))


# --------------------------------------------------------------------------- logging in


def test_admin_logs_in_with_the_setup_password(store, admin, codes):
    user = authenticate(store, "admin", codes.password)
    assert user is not None
    assert user.username == "admin"
    assert user.role is Role.ADMIN
    assert user.station_code == "RC-MT"
    assert user.id == admin.id
    assert authenticate(store, "  admin ", codes.password) is not None  # name is trimmed


def test_wrong_password_or_unknown_user_fails(store, admin, codes):
    assert authenticate(store, "admin", "wrong-password") is None
    assert authenticate(store, "admin", codes.password + " ") is None
    assert authenticate(store, "nobody", codes.password) is None
    assert authenticate(store, "ADMIN", codes.password) is None


def test_password_is_stored_hashed(store, admin, codes):
    stored = store.scalar("SELECT password_hash FROM users WHERE username = 'admin'")
    assert codes.password not in stored
    assert verify_password(codes.password, stored)
    outbox = store.query("SELECT new_values FROM outbox WHERE table_name = 'users'")
    assert codes.password not in outbox[0]["new_values"]


def test_inactive_or_deleted_user_cannot_log_in(store, admin):
    add_user(
        store,
        User(username="clerk", display_name="小王", role=Role.CLERK, station_code="RC-MT"),
        "clerk-pass",
    )
    assert authenticate(store, "clerk", "clerk-pass") is not None
    store.execute("UPDATE users SET active = 0 WHERE username = 'clerk'")
    assert authenticate(store, "clerk", "clerk-pass") is None
    store.execute("UPDATE users SET active = 1, deleted = 1 WHERE username = 'clerk'")
    assert authenticate(store, "clerk", "clerk-pass") is None


def test_short_password_and_taken_name_are_refused(store, admin):
    clerk = User(username="clerk", display_name="小王", role=Role.CLERK, station_code="RC-MT")
    with pytest.raises(StoreError):
        add_user(store, clerk, "12345")
    add_user(store, clerk, "123456")
    with pytest.raises(StoreError) as caught:
        add_user(store, User("clerk", "另一个", Role.CLERK, "RC-MT"), "abcdefg")
    assert "clerk" in str(caught.value)
    assert store.scalar("SELECT count(*) FROM users") == 2


def test_station_is_set_up_only_once(store, admin):
    from station_app.domain import Station, StationLevel
    from station_app.store.accounts import initialise_station, is_initialised, local_station

    assert is_initialised(store)
    assert local_station(store).code == "RC-MT"
    assert local_station(store).level.value == "township"
    with pytest.raises(StoreError):
        initialise_station(
            store,
            Station("RC-XX", "另一个站", StationLevel.VILLAGE, parent_code="RC-MT"),
            User("admin2", "管理员2", Role.ADMIN, "RC-XX"),
            "password",
        )
    assert store.scalar("SELECT count(*) FROM stations") == 1


def test_failed_setup_leaves_nothing(store):
    from station_app.domain import Station, StationLevel
    from station_app.store.accounts import initialise_station, is_initialised

    with pytest.raises(StoreError):
        initialise_station(
            store,
            Station("RC-MT", "茅台镇", StationLevel.TOWNSHIP),
            User("admin", "管理员", Role.ADMIN, "RC-MT"),
            "short",
        )
    assert not is_initialised(store)
    assert store.scalar("SELECT count(*) FROM stations") == 0
    assert store.scalar("SELECT count(*) FROM outbox") == 0
