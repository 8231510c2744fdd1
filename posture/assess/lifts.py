"""Lift events found in the motion, and what each lift was like.

A lift is a dip of the hands: they go down at least ``lifts.min_drop_cm`` to a lowest point
(where the load is picked up or put down) and come back up. Without the hands in view, a dip
of the trunk (bending at least ``lifts.min_trunk_drop_deg`` and straightening) stands in. The
dips are found by :class:`posture.assess.lift_finder.LiftFinder`, sample by sample, for live
and recorded analysis alike (:class:`LiftTracker`).

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

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from posture.assess.lift_finder import Dip, LiftFinder
from posture.core.config import Settings
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


#: Hands this low (cm above the floor) reach down: a person standing with hanging arms has them
#: at about 0.43 x stature (73 cm at 170 cm).
REACH_DOWN_CM = 55.0


def bends_at(m: Measures, row: int, s: Settings) -> bool:
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


def describe(
    number: int, dip: Dip, m: Measures, s: Settings, offset: int = 0, *, by_hands: bool = True
) -> Lift:
    """The lift of ``dip`` (rows of the stream) from the measures ``m``, which hold the rows
    ``offset`` onwards (at least from the dip's start to its end); ``by_hands``: the dip was
    found in the hands' height (its bridged values are the origin and destination heights)."""
    a, low, b = dip.start - offset, dip.low - offset, dip.end - offset
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
        start_row=dip.start,
        lowest_row=dip.low,
        end_row=dip.end,
        start_s=float(t[a]),
        lowest_s=float(t[low]),
        end_s=float(t[b]),
        partial=dip.partial,
        style=classify(trunk, knee, s),
        trunk_flexion_at_lowest_deg=trunk,
        knee_flexion_at_lowest_deg=knee,
        peak_trunk_flexion_deg=_peak_abs(m["trunk_flexion_deg"], during),
        peak_twist_deg=peak_twist,
        peak_side_bend_deg=peak_bend,
        peak_twist_velocity_deg_s=peak_vel,
        twisting_under_load=bool(peak_twist >= r.twist_deg or peak_bend >= r.side_bend_deg),
        sudden_twisting=bool(peak_vel >= r.velocity_deg_s and peak_twist >= r.twist_deg),
        origin_hand_height_cm=dip.low_value if by_hands else float(m["hand_height_cm"][low]),
        origin_hand_distance_cm=float(m["hand_distance_cm"][low]),
        origin_asymmetry_deg=float(m["hand_asymmetry_deg"][low]),
        destination_hand_height_cm=dip.end_value if by_hands else float(m["hand_height_cm"][b]),
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
    return lift_rate_from_ends([lift.end_s for lift in lifts], t_s, window_s)


def lift_rate_from_ends(ends_s: list[float], t_s: np.ndarray, window_s: float) -> np.ndarray:
    """``(T,)`` lifts per minute over the trailing ``window_s``, from when each lift ended."""
    ends = np.sort(np.asarray(ends_s, dtype=np.float64))
    if ends.size == 0:
        return np.zeros(len(t_s))
    counts = np.searchsorted(ends, t_s, "right") - np.searchsorted(ends, t_s - window_s, "right")
    return counts / (window_s / 60.0)


#: A source of measures by row: ``rows(a, b)`` gives measures holding the stream's rows
#: ``a``..``b`` and the row its first frame is.
MeasureSource = Callable[[int, int], tuple[Measures, int]]


class LiftTracker:
    """The lifts of one person, fed frame by frame: live, or over a whole clip.

    Two finders run side by side: on the hands' height and on the trunk's flexion (for when the
    hands are not seen); the lifts are the hands' while the hands have been seen (short gaps
    bridged) in at least half the frames so far, else the trunk's. ``source`` gives the
    measures of a span of rows (to tell whether the person bends at a lowest point, and to
    describe each lift)."""

    def __init__(self, settings: Settings, source: MeasureSource) -> None:
        self.settings, self.source = settings, source
        c = settings.lifts
        self.hands = LiftFinder(c, c.min_drop_cm, self._bends)
        self.trunk = LiftFinder(c, c.min_trunk_drop_deg, self._bends)
        self.rows, self.newest = 0, -1
        self._described: dict[tuple[int, int, int, bool], Lift] = {}
        self._styles: dict[int, str] = {}

    def push(self, row: int, t_s: float, hand_height_cm: float, trunk_flexion_deg: float) -> None:
        self.rows, self.newest = self.rows + 1, row
        self.hands.push(row, t_s, hand_height_cm)
        self.trunk.push(row, t_s, -trunk_flexion_deg)

    def close(self) -> None:
        self.hands.close()
        self.trunk.close()

    @property
    def finder(self) -> LiftFinder:
        """The finder whose lifts count (see the class docstring)."""
        return self.hands if self.hands.samples >= 0.5 * self.rows else self.trunk

    def _bends(self, low: int) -> bool:
        m, offset = self.source(low, low)
        return bends_at(m, low - offset, self.settings)

    def ends_s(self) -> list[float]:
        """When each lift found so far ended (s), in order."""
        return [d.end_s for d in self.finder.dips]

    def in_progress(self) -> int | None:
        """The lowest point (row) of a lift in progress, or None."""
        return self.finder.in_progress

    def style_at(self, low: int) -> str:
        """The style of the lift whose lowest point is row ``low`` (:func:`classify`)."""
        if low not in self._styles:
            m, offset = self.source(max(low - 10, 0), self.newest)
            i, t, mc = low - offset, m.t_s, self.settings.view.min_confidence
            trunk = _around(m["trunk_flexion_deg"], m.conf["trunk_flexion_deg"], i, t, mc)
            if not np.isfinite(trunk):
                trunk = float(m["trunk_flexion_deg"][i])
            knee = _around(m["knee_flexion_deg"], m.conf["knee_flexion_deg"], i, t, mc)
            self._styles = {low: classify(trunk, knee, self.settings)}  # one lift at a time
        return self._styles[low]

    def lifts(self) -> list[Lift]:
        """The lifts whose end is known, described (each once, unless its end was revised)."""
        out = []
        for number, dip in enumerate(self.finder.dips, start=1):
            key = (dip.start, dip.low, dip.end, dip.partial)
            if key not in self._described:
                m, offset = self.source(max(dip.start - 10, 0), dip.end)
                by_hands = self.finder is self.hands
                self._described[key] = describe(
                    number, dip, m, self.settings, offset, by_hands=by_hands
                )
            lift = self._described[key]
            out.append(lift if lift.number == number else replace(lift, number=number))
        return out


def detect_lifts(m: Measures, settings: Settings, seen: np.ndarray | None = None) -> list[Lift]:
    """Every lift of a whole clip: the frames fed in order through :class:`LiftTracker`.
    ``seen`` ``(T,)``: where the pose model found the person; a frame without them gives the
    tracker no sample, as in a stream (:meth:`posture.assess.stream.StreamingAnalysis.push`):
    the tracker bridges a short gap itself, and the landmarks cleaning held or filled across
    it are no evidence of a movement."""
    tracker = LiftTracker(settings, lambda a, b: (m, 0))
    hands, trunk = m["hand_height_cm"], m["trunk_flexion_deg"]
    if seen is not None:
        hands, trunk = np.where(seen, hands, np.nan), np.where(seen, trunk, np.nan)
    for i, t in enumerate(np.asarray(m.t_s, dtype=np.float64)):
        tracker.push(i, float(t), float(hands[i]), float(trunk[i]))
    tracker.close()
    return tracker.lifts()
