"""What one person looks like in one frame: where their torso is, how large, the colour of their
clothes, their box, and whether two detections are one person. Pure numpy on a pose's image
landmarks (normalised ``(33, 3)``) and, for colours, the frame's RGB pixels.
"""

from __future__ import annotations

import numpy as np

from posture.core.landmarks import LM
from posture.video.pose import DetectedPose

TORSO = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP)


def torso_anchor(image_xyz: np.ndarray, aspect: float) -> tuple[np.ndarray, float]:
    """Centre ``(2,)`` of the torso in frame heights (x scaled by aspect) and its size."""
    pts = image_xyz[list(TORSO), :2].astype(np.float64) * np.array([aspect, 1.0])
    centre = pts.mean(axis=0)
    size = float(np.linalg.norm(pts[:2].mean(0) - pts[2:].mean(0))) + float(
        np.linalg.norm(pts[0] - pts[1])
    )
    return centre, max(size, 1e-3)


#: Where the clothes are sampled: a 4 x 4 grid over the torso (shoulders to hips) and three
#: points down each thigh (hip to knee), as fractions along those segments.
_GRID = (0.2, 0.4, 0.6, 0.8)
_THIGH = (0.3, 0.5, 0.7)
#: Where the colour is sampled, as weights of landmarks: a 4 x 4 bilinear grid inside the torso
#: quadrilateral (left/right shoulder, left/right hip), then 3 points along each thigh.
TORSO_WEIGHTS = np.array(
    [[(1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v] for u in _GRID for v in _GRID]
)
_THIGH_POINTS = (LM.LEFT_HIP, LM.LEFT_KNEE, LM.RIGHT_HIP, LM.RIGHT_KNEE)
_THIGH_WEIGHTS = np.array(
    [[1 - v, v, 0, 0] for v in _THIGH] + [[0, 0, 1 - v, v] for v in _THIGH], dtype=np.float64
)


def torso_in_picture(image_xyz: np.ndarray) -> bool:
    """Every torso landmark inside the frame: a pose guessed past the edge is no sighting."""
    xy = image_xyz[list(TORSO), :2]
    return bool(np.isfinite(xy).all() and ((xy >= 0) & (xy <= 1)).all())


def torso_turn_deg(a: np.ndarray, b: np.ndarray, aspect: float) -> float:
    """Angle between the hip-to-shoulder lines of two poses' image landmarks, degrees (NaN if
    either is not seen)."""

    def trunk(p: np.ndarray) -> np.ndarray:
        xy = p[list(TORSO), :2].astype(np.float64) * np.array([aspect, 1.0])
        return xy[:2].mean(axis=0) - xy[2:].mean(axis=0)

    u, v = trunk(a), trunk(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def appearance(rgb: np.ndarray, image_xyz: np.ndarray) -> np.ndarray:
    """``(6,)`` colour of a person's clothes: red and green chromaticity and brightness of the
    torso, then of the thighs; NaN where too little of it is in the picture. Cheap, and enough
    to keep two people apart when their paths cross or when the pose model places a glitchy
    torso on the grass for a frame."""
    h, w = rgb.shape[:2]
    out = []
    for weights, points in ((TORSO_WEIGHTS, TORSO), (_THIGH_WEIGHTS, _THIGH_POINTS)):
        pts = image_xyz[list(points), :2].astype(np.float64)
        seen = np.isfinite(pts).all(axis=1)
        xy = weights @ np.where(seen[:, None], pts, 0.0)
        ok = ~((weights > 0) & ~seen).any(axis=1)  # every landmark a point is made of was seen
        xs = np.nan_to_num(xy[:, 0] * w, nan=-1).astype(int)
        ys = np.nan_to_num(xy[:, 1] * h, nan=-1).astype(int)
        ok &= (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        if ok.sum() < 3:
            out.append(np.full(3, np.nan))
            continue
        c = rgb[ys[ok], xs[ok]].astype(np.float64)
        total = c.sum(axis=1, keepdims=True) + 1.0
        out.append(np.r_[(c[:, :2] / total).mean(axis=0), c.mean() / 255.0])
    return np.concatenate(out)


def presence(image_xyz: np.ndarray, visibility: np.ndarray, aspect: float) -> float:
    """One frame's share of the subject rule: torso size x torso visibility (a large, clearly
    seen person counts most)."""
    size = torso_anchor(image_xyz, aspect)[1]
    v = visibility[list(TORSO)]
    v = v[np.isfinite(v)]
    return size * (float(v.mean()) if v.size else 1.0)  # visibility unknown: counts as seen


def pose_box(p: DetectedPose) -> np.ndarray:
    """Bounding box of a detected pose (see :func:`landmark_box`)."""
    return landmark_box(p.image_xyz, p.visibility)


def landmark_box(image_xyz: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """Bounding box ``(x0, y0, x1, y1)`` of the landmarks seen, normalised coordinates."""
    seen = np.nan_to_num(visibility, nan=1.0) >= 0.5
    xy = image_xyz[seen if seen.sum() >= 4 else slice(None), :2]
    return np.concatenate([np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)])


def presences(image: np.ndarray, vis: np.ndarray, aspect: float) -> np.ndarray:
    """:func:`presence` of every frame of ``image`` ``(F, 33, 3)`` and ``vis`` ``(F, 33)``."""
    pts = image[:, list(TORSO), :2].astype(np.float64) * np.array([aspect, 1.0])
    size = np.linalg.norm(pts[:, :2].mean(1) - pts[:, 2:].mean(1), axis=-1) + np.linalg.norm(
        pts[:, 0] - pts[:, 1], axis=-1
    )
    size = np.maximum(np.nan_to_num(size, nan=0.0), 1e-3)
    v = vis[:, list(TORSO)].astype(np.float64)
    n = np.isfinite(v).sum(axis=1)
    mean_vis = np.where(n > 0, np.nansum(np.nan_to_num(v), axis=1) / np.maximum(n, 1), 1.0)
    return size * mean_vis


def overlaps(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(intersection over union, intersection over the smaller box) of two boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    union = area_a + area_b - inter
    smaller = min(area_a, area_b)
    return (inter / union if union > 0 else 0.0, inter / smaller if smaller > 0 else 0.0)


def is_duplicate(
    a: tuple[np.ndarray, float, np.ndarray], b: tuple[np.ndarray, float, np.ndarray]
) -> bool:
    """Two detections of one person (``(centre, size, box)`` of each): torso centres within a
    third of a torso size, body boxes overlapping by more than half, or a smaller pose lying
    almost wholly inside a larger one (a second pose on one person's legs)."""
    iou, inside = overlaps(a[2], b[2])
    return bool(np.linalg.norm(a[0] - b[0]) < max(a[1], b[1]) / 3 or iou > 0.5 or inside > 0.8)
