"""Drawing on frames: skeletons, the measures panel, the current cue. Drawing only.

Everything a frame shows is collected first in a :class:`FrameView` (plain, rounded values);
``annotate(rgb, view)`` only draws it. Two FrameViews that compare equal draw the same
picture, which is how the pipeline checks that a camera's annotated frame, drawn before the
recording was finished, shows exactly the final result.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from posture.core.landmarks import LM, SKELETON

#: Risk level -> RGB colour (colour-blind-safe-ish: green, amber, red, grey).
RISK_RGB = {
    "low": (46, 160, 67),
    "medium": (240, 160, 0),
    "high": (215, 38, 61),
    "unknown": (140, 140, 140),
}
OTHER_RGB = (170, 170, 170)
_FACE = [
    LM.NOSE,
    LM.LEFT_EYE,
    LM.RIGHT_EYE,
    LM.LEFT_EAR,
    LM.RIGHT_EAR,
    LM.MOUTH_LEFT,
    LM.MOUTH_RIGHT,
]


@dataclass(frozen=True)
class PersonView:
    """One person to draw: track id and pixel points ``((x, y) or None for each landmark)``."""

    person_id: int
    points: tuple[tuple[int, int] | None, ...]


@dataclass(frozen=True)
class FrameView:
    """What one annotated frame shows. Values are rounded as drawn."""

    people: tuple[PersonView, ...]
    subject_id: int
    risk_level: str
    readings: tuple[tuple[str, str, bool], ...]  # (label, value text, trusted)
    cue: str | None
    view: str
    footer: str = ""
    why: str = ""  # why the main cue is on or off at this frame


def person_view(
    person_id: int,
    image_xyz: np.ndarray,
    visibility: np.ndarray,
    size: tuple[int, int],
    min_visibility: float = 0.3,
) -> PersonView:
    """Pixel points of a person's image landmarks (invisible or missing points are None)."""
    w, h = size
    xy = np.asarray(image_xyz, dtype=np.float64)[:, :2]
    v = np.asarray(visibility)
    with np.errstate(invalid="ignore"):
        shown = np.isfinite(xy).all(axis=1) & ~(np.isfinite(v) & (v < min_visibility))
    # rounded half to even, as Python's round of each: the same pixels as drawing one
    # landmark at a time (5x faster)
    px = np.round(np.where(shown[:, None], xy, 0.0) * (w, h)).astype(np.int64).tolist()
    return PersonView(
        person_id, tuple((p[0], p[1]) if ok else None for p, ok in zip(px, shown, strict=True))
    )


_FONT = cv2.FONT_HERSHEY_SIMPLEX


