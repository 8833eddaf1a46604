"""The ledger's JSON parser gives exactly what ``json.loads`` gives, on any bytes.

``parse_json`` takes ``orjson``'s result only when ``orjson`` writes it back as
the same bytes; these tests feed it what ``orjson`` reads differently from the
standard library (integers beyond 64 bits, non-finite numbers, lone surrogates,
duplicate keys, escapes, a BOM) and random JSON written both canonically and
not, and compare value, type and error with ``json.loads``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gawah.core import canonical_json
from gawah.ledger.events import parse_json


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (1 == 1.0 == True is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b) and (not isinstance(a, float) or repr(a) == repr(b))


def _outcome(parse: Any, raw: bytes) -> tuple[str, Any]:
    try:
        return "value", parse(raw)
    except (ValueError, RecursionError) as exc:
        return "error", type(exc)


def _check(raw: bytes) -> None:
    ours, theirs = _outcome(parse_json, raw), _outcome(json.loads, raw)
    assert ours[0] == theirs[0], raw
    if ours[0] == "value":
        assert _same(ours[1], theirs[1]), raw


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":123456789012345678901234567890}',  # orjson: a float
        b'{"a":-9223372036854775809}',
        b'{"a":18446744073709551616}',
        b'{"a":1e400}',
        b'{"a":NaN}',
        b'{"a":-Infinity}',
        b'{"a":"\\ud800"}',  # lone surrogate
        b'{"a":"\\u00e9"}',  # an escape orjson would not write
        b'{"a":"\\ud83d\\ude00"}',
        b'{"a":1,"a":2}',  # duplicate key
        b'{"b":1,"a":2}',  # unsorted
        b'{"a":1.0}',
        b'{"a":1E2}',
        b'{"a":0.10000000000000001}',
        b'{"a":2.2250738585072011e-308}',
        b'{"a":-0}',
        b'{"a":-0.0}',
        b' {"a":1}',
        b'\xef\xbb\xbf{"a":1}',  # BOM
        '{"a":"é"}'.encode("utf-16"),
        b'{"a":"\xff"}',  # not UTF-8
        b'{"a":1',
        b"",
        b"[" * 2000 + b"]" * 2000,  # too deep for orjson to read
        b"[" * 300 + b"]" * 300,  # read by orjson, too deep for it to write back
        b'"\\u001f"',
        b"[1,2,3]",
    ],
)
def test_what_orjson_reads_otherwise_parses_as_json_loads(raw: bytes) -> None:
    _check(raw)


_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_random_json_parses_as_json_loads(value: object) -> None:
    """Written canonically (the events' bytes), by the standard library with and
    without escapes, and with spaces: always json.loads's value."""
    try:
        canonical = canonical_json(value)
    except TypeError:  # integers beyond 2**53 have no RFC 8785 form: compact then
        compact = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        canonical = compact.encode("utf-8")
    _check(canonical)
    _check(json.dumps(value).encode("utf-8"))
    _check(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    _check(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))
