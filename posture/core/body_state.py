"""The body frame of a live stream, one frame at a time.

A recorded clip knows the camera's gravity, the person's size and their own segment lengths
from the whole clip (:func:`posture.core.body.body_frame`). A stream knows only the frames so
far, so :class:`BodyState` keeps what it has learnt:

* **gravity** (the camera's pitch and roll, :mod:`posture.core.gravity`): given (the settings,
  the scene, a calibration clip), or estimated from the person over the last
  ``GRAVITY_WINDOW_S`` every ``GRAVITY_EVERY_S`` until it is settled
  (:func:`posture.core.body.settled`: ``view.calibration_s`` of upright or still time), then
  kept for the rest of the stream. Before, the camera is taken as level with its uncertainty
  (the measures against gravity are trusted less, see :mod:`posture.core.measures`): an
  estimate from a few moments would move "up" while the stream goes on, and a measure that
  moves with it (the hands' height) would make lifts that are not there;
* **the body frame of each frame**: :func:`posture.core.body.body_frame` over the last
  ``BODY_WINDOW_S`` of frames with that gravity (the shoulders' turn and the segments' own
  lengths as seen in them), of which the newest row is kept; the pelvis, while hidden, held
  from its last well-seen orientation over the whole stream, or before it was ever seen
  from its typical direction so far (:class:`posture.core.pelvis.PelvisMemory`: a recording
  holds it the same way, but fills the frames before the first clear view back from it);
* **the scene** when the live session found it (:meth:`BodyState.use_scene`): its gravity
  cue joins the person's, as a recording's does, and settles the camera at once;
* **the person's size** (thigh + shank + trunk): the running median over upright frames once
  there are some, else the running 90th percentile over the frames so far (a recording: the
  same over the clip); the trunk's **full length** (the 2D path's foreshortening): the running
  95th percentile.

Memory and time per frame are bounded: two bounded windows, fixed histograms.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from posture.core.body import (
    STATURE_FRACTION_LEG_TRUNK,
    BodyFrame,
    body_frame,
    settled,
    upright_frames,
)
from posture.core.config import ViewSettings
from posture.core.gravity import LEVEL, Gravity, GravityCue
from posture.core.landmarks import PoseSequence
from posture.core.measures import BodyScale, trunk_lengths
from posture.core.pelvis import PelvisMemory, forward_direction
from posture.core.running import RunningPercentile
from posture.core.skeleton import leg_trunk_length
from posture.core.turn import WidthMemory

#: Hip-to-acromion length as a share of stature (Drillis & Contini, see posture.core.skeleton).
TRUNK_STATURE_FRACTION = 0.288
#: The frames a stream's body frame is taken over, s (the pelvis held while hidden this long).
BODY_WINDOW_S = 1.0
#: The frames gravity is estimated from until it is settled, s, and how often, s.
GRAVITY_WINDOW_S = 10.0
GRAVITY_EVERY_S = 0.5


class _Window:
    """The frames of the last ``seconds`` of a stream, as a sequence."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.rows: deque[PoseSequence] = deque()

    def add(self, row: PoseSequence) -> PoseSequence:
        self.rows.append(row)
        t = float(row.t_s[0])
        while t - float(self.rows[0].t_s[0]) > self.seconds + 1e-9:
            self.rows.popleft()
        rows = list(self.rows)
        if len(rows) == 1:
            return row
        return PoseSequence(
            t_s=np.concatenate([r.t_s for r in rows]),
            world_xyz_m=np.concatenate([r.world_xyz_m for r in rows]),
            image_xyz=np.concatenate([r.image_xyz for r in rows]),
            visibility=np.concatenate([r.visibility for r in rows]),
            frame_index=np.concatenate([r.frame_index for r in rows]),
            image_size_px=row.image_size_px,
            person_id=row.person_id,
        )


