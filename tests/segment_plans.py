"""A segment plan of a made-up video (no file behind it), for tests of joining and drawing."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posture.core.config import DEFAULTS
from posture.run.segments import Segment, SegmentPlan
from posture.video.io import VideoInfo
from posture.video.pose import ModelInfo


def fake_plan(
    n: int,
    fps: float,
    size: tuple[int, int],
    segments: tuple[Segment, ...],
    *,
    pts_step: int = 1,
    key_every: int = 30,
) -> SegmentPlan:
    """``n`` frames of ``clip.mp4`` at ``fps``, frame ``k`` at pts ``k * pts_step``, a key
    frame every ``key_every`` frames, cut into ``segments``."""
    pts = np.arange(n, dtype=np.int64) * pts_step
    return SegmentPlan(
        "clip.mp4",
        DEFAULTS,
        VideoInfo("clip.mp4", size[0], size[1], fps, n, n / fps, "h264", 0),
        ModelInfo(Path("m.task"), "test", "m", ""),
        pts,
        np.arange(n) / fps,
        np.arange(n, dtype=np.int64),
        pts[::key_every],
        segments,
    )
