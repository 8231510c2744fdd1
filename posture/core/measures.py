"""Anatomical measures over whole sequences, each with a per-frame confidence.

Conventions (one camera cannot see everything; the confidences say what it did see):

* Angles are anatomical and signed relative to the person's own axes (``posture.core.body``):
  *forward* is where the pelvis and feet point, *up* is gravity after tilt correction. They do
  not flip when the person turns around.
* Degrees (``_deg``), centimetres (``_cm``), degrees per second (``_deg_s``).
* The **sagittal** measures (trunk flexion, hip and knee flexion, neck, shoulders forward,
  upper-arm flexion, hand distance) lie in the plane a side camera sees; from the front they are
  depth, which only the world landmarks estimate, so their confidence falls with the view.
  **Frontal** measures (side bend) are the reverse. **Twist** needs depth in every view: it is
  trusted from front, back and oblique views, and never from a pure side view.

Confidence (0-1) = view factor x visibility factor. A measure below
``view.min_confidence`` is reported, but flagged, and the risk rules raise no confident alarm
from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from posture.core.body import (
    STATURE_FRACTION_LEG_TRUNK,
    UP,
    BodyFrame,
    body_frame,
    knee_flexion_sides,
    mid,
)
from posture.core.config import Settings, ViewSettings
from posture.core.geometry import (
    dot,
    joint_angle_deg,
    nanmean,
    signed_angle_about_deg,
    unit,
    wrap_deg,
)
from posture.core.landmarks import LM, PoseSequence
from posture.core.pelvis import known_visibility

# Neutral offsets of the pose model's landmarks, so that an upright person holding the head
# level reads about 0. The ear-to-eye line points ~10 deg above the trunk's forward direction
# (anatomically the eye centre sits above the ear canal; the upright clips read -3 to -17 deg),
# and MediaPipe's ear sits ~15 deg ahead of the shoulder even in a plumb posture (the upright
# clips read 15-21 deg).
NECK_NEUTRAL_DEG = -10.0
SHOULDERS_FORWARD_NEUTRAL_DEG = 15.0

_L, _R = 0, 1
SIDES = (
    (
        "left",
        LM.LEFT_SHOULDER,
        LM.LEFT_ELBOW,
        LM.LEFT_WRIST,
        LM.LEFT_HIP,
        LM.LEFT_KNEE,
        LM.LEFT_ANKLE,
    ),
    (
        "right",
        LM.RIGHT_SHOULDER,
        LM.RIGHT_ELBOW,
        LM.RIGHT_WRIST,
        LM.RIGHT_HIP,
        LM.RIGHT_KNEE,
        LM.RIGHT_ANKLE,
    ),
)
_HIPS = [LM.LEFT_HIP, LM.RIGHT_HIP]
_SHOULDERS = [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]
_EARS = [LM.LEFT_EAR, LM.RIGHT_EAR]
_EYES = [LM.LEFT_EYE, LM.RIGHT_EYE]
_FEET = [
    LM.LEFT_HEEL,
    LM.RIGHT_HEEL,
    LM.LEFT_FOOT_INDEX,
    LM.RIGHT_FOOT_INDEX,
    LM.LEFT_ANKLE,
    LM.RIGHT_ANKLE,
]
_HANDS_L = [LM.LEFT_WRIST, LM.LEFT_INDEX, LM.LEFT_PINKY]
_HANDS_R = [LM.RIGHT_WRIST, LM.RIGHT_INDEX, LM.RIGHT_PINKY]

#: Which family each measure belongs to (sets its view factor) and the landmarks it uses.
MEASURE_SPECS: dict[str, tuple[str, list[LM]]] = {
    "trunk_flexion_deg": ("sagittal", _HIPS + _SHOULDERS),
    "trunk_side_bend_deg": ("frontal", _HIPS + _SHOULDERS),
    "trunk_twist_deg": ("twist", _HIPS + _SHOULDERS),
    "shoulders_forward_deg": ("sagittal", _SHOULDERS + _EARS),
    "neck_flexion_deg": ("sagittal", _SHOULDERS + _EARS + _EYES),
    "hip_flexion_deg": ("sagittal", _HIPS + _SHOULDERS + [LM.LEFT_KNEE, LM.RIGHT_KNEE]),
    "knee_flexion_deg": ("sagittal", [*_HIPS, LM.LEFT_KNEE, LM.RIGHT_KNEE, *_FEET[4:]]),
    "knee_flexion_left_deg": ("sagittal", [LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE]),
    "knee_flexion_right_deg": ("sagittal", [LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE]),
    "upper_arm_flexion_left_deg": ("sagittal", [LM.LEFT_SHOULDER, LM.LEFT_ELBOW]),
    "upper_arm_flexion_right_deg": ("sagittal", [LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW]),
    "upper_arm_abduction_left_deg": ("frontal", [LM.LEFT_SHOULDER, LM.LEFT_ELBOW]),
    "upper_arm_abduction_right_deg": ("frontal", [LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW]),
    "elbow_flexion_left_deg": ("any", [LM.LEFT_SHOULDER, LM.LEFT_ELBOW, LM.LEFT_WRIST]),
    "elbow_flexion_right_deg": ("any", [LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW, LM.RIGHT_WRIST]),
    "hand_height_cm": ("vertical", _HANDS_L + _HANDS_R + _FEET),
    "hand_distance_cm": ("sagittal", _HANDS_L + _HANDS_R + _FEET[4:]),
    "hand_asymmetry_deg": ("twist", _HANDS_L + _HANDS_R + _FEET[4:]),
    "hand_height_difference_cm": ("vertical", _HANDS_L + _HANDS_R),
    "hip_shift": ("frontal", _HIPS + _FEET[4:]),
    "trunk_twist_velocity_deg_s": ("twist", _HIPS + _SHOULDERS),
    "trunk_flexion_velocity_deg_s": ("sagittal", _HIPS + _SHOULDERS),
}


@dataclass(frozen=True)
class Measures:
    """Measures of one person: ``values[name]`` and ``conf[name]`` are ``(T,)`` arrays."""

    t_s: np.ndarray
    values: dict[str, np.ndarray]
    conf: dict[str, np.ndarray]
    view: np.ndarray  # (T,) str: side / front / back / oblique / none
    yaw_deg: np.ndarray
    body: BodyFrame
    units_per_cm: float
    info: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    @property
    def hands_above_shoulders(self) -> np.ndarray:
        """``(T,)`` bool: both hands seen are higher than the mid-shoulder point."""
        p = self.body.points
        hand = nanmean(np.stack([mid(p, _HANDS_L), mid(p, _HANDS_R)], axis=1), axis=1)
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(hand[:, 1] - mid(p, _SHOULDERS)[:, 1], nan=1.0) < 0

    def confident(self, name: str, min_conf: float) -> np.ndarray:
        """``(T,)`` bool: the measure exists and its confidence reaches ``min_conf``."""
        return np.isfinite(self.values[name]) & (self.conf[name] >= min_conf)


# ---------------------------------------------------------------------------------------------
# the measures
# ---------------------------------------------------------------------------------------------
def trunk_angles(bf: BodyFrame) -> dict[str, np.ndarray]:
    """Trunk flexion, side bend and twist.

    * ``trunk_flexion_deg``: angle of the trunk line (mid-hip to mid-shoulder) from vertical in
      the person's sagittal plane, ``atan2(forward part, up part)``; + forward flexion,
      - extension.
    * ``trunk_side_bend_deg``: angle of the trunk line out of the sagittal plane; + toward the
      person's right.
    * ``trunk_twist_deg``: axial rotation of the shoulder line relative to the pelvis line
      (the pelvis' own left-right axis, held while the pelvis is hidden: see
      :func:`posture.core.body.held_forward`), both projected on the plane normal to the trunk
      line; + shoulders turned to the person's left (right shoulder forward). Folded into
      [-90, 90]: a larger value can only be a left/right label swap.
    """
    p = bf.points
    u = mid(p, _SHOULDERS) - mid(p, _HIPS)
    flex = np.degrees(np.arctan2(dot(u, bf.forward), dot(u, UP)))
    with np.errstate(invalid="ignore"):
        side = np.degrees(np.arcsin(np.clip(dot(unit(u), bf.right), -1, 1)))
    axis = unit(u)
    twist = signed_angle_about_deg(
        bf.right,
        p[:, LM.RIGHT_SHOULDER] - p[:, LM.LEFT_SHOULDER],
        axis,
    )
    twist = wrap_deg(twist, 180.0)
    return {"trunk_flexion_deg": flex, "trunk_side_bend_deg": side, "trunk_twist_deg": twist}


def _trunk_sagittal_axes(bf: BodyFrame) -> tuple[np.ndarray, np.ndarray]:
    """Unit trunk axis (hip to shoulder) and the forward direction perpendicular to it. Where
    the trunk lies along the body's forward direction (bent exactly 90 deg), nothing of that
    direction is left across the trunk: the chest's direction (across the trunk and the body's
    right, the same direction in the limit) is taken there, not an undefined one."""
    p = bf.points
    axis = unit(mid(p, _SHOULDERS) - mid(p, _HIPS))
    across = bf.forward - dot(bf.forward, axis)[..., None] * axis
    along = np.linalg.norm(across, axis=-1) < 1e-6
    fwd_t = unit(np.where(along[..., None], np.cross(axis, bf.right), across))
    return axis, fwd_t


def head_and_neck(bf: BodyFrame) -> dict[str, np.ndarray]:
    """Forward-rolled shoulders / rounded upper back, and neck flexion.

    * ``shoulders_forward_deg``: angle of the neck line (mid-shoulder to mid-ear) ahead of the
      trunk line, in the trunk's sagittal plane. 0 when ear, shoulder and hip are in line (the
      plumb posture); it grows as the upper back rounds and the shoulders and head come
      forward. The pose model has no points on the spine, so the rounding is seen through
      where the head and shoulders sit relative to the trunk line. Reported from the model's
      neutral (``SHOULDERS_FORWARD_NEUTRAL_DEG``).
    * ``neck_flexion_deg``: the head's pitch relative to the trunk: how far the ear-to-eye
      line points below the trunk's forward direction (+ flexion, looking down; - extension).
    """
    p = bf.points
    axis, fwd_t = _trunk_sagittal_axes(bf)
    neck = mid(p, _EARS) - mid(p, _SHOULDERS)
    forward_head = (
        np.degrees(np.arctan2(dot(neck, fwd_t), dot(neck, axis))) - SHOULDERS_FORWARD_NEUTRAL_DEG
    )
    head = mid(p, _EYES) - mid(p, _EARS)
    pitch = np.degrees(np.arctan2(-dot(head, axis), dot(head, fwd_t))) - NECK_NEUTRAL_DEG
    return {"shoulders_forward_deg": forward_head, "neck_flexion_deg": pitch}


def limbs(bf: BodyFrame) -> dict[str, np.ndarray]:
    """Knee, hip, upper-arm and elbow angles, per side.

    * ``knee_flexion_{left,right}_deg``: 180 minus the hip-knee-ankle angle (0 straight); their
      mean over the sides seen, ``knee_flexion_deg``, is :func:`compute_measures`' (it needs
      the landmarks' visibility, :func:`mean_of_seen`).
    * ``hip_flexion_deg``: angle between the trunk line pointing down and the thigh, + when the
      thigh is ahead of the trunk line (0 standing, about 90 sitting); mean of the sides seen.
    * ``upper_arm_flexion_{side}_deg``: upper arm (shoulder to elbow) from the trunk line
      pointing down, in the trunk's sagittal plane; + forward, - behind the trunk.
    * ``upper_arm_abduction_{side}_deg``: upper arm out of the sagittal plane, + away from the
      body.
    * ``elbow_flexion_{side}_deg``: 180 minus the shoulder-elbow-wrist angle (0 straight).
    """
    p = bf.points
    axis, fwd_t = _trunk_sagittal_axes(bf)
    knees = knee_flexion_sides(p)
    out = {"knee_flexion_left_deg": knees[:, _L], "knee_flexion_right_deg": knees[:, _R]}
    hips = []
    for side, sh, el, wr, hip, knee, _ank in SIDES:
        thigh = p[:, knee] - p[:, hip]
        hips.append(np.degrees(np.arctan2(dot(thigh, fwd_t), dot(thigh, -axis))))
        arm = p[:, el] - p[:, sh]
        out[f"upper_arm_flexion_{side}_deg"] = np.degrees(
            np.arctan2(dot(arm, fwd_t), dot(arm, -axis))
        )
        lateral = unit(np.cross(fwd_t, axis)) * (1.0 if side == "right" else -1.0)
        with np.errstate(invalid="ignore"):
            out[f"upper_arm_abduction_{side}_deg"] = np.degrees(
                np.arcsin(np.clip(dot(unit(arm), lateral), -1, 1))
            )
        out[f"elbow_flexion_{side}_deg"] = 180.0 - joint_angle_deg(p[:, sh], p[:, el], p[:, wr])
    with np.errstate(invalid="ignore"):
        out["hip_flexion_deg"] = nanmean(np.stack(hips, axis=1), axis=1)
    return out


def pair_midpoint(
    left: np.ndarray, right: np.ndarray, ref_left: np.ndarray, ref_right: np.ndarray
) -> np.ndarray:
    """``(T, 3)`` midpoint of a left/right pair; where one side is not seen, the side seen
    moved by its reference point's offset from the reference midpoint (e.g. a hand by its
    shoulder's), so a hidden far hand does not pull the midpoint sideways."""
    ref_mid = (ref_left + ref_right) / 2
    from_left = left - (ref_left - ref_mid)
    from_right = right - (ref_right - ref_mid)
    both = (left + right) / 2
    out = np.where(np.isfinite(both), both, np.where(np.isfinite(from_left), from_left, from_right))
    return out


