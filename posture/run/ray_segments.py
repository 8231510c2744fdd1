"""A long recording of a Ray batch, cut into segments: the mechanism of ``--workers``
(:mod:`posture.run.segments`) with Ray's actors as the workers.

The recording is planned here (the same rule as ``--workers N``, N the batch's workers:
:func:`posture.run.segments.plan_segments`), its segments are analysed by the actors (each
keeps its pose graphs loaded), joined and finished here exactly as
:func:`posture.run.parallel.analyze_in_segments` does, and its annotated video is drawn segment
by segment on the actors and joined here without re-encoding. The file goes into the object
store once for all its pieces; each actor that takes one fetches it once and keeps a copy
until the recording is done (:meth:`posture.run.ray_worker.PoseWorker.segment`).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from posture.core.config import Settings
from posture.core.errors import InputError, PostureError
from posture.core.gravity import GravityCue
from posture.run.batch import Job
from posture.run.export import write_json
from posture.run.ray_worker import get_file
from posture.run.recorded import Result
from posture.run.segments import (
    RenderJob,
    SegmentPlan,
    SegmentResult,
    finish,
    join_segments,
    join_videos,
    plan_segments,
    render_jobs,
)
from posture.video.pose import ModelInfo


@dataclass
class Cut:
    """One recording of the batch being analysed in segments, from its plan to its video."""

    job: Job
    plan: SegmentPlan
    chunks: list[Any]  # the recording in the object store, once for all its pieces
    t_start: float = field(default_factory=time.perf_counter)
    parts: dict[int, SegmentResult] = field(default_factory=dict)
    result: Result | None = None
    renders: tuple[RenderJob, ...] = ()
    pieces: dict[int, list[Any]] = field(default_factory=dict)  # drawn segments, as chunks
    nodes: dict[str, str] = field(default_factory=dict)  # where its pieces ran: id -> text

    @property
    def analysed(self) -> bool:
        return len(self.parts) == len(self.plan.segments)

    @property
    def drawn(self) -> bool:
        return len(self.pieces) == len(self.renders)

    def ran_on(self, node: dict[str, str]) -> None:
        text = f"node {node['node_id'][:8]} ({node['ip']}, pid {node['pid']})"
        self.nodes.setdefault(f"{node['node_id']}/{node['pid']}", text)

    @property
    def where(self) -> str:
        """The workers its pieces ran on (the first as a whole recording's ``where``)."""
        return ", ".join(self.nodes.values()) + f"; {len(self.plan.segments)} segments"


def plan_cut(
    job: Job, settings: Settings, workers: int, max_frames: int, model: ModelInfo
) -> SegmentPlan | None:
    """The job's plan when it is cut (a video long enough for ``workers``, the rule of
    ``--workers``), else None: one task, as a short recording. A video that cannot be planned
    goes as one task too, whose worker then says what is wrong with it."""
    if job.is_landmarks or workers <= 1:
        return None
    try:
        plan = plan_segments(job.source, settings, workers, max_frames=max_frames, model=model)
    except (PostureError, OSError):
        return None
    return plan if len(plan.segments) > 1 else None


def join(cut: Cut, settings: Settings, cues: Sequence[GravityCue]) -> Result:
    """Every segment analysed: joined and finished into the job's folder (frames.csv,
    lifts.csv, landmarks.npz, summary.json), as :func:`analyze_in_segments` does; the drawing
    jobs ready in ``cut.renders`` when the annotated video is asked for."""
    timings = {"analyze_frames": time.perf_counter() - cut.t_start}
    joined = join_segments(cut.plan, cut.parts.values())
    cut.parts = {}  # joined (a long recording's landmarks are never held twice)
    if joined.frames == 0:
        raise InputError(f"{cut.job.source}: no frame could be read")
    result = finish(cut.plan, joined, settings, cut.job.out, cues)
    result.timings.update(timings)
    result.timings["segments"] = float(len(cut.plan.segments))
    if settings.output.video:
        cut.renders = tuple(render_jobs(cut.plan, result))
    cut.result = result
    return result


def write_video(cut: Cut) -> None:
    """The drawn pieces fetched and joined into annotated.mp4 (no re-encoding)."""
    assert cut.result is not None
    out = cut.job.out
    tmp = out / ".annotated.segments"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        pieces = []
        for job in cut.renders:
            pieces.append(tmp / f"{job.index:04d}.mp4")
            get_file(cut.pieces[job.index], pieces[-1])
        final = out / "annotated.mp4"
        join_videos(pieces, final)
        cut.result.outputs["video"] = final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        cut.pieces = {}


def done(cut: Cut) -> Result:
    """The finished result, its summary.json written again with the whole time it took."""
    assert cut.result is not None
    result = cut.result
    result.timings["total"] = time.perf_counter() - cut.t_start
    write_json(cut.job.out / "summary.json", result.summary())
    return result
