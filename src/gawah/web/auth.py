"""Accounts, roles, password policy and the failed-login rate limit.

The bar is SECURITY.md S19, S24 and S25: Argon2id hashes, no composition rules,
common passwords refused, long passwords never truncated, at most
``MAX_FAILURES`` failed logins per minute per account and per source, and the
same answer whether or not the account exists.
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
MAX_FAILURES = 10
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
    """Raise :class:`PasswordRejectedError` unless ``name`` may use ``password``."""
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
    """Counts failed logins per account and per source in a sliding minute.

    Kept in memory only: storing source addresses would break metadata
    minimisation (S22); sources are held as salted digests for at most a minute.
    """

    clock: Callable[[], float] = time.time
    limit: int = MAX_FAILURES
    window: float = FAILURE_WINDOW
    _events: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _salt: bytes = field(default_factory=lambda: os.urandom(16))

    def _keys(self, account: str, source: str) -> tuple[str, str]:
        digest = hashlib.sha256(self._salt + source.encode()).hexdigest()
        return "a:" + account.lower(), "s:" + digest

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
                self._count(k, now) >= self.limit for k in self._keys(account, source)
            )

    def failed(self, account: str, source: str) -> None:
        """Record one failed attempt."""
        now = self.clock()
        with self._lock:
            for key in self._keys(account, source):
                self._events.setdefault(key, deque()).append(now)