def newest(bf: BodyFrame) -> BodyFrame:
    """The last row of a body frame."""
    return replace(
        bf,
        points=bf.points[-1:],
        forward=bf.forward[-1:],
        right=bf.right[-1:],
        yaw_deg=bf.yaw_deg[-1:],
        pelvis_held=bf.pelvis_held[-1:],
        twist_agreement=bf.twist_agreement[-1:],
        plausible={k: v[-1:] for k, v in bf.plausible.items()},
    )


class BodyState:
    """Gravity, skeleton and body axes of a stream, frame by frame (module docstring).

    ``gravity``: the camera's, when known before the stream (kept throughout); ``extra_cues``
    and ``hfov_deg``: the scene's evidence, as for a recording."""

    def __init__(
        self,
        settings: ViewSettings,
        *,
        gravity: Gravity | None = None,
        extra_cues: Sequence[GravityCue] = (),
        hfov_deg: float | None = None,
    ) -> None:
        self.settings = settings
        self.gravity: Gravity = gravity or LEVEL
        self.settled = self._given = gravity is not None
        self.extra_cues, self.hfov_deg = tuple(extra_cues), hfov_deg
        self._body = _Window(BODY_WINDOW_S)
        self._calibration = _Window(GRAVITY_WINDOW_S)
        self._next_estimate_t = -math.inf
        self._length = RunningPercentile(90)
        self._upright_length = RunningPercentile(50)
        self._trunk = RunningPercentile(95)
        self._pelvis = PelvisMemory()
        self._widths = WidthMemory()

    def use_scene(self, cue: GravityCue, hfov_deg: float | None) -> None:
        """The scene's gravity cue (and the lens it showed), found while the stream runs:
        the camera is estimated again with it from the next frame on."""
        if self._given:  # a calibration clip's, or found before the stream: kept
            return
        self.extra_cues = (*self.extra_cues, cue)
        self.hfov_deg = self.hfov_deg if hfov_deg is None else hfov_deg
        self.settled = False
        self._next_estimate_t = -math.inf

    def __call__(self, row: PoseSequence) -> tuple[BodyFrame, BodyScale]:
        """The body frame of one cleaned frame (``row``: a sequence of one frame), and the
        person's size as known so far."""
        t = float(row.t_s[0])
        if not self.settled:
            self._estimate(self._calibration.add(row), t)
        block = self._body.add(row)
        bf = body_frame(
            block,
            self.settings,
            self.gravity,
            extra_cues=self.extra_cues,
            hfov_deg=self.hfov_deg,
            pelvis_prior=self._pelvis.prior(),
            widths=self._widths,
        )
        last = newest(bf)
        raw = forward_direction(last.points, block.visibility[-1:])[0]
        self._pelvis.add(raw, None if last.pelvis_held[0] else last.forward[0])
        length = float(leg_trunk_length(last.points)[0])
        self._length.add(length)
        if upright_frames(last.points)[0]:
            self._upright_length.add(length)
        self._trunk.add(float(trunk_lengths(last.points)[0]))
        scale = BodyScale(self._body_length(), self._trunk.value())
        return replace(last, body_length=scale.body_length), scale

    def _estimate(self, block: PoseSequence, t: float) -> None:
        """Gravity from the recent frames, every ``GRAVITY_EVERY_S``, kept once settled."""
        if t < self._next_estimate_t or not block.pose_found.any():
            return
        if float(block.t_s[-1] - block.t_s[0]) >= GRAVITY_EVERY_S:
            self._next_estimate_t = t + GRAVITY_EVERY_S
        found = body_frame(
            block, self.settings, None, extra_cues=self.extra_cues, hfov_deg=self.hfov_deg
        ).gravity
        self.gravity = found
        if settled(found, self.settings, block.t_s):
            self.settled = True
            self._calibration.rows.clear()

    def _body_length(self) -> float:
        if self._upright_length.n >= 5:
            return self._upright_length.value()
        if self._length.n:
            return self._length.value()
        return self._trunk.value() / TRUNK_STATURE_FRACTION * STATURE_FRACTION_LEG_TRUNK
