"""Cleaning landmark trajectories: visibility threshold, short-gap interpolation, smoothing.

Recorded video gets a zero-phase Butterworth low-pass (``filtfilt``: no lag, as biomechanics
does it), live video a one-euro filter (causal, little lag when moving, smooth when still).
Gaps up to ``max_gap_s`` are interpolated linearly; longer gaps stay NaN, never invented.
All parameters come from :class:`posture.core.config.FilterSettings`.

A pose upside down (the ankles well above the hips) is not a working posture: it is the pose
model's glitch (a skeleton flipped for a frame or two) or an acrobatic moment out of this
tool's scope. Such frames are treated like frames without a pose (:func:`drop_upside_down`), so
a glitch can neither peak a measure nor put the hands under the floor.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import numpy as np

from posture.core.config import FilterSettings
from posture.core.landmarks import LM, N_LANDMARKS, PoseSequence

#: Ankles higher than the hips by this share of the trunk length: legs in the air, the pose
#: upside down. (The trunk alone tells little: a deep stoop of 100 deg seen by a camera pitched
#: 40 deg down reads 140 deg before the tilt is corrected, and the tilt is found later.)
UPSIDE_DOWN_ANKLES_TRUNKS = 0.25
#: ... or the shoulders below the hips by this share of the trunk length (cos 25 deg: the trunk
#: more than 155 deg from upright, past even that stoop and camera): a tucked somersault, whose
#: ankles stay by the hips.
UPSIDE_DOWN_TRUNK_COS = 0.906
#: ... unless the ankles hang below the hips by this share of the trunk length (a deep stoop
#: under a steeper camera than that, e.g. one high on a wall, looking down).
UPSIDE_DOWN_LEGS_DOWN_TRUNKS = 0.5


def nan_runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index runs where ``valid`` (1-D bool) is True."""
    v = np.concatenate([[False], valid.astype(bool), [False]])
    d = np.diff(v.astype(np.int8))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def low_visibility(visibility: np.ndarray, min_visibility: float) -> np.ndarray:
    """Landmarks (``(..., 33)``) less visible than the threshold; unknown visibility (NaN) is
    kept."""
    return np.asarray(visibility < min_visibility)  # NaN compares False


def mask_low_visibility(seq: PoseSequence, min_visibility: float) -> PoseSequence:
    """NaN out landmarks whose visibility is below the threshold (unknown visibility stays)."""
    low = low_visibility(seq.visibility, min_visibility)
    if not low.any():
        return seq
    world = seq.world_xyz_m.copy()
    image = seq.image_xyz.copy()
    world[low] = np.nan
    image[low] = np.nan
    return replace(seq, world_xyz_m=world, image_xyz=image)


def upside_down(xyz: np.ndarray, aspect: float = 1.0) -> np.ndarray:
    """``(T,)`` True where the pose ``(T, 33, 3)`` (y pointing down, as in MediaPipe's image
    and world landmarks) is upside down; False where it cannot be told."""
    used = [LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]
    used += [LM.LEFT_ANKLE, LM.RIGHT_ANKLE]
    # only the landmarks used, in float64 (z in units of x): a whole copy of a long
    # recording's landmarks would be its largest array
    sub = xyz[:, used].astype(np.float64) * np.array([aspect, 1.0, aspect])
    where = {lm: k for k, lm in enumerate(used)}

    def midpoint(a: LM, b: LM, dims: int) -> np.ndarray:
        """Of the points seen (one ankle may be hidden), in the first ``dims`` axes."""
        pair = sub[:, [where[a], where[b]], :dims]
        n = np.isfinite(pair).all(axis=-1).sum(axis=1)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                n > 0, np.nansum(np.where(np.isfinite(pair), pair, 0), axis=1) / n, np.nan
            )

    hips = midpoint(LM.LEFT_HIP, LM.RIGHT_HIP, 2)
    trunk = midpoint(LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, 2) - hips
    ankles = midpoint(LM.LEFT_ANKLE, LM.RIGHT_ANKLE, 2)
    # in depth too: a trunk bent toward a high camera points down the picture, not the body
    hips3 = midpoint(LM.LEFT_HIP, LM.RIGHT_HIP, 3)
    trunk3 = midpoint(LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, 3) - hips3
    length3 = np.linalg.norm(trunk3, axis=-1)
    legs3 = midpoint(LM.LEFT_ANKLE, LM.RIGHT_ANKLE, 3) - hips3
    with np.errstate(invalid="ignore"):
        feet_up = hips[:, 1] - ankles[:, 1] > UPSIDE_DOWN_ANKLES_TRUNKS * np.linalg.norm(
            trunk, axis=-1
        )
        # ... unless the legs hang below the hips: a stoop under a steep camera, not a tuck
        legs_down = legs3[:, 1] > UPSIDE_DOWN_LEGS_DOWN_TRUNKS * length3
        head_down = (trunk3[:, 1] > UPSIDE_DOWN_TRUNK_COS * length3) & ~legs_down
    return feet_up | head_down


