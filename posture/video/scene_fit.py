"""Fitting the camera's gravity to the segments of some sampled frames; the method is
described in :mod:`posture.video.scene`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import bdtrc

from posture.core.config import SceneSettings, Settings
from posture.core.skeleton import DEFAULT_HFOV_DEG
from posture.video import vanishing as vp
from posture.video.scene_lines import (
    SceneSample,
    detection_scale,
    line_ids,
    outside_people,
    people_mask,
)

#: Most vanishing points looked for in one fit (the vertical and a few horizontal ones).
MAX_VANISHING = 6
#: A focal length estimated from a pair of vanishing points less precise than this share of
#: itself is not used (a horizontal point nearly at infinity says little about it).
MAX_FOCAL_SHARE = 0.15
#: Least 1-sigma share of a focal length from one pair of vanishing points: few segments make
#: the statistical spread unreliable, and the lens's centre is not exactly the picture's.
FOCAL_FLOOR_SHARE = 0.03
#: Least angle (deg) by which two directions count as not perpendicular, and by which a
#: contradicting vertical must differ from the chosen one.
PERPENDICULAR_DEG = 2.0
CONTRADICTION_DEG = 5.0


@dataclass(frozen=True)
class Fit:
    """One fit; angles in degrees, NaN without an estimate (``reason`` says why).

    ``roll_stat_deg`` / ``pitch_w_stat_deg``: the statistical parts of the uncertainty, and
    ``pitch_w_deg`` the pitch at the working focal length (which all frames of a clip share):
    what is compared to tell whether the camera moved.
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
    vanishing_point_px: tuple[float, float] | None
    reason: str
    pitch_w_deg: float = math.nan
    roll_stat_deg: float = math.nan
    pitch_w_stat_deg: float = math.nan

    @property
    def found(self) -> bool:
        return math.isfinite(self.roll_deg)


def _none(reason: str, n_frames: int = 0) -> Fit:
    nan = math.nan
    return Fit(nan, nan, nan, nan, nan, "none", 0, 0, n_frames, None, reason)


@dataclass(frozen=True)
class Point:
    """A vanishing point with its distinct lines and whether they stand out from chance:
    ``log10_nfa`` is the a-contrario number of false alarms (how many points met by as many
    lines a picture of as many randomly oriented lines would show; Desolneux, Moisan & Morel),
    ``significant`` when it is below ``scene.max_false_alarms``."""

    v: vp.Vanishing
    n_lines: int
    log10_nfa: float
    significant: bool

    @property
    def d(self) -> np.ndarray:
        return self.v.d


def focal_for(hfov_deg: float, width: int) -> float:
    """Focal length in pixels of a lens with horizontal field of view ``hfov_deg``."""
    return width / 2 / math.tan(math.radians(hfov_deg) / 2)


def _gather(
    sample: SceneSample, frames: Sequence[int], s: SceneSettings
) -> tuple[np.ndarray, np.ndarray]:
    segs, ids = [np.zeros((0, 4))], [np.zeros(0, np.int64)]
    for i in frames:
        seg = np.asarray(sample.segments[i], np.float64).reshape(-1, 4)
        mask = people_mask(sample.people[i], sample.size, s.person_margin)
        seg = seg[outside_people(seg, mask)]
        segs.append(seg)
        ids.append(np.full(len(seg), i, np.int64))
    return np.concatenate(segs), np.concatenate(ids)


def vanishing_points(lines: vp.Lines, s: SceneSettings) -> list[Point]:
    """The strongest vanishing points, one after another (each one's segments removed before
    the next is looked for). Lines, not segments, are counted: a still camera shows the same
    edges in every frame, which are not independent evidence."""
    rng = np.random.default_rng(0)  # the same frames always give the same answer
    usable = np.ones(len(lines), bool)
    n_all = len(np.unique(lines.line))
    chance = float(np.mean(lines.tol_deg)) / 90.0 if len(lines) else 1.0
    tests = 2.0 / math.radians(s.inlier_deg) ** 2  # distinct directions on the half sphere
    found: list[Point] = []
    while len(found) < MAX_VANISHING and usable.sum() >= 2:
        v = vp.ransac(lines, usable, rng)
        if v is None or v.n_segments < 2:
            break
        k = len(np.unique(lines.line[v.inliers]))
        tail = float(bdtrc(k - 1, n_all, chance)) if k > 0 else 1.0
        nfa = math.log10(tests) + math.log10(max(tail, 1e-300))
        significant = nfa <= math.log10(s.max_false_alarms)
        found.append(Point(v, k, nfa, significant))
        usable &= ~v.inliers
    return found


@dataclass(frozen=True)
class _Lenses:
    """The working focal length and the range of lenses considered."""

    f_w: float
    given: bool
    width: int
    height: int
    s: SceneSettings

    @property
    def lo(self) -> float:
        return focal_for(self.s.max_hfov_deg, self.width)

    @property
    def hi(self) -> float:
        return focal_for(self.s.min_hfov_deg, self.width)


