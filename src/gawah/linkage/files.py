"""CSV mode: link list files without a workspace (for analysts and evaluation).

Each file is one list, named after its stem; columns are the registry's
canonical import columns (``record_id``, ``full_name`` ...; headers are matched
case-insensitively). Everything is validated before anything is linked, and
the output is written in one rename, so bad input writes nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from gawah.errors import UserInputError
from gawah.linkage.normalise import NAME_COLUMNS
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


def read_list(path: Path) -> pd.DataFrame:
    """Read and check one list file; raise :class:`UserInputError` on bad input.

    The file must have a name column (``full_name``, ``given_name``,
    ``family_name`` or ``name_urdu``); ``record_id`` values must be unique
    (without the column, the 1-based row number is the record id).
    """
    import io

    text = _decode(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserInputError(f"cannot read {path} as CSV: {exc}") from None
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    if not any(c in frame.columns for c in NAME_COLUMNS):
        raise UserInputError(
            f"{path.name} has no name column: it needs one of {', '.join(NAME_COLUMNS)}"
        )
    if "record_id" not in frame.columns:
        frame["record_id"] = [str(i) for i in range(1, len(frame) + 1)]
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


def read_lists(paths: Sequence[Path]) -> pd.DataFrame:
    """Read every list, checking all before returning one table with ``list`` and ``key``."""
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
        frame = read_list(Path(path))
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
