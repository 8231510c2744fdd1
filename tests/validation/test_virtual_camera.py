"""The virtual pinhole camera: placement (yaw, height, pitch, roll), world landmarks,
projection, npz output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posture import synthetic
from posture.core.errors import InputError
from posture.core.landmarks import LM, load_npz, save_npz
from posture.validation.camera import (
    VirtualCamera,
    camera_pose,
    image_landmarks,
    render_view,
    world_landmarks,
)
from posture.validation.mocap import BodyAxes, MocapTrial, body_axes, landmarks_lab
from posture.validation.reference import Reference
from posture.validation.run import aim_point

# Subject faces lab +X, left is lab -Z, up is lab +Y (forward x left = up).
AXES = BodyAxes(
    forward=np.array([1.0, 0.0, 0.0]), left=np.array([0.0, 0.0, -1.0]), up=np.array([0, 1.0, 0])
)
RIGHT = -AXES.left
HIP = np.array([0.0, 0.9, 0.0])


def _pose_with(points: dict[LM, list[float]]) -> np.ndarray:
    """One frame ``(1, 33, 3)``: hips around ``HIP``, other given points, the rest at HIP."""
    xyz = np.tile(HIP, (1, 33, 1)).astype(np.float64)
    xyz[0, LM.LEFT_HIP] = HIP + 0.1 * AXES.left
    xyz[0, LM.RIGHT_HIP] = HIP - 0.1 * AXES.left
    for lm, p in points.items():
        xyz[0, lm] = p
    return xyz


@pytest.mark.parametrize(
    ("yaw_deg", "where", "image_right"),
    [
        (0.0, AXES.forward, AXES.left),  # in front: the subject's left on the image's right
        (90.0, RIGHT, AXES.forward),  # the subject's right side: facing the image's right
        (180.0, -AXES.forward, RIGHT),  # behind: the subject's right on the image's right
        (-90.0, AXES.left, -AXES.forward),  # the left side: facing the image's left
    ],
)
def test_yaw_places_the_camera_around_the_subject(
    yaw_deg: float, where: np.ndarray, image_right: np.ndarray
) -> None:
    pose = camera_pose(VirtualCamera(yaw_deg=yaw_deg, height_m=0.9), AXES, HIP)
    assert pose.centre == pytest.approx(HIP + 4.0 * where)
    assert pose.rotation[0] == pytest.approx(image_right)
    assert pose.rotation[1] == pytest.approx(-AXES.up)  # level: image down is gravity
    assert pose.rotation[2] == pytest.approx(-where)
    assert pose.pitch_deg == pytest.approx(0.0, abs=1e-9)
    assert pose.roll_deg == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("height_m", [1.6, 2.5])
def test_aimed_camera_looks_down_by_the_height_it_stands_above_the_aim(height_m: float) -> None:
    pose = camera_pose(VirtualCamera(height_m=height_m, distance_m=4.0), AXES, HIP)
    assert pose.pitch_deg == pytest.approx(np.degrees(np.arctan((height_m - 0.9) / 4.0)))
    assert pose.rotation @ pose.rotation.T == pytest.approx(np.eye(3))
    assert np.linalg.det(pose.rotation) == pytest.approx(1.0)


@pytest.mark.parametrize("pitch_deg", [-10.0, 0.0, 17.0, 30.0])
@pytest.mark.parametrize("roll_deg", [-25.0, 0.0, 13.4, 26.1])
@pytest.mark.parametrize("yaw_deg", [0.0, 45.0, 180.0, -135.0])
def test_pitch_and_roll_are_set_directly(pitch_deg: float, roll_deg: float, yaw_deg: float) -> None:
    cam = VirtualCamera(yaw_deg=yaw_deg, height_m=2.0, pitch_deg=pitch_deg, roll_deg=roll_deg)
    pose = camera_pose(cam, AXES, HIP)
    assert pose.centre @ AXES.up == pytest.approx(2.0)  # the height does not set the pitch
    assert pose.pitch_deg == pytest.approx(pitch_deg)
    assert pose.roll_deg == pytest.approx(roll_deg)
    # Gravity in the camera's axes: (sin roll cos pitch, cos roll cos pitch, sin pitch).
    p, r = np.radians(pitch_deg), np.radians(roll_deg)
    down = pose.rotation @ -AXES.up
    assert down == pytest.approx([np.sin(r) * np.cos(p), np.cos(r) * np.cos(p), np.sin(p)])
    assert pose.rotation @ pose.rotation.T == pytest.approx(np.eye(3))
    assert np.linalg.det(pose.rotation) == pytest.approx(1.0)


@pytest.mark.parametrize("roll_deg", [-25.0, 10.0, 26.1])
def test_a_plumb_line_through_the_picture_centre_leans_by_the_roll(roll_deg: float) -> None:
    """CAMERAS.md's wording: gravity in the picture, degrees from straight down, + right."""
    cam = VirtualCamera(yaw_deg=30.0, height_m=1.9, roll_deg=roll_deg)  # aimed at HIP
    below = HIP - 0.5 * AXES.up
    xyz = _pose_with({LM.NOSE: HIP.tolist(), LM.LEFT_ANKLE: below.tolist()})
    img = image_landmarks(xyz, camera_pose(cam, AXES, HIP), cam)
    w, h = cam.image_size_px
    centre, foot = img[0, LM.NOSE, :2] * (w, h), img[0, LM.LEFT_ANKLE, :2] * (w, h)
    assert centre == pytest.approx([w / 2, h / 2])
    d = foot - centre
    assert np.degrees(np.arctan2(d[0], d[1])) == pytest.approx(roll_deg)


