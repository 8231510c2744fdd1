"""Every core on one recording: a video split into time segments analysed in parallel.

A long recording is cut into time segments; each is analysed by a separate process with its own
pose model, beginning a little before its own first frame (the *lead-in*) so that the people it
finds can be matched with the ones the previous segment found; the segments' tracks are joined
into one recording, and the final analysis (cleaning, measures, lifts, scores, cues: everything
that needs the whole clip) runs once on it, as for a sequential run. The annotated video is
drawn and encoded segment by segment, in parallel too, and the pieces are joined without
re-encoding.

Contract
--------
This is the API the batch runners build on (``posture analyze --workers N`` through a local
process pool, and the Ray runner of issue 13 through Ray tasks or actors). Every value that
crosses a process boundary is a frozen dataclass of ``str``, ``int``, ``float``, tuples and
numpy arrays (picklable; no open files, threads or models inside). The steps, in order::

    plan = plan_segments(path, settings, workers=N)       # here: reads the container's index
    parts = [analyze_segment(job) for job in plan.jobs]    # anywhere, in any order, in parallel
    joined = join_segments(plan, parts)                    # here: one recording, ids joined
    result = finish(plan, joined, settings, out_dir)       # here: final analysis and outputs
    pieces = [render_segment(job, out) for job in render_jobs(plan, result)]  # anywhere
    join_videos(pieces, out_dir / "annotated.mp4")         # here: no re-encoding

:func:`analyze_in_segments` runs all of it with any ``map`` (the CLI passes a process pool's),
so a runner only has to supply how the jobs travel:

``plan_segments(path, settings, workers) -> SegmentPlan``
    Reads the video's packet index (no decoding; about a second for 30 minutes of video) for
    every frame's timestamp and the key frames. One segment when ``workers`` is 1, the clip is
    shorter than two segments' minimum (``SEGMENT_MIN_S``), or its timestamps cannot be trusted
    for seeking (no or repeated timestamps: then the plan says why in ``plan.sequential_why``).
    Segments are contiguous and cover every frame exactly once: ``segments[i].stop_frame ==
    segments[i + 1].first_frame``.

``analyze_segment(job: SegmentJob) -> SegmentResult``
    Decodes ``job.source`` from the key frame before the segment's lead-in, runs the pose model
    and the tracker over frames ``[lead_in_frame, stop_frame)`` and returns every track's
    landmarks there. Runs in any process that can import ``posture``; the pose model is loaded
    at the first call and kept for the next ones in the same process (a pool worker or a Ray
    actor loads it once), but no tracking state survives from one call to the next, so the result
    does not depend on which process ran which job, or in what order. ``job.source`` must be a
    path this process can read: on a machine without the original file, replace it with a local
    copy of the same bytes (``dataclasses.replace(job, source=local_path)``). Never raises for
    a bad video: ``SegmentResult.error`` says what went wrong, with the frames analysed before it.

``join_segments(plan, parts) -> JoinedRecording``
    Takes the results in any order (sorted by ``segment.index``); raises :class:`SegmentError`
    when one is missing or failed. Each segment's frames before its ``first_frame`` (its
    lead-in) are used only to match its tracks with the previous segment's people; every frame
    is taken from the segment that owns it. Identities are then settled over the whole clip as
    in a sequential run (:mod:`posture.video.identity`).

``finish(plan, joined, settings, out_dir) -> Result``
    The same :class:`posture.run.recorded.Result` and outputs (frames.csv, lifts.csv,
    summary.json, landmarks.npz) as a sequential ``analyze_source``, without the annotated video.

``render_jobs(plan, result) -> list[RenderJob]`` and ``render_segment(job, out) -> Path``
    One job per segment: the segment's frames are decoded again, drawn from the final analysis
    and encoded as H.264 into ``out`` (an ``.mp4`` path on the machine that runs it; send its
    bytes back if that is another machine). ``join_videos(pieces, dest)`` concatenates the
    pieces in order, copying the encoded packets (same encoder settings, so no re-encoding).

Equal to a sequential run, within these tolerances (``tests/integration/test_segments.py``):
the same people (ids and subject), the same lifts (count and style, times within 0.1 s), every
measure within 1 deg (1 cm) on at least 99 % of frames. The pose model's own tracking begins
afresh at each segment's lead-in; after ``LEAD_IN_S`` it follows the same people as the
sequential run did, so differences are confined to a few frames after each lead-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from posture.core.config import Settings
from posture.core.errors import PostureError

#: Segments are at least this long (shorter ones cost more in start-up and lead-in than they
#: gain), seconds of video.
SEGMENT_MIN_S = 8.0
#: Frames analysed before a segment's own first frame, to join its people with the previous
#: segment's: the pose model's tracking and smoothing settle within about half a second.
LEAD_IN_S = 1.0

T = TypeVar("T")
R = TypeVar("R")
#: How jobs travel: ``map(function, jobs)`` returns the results in any order (e.g. a process
#: pool's ``imap_unordered``, or Ray tasks gathered with ``ray.get``).
MapFn = Callable[[Callable[[T], R], Sequence[T]], Iterable[R]]


class SegmentError(PostureError):
    """A segment is missing or could not be analysed."""


@dataclass(frozen=True)
class Segment:
    """One time segment: the frames it owns, ``[first_frame, stop_frame)``, and the frames
    analysed before them to join its people with the previous segment's, ``[lead_in_frame,
    first_frame)``. Frame numbers count from the clip's first frame, as in frames.csv."""

    index: int
    lead_in_frame: int
    first_frame: int
    stop_frame: int
    seek_pts: int  # a key frame at or before lead_in_frame, in the stream's time base


