"""One person's analysis: landmarks in, per-frame measures, findings, cues and risk out.

This composes the pure layers (filtering -> body frame -> measures -> lifts -> rules -> scores
-> cues); it holds no maths of its own. Recorded clips and live streams use the same function;
``live`` only swaps the zero-phase filter for the causal one-euro filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posture.assess.cues import CueTrack, build_cues
from posture.assess.lifts import Lift, carrying, detect_lifts, lift_rate
from posture.assess.rules import Context, Finding, evaluate
from posture.assess.scores import FrameScores, LiftScore, frame_scores, niosh_for_lifts
from posture.core.body import body_frame
from posture.core.config import Settings
from posture.core.filtering import clean
from posture.core.gravity import Gravity, GravityCue
from posture.core.landmarks import PoseSequence
from posture.core.measures import Measures, compute_measures


@dataclass(frozen=True)
class Analysis:
    """Everything computed for one person over a clip (:mod:`posture.assess.tables` turns it
    into frames.csv, lifts.csv and the clip-level figures of summary.json)."""

    raw: PoseSequence
    cleaned: PoseSequence
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
        """The most important confirmed cue at row ``i``, or None."""
        c = self.cues.cues[i]
        return c[0] if c else None

    def lift_at(self, i: int) -> Lift | None:
        """The lift in progress at row ``i``, or None."""
        return next((lf for lf in self.lifts if lf.start_row <= i <= lf.end_row), None)


def seated(m: Measures) -> np.ndarray:
    """Sitting: hips and knees both flexed well past standing, trunk not bent over."""
    with np.errstate(invalid="ignore"):
        return (
            (np.nan_to_num(m["hip_flexion_deg"]) >= 60)
            & (np.nan_to_num(m["knee_flexion_deg"]) >= 60)
            & (np.nan_to_num(m["trunk_flexion_deg"], nan=90) < 30)
        )


def analyze(
    seq: PoseSequence,
    settings: Settings,
    *,
    live: bool = False,
    context: Context | None = None,
    gravity: Gravity | None = None,
    extra_cues: Sequence[GravityCue] = (),
    hfov_deg: float | None = None,
    cleaned: PoseSequence | None = None,
) -> Analysis:
    """Clean, measure and judge one person's pose sequence.

    ``gravity`` gives the camera's pitch and roll found earlier (a live stream's once settled,
    a calibration clip's); by default they are found from this sequence and ``extra_cues``
    (the scene's, see :func:`posture.core.body.estimate_gravity`); ``hfov_deg`` the lens's
    field of view the scene showed (see :func:`posture.core.body.body_frame`). ``cleaned``
    gives landmarks already cleaned frame by frame (a live stream filters each frame once, as
    it arrives); by default ``seq`` is cleaned here.
    """
    if cleaned is None:
        cleaned = clean(seq, settings.filter, live=live)
    bf = body_frame(cleaned, settings.view, gravity, extra_cues=extra_cues, hfov_deg=hfov_deg)
    m = compute_measures(cleaned, settings, body=bf)
    lifts = detect_lifts(m, settings)
    sitting = seated(m)
    ctx = context or Context(
        carrying(lifts, len(seq)),
        lift_rate(lifts, seq.t_s, settings.rules.repetition.window_s),
        sitting,
    )
    findings = evaluate(m, ctx, settings)
    static_hold = next(f.severity > 0 for f in findings if f.rule == "static")
    scores, columns = frame_scores(m, ctx, static_hold, settings)
    duration = float(seq.t_s[-1] - seq.t_s[0]) if len(seq) > 1 else 0.0
    lift_scores = niosh_for_lifts(lifts, sitting, duration, settings)
    cues = build_cues(findings, seq.t_s, seq.pose_found, settings)
    return Analysis(
        seq, cleaned, m, ctx, findings, cues, lifts, scores, columns, lift_scores, settings
    )
