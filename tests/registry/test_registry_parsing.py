"""Tolerant parsing of ages, dates, sex, CNIC and statuses as real lists write them."""

from __future__ import annotations

import datetime as dt
from dataclasses import MISSING, FrozenInstanceError, fields, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gawah.errors import UserInputError
from gawah.registry import Sex, Status, StatusVocabulary
from gawah.registry.models import Provenance, Report, report_of
from gawah.registry.parsing import Age, parse_age, parse_cnic, parse_date
from gawah.registry.vocabularies import DatePrecision, parse_sex, status_terms


class TestAge:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("25", Age(25, 25, 25, False)),
            ("25-30", Age(None, 25, 30, False)),
            ("25 - 30", Age(None, 25, 30, False)),
            ("about 40", Age(40, 35, 45, True)),
            ("~40", Age(40, 35, 45, True)),
            ("40?", Age(40, 35, 45, True)),
            ("40s", Age(None, 40, 49, True)),
            ("۲۵", Age(25, 25, 25, False)),
            ("25 years", Age(25, 25, 25, False)),
            ("25.0", Age(25, 25, 25, False)),
            ("child", Age(None, 0, 17, True)),
        ],
    )
    def test_accepts_common_forms(self, text: str, expected: Age) -> None:
        """Exact ages, ranges, estimates, decades, Urdu digits and words all parse."""
        assert parse_age(text) == expected

    def test_empty_is_none(self) -> None:
        """An empty cell means the age is unknown, not zero."""
        assert parse_age("  ") is None

    @pytest.mark.parametrize("text", ["abc", "130", "30-20", "-5", "25.5"])
    def test_rejects_nonsense(self, text: str) -> None:
        """Text, impossible ages and backwards ranges are errors with a reason."""
        with pytest.raises(ValueError, match="age"):
            parse_age(text)


class TestDate:
    @pytest.mark.parametrize(
        ("text", "iso", "precision", "estimated"),
        [
            ("2024-11-26", "2024-11-26", DatePrecision.DAY, False),
            ("26/11/2024", "2024-11-26", DatePrecision.DAY, False),
            ("26-11-24", "2024-11-26", DatePrecision.DAY, False),
            ("11/26/2024", "2024-11-26", DatePrecision.DAY, False),
            ("03/04/2024", "2024-04-03", DatePrecision.DAY, False),
            ("26 Nov 2024", "2024-11-26", DatePrecision.DAY, False),
            ("November 26, 2024", "2024-11-26", DatePrecision.DAY, False),
            ("Nov 2024", "2024-11", DatePrecision.MONTH, False),
            ("2024-11", "2024-11", DatePrecision.MONTH, False),
            ("2024", "2024", DatePrecision.YEAR, False),
            ("about 26/11/2024", "2024-11-26", DatePrecision.DAY, True),
            ("۲۶/۱۱/۲۰۲۴", "2024-11-26", DatePrecision.DAY, False),
            ("14-16 March 2031", "2031-03-14", DatePrecision.DAY, True),
            ("14 & 15 Mar, 2031", "2031-03-14", DatePrecision.DAY, True),
        ],
    )
    def test_precision_follows_the_source(
        self, text: str, iso: str, precision: DatePrecision, estimated: bool
    ) -> None:
        """Dates keep the precision the source gave; day-first is the default."""
        parsed = parse_date(text)
        assert parsed is not None
        assert (parsed.iso, parsed.precision, parsed.estimated) == (
            iso,
            precision,
            estimated,
        )

    @pytest.mark.parametrize(
        "text", ["31/02/2024", "yesterday", "13/13/2024", "Foo 2024", "16-14 Mar 2031"]
    )
    def test_rejects_impossible_dates(self, text: str) -> None:
        """Impossible or unreadable dates are errors, never silently guessed."""
        with pytest.raises(ValueError, match=r"date|month"):
            parse_date(text)


