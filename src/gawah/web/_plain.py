"""The review page's reasons in plain words, not the model's comparison labels.

A reviewer reads "ages 20 and 76: very unlikely the same person", not "age: All
other comparisons −3.18" or "status is NULL". Each comparison of the linkage
model is put beside the two values it compared (as the person table shows
them) and its weight (log2 of the Bayes factor) in words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: Comparison name (or the start of it) -> (field shown, plural words for it).
_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("father", "father_name", "fathers' names"),
    ("relative", "father_name", "fathers' names"),
    ("name", "full_name", "names"),
    ("age", "age", "ages"),
    ("dob", "extra.dob", "dates of birth"),
    ("sex", "sex", "sexes"),
    ("status", "status", "statuses"),
    ("district", "district", "districts"),
    ("tehsil", "tehsil", "tehsils"),
    ("village", "village", "villages"),
    ("place", "place", "places"),
    ("date", "date", "dates"),
    ("national_id", "national_id", "national ids"),
    ("phone", "phone", "phone numbers"),
)


def strength(weight: float) -> str:
    """A weight of evidence (log2 Bayes factor) in words."""
    if weight <= -4:
        return "very unlikely the same person"
    if weight <= -1.5:
        return "less likely the same person"
    if weight < 1.5:
        return "says little either way"
    if weight < 4:
        return "more likely the same person"
    return "very likely the same person"


def reason(
    comparison: str, level: str, weight: float, values: Mapping[str, Sequence[str]]
) -> str:
    """One comparison as a sentence a reviewer can check against the table."""
    key = comparison.casefold()
    found = next(((f, words) for start, f, words in _FIELDS if start in key), None)
    words = found[1] if found else comparison.replace("_", " ")
    shown = [v for v in values.get(found[0], ()) if v] if found else []
    if "null" in level.casefold() or (found and len(shown) < 2):
        return f"{words}: not given on both reports, so {strength(0.0)}"
    if "frequency" in key or "term" in key or "tf" in key.split("_"):
        return f"{words}: how common the value is — {strength(weight)}"
    if len(shown) >= 2:
        a, b = shown[0], shown[1]
        if a.casefold() == b.casefold():
            return f"{words} both {a}: {strength(weight)}"
        return f"{words} {a} and {b}: {strength(weight)}"
    return f"{words}: {strength(weight)}"
