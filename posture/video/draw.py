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
from posture.video.io import BT601

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
Color = tuple[int, int, int]


#: 256 texts: the labels repeat from frame to frame, the values change (1024 sprites, some 20 KB
#: each, held 21 MB in a 10-minute recording; 256 miss 6 % of 7,400 texts where 1024 missed 5 %)
@lru_cache(maxsize=256)
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


def _blend(img: np.ndarray, keep: np.ndarray, ink: np.ndarray, x0: int, y0: int) -> None:
    """``img = img * keep / 255 + ink`` on the box of ``keep`` whose top-left corner is at
    ``(x0, y0)``, clipped to ``img``."""
    h, w = img.shape[:2]
    sx0, sy0 = max(0, -x0), max(0, -y0)
    sx1, sy1 = min(keep.shape[1], w - x0), min(keep.shape[0], h - y0)
    if sx1 <= sx0 or sy1 <= sy0:
        return
    roi = img[y0 + sy0 : y0 + sy1, x0 + sx0 : x0 + sx1]
    cv2.multiply(roi, keep[sy0:sy1, sx0:sx1], dst=roi, scale=1 / 255)
    cv2.add(roi, ink[sy0:sy1, sx0:sx1], dst=roi)


def _box(h: int, w: int, x0: int, y0: int, x1: int, y1: int) -> tuple[int, int, int, int]:
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


@lru_cache(maxsize=64)
def _fill(h: int, w: int, color: tuple[int, ...]) -> np.ndarray:
    """A read-only ``(h, w, channels)`` block of one colour (the panel and banner keep their
    size)."""
    block = np.empty((h, w, len(color)), np.uint8)
    block[:] = color
    block.setflags(write=False)
    return block if len(color) > 1 else block[..., 0]


