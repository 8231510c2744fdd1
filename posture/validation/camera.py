"""A virtual pinhole camera that turns lab-frame landmarks into what MediaPipe would report.

Placement, in the subject's own axes (:class:`~.mocap.BodyAxes`, fixed at quiet standing), the
same convention as the tool's ``view`` yaw (``posture.core.body.BodyFrame.yaw_deg``):

* ``yaw_deg``: where the camera stands around the subject, seen from above, measured from the
  subject's forward toward the subject's right. 0: in **front**, facing the subject; 90: at
  the subject's **right** side (a true side view, the subject facing the image's right edge);
  180 (or -180): **behind**; -90: at the subject's left side (facing the image's left edge).
  The camera faces the aim point horizontally.
* ``height_m``: camera centre above the floor; ``distance_m``: horizontal distance from the
  aim point (by default the mid-hip point at quiet standing).
* ``pitch_deg``: how far the optical axis points below the horizontal (+ looking down). ``None``
  aims it straight at the aim point (the pitch is then implied by the height and distance);
  a number sets it directly, and the subject then sits off the picture's centre.
* ``roll_deg``: rotation about the optical axis, given as where gravity points in the picture:
  a plumb line through the picture's centre runs ``roll_deg`` from straight down toward the
  picture's **right** (negative: toward the left). This is the wording of
  ``../shared/media/CAMERAS.md``: its tilted camera has +26.1, its rear-oblique camera -13.4.
  At the picture's centre this angle equals the rotation about the optical axis whatever the
  pitch.
* ``hfov_deg`` and ``image_size_px`` set the pinhole: focal length
  ``f = (W / 2) / tan(hfov / 2)`` pixels, square pixels, principal point at the image centre,
  no lens distortion.

Outputs, in the project's convention (:mod:`posture.core.landmarks`):

* world landmarks: camera axes (``x`` image right, ``y`` image down, ``z`` away from the
  camera), metres, origin at the mid-hip point of each frame. MediaPipe's world landmarks are
  likewise camera-aligned, not gravity-aligned: a pitched or rolled camera tilts them.
* image landmarks: ``x = u / W``, ``y = v / H`` for pixel coordinates ``(u, v)``; ``z`` the
  depth relative to the mid-hip point in the same units as ``x``
  (``(Z - Z_hip) * f / Z_hip / W``, smaller is nearer). NaN behind the camera.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.core.errors import InputError
from posture.core.landmarks import LM, PoseRecording, PoseSequence
from posture.validation.mocap import BodyAxes

#: Largest pitch (either way) and roll a virtual camera may be given, degrees.
MAX_PITCH_DEG = 80.0
MAX_ROLL_DEG = 90.0


@dataclass(frozen=True)
class VirtualCamera:
    """Where the virtual camera stands and how it is turned (see the module docstring)."""

    yaw_deg: float = 90.0
    height_m: float = 1.0
    pitch_deg: float | None = None
    roll_deg: float = 0.0
    distance_m: float = 4.0
    image_size_px: tuple[int, int] = (1280, 720)
    hfov_deg: float = 65.0

    def __post_init__(self) -> None:
        w, h = self.image_size_px
        bad = w <= 0 or h <= 0 or self.distance_m <= 0 or not 1.0 < self.hfov_deg < 179.0
        bad = bad or abs(self.roll_deg) > MAX_ROLL_DEG
        bad = bad or (self.pitch_deg is not None and abs(self.pitch_deg) > MAX_PITCH_DEG)
        if bad:
            raise InputError(f"invalid virtual camera {self}")

    @property
    def focal_px(self) -> float:
        return 0.5 * self.image_size_px[0] / float(np.tan(np.radians(self.hfov_deg) / 2))

    @property
    def name(self) -> str:
        pitch = "aim" if self.pitch_deg is None else f"{self.pitch_deg:g}"
        return f"yaw{self.yaw_deg:g}_h{self.height_m:g}m_p{pitch}_r{self.roll_deg:g}"


@dataclass(frozen=True)
class CameraPose:
    """Camera centre ``(3,)`` and rotation ``(3, 3)`` in the lab frame (lab ``Y`` up).

    The rows of ``rotation`` are the camera's ``x`` (image right), ``y`` (image down) and ``z``
    (optical axis) as lab unit vectors, so ``p_cam = rotation @ (p_lab - centre)``.
    """

    centre: np.ndarray
    rotation: np.ndarray

    @property
    def pitch_deg(self) -> float:
        """How far the optical axis points below the horizontal."""
        return float(np.degrees(np.arcsin(np.clip(-self.rotation[2, 1], -1.0, 1.0))))

    @property
    def roll_deg(self) -> float:
        """Gravity in the picture at its centre: degrees from straight down, + to the right."""
        down = self.rotation @ np.array([0.0, -1.0, 0.0])
        return float(np.degrees(np.arctan2(down[0], down[1])))


def camera_pose(
    cam: VirtualCamera, axes: BodyAxes, aim_m: np.ndarray, floor_y_m: float = 0.0
) -> CameraPose:
    """Place ``cam`` around the lab point ``aim_m`` ``(3,)`` using the subject's ``axes``."""
    yaw = np.radians(cam.yaw_deg)
    right = -axes.left
    out_h = np.cos(yaw) * axes.forward + np.sin(yaw) * right  # from the aim to the camera
    aim = np.asarray(aim_m, dtype=np.float64)
    centre = aim + cam.distance_m * out_h
    centre = centre + (floor_y_m + cam.height_m - centre @ axes.up) * axes.up
    if cam.pitch_deg is None:
        z = aim - centre
    else:
        pitch = np.radians(cam.pitch_deg)
        z = -np.cos(pitch) * out_h - np.sin(pitch) * axes.up
    z = z / np.linalg.norm(z)
    x0 = np.cross(z, axes.up)
    x0 /= np.linalg.norm(x0)
    y0 = np.cross(z, x0)
    roll = np.radians(cam.roll_deg)
    # Rotating the image axes by +roll makes gravity (image "down" of a level camera) lean
    # toward the picture's right by roll: g . x = sin(roll), g . y = cos(roll) (times cos pitch).
    x = np.cos(roll) * x0 + np.sin(roll) * y0
    y = -np.sin(roll) * x0 + np.cos(roll) * y0
    return CameraPose(centre=centre, rotation=np.stack([x, y, z]))