def hands(bf: BodyFrame, units_per_cm: float) -> dict[str, np.ndarray]:
    """Hand position for the NIOSH lifting equation.

    * ``hand_height_cm`` (NIOSH V): height of the midpoint of the hands (wrist, index and
      little-finger knuckles of each hand seen) above the floor, the lowest foot point seen.
    * ``hand_distance_cm`` (NIOSH H): horizontal distance from the midpoint of the ankles to
      the midpoint of the hands.
    * ``hand_asymmetry_deg`` (NIOSH A): horizontal angle between the mid-sagittal direction of
      the pelvis and feet (not of the shoulders, which turn with a twisted trunk) and the line
      from the ankles to the hands; 0 straight ahead.
    * ``hand_height_difference_cm``: how much higher one hand is than the other (the midpoint
      of each hand's points seen), >= 0; NaN unless both hands are seen. Two hands on one load
      are at about the same height; one hand far below the other is a one-handed lift.
    Centimetres come from the person's own size (``subject.height_cm`` and body proportions).
    """
    p = bf.points
    left, right = mid(p, _HANDS_L), mid(p, _HANDS_R)
    hand = pair_midpoint(left, right, p[:, LM.LEFT_SHOULDER], p[:, LM.RIGHT_SHOULDER])
    feet_h = -p[:, _FEET, 1]
    floor = np.where(
        np.isfinite(feet_h).any(axis=1),
        np.nanmin(np.where(np.isfinite(feet_h), feet_h, np.inf), axis=1),
        np.nan,
    )
    height = (-hand[:, 1] - floor) / units_per_cm
    apart = np.abs(dot(left - right, UP)) / units_per_cm
    ankles = pair_midpoint(
        p[:, LM.LEFT_ANKLE], p[:, LM.RIGHT_ANKLE], p[:, LM.LEFT_HIP], p[:, LM.RIGHT_HIP]
    )
    reach = hand - ankles
    reach_h = reach - dot(reach, UP)[..., None] * UP
    dist = np.linalg.norm(reach_h, axis=-1) / units_per_cm
    sagittal = bf.forward  # the pelvis': not turned by a twisted trunk
    cos = dot(unit(reach_h), sagittal)
    sin = dot(np.cross(sagittal, unit(reach_h)), UP)
    asym = np.abs(np.degrees(np.arctan2(sin, cos)))
    return {
        "hand_height_cm": height,
        "hand_distance_cm": dist,
        "hand_asymmetry_deg": asym,
        "hand_height_difference_cm": apart,
    }


