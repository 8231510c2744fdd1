"""Exact synthetic people: MediaPipe's 33 landmarks built from known joint angles.

Pure numpy (no cv2, no mediapipe): tests feed these skeletons to the measures and check that
each known angle comes back, and ``demo_recording`` gives newcomers a session without a camera.

Body model (stature ``H``; segment lengths from Drillis & Contini 1966 as tabulated by Winter
2009, Fig. 4.1; see :data:`SEGMENTS`). The person's own axes are *forward* ``f``, *up* ``u``
and *right* ``r`` (``f x u = r``); the pelvis is level, the mid-hip is the origin, and with
``hip_flexion_*_deg = None`` each foot stays straight below its hip, flat on the floor.

Angle definitions follow :mod:`posture.core.measures` exactly, so a measure reads back what was set:

* trunk axis (mid-hip to mid-shoulder) ``= sin(flex) cos(side) f + cos(flex) cos(side) u +
  sin(side) r``: ``trunk_flexion_deg`` + forward, ``trunk_side_bend_deg`` + to the right.
* ``trunk_twist_deg``: the shoulder line turned about the trunk axis from the pelvis line
  (both seen along the trunk axis); + to the person's left (right shoulder forward).
* the arms and head hang in the trunk's sagittal frame: ``fwd_t`` (forward made perpendicular
  to the trunk axis, turned with the twist), the trunk axis, and the lateral axis.
  ``upper_arm_flexion`` from the trunk line pointing down toward ``fwd_t``; ``abduction`` out of
  that plane, + away from the body; ``elbow_flexion`` 0 straight, bending in the plane of the
  arm and its flexion direction (a hanging arm bends forward).
* ``hip_flexion``: thigh from the trunk line pointing down, + forward (exact without side bend).
* ``knee_flexion``: 180 minus the hip-knee-ankle angle.
* ``head_forward_deg`` (``shoulders_forward_deg``) and ``neck_flexion_deg`` as read by
  :func:`posture.core.measures.head_and_neck`, including the pose model's neutral offsets.
* ``yaw_deg``: where the person faces, 0 the camera (``-z``), 90 the image's right (``+x``),
  180 away from the camera.

Camera (:class:`Camera`): ``pitch_deg`` + looks down, ``roll_deg`` + turns the camera clockwise
about its optical axis as seen from behind it (the scene turns counter-clockwise in the
picture). World landmarks come out in the camera's axes (metres, ``y`` down, origin mid-hip),
image landmarks through a pinhole (or weak-perspective) projection, as MediaPipe reports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from posture.core.errors import InputError
from posture.core.landmarks import LM, N_LANDMARKS, PoseSequence

#: Lengths as fractions of stature (Drillis & Contini 1966, via Winter 2009, Fig. 4.1, except
#: where noted). Heights: hip 0.530, shoulder 0.818, wrist 0.485 of stature.
SEGMENTS: dict[str, float] = {
    "thigh": 0.245,  # hip - knee
    "shank": 0.246,  # knee - ankle
    "trunk": 0.288,  # hip - shoulder
    "shoulder_width": 0.23,  # between the shoulder joint centres (biacromial is 0.259)
    "hip_width": 0.191,
    "upper_arm": 0.186,
    "forearm": 0.146,
    "hand": 0.108,
    "foot": 0.152,
    "ankle_height": 0.039,
    "neck": 0.11,  # mid-shoulder to mid-ear (ear ~0.92 of stature)
    "head_half_width": 0.04,  # ear to mid-ear
    "eye": 0.05,  # mid-ear to mid-eye
}
#: The pose model's neutral posture (see ``posture.core.measures``): the ear sits this far ahead of
#: the trunk line, and the ear-to-eye line points this far above forward, in a plumb posture.
EAR_AHEAD_DEG = 15.0
EYE_ABOVE_DEG = 10.0

_F, _U, _R = np.eye(3)


@dataclass(frozen=True)
class Angles:
    """One posture, degrees (see the module docstring for every definition and sign).

    ``hip_flexion_*_deg = None`` keeps the foot straight below the hip (the thigh and shank
    share the knee bend). ``x_m``, ``z_m``: where the person stands (mid-ankle), metres along
    the level camera's ``x`` and ``z`` from the point the camera aims at.
    """

    yaw_deg: float = 0.0
    trunk_flexion_deg: float = 0.0
    trunk_side_bend_deg: float = 0.0
    trunk_twist_deg: float = 0.0
    hip_flexion_left_deg: float | None = None
    hip_flexion_right_deg: float | None = None
    knee_flexion_left_deg: float = 0.0
    knee_flexion_right_deg: float = 0.0
    neck_flexion_deg: float = 0.0
    head_forward_deg: float = 0.0
    upper_arm_flexion_left_deg: float = 0.0
    upper_arm_flexion_right_deg: float = 0.0
    upper_arm_abduction_left_deg: float = 0.0
    upper_arm_abduction_right_deg: float = 0.0
    elbow_flexion_left_deg: float = 0.0
    elbow_flexion_right_deg: float = 0.0
    x_m: float = 0.0
    z_m: float = 0.0

    def __post_init__(self) -> None:
        for side in ("left", "right"):
            k = getattr(self, f"knee_flexion_{side}_deg")
            if not 0.0 <= k < 170.0:
                raise InputError(f"knee_flexion_{side}_deg must be in [0, 170), got {k}")
            e = getattr(self, f"elbow_flexion_{side}_deg")
            if not 0.0 <= e <= 170.0:
                raise InputError(f"elbow_flexion_{side}_deg must be in [0, 170], got {e}")
        if abs(self.trunk_side_bend_deg) >= 90.0:
            raise InputError(
                f"trunk_side_bend_deg must be within +-90, got {self.trunk_side_bend_deg}"
            )


def _fields(a: Angles) -> dict[str, Any]:
    return {f.name: getattr(a, f.name) for f in fields(Angles)}


#: Names that set both sides at once, e.g. ``knee_flexion_deg=90``.
_BOTH_SIDES = (
    "hip_flexion",
    "knee_flexion",
    "upper_arm_flexion",
    "upper_arm_abduction",
    "elbow_flexion",
)


def angles(**kw: float | None) -> Angles:
    """:class:`Angles` from keywords; ``knee_flexion_deg=...`` (no side) sets both sides."""
    out: dict[str, Any] = {}
    for name, value in kw.items():
        base = name.removesuffix("_deg")
        if base in _BOTH_SIDES:
            out[f"{base}_left_deg"] = value
            out[f"{base}_right_deg"] = value
        else:
            out[name] = value
    known = {f.name for f in fields(Angles)}
    unknown = sorted(set(out) - known)
    if unknown:
        raise InputError(f"unknown angle(s) {unknown}; known: {sorted(known)}")
    return Angles(**out)


@dataclass(frozen=True)
class Camera:
    """A pinhole camera looking at the person (see the module docstring for roll and pitch).

    It aims at the point ``aim_height_m`` above the floor (default: a standing person's hip
    height) from ``distance_m`` along its optical axis. ``projection``: ``"pinhole"`` or
    ``"weak"`` (weak perspective: every point at the mid-hip's depth).
    """

    image_size_px: tuple[int, int] = (1280, 720)
    hfov_deg: float = 60.0
    distance_m: float = 3.5
    aim_height_m: float | None = None
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    projection: str = "pinhole"

    def __post_init__(self) -> None:
        w, h = self.image_size_px
        if w <= 0 or h <= 0 or self.distance_m <= 0 or not 1.0 < self.hfov_deg < 179.0:
            raise InputError(f"invalid synthetic camera {self}")
        if self.projection not in ("pinhole", "weak"):
            raise InputError(f"projection must be 'pinhole' or 'weak', got {self.projection!r}")

    @property
    def focal_px(self) -> float:
        return 0.5 * self.image_size_px[0] / float(np.tan(np.radians(self.hfov_deg) / 2))

    @property
    def rotation(self) -> np.ndarray:
        """``(3, 3)`` level camera axes -> this camera's axes (``p_cam = rotation @ p``)."""
        p, r = np.radians(self.pitch_deg), np.radians(self.roll_deg)
        pitch = np.array(
            [[1.0, 0.0, 0.0], [0.0, np.cos(p), -np.sin(p)], [0.0, np.sin(p), np.cos(p)]]
        )
        roll = np.array([[np.cos(r), np.sin(r), 0.0], [-np.sin(r), np.cos(r), 0.0], [0, 0, 1.0]])
        return roll @ pitch


# ---------------------------------------------------------------------------------------------
# the body, in its own axes (f, u, r)
# ---------------------------------------------------------------------------------------------
def _rotate(v: np.ndarray, axis: np.ndarray, deg: float) -> np.ndarray:
    """``v`` turned by ``deg`` about the unit ``axis`` (right-hand rule, Rodrigues)."""
    a = np.radians(deg)
    return v * np.cos(a) + np.cross(axis, v) * np.sin(a) + axis * (axis @ v) * (1 - np.cos(a))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _trunk_frame(a: Angles) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Trunk axis, shoulder line (left to right), and the twisted sagittal frame
    ``fwd_t`` / lateral used by the arms and head."""
    fl, sb = np.radians(a.trunk_flexion_deg), np.radians(a.trunk_side_bend_deg)
    axis = np.array([np.sin(fl) * np.cos(sb), np.cos(fl) * np.cos(sb), np.sin(sb)])
    shoulder_line = _rotate(_unit(_R - (_R @ axis) * axis), axis, a.trunk_twist_deg)
    fwd0 = _unit(_F - (_F @ axis) * axis)
    fwd_t = _rotate(fwd0, axis, a.trunk_twist_deg)
    lateral = np.cross(fwd_t, axis)
    return axis, shoulder_line, fwd_t, lateral


def _leg(a: Angles, side: str, H: float) -> dict[str, np.ndarray]:
    sign = -1.0 if side == "left" else 1.0
    lt, ls = SEGMENTS["thigh"] * H, SEGMENTS["shank"] * H
    k = getattr(a, f"knee_flexion_{side}_deg")
    hip_flex = getattr(a, f"hip_flexion_{side}_deg")
    if hip_flex is None:  # foot below the hip: lt sin(th) = ls sin(k - th)
        kr = np.radians(k)
        th = float(np.degrees(np.arctan2(ls * np.sin(kr), lt + ls * np.cos(kr))))
    else:
        th = hip_flex - a.trunk_flexion_deg
    hip = sign * 0.5 * SEGMENTS["hip_width"] * H * _R
    t, s = np.radians(th), np.radians(th - k)
    knee = hip + lt * (np.sin(t) * _F - np.cos(t) * _U)
    ankle = knee + ls * (np.sin(s) * _F - np.cos(s) * _U)
    foot, low = SEGMENTS["foot"] * H, -SEGMENTS["ankle_height"] * H * _U
    return {
        "hip": hip,
        "knee": knee,
        "ankle": ankle,
        "heel": ankle - 0.22 * foot * _F + low,
        "foot_index": ankle + 0.78 * foot * _F + low,
    }


def _arm(
    a: Angles, side: str, shoulder: np.ndarray, frame: tuple[np.ndarray, ...], H: float
) -> dict[str, np.ndarray]:
    axis, fwd_t, lateral = frame
    lat = lateral if side == "right" else -lateral
    fl = np.radians(getattr(a, f"upper_arm_flexion_{side}_deg"))
    ab = np.radians(getattr(a, f"upper_arm_abduction_{side}_deg"))
    el = np.radians(getattr(a, f"elbow_flexion_{side}_deg"))
    arm = np.cos(ab) * (np.sin(fl) * fwd_t - np.cos(fl) * axis) + np.sin(ab) * lat
    bend = np.cos(fl) * fwd_t + np.sin(fl) * axis  # where the hanging arm's elbow bends to
    fore = np.cos(el) * arm + np.sin(el) * bend
    thumb_side = -np.sin(el) * arm + np.cos(el) * bend
    elbow = shoulder + SEGMENTS["upper_arm"] * H * arm
    wrist = elbow + SEGMENTS["forearm"] * H * fore
    hand, width = SEGMENTS["hand"] * H, 0.05 * H
    return {
        "shoulder": shoulder,
        "elbow": elbow,
        "wrist": wrist,
        "index": wrist + 0.45 * hand * fore + 0.25 * width * thumb_side,
        "pinky": wrist + 0.40 * hand * fore - 0.30 * width * thumb_side,
        "thumb": wrist + 0.25 * hand * fore + 0.45 * width * thumb_side,
    }


def _head(a: Angles, shoulder_mid: np.ndarray, frame: tuple[np.ndarray, ...], H: float) -> dict:
    axis, fwd_t, lateral = frame
    ahead = np.radians(EAR_AHEAD_DEG + a.head_forward_deg)
    ear = shoulder_mid + SEGMENTS["neck"] * H * (np.cos(ahead) * axis + np.sin(ahead) * fwd_t)
    n = np.radians(a.neck_flexion_deg)
    face_f = np.cos(n) * fwd_t - np.sin(n) * axis  # where the face points
    face_u = np.sin(n) * fwd_t + np.cos(n) * axis
    e = np.radians(EYE_ABOVE_DEG)
    eye = ear + SEGMENTS["eye"] * H * (np.cos(e) * face_f + np.sin(e) * face_u)
    w = SEGMENTS["head_half_width"] * H
    return {
        "ear_l": ear - w * lateral,
        "ear_r": ear + w * lateral,
        "eye": eye,
        "nose": ear + 0.062 * H * face_f - 0.008 * H * face_u,
        "mouth": ear + 0.05 * H * face_f - 0.03 * H * face_u,
        "lateral": lateral,
    }


def body_points(a: Angles, stature_m: float = 1.75) -> np.ndarray:
    """``(33, 3)`` landmarks in the person's own axes (forward, up, right), metres, origin at
    the mid-hip, before any yaw or camera."""
    H = stature_m
    axis, shoulder_line, fwd_t, lateral = _trunk_frame(a)
    sh_mid = SEGMENTS["trunk"] * H * axis
    half = 0.5 * SEGMENTS["shoulder_width"] * H * shoulder_line
    frame = (axis, fwd_t, lateral)
    p = np.full((N_LANDMARKS, 3), np.nan)
    for side, sh in (("left", sh_mid - half), ("right", sh_mid + half)):
        up = side.upper()
        for name, v in {**_leg(a, side, H), **_arm(a, side, sh, frame, H)}.items():
            p[LM[f"{up}_{name.upper()}"]] = v
    h = _head(a, sh_mid, frame, H)
    lat = h["lateral"]
    p[LM.LEFT_EAR], p[LM.RIGHT_EAR], p[LM.NOSE] = h["ear_l"], h["ear_r"], h["nose"]
    for side, sign in (("LEFT", -1.0), ("RIGHT", 1.0)):
        for part, off in (("EYE_INNER", 0.010), ("EYE", 0.017), ("EYE_OUTER", 0.024)):
            p[LM[f"{side}_{part}"]] = h["eye"] + sign * off * H * lat
        p[LM[f"MOUTH_{side}"]] = h["mouth"] + sign * 0.012 * H * lat
    return p


def _yaw_basis(yaw_deg: float) -> np.ndarray:
    """``(3, 3)`` columns: the person's forward, up and right in level camera axes."""
    y = np.radians(yaw_deg)
    f = np.array([np.sin(y), 0.0, -np.cos(y)])
    u = np.array([0.0, -1.0, 0.0])
    return np.stack([f, u, np.cross(f, u)], axis=1)


def _level(a: Angles, stature_m: float) -> np.ndarray:
    """``(33, 3)`` in the level camera's axes, origin mid-hip."""
    return body_points(a, stature_m) @ _yaw_basis(a.yaw_deg).T


def pose(
    a: Angles | None = None,
    *,
    camera: Camera | None = None,
    stature_m: float = 1.75,
    **kw: float | None,
) -> np.ndarray:
    """``(33, 3)`` world landmarks (camera axes, metres, origin mid-hip) of one posture.

    Give an :class:`Angles` or its fields as keywords (``pose(yaw_deg=90, knee_flexion_deg=40)``);
    ``camera`` only matters through its roll and pitch here.
    """
    if a is None:
        a = angles(**kw)
    elif kw:
        a = angles(**{**_fields(a), **kw})
    cam = camera or Camera()
    return _level(a, stature_m) @ cam.rotation.T


# ---------------------------------------------------------------------------------------------
# sequences and the camera
# ---------------------------------------------------------------------------------------------
_FOOT = [LM.LEFT_HEEL, LM.RIGHT_HEEL, LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX]
_ANKLES = [LM.LEFT_ANKLE, LM.RIGHT_ANKLE]
Frame = Angles | Mapping[str, Any] | np.ndarray


def _as_level(frames: Iterable[Frame], stature_m: float) -> tuple[np.ndarray, np.ndarray]:
    """``(T, 33, 3)`` level points (origin mid-hip) and ``(T, 3)`` where the mid-hip is in the
    room (floor at ``y = 0``, the mid-ankle at ``(x_m, z_m)``)."""
    pts, offs = [], []
    for fr in frames:
        if isinstance(fr, np.ndarray):
            p, x, z = np.asarray(fr, dtype=np.float64), 0.0, 0.0
            if p.shape != (N_LANDMARKS, 3):
                raise InputError(f"a synthetic frame array must be (33, 3), got {p.shape}")
        else:
            a = fr if isinstance(fr, Angles) else angles(**fr)
            p, x, z = _level(a, stature_m), a.x_m, a.z_m
        ankle = p[_ANKLES].mean(axis=0)
        floor = np.nanmax(p[_FOOT, 1])
        pts.append(p)
        offs.append(np.array([x - ankle[0], -floor, z - ankle[2]]))
    if not pts:
        raise InputError("a synthetic sequence needs at least one frame")
    return np.stack(pts), np.stack(offs)


def project(
    level: np.ndarray, room_hip: np.ndarray, camera: Camera, stature_m: float = 1.75
) -> np.ndarray:
    """``(T, 33, 3)`` normalised image landmarks of level points placed in the room.

    ``x = u / W``, ``y = v / H``; ``z`` the depth relative to the mid-hip in the units of
    ``x`` (smaller is nearer), as MediaPipe reports it. NaN behind the camera.
    """
    w, h = camera.image_size_px
    f = camera.focal_px
    rot = camera.rotation
    aim_h = (
        camera.aim_height_m
        if camera.aim_height_m is not None
        else stature_m * (SEGMENTS["thigh"] + SEGMENTS["shank"] + SEGMENTS["ankle_height"])
    )
    centre = np.array([0.0, -aim_h, 0.0]) - camera.distance_m * rot[2]
    room = level + room_hip[:, None, :]
    cam = (room - centre) @ rot.T
    hip_depth = ((room_hip - centre) @ rot.T)[:, 2:3]
    depth = (
        np.broadcast_to(hip_depth, cam.shape[:2]) if camera.projection == "weak" else cam[..., 2]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(depth > 0, f * cam[..., 0] / depth + 0.5 * w, np.nan)
        v = np.where(depth > 0, f * cam[..., 1] / depth + 0.5 * h, np.nan)
        rel = (cam[..., 2] - hip_depth) * f / hip_depth / w
    return np.stack([u / w, v / h, np.where(depth > 0, rel, np.nan)], axis=-1)


def sequence(
    frames: Iterable[Frame],
    *,
    fps: float = 30.0,
    camera: Camera | None = None,
    stature_m: float = 1.75,
    world_only: bool = False,
    image_only: bool = False,
    noise_px: float = 0.0,
    noise_m: float = 0.0,
    seed: int = 0,
) -> PoseSequence:
    """A :class:`PoseSequence` of postures seen by ``camera``, at ``fps``.

    ``frames``: :class:`Angles`, mappings of their fields (``angles`` keywords), or ``(33, 3)``
    arrays of points in the level camera's axes (origin mid-hip). World and image landmarks by
    default; ``world_only`` (motion capture: no image landmarks) or ``image_only`` (the 2D path:
    NaN world landmarks). Visibility 1. ``noise_px`` / ``noise_m``: seeded Gaussian noise on
    the image (pixels) and world (metres) landmarks.
    """
    if world_only and image_only:
        raise InputError("world_only and image_only exclude each other")
    cam = camera or Camera()
    level, room_hip = _as_level(frames, stature_m)
    n = level.shape[0]
    rng = np.random.default_rng(seed)
    world = level @ cam.rotation.T + rng.normal(0.0, 1.0, level.shape) * noise_m
    image = project(level, room_hip, cam, stature_m)
    w, h = cam.image_size_px
    image[..., :2] += rng.normal(0.0, 1.0, image[..., :2].shape) * noise_px / np.array([w, h])
    nan = np.full_like(world, np.nan)
    return PoseSequence(
        t_s=np.arange(n) / fps,
        world_xyz_m=nan if image_only else world,
        image_xyz=nan if world_only else image,
        visibility=np.ones((n, N_LANDMARKS), dtype=np.float32),
        frame_index=np.arange(n, dtype=np.int64),
        image_size_px=(0, 0) if world_only else cam.image_size_px,
        meta={"source": "synthetic", "fps": fps, "stature_m": stature_m},
    )
