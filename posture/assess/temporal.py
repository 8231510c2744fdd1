"""The parts of the rules and cues that depend on time: small state machines, stepped frame by
frame.

A live stream steps them once per frame; a recorded clip steps them over every frame in order
(a loop of a few microseconds a frame). There is one implementation of each, so a live session
and a recorded analysis fed the same measures decide the same thing at every frame.

* :class:`HeldFor`: how long a condition has held without a break (a break of a frame or two,
  ``BRIDGE_S``, is a measure flickering across its threshold, not a break);
* :class:`TrailingRange`: the range (max - min) of a value over a trailing time window, in
  amortised constant time (monotonic queues), unknown samples left out;
* :class:`CueTimer`: when a cue shows: once its finding has lasted ``on_s``, while it holds,
  and ``off_s`` after it ends (a finding back within that time continues the cue).
"""

from __future__ import annotations

import math
from collections import deque

#: Time comparisons allow for the rounding of frame times.
EPS_S = 1e-9
#: A condition that stops for at most this long has not been broken (s): a measure near its
#: threshold flickers across it for a frame or two (noise, or a filter's lag: a live stream's
#: and a recording's filters part there by about a frame), and a held time that started again
#: at each flicker would make two analyses of the same frames raise a finding seconds apart.
BRIDGE_S = 0.2


class HeldFor:
    """Seconds a condition has held without a break, up to each frame (0 where it does not
    hold); a stop of at most ``bridge_s`` is no break: the time runs on from the first start."""

    def __init__(self, bridge_s: float = BRIDGE_S) -> None:
        self.bridge_s = bridge_s
        self._since: float | None = None
        self._last_t = -math.inf

    def step(self, cond: bool, t_s: float) -> float:
        if not cond:
            if t_s - self._last_t > self.bridge_s + EPS_S:
                self._since = None
            return 0.0
        if self._since is None or t_s - self._last_t > self.bridge_s + EPS_S:
            self._since = t_s
        self._last_t = t_s
        return t_s - self._since


class TrailingRange:
    """``max - min`` of the known samples within the trailing ``window_s`` (NaN with none)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._hi: deque[tuple[float, float]] = deque()  # (t, x), x decreasing
        self._lo: deque[tuple[float, float]] = deque()  # (t, x), x increasing

    def step(self, x: float, t_s: float) -> float:
        if math.isfinite(x):
            while self._hi and self._hi[-1][1] <= x:
                self._hi.pop()
            self._hi.append((t_s, x))
            while self._lo and self._lo[-1][1] >= x:
                self._lo.pop()
            self._lo.append((t_s, x))
        for q in (self._hi, self._lo):
            while q and t_s - q[0][0] > self.window_s + EPS_S:
                q.popleft()
        if not self._hi:
            return math.nan
        return self._hi[0][1] - self._lo[0][1]


#: A cue's state at a frame (the ``<rule>_cue`` columns of frames.csv).
CUE_STATES = ("off", "waiting", "on", "lingering")


class CueTimer:
    """When one rule's cue shows.

    ``step(finding, t)`` returns ``(state, left_s)``: ``off``; ``waiting`` (the finding holds
    but has not lasted ``on_s`` yet; ``left_s`` until it shows); ``on`` (shown, the finding
    holds); ``lingering`` (shown for ``left_s`` more after the finding ended). A finding that
    returns while its cue lingers shows again at once.
    """

    def __init__(self, on_s: float, off_s: float) -> None:
        self.on_s, self.off_s = on_s, off_s
        self._since: float | None = None
        self._shown = False
        self._last_t = -math.inf

    def step(self, finding: bool, t_s: float) -> tuple[str, float]:
        if finding:
            if not self._shown:
                self._since = t_s if self._since is None else self._since
                waited = t_s - self._since
                if waited < self.on_s - EPS_S:
                    return "waiting", self.on_s - waited
                self._shown = True
            self._last_t = t_s
            return "on", 0.0
        self._since = None
        if self._shown and t_s - self._last_t <= self.off_s + EPS_S:
            return "lingering", max(self.off_s - (t_s - self._last_t), 0.0)
        self._shown = False
        return "off", 0.0
