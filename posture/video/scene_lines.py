"""Line segments of the scene: found with OpenCV's fast line detector, with the picture's
borders, letterbox bars and people taken out (none of them is a plumb line)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from posture.core.config import DEFAULTS, SceneSettings
from posture.core.landmarks import LM

#: Rows or columns at the picture's edge whose brightness varies less than this (0-255) are a
#: letterbox or pillarbox bar, not the scene.
BAR_RANGE = 10
#: Points checked along a segment for lying on a person.
_ALONG = np.linspace(0.0, 1.0, 17)


@dataclass(frozen=True)
class SceneSample:
    """Line segments of frames sampled from one video (the pixels are not kept).

    ``segments``: one ``(N_k, 4)`` float32 array per frame, ``x1, y1, x2, y2`` in pixels;
    ``t_s`` ``(K,)`` float64 the frames' times, s; ``index`` ``(K,)`` int64 their frame numbers
    (-1 unknown); ``people``: per frame the people in it or None (not known yet), as
    ``(P_k, 33, >= 2)`` normalised image landmarks (best: the body's own outline is left out)
    or ``(P_k, 4)`` normalised boxes ``x0, y0, x1, y1``; ``size`` ``(width, height)`` pixels.
    """

    segments: tuple[np.ndarray, ...]
    t_s: np.ndarray
    index: np.ndarray
    people: tuple[np.ndarray | None, ...]
    size: tuple[int, int]

    def __post_init__(self) -> None:
        k = len(self.segments)
        if len(self.t_s) != k or len(self.index) != k or len(self.people) != k:
            raise ValueError("segments, t_s, index and people need one entry per frame")

    def with_people(self, people: Sequence[np.ndarray | None]) -> SceneSample:
        """The same frames with the people in them (one entry per frame)."""
        if len(people) != len(self.segments):
            raise ValueError(f"{len(people)} entries of people for {len(self.segments)} frames")
        return replace(self, people=tuple(people))


def detection_scale(size: tuple[int, int], settings: SceneSettings) -> float:
    """Factor from picture pixels to the pixels lines are found in (at most 1)."""
    return min(1.0, settings.detect_max_px / max(size))


def find_segments(rgb: np.ndarray, settings: SceneSettings = DEFAULTS.scene) -> np.ndarray:
    """Line segments of one RGB frame ``(H, W, 3)`` uint8: ``(N, 4)`` float32 ``x1, y1, x2,
    y2`` in the frame's pixels. Segments shorter than ``scene.min_segment`` of the diagonal,
    and those along the picture's (or its content's, inside black bars) edges, are left out."""
    import cv2

    h, w = rgb.shape[:2]
    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    scale = detection_scale((w, h), settings)
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    found = cv2.ximgproc.createFastLineDetector().detect(gray)
    if found is None:
        return np.zeros((0, 4), np.float32)
    seg = found.reshape(-1, 4).astype(np.float64) / scale
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    seg = seg[length >= settings.min_segment * np.hypot(w, h)]
    box = content_box(gray) / scale
    return seg[~along_edges(seg, box)].astype(np.float32)


def content_box(gray: np.ndarray) -> np.ndarray:
    """``(x0, y0, x1, y1)`` of the picture inside uniform bars at its edges (pixels)."""
    h, w = gray.shape
    rows = gray.max(axis=1).astype(np.int16) - gray.min(axis=1) <= BAR_RANGE
    cols = gray.max(axis=0).astype(np.int16) - gray.min(axis=0) <= BAR_RANGE

    def run(flags: np.ndarray) -> int:
        """Length of the run of True at the start (the whole length if all)."""
        off = np.flatnonzero(~flags)
        return int(off[0]) if off.size else len(flags)

    top, bottom = run(rows), run(rows[::-1])
    left, right = run(cols), run(cols[::-1])
    if top + bottom >= h or left + right >= w:  # a plain picture: no content to frame
        return np.array([0.0, 0.0, w, h])
    return np.array([left, top, w - right, h - bottom], np.float64)


def along_edges(seg: np.ndarray, box: np.ndarray) -> np.ndarray:
    """``(N,)`` bool: segments lying along an edge of ``box`` (both ends within 1 % of the
    box's smaller side, plus 2 px, of the same edge): the frame, not the scene."""
    tol = 0.01 * min(box[2] - box[0], box[3] - box[1]) + 2.0
    x, y = seg[:, [0, 2]], seg[:, [1, 3]]
    near = (
        (np.abs(x - box[0]) <= tol).all(axis=1)
        | (np.abs(x - box[2]) <= tol).all(axis=1)
        | (np.abs(y - box[1]) <= tol).all(axis=1)
        | (np.abs(y - box[3]) <= tol).all(axis=1)
    )
    return np.asarray(near)


#: Bones drawn into a person's mask (with the torso and the head, below).
_BONES = tuple(
    (a, b)
    for a, b in [
        (LM.LEFT_SHOULDER, LM.LEFT_ELBOW),
        (LM.LEFT_ELBOW, LM.LEFT_WRIST),
        (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW),
        (LM.RIGHT_ELBOW, LM.RIGHT_WRIST),
        (LM.LEFT_HIP, LM.LEFT_KNEE),
        (LM.LEFT_KNEE, LM.LEFT_ANKLE),
        (LM.RIGHT_HIP, LM.RIGHT_KNEE),
        (LM.RIGHT_KNEE, LM.RIGHT_ANKLE),
        (LM.LEFT_ANKLE, LM.LEFT_FOOT_INDEX),
        (LM.RIGHT_ANKLE, LM.RIGHT_FOOT_INDEX),
        (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
        (LM.LEFT_HIP, LM.RIGHT_HIP),
        (LM.LEFT_SHOULDER, LM.LEFT_HIP),
        (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
    ]
)
_TORSO = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.RIGHT_HIP, LM.LEFT_HIP)
#: Mask resolution: pixels of the picture per mask pixel.
_MASK_STEP = 4


def people_mask(
    people: np.ndarray | None, size: tuple[int, int], margin: float
) -> np.ndarray | None:
    """``(H / 4, W / 4)`` bool mask of the people, or None when there is nobody.

    ``people``: ``(P, 33, >= 2)`` normalised landmarks (the body drawn as its bones, torso,
    head and hands, each widened by ``margin`` of the person's torso length beyond its own
    size) or ``(P, 4)`` normalised boxes ``x0, y0, x1, y1`` (each widened
    by ``margin`` of its size on every side). Bodies have many near-vertical edges that are
    not plumb; the mask keeps them out."""
    import cv2

    if people is None:
        return None
    arr = np.asarray(people, np.float64)
    if not arr.size:
        return None
    w, h = size
    mask = np.zeros((h // _MASK_STEP + 1, w // _MASK_STEP + 1), np.uint8)
    scale = np.array([w, h], np.float64) / _MASK_STEP
    if arr.ndim == 2:  # boxes
        for b in arr.reshape(-1, 4):
            if not np.isfinite(b).all():
                continue
            pad = margin * (b[2:] - b[:2])
            lo, hi = (b[:2] - pad) * scale, (b[2:] + pad) * scale
            cv2.rectangle(mask, _pt(lo), _pt(hi), (1,), -1)
        return mask.astype(bool)
    for person in arr:
        _draw_person(mask, person[:, :2] * scale, margin)
    return mask.astype(bool)


def _pt(xy: np.ndarray) -> tuple[int, int]:
    return int(np.clip(round(xy[0]), -(2**20), 2**20)), int(np.clip(round(xy[1]), -(2**20), 2**20))


def _draw_person(mask: np.ndarray, xy: np.ndarray, margin: float) -> None:
    import cv2

    seen = np.isfinite(xy).all(axis=1)
    if seen.sum() < 2:
        return
    shoulders = xy[[LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]].mean(axis=0)
    hips = xy[[LM.LEFT_HIP, LM.RIGHT_HIP]].mean(axis=0)
    torso = float(np.linalg.norm(shoulders - hips))
    if not np.isfinite(torso) or torso < 1.0:  # no torso seen: a third of the person's height
        torso = float(np.ptp(xy[seen, 1])) / 3
    # half-widths, in torso lengths (a torso is about 50 cm long): a limb (a thigh is 15 cm
    # wide), the head (25 cm tall, the nose off its centre), a hand (19 cm from the wrist)
    limb = max(1, round((0.15 + margin) * torso))
    for a, b in _BONES:
        if seen[a] and seen[b]:
            cv2.line(mask, _pt(xy[a]), _pt(xy[b]), (1,), 2 * limb)
    for i, radius in ((LM.NOSE, 0.3), (LM.LEFT_WRIST, 0.3), (LM.RIGHT_WRIST, 0.3)):
        if seen[i]:
            cv2.circle(mask, _pt(xy[i]), max(1, round((radius + margin) * torso)), (1,), -1)
    corners = [xy[i] for i in _TORSO if seen[i]]
    if len(corners) >= 3:
        cv2.fillPoly(mask, [np.array([_pt(c) for c in corners], np.int32)], (1,))


def outside_people(seg: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """``(N,)`` bool: segments ``(N, 4)`` (pixels) that touch no person of ``mask``
    (:func:`people_mask`)."""
    keep = np.ones(len(seg), bool)
    if mask is None or not len(seg):
        return keep
    pts = seg[:, None, :2] + _ALONG[None, :, None] * (seg[:, None, 2:] - seg[:, None, :2])
    ij = np.round(pts / _MASK_STEP).astype(np.int64)
    inside_pic = (
        (ij[..., 0] >= 0)
        & (ij[..., 0] < mask.shape[1])
        & (ij[..., 1] >= 0)
        & (ij[..., 1] < mask.shape[0])
    )
    hit = np.zeros(ij.shape[:2], bool)
    hit[inside_pic] = mask[ij[..., 1][inside_pic], ij[..., 0][inside_pic]]
    return np.asarray(~hit.any(axis=1))


def line_ids(seg: np.ndarray, size: tuple[int, int], step: float = 0.01) -> np.ndarray:
    """``(N,)`` int: which picture line each segment ``(N, 4)`` lies on. The same wall edge seen
    in many sampled frames, or broken in pieces, is one line. Lines are told apart by their
    distance from the picture's centre (``step`` of the diagonal) and their angle (2 deg)."""
    if not len(seg):
        return np.zeros(0, np.int64)
    c = np.array(size, np.float64) / 2
    d = seg[:, 2:] - seg[:, :2]
    d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9)
    d = np.where(d[:, 1:2] < 0, -d, d)  # one orientation per line: rho's sign is comparable
    normal = np.column_stack([-d[:, 1], d[:, 0]])
    rho = ((seg[:, :2] - c) * normal).sum(axis=1)
    theta = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    key = np.column_stack(
        [np.round(rho / (step * np.hypot(*size))), np.round(theta / 2.0) % 90]
    ).astype(np.int64)
    return np.asarray(np.unique(key, axis=0, return_inverse=True)[1]).reshape(-1)


def distinct_lines(seg: np.ndarray, size: tuple[int, int]) -> int:
    """How many different picture lines the segments ``(N, 4)`` lie on (:func:`line_ids`)."""
    return len(np.unique(line_ids(seg, size)))
