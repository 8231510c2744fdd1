"""Where gravity points in the camera's axes: the camera's pitch and roll, from every cue.

A camera on a shelf looks down (pitch), a phone held by hand is rolled: either fakes trunk
flexion and side bend unless gravity is found. Each source of evidence is a :class:`GravityCue`
with its own uncertainty; :func:`fuse` combines them into one :class:`Gravity`, saying which
were used and which were rejected as contradicting the others.

Axes are the camera's (as MediaPipe's landmarks): ``x`` to the picture's right, ``y`` down the
picture, ``z`` away from the camera. Gravity's direction ``down`` in those axes gives

* ``pitch_deg = asin(down_z)``: positive when the camera looks down (its line of sight points
  below the horizon, so "down" has a component along it);
* ``roll_deg = atan2(down_x, down_y)``: the direction a plumb line through the picture's centre
  takes in the picture, from straight down; positive toward the picture's **right**.

Cues (each optional):

* the **user**: a known pitch and roll (settings, or a calibration clip of the same camera);
* the **scene**: vertical lines' vanishing point (:mod:`posture.video.scene` measures it);
* the **person**: upright, still moments anywhere in the clip (the ankle-to-shoulder line),
  and still moments in any posture (the body's centre of mass stands over the feet).

The person alone cannot tell a small lean from a rolled camera: a standing person's
ankle-to-shoulder line leans by a few degrees. So a body cue carries that lean in its
uncertainty, a scene or user cue outweighs it, and when only the person speaks, a tilt smaller
than the lean it could be (``lean_deg``) is not corrected: the camera is taken as level and the
uncertainty says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from posture.core.geometry import rotation_between

#: Uncertainty (1 sigma, degrees) of "the camera is level" when nothing else is known: cameras
#: on tripods and tables are mostly near level, phones and shelves are not.
LEVEL_SIGMA_DEG = 10.0
#: A cue further from the others than this many combined sigmas is rejected as contradicting.
REJECT_SIGMAS = 3.0


@dataclass(frozen=True)
class GravityCue:
    """One source's estimate of the camera's pitch and roll, degrees, with 1-sigma
    uncertainties (``inf`` where the cue says nothing about that angle, e.g. the pitch from a
    picture without depth). ``kind``: ``user``, ``scene`` or ``body`` (only body cues can be a
    person's lean rather than the camera)."""

    source: str
    pitch_deg: float
    roll_deg: float
    sigma_pitch_deg: float
    sigma_roll_deg: float
    kind: str = "body"
    frames: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "kind": self.kind,
            "pitch_deg": _round(self.pitch_deg) if math.isfinite(self.sigma_pitch_deg) else None,
            "roll_deg": _round(self.roll_deg) if math.isfinite(self.sigma_roll_deg) else None,
            "sigma_pitch_deg": _round(self.sigma_pitch_deg),
            "sigma_roll_deg": _round(self.sigma_roll_deg),
            "frames": self.frames,
        }


def _round(x: float) -> float | None:
    return round(float(x), 2) if math.isfinite(x) else None


