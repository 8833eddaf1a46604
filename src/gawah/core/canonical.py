"""Canonical JSON (RFC 8785, JCS): the one byte encoding that gets hashed and signed.

Signed bytes must never be re-serialised by a JSON library with its own ideas about
key order, spacing or number formatting, so everything that is hashed or signed goes
through :func:`canonical_json` once and the bytes are then stored verbatim.
"""

from __future__ import annotations

from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value.

    Raises:
        TypeError: the value holds something JSON cannot carry (bytes, sets, NaN...);
            encode bytes as base64 or hex strings before they reach the ledger.
    """
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
        raise TypeError(
            f"value cannot be canonical JSON: {type(exc).__name__}"
        ) from exc
