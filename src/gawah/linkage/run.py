"""Linkage over a workspace: fill the registry's persons.

:func:`link_workspace` reads every report, links them with the reviewed
decisions binding, records the persons (``persons.assigned``, through
:func:`gawah.registry.assign_persons`) and the run with its review candidates
(``link.ran``). Person ids carry over from the previous assignment where the
clusters overlap. The capture histories estimation needs are built above, in
:func:`gawah.estimate.capture_histories`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gawah.core import terminal_console
from gawah.errors import UserInputError
from gawah.linkage.cluster import join_keys, key_root
from gawah.linkage.pipeline import LinkOptions, LinkResult, link_records
from gawah.linkage.projection import LINK_RAN
from gawah.linkage.review import decisions, explain
from gawah.linkage.summary import run_summary
from gawah.registry import (
    assign_persons,
    list_reports,
    list_sources,
    match_keys,
    person_of_report,
)
from gawah.workspace import Workspace

METHOD = "gawah.linkage: Splink Fellegi-Sunter (DuckDB), best-first clustering"
_REPORT_FIELDS = (
    "record_id", "full_name", "given_name", "family_name", "father_name", "name_urdu",
    "sex", "age", "age_min", "age_max", "status", "date", "place", "address", "district",
    "tehsil", "union_council", "village", "notes",
)  # fmt: skip


@dataclass(frozen=True)
class LinkRun:
    """What a workspace linkage run did."""

    run_id: str
    n_reports: int
    n_persons: int
    n_review: int
    seconds: float
    result: LinkResult = field(repr=False)
    # gawah.linkage.summary.run_summary: per list, histogram, violations.
    summary: dict[str, Any] = field(default_factory=dict, repr=False)


def _value(value: object) -> object:
    return getattr(value, "value", value)


def reports_frame(ws: Workspace) -> pd.DataFrame:
    """Every report of the workspace with the fields linkage compares.

    National ids are compared through their keyed hashes (HMAC under the
    workspace secret, recorded at import: :func:`gawah.registry.match_keys`),
    written as digits so the comparison reads them as it reads ids; linkage
    never sees a sealed id in the clear.
    """
    sources = {s.source_id: s.name for s in list_sources(ws.conn)}
    ids = match_keys(ws.conn)
    rows: list[dict[str, object]] = []
    for report in list_reports(ws.conn):
        row = {f: _value(getattr(report, f, None)) for f in _REPORT_FIELDS}
        if _value(getattr(report, "date_precision", None)) not in (None, "day"):
            row["date"] = None  # "Mar 2031" is not the 1st of March
        row["national_id"] = ids.get(report.report_id, (None, None))[0]
        # The registry's date of birth ("1987-03-14", "1987-03" or "1987"); lists
        # imported before it was a field kept it as an extra column.
        extra = report.extra or {}
        row["dob"] = getattr(report, "dob", None) or next(
            (
                extra[k]
                for k in ("dob", "date_of_birth", "date of birth")
                if extra.get(k)
            ),
            None,
        )
        row["list"] = sources.get(report.source_id, report.source_id)
        row["source_id"] = report.source_id
        row["key"] = report.report_id
        rows.append(row)
    return pd.DataFrame(rows)


def link_workspace(
    ws: Workspace, *, progress: bool = False, options: LinkOptions | None = None
) -> LinkRun:
    """Link every report of the workspace into persons and record the result.

    Args:
        ws: the open workspace.
        progress: show a progress line per stage (the CLI does).
        options: thresholds and model options; the documented defaults if None.

    Returns:
        A :class:`LinkRun` (ids, counts, the full :class:`LinkResult`).
    """
    started = time.perf_counter()
    say = _printer(progress)
    say("reading reports")
    reports = reports_frame(ws)
    if reports.empty:
        raise UserInputError("the workspace has no reports to link: import lists first")
    say(f"linking {len(reports)} reports")
    decided = decisions(ws.conn)
    result = link_records(
        reports,
        options=options,
        decisions=decided,
        previous=person_of_report(ws.conn),
    )
    run_id = "run-" + uuid.uuid4().hex[:16]
    # The record says where the model ran (the model is the same).
    backend = result.options.model.backend
    method = (
        METHOD if backend == "duckdb" else METHOD.replace("DuckDB", backend.title())
    )
    say("recording persons")
    members: dict[str, list[str]] = {}
    for key, pid in zip(
        result.records["key"], result.records["person_id"], strict=True
    ):
        members.setdefault(str(pid), []).append(str(key))
    assign_persons(ws, members, run_id, method)
    band = result.review_pairs()
    lines = explain(band, result.model)
    candidates = [
        {
            "report_l": str(a),
            "report_r": str(b),
            "match_probability": round(float(p), 6),
            "match_weight": round(float(w), 4),
            "explanation": [[c.comparison, c.level, c.weight] for c in expl],
        }
        for a, b, p, w, expl in zip(
            band["key_l"],
            band["key_r"],
            band["match_probability"],
            band["match_weight"],
            lines,
            strict=True,
        )
    ]
    opts = result.options
    ws.append(
        LINK_RAN,
        {
            "doubt": doubt_record(result, decided),
            "run_id": run_id,
            "method": method,
            "threshold": opts.threshold,
            "review_low": opts.review_low,
            "review_high": opts.review_high,
            "reports": len(reports),
            "persons": result.n_persons,
            "candidates": candidates,
        },
    )
    undecided = sum((c["report_l"], c["report_r"]) not in decided for c in candidates)
    say("checking constraints")
    info = run_summary(result, reports, review_pairs=undecided)
    return LinkRun(
        run_id,
        len(reports),
        result.n_persons,
        len(candidates),
        time.perf_counter() - started,
        result,
        info,
    )


def doubt_record(
    result: LinkResult, decided: Mapping[tuple[str, str], bool]
) -> dict[str, Any]:
    """What the interval with linkage doubt draws from, beyond the review band.

    ``pairs``: the undecided pairs from ``doubt_low`` up to the review band
    (``[key, key, probability]``). ``cores``: for each person whose reports
    are not all held together by certain links (a probability at or above
    the review band, or a reviewer's "same person"), its reports grouped by
    those links; a plausible clustering may split a person only between its
    cores (``gawah.estimate.linkage_doubt``).
    """
    opts = result.options
    low = result.low_pairs
    pairs = (
        []
        if low is None
        else [
            [str(a), str(b), round(float(p), 6)]
            for a, b, p in zip(
                low["key_l"], low["key_r"], low["match_probability"], strict=True
            )
            if (str(a), str(b)) not in decided
        ]
    )
    person = dict(
        zip(
            result.records["key"].astype(str),
            result.records["person_id"].astype(str),
            strict=True,
        )
    )
    parent: dict[str, str] = {}

    sure = result.pairs[result.pairs["match_probability"] >= opts.review_high]
    links = [
        *zip(sure["key_l"].astype(str), sure["key_r"].astype(str), strict=True),
        *(pair for pair, same in decided.items() if same),
    ]
    for a, b in links:
        if a in person and b in person and person[a] == person[b]:
            join_keys(parent, a, b)
    cores: dict[str, dict[str, list[str]]] = {}
    for key, pid in person.items():
        cores.setdefault(pid, {}).setdefault(key_root(parent, key), []).append(key)
    split = [
        sorted(core)
        for by_root in cores.values()
        if len(by_root) > 1
        for core in by_root.values()
    ]
    return {"low": opts.doubt_low, "pairs": pairs, "cores": sorted(split)}


def _printer(progress: bool):  # type: ignore[no-untyped-def]
    if not progress:
        return lambda message: None

    console = terminal_console(stderr=True)
    return lambda message: console.print(f"[dim]link:[/] {message}")