@dataclass(frozen=True)
class Gravity:
    """The camera's pitch and roll as found, their 1-sigma uncertainty, and the cues behind
    them (``sources``: used; ``rejected``: contradicted by the others; ``note``: plain words)."""

    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    sigma_pitch_deg: float = LEVEL_SIGMA_DEG
    sigma_roll_deg: float = LEVEL_SIGMA_DEG
    sources: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    note: str = "camera assumed level: nothing showed where gravity points"
    cues: tuple[GravityCue, ...] = field(default=(), compare=False)
    model_depth_lean_deg: float = 0.0

    @property
    def down(self) -> np.ndarray:
        """``(3,)`` unit vector of gravity in the camera's axes."""
        return down_vector(self.pitch_deg, self.roll_deg)

    @property
    def rotation(self) -> np.ndarray:
        """``(3, 3)``: applied as ``p @ rotation.T``, it turns the skeleton's camera axes into
        level axes (``y`` along gravity). The pose model's own lean in depth at upright moments
        (``model_depth_lean_deg``, see :func:`with_model_depth_lean`) is taken out with the
        pitch."""
        down = down_vector(self.pitch_deg + self.model_depth_lean_deg, self.roll_deg)
        return rotation_between(down, np.array([0.0, 1.0, 0.0]))

    @property
    def angle_deg(self) -> float:
        """How far the camera is from level, degrees (the tilt undone)."""
        return float(np.degrees(np.arccos(np.clip(self.down[1], -1.0, 1.0))))

    @property
    def known(self) -> bool:
        """Some cue said where gravity points (not only the level assumption)."""
        return bool(self.sources)

    def sigma_in_plane_deg(self, yaw_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(T,)`` uncertainty of "up" within the person's sagittal and frontal planes for a
        body turned ``yaw_deg`` from facing the camera: seen from the side, the camera's roll
        tilts the sagittal plane and its pitch the frontal one; from the front, the reverse."""
        s, c = np.abs(np.sin(np.radians(yaw_deg))), np.abs(np.cos(np.radians(yaw_deg)))
        sp, sr = self.sigma_pitch_deg, self.sigma_roll_deg
        return np.hypot(sr * s, sp * c), np.hypot(sr * c, sp * s)

    def as_dict(self) -> dict[str, object]:
        return {
            "pitch_deg": _round(self.pitch_deg),
            "roll_deg": _round(self.roll_deg),
            "sigma_pitch_deg": _round(self.sigma_pitch_deg),
            "sigma_roll_deg": _round(self.sigma_roll_deg),
            "tilt_deg": _round(self.angle_deg),
            "model_depth_lean_deg": _round(self.model_depth_lean_deg),
            "sources": list(self.sources),
            "rejected": list(self.rejected),
            "note": self.note,
            "cues": [c.as_dict() for c in self.cues],
        }


LEVEL = Gravity()


def down_vector(pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Gravity's unit vector in camera axes for a camera pitched and rolled so."""
    p, r = math.radians(pitch_deg), math.radians(roll_deg)
    return np.array([math.sin(r) * math.cos(p), math.cos(r) * math.cos(p), math.sin(p)])


def pitch_roll_deg(down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pitch and roll (degrees) of gravity directions ``(..., 3)`` in camera axes (any length;
    NaN where undefined)."""
    d = np.asarray(down, dtype=np.float64)
    n = np.linalg.norm(d, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pitch = np.degrees(np.arcsin(np.clip(d[..., 2] / n, -1.0, 1.0)))
    roll = np.degrees(np.arctan2(d[..., 0], d[..., 1]))
    return pitch, np.where(np.isfinite(pitch), roll, np.nan)


def _combine(values: np.ndarray, sigmas: np.ndarray) -> tuple[float, float]:
    """Inverse-variance mean and its sigma over the finite-sigma entries (nan, inf if none)."""
    ok = np.isfinite(sigmas) & np.isfinite(values)
    if not ok.any():
        return float("nan"), float("inf")
    w = 1.0 / np.maximum(sigmas[ok], 1e-3) ** 2
    return float(np.sum(w * values[ok]) / np.sum(w)), float(1.0 / math.sqrt(np.sum(w)))


def _outliers(cues: Sequence[GravityCue]) -> list[int]:
    """Indices of cues that contradict the combination of all the others (worst first)."""
    out: list[int] = []
    for i, c in enumerate(cues):
        rest = [k for k in range(len(cues)) if k != i]
        if not rest:
            continue
        for val, sig, others in (
            (
                c.pitch_deg,
                c.sigma_pitch_deg,
                [(cues[k].pitch_deg, cues[k].sigma_pitch_deg) for k in rest],
            ),
            (
                c.roll_deg,
                c.sigma_roll_deg,
                [(cues[k].roll_deg, cues[k].sigma_roll_deg) for k in rest],
            ),
        ):
            m, s = _combine(*map(np.array, zip(*others, strict=True)))
            if (
                math.isfinite(sig)
                and math.isfinite(s)
                and abs(val - m) > REJECT_SIGMAS * math.hypot(sig, s)
            ):
                out.append(i)
                break
    return out


def fuse(
    cues: Sequence[GravityCue], *, lean_deg: float = 5.0, max_tilt_deg: float = 40.0
) -> Gravity:
    """One estimate from all cues.

    Each angle is the inverse-variance mean of the cues that speak about it; a cue that
    contradicts the others (beyond ``REJECT_SIGMAS``) is left out, the least certain first.
    Without a user or scene cue, a tilt within ``lean_deg`` is not corrected (it could be the
    person's lean) and one beyond ``max_tilt_deg`` is not trusted.
    """
    kept = list(cues)
    rejected: list[str] = []
    while len(kept) > 1 and (bad := _outliers(kept)):
        worst = max(bad, key=lambda i: min(kept[i].sigma_pitch_deg, kept[i].sigma_roll_deg))
        rejected.append(kept.pop(worst).source)
    if not kept:
        return LEVEL
    pitch, sp = _combine(
        np.array([c.pitch_deg for c in kept]), np.array([c.sigma_pitch_deg for c in kept])
    )
    roll, sr = _combine(
        np.array([c.roll_deg for c in kept]), np.array([c.sigma_roll_deg for c in kept])
    )
    notes = []
    body_only = all(c.kind == "body" for c in kept)
    if body_only and max(abs(np.nan_to_num(pitch)), abs(np.nan_to_num(roll))) > max_tilt_deg:
        return Gravity(
            sources=(),
            rejected=(*rejected, *(c.source for c in kept)),
            note=f"the person's posture suggested a tilt beyond {max_tilt_deg:.0f} deg: not "
            "trusted, camera assumed level",
            cues=tuple(cues),
        )
    if not math.isfinite(sp):  # nothing about the pitch: assumed level
        pitch, sp = 0.0, LEVEL_SIGMA_DEG
        notes.append("pitch not seen, assumed level")
    if not math.isfinite(sr):
        roll, sr = 0.0, LEVEL_SIGMA_DEG
        notes.append("roll not seen, assumed level")
    if body_only:
        if abs(pitch) < lean_deg:
            pitch, sp = 0.0, max(sp, abs(pitch))
        if abs(roll) < lean_deg:
            roll, sr = 0.0, max(sr, abs(roll))
        if pitch == 0.0 and roll == 0.0:
            notes.append(f"within {lean_deg:.0f} deg of level: not told from the person's lean")
    return Gravity(
        pitch,
        roll,
        sp,
        sr,
        tuple(c.source for c in kept),
        tuple(rejected),
        "; ".join(notes) or "found",
        tuple(cues),
    )


#: The largest lean in depth the pose model is believed to give an upright person (a larger
#: difference between the person's and the camera's pitch is a person who leans, or a wrong
#: camera estimate, and is left alone).
MAX_MODEL_DEPTH_LEAN_DEG = 20.0


def with_model_depth_lean(gravity: Gravity, lean_deg: float) -> Gravity:
    """The gravity with the pose model's lean in depth (see
    :func:`posture.core.body.model_depth_lean`) taken out of the skeleton, unless it is larger
    than ``MAX_MODEL_DEPTH_LEAN_DEG`` (then it is a person who leans, or a wrong camera
    estimate, and is left alone). The camera's reported pitch is unchanged."""
    if not math.isfinite(lean_deg) or abs(lean_deg) > MAX_MODEL_DEPTH_LEAN_DEG:
        return gravity
    note = f"{gravity.note}; the pose model's depth leaned the upright trunk {lean_deg:+.1f} deg"
    return replace(gravity, model_depth_lean_deg=float(lean_deg), note=note)
