"""Live coaching: one camera frame in, one annotated frame and the current cue out.

:class:`LiveSession` is the small stateful object the dashboard's webcam callback and the
``posture live`` window both use. Each frame goes through the pose model and the tracker, then
each person's landmarks into their own :class:`posture.assess.stream.StreamingAnalysis` (the
streaming core: the same lifts, rules, cues and scores as a recording, decided with the frames
so far), and the subject's report is drawn. Nothing is re-analysed: a frame costs the same an
hour into a session as in its first second.

:meth:`LiveSession.finish` gives the session as a :class:`posture.run.recorded.Result` of the
person a recording would analyse (the most visible over the session): what the live core
decided at each frame, written by the same tables as ``posture analyze``.

:class:`LatestFrame` keeps only the newest camera frame, so a slow moment drops frames instead
of falling further and further behind.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from posture.assess.explain import FrameReport
from posture.assess.stream import StreamingAnalysis
from posture.core.config import Settings
from posture.core.landmarks import PoseRecording
from posture.core.measure_info import PANEL_MEASURES
from posture.run.camera import META_KEY, SceneEvidence, evidence_of
from posture.run.recorded import Result, select_subject
from posture.video.draw import annotate
from posture.video.finder import PeopleFinder
from posture.video.identity import TrackPart, join_groups, join_people, recording, settle
from posture.video.io import Frame
from posture.video.pose import DetectedPose, ModelInfo, resolve_model, with_threads
from posture.video.scene import SceneSampler
from posture.video.summaries import people_summaries
from posture.video.tracking import PersonTracker
from posture.video.views import report_view

#: Readings handed to the page with each frame (name -> measure).
READINGS = PANEL_MEASURES


@dataclass(frozen=True)
class LiveFrame:
    """What one live update produced (immutable: safe to hand to another thread)."""

    annotated: np.ndarray
    t_s: float
    risk_level: str
    cue: str | None
    cue_text: str | None
    readings: dict[str, float]
    trusted: dict[str, bool]
    person_found: bool
    lifts: int = 0
    risky_lifts: int = 0
    process_ms: float = 0.0
    report: FrameReport | None = None


class FindsPeople(Protocol):
    """Finds and tracks the people of each frame (:class:`posture.video.finder.PeopleFinder`,
    or a stand-in giving back detections made earlier)."""

    def __call__(
        self, frame_index: int, t_s: float, rgb: np.ndarray
    ) -> list[tuple[int, DetectedPose]]: ...

    def close(self) -> None: ...


#: Frames a live session looks at for the scene's gravity before it gives up (at
#: ``scene.sample_interval_s``: the first few seconds of the session).
LIVE_SCENE_FRAMES = 6


@dataclass(frozen=True)
class Seen:
    """A frame the pose model has seen (:meth:`LiveSession.see`), for :meth:`LiveSession.show`."""

    rgb: np.ndarray
    t_s: float
    index: int
    people: list[tuple[int, DetectedPose]]
    subject: int
    see_s: float  # time the pose model's part took


class _Person:
    """One tracked person's streaming analysis, from the frame they were first seen."""

    def __init__(self, core: StreamingAnalysis, first_row: int) -> None:
        self.core, self.first_row = core, first_row
        self.last_seen_t = -np.inf
        self.report: FrameReport | None = None


