"""Canonical JSON (RFC 8785, JCS): the one byte encoding that gets hashed and signed.

Signed bytes must never be re-serialised by a JSON library with its own ideas about
key order, spacing or number formatting, so everything that is hashed or signed goes
through :func:`canonical_json` once and the bytes are then stored verbatim.

Speed: the ``rfc8785`` package is pure Python. For values made only of strings
(``str`` subclasses such as ``StrEnum`` members included, as values), safe integers
(|n| <= 2**53 - 1), booleans, nulls, lists and objects whose keys lie in the Basic
Multilingual Plane, ``orjson`` with sorted keys writes exactly the RFC 8785 bytes
(compact, UTF-8 unescaped, the same escapes of quotes, backslashes and control
characters, and code-point order equals UTF-16 order inside the BMP), at about a
third of the standard library's C encoder's time (which writes the same bytes and
was the fast path before). Anything else (floats, big integers, astral-plane keys,
nesting deeper than orjson's limit) goes through ``rfc8785``. Differential tests
check the paths agree (``tests/core/test_core_primitives.py``).
"""

from __future__ import annotations

from typing import Any

import orjson
import rfc8785

_MAX_SAFE = 2**53 - 1
_SORTED = orjson.OPT_SORT_KEYS


def _leaf(item: Any) -> bool | None:
    """True for a leaf the fast encoder writes as RFC 8785 does, False for one it
    does not, None for a container (or anything else) to look into."""
    kind = type(item)
    if kind is str or item is None or kind is bool:
        return True
    if kind is int:
        return bool(-_MAX_SAFE <= item <= _MAX_SAFE)
    return None


def _simple(value: Any) -> bool:
    """Tell whether the fast encoder writes ``value`` exactly as RFC 8785 does.

    Leaves inside a container are judged where they are found (events hold
    mostly strings: pushing each one on the stack cost more than the check).
    """
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    return False
                if not key.isascii() and max(key) > "\uffff":
                    return False
                ckind = type(child)
                if ckind is str or child is None or ckind is bool:
                    continue
                if ckind is int:
                    if -_MAX_SAFE <= child <= _MAX_SAFE:
                        continue
                    return False
                stack.append(child)
            continue
        if kind is list:
            stack.extend(item)
            continue
        leaf = _leaf(item)
        if leaf is not None:
            if not leaf:
                return False
            continue
        if isinstance(item, str):
            continue  # a str subclass (a StrEnum value): both encoders write its text
        return False
    return True


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value.

    Raises:
        TypeError: the value holds something JSON cannot carry (bytes, sets, NaN,
            lone surrogates...); encode bytes as base64 or hex strings first.
    """
    if _simple(value):
        try:
            return orjson.dumps(value, option=_SORTED)
        except orjson.JSONEncodeError:
            pass  # a lone surrogate, or deep nesting: rfc8785 decides
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
        raise TypeError(
            f"value cannot be canonical JSON: {type(exc).__name__}"
        ) from exc
