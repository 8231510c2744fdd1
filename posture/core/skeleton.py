"""The skeleton the measures use: one point set per frame, in metres where it can be.

Which landmarks are used, and why (see also the README, "What the camera can see"):

* **Image landmarks** locate joints in the picture to a few pixels; the world landmarks'
  in-plane coordinates are a separate, noisier regression. On the project's clips the image
  landmarks read upright people as upright (trunk within ~6 deg of the legs) where the world
  landmarks lean them by 6-14 deg.
* **World landmarks** are the only source of depth (the image landmarks' ``z`` is far worse:
  it read upright people as 25-50 deg bent).
* So, when both exist, the skeleton is **fused**: image ``x, y`` (centred on the mid-hip,
  scaled to metres by the world landmarks' in-plane size, perspective undone) plus world ``z``.
  Motion capture (world only) uses the world landmarks; the 2D path (image only) has no depth
  (``z = 0``) and every measure that needs depth is reported with low confidence.

Axes are the camera's: ``x`` right, ``y`` down the picture, ``z`` away from the camera; origin
at the mid-hip. :mod:`posture.core.body` turns them level (gravity along ``y``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.core.geometry import dot, joint_angle_deg, nanmean
from posture.core.landmarks import LM, N_LANDMARKS, PoseSequence

#: Straight up in level axes (``y`` points down).
UP = np.array([0.0, -1.0, 0.0])
#: Thigh + shank + hip-to-shoulder length as a fraction of stature. Drillis & Contini 1966 (via
#: Winter 2009, Fig 4.1) give thigh 0.245, shank 0.246 and hip-to-acromion 0.288 (0.779), but
#: the landmarks' shoulder is the joint centre, below the acromion: the motion-capture box lift
#: measures 0.733 with joint centres (docs/validation.md). 0.75 sits between the two.
STATURE_FRACTION_LEG_TRUNK = 0.75
#: The lens's horizontal field of view when neither the user nor the scene gives it, degrees
#: (a typical webcam or phone: 55-75).
DEFAULT_HFOV_DEG = 60.0

HIPS = [LM.LEFT_HIP, LM.RIGHT_HIP]
SHOULDERS = [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]
ANKLES = [LM.LEFT_ANKLE, LM.RIGHT_ANKLE]
#: Torso segments (always in view when a pose is) used to scale image landmarks to metres.
_SEGMENTS = [
    (LM.LEFT_SHOULDER, LM.LEFT_HIP),
    (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
    (LM.LEFT_HIP, LM.RIGHT_HIP),
]


def horizontal(v: np.ndarray) -> np.ndarray:
    """The horizontal part of vectors (perpendicular to ``UP``), in level axes."""
    return v - dot(v, UP)[..., None] * UP


def mid(p: np.ndarray, idx: list[LM]) -> np.ndarray:
    """NaN-aware midpoint of landmarks ``idx`` of ``(T, 33, 3)`` points: ``(T, 3)``."""
    sub = p[:, idx, :]
    n = np.isfinite(sub[..., 0]).sum(axis=1)
    # a sum with NaN as 0 (as np.nansum, at a fraction of its cost on a few frames)
    s = np.where(np.isfinite(sub), sub, 0.0).sum(axis=1)
    return np.where(n[:, None] > 0, s / np.maximum(n, 1)[:, None], np.nan)


@dataclass(frozen=True)
class Skeleton:
    """``points`` ``(T, 33, 3)`` in camera axes (before tilt correction), origin mid-hip."""

    points: np.ndarray
    source: str  # "fused", "world" or "image-2d"
    has_depth: bool


#: Frames fused at a time: the fusion's intermediate arrays are several times the landmarks'
#: size, so a long recording is fused a few minutes at a time (each frame on its own).
SKELETON_CHUNK = 2048


def build_skeleton(seq: PoseSequence, hfov_deg: float = DEFAULT_HFOV_DEG) -> Skeleton:
    """The skeleton the measures use; see the module docstring for the choice of source.

    Fusing undoes the picture's perspective with the world landmarks' depth: a point ``z``
    metres behind the hips looks smaller by ``Z / (Z + z)``, where ``Z`` is the camera's
    distance to the hips, known from the metres per frame height at the hips and the focal
    length of a camera of ``hfov_deg`` horizontal field of view (assumed: a picture does not
    say; errors in it only matter to second order).
    """
    has_world = bool(np.isfinite(seq.world_xyz_m).any())
    if not seq.has_image:
        return Skeleton(seq.world_xyz_m.astype(np.float64), "world", True)
    source, depth = ("fused", True) if has_world else ("image-2d", False)
    n = len(seq)
    if n <= SKELETON_CHUNK:
        return Skeleton(_skeleton_points(seq, hfov_deg, has_world), source, depth)
    points = np.empty((n, N_LANDMARKS, 3))
    for a in range(0, n, SKELETON_CHUNK):
        b = min(a + SKELETON_CHUNK, n)
        points[a:b] = _skeleton_points(seq.slice(a, b), hfov_deg, has_world)
    return Skeleton(points, source, depth)


def _skeleton_points(seq: PoseSequence, hfov_deg: float, has_world: bool) -> np.ndarray:
    """:func:`build_skeleton`'s points of ``seq``, which has image landmarks."""
    xy = seq.image_xy_px_scaled()
    hips = mid(np.concatenate([xy, np.zeros_like(xy[..., :1])], -1), HIPS)[:, None, :2]
    if not has_world:
        return np.concatenate([xy - hips, np.zeros_like(xy[..., :1])], -1)
    world = seq.world_xyz_m.astype(np.float64)
    rel = xy - hips
    # metres per frame height at the hips, per frame: world in-plane size over image size
    num = np.nansum(
        [np.linalg.norm(world[:, a, :2] - world[:, b, :2], axis=-1) for a, b in _SEGMENTS], axis=0
    )
    den = np.nansum([np.linalg.norm(rel[:, a] - rel[:, b], axis=-1) for a, b in _SEGMENTS], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(den > 1e-6, num / den, np.nan)
    focal = (seq.aspect / 2) / np.tan(np.radians(hfov_deg) / 2)  # frame heights
    dist = (scale * focal)[:, None]  # metres from the camera to the hips
    depth = np.clip((dist + world[..., 2]) / dist, 0.2, 5.0)  # perspective undone per point
    centre = np.array([seq.aspect / 2, 0.5])
    cam = xy - centre  # frame heights from the picture's centre
    metric = cam * (scale[:, None, None] * depth[..., None])
    metric = (
        metric
        - mid(np.concatenate([metric, np.zeros_like(metric[..., :1])], -1), HIPS)[:, None, :2]
    )
    return np.concatenate([metric, world[..., 2:3]], axis=-1)


def knee_flexion_sides(p: np.ndarray) -> np.ndarray:
    """``(T, 2)`` knee flexion (0 = straight), left and right, degrees."""
    left = 180.0 - joint_angle_deg(p[:, LM.LEFT_HIP], p[:, LM.LEFT_KNEE], p[:, LM.LEFT_ANKLE])
    right = 180.0 - joint_angle_deg(p[:, LM.RIGHT_HIP], p[:, LM.RIGHT_KNEE], p[:, LM.RIGHT_ANKLE])
    return np.stack([left, right], axis=1)


def leg_trunk_length(p: np.ndarray) -> np.ndarray:
    """``(T,)`` thigh + shank + trunk length in the skeleton's units (legs: mean of the sides
    seen)."""

    def seg(a: LM, b: LM) -> np.ndarray:
        return np.linalg.norm(p[:, a] - p[:, b], axis=-1)

    # a side not seen: the other side's length
    thigh = nanmean(np.stack([seg(LM.LEFT_HIP, LM.LEFT_KNEE), seg(LM.RIGHT_HIP, LM.RIGHT_KNEE)]), 0)
    shank = nanmean(
        np.stack([seg(LM.LEFT_KNEE, LM.LEFT_ANKLE), seg(LM.RIGHT_KNEE, LM.RIGHT_ANKLE)]), 0
    )
    trunk = np.linalg.norm(mid(p, SHOULDERS) - mid(p, HIPS), axis=-1)
    return thigh + shank + trunk


def body_length_units(p: np.ndarray, upright: np.ndarray | None = None) -> float:
    """The person's thigh + shank + trunk length in the skeleton's units.

    The median over the upright moments (``upright``, after the camera's tilt is undone: no
    segment foreshortened) when there are some; otherwise the 90th percentile over the clip
    (foreshortening only ever shortens a segment), or the trunk alone scaled by body
    proportions when the legs are never seen.
    """
    total = leg_trunk_length(p)
    if upright is not None and np.isfinite(total[upright]).any():
        return float(np.nanmedian(total[upright]))
    total = total[np.isfinite(total)]
    if total.size:
        return float(np.percentile(total, 90))
    trunk = np.linalg.norm(mid(p, SHOULDERS) - mid(p, HIPS), axis=-1)
    trunk = trunk[np.isfinite(trunk)]
    return (
        float(np.percentile(trunk, 90) / 0.288 * STATURE_FRACTION_LEG_TRUNK)
        if trunk.size
        else float("nan")
    )


#: Segments whose length the person keeps, and the measures that rest on each (``hips`` are
#: where a load, a table or a plate most often hides the body and the pose model guesses).
SEGMENTS = {
    "trunk": ((HIPS, SHOULDERS), ("trunk",)),
    "thigh_left": (([LM.LEFT_HIP], [LM.LEFT_KNEE]), ("hips", "knee_left")),
    "thigh_right": (([LM.RIGHT_HIP], [LM.RIGHT_KNEE]), ("hips", "knee_right")),
    "shank_left": (([LM.LEFT_KNEE], [LM.LEFT_ANKLE]), ("knee_left",)),
    "shank_right": (([LM.RIGHT_KNEE], [LM.RIGHT_ANKLE]), ("knee_right",)),
}
#: A segment may look this much longer in the picture than its own length, or this much
#: shorter in 3D, before its ends are taken for misplaced (perspective, depth noise); from
#: there the trust in what rests on it falls, to nothing at twice the margin.
LENGTH_MARGIN = 0.15
#: A body's left and right segments have one length. Seen by the pose model, the longer of a
#: pair is at most 1.19 times the shorter for the thighs and 1.39 for the shanks in the
#: project's clips (99th percentile 1.16 and 1.35, a seated worker's shanks under a table
#: the widest); from ``MIRROR_OK`` the trust in what rests on the pair falls, to nothing at
#: ``MIRROR_MAX``, where one of its ends is misplaced (a knee held where it was last seen while
#: the hips moved read 1.6-1.9).
MIRROR_OK, MIRROR_MAX = 1.3, 1.6
MIRRORS = (("thigh_left", "thigh_right"), ("shank_left", "shank_right"))


def segment_plausibility(p: np.ndarray, upright: np.ndarray) -> dict[str, np.ndarray]:
    """``(T,)`` 0-1 per body part (``trunk``, ``hips``, ``knee_left``, ``knee_right``): how far
    the segments it rests on keep the person's own lengths.

    A hidden hip placed at the waistband makes the trunk shorter and the thigh longer than
    they are. The person's lengths are the median over upright moments (else the 90th
    percentile over the clip); a segment longer **in the picture's plane** than its own length
    (which foreshortening can never cause) or shorter in 3D lowers the trust; so does a
    segment that is not the length of its mirror (``MIRROR_OK``: a left thigh 1.6 times the
    right has a misplaced end, whatever the person's lengths, known or not yet).
    """
    out: dict[str, np.ndarray] = {}
    lengths: dict[str, np.ndarray] = {}
    for name, ((a, b), parts) in SEGMENTS.items():
        v = mid(p, list(b)) - mid(p, list(a))
        full = lengths[name] = np.linalg.norm(v, axis=-1)
        ok = np.isfinite(full)
        if not ok.any():
            continue
        if (upright & ok).sum() >= 5:
            ref = float(np.median(full[upright & ok]))
        else:
            ref = float(np.percentile(full[ok], 90))
        with np.errstate(invalid="ignore", divide="ignore"):
            long = np.linalg.norm(v[:, :2], axis=-1) / ref - 1.0
            short = 1.0 - full / ref
        off = np.nan_to_num(np.maximum(long, short), nan=0.0)
        factor = np.clip(2.0 - off / LENGTH_MARGIN, 0.0, 1.0)
        for part in parts:
            out[part] = np.minimum(out.get(part, np.ones(len(p))), factor)
    for left, right in MIRRORS:
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.fmax(lengths[left], lengths[right]) / np.fmin(lengths[left], lengths[right])
        factor = np.clip(
            (MIRROR_MAX - np.nan_to_num(ratio, nan=1.0)) / (MIRROR_MAX - MIRROR_OK), 0, 1
        )
        for part in {*SEGMENTS[left][1], *SEGMENTS[right][1]}:
            out[part] = np.minimum(out.get(part, np.ones(len(p))), factor)
    return out