def test_an_explicit_pitch_moves_the_subject_off_the_picture_centre() -> None:
    aimed = VirtualCamera(yaw_deg=90.0, height_m=2.5, distance_m=4.0)
    steeper = VirtualCamera(yaw_deg=90.0, height_m=2.5, distance_m=4.0, pitch_deg=30.0)
    aim = _pose_with({LM.NOSE: HIP.tolist()})
    y_aimed = image_landmarks(aim, camera_pose(aimed, AXES, HIP), aimed)[0, LM.NOSE, 1]
    y_steep = image_landmarks(aim, camera_pose(steeper, AXES, HIP), steeper)[0, LM.NOSE, 1]
    assert y_aimed == pytest.approx(0.5)
    # Looking further down than the aim: the aim point sits above the centre, by the extra
    # pitch (it lies in the vertical plane of the optical axis).
    extra = np.radians(30.0) - np.arctan(1.6 / 4.0)
    assert y_steep * 720 == pytest.approx(360 - steeper.focal_px * np.tan(extra))


@pytest.mark.parametrize(
    ("yaw_deg", "pitch_deg", "roll_deg"), [(90.0, 0.0, 0.0), (0.0, 22.0, 26.0), (-135.0, 30, -25)]
)
def test_world_landmarks_agree_with_the_synthetic_camera(
    yaw_deg: float, pitch_deg: float, roll_deg: float
) -> None:
    """Two independent cameras, one convention: the virtual camera at ``yaw`` sees what the
    synthetic module's camera sees of a person turned by the same yaw."""
    posture = synthetic.angles(yaw_deg=0.0, trunk_flexion_deg=40.0, trunk_twist_deg=20.0)
    body = synthetic.body_points(posture)  # (forward, up, right) = lab (X, Y, Z)
    cam = VirtualCamera(yaw_deg=yaw_deg, height_m=1.5, pitch_deg=pitch_deg, roll_deg=roll_deg)
    mine = world_landmarks(body[None] + HIP, camera_pose(cam, AXES, HIP))
    seq = synthetic.sequence(
        [synthetic.angles(yaw_deg=yaw_deg, trunk_flexion_deg=40.0, trunk_twist_deg=20.0)],
        camera=synthetic.Camera(pitch_deg=pitch_deg, roll_deg=roll_deg),
        world_only=True,
    )
    assert mine[0] == pytest.approx(seq.world_xyz_m[0], abs=1e-5)


def test_world_landmarks_have_the_mid_hip_origin_and_camera_axes() -> None:
    head = HIP + 0.6 * AXES.up + 0.2 * AXES.forward
    xyz = _pose_with({LM.NOSE: head.tolist()})
    pose = camera_pose(VirtualCamera(yaw_deg=90.0, height_m=0.9), AXES, HIP)
    # The origin is the mid-hip point of each frame, wherever the subject is in the lab.
    world = world_landmarks(xyz + np.array([5.0, 0.0, 3.0]), pose)
    mid = 0.5 * (world[0, LM.LEFT_HIP] + world[0, LM.RIGHT_HIP])
    assert mid == pytest.approx([0.0, 0.0, 0.0])
    assert world[0, LM.NOSE] == pytest.approx([0.2, -0.6, 0.0])  # forward = x, up = -y


@pytest.mark.parametrize("lean_deg", [0.0, 20.0, 60.0, 93.0])
@pytest.mark.parametrize("height_m", [0.9, 1.6])
def test_side_view_keeps_sagittal_angles_in_the_image(lean_deg: float, height_m: float) -> None:
    lean = np.radians(lean_deg)
    shoulder = HIP + 0.5 * (np.cos(lean) * AXES.up + np.sin(lean) * AXES.forward)
    xyz = _pose_with({LM.LEFT_SHOULDER: shoulder.tolist(), LM.RIGHT_SHOULDER: shoulder.tolist()})
    cam = VirtualCamera(yaw_deg=90.0, height_m=height_m)
    img = image_landmarks(xyz, camera_pose(cam, AXES, HIP), cam)
    d = (img[0, LM.LEFT_SHOULDER, :2] - img[0, LM.LEFT_HIP, :2]) * cam.image_size_px
    angle = np.degrees(np.arctan2(d[0], -d[1]))
    # Level camera: exact up to perspective; a 10 deg pitch bends the image angle a little.
    assert angle == pytest.approx(lean_deg, abs=0.5 if height_m == 0.9 else 4.0)


