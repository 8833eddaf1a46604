"""The columns the model table derives give the levels the plain columns give.

The comparisons read, instead of the list columns ``name_skels`` and
``father_skels``, three columns the model table derives from each list
(:func:`gawah.linkage.compare.token_set_columns_sql`): the tokens as text,
their number, and a 64-bit signature; before an edit distance or a
Jaro-Winkler similarity, a test on lengths and letter masks derived once per
report. Here the tests built on them are checked against the plain tests
(``list_has_all``, list equality, ``list_contains``, the edit distance, the
similarity) on random values, with vocabularies small enough that bits
collide (so the exact test behind a signature is exercised), and the
invariants they rely on on the lists normalisation makes of FICTIONAL
generated reports.
"""

from __future__ import annotations

import random

import duckdb
import pandas as pd

from gawah.linkage import compare
from gawah.linkage.normalise import normalise_frame
from gawah.testing.linkage_data import generate_linked_lists
from gawah.testing.real_lists import arab_releases


def _random_sets(rng: random.Random, n: int) -> list[list[str]]:
    # 300 tokens over 63 bits: many tokens share a bit.
    vocabulary = [f"t{k}" for k in range(300)]
    out: list[list[str]] = [[]]
    for _ in range(n):
        size = rng.choice([1, 1, 2, 2, 3, 3, 4, 5])
        out.append(sorted(set(rng.sample(vocabulary[: rng.choice([8, 300])], size))))
    return out


def test_signature_tests_give_the_list_tests_on_random_sets() -> None:
    rng = random.Random(7)
    sets = _random_sets(rng, 400)
    # Pairs of related sets (one holds the other, or nearly) and random ones.
    pairs = [(a, b) for a in sets[:60] for b in sets[:60]]
    for _ in range(20_000):
        a = rng.choice(sets)
        b = sorted(set(a[: rng.randint(0, len(a))]) | set(rng.choice(sets)[:1]))
        pairs.append((a, b) if rng.random() < 0.5 else (b, a))
    tokens = [rng.choice(["t1", "t2", "t150", None]) for _ in pairs]
    frame = pd.DataFrame(
        {
            "name_skels_l": [a for a, _ in pairs],
            "name_skels_r": [b for _, b in pairs],
            "father_skels_l": [b for _, b in pairs],
            "father_skels_r": [a for a, _ in pairs],
            "rare1_l": tokens,
            "rare1_r": list(reversed(tokens)),
        }
    )
    con = duckdb.connect()
    con.register("frame", frame)
    derived = ", ".join(
        compare.token_set_columns_sql("_l") + compare.token_set_columns_sql("_r")
    )
    con.execute(
        "create table typed as select name_skels_l::varchar[] as name_skels_l, "
        "name_skels_r::varchar[] as name_skels_r, "
        "father_skels_l::varchar[] as father_skels_l, "
        "father_skels_r::varchar[] as father_skels_r, rare1_l, rare1_r from frame"
    )
    con.execute(f"create table p as select *, {derived} from typed")
    checks = {
        "holds": (
            compare.one_holds_other("name_skels"),
            "list_has_all(name_skels_l, name_skels_r) or "
            "list_has_all(name_skels_r, name_skels_l)",
        ),
        "father holds": (
            compare.one_holds_other("father_skels"),
            "list_has_all(father_skels_l, father_skels_r) or "
            "list_has_all(father_skels_r, father_skels_l)",
        ),
        "same": (compare.same_set("name_skels"), "name_skels_l = name_skels_r"),
        "token right": (
            compare.holds_token("name_skels", "r", "rare1"),
            "list_contains(name_skels_r, rare1_l)",
        ),
        "token left": (
            compare.holds_token("name_skels", "l", "rare1"),
            "list_contains(name_skels_l, rare1_r)",
        ),
    }
    for name, (fast, plain) in checks.items():
        # NULL and false choose a level alike (a WHEN takes only true).
        differ, holding, rejected_by_tokens = con.execute(
            f"select count(*) filter (where coalesce(({fast}), false) <> "
            f"coalesce(({plain}), false)), "
            f"count(*) filter (where ({plain})), "
            # Pairs a signature lets through that only the tokens reject.
            "count(*) filter (where (name_skels_sig_r & ~name_skels_sig_l) = 0 "
            "and name_skels_n_l > name_skels_n_r "
            "and not list_has_all(name_skels_l, name_skels_r)) from p"
        ).fetchone() or (-1, 0, 0)
        assert differ == 0, name
        assert holding > 100, name  # the test holds for many pairs
        assert rejected_by_tokens > 0  # signatures collide


def _lists_of(frame: pd.DataFrame) -> list[list[str]]:
    return [list(v) for c in compare.SORTED_SETS for v in frame[c]]


