"""Every core on one recording: a video split into time segments analysed in parallel.

A long recording is cut into time segments; each is analysed by a separate process with its own
pose model, beginning a little before its own first frame (the *lead-in*) so that the people it
finds can be matched with the ones the previous segment found; the segments' tracks are joined
into one recording, and the final analysis (cleaning, measures, lifts, scores, cues: everything
that needs the whole clip) runs once on it, as for a sequential run. The annotated video is
drawn and encoded piece by piece (each segment cut at key frames about ``RENDER_PIECE_S``
apart), in parallel too, and the pieces are joined without re-encoding.

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
    shorter than two segments' minimum (``run.segment_min_s``), or its timestamps cannot be trusted
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

``render_jobs(plan, result) -> RenderJobs`` and ``render_segment(job, out) -> Path``
    One job per piece of about ``RENDER_PIECE_S`` (made as it is taken: a long recording's
    pictures are never all held at once): its frames are decoded again, drawn from the final
    analysis and encoded as H.264 into ``out`` (an ``.mp4`` path on the machine that runs it;
    send its bytes back if that is another machine). ``join_videos(pieces, dest)``
    concatenates the pieces in order, copying the encoded packets (same encoder settings, so
    no re-encoding).

Equal to a sequential run, within these tolerances (``tests/integration/test_segments.py``):
the same people (ids and subject), the same lifts (count and style; start and end within 0.1 s,
the lowest point within 0.5 s: the bottom of a squat is a plateau, its lowest frame any of it),
the clip's figures (median and 95th percentile of every trusted angle) within 1 deg, the typical
frame (median difference) within 1 deg. Single frames differ more: the pose model's tracking
begins afresh at each segment's lead-in, and each frame's landmarks depend on the region the
previous frame gave it, so the two runs' landmarks never become identical again; measured on
the project's clips with 2 s segments, 95 % of frames within 0.3-2.3 deg for a person in plain
view, 2-3 deg for a seated worker half hidden by a table, up to 8 deg for a man doing a
somersault (README "Speed"). A person the person detector cannot find in a lead-in (half
hidden), found later in that segment within ``tracking.max_missing_s`` of their last sighting,
is taken up again by the tracker's own rule (place, size and clothes), as the sequential run
had followed them through it; after longer, only if their clothes and size agree across the gap
(:mod:`posture.video.identity`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
from scipy.optimize import linear_sum_assignment

from posture.core.config import Settings, TrackingSettings
from posture.core.errors import PostureError
from posture.core.gravity import GravityCue
from posture.run.camera import join_samples
from posture.run.recorded import (
    Result,
    looks_at_scene,
    people_at_row,
    result_from_tracks,
    write_outputs,
)
from posture.video.draw import FrameView, annotated
from posture.video.finder import GraphPool
from posture.video.identity import TrackPart, concat, torso, track_end
from posture.video.io import VideoInfo, VideoWriter, open_video
from posture.video.pose import (
    ModelInfo,
    columns_on_their_own,
    cores_each,
    memory_back_to_system,
    resolve_model,
    with_threads,
)
from posture.video.remux import concat_videos
from posture.video.render import output_size
from posture.video.scene import SceneSampler
from posture.video.scene_lines import SceneSample
from posture.video.seek import RangeFile, frame_index, frames_taken
from posture.video.tracking import PersonTracker, match_cost
from posture.video.views import frame_view

#: Segments per worker when the clip is long enough (segments are at least
#: ``run.segment_min_s``): a worker that finishes early takes another, so one slow segment does
#: not hold up the others. Each segment but the first begins ``run.lead_in_s`` early, to join its
#: people with the previous segment's: the pose model's tracking and smoothing settle within
#: about half a second.
SEGMENTS_PER_WORKER = 2
#: A person of one segment is the previous segment's person when, over the lead-in, their
#: torso centres are this close (median, in torso sizes) in at least MIN_COMMON frames.
SAME_PERSON = 0.5
MIN_COMMON = 3

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
    first_frame)``. Frames are counted among those analysed, from 0 (the rows of frames.csv:
    every frame of the video unless ``pose.max_fps`` passes over some)."""

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
    #: ``(F,)`` int64 presentation timestamps of frames ``[lead_in_frame, stop_frame)``,
    #: ``(F,)`` float64 their times in seconds from the clip's start, as a sequential decode
    #: numbers them, and ``(F,)`` int64 their numbers in the video (every frame, unless
    #: ``pose.max_fps`` passes over some)
    pts: np.ndarray
    t_s: np.ndarray
    image_size_px: tuple[int, int]
    model: ModelInfo | None = None  # None: resolved where the job runs (pose.model, models/)
    numbers: np.ndarray | None = None  # None: lead_in_frame, lead_in_frame + 1, ...


