"""The virtual pinhole camera: placement, world landmarks, projection, npz output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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

# Subject faces lab +X, left is lab -Z, up is lab +Y (forward x left = up).
AXES = BodyAxes(
    forward=np.array([1.0, 0.0, 0.0]), left=np.array([0.0, 0.0, -1.0]), up=np.array([0, 1.0, 0])
)
HIP = np.array([0.0, 0.9, 0.0])


def _pose_with(points: dict[LM, list[float]]) -> np.ndarray:
    """One frame ``(1, 33, 3)``: hips around ``HIP``, other given points, the rest at HIP."""
    xyz = np.tile(HIP, (1, 33, 1)).astype(np.float64)
    xyz[0, LM.LEFT_HIP] = HIP + 0.1 * AXES.left
    xyz[0, LM.RIGHT_HIP] = HIP - 0.1 * AXES.left
    for lm, p in points.items():
        xyz[0, lm] = p
    return xyz


def test_side_view_sees_forward_as_image_right_and_up_as_image_up() -> None:
    cam = VirtualCamera(yaw_deg=0.0, height_m=0.9)
    pose = camera_pose(cam, AXES, HIP)
    assert pose.centre == pytest.approx(HIP - 4.0 * AXES.left)  # at the subject's right
    assert pose.rotation == pytest.approx(np.stack([AXES.forward, -AXES.up, AXES.left]))
    assert pose.pitch_deg == pytest.approx(0.0)


def test_front_view_faces_the_subject() -> None:
    pose = camera_pose(VirtualCamera(yaw_deg=90.0, height_m=0.9), AXES, HIP)
    assert pose.centre == pytest.approx(HIP + 4.0 * AXES.forward)
    # The subject's left appears on the image's right, as in any photo of a person facing you.
    assert pose.rotation[0] == pytest.approx(AXES.left)
    assert pose.rotation[2] == pytest.approx(-AXES.forward)


@pytest.mark.parametrize("height_m", [1.6, 2.5])
def test_high_camera_looks_down(height_m: float) -> None:
    pose = camera_pose(VirtualCamera(height_m=height_m, distance_m=4.0), AXES, HIP)
    assert pose.pitch_deg == pytest.approx(np.degrees(np.arctan((height_m - 0.9) / 4.0)))
    assert pose.rotation @ pose.rotation.T == pytest.approx(np.eye(3))
    assert np.linalg.det(pose.rotation) == pytest.approx(1.0)


def test_world_landmarks_have_the_mid_hip_origin_and_camera_axes() -> None:
    head = HIP + 0.6 * AXES.up + 0.2 * AXES.forward
    xyz = _pose_with({LM.NOSE: head.tolist()})
    pose = camera_pose(VirtualCamera(yaw_deg=0.0, height_m=0.9), AXES, HIP)
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
    cam = VirtualCamera(yaw_deg=0.0, height_m=height_m)
    img = image_landmarks(xyz, camera_pose(cam, AXES, HIP), cam)
    d = (img[0, LM.LEFT_SHOULDER, :2] - img[0, LM.LEFT_HIP, :2]) * cam.image_size_px
    angle = np.degrees(np.arctan2(d[0], -d[1]))
    # Level camera: exact up to perspective; a 10 deg pitch bends the image angle a little.
    assert angle == pytest.approx(lean_deg, abs=0.5 if height_m == 0.9 else 4.0)


def test_projection_matches_the_pinhole_formula() -> None:
    cam = VirtualCamera(yaw_deg=0.0, height_m=0.9, distance_m=4.0, image_size_px=(1000, 500))
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
    cam = VirtualCamera(yaw_deg=0.0, height_m=0.9, distance_m=4.0)
    behind = HIP - 5.0 * AXES.left
    img = image_landmarks(_pose_with({LM.NOSE: behind.tolist()}), camera_pose(cam, AXES, HIP), cam)
    assert np.isnan(img[0, LM.NOSE]).all()
    assert np.isfinite(img[0, LM.LEFT_HIP]).all()


@pytest.mark.parametrize(
    "bad",
    [dict(distance_m=0.0), dict(image_size_px=(0, 720)), dict(hfov_deg=180.0)],
)
def test_invalid_cameras_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(InputError):
        VirtualCamera(**bad)  # type: ignore[arg-type]


def test_render_view_splits_the_3d_and_2d_paths(tmp_path: Path) -> None:
    xyz = np.concatenate([_pose_with({}), _pose_with({})])
    cam = VirtualCamera(yaw_deg=30.0, height_m=1.6)
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
    assert back.meta["path"] == "world"


# --- the real trial (../shared/mocap) --------------------------------------------------------
@pytest.mark.parametrize("yaw_deg", [0.0, 30.0, 60.0, 90.0])
@pytest.mark.parametrize("height_m", [1.0, 1.6, 2.5])
def test_trial_stays_in_frame(trial: MocapTrial, yaw_deg: float, height_m: float) -> None:
    lab = landmarks_lab(trial)
    axes = body_axes(trial)
    aim = (0.5 * (lab[:, LM.LEFT_HIP] + lab[:, LM.RIGHT_HIP]))[trial.standing].mean(axis=0)
    cam = VirtualCamera(yaw_deg=yaw_deg, height_m=height_m)
    img = image_landmarks(lab, camera_pose(cam, axes, aim), cam)
    assert np.isfinite(img).all()
    assert np.all((img[..., :2] > 0.02) & (img[..., :2] < 0.98))


def test_side_view_world_landmarks_keep_the_trunk_line_angle(
    trial: MocapTrial, reference: Reference
) -> None:
    lab = landmarks_lab(trial)
    axes = body_axes(trial)
    aim = (0.5 * (lab[:, LM.LEFT_HIP] + lab[:, LM.RIGHT_HIP]))[trial.standing].mean(axis=0)
    cam = VirtualCamera(yaw_deg=0.0, height_m=float(aim[1]))
    world = world_landmarks(lab, camera_pose(cam, axes, aim))
    mid = lambda a, b: 0.5 * (world[:, a] + world[:, b])  # noqa: E731
    trunk = mid(LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER) - mid(LM.LEFT_HIP, LM.RIGHT_HIP)
    angle = np.degrees(np.arctan2(trunk[:, 0], -trunk[:, 1]))
    assert angle == pytest.approx(reference.trunk_line_flexion_deg, abs=0.2)