def fit(
    sample: SceneSample, frames: Sequence[int], hfov_deg: float | None, settings: Settings
) -> Fit:
    """The camera's gravity from the segments of ``frames`` (indices into ``sample``)."""
    s = settings.scene
    seg, ids = _gather(sample, frames, s)
    if len(seg) < 2:
        return _none("no line segments outside the people (a plain background?)", len(frames))
    f_w = focal_for(hfov_deg or settings.view.camera_hfov_deg or DEFAULT_HFOV_DEG, sample.size[0])
    endpoint_px = 1.0 / detection_scale(sample.size, s)
    on_line = line_ids(seg, sample.size)
    lines = vp.to_lines(
        seg, ids, on_line, sample.size, f_w, s.inlier_deg, endpoint_px, s.plumb_sigma_deg
    )
    points = vanishing_points(lines, s)
    lenses = _Lenses(f_w, hfov_deg is not None, *sample.size, s)
    verdicts = [_judge(i, points, lenses) for i in range(len(points))]
    ok = [i for i, v in enumerate(verdicts) if v == "ok"]
    if not ok:
        return _none(_why_none(verdicts, points), len(frames))
    best = max(ok, key=lambda i: points[i].v.support_px)
    return _gravity(best, points, lenses, len(np.unique(ids[points[best].v.inliers])))


def _pitch_at(d: np.ndarray, f_w: float, f: float) -> float:
    return float(vp.roll_pitch_deg(vp.down(vp.at_focal(d, f_w, f)))[1])


def _roll(d: np.ndarray) -> float:
    return float(vp.roll_pitch_deg(vp.down(d))[0])


def _pair_focals(i: int, points: list[Point], lenses: _Lenses) -> list[tuple[float, float, float]]:
    """(focal length, 1 sigma, support) from vertical point ``i`` and each other significant
    point taken as horizontal (perpendicular to it), for those giving a lens in the range."""
    out = []
    for j, h in enumerate(points):
        if j == i or not h.significant:
            continue
        f = vp.focal_from_pair(points[i].d, h.d, lenses.f_w)
        if not (lenses.lo <= f <= lenses.hi):
            continue
        sigma = float(
            vp.propagate(lambda a, b: vp.focal_from_pair(a, b, lenses.f_w), points[i].v, h.v)
        )
        if sigma <= MAX_FOCAL_SHARE * f:
            out.append((f, max(sigma, FOCAL_FLOOR_SHARE * f), h.v.support_px))
    return out


def _focal(i: int, points: list[Point], lenses: _Lenses) -> tuple[float, float, str]:
    """(focal length, its 1 sigma, source) for vertical point ``i``: given; else estimated from
    the horizontal points, each perpendicular to the vertical one; else assumed (sigma NaN:
    the whole range of lenses). Every horizontal point lies on the horizon, so all of them give
    the same focal length: one alone could be a chance meeting of unrelated lines (a wrong
    focal length, confidently), so at least two must agree and carry most of the support."""
    if lenses.given:
        return lenses.f_w, 0.0, "given"
    est = _pair_focals(i, points, lenses)
    if len(est) >= 2:
        f_k, s_k, w_k = np.array(est).T
        agree = np.abs(f_k[:, None] - f_k[None, :]) <= 3 * np.hypot(s_k[:, None], s_k[None, :])
        best = agree[int(np.argmax(agree.astype(np.float64) @ w_k))]
        if best.sum() >= 2 and w_k[best].sum() > w_k[~best].sum():
            inv = 1 / s_k[best] ** 2
            f = float((inv * f_k[best]).sum() / inv.sum())
            return f, float(np.sqrt(1 / inv.sum())), "estimated"
    return lenses.f_w, math.nan, "assumed"


def _judge(i: int, points: list[Point], lenses: _Lenses) -> str:
    """``ok``, or why vanishing point ``i`` is not the verticals': ``sideways`` (beyond the
    largest roll), ``weak`` (its lines could meet by chance), ``horizon`` (nearer the centre
    than the pitch limits allow for any lens: the floor's receding lines), ``ambiguous``
    (either, by the lens), ``contradicted`` (two other perpendicular directions make a likelier
    vertical)."""
    s, d = lenses.s, points[i].d
    if abs(_roll(d)) > s.max_roll_deg:
        return "sideways"
    if not points[i].significant:
        return "weak"
    f, sigma, _ = _focal(i, points, lenses)
    lo, hi = (lenses.lo, lenses.hi) if math.isnan(sigma) else (f - 2 * sigma, f + 2 * sigma)
    pitches = [_pitch_at(d, lenses.f_w, x) for x in (max(lo, 1.0), hi)]
    limit = s.max_pitch_deg if pitches[0] >= 0 else s.max_pitch_up_deg
    least, most = sorted(abs(p) for p in pitches)
    if least > limit:
        return "horizon"
    if most > limit:
        # a horizontal point on the other side of the centre, perpendicular to this one for
        # some lens, tells which of the two is vertical whatever the lens: the farther one
        pairs = _pair_focals(i, points, lenses)
        if not any(abs(_pitch_at(d, lenses.f_w, fp)) <= limit for fp, _, _ in pairs):
            return "ambiguous"
    if not math.isnan(sigma) and _contradicted(i, points, lenses.f_w, f):
        return "contradicted"
    return "ok"


