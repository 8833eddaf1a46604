"""Pakistani lists: what split one person into several (issue 11). FICTIONAL names only.

Each test is one way two reports of one person were kept apart on the
generated Pakistani lists: "Muhammad" written by one list and not another, a
bare given name, a surname written first, a typing slip, a status that
changes between lists, ages as words, the father and age only in Urdu notes,
a mistyped title, a lone given name with a slip that no blocking rule reached.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from splink.internals.comparison_creator import ComparisonCreator

from gawah.linkage.blocking import _RULES
from gawah.linkage.compare import (
    DATED_AGE,
    AgeRangeComparison,
    SouthAsianNameComparison,
    StatusComparison,
    derived_columns_sql,
)
from gawah.linkage.normalise import (
    age_from_notes,
    normalise_frame,
    parse_age,
    parse_name,
    relative_from_notes,
    skeleton,
)


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    reports = pd.DataFrame(rows)
    reports["record_id"] = [str(i) for i in range(len(reports))]
    if "list" not in reports:
        reports["list"] = [f"list-{i}" for i in range(len(reports))]
    return normalise_frame(reports.fillna(""))


def _level(comparison: ComparisonCreator, frame: pd.DataFrame, a: int, b: int) -> str:
    """The label of the first level of ``comparison`` that the pair (a, b) reaches."""
    pair = pd.DataFrame(
        {
            **{f"{c}_l": [frame.iloc[a][c]] for c in frame.columns},
            **{f"{c}_r": [frame.iloc[b][c]] for c in frame.columns},
        }
    )
    con = duckdb.connect()
    con.register("raw_pair", pair)
    # The columns the model table derives once per report (token-set text and
    # signature, chain parts, letter masks, day numbers), for both sides.
    derived = ", ".join(derived_columns_sql("_l") + derived_columns_sql("_r"))
    con.execute(f"CREATE TABLE pair AS SELECT *, {derived} FROM raw_pair")
    for level in comparison.get_comparison("duckdb").comparison_levels:
        condition = level.sql_condition
        if (
            condition == "ELSE"
            or con.execute(f"SELECT ({condition}) FROM pair").fetchone()[0]
        ):  # type: ignore[index]
            return str(level.label_for_charts)
    raise AssertionError("no level held")


class TestNameLevels:
    def test_muhammad_dropped_is_its_own_level(self) -> None:
        """ "Muhammad Tariq Awan" and "Tariq Awan" agree on every other part."""
        frame = _frame(
            [{"full_name": "Muhammad Tariq Awan"}, {"full_name": "Tariq Awan"}]
        )
        assert (
            _level(SouthAsianNameComparison(), frame, 0, 1)
            == "same name but for Muhammad"
        )

    def test_a_bare_given_name_is_a_weaker_level(self) -> None:
        """ "Tariq" against "Tariq Awan": the press knows only the given name."""
        frame = _frame([{"full_name": "Tariq"}, {"full_name": "Mohd Tariq Awan"}])
        assert (
            _level(SouthAsianNameComparison(), frame, 0, 1)
            == "only the given name written"
        )

    def test_two_parts_shared_is_not_a_bare_name(self) -> None:
        frame = _frame(
            [{"full_name": "Tariq Zaman"}, {"full_name": "Tariq Zaman Butt"}]
        )
        assert (
            _level(SouthAsianNameComparison(), frame, 0, 1)
            == "same given name, a part added or dropped"
        )

    def test_surname_first_with_muhammad_is_another_order(self) -> None:
        """A given/family split done wrongly: family "Awan", given "Mohd Tariq"."""
        frame = _frame(
            [
                {"given_name": "Awan", "family_name": "Mohd Tariq"},
                {"full_name": "Tariq Awan"},
            ]
        )
        assert (
            _level(SouthAsianNameComparison(), frame, 0, 1)
            == "same words in another order"
        )

    def test_a_typing_slip(self) -> None:
        """ "Aslam Awan" keyed as "Asam Awan": the skeletons differ, the names by one letter."""
        frame = _frame([{"full_name": "Aslam Awan"}, {"full_name": "Asam Awan"}])
        assert skeleton("aslam") != skeleton("asam")
        assert _level(SouthAsianNameComparison(), frame, 0, 1) == "one typing slip"

    def test_brothers_are_not_one_typing_slip(self) -> None:
        """Two different given names of one family stay far apart."""
        frame = _frame([{"full_name": "Imran Awan"}, {"full_name": "Irfan Awan"}])
        assert _level(SouthAsianNameComparison(), frame, 0, 1) not in (
            "one typing slip",
            "same name but for Muhammad",
        )

    def test_one_arabic_letter_is_not_a_slip(self) -> None:
        """محمد and احمد differ by one letter and are two brothers' names."""
        frame = _frame(
            [{"name_native": "محمد سالم نصار"}, {"name_native": "احمد سالم نصار"}]
        )
        assert _level(SouthAsianNameComparison(), frame, 0, 1) != "one typing slip"

    def test_muhammad_as_a_chain_own_name_is_not_dropped(self) -> None:
        """In a list of four-part chains "Muhammad" is the own name: "Muhammad
        Salim Tarek Nassar" (the son) is not "Salim Tarek Nassar" (his father)."""
        chains = [
            "Muhammad Salim Tarek Nassar",
            "Salim Tarek Nabil Nassar",
            "Karim Omar Fawzi Haddad",
            "Yusuf Karim Omar Haddad",
        ]
        frame = _frame(
            [{"full_name": n, "list": "register"} for n in chains]
            + [{"full_name": "Salim Tarek Nassar", "list": "register"}]
        )
        level = _level(SouthAsianNameComparison(), frame, 0, 4)
        assert level not in (
            "same name but for Muhammad",
            "same words in another order",
        )


