"""Canonical JSON, hashing and clock primitives (known answers)."""

from __future__ import annotations

import enum
import json
import random
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from gawah.core import (
    canonical_json,
    fixed_clock,
    sha256_bytes,
    sha256_hex,
    text_encoder,
    utc_now_iso,
)


class TestCanonicalJson:
    def test_keys_sorted_and_no_whitespace(self) -> None:
        """Keys are sorted by code unit and no insignificant whitespace is emitted."""
        assert canonical_json({"b": 1, "a": [True, None, "x"]}) == (
            b'{"a":[true,null,"x"],"b":1}'
        )

    def test_rfc8785_number_and_string_forms(self) -> None:
        """Numbers use the ECMAScript form and non-ASCII text stays UTF-8 (RFC 8785)."""
        value = {"n": [1e30, 4.5, -0.0, 333333333.3333333], "s": "زخمی\u20ac\n"}
        assert canonical_json(value) == (
            '{"n":[1e+30,4.5,0,333333333.3333333],"s":"زخمی€\\n"}'.encode()
        )

    def test_bytes_are_refused(self) -> None:
        """Raw bytes cannot be canonical JSON: callers must encode them as text."""
        with pytest.raises(TypeError):
            canonical_json({"blob": b"\x00"})


class TestHashing:
    def test_sha256_known_answer(self) -> None:
        """SHA-256 of "abc" is the FIPS 180-2 test value."""
        want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        assert sha256_hex(b"abc") == want
        assert sha256_bytes(b"abc").hex() == want