@lru_cache(maxsize=1024)
def _text_sprite(
    text: str, scale: float, color: tuple[int, int, int], thickness: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """``text`` outlined in black, drawn once onto black and onto white: ``(keep, ink, dx,
    dy)`` so that drawing it at ``org`` is ``roi = roi * keep / 255 + ink`` on the box whose
    top-left corner is ``org - (dx, dy)``. Anti-aliased text is a blend that is linear in the
    picture under it, so this is the same picture as ``cv2.putText`` there, at a fraction of
    the cost (the panel's labels and values repeat from frame to frame)."""
    outline = thickness + 2
    (tw, th), base = cv2.getTextSize(text, _FONT, scale, outline)
    pad = outline + 1
    w, h = tw + 2 * pad, th + base + 2 * pad
    org = (pad, pad + th)
    canvases = []
    for background in (0, 255):
        canvas = np.full((h, w, 3), background, np.uint8)
        cv2.putText(canvas, text, org, _FONT, scale, (0, 0, 0), outline, cv2.LINE_AA)
        cv2.putText(canvas, text, org, _FONT, scale, color, thickness, cv2.LINE_AA)
        canvases.append(canvas)
    on_black, on_white = canvases
    keep = np.clip(on_white.astype(np.int16) - on_black, 0, 255).astype(np.uint8)
    for shared in (keep, on_black):  # cached: every frame reads them, none may write
        shared.setflags(write=False)
    return keep, on_black, org[0], org[1]


def _text(
    img: np.ndarray,
    text: str,
    org: tuple[int, int],
    scale: float,
    color: tuple[int, int, int],
    thickness: int = 1,
) -> None:
    """White-or-coloured text with a black outline at ``org`` (its baseline's left end)."""
    keep, ink, dx, dy = _text_sprite(text, round(scale, 4), color, thickness)
    h, w = img.shape[:2]
    x0, y0 = org[0] - dx, org[1] - dy
    sx0, sy0 = max(0, -x0), max(0, -y0)
    sx1, sy1 = min(keep.shape[1], w - x0), min(keep.shape[0], h - y0)
    if sx1 <= sx0 or sy1 <= sy0:
        return
    roi = img[y0 + sy0 : y0 + sy1, x0 + sx0 : x0 + sx1]
    cv2.multiply(roi, keep[sy0:sy1, sx0:sx1], dst=roi, scale=1 / 255)
    cv2.add(roi, ink[sy0:sy1, sx0:sx1], dst=roi)


def _skeleton(
    img: np.ndarray, person: PersonView, color: tuple[int, int, int], thickness: int
) -> None:
    pts = person.points
    for a, b in SKELETON:
        pa, pb = pts[a], pts[b]
        if pa is not None and pb is not None:
            cv2.line(img, pa, pb, color, thickness, cv2.LINE_AA)
    for i, p in enumerate(pts):
        if p is not None and i not in _FACE[1:]:
            cv2.circle(img, p, max(2, thickness), color, -1, cv2.LINE_AA)


def blur_faces(img: np.ndarray, people: tuple[PersonView, ...]) -> None:
    """Blur a box around each person's face landmarks, in place."""
    h, w = img.shape[:2]
    for person in people:
        face = [p for p in (person.points[i] for i in _FACE) if p is not None]
        if len(face) < 2:
            continue
        xs, ys = [p[0] for p in face], [p[1] for p in face]
        size = max(max(xs) - min(xs), max(ys) - min(ys), 8)
        cx, cy = (max(xs) + min(xs)) // 2, (max(ys) + min(ys)) // 2
        r = int(size * 1.1) + 6
        x0, x1, y0, y1 = max(cx - r, 0), min(cx + r, w), max(cy - r, 0), min(cy + r, h)
        if x1 - x0 > 2 and y1 - y0 > 2:
            k = max(3, (r // 2) * 2 + 1)
            img[y0:y1, x0:x1] = cv2.GaussianBlur(img[y0:y1, x0:x1], (k, k), 0)


def annotate(
    rgb: np.ndarray, view: FrameView, *, blur: bool = False, in_place: bool = False
) -> np.ndarray:
    """A copy of ``rgb`` (or ``rgb`` itself, ``in_place``) with the people, the measures panel
    and the cue drawn on it."""
    img = rgb if in_place else rgb.copy()
    h, w = img.shape[:2]
    unit = max(h, w) / 720.0
    if blur:
        blur_faces(img, view.people)
    color = RISK_RGB.get(view.risk_level, RISK_RGB["unknown"])
    for person in view.people:
        is_subject = person.person_id == view.subject_id
        _skeleton(
            img,
            person,
            color if is_subject else OTHER_RGB,
            max(1, round((3 if is_subject else 1) * unit)),
        )
        nose = person.points[LM.NOSE] or next((p for p in person.points if p), None)
        if nose is not None and len(view.people) > 1:
            _text(
                img,
                f"#{person.person_id}",
                (nose[0] + 6, max(nose[1] - 12, 12)),
                0.5 * unit,
                (255, 255, 255),
                max(1, round(unit)),
            )
    _panel(img, view, color, unit)
    banner_h = _banner(img, view.cue, color, unit) if view.cue else 0
    if view.why:
        _why(img, view.why, unit, banner_h)
    return img


def _shade(
    img: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int], alpha: float
) -> None:
    """Blend a filled rectangle into ``img`` in place (only the rectangle is touched)."""
    h, w = img.shape[:2]
    x0, x1, y0, y1 = max(x0, 0), min(x1, w), max(y0, 0), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    cv2.addWeighted(_fill(y1 - y0, x1 - x0, color), alpha, roi, 1 - alpha, 0, dst=roi)


@lru_cache(maxsize=64)
def _fill(h: int, w: int, color: tuple[int, int, int]) -> np.ndarray:
    """A read-only ``(h, w, 3)`` block of one colour (the panel and banner keep their size)."""
    block = np.empty((h, w, 3), np.uint8)
    block[:] = color
    block.setflags(write=False)
    return block


def _panel(img: np.ndarray, view: FrameView, color: tuple[int, int, int], unit: float) -> None:
    line = int(24 * unit)
    pad = int(8 * unit)
    rows = 2 + len(view.readings)
    width = int(250 * unit)
    _shade(img, 0, 0, width, pad * 2 + line * rows, (20, 20, 20), 0.6)
    y = pad + int(18 * unit)
    cv2.rectangle(
        img, (pad, y - int(15 * unit)), (pad + int(14 * unit), y - int(1 * unit)), color, -1
    )
    _text(
        img,
        f"RISK {view.risk_level.upper()}",
        (pad + int(22 * unit), y),
        0.6 * unit,
        (255, 255, 255),
        max(1, round(1.5 * unit)),
    )
    y += line
    _text(
        img,
        f"view: {view.view}" + (f"   {view.footer}" if view.footer else ""),
        (pad, y),
        0.45 * unit,
        (210, 210, 210),
        max(1, round(unit)),
    )
    for label, value, trusted in view.readings:
        y += line
        _text(img, f"{label}", (pad, y), 0.55 * unit, (230, 230, 230), max(1, round(unit)))
        _text(
            img,
            value + ("" if trusted else " ?"),
            (pad + int(135 * unit), y),
            0.55 * unit,
            (255, 255, 255) if trusted else (160, 160, 160),
            max(1, round(unit)),
        )


def _banner(img: np.ndarray, cue_text: str, color: tuple[int, int, int], unit: float) -> int:
    """The cue across the bottom; returns the banner's height."""
    h, w = img.shape[:2]
    scale = 0.9 * unit
    thick = max(1, round(2 * unit))
    (tw, th), _ = cv2.getTextSize(cue_text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    while tw > w * 0.92 and scale > 0.3:
        scale *= 0.9
        (tw, th), _ = cv2.getTextSize(cue_text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    bh = th + int(24 * unit)
    _shade(img, 0, h - bh, w, h, color, 0.85)
    _text(img, cue_text, ((w - tw) // 2, h - bh // 2 + th // 2), scale, (255, 255, 255), thick)
    return bh


def _why(img: np.ndarray, text: str, unit: float, above: int) -> None:
    """Why the cue is on or off, in a strip above the banner (shrunk to fit the width)."""
    h, w = img.shape[:2]
    scale = 0.45 * unit
    thick = max(1, round(unit))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    while tw > w * 0.97 and scale > 0.25:
        scale *= 0.92
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    sh = th + int(12 * unit)
    _shade(img, 0, h - above - sh, w, h - above, (20, 20, 20), 0.6)
    _text(img, text, (int(6 * unit), h - above - sh // 2 + th // 2), scale, (235, 235, 235), thick)


def person_crop(
    rgb: np.ndarray, box: tuple[float, float, float, float], pad: float = 0.15
) -> np.ndarray | None:
    """The part of ``rgb`` around a person's landmark box ``(x0, y0, x1, y1)`` (normalised),
    widened by ``pad`` of the box's height on every side; None if nothing is left."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = box
    m = pad * (y1 - y0)
    xs = int(max(0.0, x0 - m * h / w) * w), int(min(1.0, x1 + m * h / w) * w)
    ys = int(max(0.0, y0 - m) * h), int(min(1.0, y1 + m) * h)
    if xs[1] - xs[0] < 2 or ys[1] - ys[0] < 2:
        return None
    return rgb[ys[0] : ys[1], xs[0] : xs[1]]
