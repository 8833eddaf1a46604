"""CSV mode: link list files without a workspace (for analysts and evaluation).

Each file is one list, named after its stem; columns are the registry's
canonical import columns (``record_id``, ``full_name`` ...; headers are matched
case-insensitively), or the headers lists write for them ("Name", "S/O",
"Age (years)", "ولدیت", "العمر"), recognised by the import's own table
(:func:`gawah.registry.rows.plan_columns`). Everything is validated before
anything is linked, and the output is written in one rename, so bad input
writes nothing.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gawah.errors import UserInputError
from gawah.linkage.normalise import AGE_COLUMNS, NAME_COLUMNS, TEXT_COLUMNS
from gawah.linkage.pipeline import LinkOptions, LinkResult, link_records


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UserInputError(f"cannot read {path}: not a text file")
    return str(best)


# The lists' values are held as Arrow strings, not Python ones: a million
# reports of twenty-odd columns took some 0.9 GB as Python strings, held
# through the whole run, while the model needs the memory (the values read
# are the same: ``tolist()`` gives Python strings).
TEXT = pd.StringDtype("pyarrow")


#: The columns linkage reads, by their own names: a header that is one of
#: these keeps it (a list written for gawah), whatever the import's table says.
LINKED_COLUMNS = ("record_id", *TEXT_COLUMNS, *AGE_COLUMNS)
# Cells read to judge what a column holds (Arabic-script names, id numbers).
_SAMPLE_ROWS = 200


@dataclass(frozen=True)
class ColumnUse:
    """Where one column of a list went: ``used_as`` is the column linkage
    reads it as, or ``None`` when linkage does not use it; ``why`` says how
    that was decided (shown by ``gawah link csv``)."""

    list_name: str
    header: str
    used_as: str | None
    why: str


def _header_name(header: object) -> str:
    return str(header).strip().lower().replace(" ", "_")


def _plan_column(
    header: str, cells: list[str], taken: set[str]
) -> tuple[str | None, str]:
    """Where a header that is not a linkage column by name goes, and why.

    The import's table of headers decides ("Name" -> ``full_name``, "S/O" ->
    ``father_name``, an Arabic-script name column -> ``name_urdu``). A
    sensitive column is compared only when it holds identity numbers (as
    ``national_id``, never printed); phones and witnesses are not used.
    """
    from gawah.registry import ColumnMap, looks_like_ids, plan_columns

    try:
        plan = plan_columns((header,), ColumnMap(), [(c,) for c in cells])
    except UserInputError:
        return None, "not a known column"
    target = plan.columns.get(0)
    why = plan.why.get(0, "not a known column")
    if 0 in plan.sensitive_other or target == "national_id":
        if "national_id" in taken or not looks_like_ids(cells):
            return None, f"{why}: sensitive, not compared"
        return "national_id", f"{why}; compared as a national id, never shown"
    if target is None or target not in LINKED_COLUMNS:
        return None, why if target is None else f"{why} ({target}): not compared"
    if target in taken:
        return None, f"{why}: a second {target} column"
    return target, why


def _map_columns(
    frame: pd.DataFrame, list_name: str
) -> tuple[pd.DataFrame, list[ColumnUse]]:
    """Rename a list's columns to those linkage reads; say where each went.

    Headers that are linkage's own names keep them (the list was written for
    gawah); the others are read as the import reads them. A column linkage
    does not use is kept under its lower-cased header (a second column of a
    kind already taken, e.g. a second name, is renamed ``extra:HEADER``) and
    reported; an empty column without a header (Excel's trailing columns) is
    dropped.
    """
    headers = [str(c).strip() for c in frame.columns]
    names = [_header_name(h) for h in headers]
    taken = {n for n in names if n in LINKED_COLUMNS}
    uses: list[ColumnUse] = []
    renamed: dict[str, str] = {}
    drop: list[object] = []
    sample = frame.head(_SAMPLE_ROWS)
    for column, header, name in zip(frame.columns, headers, names, strict=True):
        cells = [str(v) for v in sample[column].tolist()]
        if name in LINKED_COLUMNS:
            uses.append(ColumnUse(list_name, header, name, "its name"))
            renamed[column] = name
            continue
        if (header.startswith("Unnamed:") or not header) and not (
            frame[column].str.strip() != ""
        ).any():
            drop.append(column)
            continue
        target, why = _plan_column(header, cells, taken)
        uses.append(ColumnUse(list_name, header, target, why))
        if target is None:
            renamed[column] = name if name not in taken else f"extra:{name}"
            continue
        taken.add(target)
        renamed[column] = target
    frame = frame.drop(columns=drop).rename(columns=renamed)
    for column in _DATE_COLUMNS:
        if column in frame.columns and _month_first(frame[column]):
            frame[column] = frame[column].str.replace(
                _SLASHED_DATE.pattern, r"\3\2\1\2\4", regex=True
            )
            header = next(u.header for u in uses if u.used_as == column)
            uses.append(
                ColumnUse(
                    list_name, header, column,
                    "read month first (MM/DD/YYYY): a day above 12 stands second, "
                    "none first",
                )
            )  # fmt: skip
    return frame, uses


# Date columns and a date written with its day and month as numbers.
_DATE_COLUMNS = ("dob", "date_of_birth", "date")
_SLASHED_DATE = re.compile(r"^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})\s*$")


def _month_first(cells: pd.Series) -> bool:
    """Whether a list writes its dates month first ("03/14/2031").

    Dates are read day first, as Pakistani and Arab lists write them; a
    column whose second number is sometimes above 12 and whose first never
    is was written month first, and its other dates ("02/11/1990", 11
    February) would be read a wrong day without a word.
    """
    parts = cells.str.extract(_SLASHED_DATE.pattern).dropna()
    if parts.empty:
        return False
    first, second = parts[0].astype(int), parts[2].astype(int)
    return bool((second > 12).any() and not (first > 12).any())


def read_list(path: Path, uses: list[ColumnUse] | None = None) -> pd.DataFrame:
    """Read and check one list file; raise :class:`UserInputError` on bad input.

    The file must have a name column (``full_name``, ``given_name``,
    ``family_name`` or ``name_urdu``, or a header lists write for one:
    "Name", "Name of Martyr", "نام", "الاسم"); ``record_id`` values must be
    unique (without the column, the 1-based row number is the record id).
    Rows with every cell empty (a spreadsheet's trailing rows) are left out.
    ``uses``, when given, receives where each column went.
    """
    import io

    text = _decode(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=TEXT, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserInputError(f"cannot read {path} as CSV: {exc}") from None
    frame, used = _map_columns(frame, Path(path).stem)
    if uses is not None:
        uses.extend(used)
    if not any(c in frame.columns for c in NAME_COLUMNS):
        raise UserInputError(
            f"{path.name} has no name column (its columns: "
            f"{', '.join(u.header for u in used) or 'none'}): it needs one of "
            f"{', '.join(NAME_COLUMNS)}, or a header such as Name, Full Name, "
            "Name of Martyr, نام or الاسم"
        )
    filled = (frame != "").any(axis=1)
    if "record_id" not in frame.columns:
        frame["record_id"] = pd.array(
            [str(i) for i in range(1, len(frame) + 1)], dtype=TEXT
        )
    if not filled.all():
        frame = frame[filled.to_numpy()].reset_index(drop=True)
    ids = frame["record_id"].str.strip()
    if (ids == "").any():
        raise UserInputError(
            f"{path.name}: {int((ids == '').sum())} row(s) have no record_id"
        )
    dupes = sorted(ids[ids.duplicated()].unique())
    if dupes:
        shown = ", ".join(dupes[:5]) + (" ..." if len(dupes) > 5 else "")
        raise UserInputError(
            f"{path.name}: duplicate record_id within the list: {shown}"
        )
    frame["record_id"] = ids
    return frame


def read_lists(
    paths: Sequence[Path], uses: list[ColumnUse] | None = None
) -> pd.DataFrame:
    """Read every list, checking all before returning one table with ``list`` and ``key``.

    ``uses``, when given, receives where each column of each list went.
    """
    if not paths:
        raise UserInputError("give at least one list file")
    frames: list[pd.DataFrame] = []
    names: set[str] = set()
    for path in paths:
        name = Path(path).stem
        if name in names:
            raise UserInputError(
                f"two files are named {name!r}: list names must differ"
            )
        names.add(name)
        frame = read_list(Path(path), uses)
        frame.insert(0, "list", name)
        frames.append(frame)
    reports = pd.concat(frames, ignore_index=True).fillna("")
    reports["key"] = reports["list"] + "/" + reports["record_id"]
    return reports


def link_files(paths: Sequence[Path], options: LinkOptions | None = None) -> LinkResult:
    """Link list files into persons (no workspace)."""
    return link_records(read_lists(paths), options=options)


def write_clusters(result: LinkResult, out: Path) -> None:
    """Write ``list,record_id,cluster_id``, one row per input row, atomically."""
    out = Path(out)
    frame = result.records[["list", "record_id", "person_id"]].rename(
        columns={"person_id": "cluster_id"}
    )
    directory = out.parent if str(out.parent) else Path(".")
    if not directory.is_dir():
        raise UserInputError(f"cannot write {out}: folder {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".clusters-", suffix=".csv", dir=directory)
    try:
        os.fchmod(fd, 0o600)  # mkstemp's mode already; kept private on purpose
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def summary(
    result: LinkResult, reports: pd.DataFrame | None = None
) -> dict[str, object]:
    """Counts of a run, for ``--json`` and the CLI table (:func:`~gawah.linkage.summary.run_summary`)."""
    from gawah.linkage.summary import run_summary

    return run_summary(result, reports)


def summary_json(result: LinkResult, reports: pd.DataFrame | None = None) -> str:
    """:func:`summary` as JSON text."""
    from gawah.linkage.summary import summary_json as as_json

    return as_json(summary(result, reports))


LABEL_COLUMNS = ("list_a", "record_id_a", "list_b", "record_id_b", "same")
_YES, _NO = "yes", "no"
# The report fields shown side by side in a review file (those the input has).
# National ids are compared, never copied: the file says "same" or "different".
REVIEW_FIELDS = (
    "full_name", "given_name", "family_name", "father_name", "name_native",
    "name_urdu", "name_arabic", "sex", "age", "age_min", "age_max",
    "date_of_birth", "dob", "status", "date", "place", "address", "district", "tehsil",
    "union_council", "village", "notes",
)  # fmt: skip


def read_labels(path: Path, reports: pd.DataFrame) -> dict[tuple[str, str], bool]:
    """Read reviewed pairs (``list_a, record_id_a, list_b, record_id_b, same``).

    ``same`` is ``yes`` or ``no`` (any case); a row with ``same`` empty is not
    yet reviewed and is ignored, so a filled-in review file can be given back
    as it is. Every row is checked before any is used: an unknown list or
    record, a record paired with itself, another value of ``same``, or one
    pair labelled both ways raises :class:`UserInputError` naming the row.

    Returns:
        ``(key, key)`` smaller first (keys ``list/record_id``) -> same person?
    """
    import io

    path = Path(path)
    try:
        frame = pd.read_csv(
            io.StringIO(_decode(path)), dtype=str, keep_default_na=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserInputError(f"cannot read {path} as CSV: {exc}") from None
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    missing = [c for c in LABEL_COLUMNS if c not in frame.columns]
    if missing:
        raise UserInputError(
            f"{path.name} lacks the column(s) {', '.join(missing)}: "
            f"it needs {', '.join(LABEL_COLUMNS)}"
        )
    known = set(reports["key"].astype(str))
    labels: dict[tuple[str, str], bool] = {}
    for line, row in enumerate(frame.to_dict("records"), start=2):
        answer = str(row["same"]).strip().lower()
        if not answer:
            continue
        if answer not in (_YES, _NO):
            raise UserInputError(
                f"{path.name} line {line}: same must be yes or no, not {answer!r}"
            )
        keys = []
        for side in ("a", "b"):
            lst = str(row[f"list_{side}"]).strip()
            rid = str(row[f"record_id_{side}"]).strip()
            key = f"{lst}/{rid}"
            if key not in known:
                raise UserInputError(
                    f"{path.name} line {line}: no record {rid!r} in a list named {lst!r}"
                )
            keys.append(key)
        if keys[0] == keys[1]:
            raise UserInputError(
                f"{path.name} line {line}: a record cannot be paired with itself"
            )
        pair = (min(keys), max(keys))
        same = answer == _YES
        if labels.get(pair, same) != same:
            raise UserInputError(
                f"{path.name} line {line}: the pair is labelled both yes and no"
            )
        labels[pair] = same
    return labels


def check_writable(out: Path) -> None:
    """Raise :class:`UserInputError` now if ``out``'s folder does not exist."""
    directory = Path(out).parent if str(Path(out).parent) else Path(".")
    if not directory.is_dir():
        raise UserInputError(f"cannot write {out}: folder {directory} does not exist")


def _atomic_csv(frame: pd.DataFrame, out: Path, prefix: str) -> None:
    check_writable(out)
    directory = Path(out).parent if str(Path(out).parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".csv", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def review_table(
    result: LinkResult,
    reports: pd.DataFrame,
    decided: Mapping[tuple[str, str], bool] | None = None,
) -> pd.DataFrame:
    """The undecided pairs of the review band, most informative first, values side by side.

    Columns: ``list_a, record_id_a, list_b, record_id_b, probability``, then
    ``<field>_a, <field>_b`` for each of :data:`REVIEW_FIELDS` the input has,
    ``national_id`` (``same``, ``one typo apart``, ``different`` or empty:
    never the digits), and
    an empty ``same`` column for the reviewer's yes or no.
    """
    from gawah.linkage.constraints import ids_differ
    from gawah.linkage.learn import order_by_priority
    from gawah.linkage.normalise import canonical_cnic

    band = order_by_priority(result.review_pairs(frozenset(decided or {})))
    rows = reports.assign(key=reports["key"].astype(str)).set_index("key")
    a, b = rows.loc[band["key_l"]], rows.loc[band["key_r"]]
    out = pd.DataFrame(
        {
            "list_a": a["list"].to_numpy(),
            "record_id_a": a["record_id"].to_numpy(),
            "list_b": b["list"].to_numpy(),
            "record_id_b": b["record_id"].to_numpy(),
            "probability": band["match_probability"].round(4).to_numpy(),
        }
    )
    for fld in REVIEW_FIELDS:
        if fld in rows.columns:
            out[f"{fld}_a"] = a[fld].fillna("").to_numpy()
            out[f"{fld}_b"] = b[fld].fillna("").to_numpy()
    if "national_id" in rows.columns:
        ids = zip(a["national_id"].tolist(), b["national_id"].tolist(), strict=True)
        verdicts = []
        for x, y in ids:
            cx = canonical_cnic(str(x)) if x == x and x is not None else None
            cy = canonical_cnic(str(y)) if y == y and y is not None else None
            verdicts.append(
                ""
                if not cx or not cy
                else "different"
                if ids_differ(cx, cy)
                else "same"
            )
        out["national_id"] = verdicts
    out["same"] = ""
    return out


def write_review_pairs(
    result: LinkResult,
    reports: pd.DataFrame,
    out: Path,
    decided: Mapping[tuple[str, str], bool] | None = None,
) -> int:
    """Write :func:`review_table` to ``out`` atomically; return the number of pairs."""
    table = review_table(result, reports, decided)
    _atomic_csv(table, Path(out), ".pairs-")
    return len(table)
