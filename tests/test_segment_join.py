"""Segments joined into one recording (posture.run.segments.join_segments): people matched over
each lead-in, and a person the segment's person detector missed over its lead-in (half hidden)
taken up again where the sequential run's tracker would have followed them."""

from __future__ import annotations

from segment_plans import fake_plan
from test_identity import track

from posture.run.segments import Segment, SegmentPlan, SegmentResult, join_segments

FPS, N = 30, 600
CUT, LEAD_IN = 300, 270  # the second segment owns frames 300-599, analysed from 270
GREEN = (0.2, 0.45, 0.8, 0.2, 0.45, 0.8)  # clothes unlike the worker's, even to the tracker


def _plan() -> SegmentPlan:
    return fake_plan(
        N, FPS, (1280, 720), (Segment(0, 0, 0, CUT, 0), Segment(1, LEAD_IN, CUT, N, LEAD_IN))
    )


def _joined(*second: object) -> list[tuple[int, int, int]]:
    """The people (first and last frame, frames seen) when the first segment saw one worker
    at x = 0.3 in all its frames and the second segment found ``second``."""
    plan = _plan()
    first = SegmentResult(plan.segments[0], CUT, (track(1, range(0, CUT), 0.3),))
    later = SegmentResult(plan.segments[1], N - LEAD_IN, tuple(second))  # type: ignore[arg-type]
    out = join_segments(plan, [first, later]).tracks
    return sorted((int(p.rows[0]), int(p.rows[-1]), int(p.rows.size)) for p in out)


def test_a_person_found_in_the_lead_in_is_the_same_person() -> None:
    assert _joined(track(5, range(LEAD_IN, N), 0.3)) == [(0, N - 1, N)]


def test_a_person_missed_over_the_lead_in_and_found_just_after_it_is_taken_up_again() -> None:
    """Found 0.4 s after the cut where the worker was, their torso reading larger and their
    clothes a little different (another light): the tracker would have followed them."""
    again = track(5, range(CUT + 12, N), 0.31, th=0.25)
    assert _joined(again) == [(0, N - 1, N - 12)]


def test_someone_else_found_after_the_cut_is_not_taken_up() -> None:
    """In other clothes, or far from where the worker was, or long after: another person (or
    for the identities of the whole recording to decide)."""
    for other in (
        track(5, range(CUT + 12, N), 0.3, colour=GREEN),
        track(5, range(CUT + 12, N), 0.9),
        track(5, range(CUT + 120, N), 0.3, th=0.4),
    ):
        assert len(_joined(other)) == 2
