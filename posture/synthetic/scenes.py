"""Synthetic scenes: lifts built from key postures, and the demo session for newcomers.

Built on the body model of :mod:`posture.synthetic.body`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any

import numpy as np

from posture.core.errors import InputError
from posture.core.landmarks import PoseRecording, PoseSequence
from posture.synthetic.body import Angles, Camera, angles, sequence

# ---------------------------------------------------------------------------------------------
# lifts and the demo session
# ---------------------------------------------------------------------------------------------
Key = tuple[float, Angles]


def interpolate(keys: Sequence[Key], fps: float) -> list[Angles]:
    """Postures at ``fps`` between timed key postures (``(t_s, Angles)``, increasing times),
    eased in and out (half-cosine) so joints start and stop smoothly."""
    times = [t for t, _ in keys]
    if len(keys) < 2 or any(b <= a for a, b in itertools.pairwise(times)):
        raise InputError("key postures need at least two, at strictly increasing times")
    out = []
    for t in np.arange(times[0], times[-1] + 0.5 / fps, 1.0 / fps):
        i = int(np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(keys) - 2))
        (t0, a0), (t1, a1) = keys[i], keys[i + 1]
        s = float(np.clip((t - t0) / (t1 - t0), 0.0, 1.0))
        s = 0.5 - 0.5 * np.cos(np.pi * s)
        vals: dict[str, Any] = {}
        for f in fields(Angles):
            v0, v1 = getattr(a0, f.name), getattr(a1, f.name)
            vals[f.name] = None if v0 is None or v1 is None else v0 + s * (v1 - v0)
        out.append(Angles(**vals))
    return out


#: Key postures of a lift; the person's yaw and twist are set by :func:`lift_keys`.
LIFT_POSTURES: dict[str, Angles] = {
    "stand": angles(elbow_flexion_deg=5.0),
    "stoop": angles(
        trunk_flexion_deg=80.0,
        knee_flexion_deg=15.0,
        upper_arm_flexion_deg=85.0,
        elbow_flexion_deg=10.0,
        neck_flexion_deg=-15.0,
    ),
    "squat": angles(
        trunk_flexion_deg=35.0,
        knee_flexion_deg=100.0,
        upper_arm_flexion_deg=40.0,
        upper_arm_abduction_deg=12.0,
        elbow_flexion_deg=10.0,
        neck_flexion_deg=-10.0,
    ),
    "carry": angles(
        trunk_flexion_deg=5.0,
        knee_flexion_deg=5.0,
        upper_arm_flexion_deg=10.0,
        elbow_flexion_deg=60.0,
    ),
    "place": angles(
        trunk_flexion_deg=20.0,
        knee_flexion_deg=10.0,
        upper_arm_flexion_deg=45.0,
        elbow_flexion_deg=30.0,
    ),
}


def lift_keys(
    style: str,
    *,
    t0: float = 0.0,
    yaw_deg: float = 90.0,
    twist_deg: float = 0.0,
    one_handed: bool = False,
) -> list[Key]:
    """Key postures of one lift starting at ``t0`` (standing), ending standing.

    Down ~1 s to the ``style`` posture (hands near the floor in front of the feet; with
    ``one_handed`` only the right one, the left arm staying along the trunk), hold, up ~1 s
    carrying the load at ~1 m, then place it (turning the trunk by ``twist_deg``, + to the
    left, with the hands reaching forward) or lower the arms.
    """
    if style not in ("stoop", "squat"):
        raise InputError(f"lift style must be 'stoop' or 'squat', got {style!r}")
    P = {k: replace(v, yaw_deg=yaw_deg) for k, v in LIFT_POSTURES.items()}
    if one_handed:
        P[style] = replace(P[style], upper_arm_flexion_left_deg=0.0, elbow_flexion_left_deg=5.0)
    steps: list[tuple[float, Angles]] = [
        (0.0, P["stand"]),
        (1.0, P[style]),
        (0.4, P[style]),
        (1.0, P["carry"]),
        (0.4, P["carry"]),
    ]
    if twist_deg:
        steps += [
            (0.8, replace(P["place"], trunk_twist_deg=twist_deg)),
            (0.4, replace(P["place"], trunk_twist_deg=twist_deg)),
        ]
    steps += [(0.8, P["stand"])]
    keys, t = [], t0
    for dt, a in steps:
        t += dt
        keys.append((t, a))
    return keys


def synthetic_lift(
    style: str = "stoop",
    *,
    fps: float = 30.0,
    duration_s: float | None = None,
    twist_deg: float = 0.0,
    yaw_deg: float = 90.0,
    stand_s: float = 1.0,
    stature_m: float = 1.75,
    camera: Camera | None = None,
    world_only: bool = False,
    image_only: bool = False,
    one_handed: bool = False,
) -> PoseSequence:
    """One lift: stand ``stand_s``, bend down (``stoop``: trunk ~80 deg, knees 15 deg;
    ``squat``: knees ~100 deg, trunk ~35 deg), hold, rise carrying the load at ~1 m, place it
    (turning the trunk by ``twist_deg`` when non-zero), stand still to ``duration_s`` (default:
    ``stand_s`` after the lift). ``one_handed``: only the right hand reaches the load."""
    keys = lift_keys(style, t0=stand_s, yaw_deg=yaw_deg, twist_deg=twist_deg, one_handed=one_handed)
    if stand_s > 0:
        keys.insert(0, (0.0, keys[0][1]))
    end = keys[-1][0] + stand_s if duration_s is None else duration_s
    if end < keys[-1][0]:
        raise InputError(f"a {style} lift needs at least {keys[-1][0]:.1f} s, got {duration_s}")
    if end > keys[-1][0]:
        keys.append((end, keys[-1][1]))
    return sequence(
        interpolate(keys, fps),
        fps=fps,
        camera=camera,
        stature_m=stature_m,
        world_only=world_only,
        image_only=image_only,
    )


def repeated_lifts(
    n: int, style: str = "squat", *, gap_s: float = 0.6, fps: float = 30.0, yaw_deg: float = 90.0
) -> PoseSequence:
    """``n`` identical lifts back to back (``gap_s`` standing between them; each ~3.6 s, so
    from the sixth on more than 4 have ended within a minute)."""
    keys: list[Key] = []
    for _ in range(n):
        keys += lift_keys(style, t0=keys[-1][0] + gap_s if keys else 0.0, yaw_deg=yaw_deg)
    return sequence(interpolate(keys, fps), fps=fps)


def demo_recording(
    *, fps: float = 30.0, seed: int = 7, stature_m: float = 1.75, noise_px: float = 1.0
) -> PoseRecording:
    """A ~25 s session for trying the tool without a camera, filmed from the side (1280x720).

    Standing, a good squat lift, standing, a bad stoop lift, standing, then the person turns
    half toward the camera (so twisting can be seen) for a squat lift that twists 40 deg while
    placing the load, and turns back. Deterministic: the noise (``noise_px`` on the image,
    ``noise_px`` x 3 mm on the world landmarks) is seeded.
    """
    side, oblique = 90.0, 45.0
    stand = LIFT_POSTURES["stand"]
    keys: list[Key] = [(0.0, replace(stand, yaw_deg=side))]
    t = 2.0  # standing still first: the tilt and size calibration
    for style, yaw, twist in (("squat", side, 0.0), ("stoop", side, 0.0), ("squat", oblique, 40.0)):
        if yaw != keys[-1][1].yaw_deg:  # turn on the spot over 1 s, then stand 1 s
            keys += [(t - 1.0, replace(stand, yaw_deg=keys[-1][1].yaw_deg))]
            keys += [(t, replace(stand, yaw_deg=yaw))]
            t += 1.0
        keys += lift_keys(style, t0=t, yaw_deg=yaw, twist_deg=twist)
        t = keys[-1][0] + 2.0
    keys += [(t - 1.0, replace(stand, yaw_deg=oblique)), (t, replace(stand, yaw_deg=side))]
    keys += [(t + 2.0, replace(stand, yaw_deg=side))]
    seq = sequence(
        interpolate(keys, fps),
        fps=fps,
        camera=Camera(image_size_px=(1280, 720), distance_m=3.3, aim_height_m=0.8),
        stature_m=stature_m,
        noise_px=noise_px,
        noise_m=0.003 * noise_px,
        seed=seed,
    )
    meta = {
        "source": "synthetic demo (posture.synthetic.demo_recording)",
        "fps": fps,
        "stature_m": stature_m,
        "description": "side view: good squat lift, bad stoop lift, squat lift twisting 40 deg",
    }
    return PoseRecording(people=(replace(seq, meta=meta),), subject_id=0, meta=meta)
