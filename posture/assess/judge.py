"""Judging a person frame by frame: the rules with what they need over time, the cues, the risk
level and the scores.

:class:`Judge` is stateful and takes the frames in blocks, in order: a live stream gives it one
frame at a time, a recorded clip all its frames at once; both go through the same code, so the
same measures give the same findings, cues and scores at every frame.

What a rule needs over time is part of its finding, as its settings define it: forward-rolled
shoulders count once held ``rules.shoulders.min_duration_s``, an asymmetry once held
``rules.asymmetry.min_duration_s``; a static posture needs the trunk still over the trailing
``rules.static.static_s`` (trusted readings only), prolonged flexion ``flexed_s`` without a
break, long sitting ``sitting_s``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from posture.assess.cues import CueTimers, CueTrack
from posture.assess.rules import RULES, Context, Instant, judge_frames, knee_difference
from posture.assess.scores import FrameScores, frame_scores
from posture.assess.temporal import EPS_S, HeldFor, TrailingRange
from posture.core.config import Settings
from posture.core.measures import Measures


@dataclass(frozen=True)
class Finding:
    """One rule over the frames judged, ``(T,)`` arrays: ``severity`` from the values as
    measured (0 none, 1 medium, 2 high), ``confident`` (trusted measures back the judgement),
    ``reason`` (index into the rule's reasons), ``held_s`` (how long the rule's condition has
    held, for the rules that need time) and ``extra`` values the reasons quote."""

    rule: str
    cue: str
    severity: np.ndarray
    confident: np.ndarray
    reason: np.ndarray
    held_s: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def confirmed(self) -> np.ndarray:
        """``(T,)`` float: the severity where trusted measures back it, NaN where the rule
        cannot tell."""
        return np.where(self.confident, self.severity.astype(float), np.nan)


class _HeldRule:
    """A finding only once its condition has held ``seconds`` without a break."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._held = HeldFor()

    def __call__(self, rule: str, cue: str, inst: Instant, t_s: np.ndarray) -> Finding:
        sev = inst.severity.copy()
        held = np.zeros(len(t_s))
        for i in range(len(t_s)):
            held[i] = self._held.step(bool(sev[i] > 0), float(t_s[i]))
            if held[i] < self.seconds - EPS_S:
                sev[i] = 0
        return Finding(rule, cue, sev, inst.confident, inst.reason, held)


#: Reasons of the static rule (indices into ``rules.STATIC_REASONS``).
_UNKNOWN, _MOVING, _STILL, _FLEXED, _SITTING, _STILL_FLEXED, _TOO_SOON = range(7)


class _StaticRule:
    """A posture held without change, a prolonged flexed trunk, or long sitting."""

    def __init__(self, s: Settings, t0_s: float | None) -> None:
        self.r = s.rules.static
        self.t0 = t0_s
        self._range = TrailingRange(self.r.static_s)
        self._flexed, self._sitting = HeldFor(), HeldFor()

    def __call__(self, rule: str, cue: str, inst: Instant, t_s: np.ndarray) -> Finding:
        n, r = len(t_s), self.r
        sev, reason = np.zeros(n, np.int8), inst.reason.copy()
        conf, held = np.zeros(n, bool), np.zeros(n)
        parts = {k: np.zeros(n, bool) for k in ("static", "prolonged_flexion", "long_sitting")}
        spread = np.full(n, np.nan)
        trunk, flexed, seated = inst.inputs["trunk"], inst.inputs["flexed"], inst.inputs["seated"]
        for i in range(n):
            t = float(t_s[i])
            self.t0 = t if self.t0 is None else self.t0
            spread[i] = self._range.step(float(trunk[i]), t)
            flexed_s = self._flexed.step(bool(flexed[i]), t)
            sitting_s = self._sitting.step(bool(seated[i]), t)
            enough = t - self.t0 >= r.static_s - EPS_S
            still = enough and math.isfinite(trunk[i]) and spread[i] < r.still_range_deg
            long_flexed = flexed_s >= r.flexed_s - EPS_S
            long_sitting = sitting_s >= r.sitting_s - EPS_S
            parts["static"][i], parts["prolonged_flexion"][i] = still, long_flexed
            parts["long_sitting"][i] = long_sitting
            sev[i] = (
                2 if still and long_flexed else 1 if still or long_flexed or long_sitting else 0
            )
            conf[i] = math.isfinite(trunk[i]) or long_sitting
            held[i] = max(flexed_s, sitting_s)
            reason[i] = _static_reason(still, long_flexed, long_sitting, enough, trunk[i])
        return Finding(rule, cue, sev, conf, reason, held, {"trunk_range_deg": spread, **parts})


