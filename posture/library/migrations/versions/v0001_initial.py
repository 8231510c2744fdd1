"""The first library: recordings, assessments, their lifts, score levels and cues.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _child(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column(
            "assessment_id",
            sa.Integer,
            sa.ForeignKey("assessments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        *columns,
    )


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("size_bytes", sa.BigInteger),
        sa.Column("recorded_at", sa.DateTime),
        sa.Column("duration_s", sa.Float),
        sa.Column("frames", sa.Integer),
        sa.Column("fps", sa.Float),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "recording_id",
            sa.Integer,
            sa.ForeignKey("recordings.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(700), unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("assessed_on", sa.Date, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("machine", sa.String(255)),
        sa.Column("output_dir", sa.Text),
        sa.Column("source_path", sa.Text),
        sa.Column("task", sa.String(255)),
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
        sa.Column("summary_json", sa.Text, nullable=False),
    )
    op.create_index("ix_assessments_recording_id", "assessments", ["recording_id"])
    op.create_index("ix_assessments_assessed_on", "assessments", ["assessed_on"])
    op.create_index("ix_assessments_task", "assessments", ["task"])
    _child(
        "lifts",
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
        sa.Column("row_json", sa.Text, nullable=False),
    )
    _child(
        "score_levels",
        sa.Column("score", sa.String(16), primary_key=True),
        sa.Column("level", sa.String(32), primary_key=True),
        sa.Column("time_share", sa.Float, nullable=False),
    )
    _child(
        "cues",
        sa.Column("rank", sa.Integer, primary_key=True),
        sa.Column("cue", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("seconds", sa.Float),
        sa.Column("high_seconds", sa.Float),
    )


def downgrade() -> None:
    for name in ("cues", "score_levels", "lifts", "assessments", "recordings"):
        op.drop_table(name)