class _Rgb:
    """Drawing on an ``(H, W, 3)`` RGB picture, in place."""

    def __init__(self, img: np.ndarray) -> None:
        self.img = img
        self.h, self.w = img.shape[:2]

    def line(self, a: tuple[int, int], b: tuple[int, int], color: Color, thickness: int) -> None:
        cv2.line(self.img, a, b, color, thickness, cv2.LINE_AA)

    def dot(self, p: tuple[int, int], radius: int, color: Color) -> None:
        cv2.circle(self.img, p, radius, color, -1, cv2.LINE_AA)

    def rectangle(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        """Filled, corners included (as ``cv2.rectangle``)."""
        cv2.rectangle(self.img, (x0, y0), (x1, y1), color, -1)

    def shade(self, x0: int, y0: int, x1: int, y1: int, color: Color, alpha: float) -> None:
        """Blend a filled rectangle in (only the rectangle is touched)."""
        x0, y0, x1, y1 = _box(self.h, self.w, x0, y0, x1, y1)
        if x1 > x0 and y1 > y0:
            roi = self.img[y0:y1, x0:x1]
            cv2.addWeighted(_fill(y1 - y0, x1 - x0, color), alpha, roi, 1 - alpha, 0, dst=roi)

    def text(self, text: str, org: tuple[int, int], scale: float, color: Color, thick: int) -> None:
        keep, ink, dx, dy = _text_sprite(text, round(scale, 4), color, thick)
        _blend(self.img, keep, ink, org[0] - dx, org[1] - dy)

    def blur(self, x0: int, y0: int, x1: int, y1: int, k: int) -> None:
        self.img[y0:y1, x0:x1] = cv2.GaussianBlur(self.img[y0:y1, x0:x1], (k, k), 0)


#: Y, Cb, Cr of RGB (rows) and their offsets, as :func:`posture.video.io.rgb_to_i420`.
_YUV, _YUV_OFFSET = BT601[:, :3] / 255, BT601[:, 3] / 255


@lru_cache(maxsize=64)
def _yuv(color: Color) -> tuple[int, int, int]:
    y, u, v = np.clip(np.rint(_YUV @ np.asarray(color, np.float64) + _YUV_OFFSET), 0, 255)
    return int(y), int(u), int(v)


@lru_cache(maxsize=512)
def _plane_sprites(
    text: str, scale: float, color: Color, thickness: int, odd_x: int, odd_y: int
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """:func:`_text_sprite` for I420 planes: ``((keep, ink) of Y, of Cb, of Cr)``, the chroma
    ones at half size for a sprite whose box starts ``odd_x``, ``odd_y`` pixels after an even
    column and row. The blend ``roi * keep / 255 + ink`` is linear, so it carries over to any
    colour space an affine map of RGB away: ``ink`` becomes the sprite's colour minus the
    offset the kept part of the picture brings."""
    keep, on_black, _, _ = _text_sprite(text, scale, color, thickness)
    k = keep[..., 1].astype(np.float64)
    yuv = on_black.astype(np.float64) @ _YUV.T + _YUV_OFFSET * (1 - k / 255)[..., None]
    h, w = k.shape
    # the chroma planes: the sprite in its 2 x 2 blocks (padded with "keep all, add nothing")
    hh, ww = (h + odd_y + 1) // 2 * 2, (w + odd_x + 1) // 2 * 2
    kk = np.full((hh, ww), 255.0)
    kk[odd_y : odd_y + h, odd_x : odd_x + w] = k
    uv = np.zeros((hh, ww, 2))
    uv[odd_y : odd_y + h, odd_x : odd_x + w] = yuv[..., 1:]
    kk = kk.reshape(hh // 2, 2, ww // 2, 2).mean(axis=(1, 3))
    uv = uv.reshape(hh // 2, 2, ww // 2, 2, 2).mean(axis=(1, 3))

    def u8(a: np.ndarray) -> np.ndarray:
        out = np.clip(np.rint(a), 0, 255).astype(np.uint8)
        out.setflags(write=False)
        return out

    return (
        (u8(k), u8(yuv[..., 0])),
        (u8(kk), u8(uv[..., 0])),
        (u8(kk), u8(uv[..., 1])),
    )


class _I420:
    """Drawing on I420 planes, ``(H * 3 / 2, W)`` uint8 (even H and W), in place: luma at full
    size, chroma on the half-size planes (points at chroma-sample precision), the same
    picture as drawing in RGB and converting, within a level or two of luma (chroma at the
    thin lines' and letters' edges, in 2 x 2 blocks)."""

    def __init__(self, planes: np.ndarray) -> None:
        h2, self.w = planes.shape
        self.h = h2 * 2 // 3
        flat = planes.reshape(-1)
        n = self.h * self.w // 4
        self.y = planes[: self.h]
        self.u = flat[self.h * self.w : self.h * self.w + n].reshape(self.h // 2, self.w // 2)
        self.v = flat[self.h * self.w + n :].reshape(self.h // 2, self.w // 2)

    @staticmethod
    def _c(p: tuple[int, int]) -> tuple[int, int]:
        """A pixel's centre on the chroma planes, in quarter samples (``shift=2``)."""
        return 2 * p[0] - 1, 2 * p[1] - 1

    def line(self, a: tuple[int, int], b: tuple[int, int], color: Color, thickness: int) -> None:
        y, u, v = _yuv(color)
        cv2.line(self.y, a, b, (y,), thickness, cv2.LINE_AA)
        ca, cb, t = self._c(a), self._c(b), max(1, round(thickness / 2))
        cv2.line(self.u, ca, cb, (u,), t, cv2.LINE_AA, 2)
        cv2.line(self.v, ca, cb, (v,), t, cv2.LINE_AA, 2)

    def dot(self, p: tuple[int, int], radius: int, color: Color) -> None:
        y, u, v = _yuv(color)
        cv2.circle(self.y, p, radius, (y,), -1, cv2.LINE_AA)
        c = self._c(p)
        cv2.circle(self.u, c, 2 * radius, (u,), -1, cv2.LINE_AA, 2)
        cv2.circle(self.v, c, 2 * radius, (v,), -1, cv2.LINE_AA, 2)

    def rectangle(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        y, u, v = _yuv(color)
        cv2.rectangle(self.y, (x0, y0), (x1, y1), (y,), -1)
        for plane, value in ((self.u, u), (self.v, v)):
            cv2.rectangle(plane, (x0 // 2, y0 // 2), (x1 // 2, y1 // 2), (value,), -1)

    def shade(self, x0: int, y0: int, x1: int, y1: int, color: Color, alpha: float) -> None:
        values = _yuv(color)
        for i, plane in enumerate((self.y, self.u, self.v)):
            d = 1 if i == 0 else 2
            ph, pw = plane.shape
            bx0, by0, bx1, by1 = _box(ph, pw, x0 // d, y0 // d, -(-x1 // d), -(-y1 // d))
            if bx1 > bx0 and by1 > by0:
                roi = plane[by0:by1, bx0:bx1]
                block = _fill(by1 - by0, bx1 - bx0, (values[i],))
                cv2.addWeighted(block, alpha, roi, 1 - alpha, 0, dst=roi)

    def text(self, text: str, org: tuple[int, int], scale: float, color: Color, thick: int) -> None:
        _, _, dx, dy = _text_sprite(text, round(scale, 4), color, thick)
        x0, y0 = org[0] - dx, org[1] - dy
        sprites = _plane_sprites(text, round(scale, 4), color, thick, x0 & 1, y0 & 1)
        _blend(self.y, *sprites[0], x0, y0)
        _blend(self.u, *sprites[1], x0 // 2, y0 // 2)
        _blend(self.v, *sprites[2], x0 // 2, y0 // 2)

    def blur(self, x0: int, y0: int, x1: int, y1: int, k: int) -> None:
        self.y[y0:y1, x0:x1] = cv2.GaussianBlur(self.y[y0:y1, x0:x1], (k, k), 0)
        kc = max(3, (k // 2) | 1)
        for plane in (self.u, self.v):
            roi = plane[y0 // 2 : -(-y1 // 2), x0 // 2 : -(-x1 // 2)]
            if min(roi.shape) > 1:
                roi[:] = cv2.GaussianBlur(roi, (kc, kc), 0)


Canvas = _Rgb | _I420


def _skeleton(canvas: Canvas, person: PersonView, color: Color, thickness: int) -> None:
    pts = person.points
    for a, b in SKELETON:
        pa, pb = pts[a], pts[b]
        if pa is not None and pb is not None:
            canvas.line(pa, pb, color, thickness)
    for i, p in enumerate(pts):
        if p is not None and i not in _FACE[1:]:
            canvas.dot(p, max(2, thickness), color)


def blur_faces(img: np.ndarray, people: tuple[PersonView, ...]) -> None:
    """Blur a box around each person's face landmarks, in place (an RGB picture)."""
    _blur_faces(_Rgb(img), people)


def _blur_faces(canvas: Canvas, people: tuple[PersonView, ...]) -> None:
    h, w = canvas.h, canvas.w
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
            canvas.blur(x0, y0, x1, y1, max(3, (r // 2) * 2 + 1))


def annotate(
    rgb: np.ndarray, view: FrameView, *, blur: bool = False, in_place: bool = False
) -> np.ndarray:
    """A copy of ``rgb`` (or ``rgb`` itself, ``in_place``) with the people, the measures panel
    and the cue drawn on it."""
    img = rgb if in_place else rgb.copy()
    _draw(_Rgb(img), view, blur)
    return img


def annotate_i420(planes: np.ndarray, view: FrameView, *, blur: bool = False) -> np.ndarray:
    """:func:`annotate` on a picture's I420 planes (``(H * 3 / 2, W)``, even H and W), in
    place (a copy first if they are not one contiguous block): for a video decoded as 4:2:0
    and encoded so, no conversion to RGB and back."""
    planes = np.ascontiguousarray(planes)
    _draw(_I420(planes), view, blur)
    return planes


def annotated(
    picture: np.ndarray, size: tuple[int, int], view: FrameView, *, blur: bool = False
) -> np.ndarray:
    """A decoded picture (RGB, or I420 planes: :func:`posture.video.io.drawing_picture`; the
    caller's own, drawn on in place) at ``size`` (shrunk if it is larger), annotated."""
    if picture.ndim == 3:
        if (picture.shape[1], picture.shape[0]) != size:
            picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
        return annotate(picture, view, blur=blur, in_place=True)
    if (picture.shape[1], picture.shape[0] * 2 // 3) != size:
        picture = _resized_i420(picture, size)
    return annotate_i420(picture, view, blur=blur)


def _resized_i420(planes: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """I420 planes at ``size`` (even), each plane shrunk by pixel area."""
    w, h = size
    src, out = _I420(planes), np.empty((h * 3 // 2, w), np.uint8)
    dst = _I420(out)
    dst.y[:] = cv2.resize(src.y, (w, h), interpolation=cv2.INTER_AREA)
    dst.u[:] = cv2.resize(src.u, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    dst.v[:] = cv2.resize(src.v, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return out


def _draw(canvas: Canvas, view: FrameView, blur: bool) -> None:
    unit = max(canvas.h, canvas.w) / 720.0
    if blur:
        _blur_faces(canvas, view.people)
    color = RISK_RGB.get(view.risk_level, RISK_RGB["unknown"])
    for person in view.people:
        is_subject = person.person_id == view.subject_id
        _skeleton(
            canvas,
            person,
            color if is_subject else OTHER_RGB,
            max(1, round((3 if is_subject else 1) * unit)),
        )
        nose = person.points[LM.NOSE] or next((p for p in person.points if p), None)
        if nose is not None and len(view.people) > 1:
            canvas.text(
                f"#{person.person_id}",
                (nose[0] + 6, max(nose[1] - 12, 12)),
                0.5 * unit,
                (255, 255, 255),
                max(1, round(unit)),
            )
    _panel(canvas, view, color, unit)
    banner_h = _banner(canvas, view.cue, color, unit) if view.cue else 0
    if view.why:
        _why(canvas, view.why, unit, banner_h)


def _panel(canvas: Canvas, view: FrameView, color: Color, unit: float) -> None:
    line = int(24 * unit)
    pad = int(8 * unit)
    rows = 2 + len(view.readings)
    width = int(250 * unit)
    canvas.shade(0, 0, width, pad * 2 + line * rows, (20, 20, 20), 0.6)
    y = pad + int(18 * unit)
    canvas.rectangle(pad, y - int(15 * unit), pad + int(14 * unit), y - int(1 * unit), color)
    canvas.text(
        f"RISK {view.risk_level.upper()}",
        (pad + int(22 * unit), y),
        0.6 * unit,
        (255, 255, 255),
        max(1, round(1.5 * unit)),
    )
    y += line
    canvas.text(
        f"view: {view.view}" + (f"   {view.footer}" if view.footer else ""),
        (pad, y),
        0.45 * unit,
        (210, 210, 210),
        max(1, round(unit)),
    )
    for label, value, trusted in view.readings:
        y += line
        canvas.text(f"{label}", (pad, y), 0.55 * unit, (230, 230, 230), max(1, round(unit)))
        canvas.text(
            value + ("" if trusted else " ?"),
            (pad + int(135 * unit), y),
            0.55 * unit,
            (255, 255, 255) if trusted else (160, 160, 160),
            max(1, round(unit)),
        )


def _banner(canvas: Canvas, cue_text: str, color: Color, unit: float) -> int:
    """The cue across the bottom; returns the banner's height."""
    h, w = canvas.h, canvas.w
    scale = 0.9 * unit
    thick = max(1, round(2 * unit))
    (tw, th), _ = cv2.getTextSize(cue_text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    while tw > w * 0.92 and scale > 0.3:
        scale *= 0.9
        (tw, th), _ = cv2.getTextSize(cue_text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    bh = th + int(24 * unit)
    canvas.shade(0, h - bh, w, h, color, 0.85)
    canvas.text(cue_text, ((w - tw) // 2, h - bh // 2 + th // 2), scale, (255, 255, 255), thick)
    return bh


def _why(canvas: Canvas, text: str, unit: float, above: int) -> None:
    """Why the cue is on or off, in a strip above the banner (shrunk to fit the width)."""
    h, w = canvas.h, canvas.w
    scale = 0.45 * unit
    thick = max(1, round(unit))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    while tw > w * 0.97 and scale > 0.25:
        scale *= 0.92
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    sh = th + int(12 * unit)
    canvas.shade(0, h - above - sh, w, h - above, (20, 20, 20), 0.6)
    canvas.text(text, (int(6 * unit), h - above - sh // 2 + th // 2), scale, (235, 235, 235), thick)


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
