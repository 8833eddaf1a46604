"""Accounts, roles, password policy and the failed-login rate limit.

The bar is SECURITY.md S19, S24 and S25: Argon2id hashes, no composition rules,
passwords zxcvbn scores below ``MIN_STRENGTH`` refused, long passwords never
truncated, a sliding-minute limit on failed logins (per account and address,
per account, per address: one account's attacker does not lock everyone else
out of a shared address), and the same answer whether or not the account exists.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MIN_STRENGTH = 3  # zxcvbn's score, 0-4: 3 is "safely unguessable" (10^8 guesses)
ZXCVBN_MAX = 72  # zxcvbn refuses longer input; its prefix is scored (slow otherwise)
MAX_FAILURES = 10  # per account from one address, per minute
ACCOUNT_FAILURES = 30  # per account over all addresses (a distributed guesser)
SOURCE_FAILURES = 50  # per address over all accounts (password spraying)
FAILURE_WINDOW = 60.0
COMMON_PASSWORDS_CHECKED = 3000


class Role(StrEnum):
    """What an account may do; each role includes the rights of those before it."""

    VIEWER = "viewer"
    DOCUMENTER = "documenter"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Right(StrEnum):
    """One permission; routes ask for a right, never for a role."""

    READ = "read"  # dashboard, register, person (without sensitive fields), estimates
    RECORD = "record"  # add reports, upload lists
    REVIEW = "review"  # decide review pairs, run linkage
    SENSITIVE = "sensitive"  # see national id, phone, witness contact
    EVIDENCE = "evidence"  # open evidence files (each opening is a custody event)
    ADMIN = "admin"  # manage accounts, run estimation


POLICY: dict[Role, frozenset[Right]] = {
    Role.VIEWER: frozenset({Right.READ}),
    Role.DOCUMENTER: frozenset({Right.READ, Right.RECORD, Right.EVIDENCE}),
    Role.REVIEWER: frozenset({Right.READ, Right.REVIEW, Right.EVIDENCE}),
    Role.ADMIN: frozenset(Right),
}


def allows(role: Role | None, right: Right) -> bool:
    """Whether ``role`` holds ``right`` (None, an anonymous visitor, holds none)."""
    return role is not None and right in POLICY[role]


# Argon2id with argon2-cffi's RFC 9106 "low memory" profile (64 MiB, t=3, p=4).
_HASHER = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash verified when an account does not exist, so a missing account
    costs the same time as a wrong password."""
    return _HASHER.hash("gawah-no-such-account-" + os.urandom(8).hex())


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS_CHECKED])


class PasswordRejectedError(ValueError):
    """A password that breaks the policy; the message names the rule, not it."""


def check_password_policy(name: str, password: str) -> None:
    """Raise :class:`PasswordRejectedError` unless ``name`` may use ``password``.

    Length bounds, then the most common passwords and the account name, then
    zxcvbn's strength score (at least :data:`MIN_STRENGTH`): ``P@ssw0rd`` and
    ``islamabad123`` are refused, a passphrase of a few uncommon words is not.
    """
    if len(password) < MIN_PASSWORD:
        raise PasswordRejectedError(
            f"a password needs at least {MIN_PASSWORD} characters"
        )
    if len(password) > MAX_PASSWORD:
        raise PasswordRejectedError(
            f"a password may have at most {MAX_PASSWORD} characters"
        )
    if password.lower() in _common_passwords():
        raise PasswordRejectedError(
            "this password is on the list of the most common passwords"
        )
    if password.lower() == name.lower():
        raise PasswordRejectedError("the password must not be the account name")
    if password_strength(name, password) < MIN_STRENGTH:
        raise PasswordRejectedError(
            "this password is too easy to guess: use a few uncommon words "
            "(a phrase in any language), not a word with digits and symbols"
        )


def password_strength(name: str, password: str) -> int:
    """zxcvbn's score (0-4) of ``password`` for account ``name`` (offline)."""
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]

    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=[name, "gawah"])
    return int(result["score"])


def hash_password(password: str) -> str:
    """Argon2id hash in PHC string form."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> tuple[bool, str | None]:
    """Check a password; return (ok, a new hash when the parameters changed)."""
    target = stored if stored is not None else _dummy_hash()
    try:
        _HASHER.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if stored is None:
        return False, None
    if _HASHER.check_needs_rehash(stored):
        return True, _HASHER.hash(password)
    return True, None


@dataclass
class LoginRateLimiter:
    """Counts failed logins in a sliding minute under three keys.

    An attempt is refused when the account has failed :data:`MAX_FAILURES`
    times from this address, :data:`ACCOUNT_FAILURES` times from anywhere, or
    the address has failed :data:`SOURCE_FAILURES` times over all accounts.
    So a guesser at one account locks that account (from their address) and
    not the colleagues who share the address (behind no proxy, everyone is
    127.0.0.1); spraying many accounts from one address is still stopped.

    Kept in memory only: storing source addresses would break metadata
    minimisation (S22); sources are held as salted digests for at most a minute.
    """

    clock: Callable[[], float] = time.time
    limit: int = MAX_FAILURES
    account_limit: int = ACCOUNT_FAILURES
    source_limit: int = SOURCE_FAILURES
    window: float = FAILURE_WINDOW
    _events: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _salt: bytes = field(default_factory=lambda: os.urandom(16))

    def _limits(self, account: str, source: str) -> tuple[tuple[str, int], ...]:
        digest = hashlib.sha256(self._salt + source.encode()).hexdigest()
        who = account.lower()
        return (
            (f"p:{digest}:{who}", self.limit),
            (f"a:{who}", self.account_limit),
            (f"s:{digest}", self.source_limit),
        )

    def _count(self, key: str, now: float) -> int:
        q = self._events.get(key)
        if q is None:
            return 0
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._events[key]
            return 0
        return len(q)

    def blocked(self, account: str, source: str) -> bool:
        """Whether another attempt must be refused without checking the password."""
        now = self.clock()
        with self._lock:
            return any(
                self._count(key, now) >= limit
                for key, limit in self._limits(account, source)
            )

    def failed(self, account: str, source: str) -> None:
        """Record one failed attempt."""
        now = self.clock()
        with self._lock:
            for key, _limit in self._limits(account, source):
                self._events.setdefault(key, deque()).append(now)
