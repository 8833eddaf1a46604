"""The registry: incidents, sources, reports and persons, projected from the ledger.

A *report* is one person as one source reported them; a *person* is a cluster
of reports decided by linkage (:func:`assign_persons`). Lists enter through
:func:`import_list`; other domains read through the functions of
:mod:`gawah.registry.queries`, re-exported here.
"""

from gawah.registry.importing import (
    ImportReport,
    RowsInvalidError,
    import_list,
    import_rows,
)
from gawah.registry.mapfile import ColumnMap, dump_map, load_map
from gawah.registry.models import (
    CANONICAL_COLUMNS,
    SENSITIVE_COLUMNS,
    SOURCE_CONNECTIONS,
    SOURCE_KINDS,
    SOURCE_RELIABILITY,
    Incident,
    PersonAssignment,
    PersonsAssigned,
    Provenance,
    Release,
    Report,
    SensitiveFields,
    Source,
)
from gawah.registry.queries import (
    UNRECOGNISED,
    PersonReports,
    RegistryCounts,
    SealedError,
    counts,
    get_incident,
    get_report,
    get_sensitive,
    get_source,
    is_sealed,
    iter_reports,
    list_incidents,
    list_reports,
    list_sources,
    match_keys,
    person_of_report,
    persons_with_reports,
    source_releases,
)
from gawah.registry.recording import (
    assign_persons,
    record_incident,
    record_source,
    source_id_for,
)
from gawah.registry.rows import ImportIssue
from gawah.registry.vocabularies import DatePrecision, Sex, Status, StatusVocabulary

__all__ = [
    "CANONICAL_COLUMNS",
    "SENSITIVE_COLUMNS",
    "SOURCE_CONNECTIONS",
    "SOURCE_KINDS",
    "SOURCE_RELIABILITY",
    "UNRECOGNISED",
    "ColumnMap",
    "DatePrecision",
    "ImportIssue",
    "ImportReport",
    "Incident",
    "PersonAssignment",
    "PersonReports",
    "PersonsAssigned",
    "Provenance",
    "RegistryCounts",
    "Release",
    "Report",
    "RowsInvalidError",
    "SealedError",
    "SensitiveFields",
    "Sex",
    "Source",
    "Status",
    "StatusVocabulary",
    "assign_persons",
    "counts",
    "dump_map",
    "get_incident",
    "get_report",
    "get_sensitive",
    "get_source",
    "import_list",
    "import_rows",
    "is_sealed",
    "iter_reports",
    "list_incidents",
    "list_reports",
    "list_sources",
    "load_map",
    "match_keys",
    "person_of_report",
    "persons_with_reports",
    "record_incident",
    "record_source",
    "source_id_for",
    "source_releases",
]
