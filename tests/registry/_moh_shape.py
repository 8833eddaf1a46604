"""FICTIONAL lists shaped like a ministry's published releases of the dead.

Columns as such a release publishes them (learned from the column headers of a
real release, no rows copied): ``id`` (a 9-digit national id), ``name`` (four
Arabic name parts), ``en_name`` (a Latin transliteration), ``age`` (``-1`` when
unknown; a few rows hold a year of birth instead), ``dob``, ``sex`` (``m``/``f``)
and ``source`` (the ministry's own code). The people come from
:func:`gawah.testing.real_lists.arab_releases`; everyone is invented.
"""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

from gawah.testing.real_lists import arab_releases

HEADERS = ["id", "name", "en_name", "age", "dob", "sex", "source"]


def fictional_national_id(person_id: str) -> str:
    """A 9-digit id, stable per FICTIONAL person."""
    digest = int(hashlib.sha256(person_id.encode()).hexdigest()[:12], 16)
    return str(400_000_000 + digest % 500_000_000)


def write_releases(
    folder: Path, n_people: int = 120, *, seed: int = 7
) -> tuple[Path, Path, dict[str, dict[str, str]]]:
    """Two releases as CSV files; returns them and, per release file name, the
    national id -> person id truth."""
    generated = arab_releases(n_people, seed=seed, native_column="name")
    rng = random.Random(seed)
    truth = generated.truth
    paths: list[Path] = []
    ids: dict[str, dict[str, str]] = {}
    for release, frame in generated.lists.items():
        persons = truth[truth["list"] == release].set_index("record_id")["person_id"]
        path = folder / f"FICTIONAL-{release}.csv"
        mine: dict[str, str] = {}
        with path.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(HEADERS)
            for row in frame.to_dict("records"):
                pid = str(persons[row["record_id"]])
                national = fictional_national_id(pid)
                mine[national] = pid
                age = str(row["age"])
                dob = str(row["dob"] or "")
                if age != "-1" and dob and rng.random() < 0.03:
                    age = dob[:4]  # a year of birth where the age belongs
                sex = str(row["sex"]).strip().lower()[:1]
                out.writerow(
                    [national, row["name"], row["full_name"], age, dob, sex,
                     rng.choice("hhhc")]
                )  # fmt: skip
        paths.append(path)
        ids[path.name] = mine
    return paths[0], paths[1], ids


MAP_TEXT = """\
# FICTIONAL ministry-shaped list
[columns]
name = "name_urdu"
en_name = "full_name"
id = "record_id"

[drop]
columns = ["source"]

[sensitive]
columns = ["id"]

[birth_years]
columns = ["age"]

[constants]
status = "killed"

[missing]
age = ["-1"]
"*" = ["N/A", "unknown", "نامعلوم"]

[values.sex]
m = "male"
f = "female"
"""