@dataclass(frozen=True)
class SegmentJob:
    """Everything :func:`analyze_segment` needs (picklable)."""

    source: str
    segment: Segment
    settings: Settings
    #: ``(F,)`` int64 presentation timestamps of frames ``[lead_in_frame, stop_frame)``, and
    #: ``(F,)`` float64 their times in seconds from the clip's start, as a sequential decode
    #: numbers them
    pts: np.ndarray
    t_s: np.ndarray
    image_size_px: tuple[int, int]


@dataclass(frozen=True)
class TrackPart:
    """One person tracked in one segment: ``rows`` ``(n,)`` int64 frame numbers (clip-wide)
    where they were seen, with their landmarks there in the project's convention
    (``world_xyz_m``, ``image_xyz`` ``(n, 33, 3)`` float32, ``visibility`` ``(n, 33)``)."""

    track_id: int  # the segment's own number
    rows: np.ndarray
    world_xyz_m: np.ndarray
    image_xyz: np.ndarray
    visibility: np.ndarray
    sightings: int  # frames the pose model itself found them in (not a second look)


@dataclass(frozen=True)
class SegmentResult:
    """What one segment found (picklable). ``frames`` is how many frames were analysed,
    lead-in included; fewer than the job asked for when the video broke (``error``)."""

    segment: Segment
    frames: int
    tracks: tuple[TrackPart, ...]
    error: str | None = None
    warnings: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SegmentPlan:
    """A video cut into segments, with every frame's timestamp (``pts`` ``(N,)`` int64, in
    the stream's time base; ``t_s`` ``(N,)`` float64 seconds from the first frame)."""

    source: str
    settings: Settings
    pts: np.ndarray
    t_s: np.ndarray
    image_size_px: tuple[int, int]
    fps: float
    segments: tuple[Segment, ...]
    sequential_why: str = ""  # why the clip is not split, when it is not

    @property
    def n_frames(self) -> int:
        return len(self.t_s)

    @property
    def jobs(self) -> list[SegmentJob]:
        """One :class:`SegmentJob` per segment, in order."""
        out = []
        for s in self.segments:
            part = slice(s.lead_in_frame, s.stop_frame)
            out.append(
                SegmentJob(
                    self.source,
                    s,
                    self.settings,
                    self.pts[part],
                    self.t_s[part],
                    self.image_size_px,
                )
            )
        return out


@dataclass(frozen=True)
class JoinedRecording:
    """The segments' tracks joined into one set of people over the whole clip."""

    plan: SegmentPlan
    tracks: tuple[TrackPart, ...]  # ``track_id`` now the clip-wide person id
    frames: int
    warnings: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderJob:
    """Drawing one segment of the annotated video (picklable): the segment's frames and what
    each shows (:class:`posture.video.draw.FrameView`, one per frame)."""

    source: str
    segment: Segment
    pts: np.ndarray
    t_s: np.ndarray
    views: tuple[Any, ...]
    size: tuple[int, int]
    fps: float
    blur_faces: bool


def plan_segments(path: str | Path, settings: Settings, workers: int) -> SegmentPlan:
    """See the module docstring."""
    raise NotImplementedError("segments: the contract is fixed, the implementation follows")


def analyze_segment(job: SegmentJob) -> SegmentResult:
    """See the module docstring."""
    raise NotImplementedError("segments: the contract is fixed, the implementation follows")


def join_segments(plan: SegmentPlan, parts: Iterable[SegmentResult]) -> JoinedRecording:
    """See the module docstring."""
    raise NotImplementedError("segments: the contract is fixed, the implementation follows")


def finish(plan: SegmentPlan, joined: JoinedRecording, settings: Settings, out_dir: Path) -> Any:
    """See the module docstring (returns a :class:`posture.run.recorded.Result`)."""
    raise NotImplementedError("segments: the contract is fixed, the implementation follows")


def render_jobs(plan: SegmentPlan, result: Any) -> list[RenderJob]:
    """See the module docstring."""
    raise NotImplementedError("segments: the contract is fixed, the implementation follows")


def render_segment(job: RenderJob, out: Path) -> Path:
    """See the module docstring."""
    raise NotImplementedError("segments: the contract is fixed, the implementation follows")


def join_videos(pieces: Sequence[Path], dest: Path) -> None:
    """See the module docstring."""
    raise NotImplementedError("segments: the contract is fixed, the implementation follows")


def analyze_in_segments(
    path: str | Path,
    settings: Settings,
    out_dir: Path | None,
    *,
    workers: int,
    map_fn: MapFn[Any, Any] | None = None,
) -> Any:
    """The whole of it: plan, analyse the segments through ``map_fn`` (default: a process
    pool of ``workers`` processes), join, finish, draw the video through ``map_fn`` and join
    it. Returns a :class:`posture.run.recorded.Result`."""
    raise NotImplementedError("segments: the contract is fixed, the implementation follows")


__all__ = [
    "LEAD_IN_S",
    "SEGMENT_MIN_S",
    "JoinedRecording",
    "RenderJob",
    "Segment",
    "SegmentError",
    "SegmentJob",
    "SegmentPlan",
    "SegmentResult",
    "TrackPart",
    "analyze_in_segments",
    "analyze_segment",
    "finish",
    "join_segments",
    "join_videos",
    "plan_segments",
    "render_jobs",
    "render_segment",
]
