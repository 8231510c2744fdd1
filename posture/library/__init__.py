"""The library of assessments: every analysis (command line, batch, dashboard, live session)
recorded in a database, to list, filter, compare over time and export.

SQLite by default (one file in the user's data folder, :func:`default_path`; ``--library PATH``
or ``$POSTURE_LIBRARY`` move it), PostgreSQL for a team sharing one library
(``--library postgresql://...``), the same schema (:mod:`posture.library.schema`) and the same
migrations (Alembic, in ``posture/library/migrations/``).
"""

from posture.library.entry import AssessmentFields, Entry, entry_from_result, make_entry
from posture.library.store import ENV_VAR, Filters, Library, LibraryError, default_path, resolve

__all__ = [
    "ENV_VAR",
    "AssessmentFields",
    "Entry",
    "Filters",
    "Library",
    "LibraryError",
    "default_path",
    "entry_from_result",
    "make_entry",
    "resolve",
]
