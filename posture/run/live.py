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

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from posture.assess.explain import FrameReport
from posture.assess.stream import StreamingAnalysis
from posture.core.config import Settings
from posture.core.errors import NoPersonError
from posture.core.measure_info import PANEL_MEASURES
from posture.run.recorded import Result, select_subject
from posture.video.draw import annotate
from posture.video.io import Frame
from posture.video.pose import PoseEstimator
from posture.video.tracking import PersonTracker, SecondLook
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


class _Person:
    """One tracked person's streaming analysis, from the frame they were first seen."""

    def __init__(self, core: StreamingAnalysis, first_row: int) -> None:
        self.core, self.first_row = core, first_row
        self.last_seen_t = -np.inf
        self.report: FrameReport | None = None


class LiveSession:
    """Stateful live analysis. Not thread-safe: call ``update`` from one thread."""

    def __init__(
        self,
        settings: Settings,
        *,
        estimator: PoseEstimator | None = None,
        mirror: bool = False,
        size: tuple[int, int] | None = None,
    ) -> None:
        self.settings = settings
        self.estimator = estimator or PoseEstimator(settings.pose)
        self.mirror = mirror
        self._tracker: PersonTracker | None = None
        self._second_look = SecondLook.with_pose_model(
            settings.pose, self.estimator.model, settings.tracking.recover_s
        )
        self._size = size
        self._people: dict[int, _Person] = {}
        self._t: list[float] = []
        self._frames: list[int] = []
        self.started = time.monotonic()

    # ------------------------------------------------------------------------------------------
    def update(self, rgb: np.ndarray, t_s: float, frame_index: int | None = None) -> LiveFrame:
        """Analyse one frame (RGB ``uint8``) taken at ``t_s`` seconds; draw and return it."""
        t0 = time.perf_counter()
        h, w = rgb.shape[:2]
        if self._tracker is None:
            self._tracker = PersonTracker(self.settings.tracking, aspect=w / h)
            self._size = self._size or (w, h)
        row = len(self._t)
        index = row if frame_index is None else frame_index
        self._t.append(t_s)
        self._frames.append(index)
        people = self._tracker.update(
            index, t_s, self.estimator.detect(rgb, round(t_s * 1000)), rgb
        )
        if self._second_look is not None:
            people += self._second_look(self._tracker, rgb)
        self._push(row, t_s, index, {pid: p for pid, p in people})
        subject = self.settings.subject.person or self._tracker.most_visible()
        report = self._people[subject].report if subject in self._people else None
        at_frame = [(pid, p.image_xyz, p.visibility) for pid, p in people]
        shown = np.ascontiguousarray(rgb[:, ::-1]) if self.mirror else rgb
        if self.mirror:
            at_frame = [(pid, _mirror(img), vis) for pid, img, vis in at_frame]
        view = report_view(report, subject, at_frame, (w, h), footer=self._footer(subject))
        out = annotate(shown, view, blur=self.settings.output.blur_faces)
        return self._result(out, t_s, subject, report, time.perf_counter() - t0)

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
        """The session as analysed live, for the person a recording would analyse; None if
        nobody was seen. ``source`` describes what was analysed (default: a live camera)."""
        if self._tracker is None:
            return None
        try:
            rec = self._tracker.recording(0, self._size or (0, 0), meta={"source": "live"})
        except NoPersonError:
            return None
        rec = select_subject(rec, self.settings)
        person = self._people[rec.subject_id]
        analysis = person.core.finish(
            np.asarray(self._t), np.asarray(self._frames), first_row=person.first_row
        )
        if analysis is None:
            return None
        people = [s.as_dict() for s in self._tracker.summaries() if s.person_id in rec.person_ids]
        return Result(
            rec,
            analysis,
            source or {"source": "live camera"},
            self.estimator.model.as_dict(),
            people,
        )

    def close(self) -> None:
        self.estimator.close()
        if self._second_look is not None:
            self._second_look.close()


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
    latest = LatestFrame(frames, pace=pace)
    while True:
        item = latest.get()
        if item is None:
            break
        frame, arrived = item
        result = session.update(frame.rgb, frame.t_s, frame.index)
        latency = time.monotonic() - arrived
        latencies.append(latency)
        processed += 1
        if not on_frame(result, latency):
            break
    return {
        "produced": latest.produced,
        "processed": processed,
        "dropped": latest.dropped,
        "latencies_s": latencies,
    }
