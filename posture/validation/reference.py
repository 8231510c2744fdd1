"""Reference values computed directly from the markers, independent of ``posture``'s measures.

Every quantity here is a ``(T,)`` float64 series on the trial's time base. Definitions:

* The subject's **sagittal plane** in each frame is spanned by the true vertical (lab ``+Y``)
  and the **pelvis forward**: the horizontal direction perpendicular to the ASIS_R -> ASIS_L
  line (:func:`pelvis_axes`). The inter-ASIS line stays level when the pelvis tips forward in a
  bend, so this forward follows the pelvis's turn about the vertical only, never the shoulders.
* ``trunk_flexion_deg``: inclination of the trunk line from the **pelvis centre** (mean of
  ASIS_R, ASIS_L, PSIS_R, PSIS_L) to the **thorax top** (mid IJ-C7, the superior point of the ISB
  thorax, Wu et al. 2005) against the true vertical, in the sagittal plane:
  ``atan2(trunk . forward, trunk . up)``. Degrees, 0 = upright, positive = leaning forward,
  negative = backward. This is the pelvis-to-thorax inclination of the dataset description
  (peak near 93 deg at about 3.1 s).
* ``trunk_inclination_deg``: the same line's total 3D angle to the vertical, unsigned.
* ``trunk_line_flexion_deg``: as ``trunk_flexion_deg`` but for the line our landmarks can see
  and the tool measures (``posture.core.measures.trunk_angles``), mid hip-joint-centre -> mid
  glenohumeral centre (the **hip-shoulder line**, see :mod:`.mocap`). The difference between
  the two is the definition gap between a pelvis-thorax angle and a hip-shoulder angle.
* ``trunk_side_bend_deg``: the hip-shoulder line out of the sagittal plane,
  ``asin(unit(line) . right)`` with ``right = -left`` of the pelvis; degrees, + toward the
  subject's right, as the tool defines it.
* ``trunk_twist_deg``: axial rotation of the shoulder line (left -> right glenohumeral centre)
  relative to the pelvis line (left -> right hip joint centre, parallel to the inter-ASIS line),
  both projected on the plane normal to the hip-shoulder line, signed about that line pointing
  up (right-hand rule): + shoulders turned to the subject's **left** (right shoulder forward),
  as the tool defines it. Not folded: the markers never swap sides.
* ``knee_flexion_left_deg`` / ``_right_deg``: ``180 - angle(hip - knee, ankle - knee)`` in 3D
  with the hip joint centre (Harrington 2007), knee (mid LC-MC) and ankle (mid LM-MM) centres.
  0 = straight, positive = flexed. ``knee_flexion_deg`` is their mean.
* ``hand_height_cm`` (NIOSH ``V``, the middle of the grasp): height above the floor of the mean
  of the wrist centre (mid RS-US) and the index and little-finger knuckle points of both hands,
  centimetres. The knuckles have no markers: they are extrapolated from the wrist along the
  forearm (:mod:`.mocap`). The floor is the lowest foot marker (MM, LM, CC, BT of both feet)
  averaged over quiet standing: 4.4 cm above the lab floor for this trial.
* ``wrist_height_cm``: the same for the midpoint of the two wrist centres alone (markers only).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from posture.core.landmarks import LM
from posture.validation.mocap import (
    BodyAxes,
    MocapTrial,
    hip_joint_centres,
    landmarks_lab,
    shoulder_centre,
    stature_m,
    window_mask,
)

HAND_POINTS = [
    LM.LEFT_WRIST,
    LM.LEFT_INDEX,
    LM.LEFT_PINKY,
    LM.RIGHT_WRIST,
    LM.RIGHT_INDEX,
    LM.RIGHT_PINKY,
]
FOOT_MARKERS = ("MM_R", "MM_L", "LM_R", "LM_L", "CC_R", "CC_L", "BT_R", "BT_L")


@dataclass(frozen=True)
class Reference:
    """Marker-based reference series, each ``(T,)`` float64; see the module docstring."""

    t_s: np.ndarray
    trunk_flexion_deg: np.ndarray
    trunk_inclination_deg: np.ndarray
    trunk_line_flexion_deg: np.ndarray
    trunk_side_bend_deg: np.ndarray
    trunk_twist_deg: np.ndarray
    knee_flexion_left_deg: np.ndarray
    knee_flexion_right_deg: np.ndarray
    knee_flexion_deg: np.ndarray
    hand_height_cm: np.ndarray
    wrist_height_cm: np.ndarray
    floor_y_m: float
    stature_m: float

    def series(self) -> dict[str, np.ndarray]:
        """Every ``(T,)`` series by name (``t_s`` included)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def window(self, start_s: float, end_s: float | None = None) -> Reference:
        """The frames from ``start_s`` to ``end_s`` (inclusive), time restarting at 0.

        Matches :func:`~.mocap.cut_trial`: a clip cut out of the trial starts at its own 0.
        """
        keep = window_mask(self.t_s, start_s, end_s)
        cut = {name: arr[keep] for name, arr in self.series().items()}
        cut["t_s"] = cut["t_s"] - cut["t_s"][0]
        return replace(self, **cut)