def test_projection_matches_the_pinhole_formula() -> None:
    cam = VirtualCamera(yaw_deg=90.0, height_m=0.9, distance_m=4.0, image_size_px=(1000, 500))
    p = HIP + 0.5 * AXES.forward + 0.3 * AXES.up - 1.0 * AXES.left  # 1 m nearer the camera
    xyz = _pose_with({LM.NOSE: p.tolist()})
    img = image_landmarks(xyz, camera_pose(cam, AXES, HIP), cam)
    f = cam.focal_px
    assert f == pytest.approx(500.0 / np.tan(np.radians(32.5)))
    assert img[0, LM.NOSE, 0] == pytest.approx((500 + f * 0.5 / 3.0) / 1000)
    assert img[0, LM.NOSE, 1] == pytest.approx((250 - f * 0.3 / 3.0) / 500)
    assert img[0, LM.NOSE, 2] == pytest.approx(-1.0 * f / 4.0 / 1000)  # nearer: negative
    assert img[0, LM.LEFT_HIP, :2] == pytest.approx([0.5, 0.5], abs=1e-2)
    mid_hip_z = 0.5 * (img[0, LM.LEFT_HIP, 2] + img[0, LM.RIGHT_HIP, 2])
    assert mid_hip_z == pytest.approx(0.0)


def test_points_behind_the_camera_are_nan() -> None:
    cam = VirtualCamera(yaw_deg=90.0, height_m=0.9, distance_m=4.0)
    behind = HIP + 5.0 * RIGHT
    img = image_landmarks(_pose_with({LM.NOSE: behind.tolist()}), camera_pose(cam, AXES, HIP), cam)
    assert np.isnan(img[0, LM.NOSE]).all()
    assert np.isfinite(img[0, LM.LEFT_HIP]).all()


@pytest.mark.parametrize(
    "bad",
    [
        dict(distance_m=0.0),
        dict(image_size_px=(0, 720)),
        dict(hfov_deg=180.0),
        dict(pitch_deg=95.0),
        dict(roll_deg=-120.0),
    ],
)
def test_invalid_cameras_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(InputError):
        VirtualCamera(**bad)  # type: ignore[arg-type]


def test_render_view_splits_the_3d_and_2d_paths(tmp_path: Path) -> None:
    xyz = np.concatenate([_pose_with({}), _pose_with({})])
    cam = VirtualCamera(yaw_deg=30.0, height_m=1.6, pitch_deg=12.0, roll_deg=-8.0)
    world, image = render_view(xyz, np.array([0.0, 0.1]), cam, camera_pose(cam, AXES, HIP))
    assert np.isfinite(world.subject.world_xyz_m).all()
    assert np.isnan(world.subject.image_xyz).all()
    assert np.isnan(image.subject.world_xyz_m).all()
    assert np.isfinite(image.subject.image_xyz).all()
    assert image.subject.image_size_px == (1280, 720)
    save_npz(tmp_path / "w.npz", world)
    back = load_npz(tmp_path / "w.npz")
    assert back.subject.world_xyz_m == pytest.approx(world.subject.world_xyz_m)
    assert back.meta["yaw_deg"] == 30.0
    assert back.meta["pitch_deg"] == pytest.approx(12.0)
    assert back.meta["roll_deg"] == pytest.approx(-8.0)
    assert back.meta["path"] == "world"


# --- the real trial (../shared/mocap) --------------------------------------------------------
def test_side_view_world_landmarks_keep_the_trunk_line_angle(
    trial: MocapTrial, reference: Reference
) -> None:
    lab = landmarks_lab(trial)
    aim = aim_point(trial, lab)
    cam = VirtualCamera(yaw_deg=90.0, height_m=float(aim[1]))
    world = world_landmarks(lab, camera_pose(cam, body_axes(trial), aim))
    mid = lambda a, b: 0.5 * (world[:, a] + world[:, b])  # noqa: E731
    trunk = mid(LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - mid(LM.LEFT_HIP, LM.RIGHT_HIP)
    angle = np.degrees(np.arctan2(trunk[:, 0], -trunk[:, 1]))
    # the reference's forward follows the pelvis in each frame (it turns by up to 4 deg)
    assert angle == pytest.approx(reference.trunk_line_flexion_deg, abs=0.5)