def weight_shift(bf: BodyFrame, units_per_cm: float) -> dict[str, np.ndarray]:
    """``hip_shift``: sideways offset of the mid-hip from the mid-ankle point, along the
    person's right, as a share of half the ankles' sideways spacing (that spacing floored at
    10 cm): 0 centred between the feet, +1 over the right foot, -1 over the left."""
    p = bf.points
    ankles = mid(p, [LM.LEFT_ANKLE, LM.RIGHT_ANKLE])
    offset = dot(mid(p, _HIPS) - ankles, bf.right)
    spacing = np.abs(dot(p[:, LM.RIGHT_ANKLE] - p[:, LM.LEFT_ANKLE], bf.right))
    half = np.maximum(spacing / 2, 5.0 * units_per_cm)
    return {"hip_shift": offset / half}


def velocities(values: dict[str, np.ndarray], t_s: np.ndarray) -> dict[str, np.ndarray]:
    """Angular velocity of trunk twist and flexion, deg/s (central differences)."""
    out = {}
    for name in ("trunk_twist_deg", "trunk_flexion_deg"):
        v = values[name]
        if len(v) < 2:
            out[name.replace("_deg", "_velocity_deg_s")] = np.full_like(v, np.nan)
            continue
        out[name.replace("_deg", "_velocity_deg_s")] = np.gradient(v, t_s)
    return out


