"""Live coaching: one camera frame in, one annotated frame and the current cue out.

:class:`LiveSession` is the small stateful object the dashboard's webcam callback and the
``posture live`` window both use. It runs the same parts as a recorded analysis (pose model,
tracker, analysis, drawing); the differences are the ones live video needs: each frame is
cleaned once as it arrives with the causal one-euro filter, the analysis covers a trailing
window, and the camera calibration is frozen once the first upright moments are seen.

:class:`LatestFrame` keeps only the newest camera frame, so a slow moment drops frames instead
of falling further and further behind.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posture.assess.analysis import Analysis, analyze
from posture.assess.cues import CUE_TEXT
from posture.core.body import settled
from posture.core.config import Settings
from posture.core.filtering import OneEuroFilter, upside_down
from posture.core.gravity import Gravity
from posture.core.landmarks import N_LANDMARKS, PoseSequence
from posture.run.recorded import Result
from posture.video.draw import annotate
from posture.video.finder import PeopleFinder
from posture.video.io import Frame
from posture.video.pose import ModelInfo, resolve_model
from posture.video.tracking import PersonTracker
from posture.video.views import frame_view

#: Readings handed to the page with each frame (name -> measure).
READINGS = (
    "trunk_flexion_deg",
    "trunk_twist_deg",
    "trunk_side_bend_deg",
    "shoulders_forward_deg",
    "knee_flexion_deg",
)


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


@dataclass
class _Track:
    raw: deque[tuple[float, int, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=deque)
    clean: deque[tuple[np.ndarray, np.ndarray]] = field(default_factory=deque)
    world_filter: OneEuroFilter | None = None
    image_filter: OneEuroFilter | None = None


class LiveSession:
    """Stateful live analysis. Not thread-safe: call ``update`` from one thread."""

    def __init__(
        self,
        settings: Settings,
        *,
        model: ModelInfo | None = None,
        window_s: float = 10.0,
        mirror: bool = False,
        size: tuple[int, int] | None = None,
    ) -> None:
        self.settings = settings
        self.model = model or resolve_model(settings.pose)
        self.window_s = window_s
        self.mirror = mirror
        self._tracker: PersonTracker | None = None
        self._finder: PeopleFinder | None = None
        self._size = size
        self._tracks: dict[int, _Track] = {}
        self._gravity: Gravity | None = None
        self._n = 0
        self._lift_starts: set[float] = set()
        self._risky_lift_starts: set[float] = set()
        self.started = time.monotonic()

    # ------------------------------------------------------------------------------------------
    def update(self, rgb: np.ndarray, t_s: float) -> LiveFrame:
        """Analyse one frame (RGB ``uint8``) taken at ``t_s`` seconds; draw and return it."""
        t0 = time.perf_counter()
        h, w = rgb.shape[:2]
        if self._tracker is None or self._finder is None:
            self._tracker = PersonTracker(self.settings.tracking, aspect=w / h)
            self._finder = PeopleFinder.with_pose_model(
                self.settings.pose, self.settings.tracking, self.model, self._tracker
            )
            self._size = self._size or (w, h)
        people = self._finder(self._n, t_s, rgb)
        ids = [pid for pid, _ in people]
        self._n += 1
        for pid, p in people:
            self._push(pid, t_s, p.world_xyz_m, p.image_xyz, p.visibility)
        subject = self.settings.subject.person or self._tracker.most_visible()
        for pid in self._tracks:
            if pid not in ids:
                nan3 = np.full((N_LANDMARKS, 3), np.nan, np.float32)
                self._push(pid, t_s, nan3, nan3, np.full(N_LANDMARKS, np.nan, np.float32))
        analysis = self._analyze(subject) if subject in self._tracks else None
        at_frame = [(pid, p.image_xyz, p.visibility) for pid, p in people]
        shown = np.ascontiguousarray(rgb[:, ::-1]) if self.mirror else rgb
        if self.mirror:
            at_frame = [(pid, _mirror(img), vis) for pid, img, vis in at_frame]
        row = len(analysis.t_s) - 1 if analysis is not None else None
        # a live window numbers its lifts from its own start: no number is shown
        view = frame_view(
            analysis, row, at_frame, (w, h), footer=self._footer(), lift_numbers=False
        )
        out = annotate(shown, view, blur=self.settings.output.blur_faces)
        return self._result(out, t_s, analysis, row, time.perf_counter() - t0)

    def _push(
        self, pid: int, t_s: float, world: np.ndarray, image: np.ndarray, vis: np.ndarray
    ) -> None:
        f = self.settings.filter
        tr = self._tracks.setdefault(pid, _Track())
        if tr.world_filter is None or tr.image_filter is None:
            tr.world_filter = OneEuroFilter(
                f.one_euro_min_cutoff_hz, f.one_euro_beta, f.one_euro_d_cutoff_hz
            )
            tr.image_filter = OneEuroFilter(
                f.one_euro_min_cutoff_hz, f.one_euro_beta, f.one_euro_d_cutoff_hz
            )
        low = vis < f.min_visibility
        aspect = self._size[0] / self._size[1] if self._size and self._size[1] else 1.0
        if upside_down(world[None])[0] or upside_down(image[None], aspect)[0]:
            low[:] = True  # a flipped skeleton: as if no pose (see posture.core.filtering)
        w_in = np.where(low[:, None], np.nan, world)
        i_in = np.where(low[:, None], np.nan, image)
        tr.raw.append((t_s, self._n - 1, world, image, vis))
        tr.clean.append(
            (
                tr.world_filter(w_in, t_s).astype(np.float32),
                tr.image_filter(i_in, t_s).astype(np.float32),
            )
        )
        while tr.raw and t_s - tr.raw[0][0] > self.window_s:
            tr.raw.popleft()
            tr.clean.popleft()

    def _analyze(self, subject: int) -> Analysis | None:
        tr = self._tracks[subject]
        if not tr.raw or not np.isfinite(tr.raw[-1][2]).any():
            return None
        t = np.array([r[0] for r in tr.raw])
        seq = PoseSequence(
            t_s=t,
            world_xyz_m=np.stack([r[2] for r in tr.raw]),
            image_xyz=np.stack([r[3] for r in tr.raw]),
            visibility=np.stack([r[4] for r in tr.raw]),
            frame_index=np.array([r[1] for r in tr.raw]),
            image_size_px=self._size or (0, 0),
            person_id=subject,
        )
        cleaned = PoseSequence(
            t_s=t,
            world_xyz_m=np.stack([c[0] for c in tr.clean]),
            image_xyz=np.stack([c[1] for c in tr.clean]),
            visibility=seq.visibility,
            frame_index=seq.frame_index,
            image_size_px=seq.image_size_px,
            person_id=subject,
        )
        a = analyze(seq, self.settings, live=True, cleaned=cleaned, gravity=self._gravity)
        self._count_lifts(a)
        found = a.measures.body.gravity
        if self._gravity is None and settled(found, self.settings.view, t):
            self._gravity = found
        return a

    def _count_lifts(self, a: Analysis) -> None:
        """Count the lifts that ended in the window (a lift is known by its start time, so a
        lift seen in many windows counts once; a lift still in progress waits)."""
        last = len(a.t_s) - 1
        for lift in a.lifts:
            if lift.end_row >= last or lift.start_row == 0:
                continue
            key = round(lift.start_s, 1)
            if key in self._lift_starts or any(abs(key - k) < 0.5 for k in self._lift_starts):
                continue
            self._lift_starts.add(key)
            if lift.risky:
                self._risky_lift_starts.add(key)

    def _footer(self) -> str:
        n = len(self._lift_starts)
        return f"lifts {n}, risky {len(self._risky_lift_starts)}" if n else ""

    def _result(
        self, out: np.ndarray, t_s: float, a: Analysis | None, row: int | None, dt: float
    ) -> LiveFrame:
        if a is None or row is None or not a.pose_found[row]:
            return LiveFrame(
                out,
                t_s,
                "unknown",
                None,
                None,
                {},
                {},
                False,
                *self._lift_counts(),
                process_ms=dt * 1000,
            )
        m = a.measures
        min_conf = self.settings.view.min_confidence
        readings = {k: float(m[k][row]) for k in READINGS}
        trusted = {k: bool(m.conf[k][row] >= min_conf) for k in READINGS}
        cue = a.frame_cue(row)
        return LiveFrame(
            out,
            t_s,
            str(a.cues.risk_level[row]),
            cue,
            CUE_TEXT[cue] if cue else None,
            readings,
            trusted,
            True,
            *self._lift_counts(),
            process_ms=dt * 1000,
        )

    def _lift_counts(self) -> tuple[int, int]:
        return len(self._lift_starts), len(self._risky_lift_starts)

    # ------------------------------------------------------------------------------------------
    def finish(self) -> Result | None:
        """The whole session analysed as a recording (for the session summary), or None if
        nobody was seen."""
        from posture.core.errors import NoPersonError
        from posture.run.recorded import _select_subject

        if self._tracker is None:
            return None
        try:
            rec = self._tracker.recording(0, self._size or (0, 0), meta={"source": "live"})
        except NoPersonError:
            return None
        rec = _select_subject(rec, self.settings)
        analysis = analyze(rec.subject, self.settings)
        people = [s.as_dict() for s in self._tracker.summaries() if s.person_id in rec.person_ids]
        return Result(rec, analysis, {"source": "live camera"}, self.model.as_dict(), people)

    def close(self) -> None:
        if self._finder is not None:
            self._finder.close()


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
) -> dict[str, Any]:
    """Drive a session from a frame source, newest frame first.

    ``on_frame(result, latency_s)`` shows a result and returns False to stop. Returns counts
    and latencies (camera frame in to annotated frame out).
    """
    latest = LatestFrame(frames, pace=pace)
    latencies: list[float] = []
    processed = 0
    while True:
        item = latest.get()
        if item is None:
            break
        frame, arrived = item
        result = session.update(frame.rgb, frame.t_s)
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
