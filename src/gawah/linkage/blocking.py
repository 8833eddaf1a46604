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
    slip in the given name, when it is the only part written).
"""

from __future__ import annotations

import logging

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


def blocking_rules(
    frame: pd.DataFrame | None = None, max_pairs: float | None = None
) -> list[BlockingRuleCreator | str]:
    """The prediction blocking rules, broadest recall first.

    With ``frame`` and ``max_pairs``, a rule that alone would admit more pairs
    than ``max_pairs`` is replaced by its first stricter form (the same keys
    plus the district, the week, then the day: ``_BY_PLACE``, ``_BY_TIME``)
    that admits fewer, or left out if none does. In a population of few districts and common names, the blocks of
    "father's name + district" or even of the whole name grow with the square
    of the list size; a stricter rule loses the pairs that differ in the
    added field, which is the price of finishing at all. Each change is logged.
    """
    out: list[BlockingRuleCreator | str] = []
    log = logging.getLogger(__name__)
    for (left, right), stricter in _RULES:
        if frame is None or max_pairs is None:
            out.append(_rule(left, right))
            continue
        for extra in ((), *stricter):
            lk, rk = left + extra, right + extra
            n = rule_pairs(frame, lk, rk)
            if n <= max_pairs:
                if extra:
                    log.warning(
                        "blocking rule %s/%s made stricter: +%s", left, right, extra
                    )
                out.append(_rule(lk, rk))
                break
        else:
            log.warning(
                "blocking rule %s/%s left out: over %d pairs",
                left,
                right,
                int(max_pairs),
            )
    return out


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