class TestSex:
    @pytest.mark.parametrize(
        ("text", "sex"),
        [
            ("M", Sex.MALE), ("male", Sex.MALE), ("مرد", Sex.MALE), ("F", Sex.FEMALE),
            ("Female", Sex.FEMALE), ("عورت", Sex.FEMALE), ("", Sex.UNKNOWN),
        ],
    )  # fmt: skip
    def test_forms(self, text: str, sex: Sex) -> None:
        """English letters and words and Urdu words map to one code."""
        assert parse_sex(text) == sex

    def test_unknown_word_is_none(self) -> None:
        """A value that is not a sex is reported, not guessed."""
        assert parse_sex("blue") is None


class TestStatusVocabulary:
    @pytest.mark.parametrize(
        ("text", "status"),
        [
            ("Treated & discharged", Status.INJURED),
            ("Expired", Status.KILLED),
            ("In jail", Status.ARRESTED_HELD),
            ("Giraftar", Status.ARRESTED_HELD),
            ("زخمی", Status.INJURED),
            ("شہید", Status.KILLED),
            ("lapata", Status.MISSING),
            ("released on bail", Status.ARRESTED_RELEASED),
            ("Body found", Status.FOUND_DEAD),
            ("arrested_held", Status.ARRESTED_HELD),
            ("شهيد", Status.KILLED),  # typed with Arabic heh and yeh
            ("شہیدؐ", Status.KILLED),
            ("", Status.UNKNOWN),
        ],
    )
    def test_messy_values_map(self, text: str, status: Status) -> None:
        """Hospital, party and Urdu spellings map to HURIDOCS-style codes."""
        assert StatusVocabulary().lookup(text) == status

    def test_unknown_value_is_none(self) -> None:
        """A value outside the vocabulary is not forced into a code."""
        assert StatusVocabulary().lookup("under investigation") is None

    def test_map_file_extends(self) -> None:
        """Extra spellings from a map file are used, shipped ones still work."""
        vocabulary = StatusVocabulary({"In lockup": "arrested_held"})
        assert vocabulary.lookup("in  LOCKUP") == Status.ARRESTED_HELD
        assert vocabulary.lookup("Expired") == Status.KILLED

    def test_map_file_with_bad_code_is_a_user_error(self) -> None:
        """Mapping a spelling to a code that does not exist is refused clearly."""
        with pytest.raises(UserInputError, match="unknown code"):
            StatusVocabulary({"x": "dead-ish"})

    def test_every_code_has_a_term(self) -> None:
        """The data file documents every status code and no spelling maps twice."""
        terms = status_terms()
        assert {t.code for t in terms} == set(Status)
        vocabulary = StatusVocabulary()
        for term in terms:
            for value in term.values:
                assert vocabulary.lookup(value) == term.code, value


class TestCnic:
    def test_formats(self) -> None:
        """Dashed and plain CNICs normalise to 13 digits."""
        assert parse_cnic("12345-1234567-1") == "1234512345671"
        assert parse_cnic("") is None

    def test_error_withholds_value(self) -> None:
        """A malformed national id is an error that does not repeat the number."""
        with pytest.raises(ValueError, match="withheld") as info:
            parse_cnic("12345-99")
        assert "12345" not in str(info.value)


class TestVocabularyDocs:
    def test_every_spelling_is_documented(self) -> None:
        """docs/reference/vocabularies.md lists every status code and spelling."""
        from pathlib import Path

        doc = Path(__file__).parents[2] / "docs" / "reference" / "vocabularies.md"
        text = doc.read_text(encoding="utf-8")
        for term in status_terms():
            assert f"`{term.code.value}`" in text
            for value in term.values:
                assert value in text, value