# ---------------------------------------------------------------------------------------------
# view and confidence
# ---------------------------------------------------------------------------------------------
VIEW_YAW_DEG = {"front": 0.0, "side": 90.0, "back": 180.0, "oblique": 45.0}


def classify_view(yaw_deg: np.ndarray, settings: ViewSettings) -> np.ndarray:
    """``(T,)`` view names from the body yaw (``none`` where there is no pose)."""
    a = np.abs(yaw_deg)
    view = np.full(a.shape, "oblique", dtype=object)
    view[a <= settings.front_max_deg] = "front"
    view[a >= 180.0 - settings.front_max_deg] = "back"
    view[(a >= settings.side_min_deg) & (a <= 180.0 - settings.side_min_deg)] = "side"
    view[~np.isfinite(a)] = "none"
    return view


def view_factor(family: str, yaw_deg: np.ndarray, has_depth: bool) -> np.ndarray:
    """How well a view shows a family of measures, 0-1.

    A side view shows sagittal angles in the picture's plane (factor |sin yaw|); a front view
    shows frontal ones (|cos yaw|). With depth from the world landmarks a hidden plane is still
    estimated, but not trusted (the factor is floored at 0.3); without depth (the 2D path) the
    factors are raised to the 4th power: the motion-capture views showed errors of 38 deg at
    60 deg yaw, and an oblique picture turns a forward bend into an apparent side bend.
    Twist needs depth always. Heights (``vertical``) from a picture alone are foreshortened by a
    camera looking down at a person facing it.
    """
    s = np.abs(np.sin(np.radians(yaw_deg)))
    c = np.abs(np.cos(np.radians(yaw_deg)))
    if not has_depth:  # a plane turned away from the picture is foreshortened, and mixed with
        s, c = s**4, c**4  # the other plane: only near-pure views are trusted
    floor = 0.3 if has_depth else 0.0
    if family == "sagittal":
        f = floor + (1 - floor) * s
    elif family == "frontal":
        f = floor + (1 - floor) * c
    elif family == "twist":
        f = c if has_depth else 0.3 * c
    elif family == "vertical" and not has_depth:  # heights in a picture: best from the side
        f = 0.4 + 0.6 * s
    else:
        f = np.ones_like(yaw_deg)
    return np.where(np.isfinite(yaw_deg), f, 0.0)


