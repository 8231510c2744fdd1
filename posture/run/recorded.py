"""The analysis pipeline: a video, a camera or a landmark file in; results and outputs out.

It composes the parts (video -> pose -> tracker -> analysis -> render -> export) and holds no
maths. One function runs a recorded source end to end (:func:`analyze_source`); the live
coaching object lives in :mod:`posture.run.live` and uses the same parts.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posture import __version__
from posture.assess.analysis import Analysis, analyze
from posture.assess.tables import analysis_summary, frames_table_parts, lifts_table
from posture.core.assessment import Assessment
from posture.core.config import Settings, as_dict
from posture.core.errors import InputError, NoPersonError, PostureError
from posture.core.gravity import GravityCue
from posture.core.landmarks import PoseRecording, load_npz, save_npz
from posture.core.progress import Progress
from posture.run.camera import (
    META_KEY,
    SceneEvidence,
    effective_hfov_deg,
    evidence_from_meta,
    scene_evidence,
)
from posture.video.draw import annotate, annotated
from posture.video.finder import PeopleFinder
from posture.video.identity import (
    TrackPart,
    join_groups,
    join_people,
    joined_recording,
    recording,
    settle,
)
from posture.video.io import Camera, VideoFile, VideoInfo, VideoWriter, open_video
from posture.video.pose import (
    ModelInfo,
    columns_on_their_own,
    cores_each,
    memory_back_to_system,
    resolve_model,
)
from posture.video.render import LaggedRenderer, Person, Row, output_size
from posture.video.scene import SceneSampler
from posture.video.scene_lines import SceneSample
from posture.video.seek import FrameStep
from posture.video.summaries import most_visible_person, people_summaries, recording_summaries
from posture.video.tracking import PersonTracker
from posture.video.views import PeopleAtFrame, frame_view

#: How long a thread may keep the GIL while another waits for it, during the frame loop. The
#: pose model lets go of the GIL while it infers and needs it back the moment it is done; with
#: Python's default (5 ms) a decoding, drawing or encoding thread holding it then delays every
#: frame by up to 5 ms (a quarter of the pose model's own time per frame, measured).
GIL_SWITCH_INTERVAL_S = 0.0002


_gil_lock = threading.Lock()
_gil_users = 0
_gil_before = 0.005


@contextlib.contextmanager
def prompt_gil_handover() -> Iterator[None]:
    """Shorten the interpreter's thread switch interval for the duration of the block. The
    interval belongs to the whole process (several analyses may run at once in the
    dashboard): the first block in sets it, the last one out puts the old value back."""
    global _gil_users, _gil_before
    with _gil_lock:
        if _gil_users == 0:
            _gil_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_gil_before, GIL_SWITCH_INTERVAL_S))
        _gil_users += 1
    try:
        yield
    finally:
        with _gil_lock:
            _gil_users -= 1
            if _gil_users == 0:
                sys.setswitchinterval(_gil_before)


@dataclass
class Result:
    """A finished analysis: all tracked people, the subject's analysis, and what was written."""

    recording: PoseRecording
    analysis: Analysis
    source: dict[str, Any]
    model: dict[str, str] | None
    people: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    #: The reviewer's fields (task, worker, ...): the report's head, summary.json's
    #: ``assessment``; no number depends on them.
    assessment: Assessment = field(default_factory=Assessment)

    def summary(self) -> dict[str, Any]:
        """summary.json: clip facts, results, and everything needed to reproduce them."""
        a = self.analysis
        t = a.t_s
        found = int(a.pose_found.sum())
        clip = {
            **self.source,
            "frames": a.n_frames,
            "frames_with_pose": found,
            "duration_s": round(float(t[-1] - t[0]), 3) if len(t) > 1 else 0.0,
            "fps": round((len(t) - 1) / float(t[-1] - t[0]), 3)
            if len(t) > 1 and t[-1] > t[0]
            else None,
        }
        figures = analysis_summary(a)
        meta = self.recording.meta
        figures["geometry"] = {
            **figures["geometry"],
            "scene": (meta.get(META_KEY) or {}).get("report")
            or {"found": False, "reason": "no video (landmarks only)"},
            "lens": meta.get("lens") or {"hfov_deg": None, "source": "assumed"},
        }
        return {
            "posture_version": __version__,
            "clip": clip,
            "people": self.people,
            "subject": a.raw.person_id,
            "assessment": self.assessment.as_dict(),
            **figures,
            "warnings": self.warnings,
            "model": self.model,
            "settings": as_dict(a.settings),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


# ---------------------------------------------------------------------------------------------
def people_at_row(rec: PoseRecording, row: int) -> PeopleAtFrame:
    """Every person seen in row ``row`` of a recording: ``(id, image landmarks, visibility)``."""
    return [
        (p.person_id, p.image_xyz[row], p.visibility[row]) for p in rec.people if p.pose_found[row]
    ]


def final_views_hash(
    rec: PoseRecording, analysis: Analysis, size: tuple[int, int], row: int
) -> int:
    return hash(frame_view(analysis, row, people_at_row(rec, row), size))


def select_subject(rec: PoseRecording, settings: Settings) -> PoseRecording:
    wanted = settings.subject.person
    if wanted:
        return rec.with_subject(wanted)  # raises a clear InputError if unknown
    return rec.with_subject(most_visible_person(rec))


def _open(source: str | Path | int) -> VideoFile | Camera:
    if isinstance(source, int):
        return Camera(source)
    return open_video(source)


def analyze_source(
    source: str | Path | int,
    settings: Settings,
    out_dir: Path | None = None,
    *,
    progress: Progress | None = None,
    model: ModelInfo | None = None,
    max_frames: int = 0,
    stop: Callable[[], bool] | None = None,
    cues: Sequence[GravityCue] = (),
    assessment: Assessment | None = None,
) -> Result:
    """Analyse a video file (path) or a camera (index) end to end and write the outputs.
    ``cues``: what else is known of the camera's gravity (a calibration clip's);
    ``assessment``: the reviewer's fields, kept in summary.json.

    Decoding, pose estimation, drawing and encoding run on separate threads. A source that
    breaks halfway, or an interruption (Ctrl-C, ``stop()``), keeps and writes everything
    analysed up to then, with a warning saying so.
    """
    t_start = time.perf_counter()
    src = _open(source)
    info = src.info
    size_out = output_size(info.width, info.height, settings.output.video_max_height)
    writer: VideoWriter | None = None
    renderer: LaggedRenderer | None = None
    finder: PeopleFinder | None = None
    tmp_video = out_dir / ".annotated.partial.mp4" if out_dir is not None else None
    try:
        model_info = model or resolve_model(settings.pose)
        tracker = PersonTracker(settings.tracking, aspect=info.width / info.height)
        scene = SceneSampler(settings) if looks_at_scene(settings) else None
        finder = PeopleFinder.with_pose_model(settings.pose, settings.tracking, model_info, tracker)
        if tmp_video is not None and settings.output.video and isinstance(source, int):
            # a camera cannot be replayed: its video is drawn as it goes; a file's is drawn
            # from the final analysis once the frames are done (redraw_video)
            tmp_video.parent.mkdir(parents=True, exist_ok=True)
            writer = VideoWriter(tmp_video, size_out, info.fps)
            renderer = LaggedRenderer(
                writer, settings, (info.width, info.height), subject=settings.subject.person
            )
        warnings: list[str] = []
        step = FrameStep(settings.pose.max_fps)
        with prompt_gil_handover():
            n = _run_frames(
                src, finder, step, renderer, progress, max_frames, stop, warnings, scene
            )
        finder.close()
        finder = None
        memory_back_to_system()  # the graphs' (the final stages need none)
        if getattr(src, "error", None):
            warnings.append(f"{src.error}; the results cover the frames analysed before it")
        if n == 0:
            raise InputError(f"{info.source}: no frame could be read")
        timings = {"analyze_frames": time.perf_counter() - t_start}
        try:
            result = _final_result(
                tracker, info, model_info, settings, warnings, timings, out_dir, scene, cues
            )
        except NoPersonError:
            # a video stopped by Ctrl-C before anyone came into view: interrupted, not empty
            if isinstance(source, int) or not any(w.startswith("interrupted") for w in warnings):
                raise
            raise KeyboardInterrupt from None
        result.assessment = assessment or Assessment()
        if tmp_video is not None and settings.output.video:
            assert out_dir is not None
            t0 = time.perf_counter()
            if renderer is not None and writer is not None:
                _finish_camera_video(result, renderer, writer, size_out, settings)
                writer = renderer = None
            else:
                assert not isinstance(source, int)
                try:
                    problem = redraw_video(
                        source, result.recording, result.analysis, tmp_video, settings
                    )
                except KeyboardInterrupt:  # the results are kept, the video is not
                    tmp_video.unlink(missing_ok=True)
                    problem = "interrupted while drawing the annotated video; no video written"
                if problem:
                    result.warnings.append(problem)
            _keep_video(result, out_dir, tmp_video)
            memory_back_to_system()  # the decoder's and encoder's buffers, before the report
            timings["finish_video"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - t_start
        if out_dir is not None:
            write_outputs(result, out_dir)
        return result
    finally:  # on any failure: stop every thread and native graph this run started
        src.close()
        if finder is not None:
            finder.close()
        if renderer is not None:
            renderer.finish()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
        if tmp_video is not None and tmp_video.exists():
            tmp_video.unlink()


def _final_result(
    tracker: PersonTracker,
    info: VideoInfo,
    model: ModelInfo,
    settings: Settings,
    warnings: list[str],
    timings: dict[str, float],
    out_dir: Path | None,
    scene: SceneSampler | None = None,
    cues: Sequence[GravityCue] = (),
) -> Result:
    """The final analysis of the people the tracker followed."""
    t_s, frame_index = tracker.timeline()
    tracks = tracker.parts(release=True)
    sample = scene.sample if scene is not None else None
    return result_from_tracks(
        tracks, t_s, frame_index, info, model, settings, warnings, timings, out_dir, sample, cues
    )


@columns_on_their_own()
def result_from_tracks(
    tracks: list[TrackPart],
    t_s: np.ndarray,
    frame_index: np.ndarray,
    info: VideoInfo,
    model: ModelInfo,
    settings: Settings,
    warnings: list[str],
    timings: dict[str, float],
    out_dir: Path | None,
    scene: SceneSample | None = None,
    cues: Sequence[GravityCue] = (),
) -> Result:
    """The people of a recording from its tracks (identities settled over the whole of it, the
    user's joins applied), and the final analysis of the subject. ``tracks`` is emptied: their
    landmarks move into the recording (a long recording's are never held twice). If the
    analysis fails, the landmarks (the expensive part) are saved first, so that
    ``--landmarks`` can pick up. ``scene``: the frames' lines sampled for the camera's
    gravity (:mod:`posture.run.camera`); ``cues``: what else is known of it."""
    t0 = time.perf_counter()
    aspect = info.width / info.height if info.height else 1.0
    people = settle(tracks, t_s, aspect, settings.tracking)
    tracks.clear()
    for group in join_groups(settings.subject.join):
        people = join_people(people, group)
    size = (info.width, info.height)
    described = [s.as_dict() for s in people_summaries(people, t_s, aspect)]
    rec = recording(people, t_s, frame_index, size, 0, {"source": info.source})
    people.clear()  # the recording holds them now
    rec = select_subject(rec, settings)
    timings["identities"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        evidence = scene_evidence(scene, rec, settings)
        rec.meta[META_KEY] = evidence.as_meta()
        analysis = _analyze_with(rec, settings, evidence, cues)
    except Exception:
        if out_dir is not None:
            save_npz(out_dir / "landmarks.npz", rec)
        raise
    timings["final_analysis"] = time.perf_counter() - t0
    return Result(rec, analysis, info.as_dict(), model.as_dict(), described, warnings, timings)


def looks_at_scene(settings: Settings) -> bool:
    """Whether a run samples the scene's lines (for the camera's gravity)."""
    return settings.view.scene_gravity and settings.view.correct_tilt


def _analyze_with(
    rec: PoseRecording,
    settings: Settings,
    evidence: SceneEvidence,
    cues: Sequence[GravityCue] = (),
) -> Analysis:
    """The subject's analysis with what the scene showed (gravity, the lens) and ``cues``."""
    hfov, source = effective_hfov_deg(settings, evidence)
    rec.meta["lens"] = {"hfov_deg": None if hfov is None else round(hfov, 1), "source": source}
    extra = [*cues, *([evidence.cue] if evidence.cue is not None else [])]
    return analyze(rec.subject, settings, extra_cues=extra, hfov_deg=hfov)


def _run_frames(
    src: VideoFile | Camera,
    finder: PeopleFinder,
    step: FrameStep,
    renderer: LaggedRenderer | None,
    progress: Progress | None,
    max_frames: int,
    stop: Callable[[], bool] | None,
    warnings: list[str],
    scene: SceneSampler | None = None,
) -> int:
    """Pose estimation and tracking over every frame on this thread; a camera's early drawing
    follows on a thread of its own. Returns how many frames were analysed."""
    n = 0
    total = src.info.n_frames

    def interrupted() -> None:
        if not any(w.startswith("interrupted") for w in warnings):
            warnings.append(f"interrupted after {n} frames; the results cover those frames")

    try:
        for frame in src:
            if not step.take(frame.t_s):  # pose.max_fps: passed over
                continue
            if scene is not None and scene.due(frame.t_s):
                scene.offer(frame.index, frame.t_s, frame.rgb)  # its people matched later
            people = finder(frame.index, frame.t_s, frame.rgb)
            if renderer is not None:
                persons = [Person(i, p.world_xyz_m, p.image_xyz, p.visibility) for i, p in people]
                renderer.submit(Row(n, frame.index, frame.t_s, persons), frame.rgb)
            n += 1
            if progress is not None:
                progress(frame.index + 1, total)
            if (max_frames and n >= max_frames) or (stop is not None and stop()):
                break
    except KeyboardInterrupt:
        interrupted()
    return n


def _finish_camera_video(
    result: Result,
    renderer: LaggedRenderer,
    writer: VideoWriter,
    size: tuple[int, int],
    settings: Settings,
) -> None:
    """A camera's video: draw the frames still pending from the final analysis. The frames
    drawn earlier came from a provisional one and cannot be drawn again (a camera cannot be
    replayed): if any differs from the final analysis, a warning says so."""
    rec, analysis = result.recording, result.analysis
    pending = renderer.finish()
    for row, small in pending:
        view = frame_view(analysis, row.row, people_at_row(rec, row.row), size)
        writer.write(annotate(small, view, blur=settings.output.blur_faces), row.t_s)
    writer.close()
    if renderer.error is not None or any(
        final_views_hash(rec, analysis, size, r) != h for r, h in renderer.drawn.items()
    ):
        result.warnings.append(
            "the annotated video was drawn with a provisional analysis "
            "(a live camera cannot be replayed)"
        )
    if writer.error:
        result.warnings.append(writer.error)


def _keep_video(result: Result, out_dir: Path, tmp: Path) -> None:
    if tmp.exists():
        final = out_dir / "annotated.mp4"
        os.replace(tmp, final)
        result.outputs["video"] = final


def redraw_video(
    path: str | Path, rec: PoseRecording, analysis: Analysis, out: Path, settings: Settings
) -> str | None:
    """Draw the annotated video from a finished analysis (second pass over the video: decoding
    and encoding on threads of their own, drawing on this one). Returns what went wrong, if
    anything did (the frames drawn before it are kept)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open_video(path, drawing=True) as src:
        size = output_size(src.info.width, src.info.height, settings.output.video_max_height)
        with VideoWriter(out, size, src.info.fps, threads=cores_each()) as writer:
            numbers = analysis.raw.frame_index  # the frames analysed (pose.max_fps)
            for frame in src:
                if frame.index > numbers[-1]:
                    break
                row = int(np.searchsorted(numbers, frame.index))
                if numbers[row] != frame.index:
                    continue
                view = frame_view(analysis, row, people_at_row(rec, row), size)
                blur = settings.output.blur_faces
                # the decoded frame is this loop's alone: drawn on, not copied
                writer.write(annotated(frame.picture, size, view, blur=blur), frame.t_s)
        drawn_error = src.error
    return writer.error or (f"annotated video: {drawn_error}" if drawn_error else None)


# ---------------------------------------------------------------------------------------------
@columns_on_their_own()
def analyze_landmarks(
    path: str | Path,
    settings: Settings,
    out_dir: Path | None = None,
    *,
    cues: Sequence[GravityCue] = (),
    assessment: Assessment | None = None,
) -> Result:
    """Re-score a ``landmarks.npz`` (from a previous run, motion capture or synthetic poses)
    without the pose model; writes the same outputs, the video drawn on a plain background.
    ``cues``: as :func:`analyze_source`."""
    t0 = time.perf_counter()
    memory_back_to_system()  # its final stages only (no frames, no graphs)
    rec = load_npz(path)
    rec = select_subject(joined_recording(rec, join_groups(settings.subject.join)), settings)
    if not rec.subject.pose_found.any():
        raise NoPersonError(f"{path}: the subject has no pose in any frame")
    analysis = _analyze_with(rec, settings, evidence_from_meta(rec), cues)
    source = {
        "source": str(path),
        "kind": "landmarks",
        **{k: v for k, v in rec.meta.items() if k in ("source", "fps")},
    }
    described = {s.person_id: s for s in recording_summaries(rec)}
    people = [
        described[p.person_id].as_dict()
        if p.person_id in described
        else {"person_id": p.person_id, "frames": int(p.pose_found.sum())}
        for p in rec.people
    ]
    result = Result(
        rec,
        analysis,
        source,
        rec.meta.get("model"),
        people,
        [],
        {"analysis": time.perf_counter() - t0},
        assessment=assessment or Assessment(),
    )
    if out_dir is not None:
        if settings.output.video:
            from posture.video.replay import render_replay

            video = out_dir / "annotated.mp4"
            out_dir.mkdir(parents=True, exist_ok=True)
            render_replay(rec, analysis, video, settings)
            result.outputs["video"] = video
        write_outputs(result, out_dir)
    return result


def write_outputs(result: Result, out_dir: Path, *, npz: bool = True) -> None:
    """frames.csv, summary.json and landmarks.npz into ``out_dir``."""
    from posture.run.export import write_json, write_table_csv, write_table_csv_parts

    out_dir.mkdir(parents=True, exist_ok=True)
    write_table_csv_parts(out_dir / "frames.csv", frames_table_parts(result.analysis))
    result.outputs["frames"] = out_dir / "frames.csv"
    write_table_csv(out_dir / "lifts.csv", lifts_table(result.analysis))
    result.outputs["lifts"] = out_dir / "lifts.csv"
    if npz:
        meta = dict(result.recording.meta)
        meta.update({"model": result.model, "posture_version": __version__})
        save_npz(
            out_dir / "landmarks.npz",
            PoseRecording(result.recording.people, result.recording.subject_id, meta),
        )
        result.outputs["landmarks"] = out_dir / "landmarks.npz"
    result.outputs["summary"] = out_dir / "summary.json"
    write_json(out_dir / "summary.json", result.summary())
    if "video" not in result.outputs:  # not one left from an earlier run on another clip
        (out_dir / "annotated.mp4").unlink(missing_ok=True)


def check_output_dir(out_dir: Path) -> None:
    """Refuse an output path that is a file or cannot be created."""
    if out_dir.exists() and not out_dir.is_dir():
        raise PostureError(f"--out {out_dir} is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PostureError(f"cannot create the output folder {out_dir}: {exc.strerror}") from exc


def resolve(settings: Settings) -> ModelInfo:
    return resolve_model(settings.pose)
