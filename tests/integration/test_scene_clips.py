"""The camera's gravity from the scene on the real clips: the two calibrated cameras of
``../shared/media/CAMERAS.md`` within 3 deg of their true pitch and roll, and no confident
number where the scene cannot tell (a plain background). The people are left out with the
landmarks of the real pose model (the pipeline's run of each clip)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from posture.video.io import read_frame
from posture.video.scene import (
    SceneGravity,
    SceneSample,
    estimate_scene_gravity,
    people_at,
    sample_scene,
    scene_gravity_of_video,
)

from .conftest import Runs, clip_path

pytestmark = pytest.mark.media

#: CAMERAS.md (from the lab calibration): pitch below the horizontal, and gravity in the
#: picture from straight down, + toward the picture's left; focal length in pixels.
TRUTH = {
    "static_upright_rear_oblique": (22.5, -13.4, 1681.0),
    "static_upright_tilted_camera": (21.8, 26.1, 1675.0),
}


def _scene(runs: Runs, clip: str, hfov_deg: float | None = None) -> SceneGravity:
    sample = sample_scene(clip_path(clip))
    people = people_at(runs.clip(clip).recording, sample)
    return estimate_scene_gravity(sample, people, hfov_deg=hfov_deg)


@pytest.mark.parametrize("clip", sorted(TRUTH))
@pytest.mark.parametrize("lens", ["given", "estimated"])
def test_calibrated_cameras_pitch_and_roll_within_3_deg(runs: Runs, clip: str, lens: str) -> None:
    pitch, roll, focal = TRUTH[clip]
    width = 1088 if "rear" in clip else 1080
    hfov = math.degrees(2 * math.atan(width / 2 / focal)) if lens == "given" else None
    g = _scene(runs, clip, hfov)
    assert g.found, g.reason
    assert g.focal_source == lens
    assert abs(g.pitch_deg - pitch) <= 3.0, g
    assert abs(g.roll_deg - roll) <= 3.0, g
    assert abs(g.pitch_deg - pitch) <= 2 * g.pitch_sigma_deg + 1.0  # and says how sure
    if lens == "estimated":
        assert g.focal_px == pytest.approx(focal, rel=0.1)


def test_a_plain_background_gives_no_estimate(runs: Runs) -> None:
    clip = "bodyweight_squats_side"
    g = scene_gravity_of_video(clip_path(clip), runs.clip(clip).recording)
    assert not g.found
    assert "plain background" in g.reason


def _rotated(
    rgb: np.ndarray, people: np.ndarray, angle_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """The picture turned by ``angle_deg`` (counter-clockwise on screen) about its centre, as a
    camera rolled by that much would see it, cropped to the largest centred rectangle of the
    same shape (no black corners), and the people's normalised landmarks moved with it."""
    h, w = rgb.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    a = math.radians(abs(angle_deg))
    scale = 1 / (math.cos(a) + max(w / h, h / w) * math.sin(a))
    cw, ch = int(w * scale) // 2 * 2, int(h * scale) // 2 * 2
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    crop = np.ascontiguousarray(cv2.warpAffine(rgb, turn, (w, h))[y0 : y0 + ch, x0 : x0 + cw])
    pts = people * [w, h]
    pts = np.concatenate([pts, np.ones((*pts.shape[:-1], 1))], axis=-1) @ turn.T
    return crop, (pts - [x0, y0]) / [cw, ch]


@pytest.mark.parametrize("clip", sorted(TRUTH))
@pytest.mark.parametrize("angle", [-10.0, 10.0])
def test_a_picture_turned_by_a_known_angle_turns_the_roll_by_it(
    runs: Runs, clip: str, angle: float
) -> None:
    pitch, roll, focal = TRUTH[clip]
    rgb = read_frame(clip_path(clip), 0.05)
    assert rgb is not None
    size = (rgb.shape[1], rgb.shape[0])
    at = SceneSample((np.zeros((0, 4)),), np.array([0.05]), np.array([-1]), (None,), size)
    people = people_at(runs.clip(clip).recording, at)[0]
    turned, moved = _rotated(rgb, people, angle)
    hfov = math.degrees(2 * math.atan(turned.shape[1] / 2 / focal))
    g = estimate_scene_gravity([turned], [moved], hfov_deg=hfov)
    assert g.found, g.reason
    # counter-clockwise on screen turns gravity toward the picture's right: roll goes up
    assert g.roll_deg == pytest.approx(roll + angle, abs=1.0)
    assert abs(g.pitch_deg - pitch) <= 3.0
