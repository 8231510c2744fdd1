"""The body's own frame: the skeleton turned level (gravity found), with the person's forward.

* **Gravity** (:mod:`posture.core.gravity`): the camera's pitch and roll from every cue there
  is. The person gives two (:func:`body_gravity_cues`): upright, still moments anywhere in the
  clip (the ankle-to-shoulder line is plumb to within a few degrees), and still moments in any
  posture (standing still, the body's centre of mass is over the feet). The scene and the user
  give theirs from outside this module (``extra_cues``).
* **Forward** (:mod:`posture.core.pelvis`): where the pelvis, the thighs and the feet point.
  The shoulders and the face turn with a twisted trunk and are not used for it.

Axes after levelling: ``x`` right, ``y`` down (gravity), ``z`` away from the camera; origin at
the mid-hip; ``UP = (0, -1, 0)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from posture.core.config import ViewSettings
from posture.core.geometry import angle_between_deg, dot, nanmedian, unit
from posture.core.gravity import (
    LEVEL,
    Gravity,
    GravityCue,
    fuse,
    pitch_roll_deg,
    with_model_depth_lean,
)
from posture.core.landmarks import LM, PoseSequence
from posture.core.pelvis import (
    PELVIS_SEEN,
    forward_and_agreement,
    forward_direction,
    held_forward,
    pelvis_anchoring,
)
from posture.core.skeleton import (
    ANKLES,
    DEFAULT_HFOV_DEG,
    HIPS,
    SHOULDERS,
    SKELETON_CHUNK,
    STATURE_FRACTION_LEG_TRUNK,
    UP,
    Skeleton,
    body_length_units,
    build_skeleton,
    horizontal,
    knee_flexion_sides,
    leg_trunk_length,
    mid,
    segment_plausibility,
)
from posture.core.turn import WidthMemory, refine_depth
from posture.core.walking import walking_cue

__all__ = [
    "STATURE_FRACTION_LEG_TRUNK",
    "UP",
    "BodyFrame",
    "body_frame",
    "body_gravity_cues",
    "body_length_units",
    "build_skeleton",
    "estimate_gravity",
    "forward_direction",
    "horizontal",
    "knee_flexion_sides",
    "mid",
    "settled",
    "still_frames",
    "upright_frames",
]

#: How far a person standing upright and still leans (1 sigma, degrees): the ankle-to-shoulder
#: line of quiet standing is within 1-2 deg of plumb in the motion capture, a few degrees more
#: in people who slouch or sway.
UPRIGHT_LEAN_SD_DEG = 2.5
#: Standing still, the centre of mass is over the feet's support area; where over it is known
#: to about this share of stature (1 sigma: the centre of pressure moves over the foot).
BALANCE_OFFSET_STATURE = 0.03
#: Pitch from the pose model's depth (MediaPipe's world landmarks in a picture): its error, 1
#: sigma, degrees (the legs of an upright man facing the camera read up to 10 deg off).
MODEL_DEPTH_SD_DEG = 6.0
#: Knees bent less than this: standing (the balance cue); more may be sitting.
STANDING_KNEE_MAX_DEG = 60.0
#: Segment masses (share of body mass) and centres of mass along each segment (from the
#: proximal end), Winter 2009 (Biomechanics and Motor Control of Human Movement, table 4.1).
#: Head and neck at the ears, trunk between hips and shoulders.
SEGMENT_MASS = (
    (0.081, (LM.LEFT_EAR, LM.RIGHT_EAR), None, 0.0),
    (0.497, (LM.LEFT_HIP, LM.RIGHT_HIP), (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), 0.5),
    *(
        (mass, (a,), (b,), frac)
        for side in ("LEFT", "RIGHT")
        for mass, a, b, frac in (
            (0.028, LM[f"{side}_SHOULDER"], LM[f"{side}_ELBOW"], 0.436),
            (0.022, LM[f"{side}_ELBOW"], LM[f"{side}_WRIST"], 0.682),  # forearm and hand
            (0.100, LM[f"{side}_HIP"], LM[f"{side}_KNEE"], 0.433),
            (0.0465, LM[f"{side}_KNEE"], LM[f"{side}_ANKLE"], 0.433),
            (0.0145, LM[f"{side}_HEEL"], LM[f"{side}_FOOT_INDEX"], 0.5),
        )
    ),
)
_FEET = [LM.LEFT_HEEL, LM.RIGHT_HEEL, LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX]


# ---------------------------------------------------------------------------------------------
# still and upright moments
# ---------------------------------------------------------------------------------------------
#: The cue of the person standing upright and still (``Gravity.sources``).
UPRIGHT_SOURCE = "upright moments"
#: The model's depth lean (:func:`model_depth_lean`) is taken out only when the upright
#: moments agree on it: its standard error over them at most this (the tolerance of an angle).
#: On the project's clips it is 0.1-0.2 deg where the person stands still and upright, 2-3 deg
#: where the "upright" moments are a walk toward the camera or a seated worker rising (leans
#: of +12 and -19 deg in one clip: no constant lean to take out).
MAX_LEAN_SE_DEG = 1.0


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
        xy = seq.image_xy_px_scaled([*HIPS, *SHOULDERS])
        hip = xy[:, : len(HIPS)].mean(axis=1)
        torso = np.linalg.norm(xy[:, len(HIPS) :].mean(axis=1) - hip, axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):  # a torso seen end-on: not still
            speed = np.linalg.norm(np.gradient(hip, axis=0), axis=-1) / dt / torso
        limit = 0.5
    else:
        feet = mid(p, ANKLES)
        size = nanmedian(leg_trunk_length(p))  # NaN if never seen whole: then not still
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
    hip, sh, ank = mid(p, HIPS), mid(p, SHOULDERS), mid(p, ANKLES)
    aligned = angle_between_deg(sh - hip, hip - ank) < 20.0
    ok = knees_ok & aligned & np.isfinite(ank).all(axis=1)
    return ok & still if still is not None else ok


# ---------------------------------------------------------------------------------------------
# gravity from the person
# ---------------------------------------------------------------------------------------------
def centre_of_mass(p: np.ndarray) -> np.ndarray:
    """``(T, 3)`` whole-body centre of mass from the segments seen (``SEGMENT_MASS``); NaN
    unless the trunk and both legs are seen."""
    total = np.zeros((*p.shape[:1], 3))
    weight = np.zeros(p.shape[:1])
    for mass, a, b, frac in SEGMENT_MASS:
        start = mid(p, list(a))
        point = start if b is None else start + frac * (mid(p, list(b)) - start)
        ok = np.isfinite(point).all(axis=1)
        total[ok] += mass * point[ok]
        weight[ok] += mass
    legs = np.isfinite(p[:, [LM.LEFT_KNEE, LM.RIGHT_KNEE, LM.LEFT_ANKLE, LM.RIGHT_ANKLE]]).all(
        axis=(1, 2)
    )
    trunk = np.isfinite(p[:, HIPS + SHOULDERS]).all(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        com = total / weight[:, None]
    com[~(legs & trunk)] = np.nan
    return com


def _pooled_cue(
    source: str,
    down: np.ndarray,
    sd_model_deg: np.ndarray | float,
    t_s: np.ndarray,
    has_depth: bool,
    depth_sd_deg: float,
) -> GravityCue | None:
    """One cue from per-frame gravity directions ``down`` ``(N, 3)`` (camera axes) at times
    ``t_s``: the median pitch and roll; the uncertainty is the model's own (``sd_model_deg``)
    plus the spread over the frames, which count as independent every half second."""
    pitch, roll = pitch_roll_deg(down)
    ok = np.isfinite(roll)
    if ok.sum() < 5 or np.ptp(t_s[ok]) < 0.15:
        return None
    pitch, roll, t = pitch[ok], roll[ok], t_s[ok]
    sd = float(np.median(np.broadcast_to(sd_model_deg, ok.shape)[ok]))
    n_eff = max(1.0, min(float(ok.sum()), 2.0 * float(np.ptp(t)) + 1.0))

    def spread(x: np.ndarray) -> float:
        return 1.4826 * float(np.median(np.abs(x - np.median(x)))) / math.sqrt(n_eff)

    return GravityCue(
        source,
        float(np.median(pitch)),
        float(np.median(roll)),
        math.hypot(max(sd, depth_sd_deg), spread(pitch)) if has_depth else math.inf,
        math.hypot(sd, spread(roll)),
        "body",
        int(ok.sum()),
    )


def body_gravity_cues(
    p: np.ndarray,
    t_s: np.ndarray,
    still: np.ndarray,
    *,
    has_depth: bool,
    depth_sd_deg: float,
) -> list[GravityCue]:
    """Gravity as the person shows it, from a skeleton ``p`` in camera axes.

    * ``upright moments``: while standing upright and still (:func:`upright_frames`), the
      ankle-to-shoulder line is plumb up to the person's lean (``UPRIGHT_LEAN_SD_DEG``).
    * ``standing balance``: while standing still in any other posture (leaning, bent over),
      the centre of mass is over the middle of the feet (``BALANCE_OFFSET_STATURE``).

    Without depth (a picture alone) they tell the roll only.
    """
    cues = []
    up = upright_frames(p, still)
    if up.any():
        down = -(mid(p[up], SHOULDERS) - mid(p[up], ANKLES))
        cue = _pooled_cue(
            UPRIGHT_SOURCE, down, UPRIGHT_LEAN_SD_DEG, t_s[up], has_depth, depth_sd_deg
        )
        if cue is not None:
            cues.append(cue)
    feet_seen = np.isfinite(p[:, _FEET]).all(axis=(1, 2))
    with np.errstate(invalid="ignore"):  # seated, the centre of mass is over the chair
        knees = knee_flexion_sides(p)
        standing = np.isfinite(knees).all(axis=1) & (np.max(knees, axis=1) < STANDING_KNEE_MAX_DEG)
    ok = still & feet_seen & standing & ~up  # upright moments speak through the cue above
    if ok.any():
        com = centre_of_mass(p[ok])
        down = mid(p[ok], _FEET) - com
        stature = float(np.nanmedian(leg_trunk_length(p[ok]))) / STATURE_FRACTION_LEG_TRUNK
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = np.degrees(
                np.arctan(BALANCE_OFFSET_STATURE * stature / np.linalg.norm(down, axis=-1))
            )
        cue = _pooled_cue("standing balance", down, sd, t_s[ok], has_depth, depth_sd_deg)
        if cue is not None:
            cues.append(cue)
    return cues


def estimate_gravity(
    sk: Skeleton,
    seq: PoseSequence,
    settings: ViewSettings,
    *,
    extra_cues: Sequence[GravityCue] = (),
    still: np.ndarray | None = None,
) -> Gravity:
    """The camera's pitch and roll from the person (unless ``view.body_gravity`` is off), the
    user's settings and ``extra_cues`` (the scene, a calibration clip)."""
    cues = list(extra_cues)
    if settings.camera_pitch_deg is not None or settings.camera_roll_deg is not None:
        cues.append(
            GravityCue(
                "given in the settings",
                settings.camera_pitch_deg or 0.0,
                settings.camera_roll_deg or 0.0,
                1.0 if settings.camera_pitch_deg is not None else math.inf,
                1.0 if settings.camera_roll_deg is not None else math.inf,
                "user",
            )
        )
    if settings.body_gravity:
        if still is None:
            still = still_frames(seq, sk.points)
        depth_sd = MODEL_DEPTH_SD_DEG if sk.source == "fused" else UPRIGHT_LEAN_SD_DEG
        cues += body_gravity_cues(
            sk.points, seq.t_s, still, has_depth=sk.has_depth, depth_sd_deg=depth_sd
        )
        walk = walking_cue(seq, ~still & seq.pose_found)
        if walk is not None:
            cues.append(walk)
    if not settings.correct_tilt:
        return replace(LEVEL, note="tilt correction off: camera taken as level", cues=tuple(cues))
    gravity = fuse(cues, max_tilt_deg=settings.max_tilt_deg)
    # the model's lean is read where the person stands upright: only when those moments agree
    # with the camera found (a seated worker's few "upright" frames are rejected by the fusion)
    if sk.source == "fused" and settings.body_gravity and UPRIGHT_SOURCE in gravity.sources:
        upright = upright_frames(sk.points, still)
        lean = model_depth_lean(sk.points, upright, gravity)
        if math.isfinite(lean):
            gravity = with_model_depth_lean(gravity, lean)
        elif upright.sum() >= 5:
            note = "the pose model's depth lean not taken out: the upright moments disagree on it"
            gravity = replace(gravity, note=f"{gravity.note}; {note}")
    return gravity


