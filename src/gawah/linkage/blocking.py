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
   place: "AamnaM ahsud").
"""

from __future__ import annotations

from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator


def blocking_rules() -> list[BlockingRuleCreator | str]:
    """The prediction blocking rules, broadest recall first."""
    return [
        block_on("name_skel"),
        block_on("name_flat"),
        block_on("rare1", "father_rare"),
        block_on("rare1", "district"),
        block_on("rare1", "rare2"),
        # One list gives only the given name ("Abbas"), another the full name
        # ("Abbas Gondal"): the rarest token of one is the second of the other.
        "l.rare1 = r.rare2 and l.district = r.district",
        "l.rare2 = r.rare1 and l.district = r.district",
        block_on("cnic"),
        block_on("rare2", "father_rare"),
        block_on("father_skel", "district"),
        block_on("rare1", "date"),
    ]


def training_rules() -> list[BlockingRuleCreator]:
    """Rules for EM: each leaves some comparisons free to be estimated."""
    return [
        block_on("name_skel"),
        block_on("father_skel", "district"),
    ]
