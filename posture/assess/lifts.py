"""Lift events found in the motion, and what each lift was like.

A lift is a dip of the hands: they go down at least ``lifts.min_drop_cm`` to a lowest point
(where the load is picked up or put down) and come back up. Without the hands in view, a dip
of the trunk (bending at least ``lifts.min_trunk_drop_deg`` and straightening) stands in. A
clip that starts or ends at the bottom of a lift counts that lift too (``partial``).

From the pose alone a lift and a lower look the same (down, then up); each event is reported
as a lift with its origin at the lowest point and its destination where the hands come to
rest at the end, as the NIOSH equation needs for a lift.

Style at the lowest point (thresholds in :class:`posture.core.config.LiftSettings`):

* ``squat``: knees bent past ``squat_knee_deg`` with the trunk under ``back_lift_trunk_deg``;
* ``stoop``: knees under ``stoop_knee_max_deg`` with the trunk past ``stoop_trunk_deg``, or the
  trunk past ``back_lift_trunk_deg`` with the knees under ``squat_knee_deg`` (the back lifts);
* ``semi_squat``: in between; ``unknown`` when the knees are not seen and the trunk alone does
  not tell.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.signal import find_peaks

from posture.core.config import Settings
from posture.core.filtering import fill_gaps, nan_runs
from posture.core.measures import Measures


@dataclass(frozen=True)
class Lift:
    """One lift; times in seconds from the clip start, rows index the analysis' frames."""

    number: int
    start_row: int
    lowest_row: int
    end_row: int
    start_s: float
    lowest_s: float
    end_s: float
    partial: bool
    style: str
    trunk_flexion_at_lowest_deg: float
    knee_flexion_at_lowest_deg: float
    peak_trunk_flexion_deg: float
    peak_twist_deg: float
    peak_side_bend_deg: float
    peak_twist_velocity_deg_s: float
    twisting_under_load: bool
    sudden_twisting: bool
    origin_hand_height_cm: float
    origin_hand_distance_cm: float
    origin_asymmetry_deg: float
    destination_hand_height_cm: float
    destination_hand_distance_cm: float
    destination_asymmetry_deg: float
    knee_seen: bool
    asymmetry_seen: bool
    one_handed: bool = False

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def risky(self) -> bool:
        """A lift worth a trainer's attention: a stoop, or twisting under load."""
        return self.style == "stoop" or self.twisting_under_load or self.sudden_twisting

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["duration_s"] = self.duration_s
        return d


def _run_edge(
    moving: np.ndarray, t_s: np.ndarray, i: int, step: int, pause_s: float, hold_s: float = 2.0
) -> int:
    """From row ``i``, find the movement (within ``hold_s``: the hands may rest at the bottom)
    and walk on in direction ``step`` while ``moving`` holds, bridging pauses up to ``pause_s``;
    return the last row of the run (``i`` when there is no movement)."""
    n = len(moving)
    j = i
    while 0 <= j + step < n and not moving[j] and abs(t_s[j + step] - t_s[i]) <= hold_s:
        j += step
    if not moving[j]:
        return i
    edge = j
    while 0 <= j + step < n:
        j += step
        if moving[j]:
            edge = j
        elif abs(t_s[j] - t_s[edge]) > pause_s:
            break
    return edge