def model_depth_lean(p: np.ndarray, upright: np.ndarray, gravity: Gravity) -> float:
    """How far the pose model's depth leans an upright person toward (-) or away from (+) the
    camera, degrees (as a pitch); NaN without upright moments.

    A picture's depth is the pose model's, and learned: an upright man seen by a camera looking
    down 22 deg came out leaning several degrees toward or away from it (the calibrated clips,
    the camera itself found from the scene). Where the person stands upright and still, two
    lines are plumb to within a few degrees: ankle to shoulder (within 1-2 deg in the motion
    capture, but the model's depth of the legs is its worst: an upright man's legs read 10 deg
    more tilted than his trunk in a front view) and hip to shoulder (its depth bias is the
    trunk's own, but it leans back ~5 deg in a natural stance). Their pitch against the
    camera's, averaged (which halves both errors), is the model's lean, taken out of the whole
    clip with the camera's pitch (:meth:`posture.core.gravity.Gravity.rotation`)."""
    if upright.sum() < 5:
        return float("nan")
    q = p[upright]
    ideal = float(np.degrees(np.arcsin(np.clip((gravity.rotation.T @ -UP)[2], -1, 1))))
    leans, per_frame = [], []
    for lower in (ANKLES, HIPS):
        lines = unit(mid(q, SHOULDERS) - mid(q, lower))
        line = np.nanmean(lines, axis=0)
        with np.errstate(invalid="ignore"):
            model = np.degrees(np.arcsin(np.clip(-line[2] / np.linalg.norm(line), -1, 1)))
            per_frame.append(np.degrees(np.arcsin(np.clip(-lines[:, 2], -1, 1))))
        leans.append(float(model) - ideal)
    each = np.mean(per_frame, axis=0)
    each = each[np.isfinite(each)]
    if each.size < 5 or np.std(each) / math.sqrt(each.size) > MAX_LEAN_SE_DEG:
        return float("nan")
    return float(np.mean(leans))


