"""Compare: the Splink comparisons of a pair of normalised reports.

Each comparison is a :class:`splink.internals.comparison_creator.ComparisonCreator`
subclass whose levels run from missing, through exact, to the weakest
agreement, then "else". Splink estimates an m and u probability per level;
the match weight of a pair is the sum of the levels' log2 Bayes factors, so
every level here is also one line of the review explanation.
"""

from __future__ import annotations

from splink.internals import comparison_level_library as cll
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator


class SouthAsianNameComparison(ComparisonCreator):
    """A person's name, compared part by part in order.

    Levels, closest first (Splink takes the first that holds):

    1. the same name exactly (in its own script when both have one);
    2. the same consonant skeletons in the same order (spelling or script
       differs: محمد علی and Mohammad Ali; أحمد and احمد), or the same
       letters with a space typed elsewhere ("AamnaM ahsud");
    3. the same name once "Muhammad" is left out ("Muhammad Ali Khan",
       "Ali Khan"), the given names agreeing;
    4. the same given name, one name the other with parts added or dropped
       ("Bilal Ahmed" and "Bilal Ahmed Khan"; a grandfather left out);
    5. the same given name, one name being that given name alone ("Bilal"
       and "Bilal Ahmed"): a partial name, weak evidence;
    6. the same given and family names (the last part) and a close
       spelling of the whole;
    7. the same name in Latin letters but for one typing slip (a letter
       dropped, doubled, changed, or two swapped: "Aslam", "Asam");
    8. the same words in another order: a surname written first, or, in a
       patronymic chain, father and son ("Rabah Harabi Rabah Jradah" and
       "Harabi Rabah Harabi Jradah"): the data decide which is commoner;
    9. one name inside the other with different given names (a father
       and his son "Ali Saleh Hamdan" and "Muhammad Ali Saleh Hamdan");
    10. a close spelling of the whole with different given names;
    11. one shared token, the rarest of one of the names, given names not
        disagreeing;
    12. else.

    Token sets are one level among these, never the one that decides: the
    order (which part is the given name) separates relatives.
    """

    def __init__(self, prefix: str = "name") -> None:
        self.prefix = prefix
        super().__init__(f"{prefix}_seq")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        seq = self.col_expression
        skels = "name_skels"
        # One token set holds the other (both non-empty); written for speed
        # (one_holds_other), as Splink's list levels test both ways.
        contains = f"{skels}_n_l > 0 and {skels}_n_r > 0 and {one_holds_other(skels)}"
        # The same token set (SORTED_SETS).
        same_tokens = same_set(skels)
        first = "name_first_l = name_first_r"
        # One of the names is its given name alone (besides "Muhammad").
        bare = "name_core_l = name_first_l or name_core_r = name_first_r"
        return [
            cll.NullLevel(seq),
            cll.ExactMatchLevel("name_exact").configure(
                tf_adjustment_column="name_exact"
            ),
            # A rare name ("Abdul Rehman Qureshi") counts more than a common
            # one ("Muhammad Ali"): term frequencies of the written name.
            cll.CustomLevel(
                "name_seq_l = name_seq_r or name_flat_l = name_flat_r",
                "same name, spelled or spaced differently",
            ).configure(tf_adjustment_column="name_exact"),
            # "Muhammad" written by one list and dropped by another, all else
            # equal: as strong as the same name (a quarter of Pakistani rows
            # drop it). Not for a chain's own name "Muhammad": there the
            # given names (the chain's first parts) differ.
            cll.CustomLevel(
                f"name_core_l = name_core_r and {first}", "same name but for Muhammad"
            ).configure(tf_adjustment_column="name_exact"),
            # The cheap test of a bare name before the token sets'.
            cll.CustomLevel(
                f"{first} and not ({bare}) and {contains}",
                "same given name, a part added or dropped",
            ),
            # "Bilal" against "Bilal Ahmed Khan": a partial name (the press
            # often knows only the given name) shares the commonest part of a
            # name; much weaker than two parts agreeing.
            # A common given name ("Ali") counts less than a rare one; at half
            # strength, as a bare name's frequency is that of the names
            # written alone, not of the given name. Its starting m is its
            # parent level's: lists of bare names often carry no father, and
            # EM, which estimates the name among pairs with one father, then
            # leaves it at that value (on the demo, at 0.03, F1 fell to 0.949).
            # Splink takes a level only for pairs no earlier level took: here
            # "{first} and {contains}" holds exactly when the name is bare (or
            # that is unknown, NULL), as "not bare" failed the level above.
            # Testing that first keeps the token sets of the many pairs that
            # share only a given name from being compared twice.
            cll.CustomLevel(
                f"{first} and coalesce({bare}, true) and {contains}", BARE_GIVEN_NAME
            ).configure(tf_adjustment_column="name_exact", tf_adjustment_weight=0.5),
            cll.CustomLevel(
                f"{first} and coalesce(name_last_l = name_last_r, true) and "
                f"{jaro_winkler_possible('name_seq', 0.9)} and "
                "jaro_winkler_similarity(name_seq_l, name_seq_r) >= 0.9",
                SAME_GIVEN_AND_FAMILY,
            ),
            # A clerk's slip in the given name ("Aslam", "Asam"; "Kamran Shah",
            # "Kaman Shah"): the skeletons differ, the written names by one
            # letter dropped, doubled, changed or two swapped. Latin letters
            # only: in Arabic script one letter tells brothers apart (محمد and
            # احمد, سامي and رامي); on the Gaza releases this level in both
            # scripts cost 0.005 of F1.
            # Integer tests first (lengths and letter sets derived once per
            # report: one_slip_possible), then the proven prefix or suffix
            # test, then the edit distance, for the few pairs left.
            cll.CustomLevel(
                "name_exact_len_l >= 4 and name_exact_l not like 'n:%' and "
                f"{one_slip_possible('name_exact')} and {_ONE_EDIT_POSSIBLE} and "
                "damerau_levenshtein(name_exact_l, name_exact_r) <= 1",
                TYPING_SLIP,
            ),
            # Also with "Muhammad" in one only: a surname written first
            # ("Khan / Muhammad Javed") against the name in order ("Javed Khan").
            # Not when the two agree in order but for "Muhammad" and their
            # given names differ: then one list is of patronymic chains, whose
            # own name "Muhammad" was left out of the core ("Muhammad Salim
            # Tarek Nassar" the son, "Salim Tarek Nassar" his father).
            cll.CustomLevel(
                f"({same_tokens}) or (name_core_set_l = name_core_set_r and not "
                f"coalesce(name_core_l = name_core_r and not ({first}), false))",
                ANOTHER_ORDER,
            ),
            cll.CustomLevel(contains, "one name inside the other, given names differ"),
            # Splink's JaroWinklerLevel(seq, 0.9), the cheap bound first.
            cll.CustomLevel(
                f"{jaro_winkler_possible('name_seq', 0.9)} and "
                "jaro_winkler_similarity(name_seq_l, name_seq_r) >= 0.9",
                "close spelling, given names differ",
            ),
            # Sharing only "Muhammad" says nothing: the shared token must be
            # the rarest of one of the two names.
            # Siblings share a family name and often a rare one: the shared
            # rarest token counts only when the given names do not disagree.
            cll.CustomLevel(
                f"({first} or least(name_parts_l, name_parts_r) = 1) and "
                f"(({holds_token(skels, 'r', 'rare1')}) or "
                f"({holds_token(skels, 'l', 'rare1')}))",
                "rarest token shared",
            ),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return self.prefix


# Cheap tests that hold whenever two names of 4 or more letters are at most
# one edit apart (a letter dropped, added, changed, or two neighbours
# swapped): lengths within one, and the first or the last k letters equal,
# k = (n - 1) // 2 for the shorter length n (at least 1). Why: one edit
# leaves a common prefix p and suffix s with p + s >= n - 2 (a change:
# n - 1; two swapped: n - 2; a letter added or dropped: n), so the longer of
# the two is at least ceil((n - 2) / 2) = k. DuckDB counts characters alike
# in length, left, right and damerau_levenshtein (code points). These tests
# come first so that DuckDB computes the edit distance only for the few
# blocked pairs that pass them: it costs some 3 microseconds a pair, on every
# pair the model's costliest expression. The level holds for exactly the same
# pairs (tests/linkage/test_linkage_compare_levels.py; with the first or last
# letter only, k = 1, a quarter of the blocked pairs of the 100,000-report
# benchmark passed, most of them names sharing a first letter).
# (For a shorter length of 0 to 2, k is 0 or less and the test always holds.)
def one_edit_possible(column: str) -> str:
    """SQL: a test every pair of ``column`` values at most one edit apart passes."""
    a, b = f"{column}_l", f"{column}_r"
    k = f"(least(length({a}), length({b})) - 1) // 2"
    return (
        f"abs(length({a}) - length({b})) <= 1 and "
        f"(left({a}, {k}) = left({b}, {k}) or right({a}, {k}) = right({b}, {k}))"
    )


_ONE_EDIT_POSSIBLE = one_edit_possible("name_exact")

# A cheaper test of the same kind, on two integers per report the model table
# derives (:func:`letters_sql`): the length and a 64-bit mask of the letters
# (bit ``ord(letter) % 63``). One edit adds at most one letter to a name's
# set of letters and takes at most one away (a change: one each; a letter
# dropped or added: one; two swapped: none), so the masks of two names one
# edit apart differ in at most two bits (letters sharing a bit only make the
# difference smaller). Most blocked pairs are names with several letters of
# their own: at 100,000 reports the prefix and suffix test, on every pair
# that reached this level, was the name comparison's costliest part.
_SLIP_COLUMNS = ("name_exact",)


def _letter_mask_sql(value: str) -> str:
    """SQL: the OR of the bits of ``value``'s letters (0 for an empty or NULL value)."""
    bits = f"list_transform(string_split({value}, ''), lambda c: {_bit_sql('ord(c)')})"
    return f"coalesce(list_aggregate({bits}, 'bit_or'), 0)"


def letters_sql(side: str = "") -> list[str]:
    """SQL select items: each slip-tested column's length and letter mask."""
    items: list[str] = []
    for column in _SLIP_COLUMNS:
        value = f"{column}{side}"
        items += [
            f"length({value}) as {column}_len{side}",
            f"{_letter_mask_sql(value)} as {column}_chars{side}",
        ]
    return items


# Jaro-Winkler levels on every pair an earlier level did not take (the
# father's name at 0.88, the name's skeletons at 0.9) were the father
# comparison's costliest part. A bound computed from two integers per report
# decides most pairs without the function: with ``m`` the characters the two
# strings have in common in Jaro's sense, Jaro similarity is at most
# (m/|a| + m/|b| + 1) / 3, and Jaro-Winkler adds at most 4 x 0.1 of what
# is left (JW <= 0.6 J + 0.4). Every occurrence of a letter that the other
# string lacks is unmatched, so m <= |a| minus the number of a's letters
# missing from b's mask (at least one occurrence each; letters sharing a bit
# only make the count smaller), and the same for b. Lengths are in bytes,
# as DuckDB's function counts them, for ASCII strings only (the compared
# columns are romanised skeletons and names); for any other string the
# length is NULL and the bound lets the pair through.
_JARO_COLUMNS = ("name_seq", "father_key")


def jaro_letters_sql(side: str = "") -> list[str]:
    """SQL select items: each Jaro-Winkler column's ASCII length and letter mask."""
    items: list[str] = []
    for column in _JARO_COLUMNS:
        value = f"{column}{side}"
        items += [
            f"case when strlen({value}) = length({value}) then strlen({value}) end "
            f"as {column}_ascii_len{side}",
            f"{_letter_mask_sql(value)} as {column}_chars{side}",
        ]
    return items


def jaro_winkler_possible(column: str, threshold: float) -> str:
    """SQL: a test every pair of ``column`` values with Jaro-Winkler >= ``threshold`` passes."""
    if column not in _JARO_COLUMNS:
        raise ValueError(f"{column} has no letter mask")
    a, b = f"{column}_chars_l", f"{column}_chars_r"
    la, lb = f"{column}_ascii_len_l", f"{column}_ascii_len_r"
    m = f"least({la} - bit_count({a} & ~{b}), {lb} - bit_count({b} & ~{a}))"
    # 0.6 (m/la + m/lb + 1) / 3 + 0.4 >= threshold, with room for rounding.
    need = (threshold - 0.4) / 0.6 * 3 - 1 - 1e-9
    return (
        f"coalesce({la} = 0 or {lb} = 0 or {m} / {la} + {m} / {lb} >= {need!r}, true)"
    )


def one_slip_possible(column: str) -> str:
    """SQL: lengths within one and letter masks at most two bits apart (see :func:`letters_sql`)."""
    if column not in _SLIP_COLUMNS:
        raise ValueError(f"{column} has no letter mask")
    a, b = f"{column}_chars_l", f"{column}_chars_r"
    return (
        f"abs({column}_len_l - {column}_len_r) <= 1 and "
        f"bit_count(({a} | {b}) & ~({a} & {b})) <= 2"
    )


# The list columns (name_skels, father_skels) hold sorted sets: each token
# once, in order, no NULL element, no empty token and no space in a token
# (gawah.linkage.normalise builds them with ``sorted(set(...))`` of consonant
# skeletons). The levels do not read the lists themselves: reading a list
# column for both sides of every blocked pair cost about a second per column
# at 7.9 million pairs (the pairs' join copies every list), some twenty times
# a text column. They read, per list, three columns the model table derives
# from it once per report (:func:`token_set_columns_sql`):
#
# * ``<list>_text``: the tokens with a space before and after each (" a b "),
#   a text: two sorted sets are equal exactly when their texts are, and a set
#   holds a token exactly when its text holds the token between spaces;
# * ``<list>_n``: how many tokens;
# * ``<list>_sig``: a 64-bit signature, one bit per token (bit ``hash(token)
#   % 63``; 63 so that the value stays a positive BIGINT, which Spark has).
#   A set holds another only if its signature holds the other's bits, so
#   ``(sig_b & ~sig_a) <> 0`` rejects, with integer arithmetic, nearly every
#   pair of which neither holds the other; the few left are tested exactly
#   on the tokens split from the text.
#
# ``rare1_sig`` is the signature bit of the rarest token (``rare1``) and
# ``rare1_word`` the token between spaces, for "the rarest token shared". The same pairs get the same levels as with the
# lists (tests/linkage/test_linkage_token_sets.py; on every blocked pair of
# the benchmarks, benchmarks/linkage_same_levels.py).
SORTED_SETS = frozenset({"name_skels", "father_skels"})


def _bit_sql(number: str) -> str:
    """SQL: one of 63 bits of a BIGINT, chosen by ``number`` (63: the value stays positive)."""
    return f"(1::BIGINT << ({number} % 63)::INTEGER)"


def _signature_sql(token: str) -> str:
    return _bit_sql(f"hash({token})")


def token_set_columns_sql(side: str = "") -> list[str]:
    """SQL select items deriving each :data:`SORTED_SETS` column's text, size and signature.

    ``side`` is a suffix of the column names read and written (``"_l"`` for
    a table of pairs; empty for the model table of reports).
    """
    items: list[str] = []
    for column in sorted(SORTED_SETS):
        lst = f"{column}{side}"
        bits = f"list_transform({lst}, lambda token: {_signature_sql('token')})"
        items += [
            f"' ' || array_to_string({lst}, ' ') || ' ' as {column}_text{side}",
            f"len({lst}) as {column}_n{side}",
            f"coalesce(list_aggregate({bits}, 'bit_or'), 0) as {column}_sig{side}",
        ]
    items += [
        f"{_signature_sql(f'rare1{side}')} as rare1_sig{side}",
        f"' ' || rare1{side} || ' ' as rare1_word{side}",
    ]
    return items


def date_day_sql(side: str = "") -> str:
    """SQL select item: the incident date as a day number (``date_day``), NULL when unknown."""
    return f"cast(date{side} as date) - DATE '1970-01-01' as date_day{side}"


def derived_columns_sql(side: str = "") -> list[str]:
    """SQL select items: every column the comparisons read that the model table derives.

    Computed once per report (``classify.create_model_table``), not for both
    sides of every pair: the token sets' text, size and signature
    (:func:`token_set_columns_sql`), the written name's length and letters
    (:func:`letters_sql`), the letters of the columns compared by
    Jaro-Winkler (:func:`jaro_letters_sql`), a chain's parts (:func:`chain_parts_sql`), the
    incident date's day number (:func:`date_day_sql`).
    """
    return [
        *token_set_columns_sql(side),
        *letters_sql(side),
        *jaro_letters_sql(side),
        *chain_parts_sql(side),
        date_day_sql(side),
    ]


def same_set(column: str) -> str:
    """SQL: the two sides' :data:`SORTED_SETS` ``column`` hold the same tokens."""
    if column not in SORTED_SETS:
        raise ValueError(f"{column} is not a sorted set column")
    return f"{column}_text_l = {column}_text_r"


def _holds(column: str, whole: str, part: str) -> str:
    """SQL: set ``whole`` (a side, ``l`` or ``r``) holds every token of set ``part``, known longer."""
    text, n, sig = f"{column}_text", f"{column}_n", f"{column}_sig"
    return (
        f"{n}_{whole} > {n}_{part} and ({sig}_{part} & ~{sig}_{whole}) = 0 and "
        f"({n}_{part} = 0 or list_has_all(string_split({text}_{whole}, ' '), "
        f"string_split({text}_{part}, ' ')))"
    )


def one_holds_other(column: str) -> str:
    """SQL: one side's :data:`SORTED_SETS` ``column`` holds every element of the other.

    The same pairs as Splink's two-way test ``list_has_all(a_l, a_r) or
    list_has_all(a_r, a_l)`` on the lists, written for speed: equal sets
    first (equal texts), then only the longer set searched for the
    shorter's tokens, and only when its signature holds theirs (an integer
    test that rejects nearly every other pair before any list is made).
    """
    return (
        f"({same_set(column)} or ({_holds(column, 'l', 'r')}) "
        f"or ({_holds(column, 'r', 'l')}))"
    )


def holds_token(column: str, side: str, token: str) -> str:
    """SQL: side ``side``'s :data:`SORTED_SETS` ``column`` holds the other side's ``token`` column.

    Only ``rare1`` has a signature bit and a word (``rare1_sig``,
    ``rare1_word``); NULL when the token is. The text is searched for the
    token between spaces: no list is made.
    """
    other = "r" if side == "l" else "l"
    return (
        f"({column}_sig_{side} & {token}_sig_{other}) <> 0 and "
        f"strpos({column}_text_{side}, {token}_word_{other}) > 0"
    )


BARE_GIVEN_NAME = "only the given name written"
TYPING_SLIP = "one typing slip"
# Name levels that stand outside the order of closeness: weaker evidence than
# some levels after them ("Bilal" against "Bilal Ahmed" says less than "Bilal
# Ahmed Khan" against "Bilal Ahmad Khan"), placed early only so that Splink
# takes them first. The monotone constraint (classify._monotone) neither
# raises them to a farther level's Bayes factor nor raises a nearer level to
# theirs. Raised, on the older generator (generate_linked_lists, tuning seed
# 2), "only the given name written" went from m 0.1 to 1.0 (+3.8 to +7.1
# bits, the Bayes factor of "same given and family name", which random pairs
# almost never reach): namesakes with a common father's name merged.
SAME_GIVEN_AND_FAMILY = "same given and family name, close spelling"
ANOTHER_ORDER = "same words in another order"
UNORDERED_LEVELS = frozenset(
    {BARE_GIVEN_NAME, TYPING_SLIP, SAME_GIVEN_AND_FAMILY, ANOTHER_ORDER}
)


class FatherNameComparison(SouthAsianNameComparison):
    """The father's or husband's name: exact, transliteration-equal, subset, fuzzy, else."""

    def __init__(self) -> None:
        ComparisonCreator.__init__(self, "father_key")
        self.prefix = "father"

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        key = self.col_expression
        return [
            cll.NullLevel(key),
            cll.ExactMatchLevel(key),
            cll.CustomLevel("father_skel_l = father_skel_r", "transliteration-equal"),
            cll.CustomLevel(one_holds_other("father_skels"), "token subset"),
            # Splink's JaroWinklerLevel(key, 0.88), the cheap bound first.
            cll.CustomLevel(
                f"{jaro_winkler_possible('father_key', 0.88)} and "
                "jaro_winkler_similarity(father_key_l, father_key_r) >= 0.88",
                "Jaro-Winkler distance of father_key >= 0.88",
            ),
            cll.ElseLevel(),
        ]


class AgeRangeComparison(ComparisonCreator):
    """Ages as ranges: overlapping, within 2, 5 or 10 years, else; twice.

    The gap between two ranges is ``max(lows) - min(highs)``; it is <= 0 when
    they overlap ("24" and "20-25").

    The levels come twice: first for pairs whose dates of birth are both
    written, then for pairs where one is missing. An age beside a date of
    birth is usually worked out from it, so a wrong age comes with a wrong
    date; an age written without one is often a relative's estimate, and one
    person's two ages then disagree far more often (on the tuning half of the
    Gaza releases, true pairs more than ten years apart: 0.4 % with both
    dates, 3.5 % without one). One set of levels had to fit both, so an
    estimated age counted as strongly against a pair as a dated one. Lists
    without dates of birth use the second set only, as before.
    """

    def __init__(self) -> None:
        super().__init__({"lo": "age_lo", "hi": "age_hi", "d": "dob"})

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        gap = "greatest(age_lo_l, age_lo_r) - least(age_hi_l, age_hi_r)"
        dated = "dob_l is not null and dob_r is not null"
        steps = [
            (f"{gap} <= 0", "ranges overlap"),
            (f"{gap} <= 2", "within 2 years"),
            (f"{gap} <= 5", "within 5 years"),
            (f"{gap} <= 10", "within 10 years"),
        ]
        return [
            cll.CustomLevel(
                "age_lo_l is null or age_lo_r is null", "age missing"
            ).configure(is_null_level=True),
            *(
                cll.CustomLevel(f"{dated} and {sql}", f"{DATED_AGE}{label}")
                for sql, label in steps
            ),
            cll.CustomLevel(dated, f"{DATED_AGE}further apart"),
            *(cll.CustomLevel(sql, label) for sql, label in steps),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "age"


# The label prefix of the age levels of pairs whose dates of birth are both
# written: their own run from nearest to farthest (classify._monotone).
DATED_AGE = "dates of birth written, ages "


class PlaceComparison(ComparisonCreator):
    """Where: same village, same union council, same tehsil, same district, else."""

    def __init__(self) -> None:
        super().__init__(
            {"d": "district", "t": "tehsil", "u": "union_council", "v": "village"}
        )

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        same_district = (
            "(district_l = district_r or district_l is null or district_r is null)"
        )
        return [
            cll.CustomLevel(
                "(district_l is null or district_r is null) and "
                "(village_l is null or village_r is null)",
                "place missing",
            ).configure(is_null_level=True),
            cll.CustomLevel(
                f"village_l = village_r and {same_district}", "same village"
            ),
            cll.CustomLevel(
                f"union_council_l = union_council_r and {same_district}",
                "same union council",
            ),
            cll.CustomLevel(f"tehsil_l = tehsil_r and {same_district}", "same tehsil"),
            # A crackdown's city can hold half the reports: agreeing on it is
            # weaker evidence than agreeing on a district few reports name.
            # Half-strength term frequencies (docs/validation/linkage.md,
            # "District frequency"): in full, F1 fell on the demo (0.960 to
            # 0.944) while rising on a spread population (0.893 to 0.945).
            cll.CustomLevel("district_l = district_r", "same district").configure(
                tf_adjustment_column="district", tf_adjustment_weight=0.5
            ),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "place"


class IncidentDateComparison(ComparisonCreator):
    """The incident date: same day, within 3 days, within 30 days, else."""

    def __init__(self) -> None:
        super().__init__("date")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        # Day numbers derived once per report (:func:`derived_columns_sql`):
        # the same differences as date_diff('day', cast(date_l as date), ...),
        # without casting both sides' text for every pair.
        diff = "abs(date_day_l - date_day_r)"
        return [
            cll.NullLevel(self.col_expression),
            cll.ExactMatchLevel(self.col_expression),
            cll.CustomLevel(f"{diff} <= 3", "within 3 days"),
            cll.CustomLevel(f"{diff} <= 30", "within 30 days"),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "date"


class ExactFieldComparison(ComparisonCreator):
    """A categorical field (status, sex, CNIC): missing, equal, different."""

    def __init__(self, column: str) -> None:
        super().__init__(column)

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        return [
            cll.NullLevel(self.col_expression),
            cll.ExactMatchLevel(self.col_expression),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return self.col_expression.output_column_name


class StatusComparison(ExactFieldComparison):
    """The status, whose agreement counts more for a rarer status.

    Agreeing on "killed" (a few percent of reports) is stronger evidence than
    agreeing on "injured" or "detained": the exact level carries a term
    frequency adjustment, so two reports that both say killed, in one
    district on one day, are more likely one person. A change lists commonly
    make (:data:`STATUS_CHANGES`) is a level of its own, between agreement
    and disagreement.
    """

    def __init__(self) -> None:
        super().__init__("status")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        pairs = " or ".join(
            f"(status_l in ('{a}', '{b}') and status_r in ('{a}', '{b}'))"
            for a, b in STATUS_CHANGES
        )
        return [
            cll.NullLevel(self.col_expression),
            cll.ExactMatchLevel(self.col_expression).configure(
                tf_adjustment_column="status"
            ),
            cll.CustomLevel(pairs, "a status that changes between lists"),
            cll.ElseLevel(),
        ]


# Statuses one person's reports often disagree on: a family writes a detained
# person as missing (nobody told them), and an injured person dies later, or
# the press reports the wounded as killed. Kept apart from "else" so that such
# a change is not counted as strongly as "killed" against "detained".
STATUS_CHANGES: tuple[tuple[str, str], ...] = (
    ("detained", "missing"),
    ("injured", "killed"),
)


class DateOfBirthComparison(ComparisonCreator):
    """The date of birth: same day, day and month swapped or one field off, same year, a year apart, else."""

    def __init__(self) -> None:
        super().__init__({"d": "dob", "y": "dob_year"})

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        return [
            cll.CustomLevel(
                "dob_year_l is null or dob_year_r is null", "date of birth missing"
            ).configure(is_null_level=True),
            cll.CustomLevel("dob_l = dob_r", "same date of birth"),
            # The edit distance only for dates that could be one edit apart
            # (one_edit_possible): on the Gaza releases most blocked pairs
            # have two different dates, and the distance was this
            # comparison's whole cost. The same pairs hold.
            cll.CustomLevel(
                "dob_l is not null and dob_r is not null and "
                f"{one_edit_possible('dob')} and damerau_levenshtein(dob_l, dob_r) <= 1",
                "date of birth one digit off",
            ),
            cll.CustomLevel("dob_year_l = dob_year_r", "same year of birth"),
            cll.CustomLevel(
                "abs(dob_year_l - dob_year_r) <= 1", "years of birth one apart"
            ),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "dob"


class NationalIdComparison(ComparisonCreator):
    """A national id (CNIC): equal, one digit wrong or two swapped, else.

    Clerks copy 13 digits by hand; one slip is common, two different ids
    otherwise are two people.
    """

    def __init__(self) -> None:
        super().__init__("cnic")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        return [
            cll.NullLevel(self.col_expression),
            cll.ExactMatchLevel(self.col_expression),
            # The edit distance only for ids that could be one edit apart
            # (one_edit_possible): the same pairs hold.
            cll.CustomLevel(
                f"{one_edit_possible('cnic')} and damerau_levenshtein(cnic_l, cnic_r) <= 1",
                "one digit wrong or two swapped",
            ),
            cll.ElseLevel(),
        ]

    def create_output_column_name(self) -> str:
        return "cnic"


CHAIN_DISAGREES = "one name chain, another own name or grandfather"
# How far apart (edits of the consonant skeleton) two parts at one place of a
# chain must be to be two names, not two spellings of one. On the tuning half
# of the Gaza releases (scored pairs), chains of one length whose own name or
# grandfather was more than 2 edits apart held 1 true pair in 930; 2 edits
# apart, 39 in 296 (letter swaps between releases).
_CHAIN_EDITS = 2
# The share of true pairs whose chains disagree so: on that tuning half, 1 of
# about 10,000. Fixed, not estimated: EM's blocks on the name cannot see it,
# and a family of brothers is what EM would learn it from. 0.001 (-10 bits)
# leaves a pair that agrees on everything else, date of birth included,
# above the review threshold, so a documenter still sees it.
CHAIN_M = 0.001


# The parts of a chain the comparison reads (own name, grandfather): taken
# from ``name_seq`` once per report when the model table is made
# (:func:`derived_columns_sql`), not split from both sides of every pair; on
# the Gaza releases, where most blocked pairs are chains of four, splitting
# was most of the comparison's time.
_CHAIN_PARTS = (1, 3)


def chain_parts_sql(side: str = "") -> list[str]:
    """SQL select items: the chain parts :func:`chain_disagrees` reads (``name_part1``, ``name_part3``)."""
    return [
        f"split_part(name_seq{side}, ' ', {k}) as name_part{k}{side}"
        for k in _CHAIN_PARTS
    ]


def chain_disagrees() -> str:
    """SQL: two chains of one length (4+ parts) whose own names or grandfathers differ.

    The father (second part) is the father comparison's; the family name
    (last part) and further ancestors are left out: a family name is written
    in more ways than a given name, and a fifth part shifts the ancestors.
    Words in another order (the same set) are the name's own level.
    """

    def apart(k: int) -> str:
        return f"levenshtein(name_part{k}_l, name_part{k}_r) > {_CHAIN_EDITS}"

    return (
        "name_parts_l = name_parts_r and name_parts_l >= 4 and "
        # The same token set (SORTED_SETS).
        f"not ({same_set('name_skels')}) and "
        f"({' or '.join(apart(k) for k in _CHAIN_PARTS)})"
    )


class NameChainComparison(ComparisonCreator):
    """Two patronymic chains that put different people at one place.

    In a four-part Arab name (own, father, grandfather, family) brothers,
    twins and cousins share three parts; the name comparison counts what
    they share (+4 to +15 bits for "same given and family name, close
    spelling" or "close spelling, given names differ"). This comparison adds
    the evidence the order gives: chains of one length whose own names or
    grandfathers are different names. It has one level that counts; every
    other pair is at its null level (no weight), so it never counts the
    agreement the name comparison has counted already.
    """

    def __init__(self) -> None:
        super().__init__(
            {
                "s": "name_part1",
                "g": "name_part3",
                "p": "name_parts",
                "k": "name_skels_text",
            }
        )

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        # The same pairs as "not coalesce(disagrees, false)"; the cheap test
        # first, so that most pairs skip the list and edit functions.
        not_comparable = (
            "coalesce(name_parts_l <> name_parts_r or name_parts_l < 4, false)"
        )
        return [
            cll.CustomLevel(
                f"{not_comparable} or not coalesce(({chain_disagrees()}), false)",
                "chains agree, or are not comparable",
            ).configure(is_null_level=True),
            cll.CustomLevel(chain_disagrees(), CHAIN_DISAGREES).configure(
                fix_m_probability=True
            ),
            # Never reached (every other pair is at the null level); Splink
            # needs two levels beside the null one.
            cll.ElseLevel().configure(
                label_for_charts="never reached", fix_m_probability=True
            ),
        ]

    def create_output_column_name(self) -> str:
        return "chain"


class SameListComparison(ComparisonCreator):
    """Whether the two reports come from one list or from two.

    Lists repeat a person far less often than two lists share one: a
    ministry's register holds each person once, a hospital's admissions
    sometimes twice. The model learns how often from the data, so two
    namesakes of one register are not taken for one person by their names
    alone.
    """

    def __init__(self) -> None:
        super().__init__("list")

    def create_comparison_levels(self) -> list[ComparisonLevelCreator]:
        return [
            cll.NullLevel(self.col_expression),
            cll.ExactMatchLevel(self.col_expression).configure(
                label_for_charts="same list"
            ),
            cll.ElseLevel().configure(label_for_charts="two lists"),
        ]

    def create_output_column_name(self) -> str:
        return "list"


COMPARISON_NAMES = (
    "name", "chain", "father", "age", "dob", "place", "date", "status", "sex", "cnic",
    "list",
)  # fmt: skip


def comparisons(exclude: frozenset[str] = frozenset()) -> list[ComparisonCreator]:
    """The model's comparisons, minus ``exclude`` (used by the ablation study)."""
    every: dict[str, ComparisonCreator] = {
        "name": SouthAsianNameComparison(),
        "chain": NameChainComparison(),
        "father": FatherNameComparison(),
        "age": AgeRangeComparison(),
        "dob": DateOfBirthComparison(),
        "place": PlaceComparison(),
        "date": IncidentDateComparison(),
        "status": StatusComparison(),
        "sex": ExactFieldComparison("sex"),
        "cnic": NationalIdComparison(),
        "list": SameListComparison(),
    }
    return [
        c.configure(m_probabilities=STARTING_M[name])
        for name, c in every.items()
        if name not in exclude
    ]


# Starting m probabilities (non-null levels, in order): where EM finds too few
# pairs to estimate a level (small lists), these stand; they encode only
# "agreement is likelier among matches", with no data behind their exact values.
STARTING_M: dict[str, list[float]] = {
    # Name levels 8-10 (another order; given names differ) are where relatives
    # meet: rare among true matches, so a low m unless the data say otherwise.
    "name": [0.55, 0.2, 0.05, 0.07, 0.1, 0.05, 0.02, 0.005, 0.005, 0.005, 0.01, 0.001],
    "chain": [CHAIN_M, 1 - CHAIN_M],
    "father": [0.7, 0.1, 0.08, 0.06, 0.06],
    "age": [0.8, 0.12, 0.05, 0.02, 0.01] * 2,
    "dob": [0.7, 0.1, 0.1, 0.05, 0.05],
    "place": [0.35, 0.05, 0.1, 0.45, 0.05],
    "date": [0.6, 0.3, 0.07, 0.03],
    "status": [0.8, 0.12, 0.08],
    "sex": [0.98, 0.02],
    "cnic": [0.9, 0.07, 0.03],
    "list": [0.3, 0.7],
}