class TestClock:
    def test_utc_now_is_iso_with_z(self) -> None:
        """Device-clock timestamps are ISO 8601 UTC with microseconds and a Z."""
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", utc_now_iso())

    def test_utc_now_reads_as_datetime_writes_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The text cached per second and the microseconds read fresh give what
        ``datetime`` writes for the same instant, across second, day and year ends."""
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        rng = random.Random(3)
        instants = [
            1_798_761_599_999_999_999,  # 2026-12-31T23:59:59.999999999
            1_798_761_600_000_000_000,  # the next year's first nanosecond
            1_798_761_600_000_000_999,  # the same microsecond: truncated
            1_798_761_600_000_001_000,
            1_798_761_601_500_000_000,
            *(rng.randrange(0, 4_102_444_800 * 10**9) for _ in range(200)),
        ]
        for ns in instants:
            monkeypatch.setattr(time, "time_ns", lambda ns=ns: ns)
            expected = epoch + timedelta(microseconds=ns // 1000)
            assert utc_now_iso() == expected.isoformat(timespec="microseconds").replace(
                "+00:00", "Z"
            )

    def test_fixed_clock_repeats(self) -> None:
        """A fixed clock answers the same timestamp every time."""
        clock = fixed_clock("2024-11-26T12:00:00.000000Z")
        assert clock() == clock() == "2024-11-26T12:00:00.000000Z"


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


class TestCanonicalFastPath:
    @settings(max_examples=600, deadline=None)
    @given(_json)
    def test_matches_rfc8785_package(self, value: object) -> None:
        """The fast encoder and the reference rfc8785 package give identical bytes."""
        assert canonical_json(value) == rfc8785.dumps(value)

    def test_str_enum_values_match_rfc8785(self) -> None:
        """StrEnum values (as import payloads carry) encode as their text on both paths."""

        class Colour(enum.StrEnum):
            RED = "red"
            ODD = 'a\u2028"b\\'

        value = {"c": Colour.RED, "d": [Colour.ODD, "x"], "e": 1}
        assert canonical_json(value) == rfc8785.dumps(value)
        expected = '{"c":"red","d":["a\u2028\\"b\\\\","x"],"e":1}'
        assert canonical_json(value) == expected.encode()

    def test_astral_keys_sort_by_utf16(self) -> None:
        """Keys outside the BMP sort by UTF-16 code units, as RFC 8785 requires."""
        value = {"\U0001f600": 1, "\ufb01": 2}
        assert canonical_json(value) == rfc8785.dumps(value)
        assert canonical_json(value).index("😀".encode()) < canonical_json(value).index(
            "ﬁ".encode()
        )


#: Letters of the scripts lists are written in (Urdu and Arabic, with their own
#: digits and marks), Latin, and the characters JSON escapes or might.
_SCRIPTS = (
    "محمد علی خان ولد طارق شہید زخمی نامعلوم ڈیرہ اسماعیل خان ۱۲۳٤٥٦"
    "أحمد إبراهيم الشهيد عبدالله ة ى ئ ؤ \u064b\u0670\u200c\u200d\u200f"
    "Muhammad Ali s/o Tariq, 30? D.I. Khan"
    '"\\/\b\f\n\r\t\x00\x01\x1f\x7f\u2028\u2029\ufeff\ufffd\U0001f600'
)
#: The encoder that wrote every stored event before orjson (the same bytes).
_STDLIB = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
)


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_SCRIPTS) for _ in range(rng.randrange(0, 24)))


def _value(rng: random.Random, depth: int, floats: bool) -> object:
    roll = rng.random()
    if depth > 0 and roll < 0.2:
        return [_value(rng, depth - 1, floats) for _ in range(rng.randrange(0, 5))]
    if depth > 0 and roll < 0.4:
        return {
            _text(rng): _value(rng, depth - 1, floats)
            for _ in range(rng.randrange(0, 6))
        }
    leaves: list[object] = [
        _text(rng),
        None,
        rng.random() < 0.5,
        rng.randrange(-(2**53) + 1, 2**53),
        rng.choice([0, -1, 2**53 - 1, -(2**53) + 1]),
    ]
    if floats:
        leaves += [
            rng.uniform(-1e6, 1e6),
            rng.choice([0.1, 1e21, 1e-7, -0.0, 5e-324, 1.7976931348623157e308]),
        ]
    return rng.choice(leaves)


class TestCanonicalEncoders:
    """The fast path (orjson) writes the bytes of rfc8785, and of the standard
    library's encoder that wrote every event before it, on random payloads."""

    def test_random_payloads_match_rfc8785(self) -> None:
        rng = random.Random(20261207)
        for n in range(3000):
            value = {"kind": "report.recorded", "payload": _value(rng, 4, n % 2 == 0)}
            assert canonical_json(value) == rfc8785.dumps(value), value

    def test_simple_payloads_match_the_former_encoder(self) -> None:
        rng = random.Random(7)
        for _ in range(3000):
            value = {"payload": _value(rng, 4, False), "seq": rng.randrange(2**40)}
            assert canonical_json(value) == _STDLIB.encode(value).encode("utf-8")

    def test_every_character_in_a_string_matches(self) -> None:
        """Each code point outside the surrogates in a string; each in the BMP as a key."""
        chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
        text = "".join(chars)
        assert canonical_json([text]) == rfc8785.dumps([text])
        keys = {c: 0 for c in chars if c <= "\uffff"}  # BMP keys: the fast path
        assert canonical_json(keys) == _STDLIB.encode(keys).encode("utf-8")

    def test_deep_nesting_and_lone_surrogates(self) -> None:
        """Nesting deeper than orjson takes falls back; a lone surrogate is refused."""
        deep: object = "x"
        for _ in range(300):
            deep = [deep]
        assert canonical_json(deep) == _STDLIB.encode(deep).encode("utf-8")
        with pytest.raises(TypeError):
            canonical_json({"name": "\ud800"})


class TestTextEncoder:
    """``text_encoder`` writes what the standard library's ``encode`` writes."""

    @pytest.mark.parametrize(
        ("sort_keys", "compact"), [(False, False), (True, False), (True, True)]
    )
    def test_random_values_match_the_standard_library(
        self, sort_keys: bool, compact: bool
    ) -> None:
        encode = text_encoder(sort_keys=sort_keys, compact=compact)
        stdlib = json.JSONEncoder(
            ensure_ascii=False,
            sort_keys=sort_keys,
            separators=(",", ":") if compact else None,
        ).encode
        rng = random.Random(2026)
        for n in range(2000):
            value = _value(rng, 4, n % 2 == 0)
            assert encode(value) == stdlib(value), value
        for value in (
            "plain text",
            'a\u2028"b\\',
            {3: "int key", 1.5: None, True: []},
            [float("nan"), float("inf"), -0.0, 2**70],
            {"z": 1, "a": {"y": [1, 2], "b": "محمد"}},
        ):
            assert encode(value) == stdlib(value)

    def test_refuses_what_the_standard_library_refuses(self) -> None:
        with pytest.raises(TypeError):
            text_encoder()({"bytes": b"x"})
        with pytest.raises(TypeError):
            text_encoder(sort_keys=True)({"a": 1, 2: 3})  # keys of two types