def flipped(world_xyz_m: np.ndarray, image_xyz: np.ndarray, aspect: float) -> np.ndarray:
    """``(T,)`` frames whose world or image skeleton is upside down."""
    return upside_down(world_xyz_m) | upside_down(image_xyz, aspect)


def drop_upside_down(seq: PoseSequence) -> tuple[PoseSequence, np.ndarray]:
    """``seq`` with the landmarks of upside-down frames set to NaN (as if no pose was found
    there), and the ``(T,)`` mask of those frames."""
    flip = flipped(seq.world_xyz_m, seq.image_xyz, seq.aspect)
    if not flip.any():
        return seq, flip
    world = seq.world_xyz_m.copy()
    image = seq.image_xyz.copy()
    world[flip] = np.nan
    image[flip] = np.nan
    return replace(seq, world_xyz_m=world, image_xyz=image), flip


def _channels(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """``x`` ``(T, ...)`` as ``(T, C)`` channels (a view where it can be, in ``x``'s own
    type: a long recording is never copied whole in float64), their validity, and the channels
    grouped by their NaN pattern (x, y, z of one landmark go together, done in one call)."""
    flat = x.reshape(x.shape[0], -1)
    valid = np.isfinite(flat)
    patterns: dict[bytes, list[int]] = {}
    for c in range(flat.shape[1]):
        patterns.setdefault(valid[:, c].tobytes(), []).append(c)
    return flat, valid, list(patterns.values())


#: Channels filtered in one call at most: the zero-phase filter pads and copies its input
#: several times, so a recording's channels are filtered a few at a time (the same values).
FILTER_CHANNELS = 12


def fill_gaps(
    x: np.ndarray, t_s: np.ndarray, max_gap_s: float, hold_s: float = 0.0, *, in_place: bool = False
) -> np.ndarray:
    """Linear interpolation across NaN gaps no longer than ``max_gap_s``, per channel.

    ``x`` is ``(T, ...)``; channels are the trailing axes. The gap length is the time between
    the last sample before and the first after it; leading gaps are not filled. A gap left
    (longer, or trailing) keeps the last value seen for ``hold_s`` after it, as a stream shows
    it (:class:`CausalCleaner`): the frames just after a landmark is lost read alike in a
    recording and live; past ``hold_s`` the landmark is unknown.

    ``in_place``: ``x`` itself is filled where it can be (only gaps are written, only samples
    read), as :func:`clean` does with the copy it made.
    """
    if x.shape[0] < 2 or (max_gap_s <= 0 and hold_s <= 0):
        return x
    flat, valid, groups = _channels(x)
    out = flat if in_place else flat.copy()
    idx = np.arange(len(flat))
    for cols in groups:
        v = valid[:, cols[0]]
        if v.all() or not v.any():
            continue
        good = np.flatnonzero(v)
        for a, b in itertools.pairwise(good):
            if b - a > 1 and t_s[b] - t_s[a] <= max_gap_s + 1e-9:
                w = (t_s[a + 1 : b] - t_s[a]) / (t_s[b] - t_s[a])
                start, end = flat[a, cols].astype(np.float64), flat[b, cols].astype(np.float64)
                out[a + 1 : b, cols] = start + w[:, None] * (end - start)
        if hold_s > 0:
            last = np.maximum.accumulate(np.where(v, idx, -1))
            hold = ~np.isfinite(out[:, cols[0]]) & (last >= 0)
            hold[hold] = t_s[hold] - t_s[last[hold]] <= hold_s + 1e-9
            rows, c = np.flatnonzero(hold), np.asarray(cols)
            out[np.ix_(rows, c)] = flat[np.ix_(last[rows], c)]
    return out.reshape(x.shape)


def _signal() -> Any:
    """``scipy.signal``, imported when first needed: importing it takes over half a second,
    which every segment worker (they never filter) would pay at its start."""
    import scipy.signal

    return scipy.signal


def lowpass_design(cutoff_hz: float, order: int, fs: float) -> np.ndarray | None:
    """The Butterworth low-pass (second-order sections) for ``fs`` samples a second; None when
    the cut-off is too close to the Nyquist frequency to filter anything."""
    if cutoff_hz >= 0.45 * fs:
        return None
    return np.asarray(_signal().butter(order, cutoff_hz, btype="low", fs=fs, output="sos"))


def lowpass_zero_phase(
    x: np.ndarray, t_s: np.ndarray, cutoff_hz: float, order: int = 2, *, in_place: bool = False
) -> np.ndarray:
    """Zero-phase Butterworth low-pass of ``x`` ``(T, ...)`` along time, per NaN-free run:
    the filter run forward, then backward (which only a whole recording allows).

    Samples are taken as evenly spaced at the median frame interval (variable-rate video has
    small jitter only). Runs too short for the filter's padding are left as they are.
    ``in_place``: ``x`` itself is filtered where it can be (each part read before it is
    written), as :func:`clean` does with the copy it made.
    """
    if x.shape[0] < 4:
        return x
    dt = float(np.median(np.diff(t_s)))
    sos = lowpass_design(cutoff_hz, order, 1.0 / dt if dt > 0 else 30.0)
    if sos is None:
        return x
    padlen = 3 * (2 * len(sos) + 1)
    flat, valid, groups = _channels(x)
    out = flat if in_place else flat.copy()
    for cols in groups:
        for a, b in nan_runs(valid[:, cols[0]]):
            if b - a > padlen:
                for k in range(0, len(cols), FILTER_CHANNELS):
                    part = cols[k : k + FILTER_CHANNELS]
                    out[a:b, part] = _signal().sosfiltfilt(
                        sos, flat[a:b, part].astype(np.float64), axis=0
                    )
    return out.reshape(x.shape)


class OneEuroFilter:
    """Casiez et al. 2012 one-euro filter over arrays of channels, one sample at a time.

    NaN samples pass through and reset the channel, so a person re-entering the frame is not
    dragged from where they left.
    """

    def __init__(self, min_cutoff_hz: float, beta: float, d_cutoff_hz: float) -> None:
        self.min_cutoff = min_cutoff_hz
        self.beta = beta
        self.d_cutoff = d_cutoff_hz
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray:
        tau = 1.0 / (2 * np.pi * np.asarray(cutoff))
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t is None or self._dx is None or t_s <= self._t:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        dt = t_s - self._t
        fresh = ~np.isfinite(self._x)
        dx = np.where(fresh, 0.0, (x - self._x) / dt)
        a_d = self._alpha(self.d_cutoff, dt)
        dx_hat = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
        a = self._alpha(cutoff, dt)
        x_hat = np.where(fresh, x, a * x + (1 - a) * self._x)
        self._x = x_hat
        self._dx = np.where(np.isfinite(dx_hat), dx_hat, 0.0)
        self._t = t_s
        return x_hat.copy()


class CausalLowpass:
    """The Butterworth low-pass of :func:`lowpass_zero_phase` run forward only, one sample at a
    time, over arrays of channels (a stream cannot run it backward: its output lags by the
    filter's group delay, 0.04 s at 6 Hz).

    It is designed for the stream's frame rate, from the median interval of the frames so far
    (designed again if that changes by a fifth). A channel starts (and starts again after NaN)
    settled at its first value, so a person entering the picture is not dragged from zero.
    """

    def __init__(self, cutoff_hz: float, order: int) -> None:
        self.cutoff_hz, self.order = cutoff_hz, order
        self._t: list[float] = []
        self._dt = 0.0
        self._sos: np.ndarray | None = None
        self._settled = np.zeros(0)  # the state of a section settled at 1
        self._zi: np.ndarray | None = None  # (sections, 2, channels)
        self._last: np.ndarray | None = None

    def _design(self, t_s: float) -> None:
        self._t = [*self._t[-30:], t_s]
        if len(self._t) < 2:
            return
        dt = float(np.median(np.diff(self._t)))
        if dt <= 0 or (self._sos is not None and abs(dt - self._dt) <= 0.2 * self._dt):
            return
        self._dt = dt
        self._sos = lowpass_design(self.cutoff_hz, self.order, 1.0 / dt)
        if self._sos is not None:
            self._settled = _signal().sosfilt_zi(self._sos)[..., None]
        self._zi = None  # settled again at the current values

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        flat = np.asarray(x, dtype=np.float64).reshape(-1)
        self._design(t_s)
        sos = self._sos
        if sos is None:
            self._last = flat.copy()
            return flat.reshape(np.shape(x))
        settled = self._settled
        known = np.isfinite(flat)
        fresh = known & (
            ~np.isfinite(self._last) if self._last is not None else np.ones_like(known)
        )
        if self._zi is None:
            self._zi, fresh = settled * np.nan_to_num(flat), known
        zi = np.where(fresh, settled * np.nan_to_num(flat), self._zi)
        out, new = _signal().sosfilt(sos, np.nan_to_num(flat)[None], axis=0, zi=zi)
        self._zi = np.where(known, new, zi)
        self._last = np.where(known, flat, np.nan)
        return np.where(known, out[0], np.nan).reshape(np.shape(x))


def one_euro(x: np.ndarray, t_s: np.ndarray, settings: FilterSettings) -> np.ndarray:
    """The one-euro filter run over a whole sequence ``(T, ...)`` (what live mode computes)."""
    f = OneEuroFilter(
        settings.one_euro_min_cutoff_hz, settings.one_euro_beta, settings.one_euro_d_cutoff_hz
    )
    return (
        np.stack([f(x[i], float(t_s[i])) for i in range(x.shape[0])]).astype(x.dtype)
        if x.shape[0]
        else x
    )


def clean(seq: PoseSequence, settings: FilterSettings, *, live: bool = False) -> PoseSequence:
    """Visibility threshold, upside-down frames dropped, short-gap interpolation (a longer gap
    holds the last value for as long, :func:`fill_gaps`), then smoothing, on world and image
    landmarks alike. ``live`` selects the one-euro filter instead of the zero-phase one."""
    s, _ = drop_upside_down(mask_low_visibility(seq, settings.min_visibility))
    out = {}
    for name in ("world_xyz_m", "image_xyz"):
        arr = getattr(s, name)
        if not np.isfinite(arr).any():
            out[name] = arr
            continue
        # a copy made here (masked, filled) is changed in place: a long recording's landmarks
        # are not copied again at each step
        mine = not np.may_share_memory(arr, getattr(seq, name))
        arr = fill_gaps(arr, s.t_s, settings.max_gap_s, hold_s=settings.max_gap_s, in_place=mine)
        mine = not np.may_share_memory(arr, getattr(seq, name))
        if live:
            arr = one_euro(arr, s.t_s, settings)
        else:
            arr = lowpass_zero_phase(
                arr, s.t_s, settings.lowpass_cutoff_hz, settings.lowpass_order, in_place=mine
            )
        out[name] = arr
    return replace(s, **out)


class CausalCleaner:
    """Cleaning for a live stream, one frame at a time, with only the frames before it: the
    same visibility threshold and upside-down check as :func:`clean`; a landmark missing for
    up to ``max_gap_s`` keeps its last value (a recording interpolates to the next one where it
    comes back within ``max_gap_s``, which a stream has not seen yet, and holds it as a stream
    does where it does not); then the low-pass run forward only (:class:`CausalLowpass`),
    or the one-euro filter (``filter.live``)."""

    def __init__(self, settings: FilterSettings, aspect: float = 1.0) -> None:
        self.settings, self.aspect = settings, aspect
        f = settings
        self._filters: list[CausalLowpass | OneEuroFilter] = [
            CausalLowpass(f.lowpass_cutoff_hz, f.lowpass_order)
            if f.live == "lowpass"
            else OneEuroFilter(f.one_euro_min_cutoff_hz, f.one_euro_beta, f.one_euro_d_cutoff_hz)
            for _ in range(2)
        ]
        self._held: list[np.ndarray | None] = [None, None]  # last value seen, per landmark
        self._held_t = np.full(N_LANDMARKS, -np.inf)

    def __call__(
        self, world: np.ndarray, image: np.ndarray, visibility: np.ndarray, t_s: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(33, 3)`` world and image landmarks of one frame, cleaned (float32)."""
        low = low_visibility(visibility, self.settings.min_visibility)
        if flipped(world[None], image[None], self.aspect)[0]:
            low = np.ones(N_LANDMARKS, bool)  # a flipped skeleton: as if no pose
        arrays = [np.where(low[:, None], np.nan, a).astype(np.float64) for a in (world, image)]
        seen = np.isfinite(arrays[0]).all(axis=1) | np.isfinite(arrays[1]).all(axis=1)
        recent = t_s - self._held_t <= self.settings.max_gap_s + 1e-9
        out = []
        for k, a in enumerate(arrays):
            held = self._held[k]
            if held is not None:
                gap = ~np.isfinite(a).all(axis=1) & recent
                a = np.where(gap[:, None], held, a)
            finite = np.isfinite(a).all(axis=1)
            self._held[k] = np.where(finite[:, None], a, held if held is not None else np.nan)
            out.append(self._filters[k](a, t_s).astype(np.float32))
        self._held_t = np.where(seen, t_s, self._held_t)
        return out[0], out[1]