def settled(gravity: Gravity, settings: ViewSettings, t_s: np.ndarray) -> bool:
    """Whether a gravity found while a clip is still coming in (a live stream, the video drawn
    as it goes) can be kept for the rest of it: given by the user or the scene, or shown by the
    person for ``view.calibration_s`` of upright or still time."""
    dt = float(np.median(np.diff(t_s))) if len(t_s) > 1 else 1 / 30
    enough = max(1, math.ceil(settings.calibration_s / max(dt, 1e-3)))
    return any(c.kind != "body" for c in gravity.cues if c.source in gravity.sources) or any(
        c.frames >= enough for c in gravity.cues if c.source in gravity.sources
    )


# ---------------------------------------------------------------------------------------------
# forward and the body frame
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BodyFrame:
    """Per-frame body axes in level axes (all ``(T, 3)`` unit vectors).

    ``forward`` and ``right`` are horizontal; ``yaw_deg`` is the body's turn from facing the
    camera (0 front, +-180 back, +-90 side; positive when the person's front points to the
    image's right), all from the pelvis. ``body_length``: thigh + shank + trunk in the
    skeleton's units. ``pelvis_held`` ``(T,)``: the pelvis hidden, its orientation held
    (``pelvis_note`` says how); ``twist_agreement`` ``(T,)`` 0-1: how well the cues of the
    twist agree: the model's depth and the picture's foreshortening on the shoulders' turn
    (:mod:`posture.core.turn`), the pelvis line and the legs on the forward the twist is
    measured from (:func:`posture.core.pelvis.forward_agreement`, where the pelvis is seen).
    ``plausible``: per body part, ``(T,)`` 0-1, how far its segments keep the person's own
    lengths (:func:`posture.core.skeleton.segment_plausibility`). ``points``: the skeleton
    ``(T, 33, 3)`` in level axes; a finished analysis keeps none (``(0, 33, 3)``).
    """

    points: np.ndarray
    forward: np.ndarray
    right: np.ndarray
    yaw_deg: np.ndarray
    gravity: Gravity
    source: str
    has_depth: bool
    body_length: float
    pelvis_held: np.ndarray
    pelvis_note: str
    twist_agreement: np.ndarray
    plausible: dict[str, np.ndarray]


