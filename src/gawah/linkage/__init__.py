"""Record linkage: one register of persons from many contradictory lists.

Stages named as HRDAG names them: :mod:`~gawah.linkage.normalise`,
:mod:`~gawah.linkage.blocking`, :mod:`~gawah.linkage.compare`,
:mod:`~gawah.linkage.classify`, :mod:`~gawah.linkage.cluster`,
:mod:`~gawah.linkage.review` (and :mod:`~gawah.linkage.learn`, which learns
from it); :mod:`~gawah.linkage.pipeline` runs them in order.
:mod:`~gawah.linkage.summary` reports a run, :mod:`~gawah.linkage.constraints`
what no person can be. See ``docs/explanation/linkage.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gawah.linkage.classify import (
        DEFAULT_MATCH_THRESHOLD,
        DEFAULT_REVIEW_HIGH,
        DEFAULT_REVIEW_LOW,
        ModelOptions,
    )
    from gawah.linkage.cluster import join_keys, key_root, person_id
    from gawah.linkage.constraints import Violation, constraint_violations
    from gawah.linkage.files import link_files, read_lists, write_clusters
    from gawah.linkage.folding import skeleton
    from gawah.linkage.gazetteer import Place, resolve_place
    from gawah.linkage.normalise import (
        AgeRange,
        ParsedName,
        is_known_name,
        normalise_record,
        parse_age,
        parse_name,
    )
    from gawah.linkage.pipeline import LinkOptions, LinkResult, link_records
    from gawah.linkage.review import (
        ComparisonWeight,
        DoubtGraph,
        ReviewPair,
        decide,
        doubt_graph,
        review_queue,
    )
    from gawah.linkage.run import LinkRun, link_workspace
    from gawah.linkage.summary import run_summary
    from gawah.linkage.transliterate import to_latin

# Public name -> defining module, imported on first use (PEP 562), so that
# `gawah --help` does not load pandas, Splink and DuckDB.
_SOURCES = {
    "AgeRange": "gawah.linkage.normalise",
    "ComparisonWeight": "gawah.linkage.review",
    "DEFAULT_MATCH_THRESHOLD": "gawah.linkage.classify",
    "DEFAULT_REVIEW_HIGH": "gawah.linkage.classify",
    "DEFAULT_REVIEW_LOW": "gawah.linkage.classify",
    "DoubtGraph": "gawah.linkage.review",
    "LinkOptions": "gawah.linkage.pipeline",
    "LinkResult": "gawah.linkage.pipeline",
    "LinkRun": "gawah.linkage.run",
    "ModelOptions": "gawah.linkage.classify",
    "ParsedName": "gawah.linkage.normalise",
    "Place": "gawah.linkage.gazetteer",
    "ReviewPair": "gawah.linkage.review",
    "Violation": "gawah.linkage.constraints",
    "constraint_violations": "gawah.linkage.constraints",
    "decide": "gawah.linkage.review",
    "doubt_graph": "gawah.linkage.review",
    "link_files": "gawah.linkage.files",
    "link_records": "gawah.linkage.pipeline",
    "link_workspace": "gawah.linkage.run",
    "normalise_record": "gawah.linkage.normalise",
    "parse_age": "gawah.linkage.normalise",
    "parse_name": "gawah.linkage.normalise",
    "person_id": "gawah.linkage.cluster",
    "join_keys": "gawah.linkage.cluster",
    "key_root": "gawah.linkage.cluster",
    "read_lists": "gawah.linkage.files",
    "resolve_place": "gawah.linkage.gazetteer",
    "review_queue": "gawah.linkage.review",
    "run_summary": "gawah.linkage.summary",
    "skeleton": "gawah.linkage.folding",
    "is_known_name": "gawah.linkage.normalise",
    "to_latin": "gawah.linkage.transliterate",
    "write_clusters": "gawah.linkage.files",
}

__all__ = [
    "DEFAULT_MATCH_THRESHOLD",
    "DEFAULT_REVIEW_HIGH",
    "DEFAULT_REVIEW_LOW",
    "AgeRange",
    "ComparisonWeight",
    "DoubtGraph",
    "LinkOptions",
    "LinkResult",
    "LinkRun",
    "ModelOptions",
    "ParsedName",
    "Place",
    "ReviewPair",
    "Violation",
    "constraint_violations",
    "decide",
    "doubt_graph",
    "is_known_name",
    "join_keys",
    "key_root",
    "link_files",
    "link_records",
    "link_workspace",
    "normalise_record",
    "parse_age",
    "parse_name",
    "person_id",
    "read_lists",
    "resolve_place",
    "review_queue",
    "run_summary",
    "skeleton",
    "to_latin",
    "write_clusters",
]


def __getattr__(name: str) -> Any:
    if name in _SOURCES:
        value = getattr(import_module(_SOURCES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gawah.linkage' has no attribute {name!r}")
