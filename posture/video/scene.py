"""The camera's gravity from the scene: its pitch and roll from the room's vertical lines.

**Method.** Line segments are found in a few frames sampled over the clip (OpenCV's fast line
detector; :mod:`posture.video.scene_lines`), leaving out the picture's borders and bars and
everything near a person (bodies have many near-vertical edges that are not plumb). The
segments' vanishing points are found one after another by RANSAC on the Gaussian sphere
(segment pairs drawn by length, consensus by the angle between a segment and the line from
its midpoint to the point; :mod:`posture.video.vanishing`), then refined by length-weighted
least squares. A static camera's segments are pooled over all sampled frames.

The *vertical* vanishing point is the one that (a) lies within ``scene.max_roll_deg`` of the
picture's vertical as seen from its centre, (b) is met by at least ``scene.min_lines``
distinct lines, and (c) lies farther from the centre than the focal length, i.e. gives a
pitch under ``scene.max_pitch_deg`` (45 deg by default). (c) is what tells the verticals from
the floor's receding lines, which also look nearly vertical in a camera looking down: a
camera pitched by ``p`` sees the verticals meet at ``f / tan p`` below the centre and every
horizontal direction meet on the horizon, ``f tan p`` above it. The roll is the direction
from the centre to the vertical point, the pitch ``atan(f / distance)``.

**Focal length.** The roll needs none; the pitch does. Given the lens's field of view, it is
used. Otherwise the scene gives it when it shows a horizontal direction too: any horizontal
vanishing point ``h`` and the vertical one ``v`` are perpendicular, so
``f^2 = -(v - c) . (h - c)``; several horizontal points must agree. Without either, the
setting ``view.camera_hfov_deg`` is assumed and the pitch's uncertainty spans every lens from
``scene.min_hfov_deg`` to ``scene.max_hfov_deg`` (a level camera's pitch stays near 0 for any
lens; a pitched one's becomes uncertain).

**Uncertainty.** 1 sigma from the spread of the segments about the fit (a sandwich estimate,
inflated by the number of frames, since a static camera shows the same edges in each), the
focal length's uncertainty, and ``scene.plumb_sigma_deg`` for what the segments cannot show
(walls and frames not quite plumb, the lens's centre off the picture's centre). A roll less
certain than ``scene.max_roll_sigma_deg`` gives no estimate, with the reason.

**A moving camera.** Each sampled frame is also fitted alone; frames whose tilts disagree by
more than ``scene.moved_deg`` and 3 sigma split the clip into still parts. A camera that moved
gives one estimate per still part (``windows``) and no single one; one that moves all the
time (hand-held) gives none.

**Conventions.** ``pitch_deg``: the optical axis below the horizontal (positive: the camera
looks down). ``roll_deg``: the plumb line through the picture's centre, from the picture's
vertical; positive when gravity points to the picture's *right* of straight down (an
upright person's head then leans to the picture's left), as :mod:`posture.core.gravity`.
``../shared/media/CAMERAS.md``'s "13.4 deg from straight down, toward the picture's left" is
``roll_deg = -13.4``.

**Assumptions and limits.** A pinhole lens with the principal point at the picture's centre
and no strong distortion (fisheye lenses bend lines); a built scene with several plumb edges
(walls, doors, shelves, posts) outside the people. Plain backgrounds, outdoor scenes of
trees and sky, or a floor-only view give no estimate. Many leaning objects that agree (a rack
of boards) would be taken for verticals. Pitches beyond ``scene.max_pitch_deg`` (a camera
looking steeply down from the ceiling) are not looked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from posture.core.config import DEFAULTS, Settings
from posture.core.landmarks import PoseRecording
from posture.video import scene_fit
from posture.video.io import open_video, read_frames
from posture.video.scene_fit import Fit
from posture.video.scene_lines import SceneSample, find_segments

__all__ = [
    "SceneGravity",
    "SceneSample",
    "SceneSampler",
    "estimate_scene_gravity",
    "people_at",
    "sample_scene",
    "scene_gravity_of_video",
    "still_groups",
]


@dataclass(frozen=True)
class SceneGravity:
    """The camera's gravity as the scene shows it; NaN angles when there is no estimate.

    Angles in degrees, signs in the module docstring; ``*_sigma_deg`` 1-sigma uncertainties.
    ``focal_px`` the focal length used and ``focal_source`` where it came from: ``estimated``
    (from the scene), ``given`` (the caller's field of view) or ``assumed``
    (``view.camera_hfov_deg``). ``n_segments`` / ``n_lines`` the segments and distinct lines
    meeting in the vertical point, over ``n_frames`` sampled frames spanning ``t_s``;
    ``vanishing_point_px`` the point in picture pixels (None at infinity). ``reason`` says in
    plain words how it was found or why there is none. ``moving``: the camera moved;
    ``windows`` then holds one estimate per still part.
    """

    pitch_deg: float
    roll_deg: float
    pitch_sigma_deg: float
    roll_sigma_deg: float
    focal_px: float
    focal_source: str
    n_segments: int
    n_lines: int
    n_frames: int
    t_s: tuple[float, float]
    vanishing_point_px: tuple[float, float] | None
    reason: str
    moving: bool = False
    windows: tuple[SceneGravity, ...] = field(default=())

    @property
    def found(self) -> bool:
        return math.isfinite(self.pitch_deg) and math.isfinite(self.roll_deg)

    @property
    def down_xy(self) -> tuple[float, float]:
        """Unit vector of gravity in the picture at its centre (x right, y down)."""
        r = math.radians(self.roll_deg)
        return (math.sin(r), math.cos(r))

    def as_dict(self) -> dict[str, Any]:
        """For summary.json: rounded numbers, None for what is unknown."""

        def num(x: float, nd: int = 1) -> float | None:
            return round(x, nd) if math.isfinite(x) else None

        vp = self.vanishing_point_px
        return {
            "found": self.found,
            "pitch_deg": num(self.pitch_deg),
            "roll_deg": num(self.roll_deg),
            "pitch_sigma_deg": num(self.pitch_sigma_deg),
            "roll_sigma_deg": num(self.roll_sigma_deg),
            "focal_px": num(self.focal_px, 0),
            "focal_source": self.focal_source,
            "segments": self.n_segments,
            "lines": self.n_lines,
            "frames": self.n_frames,
            "t_s": [round(t, 3) for t in self.t_s],
            "vanishing_point_px": None if vp is None else [round(vp[0]), round(vp[1])],
            "reason": self.reason,
            "moving": self.moving,
            "windows": [w.as_dict() for w in self.windows],
        }


# ---------------------------------------------------------------------------------------------
# sampling
# ---------------------------------------------------------------------------------------------
class SceneSampler:
    """Keeps the line segments of one frame every ``scene.sample_interval_s`` of a stream
    (recorded or live), at most ``scene.max_frames``: past that, every other kept frame is
    dropped and the interval doubles, so the frames stay spread over the whole clip. Costs a
    line detection per kept frame (see README "Speed"), nothing on the others."""

    def __init__(self, settings: Settings = DEFAULTS) -> None:
        self.settings = settings.scene
        self.interval_s = self.settings.sample_interval_s
        self._next_t = -math.inf
        self._frames: list[tuple[int, float, np.ndarray, np.ndarray | None]] = []
        self.size: tuple[int, int] = (0, 0)

    def due(self, t_s: float) -> bool:
        """Whether a frame at ``t_s`` would be kept (check before converting a frame)."""
        return t_s >= self._next_t

    def offer(
        self, index: int, t_s: float, rgb: np.ndarray, people: np.ndarray | None = None
    ) -> bool:
        """Keep this frame's segments if it is due; ``people`` in it if known (landmarks or
        boxes, as :class:`SceneSample`)."""
        if not self.due(t_s):
            return False
        self.size = (int(rgb.shape[1]), int(rgb.shape[0]))
        self._frames.append((index, t_s, find_segments(rgb, self.settings), people))
        self._next_t = t_s + self.interval_s
        if len(self._frames) > self.settings.max_frames:
            self._frames = self._frames[::2]
            self.interval_s *= 2
            self._next_t = self._frames[-1][1] + self.interval_s
        return True

    @property
    def sample(self) -> SceneSample:
        f = self._frames
        return SceneSample(
            tuple(x[2] for x in f),
            np.array([x[1] for x in f], np.float64),
            np.array([x[0] for x in f], np.int64),
            tuple(x[3] for x in f),
            self.size,
        )


def sample_scene(path: str | Path, settings: Settings = DEFAULTS) -> SceneSample:
    """Segments of frames spread evenly over a video file: one every
    ``scene.sample_interval_s``, at most ``scene.max_frames``, read in one pass
    (:func:`posture.video.io.read_frames`). Raises :class:`posture.core.errors.VideoError`
    for a file that cannot be read."""
    s = settings.scene
    with open_video(path) as video:
        info = video.info
    duration = info.duration_s or (info.n_frames / info.fps if info.fps else 0.0)
    n = int(min(s.max_frames, max(1, math.floor(duration / s.sample_interval_s) + 1)))
    times = (np.arange(n) + 0.5) * duration / n if duration > 0 else np.zeros(1)
    segments, kept_t = [], []
    for t, rgb in read_frames(path, times.tolist()):
        segments.append(find_segments(rgb, s))
        kept_t.append(t)
    return SceneSample(
        tuple(segments),
        np.array(kept_t, np.float64),
        np.full(len(kept_t), -1, np.int64),  # matched to a recording by time
        (None,) * len(segments),
        (info.width, info.height),
    )


def people_at(rec: PoseRecording, sample: SceneSample) -> list[np.ndarray]:
    """The people of a recording at each frame of ``sample``: normalised image landmarks
    ``(P, 33, 2)`` (``P = 0`` where nobody was seen). Frames are matched by number when the
    sample knows them, else by time (the nearest row, within one frame interval)."""
    t_rec = rec.people[0].t_s
    step = float(np.median(np.diff(t_rec))) if len(t_rec) > 1 else math.inf
    out = []
    for idx, t in zip(sample.index, sample.t_s, strict=True):
        found = []
        for p in rec.people:
            if idx >= 0:
                rows = np.flatnonzero(p.frame_index == idx)
            else:
                near = int(np.argmin(np.abs(p.t_s - t))) if len(p.t_s) else -1
                ok = near >= 0 and abs(p.t_s[near] - t) <= step
                rows = np.array([near] if ok else [], np.int64)
            if len(rows) and p.pose_found[rows[0]]:
                found.append(p.image_xyz[rows[0], :, :2])
        out.append(np.array(found, np.float64).reshape(-1, 33, 2))
    return out


# ---------------------------------------------------------------------------------------------
# estimating
# ---------------------------------------------------------------------------------------------
def estimate_scene_gravity(
    frames: Sequence[np.ndarray] | SceneSample,
    people: Sequence[np.ndarray | None] | None = None,
    size: tuple[int, int] | None = None,
    hfov_deg: float | None = None,
    *,
    t_s: Sequence[float] | None = None,
    settings: Settings = DEFAULTS,
) -> SceneGravity:
    """The camera's pitch and roll from the scene in ``frames`` (RGB ``(H, W, 3)`` uint8
    frames sampled from one video, or a :class:`SceneSample`), leaving out the ``people`` (per
    frame: normalised landmarks ``(P, 33, >= 2)`` or boxes ``(P, 4)``). ``hfov_deg``: the lens's
    horizontal field of view if known (else estimated from the scene, or assumed)."""
    if isinstance(frames, SceneSample):
        sample = frames
    else:
        if not len(frames):
            raise ValueError("no frames to estimate the scene's gravity from")
        h, w = frames[0].shape[:2]
        times = np.arange(len(frames), dtype=np.float64) if t_s is None else np.asarray(t_s)
        sample = SceneSample(
            tuple(find_segments(f, settings.scene) for f in frames),
            times,
            np.full(len(frames), -1, np.int64),
            (None,) * len(frames),
            (w, h),
        )
    if people is not None:
        sample = sample.with_people(people)
    if size is not None and tuple(size) != tuple(sample.size):
        raise ValueError(f"size {size} differs from the frames' {sample.size}")
    return _estimate(sample, hfov_deg, settings)


def scene_gravity_of_video(
    path: str | Path,
    recording: PoseRecording | None = None,
    hfov_deg: float | None = None,
    settings: Settings = DEFAULTS,
) -> SceneGravity:
    """A video file's camera gravity from its scene in one call: frames sampled over it
    (:func:`sample_scene`), the ``recording``'s people (all tracks, from a finished analysis or
    ``landmarks.npz``) left out. A live stream offers its frames to a :class:`SceneSampler`
    instead and calls :func:`estimate_scene_gravity` on ``sampler.sample`` now and then (off
    the frame loop's thread: a fit of 24 frames takes about a second)."""
    sample = sample_scene(path, settings)
    if recording is not None:
        sample = sample.with_people(people_at(recording, sample))
    return estimate_scene_gravity(sample, hfov_deg=hfov_deg, settings=settings)


def _estimate(sample: SceneSample, hfov_deg: float | None, settings: Settings) -> SceneGravity:
    k = len(sample.segments)
    if k == 0:
        return _result(sample, [], None, "no frame could be read for the scene")
    everything = list(range(k))
    pooled = scene_fit.fit(sample, everything, hfov_deg, settings)
    if k < 2:
        return _result(sample, everything, pooled)
    singles = [scene_fit.fit(sample, [i], hfov_deg, settings) for i in everything]
    groups = still_groups(singles, settings.scene.moved_deg)
    if len(groups) <= 1:
        return _result(sample, everything, pooled)
    windows = tuple(
        _result(sample, g, scene_fit.fit(sample, g, hfov_deg, settings)) for g in groups
    )
    if len(groups) > max(2, k // 2):
        why = f"the camera moves all the time ({len(groups)} tilts in {k} frames; hand-held?)"
    else:
        why = f"the camera moved: {len(groups)} still parts with different tilts"
    nan = float("nan")
    return replace(
        _result(sample, everything, None, why),
        pitch_deg=nan,
        roll_deg=nan,
        moving=True,
        windows=windows,
    )


def _result(
    sample: SceneSample, frames: Sequence[int], fit: Fit | None, why: str = ""
) -> SceneGravity:
    t = sample.t_s[list(frames)] if len(frames) else np.zeros(1)
    span = (float(t.min()), float(t.max()))
    nan = float("nan")
    if fit is None:
        return SceneGravity(nan, nan, nan, nan, nan, "none", 0, 0, len(frames), span, None, why)
    return SceneGravity(
        fit.pitch_deg,
        fit.roll_deg,
        fit.pitch_sigma_deg,
        fit.roll_sigma_deg,
        fit.focal_px,
        fit.focal_source,
        fit.n_segments,
        fit.n_lines,
        fit.n_frames,
        span,
        fit.vanishing_point_px,
        fit.reason,
    )


def still_groups(fits: Sequence[Fit], moved_deg: float) -> list[list[int]]:
    """Consecutive frames grouped by the camera's tilt: a frame starts a new group when its
    roll or pitch (at the working focal length) differs from its group's by more than
    ``moved_deg`` and 3 sigma. A lone frame between agreeing ones is an outlier (a person
    hiding the room's lines), not a move. Frames without an estimate join their neighbours."""
    found = [i for i, f in enumerate(fits) if f.found]
    if len(found) < 2:
        return [list(range(len(fits)))]
    groups: list[list[int]] = [[found[0]]]
    for i in found[1:]:
        if _agree(fits, groups[-1], [i], moved_deg):
            groups[-1].append(i)
        else:
            groups.append([i])
    if len(groups) > 1 and any(len(g) > 1 for g in groups):
        groups = [g for g in groups if len(g) > 1]  # lone frames: outliers
    merged = [groups[0]]
    for g in groups[1:]:
        if _agree(fits, merged[-1], g, moved_deg):
            merged[-1] += g
        else:
            merged.append(g)
    owner = np.full(len(fits), -1)
    for k, g in enumerate(merged):
        owner[g] = k
    for i in range(len(fits)):  # frames left out join the group of the frame before them
        if owner[i] < 0:
            owner[i] = owner[i - 1] if i > 0 else 0
    return [np.flatnonzero(owner == k).tolist() for k in range(len(merged))]


def _mean(fits: Sequence[Fit], group: list[int]) -> tuple[float, float, float, float]:
    """Inverse-variance means of roll and pitch (at the working focal length), with their
    1 sigma, over a group of frames."""
    out = []
    for value, sigma in (("roll_deg", "roll_stat_deg"), ("pitch_w_deg", "pitch_w_stat_deg")):
        x = np.array([getattr(fits[i], value) for i in group])
        w = 1 / np.maximum([getattr(fits[i], sigma) for i in group], 1e-3) ** 2
        out += [float((w * x).sum() / w.sum()), float(np.sqrt(1 / w.sum()))]
    return out[0], out[1], out[2], out[3]


def _agree(fits: Sequence[Fit], a: list[int], b: list[int], moved_deg: float) -> bool:
    ra, sra, pa, spa = _mean(fits, a)
    rb, srb, pb, spb = _mean(fits, b)
    roll_ok = abs(ra - rb) <= max(moved_deg, 3 * math.hypot(sra, srb))
    return roll_ok and abs(pa - pb) <= max(moved_deg, 3 * math.hypot(spa, spb))
