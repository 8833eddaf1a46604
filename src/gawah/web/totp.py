"""Time-based one-time codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps).

Second factor for accounts enrolled with ``gawah users add --totp`` or
``gawah users totp NAME``. A code is accepted only for the current step and
only once (the last used step is stored), so a code seen over a shoulder or in
a proxy log is worthless a moment later (SECURITY.md S24).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

STEP = 30
DIGITS = 6


def new_secret() -> str:
    """A random 160-bit secret, base32 as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def step_of(now: float) -> int:
    """The 30-second step a moment falls in."""
    return int(now // STEP)


def code_at(secret: str, step: int) -> str:
    """The code for one step (RFC 4226 dynamic truncation)."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def matching_step(
    secret: str, code: str, now: float, last_used: int | None
) -> int | None:
    """The step ``code`` is valid for now, or None (wrong, expired or replayed)."""
    step = step_of(now)
    if last_used is not None and step <= last_used:
        return None
    cleaned = code.strip().replace(" ", "")
    if len(cleaned) != DIGITS or not cleaned.isdigit():
        return None
    return step if hmac.compare_digest(code_at(secret, step), cleaned) else None


def provisioning_uri(secret: str, account: str, issuer: str = "gawah") -> str:
    """The otpauth:// URI an authenticator app imports (shown once at enrolment)."""
    return (
        f"otpauth://totp/{quote(issuer)}:{quote(account)}?secret={secret}"
        f"&issuer={quote(issuer)}&digits={DIGITS}&period={STEP}"
    )