class LiveSession:
    """Stateful live analysis. Not thread-safe: call ``update`` from one thread, or ``see``
    from one and ``show`` from another (each frame seen then shown, in order)."""

    def __init__(
        self,
        settings: Settings,
        *,
        model: ModelInfo | None = None,
        finder: Callable[[PersonTracker], FindsPeople] | None = None,
        mirror: bool = False,
        size: tuple[int, int] | None = None,
    ) -> None:
        """``finder`` makes the stream's people finder from its tracker (default: the pose
        model's graphs, :meth:`PeopleFinder.with_pose_model` with ``model``)."""
        self.settings = settings
        self.model = model or resolve_model(settings.pose)
        self._make_finder = finder or self._pose_model_finder
        self.mirror = mirror
        self._tracker: PersonTracker | None = None
        self._finder: FindsPeople | None = None
        self._size = size
        self._people: dict[int, _Person] = {}
        self._t: list[float] = []
        self._frames: list[int] = []
        self._seen = 0  # frames seen by the pose model (see)
        #: A camera's session: the periodic search for people coming into view runs beside
        #: the frames instead of holding one up (:class:`PeopleFinder`); a replay of a file
        #: frame by frame leaves it off, so that it reads the same every time.
        self.background_search = False
        self.started = time.monotonic()
        look = settings.view.scene_gravity and settings.view.correct_tilt
        self._scene = SceneSampler(settings) if look else None
        self.scene = SceneEvidence(report={"found": False, "reason": "not looked for (settings)"})

    # ------------------------------------------------------------------------------------------
    def update(self, rgb: np.ndarray, t_s: float, frame_index: int | None = None) -> LiveFrame:
        """Analyse one frame (RGB ``uint8``) taken at ``t_s`` seconds; draw and return it."""
        return self.show(self.see(rgb, t_s, frame_index))

    def see(self, rgb: np.ndarray, t_s: float, frame_index: int | None = None) -> Seen:
        """The pose model's part of :meth:`update`: the people of the frame, found and
        tracked. :func:`run_live` runs it on a thread of its own, one frame ahead of
        :meth:`show`; every frame seen must then be shown, in order."""
        t0 = time.perf_counter()
        h, w = rgb.shape[:2]
        if self._tracker is None or self._finder is None:
            self._tracker = PersonTracker(self.settings.tracking, aspect=w / h)
            self._finder = self._make_finder(self._tracker)
            if isinstance(self._finder, PeopleFinder):
                self._finder.background_search = self.background_search
            self._size = self._size or (w, h)
        index = self._seen if frame_index is None else frame_index
        self._seen += 1
        people = self._finder(index, t_s, rgb)
        subject = self.settings.subject.person or self._tracker.most_visible()
        return Seen(rgb, t_s, index, people, subject, time.perf_counter() - t0)

    def show(self, seen: Seen) -> LiveFrame:
        """The rest of :meth:`update` for a frame :meth:`see` saw: every person's streaming
        analysis, the scene, the drawing."""
        t0 = time.perf_counter()
        rgb, t_s, index, people, subject = seen.rgb, seen.t_s, seen.index, seen.people, seen.subject
        h, w = rgb.shape[:2]
        row = len(self._t)
        self._t.append(t_s)
        self._frames.append(index)
        self._look_at_scene(index, t_s, rgb, people)
        self._push(row, t_s, index, {pid: p for pid, p in people})
        report = self._people[subject].report if subject in self._people else None
        at_frame = [(pid, p.image_xyz, p.visibility) for pid, p in people]
        shown = np.ascontiguousarray(rgb[:, ::-1]) if self.mirror else rgb
        if self.mirror:
            at_frame = [(pid, _mirror(img), vis) for pid, img, vis in at_frame]
        view = report_view(report, subject, at_frame, (w, h), footer=self._footer(subject))
        out = annotate(shown, view, blur=self.settings.output.blur_faces)
        spent = seen.see_s + time.perf_counter() - t0
        return self._result(out, t_s, subject, report, spent)

    def _look_at_scene(self, index: int, t_s: float, rgb: np.ndarray, people: list) -> None:
        """The camera's gravity from the room, as a recording finds it: the line segments of a
        frame every ``scene.sample_interval_s`` (its people left out) until the scene shows it,
        for at most ``LIVE_SCENE_FRAMES`` frames; then every person's analysis uses it (a few
        tens of ms, once or a few times at the start of a session, on the frame's thread, so
        a replay reads the same every time)."""
        sampler = self._scene
        if sampler is None or not people or not sampler.due(t_s):
            return
        marks = np.array([np.asarray(p.image_xyz)[:, :2] for _, p in people], np.float64)
        sampler.offer(index, t_s, rgb, marks)
        evidence = evidence_of(sampler.sample, self.settings)
        self.scene = evidence
        if evidence.cue is not None or len(sampler.sample.segments) >= LIVE_SCENE_FRAMES:
            self._scene = None
        if evidence.cue is not None:
            for person in self._people.values():
                person.core.use_scene(evidence.cue, evidence.hfov_deg)

    def _pose_model_finder(self, tracker: PersonTracker) -> FindsPeople:
        # a camera's frames are analysed and drawn on a thread of their own beside the model's
        # (run_live): the model leaves that thread a core
        pose = with_threads(self.settings.pose, beside=1)
        return PeopleFinder.with_pose_model(pose, self.settings.tracking, self.model, tracker)

    def _push(self, row: int, t_s: float, index: int, poses: dict[int, Any]) -> None:
        """Every person's frame into their streaming analysis; people gone longer than the
        tracker keeps them get no more frames (a person gone stays gone: the cost of a frame
        does not grow with everyone ever seen)."""
        keep_s = self.settings.tracking.max_missing_s
        for pid in poses:
            if pid not in self._people:
                core = StreamingAnalysis(
                    self.settings,
                    image_size_px=self._size or (0, 0),
                    person_id=pid,
                    t0_s=self._t[0],
                )
                if self.scene.cue is not None:
                    core.use_scene(self.scene.cue, self.scene.hfov_deg)
                self._people[pid] = _Person(core, row)
        for pid, person in self._people.items():
            pose = poses.get(pid)
            if pose is not None:
                person.last_seen_t = t_s
            elif t_s - person.last_seen_t > keep_s:
                person.report = None
                continue
            arrays = (pose.world_xyz_m, pose.image_xyz, pose.visibility) if pose else None
            person.report = person.core.push(t_s, index, arrays)

    def _footer(self, subject: int) -> str:
        n, risky = self._lift_counts(subject)
        return f"lifts {n}, risky {risky}" if n else ""

    def _lift_counts(self, subject: int) -> tuple[int, int]:
        person = self._people.get(subject)
        if person is None:
            return 0, 0
        return person.core.lifts_done, person.core.risky_lifts_done()

    def _result(
        self, out: np.ndarray, t_s: float, subject: int, report: FrameReport | None, dt: float
    ) -> LiveFrame:
        counts = self._lift_counts(subject)
        if report is None or not report.pose_found:
            return LiveFrame(
                out, t_s, "unknown", None, None, {}, {}, False, *counts, dt * 1000, report
            )
        readings = {name: value for name, value, _ in report.readings}
        trusted = {name: ok for name, _, ok in report.readings}
        return LiveFrame(
            out,
            t_s,
            report.risk_level,
            report.cue,
            report.cue_text,
            readings,
            trusted,
            True,
            *counts,
            dt * 1000,
            report,
        )

    # ------------------------------------------------------------------------------------------
    def finish(self, source: dict[str, Any] | None = None) -> Result | None:
        """The session as analysed live, for the person a recording would analyse (identities
        settled over the session, the user's joins applied, as
        :func:`posture.run.recorded.result_from_tracks` does); None if nobody was seen.
        ``source`` describes what was analysed (default: a live camera).

        Live, each track was its own person: when the tracker split the subject into several
        tracks (gone longer than it waits), the session's result is what was decided live for
        the longest of them (the other tracks' frames read as frames without the subject)."""
        if self._tracker is None:
            return None
        t_s, frame_index = np.asarray(self._t), np.asarray(self._frames)
        size = self._size or (0, 0)
        parts = self._tracker.parts()
        people = settle(parts, t_s, self._tracker.aspect, self.settings.tracking)
        for group in join_groups(self.settings.subject.join):
            people = join_people(people, group)
        if not people:
            return None
        meta: dict[str, object] = {"source": "live", META_KEY: self.scene.as_meta()}
        rec = recording(people, t_s, frame_index, size, 0, meta)
        rec = select_subject(rec, self.settings)
        track = _longest_track_of(rec, parts, self._people)
        if track is None:
            return None
        person = self._people[track]
        analysis = person.core.finish(t_s, frame_index, first_row=person.first_row)
        if analysis is None:
            return None
        analysis = replace(analysis, raw=replace(analysis.raw, person_id=rec.subject_id))
        described = [s.as_dict() for s in people_summaries(people, t_s, self._tracker.aspect)]
        return Result(
            rec, analysis, source or {"source": "live camera"}, self.model.as_dict(), described
        )

    def close(self) -> None:
        if self._finder is not None:
            self._finder.close()


