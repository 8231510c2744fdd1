"""The report of one analysis, the document occupational-health staff file: ``report.html``
and the same document on A4 pages, ``report.pdf`` (:mod:`posture.report.pdf`).

One file, no external resources: the CSS is inline and every picture (plots drawn with
matplotlib's Agg canvas, the worst moments taken from the annotated video) is embedded as a
base64 PNG, so the report opens offline and survives being e-mailed or archived. Faces are
blurred in the report's pictures by default (``blur_faces=True``), whatever the annotated video
shows.

``posture.report.moments`` picks the moments worth showing (peaks, lifts, the worst frames);
the dashboard uses it too.
"""

from posture.report.document import Reports, render_report, write_report, write_reports
from posture.report.moments import (
    LABELS,
    LIFT_COLUMNS,
    Moment,
    candidate_moments,
    deepest_bend_deg,
    key_moments,
    lift_count,
    lift_low_row,
    lift_notes,
    lift_rows,
    lift_text,
    lifting_index,
    peak_row,
    row_at,
    worst_lift,
    worst_lift_text,
)

__all__ = [
    "LABELS",
    "LIFT_COLUMNS",
    "Moment",
    "Reports",
    "candidate_moments",
    "deepest_bend_deg",
    "key_moments",
    "lift_count",
    "lift_low_row",
    "lift_notes",
    "lift_rows",
    "lift_text",
    "lifting_index",
    "peak_row",
    "render_report",
    "row_at",
    "worst_lift",
    "worst_lift_text",
    "write_report",
    "write_reports",
]
