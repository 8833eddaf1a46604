"""Normalisation: names, relatives, ages, ids, statuses (tables in gawah/linkage/data)."""

from __future__ import annotations

import pytest

from gawah.linkage import parse_age, parse_name, skeleton, to_latin
from gawah.linkage.normalise import (
    canonical_cnic,
    canonical_sex,
    canonical_status,
    normalise_record,
    relative_from_notes,
)


class TestNames:
    @pytest.mark.parametrize(
        "spelling",
        [
            "Muhammad Ali",
            "Mohammad Ali",
            "Muhammed Ali",
            "Mohd. Ali",
            "M. Ali",
            "محمد علی",
            "Ali Muhammad",
        ],
    )
    def test_muhammad_ali_spellings_meet(self, spelling: str) -> None:
        """Every common spelling and order of Muhammad Ali, in both scripts, has one key."""
        assert parse_name(spelling).key == "ali muhammad"

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("Ahmad Khan", "Ahmed Khan"),
            ("Hussain Shah", "Hussein Shah"),
            ("Husain Shah", "Hussain Shah"),
            ("Abdul Rehman", "Abdur Rahman"),
            ("Abdul Rehman", "عبدالرحمان"),
            ("Inam ul Haq", "Inam-ul-Haq"),
            ("Zia ud Din", "Zia-ud-Din"),
            ("Saifullah", "Saif Ullah"),
            ("Sa'ad Khan", "Saad Khan"),
        ],
    )
    def test_variants_are_canonical(self, a: str, b: str) -> None:
        """Frequent variant spellings and spacings normalise to the same tokens."""
        assert parse_name(a).key == parse_name(b).key

    def test_titles_are_kept_apart(self) -> None:
        """Honorifics are recorded as titles and are not name tokens."""
        parsed = parse_name(
            "Ch. Syed Hafiz Haji Malik Rana Mian Sardar Dr. Tariq Mehmood"
        )
        assert parsed.tokens == ("tariq", "mehmood")
        assert set(parsed.titles) == {
            "chaudhry",
            "syed",
            "hafiz",
            "haji",
            "malik",
            "rana",
            "mian",
            "sardar",
            "doctor",
        }

    @pytest.mark.parametrize(
        ("text", "relation"),
        [
            ("Muhammad Ali s/o Ghulam Rasool", "s/o"),
            ("Fatima Bibi d/o Ghulam Rasool", "d/o"),
            ("Parveen w/o Ghulam Rasool", "w/o"),
            ("Ali son of Ghulam Rasool", "sonof"),
            ("Ali bin Ghulam Rasool", "bin"),
            ("Ali walad Ghulam Rasool", "walad"),
        ],
    )
    def test_relative_is_parsed_from_the_name(self, text: str, relation: str) -> None:
        """The father's or husband's name after a relation marker is split off."""
        parsed = parse_name(text)
        assert parsed.relative == ("ghulam", "rasool")
        assert parsed.relation == relation
        assert "rasool" not in parsed.tokens

    def test_relative_from_free_text_notes(self) -> None:
        """A 'son of' sentence in the notes gives the father's name."""
        notes = "Ghulam Abbas, son of Mohd. Sharif, aged 63, was presented in court."
        assert relative_from_notes(notes) == ("muhammad", "sharif")

    def test_urdu_letters_fall_back_to_the_skeleton(self) -> None:
        """An Urdu name missing from the word table still meets its Latin spelling's skeleton."""
        latin = to_latin("شکیل").split()
        assert [skeleton(t) for t in latin] == [skeleton("shakeel")]


class TestOtherFields:
    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            (("24",), (24, 24)),
            (("about 40",), (37, 43)),
            (("20-25",), (20, 25)),
            ((None, 30, 35), (30, 35)),
            (("unknown",), (None, None)),
            (("20s",), (20, 29)),
            (("in his 40's",), (40, 49)),
        ],
    )
    def test_ages_become_ranges(
        self, args: tuple[object, ...], expected: tuple[int | None, int | None]
    ) -> None:
        """Exact, approximate and ranged ages become closed intervals."""
        age = parse_age(*args)
        assert (age.low, age.high) == expected

    def test_cnic_digits(self) -> None:
        """A CNIC is compared on its digits; short strings are not ids."""
        assert canonical_cnic("37405-1234567-1") == "3740512345671"
        assert canonical_cnic("12-3") is None

    @pytest.mark.parametrize(
        ("raw", "status"),
        [
            ("Shaheed", "killed"),
            ("Expired", "killed"),
            ("Giraftar", "detained"),
            ("لاپتہ", "missing"),
            ("Zakhmi", "injured"),
        ],
    )
    def test_status_words(self, raw: str, status: str) -> None:
        """Status words of several languages map to the four statuses."""
        assert canonical_status(raw) == status

    @pytest.mark.parametrize("raw", ["see remarks", "unknown", "?"])
    def test_unrecognised_status_is_missing(self, raw: str) -> None:
        """A status word gawah does not know is missing, not a disagreement."""
        assert canonical_status(raw) is None

    def test_sex(self) -> None:
        """Sex spellings map to m/f and unknowns to None."""
        assert [canonical_sex(x) for x in ("Male", "F", "?")] == ["m", "f", None]

    def test_record_uses_notes_when_columns_are_empty(self) -> None:
        """Father and age come from the notes when the columns are empty."""
        rec = normalise_record(
            {"full_name": "Ali", "notes": "Ali, son of Noor M., aged 33, was arrested"}
        )
        assert rec["father_key"] == "muhammad noor"
        assert (rec["age_lo"], rec["age_hi"]) == (33, 33)