def _longest_track_of(
    rec: PoseRecording, parts: list[TrackPart], analysed: dict[int, Any]
) -> int | None:
    """The live track (one of ``analysed``) that gave the subject of ``rec`` most of its
    frames (the subject holds that track's landmarks at those frames)."""
    subject = rec.subject
    best: tuple[int, int] | None = None
    for part in parts:
        if part.track_id not in analysed or not part.rows.size:
            continue
        a, b = subject.image_xyz[part.rows], part.image_xyz
        same = int(np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=(1, 2)).sum())
        if same and (best is None or same > best[0]):
            best = (same, part.track_id)
    return None if best is None else best[1]


def _mirror(image_xyz: np.ndarray) -> np.ndarray:
    out = image_xyz.copy()
    out[:, 0] = 1.0 - out[:, 0]
    return out


class LatestFrame:
    """Keeps only the newest frame of a source running on its own thread.

    ``get()`` waits for a frame newer than the last one returned; older frames that nobody
    took are dropped (and counted), so processing never lags behind the camera.
    """

    def __init__(self, frames: Iterator[Frame], *, pace: bool = False) -> None:
        self._frames = frames
        self._pace = pace
        self._cond = threading.Condition()
        self._item: tuple[Frame, float] | None = None
        self._taken = -1
        self.done = False
        self.produced = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="posture-camera", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = time.monotonic()
        try:
            for frame in self._frames:
                if self._pace:  # a file played as if it were a camera: real time
                    delay = start + frame.t_s - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                with self._cond:
                    if self._item is not None and self._item[0].index != self._taken:
                        self.dropped += 1
                    self._item = (frame, time.monotonic())
                    self.produced += 1
                    self._cond.notify_all()
        finally:
            with self._cond:
                self.done = True
                self._cond.notify_all()

    def get(self, timeout: float = 5.0) -> tuple[Frame, float] | None:
        """The newest frame not yet taken and the monotonic time it arrived, or None at the
        end of the source."""
        with self._cond:
            ok = self._cond.wait_for(
                lambda: (
                    self.done or (self._item is not None and self._item[0].index != self._taken)
                ),
                timeout,
            )
            if not ok or self._item is None or self._item[0].index == self._taken:
                return None
            self._taken = self._item[0].index
            return self._item


