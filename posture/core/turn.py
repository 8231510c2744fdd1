"""How far the shoulders and the hips are turned, from what the picture shows.

The pose model's depth (MediaPipe's world landmarks) is a learned guess: it under-reads a turn
of the shoulders by 15-20 deg in the project's clips and turns hidden hips with the shoulders.
The picture itself says more. A line across the body (the shoulders, the hips) has a constant
length; seen turned away from the camera it looks shorter (foreshortening), so its apparent
width against its full width gives how far it is turned: ``|depth difference| = sqrt(W^2 -
d^2)`` for apparent width ``d`` and full width ``W``.

:func:`refine_depth` fuses the two estimates of each line's depth difference, weighted by how
sure each is: foreshortening is precise for large turns and blind to small ones (the width
barely changes near facing), the model the reverse. The model (or, where it hesitates, the
face's turn) gives the sign, which foreshortening cannot. How well the two agree is kept as a
0-1 factor for the confidence of the measures that need depth (twist).

Widths are the person's own: the 95th percentile of the apparent width over the clip (a
person faces the camera at some point in most recordings), never less than the model's median
3D width. A stream takes them over the frames so far (:class:`WidthMemory`), not over its last
moments: a worker who stays turned toward a bench for a while would otherwise have his turned
width taken for his full width, and his turn read as smaller than the recording reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from posture.core.landmarks import LM
from posture.core.running import RunningPercentile
from posture.core.skeleton import Skeleton

#: Error of the pose model's depth difference across the body, as a share of the line's width
#: (1 sigma; a 74 deg turn read as 55-60 deg is 0.12 of the width).
MODEL_DEPTH_SD = 0.25
#: Error of the full width found over the clip, and of an apparent width, as shares of it.
WIDTH_SD = 0.05
APPARENT_SD = 0.04
#: Foreshortening counts only where the line looks shorter than its full width by more than
#: this many sigmas of the width ratio (fully from twice that): nearer to facing, a width barely
#: changes and noise alone would read as a turn of 20-30 deg.
CONCLUSIVE_SIGMAS = 1.5
LINES = {
    "shoulders": (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
    "hips": (LM.LEFT_HIP, LM.RIGHT_HIP),
}


@dataclass(frozen=True)
class LineTurn:
    """One line's depth, refined: ``depth`` ``(T,)`` its depth difference (right minus left
    landmark, skeleton units), ``agreement`` ``(T,)`` 0-1 (1: the model and the foreshortening
    agree), ``width`` the full width used."""

    depth: np.ndarray
    agreement: np.ndarray
    width: float


def _widths(p: np.ndarray, a: LM, b: LM, where: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """A line's apparent (picture) and model (3D) widths over the frames ``where`` (all by
    default) where it is seen."""
    apparent = np.linalg.norm(p[:, b, :2] - p[:, a, :2], axis=-1)
    model = np.linalg.norm(p[:, b] - p[:, a], axis=-1)
    ok = np.isfinite(apparent) & (True if where is None else where)
    return apparent[ok], model[ok]


def full_width(p: np.ndarray, a: LM, b: LM, where: np.ndarray | None = None) -> float:
    """A line's full width in skeleton units (see the module docstring), over the frames
    ``where`` (all by default)."""
    apparent, model = _widths(p, a, b, where)
    if not len(apparent):
        return float("nan")
    return float(max(np.percentile(apparent, 95), np.nanmedian(model)))


class WidthMemory:
    """A stream's full widths of the body lines (:func:`full_width` over the frames so far):
    each line's running 95th percentile of the apparent width and running median of the
    model's width, in constant time and memory."""

    def __init__(self) -> None:
        self._apparent = {name: RunningPercentile(95) for name in LINES}
        self._model = {name: RunningPercentile(50) for name in LINES}

    def add(self, name: str, p: np.ndarray, where: np.ndarray | None = None) -> None:
        """The frames ``p`` (skeleton points, ``(T, 33, 3)``) of line ``name``, ``where`` seen."""
        a, b = LINES[name]
        apparent, model = _widths(p, a, b, where)
        for x, m in zip(apparent, model, strict=True):
            self._apparent[name].add(float(x))
            self._model[name].add(float(m))

    def width(self, name: str) -> float:
        """The line's full width so far (NaN before it was seen)."""
        return max(self._apparent[name].value(), self._model[name].value())


