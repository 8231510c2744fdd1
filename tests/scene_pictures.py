"""Synthetic pictures of a room seen by a known camera: exact vanishing points for the scene
tests (``tests/test_scene.py``).

World axes: ``X`` right, ``Y`` down (gravity), ``Z`` forward, metres, the camera at the origin
1.8 m above the floor. A camera pitched down by ``p`` and rolled by ``r`` (the conventions of
:mod:`posture.video.scene`) sees a world direction ``w`` as ``Rz(r) Rx(p) w``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

CAMERA_HEIGHT_M = 1.8
CEILING_M = -1.2  # the ceiling, 3 m above the floor


def rotation(pitch_deg: float, roll_deg: float) -> np.ndarray:
    # roll: gravity in the picture toward its right for positive roll (posture.core.gravity)
    p, r = math.radians(pitch_deg), math.radians(-roll_deg)
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return rz @ rx


def focal_px(hfov_deg: float, width: int) -> float:
    return width / 2 / math.tan(math.radians(hfov_deg) / 2)


def room_segments(yaw_deg: float = 25.0, floor: bool = True, walls: bool = True) -> np.ndarray:
    """``(N, 2, 3)`` world segments of a furnished room turned by ``yaw_deg`` about the
    vertical: wall corners, door frames and shelf posts (vertical), the walls' top and bottom,
    shelf boards and floor tiles (horizontal, in two perpendicular directions)."""
    fl, ce = CAMERA_HEIGHT_M, CEILING_M
    seg: list[tuple[tuple[float, float, float], tuple[float, float, float]]] = []
    if walls:
        for x, z in [(-4, 9), (5, 9), (-4, 4), (5, 4)]:  # wall corners and edges
            seg.append(((x, fl, z), (x, ce, z)))
        for x0, x1 in [(-2.5, -1.6), (1.2, 2.1)]:  # doors in the back wall
            seg += [((x0, fl, 9), (x0, fl - 2.1, 9)), ((x1, fl, 9), (x1, fl - 2.1, 9))]
            seg.append(((x0, fl - 2.1, 9), (x1, fl - 2.1, 9)))
        for x in (-3.5, -3.0, 3.6, 4.4):  # shelf posts in front of the back wall
            seg.append(((x, fl, 8.5), (x, fl - 1.9, 8.5)))
        for y in (fl - 0.5, fl - 1.0, fl - 1.5, fl - 1.9):  # shelf boards
            seg += [((-3.5, y, 8.5), (-3.0, y, 8.5)), ((3.6, y, 8.5), (4.4, y, 8.5))]
        for x, z in [(-1.5, 2.5), (-1.5, 3.3), (1.6, 2.5), (1.6, 3.3)]:  # a bench's legs
            seg.append(((x, fl, z), (x, fl - 0.9, z)))
        for x, z in [(-3.2, 3.0), (-2.6, 3.0), (2.8, 3.6), (3.3, 3.6)]:  # cabinets' edges
            seg.append(((x, fl, z), (x, fl - 1.4, z)))
        seg += [
            ((-1.5, fl - 0.9, 2.5), (1.6, fl - 0.9, 2.5)),
            ((-1.5, fl - 0.9, 3.3), (1.6, fl - 0.9, 3.3)),
        ]
        seg += [((-4, fl, 9), (5, fl, 9)), ((-4, ce, 9), (5, ce, 9))]  # back wall's edges
        seg += [((-4, fl, 4), (-4, fl, 9)), ((5, fl, 4), (5, fl, 9))]  # side walls' feet
        seg += [((-4, ce, 4), (-4, ce, 9)), ((5, ce, 4), (5, ce, 9))]
    if floor:
        for x in np.arange(-3.5, 5.0, 1.0):  # tiles receding
            seg.append(((x, fl, 2.0), (x, fl, 9.0)))
        for z in np.arange(2.5, 9.0, 1.0):  # tiles across
            seg.append(((-4, fl, z), (5, fl, z)))
    a = math.radians(yaw_deg)
    turn = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    pts = np.array(seg, np.float64)
    pts[..., [0, 2]] -= np.array([0.5, 6.5])  # turn about the room's middle
    pts = pts @ turn.T
    pts[..., [0, 2]] += np.array([0.5, 6.5])
    return pts


def project(
    seg_world: np.ndarray, pitch_deg: float, roll_deg: float, f: float, size: tuple[int, int]
) -> np.ndarray:
    """``(M, 4)`` picture segments (pixels) of the world segments in front of the camera."""
    cam = seg_world @ rotation(pitch_deg, roll_deg).T
    out = []
    for a, b in cam:
        if a[2] < 0.3 and b[2] < 0.3:
            continue
        if a[2] < 0.3 or b[2] < 0.3:  # clip at a near plane
            t = (0.3 - a[2]) / (b[2] - a[2])
            a, b = (a + t * (b - a), b) if a[2] < 0.3 else (a, a + t * (b - a))
        pa = np.array(size) / 2 + f * a[:2] / a[2]
        pb = np.array(size) / 2 + f * b[:2] / b[2]
        out.append([*pa, *pb])
    return np.array(out, np.float64).reshape(-1, 4)


def draw(segments_px: np.ndarray, size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """RGB picture ``(H, W, 3)`` uint8 of dark lines on a mid-grey, slightly noisy ground."""
    w, h = size
    img = np.full((h, w, 3), 150, np.uint8)
    for x1, y1, x2, y2 in segments_px:
        pts = [(round(x1 * 16), round(y1 * 16)), (round(x2 * 16), round(y2 * 16))]
        if max(abs(v) for p in pts for v in p) > 2**28:
            continue
        cv2.line(img, pts[0], pts[1], (40, 40, 40), 3, cv2.LINE_AA, shift=4)
    noise = np.random.default_rng(seed).normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def room_picture(
    pitch_deg: float,
    roll_deg: float,
    hfov_deg: float = 60.0,
    size: tuple[int, int] = (960, 540),
    yaw_deg: float = 25.0,
    *,
    floor: bool = True,
    walls: bool = True,
) -> np.ndarray:
    """The room as a camera of this pitch, roll and field of view sees it."""
    f = focal_px(hfov_deg, size[0])
    seg = project(room_segments(yaw_deg, floor, walls), pitch_deg, roll_deg, f, size)
    return draw(seg, size)
