"""Plain-word corrective cues: one id and one sentence per risk factor, without flicker.

A finding must last ``cues.on_s`` before its cue shows (a rule may ask for longer), stays shown
while the measure is above its threshold minus the hysteresis margin, and lingers ``cues.off_s``
after that. When several cues are active, the one of the highest severity comes first, then the
more important rule (``posture.assess.rules.RULES`` order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posture.assess.rules import Finding
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


def debounce(
    on: np.ndarray, hold: np.ndarray, t_s: np.ndarray, on_s: float, off_s: float
) -> np.ndarray:
    """``(T,)`` bool: active once ``on`` has held for ``on_s``, while ``hold`` lasts, and for
    ``off_s`` after. ``hold`` should include ``on`` (a lower, hysteresis threshold)."""
    n = len(t_s)
    active = np.zeros(n, bool)
    if n == 0:
        return active
    hold = hold | on
    v = np.concatenate([[False], hold, [False]]).astype(np.int8)
    starts, stops = np.flatnonzero(np.diff(v) == 1), np.flatnonzero(np.diff(v) == -1)
    last_end = -np.inf
    for a, b in zip(starts, stops, strict=True):
        # first frame in this hold-run where `on` has lasted on_s without a break
        seg_on = on[a:b]
        begin = None
        run_start = None
        for k in np.flatnonzero(seg_on):
            if run_start is None or not seg_on[k - 1]:
                run_start = k
            if t_s[a + k] - t_s[a + run_start] >= on_s - 1e-9:
                begin = a + k
                break
        if begin is None and t_s[a] - last_end > off_s:
            continue
        begin = a if begin is None else begin  # continues a cue still lingering
        active[begin:b] = True
        end_t = t_s[b - 1]
        tail = (t_s > end_t) & (t_s <= end_t + off_s)
        active |= tail
        last_end = end_t
    return active


@dataclass(frozen=True)
class CueTrack:
    """Per frame: the confirmed cues (ordered), the unconfirmed ones, and the risk level."""

    cues: list[tuple[str, ...]]
    unconfirmed: list[tuple[str, ...]]
    risk_level: np.ndarray  # (T,) str
    severity: dict[str, np.ndarray]  # rule -> (T,) int8, confirmed and debounced


def _min_on_s(rule: str, settings: Settings) -> float:
    extra = {"shoulders": settings.rules.shoulders.min_duration_s}
    return max(settings.rules.cues.on_s, extra.get(rule, 0.0))


def build_cues(
    findings: list[Finding], t_s: np.ndarray, pose_found: np.ndarray, settings: Settings
) -> CueTrack:
    """Debounced cues and the per-frame risk level from rule findings."""
    n = len(t_s)
    cs = settings.rules.cues
    sev_conf: dict[str, np.ndarray] = {}
    active_conf: dict[str, np.ndarray] = {}
    active_unconf: dict[str, np.ndarray] = {}
    for f in findings:
        on_s = _min_on_s(f.rule, settings)
        a_conf = debounce((f.severity > 0) & f.confident, f.hold & f.confident, t_s, on_s, cs.off_s)
        a_all = debounce(f.severity > 0, f.hold, t_s, on_s, cs.off_s)
        active_conf[f.cue] = a_conf & pose_found
        active_unconf[f.cue] = a_all & ~a_conf & pose_found
        sev_conf[f.rule] = np.where(a_conf & pose_found, np.maximum(f.severity, 1), 0).astype(
            np.int8
        )
    order = [f.cue for f in findings]
    sev_by_cue = {f.cue: sev_conf[f.rule] for f in findings}
    cues: list[tuple[str, ...]] = []
    unconfirmed: list[tuple[str, ...]] = []
    for i in range(n):
        on = [c for c in order if active_conf[c][i]]
        on.sort(key=lambda c: (-int(sev_by_cue[c][i]), order.index(c)))
        cues.append(tuple(on))
        unconfirmed.append(tuple(c for c in order if active_unconf[c][i]))
    worst = np.max(np.stack(list(sev_conf.values())), axis=0) if sev_conf else np.zeros(n, int)
    level = np.array(RISK_LEVELS, dtype=object)[np.clip(worst, 0, 2)]
    level[~pose_found] = "unknown"
    return CueTrack(cues, unconfirmed, level, sev_conf)
