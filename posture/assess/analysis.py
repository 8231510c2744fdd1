"""One person's recorded analysis: landmarks in, per-frame measures, findings, cues and risk out.

This composes the pure layers and holds no maths of its own. It is the live analysis
(:class:`posture.assess.stream.StreamingAnalysis`) fed a whole clip at once, plus what only
hindsight can add. The decisions (lifts, rules, cues, risk, scores) go through the same code
as live (:class:`posture.assess.lifts.LiftTracker`, :class:`posture.assess.judge.Judge`);
what differs is named here, each a step live video cannot take:

1. **zero-phase filtering and gap interpolation** (``clean``): a Butterworth filter run forward
   and backward, gaps up to ``filter.max_gap_s`` filled by a straight line to the next sample
   (live: the same low-pass forward only, short gaps held at the last value);
2. **the camera's geometry from the whole clip** (``body_frame``): gravity from every upright
   or still moment wherever it is, the pelvis held while hidden, the person's own segment
   lengths and shoulder width (live: gravity from the last 10 s until it is settled, then
   kept; the rest from the last second, see :mod:`posture.core.body_state`);
3. **the body's size and speeds from the whole clip** (``compute_measures``): the body length
   as the 90th percentile of the clip, speeds as central differences (live: a running
   percentile, backward differences);
4. **a lift known from its lowest point** (``carrying``): the load counts as in the hands from
   the pick-up (live: from the moment the rise confirms the lift).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from posture.assess.cues import CueTrack
from posture.assess.explain import FrameReport, frame_report
from posture.assess.judge import Finding, Judge
from posture.assess.lifts import Lift, carrying, detect_lifts, lift_rate
from posture.assess.rules import Context
from posture.assess.scores import FrameScores, LiftScore, niosh_for_lifts
from posture.core.body import body_frame
from posture.core.config import Settings
from posture.core.filtering import clean
from posture.core.gravity import Gravity, GravityCue
from posture.core.landmarks import N_LANDMARKS, PoseSequence
from posture.core.measures import Measures, compute_measures


@dataclass(frozen=True)
class Analysis:
    """Everything computed for one person over a clip (:mod:`posture.assess.tables` turns it
    into frames.csv, lifts.csv and the clip-level figures of summary.json). The cleaned
    landmarks are not kept, nor the skeleton's points (``measures.body.points`` is empty):
    what they give is in the measures and their body frame (a long recording holds no third
    copy of its landmarks)."""

    raw: PoseSequence
    measures: Measures
    context: Context
    findings: list[Finding]
    cues: CueTrack
    lifts: list[Lift]
    scores: FrameScores
    score_columns: dict[str, np.ndarray]
    lift_scores: list[LiftScore]
    settings: Settings

    @property
    def t_s(self) -> np.ndarray:
        return self.raw.t_s

    @property
    def pose_found(self) -> np.ndarray:
        return self.raw.pose_found

    @property
    def n_frames(self) -> int:
        return len(self.raw)

    def frame_cue(self, i: int) -> str | None:
        """The most important cue shown at row ``i``, or None."""
        c = self.cues.cues[i]
        return c[0] if c else None

    def lift_at(self, i: int) -> Lift | None:
        """The lift in progress at row ``i``, or None."""
        return next((lf for lf in self.lifts if lf.start_row <= i <= lf.end_row), None)

    def finding(self, rule: str) -> Finding:
        return next(f for f in self.findings if f.rule == rule)

    def report(self, i: int, *, lift_numbers: bool = True) -> FrameReport:
        """Row ``i`` as shown and explained (a lift shows from its lowest point on)."""
        lift = self.lift_at(i)
        shown = (
            (lift.number if lift_numbers else 0, lift.style)
            if lift is not None and i >= lift.lowest_row
            else None
        )
        return frame_report(
            self.measures,
            self.findings,
            self.cues,
            i,
            self.settings,
            pose_found=bool(self.pose_found[i]),
            lift=shown,
        )


def seated(m: Measures) -> np.ndarray:
    """Sitting: hips and knees both flexed well past standing, trunk not bent over (hips or
    trunk not seen do not count as sitting; knees not seen do not contradict it: a table or a
    cabinet hides a seated worker's shins, and a standing person does not hold a thigh raised
    60 deg with the trunk upright)."""
    knee = m["knee_flexion_deg"]
    with np.errstate(invalid="ignore"):
        return (
            (np.nan_to_num(m["hip_flexion_deg"]) >= 60)
            & (np.isnan(knee) | (knee >= 60))
            & (np.nan_to_num(m["trunk_flexion_deg"], nan=90) < 30)
        )


def analyze(
    seq: PoseSequence,
    settings: Settings,
    *,
    context: Context | None = None,
    gravity: Gravity | None = None,
    extra_cues: Sequence[GravityCue] = (),
    hfov_deg: float | None = None,
) -> Analysis:
    """Clean, measure and judge one person's recorded pose sequence (module docstring).

    ``gravity`` gives the camera's pitch and roll found earlier (a calibration clip's, the
    provisional drawing's once settled); by default they are found from this sequence and
    ``extra_cues`` (the scene's, see :func:`posture.core.body.estimate_gravity`); ``hfov_deg``
    the lens's field of view the scene showed (see :func:`posture.core.body.body_frame`).
    """
    cleaned = clean(seq, settings.filter)
    bf = body_frame(cleaned, settings.view, gravity, extra_cues=extra_cues, hfov_deg=hfov_deg)
    m = compute_measures(cleaned, settings, body=bf)
    del cleaned, bf  # measured: a long recording's landmarks are not held three times
    # the skeleton's points in float32 while the rules read them, as a stream keeps them
    # (half the memory; the measures used them in float64); judged() lets them go
    m = replace(m, body=replace(m.body, points=m.body.points.astype(np.float32)))
    lifts = detect_lifts(m, settings, seq.pose_found)
    sitting = seated(m)
    ctx = context or Context(
        carrying(lifts, len(seq)),
        lift_rate(lifts, seq.t_s, settings.rules.repetition.window_s),
        sitting,
    )
    return judged(seq, m, ctx, lifts, settings)


def judged(
    seq: PoseSequence,
    m: Measures,
    ctx: Context,
    lifts: list[Lift],
    settings: Settings,
    *,
    t0_s: float | None = None,
) -> Analysis:
    """The analysis of measured frames: rules, cues, risk and scores (:class:`Judge`) and the
    NIOSH equation per lift. ``t0_s``: when the clip or stream started (default: its first
    frame)."""
    t0 = t0_s if t0_s is not None else float(seq.t_s[0]) if len(seq) else None
    v = Judge(settings, t0)(m, ctx, seq.pose_found)
    assert v.scores is not None and v.score_columns is not None
    # the skeleton's points served the measures and the rules; nothing after reads them (400 B
    # a frame: a replay without pictures builds them again, posture.video.replay)
    m = replace(m, body=replace(m.body, points=np.empty((0, N_LANDMARKS, 3), np.float32)))
    duration = float(seq.t_s[-1] - seq.t_s[0]) if len(seq) > 1 else 0.0
    lift_scores = niosh_for_lifts(lifts, ctx.seated, duration, settings)
    return Analysis(
        seq, m, ctx, v.findings, v.cues, lifts, v.scores, v.score_columns, lift_scores,
        settings,
    )  # fmt: skip