def sagittal_inclination_deg(vec: np.ndarray, axes: BodyAxes) -> np.ndarray:
    """Signed angle ``(T,)`` of ``vec`` ``(T, 3)`` from vertical in the sagittal plane.

    ``vec`` is projected onto the plane of ``axes.forward`` and ``axes.up`` (each ``(3,)`` or
    per frame ``(T, 3)``); 0 = pointing up, +90 = pointing forward, -90 = pointing backward.
    """
    return np.degrees(np.arctan2(_dot(vec, axes.forward), _dot(vec, axes.up)))


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def pelvis_axes(trial: MocapTrial) -> BodyAxes:
    """Per-frame horizontal pelvis axes: ``forward``, ``left`` ``(T, 3)``, ``up`` ``(3,)``.

    ``left`` is the horizontal part of ASIS_R -> ASIS_L, ``forward = left x up``; the lab's
    ``+Y`` is up (see :func:`~.mocap.body_axes`, which checks the handedness on the PSISs).
    """
    up = np.array([0.0, 1.0, 0.0])
    left = trial["ASIS_L"] - trial["ASIS_R"]
    left = _unit(left - np.outer(left @ up, up))
    return BodyAxes(forward=np.cross(left, up), left=left, up=up)


def side_bend_deg(vec: np.ndarray, axes: BodyAxes) -> np.ndarray:
    """``(T,)`` angle of ``vec`` ``(T, 3)`` out of the sagittal plane, + toward the right."""
    return np.degrees(np.arcsin(np.clip(_dot(_unit(vec), -axes.left), -1.0, 1.0)))


def axial_rotation_deg(base: np.ndarray, turned: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """``(T,)`` signed angle from ``base`` to ``turned`` (each ``(T, 3)``) about ``axis``.

    Both are projected on the plane normal to ``axis`` ``(T, 3)``; positive is a
    counter-clockwise turn seen from the tip of ``axis`` (the right-hand rule).
    """
    k = _unit(axis)
    a = base - _dot(base, k)[:, None] * k
    b = turned - _dot(turned, k)[:, None] * k
    return np.degrees(np.arctan2(_dot(np.cross(a, b), k), _dot(a, b)))


def inclination_deg(vec: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Unsigned 3D angle ``(T,)`` between ``vec`` ``(T, 3)`` and the unit vector ``up``."""
    cos = (vec @ up) / np.linalg.norm(vec, axis=1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def flexion_deg(prox: np.ndarray, joint: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """``180 - angle(prox - joint, dist - joint)``, ``(T,)`` degrees: 0 = straight limb."""
    a, b = prox - joint, dist - joint
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def floor_height_m(trial: MocapTrial) -> float:
    """Lab ``Y`` of the floor: the lowest foot marker, averaged over quiet standing."""
    feet = np.stack([trial[m][trial.standing, 1] for m in FOOT_MARKERS], axis=1)
    return float(feet.min(axis=1).mean())


def compute_reference(trial: MocapTrial) -> Reference:
    """All marker-based reference series of a trial (definitions in the module docstring)."""
    axes = pelvis_axes(trial)
    pelvis = 0.25 * (trial["ASIS_R"] + trial["ASIS_L"] + trial["PSIS_R"] + trial["PSIS_L"])
    trunk = trial.mid("IJ", "C7") - pelvis
    hip_l, hip_r = hip_joint_centres(trial)
    gh_l, gh_r = shoulder_centre(trial, "L"), shoulder_centre(trial, "R")
    line = 0.5 * (gh_l + gh_r) - 0.5 * (hip_l + hip_r)
    knee = {s: trial.mid(f"LC_{s}", f"MC_{s}") for s in "LR"}
    ankle = {s: trial.mid(f"LM_{s}", f"MM_{s}") for s in "LR"}
    knee_l = flexion_deg(hip_l, knee["L"], ankle["L"])
    knee_r = flexion_deg(hip_r, knee["R"], ankle["R"])
    floor = floor_height_m(trial)
    wrists = 0.25 * (trial["RS_L"] + trial["US_L"] + trial["RS_R"] + trial["US_R"])
    hands = landmarks_lab(trial)[:, HAND_POINTS].mean(axis=1)
    return Reference(
        t_s=trial.t_s.copy(),
        trunk_flexion_deg=sagittal_inclination_deg(trunk, axes),
        trunk_inclination_deg=inclination_deg(trunk, axes.up),
        trunk_line_flexion_deg=sagittal_inclination_deg(line, axes),
        trunk_side_bend_deg=side_bend_deg(line, axes),
        trunk_twist_deg=axial_rotation_deg(hip_r - hip_l, gh_r - gh_l, line),
        knee_flexion_left_deg=knee_l,
        knee_flexion_right_deg=knee_r,
        knee_flexion_deg=0.5 * (knee_l + knee_r),
        hand_height_cm=100.0 * (hands[:, 1] - floor),
        wrist_height_cm=100.0 * (wrists[:, 1] - floor),
        floor_y_m=floor,
        stature_m=stature_m(trial),
    )
