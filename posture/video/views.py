"""What each annotated frame shows, built from an analysis (no drawing here)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posture.assess.analysis import Analysis
from posture.assess.cues import CUE_TEXT
from posture.video.draw import FrameView, PersonView, person_view

#: (label, measure, unit suffix) shown in the panel, in order.
PANEL = (
    ("Trunk bend", "trunk_flexion_deg", "deg"),
    ("Twist", "trunk_twist_deg", "deg"),
    ("Side bend", "trunk_side_bend_deg", "deg"),
    ("Shoulders fwd", "shoulders_forward_deg", "deg"),
    ("Knees", "knee_flexion_deg", "deg"),
)

PeopleAtFrame = Sequence[tuple[int, np.ndarray, np.ndarray]]  # (id, image_xyz, visibility)


def people_views(people: PeopleAtFrame, size: tuple[int, int]) -> tuple[PersonView, ...]:
    return tuple(person_view(pid, img, vis, size) for pid, img, vis in people)


def frame_view(
    analysis: Analysis | None,
    row: int | None,
    people: PeopleAtFrame,
    size: tuple[int, int],
    footer: str = "",
    lift_numbers: bool = True,
) -> FrameView:
    """The FrameView of one frame: every person's skeleton, the subject's readings and cue.

    ``row`` is the subject analysis' row for this frame (None when the subject is not known
    yet or not in this frame).
    """
    pv = people_views(people, size)
    if analysis is None or row is None or not analysis.pose_found[row]:
        return FrameView(pv, -1, "unknown", (), None, "none", footer)
    m = analysis.measures
    min_conf = analysis.settings.view.min_confidence
    readings = []
    for label, name, _unit in PANEL:
        v = m[name][row]
        if not np.isfinite(v):
            readings.append((label, "-", False))
            continue
        readings.append((label, f"{round(float(v)):d} deg", bool(m.conf[name][row] >= min_conf)))
    cue = analysis.frame_cue(row)
    lift = analysis.lift_at(row)
    if lift is not None and row >= lift.lowest_row:  # a lift is known once it reaches bottom
        name = f"lift {lift.number}" if lift_numbers else "lifting"
        footer = f"{name}: {lift.style.replace('_', '-')}" + (f"  {footer}" if footer else "")
    return FrameView(
        pv,
        analysis.raw.person_id,
        str(analysis.cues.risk_level[row]),
        tuple(readings),
        CUE_TEXT[cue] if cue else None,
        str(m.view[row]),
        footer,
    )