def _tilt_deg(d: np.ndarray) -> float:
    """Angle between the picture's down axis and the direction (either sign)."""
    return float(np.degrees(np.arccos(min(1.0, abs(d[1]) / np.linalg.norm(d)))))


def _sigma(v: vp.Vanishing) -> float:
    """Largest 1-sigma angle of a vanishing direction, radians."""
    if not np.isfinite(v.cov).all():
        return math.inf
    return float(np.sqrt(np.linalg.eigvalsh(v.cov).max()))


def _contradicted(i: int, points: list[Point], f_w: float, f: float) -> bool:
    """Whether two perpendicular directions among the significant vanishing points (at focal
    ``f``) make, with their common perpendicular, three axes whose axis nearest the picture's
    vertical is not point ``i`` and is nearer than it. A floor of perpendicular tiles seen from
    high up has two horizontal points and no vertical one: either floor direction could pass
    for the vertical of a camera looking up, but the floor's normal is nearer the picture's
    vertical (a camera is held upright rather than sideways)."""
    strong = [p for p in points if p.significant]
    own = vp.at_focal(points[i].d, f_w, f)
    for k, a in enumerate(strong):
        for b in strong[k + 1 :]:
            da, db = vp.at_focal(a.d, f_w, f), vp.at_focal(b.d, f_w, f)
            spread = 3 * math.degrees(math.hypot(_sigma(a.v), _sigma(b.v)))
            tol = max(PERPENDICULAR_DEG, spread)
            if abs(90.0 - math.degrees(math.acos(min(1.0, abs(float(da @ db)))))) > tol:
                continue
            third = np.cross(da, db)
            best = min([da, db, third / np.linalg.norm(third)], key=_tilt_deg)
            apart = math.degrees(math.acos(min(1.0, abs(float(best @ own)))))
            if apart > max(CONTRADICTION_DEG, tol) and _tilt_deg(best) < _tilt_deg(own):
                return True
    return False


def _why_none(verdicts: list[str], points: list[Point]) -> str:
    if "contradicted" in verdicts:
        return (
            "the lines meet like a floor's or a wall's, not like verticals: the scene shows no "
            "vertical direction"
        )
    if "ambiguous" in verdicts:
        return (
            "the near-vertical lines could be the walls' verticals or the floor's receding "
            "lines: the lens's field of view would tell them apart"
        )
    weak = [p.n_lines for p, v in zip(points, verdicts, strict=True) if v == "weak"]
    if weak:
        return (
            f"too few vertical lines in the scene (at most {max(weak)} meet in a point, as "
            "lines at random would; a plain background?)"
        )
    return "no vertical lines in the scene outside the people (a plain or open background?)"


def _gravity(i: int, points: list[Point], lenses: _Lenses, n_frames: int) -> Fit:
    s, v, f_w = lenses.s, points[i].v, lenses.f_w
    f, f_sigma, source = _focal(i, points, lenses)
    roll, pitch = _roll(v.d), _pitch_at(v.d, f_w, f)
    roll_stat = float(vp.propagate(_roll, v))
    pitch_stat = float(vp.propagate(lambda d: _pitch_at(d, f_w, f), v))
    if source == "assumed":  # any lens in the range: half the widest swing, as 1 sigma
        swing = max(abs(_pitch_at(v.d, f_w, x) - pitch) for x in (lenses.lo, lenses.hi))
        lens_part = swing / 2
    else:
        step = max(f_sigma, 1e-3 * f)
        lens_part = abs(_pitch_at(v.d, f_w, f + step) - pitch) / step * f_sigma
    roll_sigma = math.hypot(roll_stat, s.min_sigma_deg)
    pitch_sigma = math.sqrt(pitch_stat**2 + lens_part**2 + s.min_sigma_deg**2)
    if not roll_sigma <= s.max_roll_sigma_deg:
        why = f"the vertical lines are too few or too scattered (roll +-{roll_sigma:.0f} deg)"
        return _none(why, n_frames)
    d = vp.down(v.d)
    point = None
    if abs(d[2]) > 1e-9:
        c = (lenses.width / 2, lenses.height / 2)
        point = (float(c[0] + d[0] / d[2] * f_w), float(c[1] + d[1] / d[2] * f_w))
    lens = {
        "estimated": "focal length from the scene's horizontal lines",
        "given": "the given field of view",
        "assumed": "field of view assumed (pitch uncertain)",
    }[source]
    n_lines = points[i].n_lines
    return Fit(
        pitch,
        roll,
        pitch_sigma,
        roll_sigma,
        f,
        source,
        v.n_segments,
        n_lines,
        n_frames,
        point,
        f"vertical vanishing point of {n_lines} lines in {n_frames} "
        f"frame{'s' if n_frames != 1 else ''}; {lens}",
        _pitch_at(v.d, f_w, f_w),
        roll_stat,
        float(vp.propagate(lambda d: _pitch_at(d, f_w, f_w), v)),
    )