def body_frame(
    seq: PoseSequence,
    settings: ViewSettings,
    gravity: Gravity | None = None,
    *,
    extra_cues: Sequence[GravityCue] = (),
    hfov_deg: float | None = None,
    pelvis_prior: np.ndarray | None = None,
    widths: WidthMemory | None = None,
) -> BodyFrame:
    """Skeleton, gravity and body axes for a (cleaned) pose sequence. ``gravity`` gives one
    found earlier (a live stream's, a calibration clip's); by default it is estimated here
    from the person and ``extra_cues``. ``hfov_deg``: the lens's field of view when the scene
    showed it (``view.camera_hfov_deg`` when given wins; else ``DEFAULT_HFOV_DEG``).
    ``pelvis_prior``: the pelvis' orientation held before these frames (a stream's memory,
    :class:`posture.core.pelvis.PelvisMemory`); ``widths``: its memory of the body lines'
    full widths (:class:`posture.core.turn.WidthMemory`)."""
    anchoring = pelvis_anchoring(seq.visibility)
    sk, turns = refine_depth(
        build_skeleton(seq, settings.camera_hfov_deg or hfov_deg or DEFAULT_HFOV_DEG),
        anchoring >= PELVIS_SEEN,
        widths,
        in_place=True,
    )
    still = still_frames(seq, sk.points)
    if gravity is None:
        gravity = estimate_gravity(sk, seq, settings, extra_cues=extra_cues, still=still)
    # the skeleton (made here, this function's own) rotated to level axes in place, a block
    # at a time: a long recording's skeleton is never held twice
    p, source, has_depth = sk.points, sk.source, sk.has_depth
    for a in range(0, len(p), SKELETON_CHUNK):
        p[a : a + SKELETON_CHUNK] = p[a : a + SKELETON_CHUNK] @ gravity.rotation.T
    raw_forward, forward_agree = forward_and_agreement(p, seq.visibility)
    fwd, held, pelvis_note = held_forward(raw_forward, anchoring, pelvis_prior)
    right = unit(np.cross(fwd, UP))
    # the view: the person's forward against the camera's horizontal line of sight, both in the
    # level axes, so a rolled or pitched camera does not turn the person
    sight = horizontal(gravity.rotation @ np.array([0.0, 0.0, 1.0]))
    sight = sight / np.linalg.norm(sight) if np.linalg.norm(sight) > 1e-6 else np.array([0, 0, 1.0])
    side = np.cross(sight, UP)  # the camera's horizontal right, as seen in the picture
    yaw = np.degrees(np.arctan2(dot(fwd, side), -dot(fwd, sight)))
    upright = upright_frames(p, still)
    length = body_length_units(p, upright)
    plausible = segment_plausibility(p, upright)
    agreement = turns["shoulders"].agreement if "shoulders" in turns else np.ones(len(p))
    agreement = agreement * np.where(held, 1.0, forward_agree)
    return BodyFrame(
        p,
        fwd,
        right,
        yaw,
        gravity,
        source,
        has_depth,
        length,
        held,
        pelvis_note,
        agreement,
        plausible,
    )