@dataclass(frozen=True)
class SegmentResult:
    """What one segment found (picklable): every track's landmarks over frames
    ``[lead_in_frame, lead_in_frame + frames)``; ``frames`` is fewer than the job asked for
    when the video broke or the work was interrupted (``error`` says which)."""

    segment: Segment
    frames: int
    tracks: tuple[TrackPart, ...]
    error: str | None = None
    warnings: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)
    scene: SceneSample | None = None  # the lines of its own frames sampled for gravity

    @property
    def complete(self) -> bool:
        s = self.segment
        return self.error is None and self.frames == s.stop_frame - s.lead_in_frame


@dataclass(frozen=True)
class SegmentPlan:
    """A video cut into segments, with every analysed frame's timestamp (``pts`` ``(N,)``
    int64, in the stream's time base; ``t_s`` ``(N,)`` float64 seconds from the first frame)
    and number in the video (``numbers`` ``(N,)`` int64). Segments count these frames."""

    source: str
    settings: Settings
    info: VideoInfo
    model: ModelInfo
    pts: np.ndarray
    t_s: np.ndarray
    numbers: np.ndarray
    key_pts: np.ndarray  # the key frames' timestamps
    segments: tuple[Segment, ...]
    sequential_why: str = ""  # why the clip is not split, when it is not

    def key_frame_before(self, frame: int) -> int:
        """The pts of the last key frame at or before ``frame``."""
        keys = self.key_pts[self.key_pts <= self.pts[frame]]
        return int(keys[-1]) if keys.size else int(self.key_pts[0])

    @property
    def n_frames(self) -> int:
        return len(self.t_s)

    @property
    def image_size_px(self) -> tuple[int, int]:
        return self.info.width, self.info.height

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
                    self.model,
                    self.numbers[part],
                )
            )
        return out


@dataclass
class JoinedRecording:
    """The segments' tracks joined: one track per person and segment chain, over frames
    ``[0, frames)`` (identities are settled over the whole clip afterwards, as in a
    sequential run). :func:`finish` takes the tracks out (``tracks`` is then empty)."""

    plan: SegmentPlan
    tracks: list[TrackPart]
    frames: int
    warnings: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)
    scene: SceneSample | None = None


# --- planning -------------------------------------------------------------------------------
def plan_segments(
    path: str | Path,
    settings: Settings,
    workers: int,
    *,
    max_frames: int = 0,
    model: ModelInfo | None = None,
) -> SegmentPlan:
    """See the module docstring. ``max_frames``: only the first frames (0: all)."""
    with open_video(path) as video:  # the same checks and one-line errors as a sequential run
        info = video.info
    index = frame_index(path)
    numbers = np.flatnonzero(frames_taken(index.t_s, settings.pose.max_fps))
    if max_frames:
        numbers = numbers[:max_frames]
    n = len(numbers)
    pts, t_s = index.pts[numbers], index.t_s[numbers]
    duration = float(t_s[-1] - t_s[0]) if n > 1 else 0.0
    count = segment_count(duration, workers, settings.run.segment_min_s)
    if index.problem:
        count = 1
    cuts = _cuts(t_s, count, settings.run.lead_in_s)
    segments = []
    for k in range(len(cuts) + 1):
        lead_in, first = cuts[k - 1] if k else (0, 0)
        stop = cuts[k][1] if k < len(cuts) else n
        seek = index.key_frame_before(int(numbers[lead_in])) if n else 0
        segments.append(Segment(k, lead_in, first, stop, seek))
    return SegmentPlan(
        str(path),
        settings,
        info,
        model or resolve_model(settings.pose),
        pts,
        t_s,
        numbers,
        index.key_pts,
        tuple(segments),
        index.problem or ("" if len(segments) > 1 else "one worker or a short clip"),
    )


