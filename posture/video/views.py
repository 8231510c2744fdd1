"""What each annotated frame shows, built from a frame's report (no drawing here)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posture.assess.analysis import Analysis
from posture.assess.explain import FrameReport
from posture.core.measure_info import MEASURE_INFO
from posture.video.draw import FrameView, PersonView, person_view

PeopleAtFrame = Sequence[tuple[int, np.ndarray, np.ndarray]]  # (id, image_xyz, visibility)


def people_views(people: PeopleAtFrame, size: tuple[int, int]) -> tuple[PersonView, ...]:
    return tuple(person_view(pid, img, vis, size) for pid, img, vis in people)


def why_line(report: FrameReport) -> str:
    """One line saying why the main cue is on or off at this frame, e.g. ``Bending at the back:
    trunk 46 deg, knees 104 deg: knees bent - no finding, no cue``."""
    rule = report.headline()
    if rule is None:
        return ""
    return f"{rule.label}: {rule.why}"


def report_view(
    report: FrameReport | None,
    subject_id: int,
    people: PeopleAtFrame,
    size: tuple[int, int],
    footer: str = "",
) -> FrameView:
    """The FrameView of one frame: every person's skeleton, the subject's readings, the cue
    and why (``report`` None: the subject is not known yet, or not in this frame)."""
    pv = people_views(people, size)
    if report is None or not report.pose_found:
        return FrameView(pv, -1, "unknown", (), None, "none", footer)
    readings = tuple(
        (
            MEASURE_INFO[name].short,
            MEASURE_INFO[name].text(value) if np.isfinite(value) else "-",
            trusted or not np.isfinite(value),
        )
        for name, value, trusted in report.readings
    )
    if report.lift is not None:  # a lift is known once it reaches bottom
        number, style = report.lift
        name = f"lift {number}" if number else "lifting"
        footer = f"{name}: {style.replace('_', '-')}" + (f"  {footer}" if footer else "")
    return FrameView(
        pv,
        subject_id,
        report.risk_level,
        readings,
        report.cue_text,
        report.view,
        footer,
        why_line(report),
    )


def frame_view(
    analysis: Analysis | None,
    row: int | None,
    people: PeopleAtFrame,
    size: tuple[int, int],
    footer: str = "",
    lift_numbers: bool = True,
) -> FrameView:
    """The FrameView of row ``row`` of a recorded analysis (None when the subject is not known
    yet or not in this frame)."""
    if analysis is None or row is None:
        return report_view(None, -1, people, size, footer)
    report = analysis.report(row, lift_numbers=lift_numbers)
    return report_view(report, analysis.raw.person_id, people, size, footer)
