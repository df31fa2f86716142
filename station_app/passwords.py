"""Salted, slow password hashes for local users (scrypt from the standard library), and the
rule a new password must meet.

Hashes are made at the OWASP Password Storage Cheat Sheet's parameters for scrypt (N=2^17,
r=8, p=1: 128 MiB and about a second each). A hash made at a lower cost (the 2^14 of earlier
versions) still verifies, and `needs_rehash` tells the login to store a new one.

Tests only: setting the environment variable `STATION_APP_TEST_PASSWORD_COST` to exactly
`weak-hashes-for-tests` makes new hashes cheap (N=2^4), so that a test suite that sets up
hundreds of users runs in seconds. Any other value, or none, gives the OWASP cost; and a
cheap hash that reached a real station would be replaced at that user's next login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from station_app.i18n import _


@dataclass(frozen=True)
class ScryptCost:
    n: int
    r: int
    p: int

    @property
    def memory(self) -> int:
        """The bytes scrypt needs (128 · N · r), for hashlib's maxmem."""
        return 128 * self.n * self.r * self.p

    def weaker_than(self, other: ScryptCost) -> bool:
        return self.n < other.n or self.r < other.r or self.p < other.p


OWASP_COST = ScryptCost(n=2**17, r=8, p=1)
TEST_COST = ScryptCost(n=2**4, r=8, p=1)
TEST_COST_VARIABLE = "STATION_APP_TEST_PASSWORD_COST"
TEST_COST_VALUE = "weak-hashes-for-tests"
# The costliest stored hash this app will run: a corrupt or hostile row must not take minutes
# or gigabytes of memory (2^20 · 8 is 1 GiB).
_MOST_MEMORY = 128 * 2**20 * 8
_SALT_BYTES, _DIGEST_BYTES = 16, 32

MIN_PASSWORD_LENGTH = 6
MAX_PASSWORD_LENGTH = 128


def current_cost() -> ScryptCost:
    """The cost new hashes are made at: OWASP's, unless a test asked for cheap ones."""
    if os.environ.get(TEST_COST_VARIABLE) == TEST_COST_VALUE:
        return TEST_COST
    return OWASP_COST


def password_problem(password: str) -> str | None:
    """Why a new password cannot be used, or None. Any Unicode is allowed (Chinese, emoji);
    leading and trailing spaces are part of the password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least {n} characters.").format(n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("The password may have at most {n} characters; choose a shorter one.").format(
            n=MAX_PASSWORD_LENGTH
        )
    if any(unicodedata.category(char) == "Cc" for char in password):
        return _("The password must not contain control characters such as tabs or line breaks.")
    return None


def hash_password(password: str, cost: ScryptCost | None = None) -> str:
    cost = cost or current_cost()
    salt = os.urandom(_SALT_BYTES)
    digest = _scrypt(password, salt, cost, _DIGEST_BYTES)
    encode = base64.b64encode
    return f"scrypt${cost.n}${cost.r}${cost.p}${encode(salt).decode()}${encode(digest).decode()}"


def _scrypt(password: str, salt: bytes, cost: ScryptCost, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=cost.n,
        r=cost.r,
        p=cost.p,
        maxmem=cost.memory + 2**20,  # OpenSSL needs a little more than 128 · N · r
        dklen=length,
    )


def _parse(stored: str) -> tuple[ScryptCost, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return None
        cost = ScryptCost(int(n), int(r), int(p))
        expected = base64.b64decode(digest, validate=True)
        salt_bytes = base64.b64decode(salt, validate=True)
    except (ValueError, TypeError):
        return None
    if min(cost.n, cost.r, cost.p) < 1 or not expected or cost.memory > _MOST_MEMORY:
        return None
    return cost, salt_bytes, expected


def verify_password(password: str, stored: str) -> bool:
    parsed = _parse(stored)
    if parsed is None:
        return False
    cost, salt, expected = parsed
    try:
        actual = _scrypt(password, salt, cost, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    """True when the hash was made at less than today's cost (upgrade it at the next login)."""
    parsed = _parse(stored)
    return parsed is None or parsed[0].weaker_than(current_cost())