def _face_sign(p: np.ndarray) -> np.ndarray:
    """``(T,)`` +-1 (0 where the face says nothing): the sign of the right-minus-left depth
    difference that a turned face shows. A body turned to the picture's right by ``a`` (from
    facing the camera) has its nose to the right of its ears by ``sin a`` and its right side
    ``sin a`` nearer the camera, from the front or from behind alike."""
    ears = p[:, [LM.LEFT_EAR, LM.RIGHT_EAR]]
    face_x = p[:, LM.NOSE, 0] - ears[:, :, 0].mean(axis=1)
    head = np.linalg.norm(ears[:, 1] - ears[:, 0], axis=-1)
    with np.errstate(invalid="ignore"):
        clear = np.abs(face_x) > 0.25 * head
    return np.where(clear, -np.sign(face_x), 0.0)


def refine_line(p: np.ndarray, a: LM, b: LM, width: float | None = None) -> LineTurn:
    """The depth difference of landmarks ``b`` minus ``a``, fused as the module docstring says."""
    w = full_width(p, a, b) if width is None else width
    line = p[:, b] - p[:, a]
    d = np.linalg.norm(line[:, :2], axis=-1)
    model = line[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        fs = np.sqrt(np.clip(w**2 - d**2, 0.0, None))
        sd_fs = np.hypot(w * WIDTH_SD * w, d * APPARENT_SD * w) / np.maximum(fs, 1e-6 * w)
    sd_model = MODEL_DEPTH_SD * w
    clear = np.abs(model) > 0.5 * sd_model
    sign = np.where(clear, np.sign(model), _face_sign(p))
    sign = np.where(sign == 0, np.sign(model), sign)
    fs = sign * fs
    sd_ratio = float(np.hypot(WIDTH_SD, APPARENT_SD))
    with np.errstate(invalid="ignore"):
        short = (1.0 - d / w) / sd_ratio  # how many sigmas shorter than full width
    gate = np.clip(short / CONCLUSIVE_SIGMAS - 1.0, 0.0, 1.0)
    wf, wm = gate / sd_fs**2, 1.0 / sd_model**2
    depth = (wf * fs + wm * model) / (wf + wm)
    gap = np.abs(fs - model) / np.hypot(sd_fs, sd_model)
    # full within 1 sigma; a clear disagreement costs up to 40 % (the model's depth is the
    # weaker estimate exactly where they part: a large turn)
    agreement = np.where(gate > 0, np.clip(1.15 - 0.15 * gap, 0.6, 1.0), 1.0)
    bad = ~np.isfinite(depth)
    depth[bad] = model[bad]
    agreement[~np.isfinite(agreement)] = 0.0
    return LineTurn(depth, agreement, w)


def refine_depth(
    sk: Skeleton,
    hips_seen: np.ndarray,
    widths: WidthMemory | None = None,
    *,
    in_place: bool = False,
) -> tuple[Skeleton, dict[str, LineTurn]]:
    """The skeleton with each body line's depth difference refined (fused skeletons only:
    motion capture's depth is measured, a picture alone has none to refine); the lines' turns
    for the confidences. The hips only where they are seen (``hips_seen`` ``(T,)``: hips the
    pose model places from the upper body have no width of their own to measure).

    ``widths``: a stream's memory of the full widths (these frames being its latest window):
    the newest frame joins it, and the widths are its own (over the stream so far) rather than
    these frames'.

    ``in_place``: ``sk``'s own points are refined (its maker's to give: a long recording's
    skeleton is not copied whole; the lines share no landmark, so each is measured before it
    is written)."""
    if sk.source != "fused":
        return sk, {}
    p = sk.points if in_place else sk.points.copy()
    turns = {}
    for name, (a, b) in LINES.items():
        where = hips_seen if name == "hips" else np.ones(len(p), bool)
        if not where.any():
            continue
        if widths is not None:
            widths.add(name, sk.points[-1:], where[-1:])
        w = widths.width(name) if widths is not None else math.nan
        w = w if math.isfinite(w) else full_width(sk.points, a, b, where)
        turn = refine_line(sk.points, a, b, w)
        centre = (p[:, a, 2] + p[:, b, 2]) / 2
        p[where, a, 2] = (centre - turn.depth / 2)[where]
        p[where, b, 2] = (centre + turn.depth / 2)[where]
        turns[name] = turn
    return replace(sk, points=p), turns