def test_normalised_token_sets_are_what_the_signatures_need() -> None:
    """Sorted, distinct, no empty token and no space in one: text and lists then agree."""
    generated = generate_linked_lists(n_people=400, seed=5)
    reports = pd.concat(
        [df.assign(list=name) for name, df in generated.lists.items()],
        ignore_index=True,
    )
    arab = pd.concat(
        [
            df.assign(list=name)
            for name, df in arab_releases(n_people=300, seed=5).lists.items()
        ],
        ignore_index=True,
    )
    for frame in (normalise_frame(reports), normalise_frame(arab)):
        lists = _lists_of(frame)
        assert any(len(tokens) >= 3 for tokens in lists)
        for tokens in lists:
            assert tokens == sorted(set(tokens))
            assert all(token and " " not in token for token in tokens)


def test_letter_masks_keep_every_pair_one_edit_apart() -> None:
    """Names one slip apart always pass ``one_slip_possible``; most others do not."""
    rng = random.Random(11)
    letters = "abcdefghijklmnopqrstuvwxyz "
    words = [
        "".join(rng.choices(letters, k=rng.randint(1, 14))) for _ in range(3000)
    ] + ["n:محمد علي", "n:محمد على", "josé", "jose", "aa", "a"]

    def slip(w: str) -> str:
        i, c, kind = rng.randrange(len(w) + 1), rng.choice(letters), rng.randrange(4)
        if kind == 0:
            return w[:i] + c + w[i:]
        if kind == 1 and i < len(w):
            return w[:i] + w[i + 1 :]
        if kind == 2 and i < len(w):
            return w[:i] + c + w[i + 1 :]
        if kind == 3 and i + 1 < len(w):
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        return w

    pairs = [(w, slip(w)) for w in words for _ in range(3)]
    pairs += [(rng.choice(words), rng.choice(words)) for _ in range(5000)]
    pairs += [("n:محمد علي", "n:محمد على"), ("josé", "jose"), (None, "a")]
    con = duckdb.connect()
    con.register("words", pd.DataFrame(pairs, columns=["name_exact_l", "name_exact_r"]))
    derived = ", ".join(compare.letters_sql("_l") + compare.letters_sql("_r"))
    con.execute(f"create table p as select *, {derived} from words")
    near, missed, passed_far = con.execute(
        "select count(*) filter (where damerau_levenshtein(name_exact_l, "
        "name_exact_r) <= 1), "
        "count(*) filter (where damerau_levenshtein(name_exact_l, name_exact_r) <= 1 "
        f"and not coalesce(({compare.one_slip_possible('name_exact')}), false)), "
        "count(*) filter (where damerau_levenshtein(name_exact_l, name_exact_r) > 1 "
        f"and ({compare.one_slip_possible('name_exact')})) from p"
    ).fetchone() or (0, -1, -1)
    assert near > 5000
    assert missed == 0
    # The test rejects most random pairs (not a test that always holds).
    assert passed_far < 1000


def test_the_jaro_winkler_bound_lets_every_close_pair_through() -> None:
    """Every pair at or above the threshold passes the bound; most random pairs do not."""
    rng = random.Random(13)
    letters = "abdhklmnrst aiu"
    words = [
        "".join(rng.choices(letters, k=rng.randint(1, 16))).strip() or "a"
        for _ in range(1500)
    ]

    def near(w: str) -> str:
        """``w`` with up to three letters inserted or dropped."""
        out = list(w)
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.5:
                out.insert(rng.randrange(len(out) + 1), rng.choice(letters))
            elif out:
                out.pop(rng.randrange(len(out)))
        return "".join(out) or "a"

    pairs = [(w, near(w)) for w in words for _ in range(4)]
    pairs += [(rng.choice(words), rng.choice(words)) for _ in range(6000)]
    pairs += [("bilal", "bilāl"), ("mhmd", "محمد"), (None, "a")]
    con = duckdb.connect()
    con.register(
        "words",
        pd.DataFrame(
            [(a, b, a, b) for a, b in pairs],
            columns=["name_seq_l", "name_seq_r", "father_key_l", "father_key_r"],
        ),
    )
    derived = ", ".join(compare.jaro_letters_sql("_l") + compare.jaro_letters_sql("_r"))
    con.execute(f"create table p as select *, {derived} from words")
    for column, threshold in (
        ("name_seq", 0.9),
        ("father_key", 0.88),
        ("name_seq", 0.7),
    ):
        bound = compare.jaro_winkler_possible(column, threshold)
        jw = f"jaro_winkler_similarity({column}_l, {column}_r)"
        close, missed, rejected = con.execute(
            f"select count(*) filter (where {jw} >= {threshold}), "
            f"count(*) filter (where {jw} >= {threshold} and not ({bound})), "
            f"count(*) filter (where not ({bound})) from p"
        ).fetchone() or (0, -1, 0)
        assert close > 1000
        assert missed == 0
        assert rejected > 1000  # not a test that always holds
