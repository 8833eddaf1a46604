"""Blocking: which pairs of reports are compared at all.

A pair that no rule admits can never be linked, so the rules favour recall.
Every key is built from the normalised fields (:mod:`gawah.linkage.normalise`),
so transliterated and re-ordered names share keys:

1. the whole name skeleton (Mohd. Ali, محمد علی, Ali Muhammad);
2. the rarest name token and the rarest token of the father's name;
3. the rarest name token and the district;
4. the two rarest name tokens (any place, any father), and the rarest
   token of one name against the second rarest of the other, in one district;
5. the CNIC;
6. the second rarest name token and the rarest token of the father's name
   (a typo in the given name, family name and father intact);
7. the father's name skeleton and the district (a name badly garbled but
   the family and place agree);
8. the rarest name token and the incident date;
9. the name's skeleton with its spaces removed (a space typed in the wrong
   place: "AamnaM ahsud");
10. the given name and the date of birth;
11. the given name and the father's name skeleton;
12. the given name and the district ("Qasim" and "Muhammad Qasim Butt");
13. the date of birth and the district;
14. the given name's first letter, the district and the day (a typing
    slip in the given name, when it is the only part written);
15. the date of birth and the family name (the last part).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

_Key = tuple[str, ...]
_Rule = tuple[_Key, _Key]

# Stricter forms: the same place, then also the same week, then the same day.
# The week comes first because reports of one person often give dates a day or
# two apart; a report without a date drops out of every rule that needs one.
_BY_PLACE: tuple[_Key, ...] = (
    ("district",),
    ("district", "week"),
    ("district", "date"),
)
_BY_TIME: tuple[_Key, ...] = (("week",), ("date",))

# Each rule as (left columns, right columns): equal columns are a block_on
# rule; different ones compare one record's key with another's other key.
# Each is followed by stricter forms (extra columns on both sides), used in
# turn when a rule admits too many pairs (`max_pairs`).
_RULES: tuple[tuple[_Rule, tuple[_Key, ...]], ...] = (
    ((("name_skel",), ("name_skel",)), _BY_PLACE),
    ((("name_flat",), ("name_flat",)), _BY_PLACE),
    ((("rare1", "father_rare"),) * 2, _BY_PLACE),
    ((("rare1", "district"),) * 2, _BY_TIME),
    ((("rare1", "rare2"),) * 2, _BY_PLACE),
    # One list gives only the given name ("Abbas"), another the full name
    # ("Abbas Gondal"): the rarest token of one is the second of the other.
    ((("rare1", "district"), ("rare2", "district")), _BY_TIME),
    ((("rare2", "district"), ("rare1", "district")), _BY_TIME),
    ((("cnic",), ("cnic",)), ()),
    ((("rare2", "father_rare"),) * 2, _BY_PLACE),
    ((("father_skel", "district"),) * 2, _BY_TIME),
    ((("rare1", "date"),) * 2, (("district",),)),
    # A given name and a date of birth (the rest of the name garbled), and a
    # given name with the father's name (the family name changed or dropped).
    ((("name_first", "dob"),) * 2, ()),
    ((("name_first", "father_skel"),) * 2, _BY_PLACE),
    ((("name_first", "district"),) * 2, _BY_TIME),
    ((("dob", "district"),) * 2, _BY_TIME),
    # A typing slip in the given name ("Thair" for "Tahir"), the only name
    # part written: its first letter, one place and one day.
    ((("name_init", "district", "date"),) * 2, ()),
    # A date of birth and the family name (a chain's last part): a slip in
    # the given name and one in the father's name leave no name key shared,
    # and a list without districts has no (dob, district) key. On the Gaza
    # tuning half (people whose id ends in an even digit), most pairs of one
    # person no rule admitted had one date of birth and one family name;
    # with this rule F1 0.9705 -> 0.9750 (lists declared distinct: 0.9765 ->
    # 0.9812) at equal precision; generated Arab releases seed 1 0.964 ->
    # 0.969; generated Pakistani lists seeds 1-3 unchanged.
    ((("dob", "name_last"),) * 2, ()),
)


def _rule(left: _Key, right: _Key) -> BlockingRuleCreator | str:
    if left == right:
        return block_on(*left)
    return " and ".join(f"l.{a} = r.{b}" for a, b in zip(left, right, strict=True))


def rule_pairs(frame: pd.DataFrame, left: _Key, right: _Key) -> int:
    """How many pairs a rule admits (before removing those an earlier rule admitted)."""
    sizes_l = frame.dropna(subset=list(left)).groupby(list(left)).size()
    if left == right:
        return int((sizes_l * (sizes_l - 1) // 2).sum())
    sizes_r = frame.dropna(subset=list(right)).groupby(list(right)).size()
    sizes_r.index = sizes_r.index.set_names(list(left))
    joined = sizes_l.to_frame("l").join(sizes_r.rename("r"), how="inner")
    return int((joined["l"] * joined["r"]).sum())


def _key_column(rule: int, side: str) -> str:
    return f"blk{rule}_{side}"


def blocking_rules(max_block: int | None = None) -> list[BlockingRuleCreator | str]:
    """The prediction blocking rules, broadest recall first.

    Without ``max_block``, each rule on the normalised columns themselves.
    With it, each rule on its key column of :func:`block_keys_sql` (which
    must then be in the table): the same keys wherever a block holds at most
    ``max_block`` reports, stricter keys only inside the blocks that are larger.
    """
    if max_block is None:
        return [_rule(left, right) for (left, right), _ in _RULES]
    out: list[BlockingRuleCreator | str] = []
    for i, ((left, right), _) in enumerate(_RULES):
        if left == right:
            out.append(block_on(_key_column(i, "l")))
        else:
            out.append(f"l.{_key_column(i, 'l')} = r.{_key_column(i, 'r')}")
    return out


def _key_sql(columns: _Key) -> str:
    """One key as a 64-bit hash of its columns, or NULL when any of them is unknown.

    An integer, not the text: the keys are grouped, joined and held for every
    report and rule (seventeen rules, two sides), and at a million reports the
    texts took a gigabyte. Two different keys share a hash with a chance of
    about one in 10^7 among a million keys; such a pair is only compared
    (and scored on its fields), never linked for sharing the key.
    """
    known = " and ".join(f'"{c}" is not null' for c in columns)
    parts = ", ".join(f'cast("{c}" as varchar)' for c in columns)
    return f"case when {known} then hash(concat_ws(chr(31), {parts})) end"


def block_keys_sql(table: str, max_block: int, rule: int | None = None) -> str:
    """A query of ``table``'s rows with one key column per rule and side (``blkN_l``, ``blkN_r``).

    With ``rule``, only ``unique_id`` and that rule's key columns: at a
    million reports all rules in one query held every rule's block-size
    table at once and ran out of memory; :func:`add_block_keys` adds the
    rules one at a time.

    A report's key for a rule is the rule's own key while the block it falls
    in (the reports whose key, on either side of the rule, is that value)
    holds at most ``max_block`` reports; inside a larger block, its first
    stricter form (``_BY_PLACE``, ``_BY_TIME``: the district, the week, the
    day) that is small enough; NULL (the rule does not compare it) when none is.

    Why per block and not per rule: at a million reports a few common names
    ("Muhammad Ali") make blocks of thousands, whose pairs grow with the
    square of the population, while most names stay rare. Making only those
    blocks stricter keeps every pair of a rare name, and bounds the pairs a
    report takes part in by ``max_block`` per rule, so the pairs grow with
    the number of reports, not its square. The decision is per key value,
    taken alike on both sides, so two reports that share a key get the same
    level. DuckDB computes the block sizes (a GROUP BY per rule and level).
    """
    keys: list[str] = []  # select list of the base: every level's key per side
    sizes: list[str] = []  # one CTE per rule and level: key -> reports
    joins: list[str] = []
    columns: list[str] = []
    for i, ((left, right), stricter) in enumerate(_RULES):
        if rule is not None and i != rule:
            continue
        sides = {"l": left} if left == right else {"l": left, "r": right}
        cases: dict[str, list[str]] = {side: [] for side in sides}
        for j, extra in enumerate(((), *stricter)):
            size = f"s{i}_{j}"
            union = " union all ".join(
                f"select k{i}_{j}_{side} as k from gawah_keys" for side in sides
            )
            sizes.append(
                f"{size} as (select k, count(*) as n from ({union}) "
                "where k is not null group by k)"
            )
            for side, cols in sides.items():
                key = f"k{i}_{j}_{side}"
                keys.append(f"{_key_sql(cols + extra)} as {key}")
                alias = f"{size}_{side}"
                joins.append(
                    f"left join {size} {alias} on {alias}.k = gawah_keys.{key}"
                )
                cases[side].append(
                    f"when {alias}.n <= {int(max_block)} then hash({j}, {key})"
                )
        for side in sides:
            columns.append(
                f"case {' '.join(cases[side])} end as {_key_column(i, side)}"
            )
    if rule is not None:
        return (
            f"with gawah_keys as (select unique_id, {', '.join(keys)} from {table}), "
            + ", ".join(sizes)
            + f" select unique_id, {', '.join(columns)} from gawah_keys "
            + " ".join(joins)
        )
    return (
        f"with gawah_keys as (select unique_id, {', '.join(keys)} from {table}), "
        + ", ".join(sizes)
        + f" select t.*, {', '.join(columns)} from {table} t "
        "join gawah_keys using (unique_id) " + " ".join(joins)
    )


def add_block_keys(con: Any, source: str, target: str, max_block: int) -> None:
    """Create table ``target``: ``source``'s rows with every rule's key columns.

    The rules' keys are computed one rule at a time, each into its own small
    table (``unique_id`` and one or two 64-bit keys) in ``unique_id`` order,
    and put beside the rows by position, not by a join (seventeen hash joins of
    a million rows in one query took more memory than the keys). ``source``
    must be in ``unique_id`` order, as its rows stay (Splink's random
    sampling reads the table in order).
    """
    names = []
    for i in range(len(_RULES)):
        name = f"gawah_rule_keys_{i}"
        con.execute(
            f"CREATE OR REPLACE TABLE {name} AS "
            + block_keys_sql(source, max_block, rule=i)
            + " ORDER BY unique_id"
        )
        (misplaced,) = con.execute(
            f"SELECT count(*) FROM {source} s POSITIONAL JOIN {name} k "
            "WHERE s.unique_id IS DISTINCT FROM k.unique_id"
        ).fetchone()
        if misplaced:  # cannot happen with DuckDB's insertion order kept
            raise RuntimeError("block keys out of step with the reports")
        names.append(name)
    keys = ", ".join(f"{n}.* EXCLUDE (unique_id)" for n in names)
    joins = " ".join(f"POSITIONAL JOIN {n}" for n in names)
    con.execute(
        f"CREATE TABLE {target} AS SELECT {source}.*, {keys} FROM {source} {joins}"
    )
    for name in names:
        con.execute(f"DROP TABLE {name}")


def training_rules() -> list[BlockingRuleCreator]:
    """Rules for EM: each leaves some comparisons free to be estimated."""
    # Splink leaves out of a session every comparison that reads a column of
    # its rule: "name_seq" is read by the name comparison, so the first
    # session estimates everything but the name (blocking on another name
    # column would let the name explain the very pairs it chose).
    # The second estimates the name among pairs with one father, district
    # and age: without the age, brothers fill the block, and the name's
    # disagreement is learnt as common among "matches".
    return [
        block_on("name_seq"),
        block_on("father_skel", "district", "age_lo"),
    ]


def identity_training_rule() -> BlockingRuleCreator:
    """The EM session run last, on pairs sharing a national id and a date of birth.

    Two reports with one national id and one date of birth are nearly always
    one person: a family registered under its head's id shares the id, not
    the birth date (a session on the id alone made the generated Pakistani
    lists' precision fall from 0.96 to 0.86). What their names and ages look
    like is what a match looks like. Unlike the name-blocked sessions this one
    cannot mistake a family for a person, so its estimate of "the names share
    nothing" (a swapped given and family name with a typo, in FEBRL about 3 %
    of matches) is not capped (``classify._cap_disagreement``). Lists without
    ids and dates of birth together have no such pairs; the session is skipped.
    """
    return block_on("cnic", "dob")