def _mid_hip(xyz: np.ndarray) -> np.ndarray:
    return 0.5 * (xyz[:, LM.LEFT_HIP] + xyz[:, LM.RIGHT_HIP])


def world_landmarks(lab_xyz_m: np.ndarray, pose: CameraPose) -> np.ndarray:
    """``(T, 33, 3)`` lab landmarks -> camera-aligned metres with the mid-hip origin."""
    rel = lab_xyz_m - _mid_hip(lab_xyz_m)[:, None, :]
    return rel @ pose.rotation.T


def image_landmarks(lab_xyz_m: np.ndarray, pose: CameraPose, cam: VirtualCamera) -> np.ndarray:
    """``(T, 33, 3)`` normalised image coordinates and relative depth (module docstring)."""
    w, h = cam.image_size_px
    f = cam.focal_px
    p = (lab_xyz_m - pose.centre) @ pose.rotation.T
    depth = p[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(depth > 0, f * p[..., 0] / depth + 0.5 * w, np.nan)
        v = np.where(depth > 0, f * p[..., 1] / depth + 0.5 * h, np.nan)
        hip_depth = ((_mid_hip(lab_xyz_m) - pose.centre) @ pose.rotation.T)[:, 2:3]
        rel = (depth - hip_depth) * f / hip_depth / w
    return np.stack([u / w, v / h, np.where(depth > 0, rel, np.nan)], axis=-1)


def render_view(
    lab_xyz_m: np.ndarray,
    t_s: np.ndarray,
    cam: VirtualCamera,
    pose: CameraPose,
    meta: dict[str, object] | None = None,
) -> tuple[PoseRecording, PoseRecording]:
    """``(world_only, image_only)`` recordings of ``lab_xyz_m`` ``(T, 33, 3)`` seen by ``cam``.

    ``world_only`` holds the camera-aligned world landmarks and no image landmarks (the 3D
    path); ``image_only`` holds image landmarks and the image size with NaN world landmarks
    (the 2D path). Visibility is unknown (NaN) in both. ``meta`` records the true camera.
    """
    n = lab_xyz_m.shape[0]
    nan3 = np.full((n, lab_xyz_m.shape[1], 3), np.nan, dtype=np.float32)
    info = dict(meta or {})
    info.update(
        camera=cam.name,
        yaw_deg=cam.yaw_deg,
        camera_height_m=cam.height_m,
        distance_m=cam.distance_m,
        hfov_deg=cam.hfov_deg,
        pitch_deg=round(pose.pitch_deg, 3),
        roll_deg=round(pose.roll_deg, 3),
    )
    world = PoseSequence.from_world(world_landmarks(lab_xyz_m, pose), t_s)
    image = PoseSequence(
        t_s=t_s,
        world_xyz_m=nan3,
        image_xyz=image_landmarks(lab_xyz_m, pose, cam),
        visibility=np.full(nan3.shape[:2], np.nan, dtype=np.float32),
        frame_index=np.arange(n, dtype=np.int64),
        image_size_px=cam.image_size_px,
    )
    return (
        PoseRecording(people=(world,), subject_id=0, meta={**info, "path": "world"}),
        PoseRecording(people=(image,), subject_id=0, meta={**info, "path": "image"}),
    )