def _static_reason(still: bool, flexed: bool, sitting: bool, enough: bool, trunk: float) -> int:
    if still and flexed:
        return _STILL_FLEXED
    for cond, reason in ((still, _STILL), (flexed, _FLEXED), (sitting, _SITTING)):
        if cond:
            return reason
    if not math.isfinite(trunk):
        return _UNKNOWN
    return _MOVING if enough else _TOO_SOON


@dataclass(frozen=True)
class Verdicts:
    """What the judge decided over a block of frames (the scores when asked for)."""

    findings: list[Finding]
    cues: CueTrack
    scores: FrameScores | None = None
    score_columns: dict[str, np.ndarray] | None = None


class Judge:
    """Rules, cues, risk level and scores of one person, fed blocks of frames in order.

    ``t0_s``: the time the clip or stream starts (a static posture needs ``static_s`` of it);
    by default, the first frame judged.
    """

    def __init__(self, settings: Settings, t0_s: float | None = None) -> None:
        self.settings = settings
        r = settings.rules
        self._over_time: dict[str, _HeldRule | _StaticRule] = {
            "shoulders": _HeldRule(r.shoulders.min_duration_s),
            "asymmetry": _HeldRule(r.asymmetry.min_duration_s),
            "static": _StaticRule(settings, t0_s),
        }
        self._cues = CueTimers([(rule.name, rule.cue) for rule in RULES], settings)

    def __call__(
        self, m: Measures, ctx: Context, pose_found: np.ndarray, *, scores: bool = True
    ) -> Verdicts:
        """Judge the frames of ``m`` (the next block of the stream). The scores (REBA, RULA,
        OWAS: each frame's own, from its measures and context) only with ``scores``: a live
        frame shows no score, and the session's are computed at its end."""
        t = np.asarray(m.t_s, dtype=np.float64)
        instants = judge_frames(m, ctx, self.settings)
        findings = []
        for rule in RULES:
            inst = instants[rule.name]
            step = self._over_time.get(rule.name)
            f = (
                step(rule.name, rule.cue, inst, t)
                if step is not None
                else Finding(
                    rule.name,
                    rule.cue,
                    inst.severity,
                    inst.confident,
                    inst.reason,
                    np.zeros(len(t)),
                )
            )
            f.extra.update(_quoted(rule.name, m, ctx))
            findings.append(f)
        found = np.asarray(pose_found, bool)
        cues = self._cues(
            {f.rule: f.confirmed for f in findings},
            {f.rule: (f.severity > 0) & found for f in findings},
            t,
            found,
        )
        if not scores:
            return Verdicts(findings, cues)
        static = next(f for f in findings if f.rule == "static")
        static_hold = np.nan_to_num(static.confirmed, nan=0.0) > 0
        return Verdicts(findings, cues, *frame_scores(m, ctx, static_hold, self.settings))


def _quoted(rule: str, m: Measures, ctx: Context) -> dict[str, np.ndarray]:
    """Values a rule's reasons quote that are not measures."""
    if rule == "asymmetry":
        return {"knee_difference_deg": knee_difference(m)}
    if rule == "repetition":
        return {"lift_rate_per_min": np.asarray(ctx.lift_rate_per_min, dtype=np.float64)}
    return {}
