"""Plain-word corrective cues, one per risk factor, and the risk level of each frame.

The finding of a rule at a frame (:mod:`posture.assess.judge`) is what ``risk_level`` and the
``<rule>_severity`` columns show: no delay, no linger. The cue is its own, timed, state
(``<rule>_cue``, :class:`posture.assess.temporal.CueTimer`): it shows once its confirmed finding
has lasted ``rules.cues.on_s``, stays while the finding holds, and lingers ``rules.cues.off_s``
after it ends, so it does not flicker; a finding back within the linger continues the cue.
When several cues show, the one of the highest severity at that frame comes first, then the
more important rule (:data:`posture.assess.rules.RULES` order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posture.assess.temporal import CueTimer
from posture.core.config import Settings

#: Cue id -> the sentence shown to the worker.
CUE_TEXT: dict[str, str] = {
    "bend_knees": "Bend your knees, not your back",
    "turn_feet": "Turn your feet, not your back",
    "load_close": "Keep the load close to your body",
    "shoulders_back": "Roll your shoulders back, lift your chest",
    "even_weight": "Keep your weight on both feet",
    "move_break": "Change position or take a movement break",
    "slow_down": "Slow down or rotate tasks",
}

RISK_LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class CueTrack:
    """Per frame: the cues shown (most important first), the findings the view could not
    confirm, the risk level; per rule: the confirmed finding (``severity``: 0, 1, 2, NaN where
    the rule cannot tell), the cue's state (``off``, ``waiting``, ``on``, ``lingering``) and
    ``left_s`` (waiting: until it shows; lingering: until it goes)."""

    cues: list[tuple[str, ...]]
    unconfirmed: list[tuple[str, ...]]
    risk_level: np.ndarray  # (T,) str
    severity: dict[str, np.ndarray]  # rule -> (T,) float
    state: dict[str, np.ndarray]  # rule -> (T,) str
    left_s: dict[str, np.ndarray]  # rule -> (T,) float


class CueTimers:
    """Every rule's cue timers: one for confirmed findings (the cue), one for any finding (to
    tell the findings the view could not confirm). Stateful: fed block after block."""

    def __init__(self, rules: Sequence[tuple[str, str]], settings: Settings) -> None:
        cs = settings.rules.cues
        self.rules = list(rules)  # (rule, cue) in order of importance
        self._conf = {r: CueTimer(cs.on_s, cs.off_s) for r, _ in self.rules}
        self._any = {r: CueTimer(cs.on_s, cs.off_s) for r, _ in self.rules}

    def __call__(
        self,
        confirmed: dict[str, np.ndarray],
        raised: dict[str, np.ndarray],
        t_s: np.ndarray,
        pose_found: np.ndarray,
    ) -> CueTrack:
        """``confirmed[rule]``: ``(T,)`` float, the confirmed finding (NaN: cannot tell);
        ``raised[rule]``: ``(T,)`` bool, a finding from the values, confirmed or not."""
        n = len(t_s)
        state = {r: np.full(n, "off", dtype=object) for r, _ in self.rules}
        left = {r: np.zeros(n) for r, _ in self.rules}
        maybe = {r: np.zeros(n, bool) for r, _ in self.rules}
        for r, _ in self.rules:
            on = np.nan_to_num(confirmed[r], nan=0.0) > 0
            timer, other = self._conf[r], self._any[r]
            for i in range(n):
                t = float(t_s[i])
                st, lf = timer.step(bool(on[i]), t)
                shown_any = other.step(bool(raised[r][i]), t)[0] in ("on", "lingering")
                if pose_found[i]:  # without a pose nothing is shown (the timers run on)
                    state[r][i], left[r][i] = st, lf
                    maybe[r][i] = shown_any and st not in ("on", "lingering")
        return _track(self.rules, confirmed, state, left, maybe, pose_found)


def _track(
    rules: list[tuple[str, str]],
    confirmed: dict[str, np.ndarray],
    state: dict[str, np.ndarray],
    left: dict[str, np.ndarray],
    maybe: dict[str, np.ndarray],
    pose_found: np.ndarray,
) -> CueTrack:
    n = len(pose_found)
    order = {r: k for k, (r, _) in enumerate(rules)}
    cues: list[tuple[str, ...]] = []
    unconfirmed: list[tuple[str, ...]] = []
    sev = {r: np.nan_to_num(confirmed[r], nan=0.0) for r, _ in rules}
    for i in range(n):
        shown = [r for r, _ in rules if state[r][i] in ("on", "lingering")]
        shown.sort(key=lambda r: (-sev[r][i], order[r]))
        cue_of = dict(rules)
        cues.append(tuple(cue_of[r] for r in shown))
        unconfirmed.append(tuple(c for r, c in rules if maybe[r][i]))
    worst = (np.max(np.stack([sev[r] for r, _ in rules]), axis=0) if rules else np.zeros(n)).astype(
        int
    )
    level = np.array(RISK_LEVELS, dtype=object)[np.clip(worst, 0, 2)]
    level[~np.asarray(pose_found, bool)] = "unknown"
    severity = {r: np.where(pose_found, confirmed[r], np.nan) for r, _ in rules}
    return CueTrack(cues, unconfirmed, level, severity, state, left)
