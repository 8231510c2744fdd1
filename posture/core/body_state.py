"""The body frame of a live stream, one frame at a time.

A recorded clip knows its camera tilt and the person's size from the whole clip
(:func:`posture.core.body.body_frame`, :func:`posture.core.body.body_length_units`). A stream
knows only the frames so far, so :class:`BodyState` keeps what it has learnt:

* the camera **tilt**: level until the person has stood upright and still for a few frames;
  estimated again with each upright frame (:func:`posture.core.body.estimate_tilt` over the
  upright frames collected) until ``view.calibration_s`` of them make it complete, then
  frozen. Until then, as for a short recording, it counts only while the upright frames are at
  least half of the frames seen;
* the person's **size** (thigh + shank + trunk): from the same upright moments once there are
  some, else the running 90th percentile over the frames so far (a recording: over the clip);
* the trunk's **full length** (the 2D path's foreshortening): the running 95th percentile.

Memory and time per frame are bounded: fixed histograms, a handful of upright frames.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from posture.core.body import (
    LEVEL,
    STATURE_FRACTION_LEG_TRUNK,
    BodyFrame,
    Tilt,
    body_frame,
    calibration_size,
    estimate_tilt,
    leg_trunk_length,
    still_frames,
    upright_frames,
)
from posture.core.config import ViewSettings
from posture.core.landmarks import PoseSequence
from posture.core.measures import BodyScale, trunk_lengths

#: Hip-to-acromion length as a share of stature (Drillis & Contini, see posture.core.body).
TRUNK_STATURE_FRACTION = 0.288


class RunningPercentile:
    """The ``q``-th percentile of the positive values seen so far, in constant time and memory:
    a histogram of their logarithms in bins of ``step`` (0.5 %)."""

    def __init__(self, q: float, lo: float = 1e-3, hi: float = 1e3, step: float = 0.005) -> None:
        self.q, self.lo, self.step = q, math.log(lo), step
        self.counts = np.zeros(math.ceil((math.log(hi) - self.lo) / step) + 1, np.int64)
        self.n = 0

    def add(self, x: float) -> None:
        if math.isfinite(x) and x > 0:
            k = int((math.log(x) - self.lo) / self.step)
            self.counts[min(max(k, 0), len(self.counts) - 1)] += 1
            self.n += 1

    def value(self) -> float:
        """The percentile (the middle of its bin), NaN before any value."""
        if self.n == 0:
            return float("nan")
        k = int(np.searchsorted(np.cumsum(self.counts), self.q / 100.0 * self.n))
        return math.exp(self.lo + (min(k, len(self.counts) - 1) + 0.5) * self.step)


class BodyState:
    """Skeleton, camera tilt and body axes of a stream, frame by frame (module docstring)."""

    def __init__(self, settings: ViewSettings) -> None:
        self.settings = settings
        self.tilt: Tilt = LEVEL
        self.complete = False
        self._recent: deque[tuple[PoseSequence, np.ndarray]] = deque(maxlen=3)
        self._upright: list[np.ndarray] = []
        self._upright_t: list[float] = []
        self._seen = 0  # frames with a pose so far
        self._body = RunningPercentile(90)
        self._trunk = RunningPercentile(95)

    def __call__(self, row: PoseSequence) -> tuple[BodyFrame, BodyScale]:
        """The body frame of one cleaned frame (``row``: a sequence of one frame), and the
        person's size as known so far."""
        bf = body_frame(row, self.settings, self.tilt)
        camera = bf.points @ self.tilt.rotation  # the skeleton in the camera's axes
        self._seen += int(row.pose_found[0])
        if not self.complete:
            self._calibrate(row, camera)
        self._body.add(float(leg_trunk_length(bf.points)[0]))
        self._trunk.add(float(trunk_lengths(bf.points)[0]))
        return bf, BodyScale(self._body_length(), self._trunk.value())

    def _body_length(self) -> float:
        if math.isfinite(self.tilt.body_length):
            return self.tilt.body_length
        if self._body.n:
            return self._body.value()
        return self._trunk.value() / TRUNK_STATURE_FRACTION * STATURE_FRACTION_LEG_TRUNK

    def _calibrate(self, row: PoseSequence, camera: np.ndarray) -> None:
        """Judge the frame before this one (standing still needs a frame on either side)."""
        self._recent.append((row, camera))
        if len(self._upright) < 0.5 * self._seen:
            # as a recording does, an incomplete calibration counts only while the person has
            # stood upright in at least half the frames so far
            self.tilt = LEVEL if self.tilt.n_frames else self.tilt
        if len(self._recent) < 3 or not all(r.pose_found[0] for r, _ in self._recent):
            return
        rows = [r for r, _ in self._recent]
        block = PoseSequence(
            t_s=np.concatenate([r.t_s for r in rows]),
            world_xyz_m=np.concatenate([r.world_xyz_m for r in rows]),
            image_xyz=np.concatenate([r.image_xyz for r in rows]),
            visibility=np.concatenate([r.visibility for r in rows]),
            frame_index=np.concatenate([r.frame_index for r in rows]),
            image_size_px=row.image_size_px,
        )
        points = np.concatenate([c for _, c in self._recent])
        still = still_frames(block, points)
        if not upright_frames(points[1:2], still[1:2])[0]:
            return
        self._upright.append(points[1])
        self._upright_t.append(float(block.t_s[1]))
        t = np.array(self._upright_t)
        tilt = estimate_tilt(np.stack(self._upright), t, self.settings, still=None)
        complete = len(self._upright) >= calibration_size(block.t_s, self.settings)
        if tilt.n_frames >= 5 and (complete or len(self._upright) >= 0.5 * self._seen):
            self.tilt = tilt
        if complete:
            self.complete = True
            self._recent.clear()
            self._upright, self._upright_t = [], []
