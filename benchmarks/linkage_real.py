"""Linkage on lists nobody here tuned on: the real Gaza releases, FEBRL, synthetic people.

    uv run python benchmarks/linkage_real.py gaza                 # three ways, gawah only
    uv run python benchmarks/linkage_real.py gaza --only both     # one way (both | ar-lat | lat-ar)
    uv run python benchmarks/linkage_real.py febrl                # FEBRL 3 and 4, gawah and plain Splink
    uv run python benchmarks/linkage_real.py synthetic --records 20000 --seed 7
    uv run python benchmarks/linkage_real.py all                  # everything above, one run

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
  people (on Gaza every within-list pair is false: ids are unique per release).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
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
        "within_false": within,
    }
    for name, (ta, tb) in (kinds or {}).items():
        out[f"recall_{name}"] = _kind_recall(r, ta, tb)
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


def _read_gaza(release: str) -> pd.DataFrame:
    path = GAZA_DIR / f"{release}.csv"
    if not path.exists():
        raise SystemExit(f"Gaza data not found at {path} (see the module docstring)")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def gaza(way: str) -> Data:
    """``both``: both scripts on both sides; ``ar-lat``: 08-08 Arabic only vs
    09-21 Latin only; ``lat-ar``: the reverse."""
    mapping = gaza_mapping()
    native = mapping["name"]
    frames = []
    truths = []
    tags = []
    for i, release in enumerate(GAZA_RELEASES):
        raw = _read_gaza(release)
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


DATASETS: dict[str, Callable[..., Data]] = {"gaza": gaza}


# --------------------------------------------------------------------------
# Runners (in the child process)
# --------------------------------------------------------------------------
def run_gawah(data: Data) -> pd.Series:
    from gawah.linkage import link_records

    result = link_records(data.reports)
    by_key = dict(zip(result.records["key"], result.records["person_id"], strict=True))
    return data.reports["key"].map(by_key)


RUNNERS: dict[str, Callable[[Data], pd.Series]] = {"gawah": run_gawah}


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
    return result


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------
_HEAD = (
    "| tool | records (scored) | precision | recall | F1 | persons / people "
    "| persons with 2+ people | people merged | within-list false merges "
    "{extra}| seconds | peak GiB |"
)


def print_table(
    title: str, rows: list[tuple[str, dict[str, Any]]], kinds: list[str]
) -> None:
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


GAZA_WAYS = {
    "both": "Gaza, both scripts on both releases",
    "ar-lat": "Gaza, 08-08 Arabic only vs 09-21 Latin only",
    "lat-ar": "Gaza, 08-08 Latin only vs 09-21 Arabic only",
}


def run_gaza(ways: list[str]) -> None:
    for way in ways:
        spec = {"dataset": "gaza", "args": [way], "tool": "gawah"}
        print_table(GAZA_WAYS[way], [("gawah", child(spec))], [])


def main(argv: list[str]) -> None:
    if argv and argv[0] == "_worker":
        worker(json.loads(argv[1]), Path(argv[2]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gaza", help="link the two real Gaza releases three ways")
    g.add_argument("--only", choices=list(GAZA_WAYS), action="append")
    args = parser.parse_args(argv)
    if args.command == "gaza":
        run_gaza(args.only or list(GAZA_WAYS))


if __name__ == "__main__":
    main(sys.argv[1:])
