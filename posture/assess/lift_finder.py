"""Finding lifts in a signal as its samples come: the one lift detector of live and recorded
analysis.

The signal is the hands' height (or, without the hands in view, the trunk's flexion, negated:
bending is going down). A lift is a dip: the signal goes down at least ``drop`` to a lowest
point and comes back up at least ``drop``; the lowest point is confirmed the moment the rise
reaches ``drop`` (a zig-zag valley finder: the valleys of prominence ``drop``; the start and the
end of the signal count as high as its highest point, so a clip that starts or ends at the
bottom still has that dip). Then:

* the **start** is where the descent into the dip began (walking back while the signal falls
  faster than a fifth of ``drop`` a second, bridging pauses under 0.3 s);
* the **rise** ends where the signal stops rising (the same walk, forward);
* the **end** is where the load is put down: after the rise, the signal stays within
  ``0.4 drop`` of the level it reached (the load carried) for at most ``lifts.max_carry_s``.

A lift is *in progress* from its confirmation until its end is known: the end is a decision
that needs the frames after it (the carry must stop), so it is known at most ``max_carry_s``
after the rise. Gaps in the signal up to ``max_gap_s`` are bridged (interpolated when the
signal comes back); a longer gap ends what was before it, and a dip open at that moment (or at
the end of the stream) ends there (``partial``). Two lifts never overlap: when one starts
before the previous one ended (a load put down and the next picked up in one movement), both
end and start at the highest point of the signal between their lowest points (the previous
lift's end is revised).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from posture.core.config import LiftSettings

#: Pauses shorter than this do not stop a movement, s.
PAUSE_S = 0.3
#: From the lowest point, the movement away is looked for this far, s (the hands may rest at
#: the bottom).
HOLD_S = 2.0
#: Speeds are measured over +- this, s (a frame-to-frame difference is mostly noise).
SPEED_HALF_S = 0.1
#: The signal stays within this share of ``drop`` of its level while the load is carried.
CARRY_BAND = 0.4


@dataclass
class Dip:
    """One lift found: rows of its start, lowest point and end; ``partial`` when the signal
    starts or breaks off inside it."""

    start: int
    low: int
    end: int
    partial: bool
    end_s: float
    low_value: float  # the signal at the lowest point and at the end (short gaps bridged)
    end_value: float


def speed(signal: np.ndarray, t_s: np.ndarray, half_s: float = SPEED_HALF_S) -> np.ndarray:
    """Rate of change over +-``half_s``, clipped at the ends."""
    n = len(signal)
    dt = float(np.median(np.diff(t_s))) if n > 1 else 1 / 30
    k = max(1, round(half_s / max(dt, 1e-3)))
    lo = np.clip(np.arange(n) - k, 0, n - 1)
    hi = np.clip(np.arange(n) + k, 0, n - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (signal[hi] - signal[lo]) / np.maximum(t_s[hi] - t_s[lo], 1e-6)


def run_edge(moving: np.ndarray, t_s: np.ndarray, i: int, step: int) -> tuple[int, bool]:
    """From index ``i``, find the movement (within ``HOLD_S``: the hands may rest at the
    bottom) and walk on in direction ``step`` while ``moving`` holds, bridging pauses up to
    ``PAUSE_S``.

    Returns the last index of the run (``i`` when there is no movement) and whether the walk
    ended for a reason of its own (a pause, no movement) rather than at the end of the samples
    (then more samples could carry it further)."""
    n = len(moving)
    j = i
    while 0 <= j + step < n and not moving[j] and abs(t_s[j + step] - t_s[i]) <= HOLD_S:
        j += step
    if not moving[j]:
        return i, 0 <= j + step < n
    edge = j
    while 0 <= j + step < n:
        j += step
        if moving[j]:
            edge = j
        elif abs(t_s[j] - t_s[edge]) > PAUSE_S:
            return edge, True
    return edge, False


class LiftFinder:
    """Lifts in one signal, fed sample by sample (:meth:`push`), closed by :meth:`close`.

    ``keep(low_row)`` says whether a dip counts (the person bends at its lowest point, see
    :func:`posture.assess.lifts.bends_at`). ``dips`` holds the lifts whose end is known, in
    order; ``in_progress`` the row of the lowest point of a lift confirmed but not ended.
    Memory and time per sample are bounded: only the last ``max_duration_s`` (and then some)
    of the signal is kept.
    """

    def __init__(
        self, s: LiftSettings, drop: float, keep: Callable[[int], bool], max_gap_s: float = 0.5
    ) -> None:
        self.s, self.drop, self.keep, self.max_gap_s = s, drop, keep, max_gap_s
        self.dips: list[Dip] = []
        self.in_progress: int | None = None
        self.samples = 0  # samples known (after bridging short gaps)
        self._horizon_s = s.max_duration_s + s.max_carry_s + 2 * HOLD_S + 1.0
        self._last: tuple[int, float, float] | None = None  # newest known sample
        self._gap: list[tuple[int, float]] = []  # unknown samples since it (a short gap)
        self._new_run()

    # -- feeding --------------------------------------------------------------------------
    def push(self, row: int, t_s: float, x: float) -> None:
        """The signal's sample at ``row`` (NaN: not seen)."""
        if self._last is not None and t_s - self._last[1] > self.max_gap_s:
            self._close_run()  # too long without the signal: what was before is over
        if not math.isfinite(x):
            if self._last is not None:
                self._gap.append((row, t_s))
            return
        if self._gap and self._last is not None:  # a short gap: bridged by a straight line
            _, t0, x0 = self._last
            for r, t in self._gap:
                self._add(r, t, x0 + (t - t0) / (t_s - t0) * (x - x0))
        self._gap = []
        self._add(row, t_s, x)

    def close(self) -> None:
        """The end of the stream: a dip still open ends here."""
        self._close_run()

    # -- one run of known samples ---------------------------------------------------------
    def _new_run(self) -> None:
        self._rows: deque[int] = deque()
        self._t: deque[float] = deque()
        self._x: deque[float] = deque()
        self._run_start: int | None = None
        self._top = math.inf  # the highest point since the last lowest point (or the start)
        self._run_max = -math.inf
        self._cand: tuple[int, float] | None = None  # the lowest point since the top
        self._pending: list[int] = []  # lowest points confirmed, end not known yet
        self._left: int | None = None  # the lowest point before them
        self._last = None
        self._gap = []

    def _add(self, row: int, t_s: float, x: float) -> None:
        self.samples += 1
        self._last = (row, t_s, x)
        if self._run_start is None:
            self._run_start = row
        self._rows.append(row)
        self._t.append(t_s)
        self._x.append(x)
        while t_s - self._t[0] > self._horizon_s:  # older samples decide nothing any more
            self._rows.popleft()
            self._t.popleft()
            self._x.popleft()
        self._pending = [low for low in self._pending if low >= self._rows[0]]
        self._run_max = max(self._run_max, x)
        if x > self._top:
            self._top, self._cand = x, (row, x)
        elif self._cand is None or x < self._cand[1]:
            self._cand = (row, x)
        if (
            self._cand is not None
            and x - self._cand[1] >= self.drop
            and self._top - self._cand[1] >= self.drop
        ):
            self._pending.append(self._cand[0])
            self._top, self._cand = x, (row, x)
        self._settle(final=False)

    def _close_run(self) -> None:
        cand = self._cand
        # the end counts as high as the highest point of the run: a dip open at the end needs
        # the signal to have been ``drop`` higher since the last lowest point
        top = min(self._top, self._run_max)
        if cand is not None and top - cand[1] >= self.drop and cand[0] not in self._pending:
            self._pending.append(cand[0])
        self._settle(final=True)
        self._new_run()

    # -- edges ----------------------------------------------------------------------------
    def _settle(self, *, final: bool) -> None:
        """End every pending lift whose end the samples so far decide."""
        self.in_progress = None
        while self._pending:
            low = self._pending[0]
            dip = self._edges(low, final)
            if dip is None:
                self.in_progress = low if self.keep(low) else None
                return
            self._pending.pop(0)
            self._left = low
            self._accept(dip)

    def _edges(self, low: int, final: bool) -> Dip | None:
        """The lift around the lowest point ``low``, or None while the samples so far do not
        decide where it ends."""
        rows = np.fromiter(self._rows, np.int64, len(self._rows))
        t = np.fromiter(self._t, np.float64, len(self._t))
        x = np.fromiter(self._x, np.float64, len(self._x))
        n, i = len(rows), int(np.searchsorted(rows, low))
        v = speed(x, t)
        # a speed within SPEED_HALF_S of the newest sample still lacks its later samples
        known = n if final else int(np.searchsorted(t, t[-1] - SPEED_HALF_S, "right"))
        if known <= i:
            return None
        v_move = 0.2 * self.drop
        prev = self._left
        left = int(np.searchsorted(rows, prev)) if prev is not None and prev in self._rows else 0
        start = max(run_edge(v < -v_move, t, i, -1)[0], left)
        later = len(self._pending) > 1  # the next lowest point: the lift ends before it
        right = int(np.searchsorted(rows, self._pending[1])) if later else n - 1
        up, done = run_edge((v > v_move)[:known], t[:known], i, 1)
        if not (done or final or later):
            return None
        up = min(up, right)
        end = up
        while (
            end + 1 <= right
            and abs(x[end + 1] - x[up]) <= CARRY_BAND * self.drop
            and t[end + 1] - t[up] <= self.s.max_carry_s
        ):
            end += 1
        if end == n - 1 and not (final or later):
            return None  # the load may still be carried
        partial = rows[start] == self._run_start or (final and end == n - 1)
        return Dip(
            int(rows[start]),
            low,
            int(rows[end]),
            bool(partial),
            float(t[end]),
            float(x[i]),
            float(x[end]),
        )

    def _accept(self, dip: Dip) -> None:
        s = self.s
        t = dict(zip(self._rows, self._t, strict=True))
        duration = t[dip.end] - t[dip.start]
        if not (dip.partial or s.min_duration_s <= duration <= s.max_duration_s):
            return
        if not self.keep(dip.low):
            return
        if self.dips and dip.start < self.dips[-1].end:
            prev = self.dips[-1]
            between = zip(self._x, self._rows, self._t, strict=True)
            # the highest point between the lowest points, the first of equals
            top = max(
                ((x, -r, tt) for x, r, tt in between if prev.low <= r <= dip.low), default=None
            )
            if top is not None:
                prev.end, prev.end_s, prev.end_value, dip.start = -top[1], top[2], top[0], -top[1]
        self.dips.append(dip)
