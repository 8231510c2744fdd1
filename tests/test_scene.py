"""The camera's gravity from the scene (posture.video.scene) on synthetic pictures of a room
seen by a known camera: exact vanishing points, known pitch, roll and focal length."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scene_pictures import draw, focal_px, room_picture

from posture.core.config import DEFAULTS, override
from posture.video.scene import SceneSampler, estimate_scene_gravity, still_groups
from posture.video.scene_fit import Fit

SIZE = (960, 540)


@pytest.mark.parametrize(
    ("pitch", "roll", "hfov", "size"),
    [
        (0.0, 0.0, 60.0, SIZE),  # level: the verticals meet at infinity
        (20.0, -15.0, 60.0, SIZE),
        (30.0, 25.0, 45.0, (540, 960)),  # portrait, a narrow lens
        (-10.0, 5.0, 70.0, SIZE),  # looking up: the verticals meet above the picture
        (10.0, 40.0, 80.0, SIZE),
        (40.0, 0.0, 60.0, SIZE),
    ],
)
def test_pitch_and_roll_of_a_known_camera_with_its_field_of_view(
    pitch: float, roll: float, hfov: float, size: tuple[int, int]
) -> None:
    g = estimate_scene_gravity([room_picture(pitch, roll, hfov, size)], None, size, hfov)
    assert g.found, g.reason
    assert g.focal_source == "given"
    assert g.pitch_deg == pytest.approx(pitch, abs=1.0)
    assert g.roll_deg == pytest.approx(roll, abs=0.5)
    assert g.roll_sigma_deg < 1.5 and g.pitch_sigma_deg < 3.0


@pytest.mark.parametrize(
    ("pitch", "roll", "hfov"), [(20.0, 15.0, 60.0), (30.0, -25.0, 45.0), (10.0, -40.0, 80.0)]
)
def test_the_focal_length_comes_from_the_scene_when_it_shows_horizontal_directions(
    pitch: float, roll: float, hfov: float
) -> None:
    # the room is turned 25 deg: both horizontal directions meet at finite points
    g = estimate_scene_gravity([room_picture(pitch, roll, hfov, SIZE)], None, SIZE)
    assert g.focal_source == "estimated", g.reason
    assert g.focal_px == pytest.approx(focal_px(hfov, SIZE[0]), rel=0.03)
    assert g.pitch_deg == pytest.approx(pitch, abs=1.5)
    assert g.roll_deg == pytest.approx(roll, abs=0.5)


def test_without_the_focal_length_the_pitch_is_uncertain_not_wrong() -> None:
    # the room squarely in front: one horizontal direction is parallel to the picture, so
    # the scene cannot give the focal length; the assumed lens is far off (true 40 deg)
    img = room_picture(12.0, 10.0, 40.0, SIZE, yaw_deg=0.0)
    g = estimate_scene_gravity([img], None, SIZE)
    assert g.found, g.reason
    assert g.focal_source == "assumed"
    assert g.pitch_sigma_deg > 5.0
    assert abs(g.pitch_deg - 12.0) > 3.0  # the control: the assumed lens does mislead
    assert abs(g.pitch_deg - 12.0) < g.pitch_sigma_deg
    assert g.roll_deg == pytest.approx(10.0, abs=0.5)


def test_a_level_camera_reads_level_whatever_the_lens() -> None:
    g = estimate_scene_gravity([room_picture(0.0, 0.0, 40.0, SIZE, yaw_deg=0.0)], None, SIZE)
    assert g.focal_source == "assumed"
    assert abs(g.pitch_deg) < 0.5 and g.pitch_sigma_deg < 1.5
    assert abs(g.roll_deg) < 0.5


@pytest.mark.parametrize(("roll", "side"), [(12.0, 1), (-12.0, -1)])
def test_roll_sign_follows_where_gravity_points_in_the_picture(roll: float, side: int) -> None:
    # CAMERAS.md: "13.4 deg from straight down, toward the picture's left" is roll -13.4
    g = estimate_scene_gravity([room_picture(15.0, roll, 60.0, SIZE)], None, SIZE, 60.0)
    assert g.roll_deg == pytest.approx(roll, abs=0.5)
    assert np.sign(g.down_xy[0]) == side
    assert g.vanishing_point_px is not None
    assert np.sign(g.vanishing_point_px[0] - SIZE[0] / 2) == side  # below, to that side


def test_a_plain_picture_gives_no_estimate_and_says_why() -> None:
    g = estimate_scene_gravity([draw(np.zeros((0, 4)), SIZE)], None, SIZE)
    assert not g.found
    assert math.isnan(g.pitch_deg) and math.isnan(g.roll_deg)
    assert "plain" in g.reason


@pytest.mark.parametrize("pitch", [40.0, 45.0, 50.0])
@pytest.mark.parametrize("yaw", [0.0, 25.0, 45.0])
@pytest.mark.parametrize("hfov", [60.0, None])
def test_a_floor_alone_never_passes_for_verticals(
    pitch: float, yaw: float, hfov: float | None
) -> None:
    # tiles seen from high up: two horizontal directions, no vertical one; either could
    # pass for the verticals of a camera looking up
    img = room_picture(pitch, 20.0, 60.0, SIZE, yaw, walls=False)
    g = estimate_scene_gravity([img], None, SIZE, hfov)
    assert not g.found or (
        abs(g.pitch_deg - pitch) < 2 * g.pitch_sigma_deg and abs(g.roll_deg - 20.0) < 2
    ), g


def _leaning_people() -> tuple[np.ndarray, np.ndarray]:
    """Three people of four long edges each, the edges of all of them meeting far above and
    to the right of the picture, 14 deg off its vertical seen from its centre (bodies
    leaning, not plumb), and their boxes."""
    x = np.concatenate([start + np.arange(4) * 45.0 for start in (120.0, 400.0, 680.0)])
    vp = np.array([480.0 + 4000 * math.tan(math.radians(15)), -4000.0])
    bottom = np.column_stack([x, np.full(12, 500.0)])
    top = bottom + (vp - bottom) * (440 / (bottom[:, 1] - vp[1]))[:, None]
    boxes = np.array([[s - 40, 30, s + 215, 520] for s in (120.0, 400.0, 680.0)]) / [*SIZE, *SIZE]
    return np.column_stack([top, bottom]), boxes


def test_lines_on_people_are_left_out() -> None:
    edges, boxes = _leaning_people()
    img = draw(edges, SIZE)
    unmasked = estimate_scene_gravity([img], None, SIZE, 60.0)
    assert unmasked.found, unmasked.reason  # the control: unmasked, these edges make a tilt
    assert unmasked.roll_deg == pytest.approx(-14.1, abs=1.0)  # gravity to the left
    masked = estimate_scene_gravity([img], [boxes], SIZE, 60.0)
    assert not masked.found, masked


def test_many_edges_of_one_thing_do_not_make_an_estimate() -> None:
    # one person's outline: a dozen close edges, all leaning alike, is one object
    edges, _ = _leaning_people()
    one = edges[4:8].copy()
    shifts = [np.array([dx, 0.0, dx, 0.0]) for dx in (-20.0, -10.0, 0.0, 10.0)]
    many = np.concatenate([one + shift for shift in shifts])
    g = estimate_scene_gravity([draw(many, SIZE)], None, SIZE, 60.0)
    assert not g.found, g


def test_black_bars_are_not_verticals() -> None:
    # a rolled camera's picture in the middle of a pillarboxed frame
    inner = room_picture(15.0, 10.0, 60.0, (540, 540))
    img = np.zeros((540, 960, 3), np.uint8)
    img[:, 210:750] = inner
    g = estimate_scene_gravity([img], None, SIZE)
    assert g.found, g.reason
    assert g.roll_deg == pytest.approx(10.0, abs=0.7)


def test_a_camera_that_moved_gives_one_estimate_per_still_part() -> None:
    frames = [room_picture(15.0, 0.0, 60.0, SIZE)] * 3 + [room_picture(15.0, 12.0, 60.0, SIZE)] * 3
    g = estimate_scene_gravity(frames, None, SIZE, 60.0, t_s=np.arange(6) * 0.5)
    assert g.moving and not g.found
    assert "moved" in g.reason
    assert [w.t_s for w in g.windows] == [(0.0, 1.0), (1.5, 2.5)]
    assert [round(w.roll_deg) for w in g.windows] == [0, 12]


def test_a_hand_held_camera_gives_no_estimate() -> None:
    frames = [room_picture(15.0, r, 60.0, SIZE) for r in (0.0, 8.0, -6.0, 14.0, 3.0, -10.0)]
    g = estimate_scene_gravity(frames, None, SIZE, 60.0)
    assert g.moving and not g.found
    assert "all the time" in g.reason


def test_a_still_camera_pools_its_frames() -> None:
    frames = [room_picture(15.0, 5.0, 60.0, SIZE)] * 4
    g = estimate_scene_gravity(frames, None, SIZE, 60.0)
    assert g.found and not g.moving
    assert g.n_frames == 4


def _fit(roll: float, sigma: float = 0.3) -> Fit:
    return Fit(0, roll, 1, 1, 800, "given", 10, 5, 1, None, "", 0.0, sigma, sigma)


def test_a_lone_disagreeing_frame_is_an_outlier_not_a_move() -> None:
    fits = [_fit(0), _fit(0.2), _fit(9), _fit(0.1), _fit(-0.1)]
    assert still_groups(fits, 2.0) == [[0, 1, 2, 3, 4]]
    fits = [_fit(0), _fit(0.2), _fit(9), _fit(9.1), _fit(9.2)]
    assert still_groups(fits, 2.0) == [[0, 1], [2, 3, 4]]


def test_the_sampler_keeps_a_bounded_spread_of_frames() -> None:
    settings = override(DEFAULTS, {"scene": {"max_frames": 8, "sample_interval_s": 0.5}})
    sampler = SceneSampler(settings)
    blank = np.full((60, 80, 3), 128, np.uint8)
    kept = [sampler.offer(i, i / 30, blank) for i in range(600)]  # 20 s at 30 fps
    sample = sampler.sample
    assert sum(kept) >= 8 and len(sample.t_s) <= 8
    assert sample.t_s[0] == 0.0 and sample.t_s[-1] > 14.0  # spread over the whole clip
    assert np.all(np.diff(sample.t_s) > 0)
    assert sample.size == (80, 60)


def test_the_result_is_plain_json() -> None:
    found = estimate_scene_gravity([room_picture(15.0, 5.0, 60.0, SIZE)], None, SIZE)
    missing = estimate_scene_gravity([draw(np.zeros((0, 4)), SIZE)], None, SIZE)
    for g in (found, missing):
        text = json.dumps(g.as_dict(), allow_nan=False)
        assert json.loads(text)["found"] is g.found


def test_a_size_that_is_not_the_frames_is_refused() -> None:
    with pytest.raises(ValueError, match="size"):
        estimate_scene_gravity([room_picture(0, 0)], None, (100, 100))