class TestStatusLevels:
    @pytest.mark.parametrize(
        ("a", "b", "label"),
        [
            ("detained", "lapata", "a status that changes between lists"),
            ("injured", "shaheed", "a status that changes between lists"),
            ("detained", "killed", "All other comparisons"),
        ],
    )
    def test_status_changes_between_lists(self, a: str, b: str, label: str) -> None:
        """Families write the detained as missing; the injured die later."""
        frame = _frame(
            [{"full_name": "Ali", "status": a}, {"full_name": "Ali", "status": b}]
        )
        assert _level(StatusComparison(), frame, 0, 1) == label


class TestAgesAndNotes:
    @pytest.mark.parametrize(
        ("text", "low", "high"),
        [
            ("teenager", 13, 19),
            ("teen", 13, 19),
            ("young boy", 6, 19),
            ("30?", 27, 33),
            ("~30", 27, 33),
            ("canteen worker", None, None),
        ],
    )
    def test_ages_as_words_and_guesses(
        self, text: str, low: int | None, high: int | None
    ) -> None:
        age = parse_age(text)
        assert (age.low, age.high) == (low, high)

    def test_father_and_age_from_urdu_notes(self) -> None:
        """ "ولد طارق، عمر تقریباً 43 سال": son of Tariq, aged about 43 (also on an Arabic keyboard)."""
        for notes in (
            "ولد طارق، عمر تقریباً 43 سال، کو عدالت میں پیش کیا گیا",
            "ولد طارق، عمر تقريباً 43 سال، كو عدالت ميں پيش كيا گيا",
        ):
            assert relative_from_notes(notes) == ("tariq",)
            age = parse_age(age_from_notes(notes))
            assert (age.low, age.high) == (40, 46)

    def test_daughter_of_in_urdu_notes_and_names(self) -> None:
        assert relative_from_notes("دختر عرفان، عمر تقریباً 38 سال") == ("irfan",)
        parsed = parse_name("زینب دختر عرفان")
        assert parsed.tokens == ("zainab",)
        assert parsed.relative == ("irfan",)

    def test_english_notes_still_read(self) -> None:
        notes = "Resident, son of Sher Khan, aged about 63, was presented in court"
        assert relative_from_notes(notes) == ("sher", "khan")
        assert age_from_notes(notes) == "about 63"
        assert age_from_notes("aged 63") == "63"


class TestTitles:
    @pytest.mark.parametrize(
        ("name", "title", "tokens"),
        [
            ("Hjai Waseem Awan", "haji", ("waseem", "awan")),
            ("Seyd Aslam", "syed", ("aslam",)),
            ("Raja Jamil", "raja", ("jamil",)),
        ],
    )
    def test_a_mistyped_title_is_a_title(
        self, name: str, title: str, tokens: tuple[str, ...]
    ) -> None:
        parsed = parse_name(name)
        assert parsed.titles == (title,)
        assert parsed.tokens == tokens

    def test_a_word_near_a_title_and_a_name_stays_a_name(self) -> None:
        """ "Syeed" is one slip from Syed and from Saeed: kept as a name."""
        assert parse_name("Syeed Tariq").titles == ()

    def test_a_lone_word_is_not_read_as_a_title(self) -> None:
        assert parse_name("Hjai").tokens == ("hjai",)