#: Measures taken against gravity, and the body plane in which an error of "up" tilts them.
GRAVITY_PLANE = {
    "trunk_flexion_deg": "sagittal",
    "trunk_flexion_velocity_deg_s": "sagittal",
    "trunk_side_bend_deg": "frontal",
    "hip_shift": "frontal",
}


#: Measures and the body parts whose landmarks they rest on (see
#: :func:`posture.core.skeleton.segment_plausibility`): a hip the pose model misplaces behind
#: a load bends the trunk line and the thigh.
RESTS_ON = {
    "trunk_flexion_deg": ("trunk",),
    "trunk_side_bend_deg": ("trunk",),
    "trunk_twist_deg": ("trunk",),
    "trunk_flexion_velocity_deg_s": ("trunk",),
    "trunk_twist_velocity_deg_s": ("trunk",),
    "hip_flexion_deg": ("hips",),
    "knee_flexion_deg": ("knee_left", "knee_right"),
    "knee_flexion_left_deg": ("knee_left",),
    "knee_flexion_right_deg": ("knee_right",),
}
#: Measures that are the mean of a left and a right one, over the sides seen.
BOTH_SIDES = {"knee_flexion_deg": ("knee_flexion_left_deg", "knee_flexion_right_deg")}
#: The landmarks a side of those measures is seen by.
_SIDE_LANDMARKS = {
    "knee_flexion_deg": (
        [LM.LEFT_HIP, LM.LEFT_KNEE, LM.LEFT_ANKLE],
        [LM.RIGHT_HIP, LM.RIGHT_KNEE, LM.RIGHT_ANKLE],
    )
}


