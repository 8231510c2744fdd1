"""Annotated video of a camera, drawn while it is still being analysed.

A camera cannot be replayed, so its annotated video is drawn as it goes: a render thread draws
each frame about a second after the pose model has seen it, from a *provisional* analysis of
the frames so far, and hands it to the encoder thread. The frames still pending when the camera
stops are drawn from the final analysis; every frame drawn early is checked against it
(:class:`posture.video.draw.FrameView` equality) and a warning says when any differs.

A video file is not drawn this way: its frames are drawn from the final analysis once it is
known (:func:`posture.run.recorded.redraw_video`, or per segment by the parallel run). Drawing
early from a provisional analysis was tried for files too: the camera's gravity and the
zero-phase filters are settled over the whole recording, so almost every early frame differed
from the final one by a degree somewhere (2,112 of 2,131 on the squat clip looped 4 times) and
had to be drawn again, after costing 7 ms of CPU a frame beside the frame loop there (the
provisional analysis re-ran a window of up to 75 s every second).
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from posture.assess.analysis import Analysis, analyze
from posture.core.body import settled
from posture.core.config import Settings
from posture.core.gravity import Gravity
from posture.core.landmarks import N_LANDMARKS, PoseSequence
from posture.video.appearance import presence
from posture.video.draw import annotate
from posture.video.io import VideoWriter, background_priority
from posture.video.views import PeopleAtFrame, frame_view

_END = object()


@dataclass(frozen=True)
class Person:
    """One tracked person in one frame (arrays in the landmark convention)."""

    person_id: int
    world_xyz_m: np.ndarray
    image_xyz: np.ndarray
    visibility: np.ndarray


@dataclass
class Row:
    """One analysed frame: its row in the clip, source frame number, time and people."""

    row: int
    frame_index: int
    t_s: float
    people: list[Person] = field(default_factory=list)

    def people_at_frame(self, keep: set[int] | None = None) -> PeopleAtFrame:
        return [
            (p.person_id, p.image_xyz, p.visibility)
            for p in self.people
            if keep is None or p.person_id in keep
        ]


def output_size(width: int, height: int, max_height: int) -> tuple[int, int]:
    """Annotated video size: at most ``max_height`` rows, even dimensions."""
    s = min(1.0, max_height / height) if height else 1.0
    return max(2, int(width * s) // 2 * 2), max(2, int(height * s) // 2 * 2)


def subject_sequence(rows: list[Row], subject: int, size: tuple[int, int]) -> PoseSequence:
    """The subject's landmarks over ``rows`` (NaN where they are not seen)."""
    n = len(rows)
    world = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
    image = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
    vis = np.full((n, N_LANDMARKS), np.nan, np.float32)
    for i, r in enumerate(rows):
        for p in r.people:
            if p.person_id == subject:
                world[i], image[i], vis[i] = p.world_xyz_m, p.image_xyz, p.visibility
    return PoseSequence(
        t_s=np.array([r.t_s for r in rows]),
        world_xyz_m=world,
        image_xyz=image,
        visibility=vis,
        frame_index=np.array([r.frame_index for r in rows]),
        image_size_px=size,
        person_id=subject,
    )


class LaggedRenderer:
    """Render thread: provisional analysis over a trailing window, drawing with a lag.

    ``submit(row, rgb)`` from the analysing thread; ``finish()`` returns the frames not drawn
    yet; ``drawn`` holds the hash of the FrameView drawn for every row already written.
    """

    def __init__(
        self,
        writer: VideoWriter,
        settings: Settings,
        source_size: tuple[int, int],
        *,
        subject: int = 0,
        lag_s: float = 1.0,
        every: int = 30,
        window_s: float = 75.0,
    ) -> None:
        self.writer = writer
        self.settings = settings
        self.size = (writer.width, writer.height)
        self.source_size = source_size
        self.fixed_subject = subject
        self.lag_s, self.every, self.window_s = lag_s, every, window_s
        self.drawn: dict[int, int] = {}  # row -> hash of the FrameView drawn
        self.error: str | None = None
        self._history: deque[Row] = deque()
        self._pending: deque[tuple[Row, np.ndarray]] = deque()
        self._weights: dict[int, float] = {}
        self._first_t: dict[int, float] = {}
        self._last_t: dict[int, float] = {}
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=8)
        self._since = 0
        self._gravity: Gravity | None = None  # kept once settled
        self._thread = threading.Thread(target=self._run, name="posture-render", daemon=True)
        self._thread.start()

    def submit(self, row: Row, rgb: np.ndarray) -> None:
        self._queue.put((row, rgb))

    def finish(self) -> list[tuple[Row, np.ndarray]]:
        """Stop the thread; return the frames still waiting to be drawn, in order."""
        self._queue.put(_END)
        self._thread.join()
        return list(self._pending)

    # --- render thread ---------------------------------------------------------------------
    def _run(self) -> None:
        background_priority()
        while True:
            item = self._queue.get()
            if item is _END:
                return
            row, rgb = item
            try:
                self._add(row, rgb)
            except Exception as exc:
                self.error = f"early drawing stopped: {exc}"

    def _add(self, row: Row, rgb: np.ndarray) -> None:
        small = (
            cv2.resize(rgb, self.size, interpolation=cv2.INTER_AREA)
            if (rgb.shape[1], rgb.shape[0]) != self.size
            else rgb
        )
        self._pending.append((row, small))
        self._history.append(row)
        aspect = self.source_size[0] / self.source_size[1]
        for p in row.people:  # the subject rule of the tracker, on the frames so far
            self._weights[p.person_id] = self._weights.get(p.person_id, 0.0) + presence(
                p.image_xyz, p.visibility, aspect
            )
            self._first_t.setdefault(p.person_id, row.t_s)
            self._last_t[p.person_id] = row.t_s
        while self._history and row.t_s - self._history[0].t_s > self.window_s:
            self._history.popleft()
        self._since += 1
        if (
            self.error is None
            and self._since >= self.every
            and row.t_s - self._pending[0][0].t_s >= self.lag_s
        ):
            self._since = 0
            self._draw_ready(row.t_s)

    def _subject(self) -> int:
        if self.fixed_subject:
            return self.fixed_subject
        return max(self._weights, key=lambda k: self._weights[k]) if self._weights else -1

    def _kept(self) -> set[int]:
        min_s = self.settings.tracking.min_track_s
        return {pid for pid in self._first_t if self._last_t[pid] - self._first_t[pid] >= min_s}

    def _draw_ready(self, newest_t: float) -> None:
        subject = self._subject()
        rows = list(self._history)
        analysis: Analysis | None = None
        if any(p.person_id == subject for r in rows for p in r.people):
            seq = subject_sequence(rows, subject, self.source_size)
            analysis = analyze(seq, self.settings, gravity=self._gravity)
            found = analysis.measures.body.gravity
            if self._gravity is None and settled(found, self.settings.view, seq.t_s):
                self._gravity = found
        index = {r.row: i for i, r in enumerate(rows)}
        kept = self._kept()
        while self._pending and newest_t - self._pending[0][0].t_s >= self.lag_s:
            row, small = self._pending.popleft()
            view = frame_view(analysis, index.get(row.row), row.people_at_frame(kept), self.size)
            self.drawn[row.row] = hash(view)
            # the frame is this renderer's alone by now: drawn on, not copied
            blur = self.settings.output.blur_faces
            self.writer.write(annotate(small, view, blur=blur, in_place=True), row.t_s)
