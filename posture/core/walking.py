"""Gravity from walking: the line the planted feet trace on the floor.

A person walking across the picture plants a foot at each step; the planted feet lie on the
floor, and a straight walk traces a straight line on it. Seen from the side (the walk across the
picture, not toward the camera), that line is horizontal in the world, so its slope in the
picture is the camera's roll: gravity points perpendicular to it. It needs no upright or still
moment, and says nothing of the pitch (a level floor seen from a little higher looks the same
line). A walk toward or away from the camera converges in the picture and is not used.
"""

from __future__ import annotations

import math

import numpy as np

from posture.core.geometry import nanmean, nanmedian
from posture.core.gravity import GravityCue
from posture.core.landmarks import LM, PoseSequence
from posture.core.skeleton import HIPS, SHOULDERS

#: Feet planted: moving less than this, trunk lengths per second, in the picture.
PLANTED_SPEED_TRUNKS_S = 0.3
#: The planted feet must spread at least this far along the line, trunk lengths (a few steps).
MIN_SPAN_TRUNKS = 2.0
#: How far the walk may be from across the picture (the heels' line from the picture's x) and
#: still be used, degrees of slope.
MAX_SLOPE_DEG = 30.0
#: The walk's own straightness and the floor's flatness, 1 sigma, degrees.
WALK_SD_DEG = 2.0
_FEET = (LM.LEFT_HEEL, LM.RIGHT_HEEL, LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX)


def walking_cue(seq: PoseSequence, moving: np.ndarray) -> GravityCue | None:
    """The roll from the planted feet of a walk across the picture (``moving`` ``(T,)``: the
    frames the person walks), or None without such a walk."""
    if not seq.has_image or moving.sum() < 10:
        return None
    # the landmarks used, in this order
    xy = seq.image_xy_px_scaled([*HIPS, *SHOULDERS, *_FEET])
    # a frame without hips or shoulders, or a walk without a trunk: NaN, quietly
    hips = nanmean(xy[:, :2], axis=1)
    sh = nanmean(xy[:, 2:4], axis=1)
    trunk = nanmedian(np.linalg.norm(sh - hips, axis=-1))
    if not math.isfinite(trunk) or trunk <= 0:
        return None
    dt = np.gradient(seq.t_s)
    points = []
    for k in range(4, 4 + len(_FEET)):
        p = xy[:, k]
        with np.errstate(invalid="ignore"):
            speed = np.linalg.norm(np.gradient(p, axis=0), axis=-1) / dt / trunk
            planted = moving & (speed < PLANTED_SPEED_TRUNKS_S) & np.isfinite(p).all(axis=1)
        points.append(p[planted])
    pts = np.concatenate(points)
    if len(pts) < 10:
        return None
    centred = pts - pts.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    direction = vt[0] if vt[0, 0] >= 0 else -vt[0]
    span = float(np.ptp(centred @ direction)) / trunk
    slope = math.degrees(math.atan2(direction[1], direction[0]))
    if span < MIN_SPAN_TRUNKS or abs(slope) > MAX_SLOPE_DEG:
        return None
    # the scatter across the line, as an angle over the walk's length: how straight it was
    scatter = math.degrees(math.atan2(float(s[1]) / math.sqrt(len(pts)), float(s[0])))
    return GravityCue(
        "the line the feet walk along",
        float("nan"),
        -slope,  # a floor rising to the picture's right: gravity turned toward the right
        math.inf,
        math.hypot(WALK_SD_DEG, scatter),
        "scene",
        int(moving.sum()),
    )