def sides_seen(visibility: np.ndarray, min_visibility: float) -> dict[str, np.ndarray]:
    """``(T, 2)`` per two-sided measure: whether its left and right landmarks are seen at the
    frame (visibility at least ``min_visibility``; unknown visibility, motion capture, counts as
    seen). A landmark lost for a moment keeps its last value (:mod:`posture.core.filtering`),
    but it is not seen: a side seen is not averaged with a side held."""
    vis = known_visibility(visibility)
    return {
        name: np.stack([vis[:, lm].min(axis=1) >= min_visibility for lm in sides], axis=1)
        for name, sides in _SIDE_LANDMARKS.items()
    }


def mean_of_seen(left: np.ndarray, right: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """``(T,)`` mean of the sides seen (``seen`` ``(T, 2)``), of both where neither is seen
    (each side NaN where it cannot be measured)."""
    both = np.stack([left, right], axis=1)
    use = seen & np.isfinite(both)
    use = np.where(use.any(axis=1, keepdims=True), use, np.isfinite(both))
    with np.errstate(invalid="ignore"):
        return np.where(use, both, 0.0).sum(axis=1) / use.sum(axis=1)


def _plausible(bf: BodyFrame, name: str, seen: np.ndarray | None) -> np.ndarray | float:
    """The confidence factor of measure ``name`` from the body parts it rests on
    (:data:`RESTS_ON`): of the sides it was taken from, for a two-sided mean."""
    parts = [p for p in RESTS_ON.get(name, ()) if p in bf.plausible]
    if seen is None or len(parts) != 2:
        out: np.ndarray | float = 1.0
        for part in parts:
            out = out * bf.plausible[part]
        return out
    factors = np.stack([bf.plausible[p] for p in parts], axis=1)
    used = np.where(seen.any(axis=1, keepdims=True), seen, True)
    return np.where(used, factors, 1.0).min(axis=1)


#: Confidence factor of measures against the pelvis while its orientation is held (hidden).
PELVIS_HELD_FACTOR = 0.75


def gravity_factor(sigma_deg: np.ndarray) -> np.ndarray:
    """How far a measure taken against gravity can be trusted when "up" is known to
    ``sigma_deg`` (1 sigma): fully within 4 deg (a person's own sway), half at 12 deg, not at
    all from 20 deg (REBA's trunk bands are 20 deg wide)."""
    return np.clip(1.0 - (np.asarray(sigma_deg) - 4.0) / 16.0, 0.0, 1.0)


def visibility_factor(vis: np.ndarray, idx: list[LM]) -> np.ndarray:
    """Mean visibility of the landmarks used, mapped 0.3 -> 0 and 0.8 -> 1 (unknown = 1)."""
    v = np.where(np.isnan(vis[:, idx]), 1.0, vis[:, idx]).mean(axis=1)
    return np.clip((v - 0.3) / 0.5, 0.0, 1.0)


def trunk_foreshortening(bf: BodyFrame, full_length: float | None = None) -> np.ndarray:
    """``(T,)`` apparent trunk length over its full length (``full_length``, by default the
    95th percentile over the clip).

    Without depth, a trunk bending toward or away from the camera only looks shorter, and its
    sideways part, when the person is turned, looks like a side bend: frontal measures are
    not trusted while the trunk is foreshortened.
    """
    trunk = trunk_lengths(bf.points)
    ok = np.isfinite(trunk)
    if not ok.any():
        return np.zeros_like(trunk)
    full = float(np.percentile(trunk[ok], 95)) if full_length is None else full_length
    return np.clip(np.nan_to_num(trunk / full if full > 0 else trunk * 0), 0.0, 1.0)


def trunk_lengths(p: np.ndarray) -> np.ndarray:
    """``(T,)`` hip-to-shoulder length in the skeleton's units."""
    return np.linalg.norm(mid(p, _SHOULDERS) - mid(p, _HIPS), axis=-1)


@dataclass(frozen=True)
class BodyScale:
    """The person's size in skeleton units, when known from elsewhere than the frames measured
    (a live stream measures one frame at a time): ``body_length`` thigh + shank + trunk,
    ``trunk_length`` the trunk's full (not foreshortened) length."""

    body_length: float
    trunk_length: float


def _hint_yaw(settings: ViewSettings, yaw: np.ndarray) -> np.ndarray:
    if settings.hint == "auto":
        return yaw
    return np.where(np.isfinite(yaw), VIEW_YAW_DEG[settings.hint], np.nan)


# ---------------------------------------------------------------------------------------------
def compute_measures(
    seq: PoseSequence,
    settings: Settings,
    *,
    body: BodyFrame | None = None,
    scale: BodyScale | None = None,
) -> Measures:
    """Every measure of a cleaned pose sequence, with its confidence and the view. The
    person's size comes from ``scale`` when given, else from the sequence itself."""
    bf = body if body is not None else body_frame(seq, settings.view)
    length = scale.body_length if scale is not None else bf.body_length
    units_per_cm = length / (STATURE_FRACTION_LEG_TRUNK * settings.subject.height_cm)
    values: dict[str, np.ndarray] = {}
    parts: list[Callable[[BodyFrame], dict[str, np.ndarray]]] = [trunk_angles, head_and_neck, limbs]
    for part in parts:
        values.update(part(bf))
    values.update(hands(bf, units_per_cm))
    values.update(weight_shift(bf, units_per_cm))
    sides = sides_seen(seq.visibility, settings.filter.min_visibility)
    for name, (left, right) in BOTH_SIDES.items():
        values[name] = mean_of_seen(values[left], values[right], sides[name])
    values.update(velocities(values, seq.t_s))
    yaw = _hint_yaw(settings.view, bf.yaw_deg)
    full = scale.trunk_length if scale is not None else None
    depth_bend = 1.0 if bf.has_depth else trunk_foreshortening(bf, full) ** 4
    sigma_sag, sigma_front = bf.gravity.sigma_in_plane_deg(yaw)
    pelvis_known = np.where(bf.pelvis_held, PELVIS_HELD_FACTOR, 1.0)
    up_known = {"sagittal": gravity_factor(sigma_sag), "frontal": gravity_factor(sigma_front)}
    conf = {}
    views: dict[str, np.ndarray] = {}  # one view factor per family
    for name, (family, idx) in MEASURE_SPECS.items():
        if family not in views:
            views[family] = view_factor(family, yaw, bf.has_depth)
        c = views[family] * visibility_factor(seq.visibility, idx)
        if family == "frontal":
            c = c * depth_bend
        if name in GRAVITY_PLANE:
            c = c * up_known[GRAVITY_PLANE[name]]
        if family == "twist":
            c = c * pelvis_known * bf.twist_agreement
        c = c * _plausible(bf, name, sides.get(name))
        conf[name] = np.where(np.isfinite(values[name]), c, 0.0)
    info: dict[str, object] = {
        "skeleton": bf.source,
        "camera": bf.gravity.as_dict(),
        "pelvis": {
            "held_share": round(float(bf.pelvis_held.mean()), 3) if len(bf.pelvis_held) else 0.0,
            "note": bf.pelvis_note or "seen",
        },
        "body_length_units": round(float(length), 4) if np.isfinite(length) else None,
    }
    return Measures(
        seq.t_s,
        {k: values[k] for k in MEASURE_SPECS},
        conf,
        classify_view(yaw, settings.view),
        yaw,
        bf,
        float(units_per_cm),
        info,
    )
