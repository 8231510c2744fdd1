"""The body's own frame: one skeleton per frame, gravity-aligned, with the person's forward.

Which landmarks are used, and why (see also the README, "What the camera can see"):

* **Image landmarks** locate joints in the picture to a few pixels; the world landmarks'
  in-plane coordinates are a separate, noisier regression. On the project's clips the image
  landmarks read upright people as upright (trunk within ~6 deg of the legs) where the world
  landmarks lean them by 6-14 deg.
* **World landmarks** are the only source of depth (the image landmarks' ``z`` is far worse:
  it read upright people as 25-50 deg bent).
* So, when both exist, the skeleton is **fused**: image ``x, y`` (centred on the mid-hip,
  scaled to metres by the world landmarks' in-plane size) plus world ``z``. Motion capture
  (world only) uses the world landmarks; the 2D path (image only) has no depth (``z = 0``)
  and every measure that needs depth is reported with low confidence.

Camera tilt: a tilted or high camera tilts the whole body in the camera's axes. Moments when
the person stands upright (knees straight, trunk in line with the legs, feet seen) show where
"up" is: the mean ankle-to-shoulder direction over those frames. The skeleton is rotated so
that this direction is vertical. Without such moments the camera is assumed level.

Axes after correction: ``x`` right, ``y`` down (gravity), ``z`` away from the camera; origin
at the mid-hip; ``UP = (0, -1, 0)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.core.config import ViewSettings
from posture.core.geometry import angle_between_deg, dot, joint_angle_deg, nanmean, unit
from posture.core.landmarks import LM, PoseSequence

UP = np.array([0.0, -1.0, 0.0])
#: Thigh + shank + hip-to-shoulder length as a fraction of stature. Drillis & Contini 1966 (via
#: Winter 2009, Fig 4.1) give thigh 0.245, shank 0.246 and hip-to-acromion 0.288 (0.779), but
#: the landmarks' shoulder is the joint centre, below the acromion: the motion-capture box lift
#: measures 0.733 with joint centres (docs/validation.md). 0.75 sits between the two.
STATURE_FRACTION_LEG_TRUNK = 0.75

_HIPS = [LM.LEFT_HIP, LM.RIGHT_HIP]
_SHOULDERS = [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]
_ANKLES = [LM.LEFT_ANKLE, LM.RIGHT_ANKLE]
#: Torso segments (always in view when a pose is) used to scale image landmarks to metres.
_SEGMENTS = [
    (LM.LEFT_SHOULDER, LM.LEFT_HIP),
    (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
    (LM.LEFT_HIP, LM.RIGHT_HIP),
]


def mid(p: np.ndarray, idx: list[LM]) -> np.ndarray:
    """NaN-aware midpoint of landmarks ``idx`` of ``(T, 33, 3)`` points: ``(T, 3)``."""
    sub = p[:, idx, :]
    n = np.isfinite(sub[..., 0]).sum(axis=1)
    # a sum with NaN as 0 (as np.nansum, at a fraction of its cost on one frame)
    s = np.where(np.isfinite(sub), sub, 0.0).sum(axis=1)
    return np.where(n[:, None] > 0, s / np.maximum(n, 1)[:, None], np.nan)


def horizontal(v: np.ndarray) -> np.ndarray:
    """The horizontal part of vectors (perpendicular to ``UP``)."""
    return v - dot(v, UP)[..., None] * UP


@dataclass(frozen=True)
class Skeleton:
    """``points`` ``(T, 33, 3)`` in camera axes (before tilt correction), origin mid-hip."""

    points: np.ndarray
    source: str  # "fused", "world" or "image-2d"
    has_depth: bool


def build_skeleton(seq: PoseSequence, hfov_deg: float = 60.0) -> Skeleton:
    """The skeleton the measures use; see the module docstring for the choice of source.

    Fusing undoes the picture's perspective with the world landmarks' depth: a point ``z``
    metres behind the hips looks smaller by ``Z / (Z + z)``, where ``Z`` is the camera's
    distance to the hips, known from the metres per frame height at the hips and the focal
    length of a camera of ``hfov_deg`` horizontal field of view (assumed: a picture does not
    say; errors in it only matter to second order).
    """
    world = seq.world_xyz_m.astype(np.float64)
    has_world = bool(np.isfinite(world).any())
    if not seq.has_image:
        return Skeleton(world, "world", True)
    xy = seq.image_xy_px_scaled()
    hips = mid(np.concatenate([xy, np.zeros_like(xy[..., :1])], -1), _HIPS)[:, None, :2]
    if not has_world:
        return Skeleton(
            np.concatenate([xy - hips, np.zeros_like(xy[..., :1])], -1), "image-2d", False
        )
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
        - mid(np.concatenate([metric, np.zeros_like(metric[..., :1])], -1), _HIPS)[:, None, :2]
    )
    fused = np.concatenate([metric, world[..., 2:3]], axis=-1)
    return Skeleton(fused, "fused", True)


def knee_flexion_sides(p: np.ndarray) -> np.ndarray:
    """``(T, 2)`` knee flexion (0 = straight), left and right, degrees."""
    left = 180.0 - joint_angle_deg(p[:, LM.LEFT_HIP], p[:, LM.LEFT_KNEE], p[:, LM.LEFT_ANKLE])
    right = 180.0 - joint_angle_deg(p[:, LM.RIGHT_HIP], p[:, LM.RIGHT_KNEE], p[:, LM.RIGHT_ANKLE])
    return np.stack([left, right], axis=1)


@dataclass(frozen=True)
class Tilt:
    """The camera tilt found and the rotation that undoes it, and the person's size seen at
    the same upright moments (``body_length``: thigh + shank + trunk in skeleton units, NaN
    when there were none)."""

    rotation: np.ndarray  # (3, 3), applied as p @ rotation.T
    angle_deg: float
    source: str
    n_frames: int
    body_length: float = float("nan")

    def as_dict(self) -> dict[str, object]:
        return {
            "angle_deg": round(self.angle_deg, 2),
            "source": self.source,
            "upright_frames_used": self.n_frames,
        }


LEVEL = Tilt(np.eye(3), 0.0, "camera assumed level", 0)


def still_frames(seq: PoseSequence, p: np.ndarray) -> np.ndarray:
    """``(T,)`` bool: the person stands still (not walking).

    With image landmarks: the mid-hip moves in the picture by less than half a torso length
    per second. Without (motion capture, origin at the mid-hip): the feet move relative to the
    hips by less than 0.3 body lengths per second.
    """
    t = seq.t_s
    if len(t) < 3:
        return np.ones(len(t), bool)
    dt = np.gradient(t)
    if seq.has_image:
        xy = seq.image_xy_px_scaled()
        hip = xy[:, _HIPS].mean(axis=1)
        torso = np.linalg.norm(xy[:, _SHOULDERS].mean(axis=1) - hip, axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):  # a torso seen end-on: not still
            speed = np.linalg.norm(np.gradient(hip, axis=0), axis=-1) / dt / torso
        limit = 0.5
    else:
        feet = mid(p, _ANKLES)
        size = np.nanmedian(leg_trunk_length(p))
        speed = np.linalg.norm(np.gradient(feet, axis=0), axis=-1) / dt / size
        limit = 0.3
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(speed, nan=np.inf) < limit


def upright_frames(p: np.ndarray, still: np.ndarray | None = None) -> np.ndarray:
    """``(T,)`` bool: the person stands upright and still (knees straight, trunk in line with
    the legs, feet seen, not walking)."""
    knees = knee_flexion_sides(p)
    knees_ok = np.all(np.where(np.isfinite(knees), knees < 25.0, True), axis=1) & np.any(
        np.isfinite(knees), axis=1
    )
    hip, sh, ank = mid(p, _HIPS), mid(p, _SHOULDERS), mid(p, _ANKLES)
    aligned = angle_between_deg(sh - hip, hip - ank) < 20.0
    ok = knees_ok & aligned & np.isfinite(ank).all(axis=1)
    return ok & still if still is not None else ok


def _rot_x(deg: float) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _rot_z(deg: float) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def calibration_frames(
    p: np.ndarray, t_s: np.ndarray, settings: ViewSettings, still: np.ndarray | None = None
) -> np.ndarray:
    """``(T,)`` bool: the first upright frames of the clip, ``view.calibration_s`` of them.

    Only the *first* upright moments are used, so the estimate is fixed as soon as they have
    been seen: a live stream and a recorded clip, or an early and a final look at the same
    clip, get the same calibration.
    """
    ok = upright_frames(p, still)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return ok
    first = np.zeros_like(ok)
    first[idx[: calibration_size(t_s, settings)]] = True
    return first


def calibration_size(t_s: np.ndarray, settings: ViewSettings) -> int:
    """How many upright frames make a complete calibration (``view.calibration_s`` worth)."""
    dt = float(np.median(np.diff(t_s))) if len(t_s) > 1 else 1 / 30
    return max(1, int(np.ceil(settings.calibration_s / max(dt, 1e-3))))


def estimate_tilt(
    p: np.ndarray,
    t_s: np.ndarray,
    settings: ViewSettings,
    *,
    still: np.ndarray | None = None,
    provisional: bool = False,
    min_frames: int = 5,
    min_duration_s: float = 0.15,
    deadband_deg: float = 5.0,
) -> Tilt:
    """Camera tilt from the first moments the person stands upright, as two rotations.

    * **Roll** (in the picture's plane): the ankle-to-shoulder line leans in the picture by
      the camera's roll. It comes from image coordinates, which are precise.
    * **Pitch** (a high camera looking down): the body leans toward the camera by the pitch.
      Depth comes only from the pose model's estimate. Two upright references are averaged:
      the ankle-to-shoulder line, anatomically closest to vertical (1 deg off in the motion
      capture) but whose depth the model gets worst in front views (the legs of an upright
      man read 10 deg more tilted than his trunk), and the hip-to-shoulder line, whose depth
      bias then cancels in every frame but which leans back ~6 deg in a natural stance.
      Averaging halves both errors.

    A person's upright, still posture itself leans by up to ~4-5 deg (measured on the
    project's upright clips filmed with a level camera), so a smaller estimate is not told
    from posture and is not corrected (``deadband_deg``). The person's size (thigh + shank +
    trunk) is measured at the same moments, when no segment is foreshortened by a bend.

    A calibration is complete with ``view.calibration_s`` of upright moments. With fewer, the
    whole clip must be mostly such moments (a short clip of someone standing still) for the
    estimate to count. ``provisional`` (a clip still being analysed, a live stream) takes only
    a complete calibration: more frames could still change an incomplete one.
    """
    ok = calibration_frames(p, t_s, settings, still)
    n = int(ok.sum())
    if n < min_frames or (n and (t_s[ok][-1] - t_s[ok][0]) < min_duration_s):
        return LEVEL
    if n < calibration_size(t_s, settings):
        seen = int(np.isfinite(p).any(axis=(1, 2)).sum())
        if provisional or n < 0.5 * seen:
            return Tilt(np.eye(3), 0.0, "camera assumed level (too few upright moments)", n)
    length = float(np.nanmedian(leg_trunk_length(p[ok])))
    if not settings.correct_tilt:
        return Tilt(np.eye(3), 0.0, "tilt correction off", n, length)
    up = p[ok]
    body = mid(up, _SHOULDERS) - mid(up, _ANKLES)
    # roll: angle of the body axis from the picture's vertical (positive counter-clockwise)
    roll = float(np.degrees(np.median(np.arctan2(body[:, 0], -body[:, 1]))))
    roll_rot = _rot_z(-roll) if abs(roll) >= deadband_deg else np.eye(3)
    trunk = (mid(up, _SHOULDERS) - mid(up, _HIPS)) @ roll_rot.T
    body = body @ roll_rot.T
    pitch = float(
        np.degrees(
            np.median(np.arctan2(trunk[:, 2], -trunk[:, 1]) + np.arctan2(body[:, 2], -body[:, 1]))
            / 2
        )
    )
    pitch_rot = _rot_x(pitch) if abs(pitch) >= deadband_deg else np.eye(3)
    rotation = pitch_rot @ roll_rot
    angle = float(angle_between_deg(UP @ rotation, UP))  # the tilt undone
    if max(abs(roll), abs(pitch)) > settings.max_tilt_deg:
        return Tilt(
            np.eye(3),
            0.0,
            f"estimate (roll {roll:.0f}, pitch {pitch:.0f} deg) not trusted; camera assumed level",
            n,
            length,
        )
    if angle == 0.0:
        return Tilt(np.eye(3), 0.0, f"camera level (within {deadband_deg:.0f} deg)", n, length)
    return Tilt(
        rotation, angle, f"upright moments (roll {roll:.0f}, pitch {pitch:.0f} deg)", n, length
    )


@dataclass(frozen=True)
class BodyFrame:
    """Per-frame body axes in the tilt-corrected frame (all ``(T, 3)`` unit vectors).

    ``forward`` and ``right`` are horizontal; ``yaw_deg`` is the body's turn from facing the
    camera (0 front, +-180 back, +-90 side; positive when the person's front points to the
    image's right).
    """

    points: np.ndarray
    forward: np.ndarray
    right: np.ndarray
    yaw_deg: np.ndarray
    tilt: Tilt
    source: str
    has_depth: bool


#: Usual lengths of the forward-direction cues in the pose model's landmarks, in trunk lengths
#: (median over the project's clips, fused skeleton): hip and shoulder width, heel to toe,
#: ears to nose.
CUE_LENGTHS = {"hips": 0.42, "shoulders": 0.65, "feet": 0.33, "face": 0.18}


def nanmean_max(*arrays: np.ndarray) -> np.ndarray:
    """Element-wise maximum ignoring NaN (NaN where all are NaN)."""
    stacked = np.stack(arrays)
    with np.errstate(invalid="ignore"):
        out = np.nanmax(np.where(np.isfinite(stacked), stacked, -np.inf), axis=0)
    return np.where(np.isfinite(out), out, np.nan)


def forward_direction(p: np.ndarray, *, upper_body: bool = True) -> np.ndarray:
    """The person's horizontal forward direction, ``(T, 3)`` unit vectors.

    ``upper_body=False`` leaves out the shoulders and the face, which turn with a twisted
    trunk: the direction of the pelvis and the feet (NIOSH's neutral mid-sagittal plane).

    Sum of: the pelvis and shoulder lines crossed with up (these depend on MediaPipe's
    left/right labels, which can swap in a side view), and the feet (heel to toe) and face
    (ears to nose) directions, which do not depend on labels. The label-based part is flipped
    to agree with the label-free part whenever the latter is clear. Each cue is divided by its
    usual length (``CUE_LENGTHS``, in trunk lengths), so in a picture without depth the hips'
    and the feet's foreshortening weigh the two parts in proportion to the turn: a side view
    (hips overlapping, feet long) trusts the feet, a front view the hips.
    """
    # the body's size in trunk lengths, from whichever segment is least foreshortened (the
    # trunk of a person bending toward the camera looks short, their shoulders do not)
    size = nanmean_max(
        np.linalg.norm(mid(p, _SHOULDERS) - mid(p, _HIPS), axis=-1),
        np.linalg.norm(p[:, LM.RIGHT_SHOULDER] - p[:, LM.LEFT_SHOULDER], axis=-1)
        / CUE_LENGTHS["shoulders"],
        np.linalg.norm(p[:, LM.RIGHT_HIP] - p[:, LM.LEFT_HIP], axis=-1) / CUE_LENGTHS["hips"],
    )[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        n = {k: size * v for k, v in CUE_LENGTHS.items()}
        upper = 0.5 if upper_body else 0.0
        lr = horizontal(
            np.cross(UP, p[:, LM.RIGHT_HIP] - p[:, LM.LEFT_HIP]) / n["hips"]
            + upper
            * np.nan_to_num(np.cross(UP, p[:, LM.RIGHT_SHOULDER] - p[:, LM.LEFT_SHOULDER]))
            / n["shoulders"]
        )
        feet = (
            horizontal(
                mid(p, [LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX])
                - mid(p, [LM.LEFT_HEEL, LM.RIGHT_HEEL])
            )
            / n["feet"]
        )
        face = horizontal(p[:, LM.NOSE] - mid(p, [LM.LEFT_EAR, LM.RIGHT_EAR])) / n["face"]
    ref = np.nan_to_num(feet) + (0.7 if upper_body else 0.0) * np.nan_to_num(face)
    ref_len = np.linalg.norm(ref, axis=-1)
    lr0 = np.nan_to_num(lr)
    agree = np.sign(dot(lr0, ref))
    lr_len = np.linalg.norm(lr0, axis=-1)
    # flip the label-based cue where the label-free cue is clear and disagrees
    flip = (agree < 0) & (ref_len > 0.25 * np.maximum(lr_len, 1e-9))
    lr0 = np.where(flip[:, None], -lr0, lr0)
    f = unit(horizontal(lr0 + ref))
    bad = ~np.isfinite(p[:, _HIPS + _SHOULDERS]).all(axis=(1, 2))
    f[bad] = np.nan
    return f


def body_frame(
    seq: PoseSequence, settings: ViewSettings, tilt: Tilt | None = None, provisional: bool = False
) -> BodyFrame:
    """Skeleton, tilt correction and body axes for a (cleaned) pose sequence (``provisional``:
    see :func:`estimate_tilt`)."""
    sk = build_skeleton(seq, settings.camera_hfov_deg)
    if tilt is None:
        tilt = estimate_tilt(
            sk.points,
            seq.t_s,
            settings,
            still=still_frames(seq, sk.points),
            provisional=provisional,
        )
    p = sk.points @ tilt.rotation.T
    fwd = forward_direction(p)
    right = unit(np.cross(fwd, UP))
    # the view: the person's forward against the camera's horizontal line of sight, both in the
    # corrected (level) axes, so a rolled or pitched camera does not turn the person
    sight = horizontal(tilt.rotation @ np.array([0.0, 0.0, 1.0]))
    sight = sight / np.linalg.norm(sight) if np.linalg.norm(sight) > 1e-6 else np.array([0, 0, 1.0])
    side = np.cross(sight, UP)  # the camera's horizontal right, as seen in the picture
    yaw = np.degrees(np.arctan2(dot(fwd, side), -dot(fwd, sight)))
    return BodyFrame(p, fwd, right, yaw, tilt, sk.source, sk.has_depth)


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
    trunk = np.linalg.norm(mid(p, _SHOULDERS) - mid(p, _HIPS), axis=-1)
    return thigh + shank + trunk


def body_length_units(p: np.ndarray, tilt: Tilt | None = None) -> float:
    """The person's thigh + shank + trunk length in the skeleton's units.

    From the upright calibration moments when there were some; otherwise the 90th percentile
    over the clip (foreshortening only ever shortens a segment), or the trunk alone scaled by
    body proportions when the legs are never seen.
    """
    if tilt is not None and np.isfinite(tilt.body_length):
        return tilt.body_length
    total = leg_trunk_length(p)
    total = total[np.isfinite(total)]
    if total.size:
        return float(np.percentile(total, 90))
    trunk = np.linalg.norm(mid(p, _SHOULDERS) - mid(p, _HIPS), axis=-1)
    trunk = trunk[np.isfinite(trunk)]
    return (
        float(np.percentile(trunk, 90) / 0.288 * STATURE_FRACTION_LEG_TRUNK)
        if trunk.size
        else float("nan")
    )
