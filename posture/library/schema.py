"""The library's tables, written once with SQLAlchemy Core for SQLite and PostgreSQL alike.

One row per recording (its content hash, so a file renamed or copied is still the same
recording), one row per assessment of it (the assessment's fields, the settings, the headline
figures, where its outputs are), and the assessment's lifts, time shares of each score level and
cues as child rows. Times are UTC, without a time zone attached (both engines store them the
same way). This module is the schema as the code reads it; the migrations in
``posture/library/migrations/versions/`` build it in a database, and a test checks the two
agree.
"""

from __future__ import annotations

import sqlalchemy as sa

#: The migration the code expects (``alembic heads``); a test checks it is the newest one.
SCHEMA_REVISION = "0001"

metadata = sa.MetaData()

recordings = sa.Table(
    "recordings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # sha256 of the file's bytes; a live session (no file): of its landmarks
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(512), nullable=False),  # the file's name when first seen
    sa.Column("kind", sa.String(16), nullable=False),  # video, landmarks, camera, live
    sa.Column("size_bytes", sa.BigInteger),
    sa.Column("recorded_at", sa.DateTime),  # the file's modification time, UTC
    sa.Column("duration_s", sa.Float),
    sa.Column("frames", sa.Integer),
    sa.Column("fps", sa.Float),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("first_seen_at", sa.DateTime, nullable=False),
)

#: The assessment fields a user types (all optional; worker is personal data).
ASSESSMENT_FIELDS = ("task", "worker", "site", "assessor", "notes")
#: The headline figures, as ``posture.run.batch.OVERVIEW_COLUMNS`` names them.
HEADLINE = (
    "lifts",
    "risky_lifts",
    "lifts_per_min",
    "worst_lifting_index",
    "time_high_share",
    "time_medium_share",
    "reba_peak",
    "reba_high_share",
    "rula_peak",
    "peak_trunk_flexion_deg",
)

assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "recording_id",
        sa.Integer,
        sa.ForeignKey("recordings.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    # the same analysis recorded again (same output folder, same dashboard session) replaces
    # its row instead of adding one
    sa.Column("dedupe_key", sa.String(700), unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),  # when it was analysed, UTC
    sa.Column("assessed_on", sa.Date, nullable=False, index=True),  # --date, else that day
    sa.Column("origin", sa.String(16), nullable=False),  # cli, batch, ray, dashboard, live
    sa.Column("status", sa.String(16), nullable=False),  # ok, partial
    sa.Column("machine", sa.String(255)),  # where the outputs were written
    sa.Column("output_dir", sa.Text),
    sa.Column("source_path", sa.Text),  # the recording as it was given
    sa.Column("task", sa.String(255), index=True),
    sa.Column("worker", sa.String(255)),
    sa.Column("site", sa.String(255)),
    sa.Column("assessor", sa.String(255)),
    sa.Column("notes", sa.Text),
    sa.Column("posture_version", sa.String(32)),
    sa.Column("model_sha256", sa.String(64)),
    sa.Column("settings_sha256", sa.String(64)),
    sa.Column("settings_json", sa.Text, nullable=False),
    sa.Column("load_kg", sa.Float),
    sa.Column("subject", sa.Integer),
    sa.Column("people", sa.Integer),
    sa.Column("frames_with_pose_share", sa.Float),
    sa.Column("lifts", sa.Integer),
    sa.Column("risky_lifts", sa.Integer),
    sa.Column("lifts_per_min", sa.Float),
    sa.Column("worst_lifting_index", sa.Float),
    sa.Column("time_high_share", sa.Float),
    sa.Column("time_medium_share", sa.Float),
    sa.Column("reba_peak", sa.Float),
    sa.Column("reba_high_share", sa.Float),
    sa.Column("rula_peak", sa.Float),
    sa.Column("peak_trunk_flexion_deg", sa.Float),
    sa.Column("main_cue", sa.String(255)),
    sa.Column("warnings", sa.Text),
    sa.Column("summary_json", sa.Text, nullable=False),  # summary.json as written
)

lifts = sa.Table(
    "lifts",
    metadata,
    sa.Column(
        "assessment_id",
        sa.Integer,
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("lift", sa.Integer, primary_key=True),
    sa.Column("start_s", sa.Float),
    sa.Column("lowest_s", sa.Float),
    sa.Column("end_s", sa.Float),
    sa.Column("style", sa.String(16)),
    sa.Column("partial", sa.Boolean),
    sa.Column("trunk_flexion_at_lowest_deg", sa.Float),
    sa.Column("knee_flexion_at_lowest_deg", sa.Float),
    sa.Column("peak_trunk_flexion_deg", sa.Float),
    sa.Column("peak_twist_deg", sa.Float),
    sa.Column("twisting_under_load", sa.Boolean),
    sa.Column("one_handed", sa.Boolean),
    sa.Column("li_origin", sa.Float),
    sa.Column("li_destination", sa.Float),
    sa.Column("niosh_note", sa.Text),
    sa.Column("row_json", sa.Text, nullable=False),  # the whole lifts.csv row
)

#: Time share of each level of each score: risk (low/medium/high/unknown), reba, owas_back.
score_levels = sa.Table(
    "score_levels",
    metadata,
    sa.Column(
        "assessment_id",
        sa.Integer,
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("score", sa.String(16), primary_key=True),
    sa.Column("level", sa.String(32), primary_key=True),
    sa.Column("time_share", sa.Float, nullable=False),
)

cues = sa.Table(
    "cues",
    metadata,
    sa.Column(
        "assessment_id",
        sa.Integer,
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("rank", sa.Integer, primary_key=True),
    sa.Column("cue", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("seconds", sa.Float),
    sa.Column("high_seconds", sa.Float),
)

CHILD_TABLES = (lifts, score_levels, cues)