def run_live(
    session: LiveSession,
    frames: Iterator[Frame],
    *,
    pace: bool,
    on_frame: Callable[[LiveFrame, float], bool],
    every_frame: bool = False,
) -> dict[str, Any]:
    """Drive a session from a frame source.

    A camera (and a file played at its own speed, ``pace``) gives the newest frame first and
    drops the frames that came while the previous one was analysed; ``every_frame`` feeds a
    file's frames one after the other instead, none dropped (a replay to compare with the
    recorded analysis). ``on_frame(result, latency_s)`` shows a result and returns False to
    stop. Returns counts and latencies (camera frame in to annotated frame out).
    """
    latencies: list[float] = []
    processed = 0
    if every_frame:
        for frame in frames:
            arrived = time.monotonic()
            result = session.update(frame.rgb, frame.t_s, frame.index)
            latencies.append(time.monotonic() - arrived)
            processed += 1
            if not on_frame(result, latencies[-1]):
                break
        return {
            "produced": processed,
            "processed": processed,
            "dropped": 0,
            "latencies_s": latencies,
        }
    session.background_search = True  # a camera: no frame waits for the periodic search
    return _pipelined(session, LatestFrame(frames, pace=pace), on_frame)


#: A camera that gives no frame for this long has stopped.
CAMERA_TIMEOUT_S = 5.0


def _pipelined(
    session: LiveSession, latest: LatestFrame, on_frame: Callable[[LiveFrame, float], bool]
) -> dict[str, Any]:
    """The pose model on a thread of its own, the analysis and drawing on this one, one frame
    behind it: a frame's latency is the model's time plus the analysis', but the model takes
    the next frame as soon as it is done with one (on 2 cores, the two overlap). The
    callback runs on this thread (a window must be shown from the main thread)."""
    handoff: queue.Queue[tuple[Seen, float] | None] = queue.Queue(maxsize=1)
    stop = threading.Event()
    failed: list[BaseException] = []

    def model() -> None:
        last = time.monotonic()
        try:
            while not stop.is_set():
                item = latest.get(timeout=0.2)
                if item is None:
                    if latest.done or time.monotonic() - last > CAMERA_TIMEOUT_S:
                        return
                    continue
                frame, arrived = item
                last = time.monotonic()
                handoff.put((session.see(frame.rgb, frame.t_s, frame.index), arrived))
        except BaseException as exc:  # raised again on the main thread
            failed.append(exc)
        finally:
            handoff.put(None)

    thread = threading.Thread(target=model, name="posture-live-model", daemon=True)
    thread.start()
    latencies: list[float] = []
    try:
        while (item := handoff.get()) is not None:
            seen, arrived = item
            if stop.is_set():  # stopping: a frame the model saw is analysed all the same
                session.show(seen)
                continue
            result = session.show(seen)
            latencies.append(time.monotonic() - arrived)
            if not on_frame(result, latencies[-1]):
                stop.set()
    finally:
        stop.set()
        while thread.is_alive() or not handoff.empty():
            try:
                item = handoff.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is None:
                break
            session.show(item[0])
        thread.join()
    if failed:
        raise failed[0]
    return {
        "produced": latest.produced,
        "processed": len(latencies),
        "dropped": latest.dropped,
        "latencies_s": latencies,
    }