def _cuts(t_s: np.ndarray, count: int, lead_in_s: float) -> list[tuple[int, int]]:
    """``(lead_in_frame, first_frame)`` of segments 1, 2, ...: ``count`` equal parts, each
    analysed from ``lead_in_s`` before its own first frame."""
    n = len(t_s)
    out: list[tuple[int, int]] = []
    for k in range(1, count):
        first = round(n * k / count)
        lead_in = int(np.searchsorted(t_s, t_s[first] - lead_in_s - 1e-9))
        if first > (out[-1][1] if out else 0) and first < n:
            out.append((min(lead_in, first - 1), first))
    return out


def segment_count(duration_s: float, workers: int, min_s: float) -> int:
    """How many segments a clip of ``duration_s`` is cut into for ``workers`` workers, each
    at least ``min_s`` long."""
    if workers <= 1:
        return 1
    most = max(int(duration_s // min_s), 1)
    return max(min(workers * SEGMENTS_PER_WORKER, most), 1)


# --- one segment, in any process ------------------------------------------------------------
_POOLS: dict[tuple[str, str], GraphPool] = {}


def graph_pool(settings: Settings, model: ModelInfo | None = None) -> GraphPool:
    """This process's graphs for ``settings.pose`` (loaded at the first call, kept)."""
    m = model or resolve_model(settings.pose)
    pose = with_threads(settings.pose)  # graphs for the cores shared as they are now
    key = (str(m.path), repr(pose))
    if key not in _POOLS:
        _POOLS[key] = GraphPool(pose, m)
    return _POOLS[key]


def release_graphs() -> None:
    """Close this process's graphs (:func:`graph_pool`) and give their memory back: its frames
    are analysed, and the final analysis, the video and the report need none (150-300 MB of
    the pose model's buffers, held while the final stages' own memory grows with the
    recording's length). They are loaded again, ~0.1 s each, for another recording."""
    while _POOLS:
        _POOLS.popitem()[1].close()
    memory_back_to_system()


def analyze_segment(
    job: SegmentJob,
    *,
    progress: Callable[[int], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> SegmentResult:
    """See the module docstring. ``progress(frames)`` is told of each frame analysed, and
    ``stop()`` asked whether to stop early (the result then says ``interrupted``)."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    s, settings = job.segment, job.settings
    try:
        numbers = job.numbers if job.numbers is not None else s.lead_in_frame
        src = RangeFile(job.source, s.seek_pts, job.pts, job.t_s, numbers)
    except PostureError as exc:
        return SegmentResult(s, 0, (), error=str(exc))
    w, h = src.info.width, src.info.height
    tracker = PersonTracker(settings.tracking, aspect=w / h if h else 1.0)
    finder = graph_pool(settings, job.model).finder(tracker, settings.tracking)
    scene: SceneSampler | None = None  # from the segment's first frame of its own
    n, error = 0, None
    try:
        with src:
            for frame in src:
                own = s.lead_in_frame + n >= s.first_frame  # not the previous one's lead-in
                if own and scene is None and looks_at_scene(settings):
                    scene = SceneSampler(settings, from_t_s=frame.t_s)
                if scene is not None and scene.due(frame.t_s):
                    scene.offer(frame.index, frame.t_s, frame.rgb)
                finder(frame.index, frame.t_s, frame.rgb)  # tracker rows: 0, 1, ... here
                n += 1
                if progress is not None:
                    progress(n)
                if stop is not None and stop():
                    error = f"interrupted after {s.lead_in_frame + n} frames"
                    break
            error = error or src.error
    except KeyboardInterrupt:
        error = f"interrupted after {s.lead_in_frame + n} frames"
    finally:
        finder.close()
    tracks = tuple(dataclasses.replace(p, rows=p.rows + s.lead_in_frame) for p in tracker.parts())
    timings = {"wall": time.perf_counter() - t0, "cpu": time.process_time() - cpu0}
    sample = scene.sample if scene is not None else None
    return SegmentResult(s, n, tracks, error, (), timings, sample)


# --- joining --------------------------------------------------------------------------------
@columns_on_their_own()
def join_segments(
    plan: SegmentPlan, parts: Iterable[SegmentResult], *, interrupted: bool = False
) -> JoinedRecording:
    """See the module docstring. A segment that stopped early (a broken video, an interruption)
    ends the recording there, with a warning: the frames after it are not analysed. So does
    one never begun, ``interrupted`` (else a segment without its result is an error)."""
    t0 = time.perf_counter()
    by_index = {p.segment.index: p for p in parts}
    missing = [s.index for s in plan.segments if s.index not in by_index]
    if missing and not interrupted:
        raise SegmentError(f"segment {missing[0] + 1} of {len(plan.segments)} has no result")
    people: list[list[TrackPart]] = []
    frames, warnings = 0, []
    for seg in plan.segments:
        part = by_index.get(seg.index)
        if part is None:
            warnings.append(f"interrupted after {frames} frames")
            break
        end = seg.lead_in_frame + part.frames  # frames actually analysed
        if end <= seg.first_frame and seg.index:  # nothing of its own
            warnings.append(part.error or f"segment {seg.index + 1} gave no frames")
            break
        own = [t.between(seg.first_frame, min(seg.stop_frame, end)) for t in part.tracks]
        lead = [t.between(seg.lead_in_frame, seg.first_frame) for t in part.tracks]
        _extend(people, own, lead, seg, plan.info, plan.t_s, plan.settings.tracking)
        frames = min(seg.stop_frame, end)
        if not part.complete:
            warnings.append(part.error or f"segment {seg.index + 1} stopped early")
            break
    tracks = [concat(p, k + 1) for k, p in enumerate(people) if any(q.rows.size for q in p)]
    scene = join_samples(
        [by_index[s.index].scene for s in plan.segments if s.index in by_index],
        plan.settings.scene.max_frames,
    )
    return JoinedRecording(
        plan, tracks, frames, tuple(warnings), {"join": time.perf_counter() - t0}, scene
    )


def _extend(
    people: list[list[TrackPart]],
    own: list[TrackPart],
    lead: list[TrackPart],
    seg: Segment,
    info: VideoInfo,
    t_s: np.ndarray,
    tracking: TrackingSettings,
) -> None:
    """Add one segment's tracks to the people so far: each to the person it matches over the
    lead-in (the previous segment's frames there), else as a new person."""
    aspect = info.width / info.height if info.height else 1.0
    before = [concat([q.between(seg.lead_in_frame, seg.first_frame) for q in p], 0) for p in people]
    cost = np.full((len(own), len(people)), np.inf)
    for i, mine in enumerate(lead):
        for j, theirs in enumerate(before):
            cost[i, j] = _lead_in_distance(mine, theirs, aspect)
    matched: dict[int, int] = {}
    if cost.size:
        rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e6))
        matched = {
            int(r): int(c) for r, c in zip(rows, cols, strict=True) if cost[r, c] < SAME_PERSON
        }
    if seg.index:  # people seen up to the cut and not over its lead-in: picked up again?
        matched.update(_picked_up(people, own, matched, t_s, aspect, tracking))
    for i, mine in enumerate(own):
        if not mine.rows.size:
            continue
        if i in matched:
            people[matched[i]].append(mine)
        else:
            people.append([mine])


def _picked_up(
    people: list[list[TrackPart]],
    own: list[TrackPart],
    matched: dict[int, int],
    t_s: np.ndarray,
    aspect: float,
    tracking: TrackingSettings,
) -> dict[int, int]:
    """Tracks of a segment (``own``, not ``matched`` over its lead-in) that go on where a
    person of the segments before was last seen, as the tracker of a sequential run would
    have had it: the person detector missed someone (half hidden) over the lead-in, and the
    segment found them a little later, where the sequential run had followed them. Within
    ``tracking.max_missing_s`` of their last sighting, by the tracker's own rule
    (:func:`posture.video.tracking.match_cost`: place, size and clothes), the
    tracks in the order they were first seen (the first seen again is the one followed)."""
    taken = set(matched.values())
    gone = [j for j in range(len(people)) if j not in taken and any(q.rows.size for q in people[j])]
    new = [i for i, q in enumerate(own) if i not in matched and q.rows.size]
    if not gone or not new:
        return {}
    cost = np.full((len(new), len(gone)), np.inf)
    starts = [track_end(own[i], t_s, aspect, last=False) for i in new]
    for b, j in enumerate(gone):
        last = max((q for q in people[j] if q.rows.size), key=lambda q: int(q.rows[-1]))
        t_end, centre, size, colour = track_end(last, t_s, aspect, last=True)
        for a, (t_start, centre2, size2, colour2) in enumerate(starts):
            dt = t_start - t_end
            if 0 < dt <= tracking.max_missing_s:
                value = match_cost(centre, size, colour, dt, centre2, size2, colour2, tracking)
                cost[a, b] = value if math.isfinite(value) else math.inf  # NaN: unknown
    out: dict[int, int] = {}
    for a in sorted(range(len(new)), key=lambda a: (int(own[new[a]].rows[0]), cost[a].min())):
        free = [b for b in range(len(gone)) if gone[b] not in out.values()]
        best = min(free, key=lambda b: cost[a, b], default=None)
        if best is not None and cost[a, best] < 1.0:  # the first seen again takes them up
            out[new[a]] = gone[best]
    return out


def _lead_in_distance(a: TrackPart, b: TrackPart, aspect: float) -> float:
    """Median distance of two tracks' torso centres over their common frames, in torso
    sizes (inf with fewer than MIN_COMMON)."""
    common, ia, ib = np.intersect1d(a.rows, b.rows, return_indices=True)
    if common.size < MIN_COMMON:
        return math.inf
    ca, sa = torso(a.image_xyz[ia], aspect)
    cb, sb = torso(b.image_xyz[ib], aspect)
    d = np.linalg.norm(ca - cb, axis=1) / np.maximum((sa + sb) / 2, 1e-6)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size >= MIN_COMMON else math.inf


# --- the final result -----------------------------------------------------------------------
def finish(
    plan: SegmentPlan,
    joined: JoinedRecording,
    settings: Settings,
    out_dir: Path | None,
    cues: Sequence[GravityCue] = (),
) -> Result:
    """See the module docstring. ``cues``: what else is known of the camera's gravity (as
    :func:`posture.run.recorded.analyze_source`)."""
    frames = joined.frames
    timings = dict(joined.timings_s)
    tracks, joined.tracks = joined.tracks, []
    result = result_from_tracks(
        tracks,
        plan.t_s[:frames],
        plan.numbers[:frames],
        plan.info,
        plan.model,
        settings,
        list(joined.warnings),
        timings,
        out_dir,
        joined.scene,
        cues,
    )
    if out_dir is not None:
        write_outputs(result, out_dir)
    return result


# --- the annotated video, piece by piece ---------------------------------------------------
@dataclass(frozen=True)
class RenderJob:
    """Drawing one piece of the annotated video (picklable): the piece's frames (their
    timestamps ``pts``, times ``t_s`` and numbers in the video, decoded from the key frame
    ``seek_pts``) and what each shows (a :class:`posture.video.draw.FrameView` per frame)."""

    source: str
    index: int
    seek_pts: int
    numbers: np.ndarray  # the frames' numbers in the video
    pts: np.ndarray
    t_s: np.ndarray
    views: tuple[FrameView, ...]
    size: tuple[int, int]
    fps: float
    blur_faces: bool


#: The annotated video is drawn in pieces of about this long: each segment cut at key frames
#: (no frame decoded twice), each piece's pictures made when a worker takes it, so that a long
#: recording's pictures (every frame's points and texts, some 5 KB a frame) are never all held
#: at once.
RENDER_PIECE_S = 20.0


def render_pieces(plan: SegmentPlan, n_frames: int) -> list[tuple[int, int]]:
    """The ``(first, stop)`` rows of each piece of the annotated video, in order: each segment
    (its frames analysed, of ``n_frames``) cut at the first key frame ``RENDER_PIECE_S`` or
    more after its piece's start."""
    key = np.isin(plan.pts, plan.key_pts)
    pieces = []
    for seg in plan.segments:
        first, stop = seg.first_frame, min(seg.stop_frame, n_frames)
        if stop <= first:
            break
        while first < stop:
            rows = np.arange(first + 1, stop)
            cut = rows[key[rows] & (plan.t_s[rows] >= plan.t_s[first] + RENDER_PIECE_S)]
            end = int(cut[0]) if cut.size else stop
            pieces.append((first, end))
            first = end
    return pieces


class RenderJobs:
    """The :class:`RenderJob` of each piece of a finished recording's annotated video (see
    :func:`render_pieces`), in order, each made as it is taken."""

    def __init__(self, plan: SegmentPlan, result: Result) -> None:
        self.plan, self.result = plan, result
        self.pieces = render_pieces(plan, result.analysis.n_frames)
        info = plan.info
        self.size = output_size(info.width, info.height, plan.settings.output.video_max_height)

    def __len__(self) -> int:
        return len(self.pieces)

    def __iter__(self) -> Iterator[RenderJob]:
        return (self[k] for k in range(len(self)))

    def __getitem__(self, k: int) -> RenderJob:
        plan, rec, analysis = self.plan, self.result.recording, self.result.analysis
        first, stop = self.pieces[k]
        return RenderJob(
            plan.source,
            k,
            plan.key_frame_before(first),
            plan.numbers[first:stop],
            plan.pts[first:stop],
            plan.t_s[first:stop],
            tuple(
                frame_view(analysis, row, people_at_row(rec, row), self.size)
                for row in range(first, stop)
            ),
            self.size,
            plan.info.fps,
            plan.settings.output.blur_faces,
        )


def render_jobs(plan: SegmentPlan, result: Result) -> RenderJobs:
    """The drawing jobs of ``result``'s annotated video (see :class:`RenderJobs`)."""
    return RenderJobs(plan, result)


def render_segment(job: RenderJob, out: Path) -> Path:
    """See the module docstring."""
    with (
        RangeFile(job.source, job.seek_pts, job.pts, job.t_s, job.numbers, drawing=True) as src,
        VideoWriter(out, job.size, job.fps, threads=cores_each()) as writer,
    ):
        written = 0
        for frame, view in zip(src, job.views, strict=False):
            writer.write(annotated(frame.picture, job.size, view, blur=job.blur_faces), frame.t_s)
            written += 1
        # a video broken after the frames analysed: every frame to draw was drawn
        if src.error and written < len(job.views):
            raise SegmentError(f"drawing part {job.index + 1} of the video: {src.error}")
    if writer.error:
        raise SegmentError(writer.error)
    return out


def join_videos(pieces: Sequence[Path], dest: Path) -> None:
    """See the module docstring."""
    concat_videos(pieces, dest)


__all__ = [
    "RENDER_PIECE_S",
    "SEGMENTS_PER_WORKER",
    "JoinedRecording",
    "RenderJob",
    "RenderJobs",
    "Segment",
    "SegmentError",
    "SegmentJob",
    "SegmentPlan",
    "SegmentResult",
    "TrackPart",
    "analyze_segment",
    "finish",
    "graph_pool",
    "join_segments",
    "join_videos",
    "plan_segments",
    "release_graphs",
    "render_jobs",
    "render_pieces",
    "render_segment",
]
