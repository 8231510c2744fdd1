"""Replay of a landmark recording as video: the skeletons drawn on a plain background.

Used when the input is ``landmarks.npz`` (a previous run, motion capture, the synthetic demo):
there are no pixels, but the annotated video still shows the body, the measures and the cues.
Recordings with image landmarks are drawn where the camera saw them; world-only recordings
(motion capture) are drawn from the person's side, feet on a floor line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from posture.assess.analysis import Analysis
from posture.core.body import UP, body_frame
from posture.core.config import Settings
from posture.core.filtering import clean
from posture.core.landmarks import LM, PoseRecording, PoseSequence
from posture.video.draw import annotate
from posture.video.io import VideoWriter
from posture.video.render import output_size
from posture.video.views import frame_view

BACKGROUND_RGB = (38, 42, 48)
FLOOR_RGB = (90, 96, 104)
_FEET = [LM.LEFT_HEEL, LM.RIGHT_HEEL, LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX]


def side_projection(seq: PoseSequence, analysis: Analysis, aspect: float) -> np.ndarray:
    """Image-like ``(T, 33, 3)`` coordinates of world landmarks seen from the person's side.

    Uses the analysis' tilt-corrected skeleton (built again: a finished analysis does not keep
    its points, see :class:`posture.assess.analysis.Analysis`) and the person's median forward
    direction, so the figure faces right; the lowest foot point of each frame stands on a
    floor line at 85 % of the picture's height.
    """
    b, settings = analysis.measures.body, analysis.settings
    p = body_frame(clean(seq, settings.filter), settings.view, b.gravity).points  # not kept
    fwd = np.nanmedian(b.forward, axis=0)
    fwd = fwd / np.linalg.norm(fwd) if np.all(np.isfinite(fwd)) else np.array([1.0, 0, 0])
    x = p @ fwd
    y = -(p @ UP)
    feet = np.where(
        np.isfinite(y[:, _FEET]).any(axis=1),
        np.nanmin(np.where(np.isfinite(y[:, _FEET]), y[:, _FEET], np.inf), axis=1),
        np.nanmin(y, axis=1),
    )
    height = np.nanpercentile(np.nanmax(y, axis=1) - feet, 95)
    scale = 0.75 / height if np.isfinite(height) and height > 0 else 1.0
    img_y = 0.85 - (y - feet[:, None]) * scale
    img_x = 0.5 + (x - np.nanmedian(x)) * scale / aspect  # equal pixels per metre on x and y
    return np.stack([img_x, img_y, np.zeros_like(img_x)], axis=-1).astype(np.float32)


def render_replay(
    rec: PoseRecording,
    analysis: Analysis,
    out: Path,
    settings: Settings,
    *,
    size: tuple[int, int] | None = None,
) -> None:
    """Write the replay video of ``rec`` to ``out``."""
    w0, h0 = rec.subject.image_size_px
    if size is None:
        size = output_size(w0, h0, settings.output.video_max_height) if w0 and h0 else (960, 540)
    people = list(rec.people)
    floor = False
    if not rec.subject.has_image:
        subject_img = side_projection(rec.subject, analysis, size[0] / size[1])
        people = [replace(rec.subject, image_xyz=subject_img)]
        floor = True
    t = rec.subject.t_s
    fps = (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 30.0
    canvas = np.empty((size[1], size[0], 3), np.uint8)
    canvas[:] = BACKGROUND_RGB
    if floor:
        canvas[int(0.85 * size[1]) + 1 : int(0.85 * size[1]) + 3, :] = FLOOR_RGB
    with VideoWriter(out, size, fps) as writer:
        for i in range(len(t)):
            at_frame = [
                (p.person_id, p.image_xyz[i], p.visibility[i]) for p in people if p.pose_found[i]
            ]
            view = frame_view(analysis, i, at_frame, size, footer="replay")
            writer.write(annotate(canvas, view, blur=False), float(t[i]))
