"""Canonical JSON, hashing and clock primitives (known answers)."""

from __future__ import annotations

import enum
import re

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from gawah.core import (
    canonical_json,
    fixed_clock,
    sha256_bytes,
    sha256_hex,
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