def test_suhail_in_urdu_meets_the_latin() -> None:
    """سہیل letter by letter is "shyl", whose "sh" the skeleton read as one letter."""
    for urdu in ("سہیل", "سهيل"):
        assert [skeleton(p) for p in parse_name(urdu).parts] == [
            skeleton(p) for p in parse_name("Sohail").parts
        ]


def test_a_slip_in_a_lone_given_name_is_still_compared() -> None:
    """ "Thair" (one list) and "Tahir Baloch" (another), one district, one day:
    no name key is shared, the first letter, district and day are."""
    frame = _frame(
        [
            {"full_name": "Thair", "district": "Quetta", "date": "2031-05-16"},
            {"full_name": "Tahir Baloch", "district": "Quetta", "date": "2031-05-16"},
        ]
    )

    def admits(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
        values_a = [frame.iloc[0][c] for c in left]
        values_b = [frame.iloc[1][c] for c in right]
        return all(pd.notna(v) for v in values_a) and values_a == values_b

    admitting = [rule for (rule, _) in _RULES if admits(*rule) or admits(*rule[::-1])]
    assert admitting == [(("name_init", "district", "date"),) * 2]


def test_a_chain_with_a_slip_in_the_given_name_meets_by_birth_and_family() -> None:
    """Two releases of one Arab list (FICTIONAL): the given name mistyped, the
    father's name garbled in one of them, the date of birth and the family
    name intact. No name key is shared; the date of birth and the family
    name (the chain's last part) are."""
    frame = _frame(
        [
            {"full_name": "Salma Fadel Younes Ashour", "dob": "2007-05-30"},
            {"full_name": "Sana Fawzi Younis Ashour", "dob": "2007-05-30"},
        ]
    )

    def admits(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
        values_a = [frame.iloc[0][c] for c in left]
        values_b = [frame.iloc[1][c] for c in right]
        return all(pd.notna(v) for v in values_a) and values_a == values_b

    admitting = [rule for (rule, _) in _RULES if admits(*rule) or admits(*rule[::-1])]
    assert admitting == [(("dob", "name_last"),) * 2]


class TestAgeLevels:
    """Ages beside dates of birth and ages alone are separate levels (issue 11)."""

    def test_ages_of_two_dated_reports_have_their_own_levels(self) -> None:
        """FICTIONAL: the same two ages, with and without both dates of birth."""
        frame = _frame(
            [
                {"full_name": "Sami Odeh", "age": "20", "dob": "1990-02-03"},
                {"full_name": "Sami Odeh", "age": "56", "dob": "1968-02-03"},
                {"full_name": "Sami Odeh", "age": "56"},
                {"full_name": "Sami Odeh", "age": "21", "dob": "1990-02-03"},
            ]
        )
        age = AgeRangeComparison()
        assert _level(age, frame, 0, 1) == f"{DATED_AGE}further apart"
        assert _level(age, frame, 0, 2) not in {
            f"{DATED_AGE}further apart",
            "age missing",
        }
        assert not _level(age, frame, 0, 2).startswith(DATED_AGE)
        assert _level(age, frame, 0, 3).startswith(DATED_AGE)

    def test_the_two_sets_of_age_levels_are_made_monotone_apart(self) -> None:
        """An undated "else" weaker than a dated "within 10 years" is left alone.

        Closer agreement may not count against a pair more than farther
        agreement within one set; across the sets nothing is ordered.
        """
        from types import SimpleNamespace

        from gawah.linkage.classify import _raise_nearer

        def lv(m: float, u: float) -> SimpleNamespace:
            return SimpleNamespace(_m_probability=m, _u_probability=u)

        dated = [lv(0.8, 0.1), lv(0.01, 0.1), lv(0.02, 0.1)]  # near, mid, far
        undated = [lv(0.6, 0.1), lv(0.3, 0.1)]
        _raise_nearer(dated)
        _raise_nearer(undated)
        # The middle dated level is raised to the farther one's Bayes factor.
        assert dated[1]._m_probability == pytest.approx(0.02)
        assert dated[0]._m_probability == pytest.approx(0.8)
        # The undated levels stay as they were (already ordered).
        assert [x._m_probability for x in undated] == [0.6, 0.3]