def _speed(signal: np.ndarray, t_s: np.ndarray, half_s: float = 0.1) -> np.ndarray:
    """Rate of change over +-``half_s`` (a frame-to-frame difference is mostly noise)."""
    n = len(signal)
    dt = float(np.median(np.diff(t_s))) if n > 1 else 1 / 30
    k = max(1, round(half_s / max(dt, 1e-3)))
    lo = np.clip(np.arange(n) - k, 0, n - 1)
    hi = np.clip(np.arange(n) + k, 0, n - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (signal[hi] - signal[lo]) / np.maximum(t_s[hi] - t_s[lo], 1e-6)


def _merge_lows(lows: list[int], signal: np.ndarray, min_drop: float) -> list[int]:
    """One low per dip: two lows with no real rise between them (a hold at the bottom, where
    equally deep minima each count as prominent) are one, the deeper."""
    out: list[int] = []
    for low in lows:
        if out:
            prev = out[-1]
            between = float(np.max(signal[prev : low + 1]))
            if between - max(signal[prev], signal[low]) < 0.5 * min_drop:
                if signal[low] < signal[prev]:
                    out[-1] = low
                continue
        out.append(low)
    return out


def _dips(
    signal: np.ndarray,
    t_s: np.ndarray,
    min_drop: float,
    min_s: float,
    max_s: float,
    max_carry_s: float,
) -> list[tuple[int, int, int]]:
    """``(start, lowest, end)`` rows of the dips of ``signal`` deeper than ``min_drop``.

    The lowest points are the dips' prominent minima. A dip starts where the descent into it
    starts and ends where the load is put down: the signal rises out of the dip, then stays near
    the level it reached (the load carried) for at most ``max_carry_s``. Moving means changing
    faster than a fifth of ``min_drop`` per second; pauses under 0.3 s do not stop a movement.
    The signal is padded at both ends with its highest value so that a clip starting or ending
    at the bottom still yields that dip.
    """
    n = len(signal)
    if n < 3 or not np.isfinite(signal).all():
        return []
    top = float(np.max(signal))
    padded = np.concatenate([[top], signal, [top]])
    lows = _merge_lows(
        [int(p) - 1 for p in find_peaks(-padded, prominence=min_drop)[0]], signal, min_drop
    )
    speed = _speed(signal, t_s)
    v_move = 0.2 * min_drop  # units per second
    out: list[tuple[int, int, int]] = []
    for k, low in enumerate(lows):
        left = lows[k - 1] if k > 0 else 0
        right = lows[k + 1] if k + 1 < len(lows) else n - 1
        start = max(_run_edge(speed < -v_move, t_s, low, -1, 0.3), left)
        up = min(_run_edge(speed > v_move, t_s, low, 1, 0.3), right)
        end, level = up, signal[up]
        while (
            end + 1 <= right
            and abs(signal[end + 1] - level) <= 0.4 * min_drop
            and t_s[end + 1] - t_s[up] <= max_carry_s
        ):
            end += 1
        partial = start == 0 or end == n - 1
        if partial or min_s <= t_s[end] - t_s[start] <= max_s:
            out.append((start, low, end))
    return out


def _around(
    values: np.ndarray,
    conf: np.ndarray,
    row: int,
    t_s: np.ndarray,
    min_conf: float,
    half_s: float = 0.1,
) -> float:
    """Median of the trusted values within ``half_s`` of ``row``, and at least the two frames on
    either side (a clip analysed at a few frames a second, ``pose.max_fps``, where one frame's
    borderline confidence would make the knees unknown); NaN if there are none."""
    if len(t_s) > 1:
        half_s = max(half_s, 2.01 * float(np.median(np.diff(t_s))))
    near = np.abs(t_s - t_s[row]) <= half_s
    good = near & np.isfinite(values) & (conf >= min_conf)
    return float(np.median(values[good])) if good.any() else float("nan")


def classify(trunk: float, knee: float, s: Settings) -> str:
    """The lift style from trunk and knee flexion at the lowest point (module docstring)."""
    c = s.lifts
    if np.isfinite(knee):
        if knee >= c.squat_knee_deg and not trunk >= c.back_lift_trunk_deg:
            return "squat"
        if (knee < c.stoop_knee_max_deg and trunk >= c.stoop_trunk_deg) or (
            trunk >= c.back_lift_trunk_deg and knee < c.squat_knee_deg
        ):
            return "stoop"
        return "semi_squat"
    if trunk >= c.back_lift_trunk_deg:
        return "stoop"
    return "unknown"


def _peak_abs(x: np.ndarray, ok: np.ndarray) -> float:
    v = np.abs(x[ok & np.isfinite(x)])
    return float(v.max()) if v.size else float("nan")


def detect_lifts(m: Measures, settings: Settings) -> list[Lift]:
    """Every lift in the clip, in time order."""
    c = settings.lifts
    t = m.t_s
    if len(t) < 3:
        return []
    hands = fill_gaps(m["hand_height_cm"].astype(float), t, 0.5)
    if np.isfinite(hands).mean() >= 0.5:
        signal, drop = hands, c.min_drop_cm
    else:
        signal, drop = (
            -fill_gaps(m["trunk_flexion_deg"].astype(float), t, 0.5),
            c.min_trunk_drop_deg,
        )
    dips = []
    for a, b in nan_runs(np.isfinite(signal)):  # a gap in view ends what was before it
        found = _dips(signal[a:b], t[a:b], drop, c.min_duration_s, c.max_duration_s, c.max_carry_s)
        dips += [(s + a, low + a, e + a) for s, low, e in found]
    dips = _apart([d for d in dips if _bent(m, d[1], settings)], signal)
    return [_describe(i + 1, d, m, hands, settings) for i, d in enumerate(dips)]


def _apart(dips: list[tuple[int, int, int]], signal: np.ndarray) -> list[tuple[int, int, int]]:
    """Dips in time order that do not overlap: where one starts before the previous one ends
    (the load put down and the next picked up in one movement), both end and start at the
    highest point of the signal between their lowest points."""
    out: list[tuple[int, int, int]] = []
    for a, low, b in sorted(dips):
        if out and a < out[-1][2]:
            pa, plow, _ = out[-1]
            between = signal[plow : low + 1]
            top = plow + int(np.nanargmax(between)) if np.isfinite(between).any() else a
            out[-1] = (pa, plow, top)
            a = top
        out.append((a, low, b))
    return out


#: Hands this low (cm above the floor) reach down: a person standing with hanging arms has them
#: at about 0.43 x stature (73 cm at 170 cm).
REACH_DOWN_CM = 55.0


def _bent(m: Measures, row: int, s: Settings) -> bool:
    """At the lowest point the person bends (trunk or knees): the hands did not just swing.

    A bend counts where the view can see it (confidence of at least ``view.min_confidence``);
    when the view cannot see the trunk or the knees, the hands must also reach down below
    ``REACH_DOWN_CM`` (a front view of arms swinging down, as in a jumping jack, shows untrusted
    knee angles that are no lift)."""
    min_conf = s.view.min_confidence
    bends = []
    for name, threshold in (
        ("trunk_flexion_deg", s.lifts.min_bend_trunk_deg),
        ("knee_flexion_deg", s.lifts.min_bend_knee_deg),
    ):
        value = float(m[name][row])
        seen = bool(np.isfinite(value) and m.conf[name][row] >= min_conf)
        bends.append((seen, np.isfinite(value) and value >= threshold))
    if any(seen and bent for seen, bent in bends):
        return True
    if all(seen for seen, _ in bends) or not any(bent for _, bent in bends):
        return False
    hand = float(m["hand_height_cm"][row])
    return not np.isfinite(hand) or hand < REACH_DOWN_CM


def _describe(
    number: int, dip: tuple[int, int, int], m: Measures, hands: np.ndarray, s: Settings
) -> Lift:
    a, low, b = dip
    t = m.t_s
    min_conf = s.view.min_confidence
    during = np.zeros(len(t), bool)
    during[a : b + 1] = True
    trunk = _around(m["trunk_flexion_deg"], m.conf["trunk_flexion_deg"], low, t, min_conf)
    if not np.isfinite(trunk):
        trunk = float(m["trunk_flexion_deg"][low])
    knee = _around(m["knee_flexion_deg"], m.conf["knee_flexion_deg"], low, t, min_conf)
    twist_ok = during & (m.conf["trunk_twist_deg"] >= min_conf)
    bend_ok = during & (m.conf["trunk_side_bend_deg"] >= min_conf)
    peak_twist = _peak_abs(m["trunk_twist_deg"], twist_ok)
    peak_bend = _peak_abs(m["trunk_side_bend_deg"], bend_ok)
    peak_vel = _peak_abs(m["trunk_twist_velocity_deg_s"], twist_ok)
    r = s.rules.twist
    rest = b  # the destination: where the hands come to rest at the end
    return Lift(
        number=number,
        start_row=a,
        lowest_row=low,
        end_row=b,
        start_s=float(t[a]),
        lowest_s=float(t[low]),
        end_s=float(t[b]),
        partial=a == 0 or b == len(t) - 1,
        style=classify(trunk, knee, s),
        trunk_flexion_at_lowest_deg=trunk,
        knee_flexion_at_lowest_deg=knee,
        peak_trunk_flexion_deg=_peak_abs(m["trunk_flexion_deg"], during),
        peak_twist_deg=peak_twist,
        peak_side_bend_deg=peak_bend,
        peak_twist_velocity_deg_s=peak_vel,
        twisting_under_load=bool(peak_twist >= r.twist_deg or peak_bend >= r.side_bend_deg),
        sudden_twisting=bool(peak_vel >= r.velocity_deg_s and peak_twist >= r.twist_deg),
        origin_hand_height_cm=float(hands[low]),
        origin_hand_distance_cm=float(m["hand_distance_cm"][low]),
        origin_asymmetry_deg=float(m["hand_asymmetry_deg"][low]),
        destination_hand_height_cm=float(hands[rest]),
        destination_hand_distance_cm=float(m["hand_distance_cm"][rest]),
        destination_asymmetry_deg=float(m["hand_asymmetry_deg"][rest]),
        knee_seen=bool(np.isfinite(knee)),
        asymmetry_seen=bool(
            m.conf["hand_asymmetry_deg"][low] >= min_conf
            and m.conf["hand_asymmetry_deg"][rest] >= min_conf
        ),
        # both hands seen at the pick-up, one far below the other; unseen: two hands assumed
        one_handed=bool(
            _around(
                m["hand_height_difference_cm"],
                m.conf["hand_height_difference_cm"],
                low,
                t,
                min_conf,
            )
            >= s.lifts.one_hand_height_cm
        ),
    )


def carrying(lifts: list[Lift], n: int) -> np.ndarray:
    """``(T,)`` bool: a load is in the hands, from a lift's lowest point (the pick-up) to its
    end (the put-down). The reach down before the pick-up is not counted: the hands are
    empty, and a live stream or a video drawn as it is analysed cannot know a reach is one
    until the bottom is reached."""
    out = np.zeros(n, bool)
    for lift in lifts:
        out[lift.lowest_row : lift.end_row + 1] = True
    return out


def lift_rate(lifts: list[Lift], t_s: np.ndarray, window_s: float) -> np.ndarray:
    """``(T,)`` lifts per minute over the trailing ``window_s`` (lifts counted when they end)."""
    ends = np.sort([lift.end_s for lift in lifts])
    if ends.size == 0:
        return np.zeros(len(t_s))
    counts = np.searchsorted(ends, t_s, "right") - np.searchsorted(ends, t_s - window_s, "right")
    return counts / (window_s / 60.0)
