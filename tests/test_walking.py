"""Gravity from walking: the planted feet's line gives the roll of a camera seeing a walk
across the picture."""

from __future__ import annotations

import numpy as np
import pytest

from posture import synthetic
from posture.core.body import body_frame, build_skeleton, still_frames
from posture.core.config import DEFAULTS
from posture.core.landmarks import PoseSequence
from posture.core.walking import walking_cue


def gait(t_s: np.ndarray, phase: float) -> tuple[np.ndarray, np.ndarray]:
    """Hip and knee flexion of one leg walking at 1 stride/s (stance 60 %, swing 40 %)."""
    c = (t_s + phase) % 1.0
    stance = c < 0.6
    hip = np.where(stance, 25 - 45 * c / 0.6, -20 + 45 * (c - 0.6) / 0.4)
    knee = np.where(stance, 5.0, 5 + 55 * np.sin(np.pi * (c - 0.6) / 0.4))
    return hip, knee


def walk(yaw_deg: float, roll_deg: float, n: int = 90, speed_m_s: float = 1.2) -> PoseSequence:
    """Walking across (yaw 90) or toward the camera, seen by a camera rolled ``roll_deg``."""
    t = np.arange(n) / 30
    (hl, kl), (hr, kr) = gait(t, 0.0), gait(t, 0.5)
    along = speed_m_s * t - 1.5
    postures = [
        synthetic.Angles(
            yaw_deg=yaw_deg,
            hip_flexion_left_deg=float(hl[i]),
            hip_flexion_right_deg=float(hr[i]),
            knee_flexion_left_deg=float(kl[i]),
            knee_flexion_right_deg=float(kr[i]),
            x_m=float(along[i]) if yaw_deg == 90 else 0.0,
            z_m=0.0 if yaw_deg == 90 else -float(along[i]),
        )
        for i in range(n)
    ]
    camera = synthetic.Camera(roll_deg=roll_deg, pitch_deg=10.0, distance_m=5.0)
    return synthetic.sequence(postures, camera=camera, image_only=True)


def moving(seq: PoseSequence) -> np.ndarray:
    return ~still_frames(seq, build_skeleton(seq).points) & seq.pose_found


@pytest.mark.parametrize("roll", [-12.0, 0.0, 8.0])
def test_a_walk_across_the_picture_gives_the_cameras_roll(roll: float) -> None:
    seq = walk(90, roll)
    cue = walking_cue(seq, moving(seq))
    assert cue is not None
    # the planted feet's line: the feet plant forward of the hips, a step apart
    assert cue.roll_deg == pytest.approx(roll, abs=2.0)
    assert not np.isfinite(cue.sigma_pitch_deg)  # a floor line says nothing of the pitch
    g = body_frame(seq, DEFAULTS.view).gravity
    assert "the line the feet walk along" in g.sources
    assert g.roll_deg == pytest.approx(roll, abs=2.0)


def test_a_walk_toward_the_camera_is_not_used() -> None:
    seq = walk(0, 10.0)
    assert walking_cue(seq, moving(seq)) is None


def test_standing_still_is_no_walk() -> None:
    seq = synthetic.sequence([synthetic.angles(yaw_deg=90)] * 60, image_only=True)
    assert walking_cue(seq, moving(seq)) is None
