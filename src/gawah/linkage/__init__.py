"""Record linkage: one register of persons from many contradictory lists.

Stages named as HRDAG names them: :mod:`~gawah.linkage.normalise`,
:mod:`~gawah.linkage.blocking`, :mod:`~gawah.linkage.compare`,
:mod:`~gawah.linkage.classify`, :mod:`~gawah.linkage.cluster`,
:mod:`~gawah.linkage.review`; :mod:`~gawah.linkage.pipeline` runs them in
order. See ``docs/explanation/linkage.md``.
"""

from gawah.linkage.classify import (
    DEFAULT_MATCH_THRESHOLD,
    DEFAULT_REVIEW_HIGH,
    DEFAULT_REVIEW_LOW,
    ModelOptions,
)
from gawah.linkage.cluster import person_id
from gawah.linkage.files import link_files, read_lists, write_clusters
from gawah.linkage.gazetteer import Place, resolve_place
from gawah.linkage.normalise import (
    AgeRange,
    ParsedName,
    normalise_record,
    parse_age,
    parse_name,
    skeleton,
)
from gawah.linkage.pipeline import LinkOptions, LinkResult, link_records
from gawah.linkage.review import ComparisonWeight, ReviewPair, decide, review_queue
from gawah.linkage.run import LinkRun, capture_histories, link_workspace
from gawah.linkage.transliterate import to_latin

__all__ = [
    "DEFAULT_MATCH_THRESHOLD",
    "DEFAULT_REVIEW_HIGH",
    "DEFAULT_REVIEW_LOW",
    "AgeRange",
    "ComparisonWeight",
    "LinkOptions",
    "LinkResult",
    "LinkRun",
    "ModelOptions",
    "ParsedName",
    "Place",
    "ReviewPair",
    "capture_histories",
    "decide",
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
    "skeleton",
    "to_latin",
    "write_clusters",
]