class TestNeverCrash:
    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=30))
    def test_parsers_only_raise_value_error(self, text: str) -> None:
        """Any cell text parses or raises ValueError with a reason, never another error."""
        for parse in (parse_age, parse_date, parse_cnic):
            reason = "parsed"
            try:
                parse(text)
            except ValueError as exc:
                reason = str(exc)
            assert reason
        assert parse_sex(text) in (*Sex, None)
        StatusVocabulary().lookup(text)

    @settings(max_examples=200, deadline=None)
    @given(st.integers(0, 120), st.dates(dt.date(1950, 1, 1), dt.date(2099, 12, 31)))
    def test_round_trip_of_clean_values(self, age: int, day: dt.date) -> None:
        """Ages and dates written in the usual ways read back to the same value."""
        assert parse_age(str(age)) == Age(age, age, age, False)
        for written in (
            day.isoformat(),
            day.strftime("%d/%m/%Y"),
            day.strftime("%d %b %Y"),
        ):
            parsed = parse_date(written)
            assert parsed is not None
            assert parsed.iso == day.isoformat()

    def test_every_canonical_column_is_documented(self) -> None:
        """docs/guides/import.md explains every canonical column."""
        from pathlib import Path

        from gawah.registry import CANONICAL_COLUMNS

        doc = Path(__file__).parents[2] / "docs" / "guides" / "import.md"
        text = doc.read_text(encoding="utf-8")
        for column in CANONICAL_COLUMNS:
            assert f"`{column}`" in text, column


class TestReportOf:
    """``report_of`` builds the frozen Report that ``Report(**values)`` would."""

    def _values(self) -> dict[str, object]:
        values: dict[str, object] = {
            f.name: f.default_factory() if f.default is MISSING else f.default  # type: ignore[misc]
            for f in fields(Report)
            if f.default is not MISSING or f.default_factory is not MISSING
        }
        values.update(
            report_id="rep-1", version=2, source_id="src", incident_id=None,
            record_id="7", content_hash="ab", given_name="Ali", sex=Sex.MALE,
            age=30, extra={"unit": "FICTIONAL"},
            provenance=Provenance("list.csv", "00", 4, {"given_name": "Name"}),
        )  # fmt: skip
        return values

    def test_every_field_gives_the_same_frozen_report(self) -> None:
        values = self._values()
        report = report_of(values)
        assert report == Report(**values)  # type: ignore[arg-type]
        with pytest.raises(FrozenInstanceError):
            report.version = 3  # type: ignore[misc]
        assert replace(report, version=3).version == 3

    def test_a_missing_or_unknown_field_goes_through_init(self) -> None:
        values = self._values()
        del values["notes"]
        assert report_of(values).notes == ""  # the default, as __init__ gives
        del values["report_id"]
        with pytest.raises(TypeError):
            report_of(values)
        with pytest.raises(TypeError):
            report_of({**self._values(), "surname": "x"})


@pytest.mark.parametrize("text", ["2031/03/14", "2031.03.14", "2031/3/14"])
def test_year_first_dates_with_slashes_or_dots(text: str) -> None:
    """Some spreadsheet locales save dates year first with "/" or "."."""
    parsed = parse_date(text)
    assert parsed is not None
    assert parsed.iso == "2031-03-14"


def test_a_cnic_in_scientific_notation_says_its_digits_are_lost() -> None:
    """Excel shows a 13-digit CNIC as 3.74051E+12; saved so, the digits are gone."""
    with pytest.raises(ValueError, match="scientific notation") as caught:
        parse_cnic("3.74051E+12")
    assert "3.74051" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "sex"), [("أنثى", Sex.FEMALE), ("انثى", Sex.FEMALE), ("ذكر", Sex.MALE)]
)
def test_arabic_sex_words(text: str, sex: Sex) -> None:
    assert parse_sex(text) is sex


@pytest.mark.parametrize(
    ("text", "years"),
    [("25 سنة", 25), ("25 عاماً", 25), ("3 months", 0), ("6 ماہ", 0),
     ("10 أشهر", 0), ("5 days", 0), ("18 months", 1)],
)  # fmt: skip
def test_ages_in_arabic_years_and_infants_in_months(text: str, years: int) -> None:
    """Arabic lists write "سنة"; infants are listed in months or days."""
    age = parse_age(text)
    assert age is not None
    assert (age.value, age.minimum, age.maximum) == (years, years, years)
