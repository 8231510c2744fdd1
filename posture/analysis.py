"""One person's analysis: landmarks in, per-frame measures, findings, cues and risk out.

This composes the pure layers (filtering -> body frame -> measures -> rules -> cues); it holds
no maths of its own. Recorded clips and live streams use the same function; ``live`` only
swaps the zero-phase filter for the causal one-euro filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from posture.body import Tilt, body_frame
from posture.config import Settings
from posture.cues import CUE_TEXT, CueTrack, build_cues
from posture.filtering import clean
from posture.landmarks import PoseSequence
from posture.measures import Measures, compute_measures
from posture.rules import Context, Finding, evaluate

#: Measures written to frames.csv, in column order (each followed by its ``_conf`` column).
CSV_MEASURES = (
    "trunk_flexion_deg",
    "trunk_twist_deg",
    "shoulders_forward_deg",
    "knee_flexion_deg",
    "trunk_side_bend_deg",
    "neck_flexion_deg",
    "hip_flexion_deg",
    "knee_flexion_left_deg",
    "knee_flexion_right_deg",
    "hand_height_cm",
    "hand_distance_cm",
    "hand_asymmetry_deg",
    "upper_arm_flexion_left_deg",
    "upper_arm_flexion_right_deg",
    "elbow_flexion_left_deg",
    "elbow_flexion_right_deg",
    "hip_shift",
    "trunk_twist_velocity_deg_s",
)


@dataclass(frozen=True)
class Analysis:
    """Everything computed for one person over a clip; ``table()`` is frames.csv."""

    raw: PoseSequence
    cleaned: PoseSequence
    measures: Measures
    context: Context
    findings: list[Finding]
    cues: CueTrack
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

    def table(self) -> dict[str, np.ndarray]:
        """Columns of frames.csv (see the README for each column and unit)."""
        m = self.measures
        cols: dict[str, np.ndarray] = {
            "frame": self.raw.frame_index,
            "time_s": np.round(self.t_s, 4),
            "person": np.full(self.n_frames, self.raw.person_id),
            "pose_found": self.pose_found.astype(int),
            "view": m.view,
        }
        for name in CSV_MEASURES:
            cols[name] = np.round(m[name], 2 if name == "hip_shift" else 1)
            cols[f"{name}_conf"] = np.round(m.conf[name], 2)
        cols["risk_level"] = self.cues.risk_level
        cols["cues"] = np.array([";".join(c) for c in self.cues.cues], dtype=object)
        cols["unconfirmed_cues"] = np.array(
            [";".join(c) for c in self.cues.unconfirmed], dtype=object
        )
        for f in self.findings:
            cols[f"{f.rule}_severity"] = self.cues.severity[f.rule]
        return cols

    def frame_cue(self, i: int) -> str | None:
        """The most important confirmed cue at row ``i``, or None."""
        c = self.cues.cues[i]
        return c[0] if c else None

    def summary(self) -> dict[str, Any]:
        """Clip-level figures: peaks, typical values, time in each risk level, cues raised."""
        ok = self.pose_found
        dt = _frame_durations(self.t_s)
        total = float(dt.sum()) or 1.0
        measures: dict[str, dict[str, float] | None] = {}
        for name in CSV_MEASURES:
            v = self.measures[name][ok]
            c = self.measures.conf[name][ok]
            good = np.isfinite(v)
            if not good.any():
                measures[name] = None
                continue
            trusted = good & (c >= self.settings.view.min_confidence)
            measures[name] = {
                "median": _r(np.median(v[good])),
                "p95": _r(np.percentile(v[good], 95)),
                "peak": _r(v[good][np.argmax(np.abs(v[good]))]),
                "trusted_share": _r(trusted.sum() / max(good.sum(), 1), 3),
            }
        levels = {
            lvl: _r(float(dt[self.cues.risk_level == lvl].sum()) / total, 3)
            for lvl in ("low", "medium", "high", "unknown")
        }
        raised: dict[str, float] = {}
        for i, cs in enumerate(self.cues.cues):
            for c in cs:
                raised[c] = raised.get(c, 0.0) + float(dt[i])
        ranked = sorted(raised.items(), key=lambda kv: -kv[1])
        views = {
            v: _r(float(dt[self.measures.view == v].sum()) / total, 3)
            for v in ("side", "front", "back", "oblique", "none")
        }
        return {
            "measures": measures,
            "risk_time_share": levels,
            "cues": [{"id": c, "text": CUE_TEXT[c], "seconds": _r(s, 2)} for c, s in ranked],
            "view_time_share": views,
            "geometry": self.measures.info,
        }


def _r(x: float, nd: int = 1) -> float:
    return round(float(x), nd)


def _frame_durations(t_s: np.ndarray) -> np.ndarray:
    """How long each frame stands for (its share of the timeline), seconds."""
    if len(t_s) < 2:
        return np.full(len(t_s), 1 / 30)
    d = np.diff(t_s)
    return np.append(d, np.median(d))


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
    tilt: Tilt | None = None,
    cleaned: PoseSequence | None = None,
) -> Analysis:
    """Clean, measure and judge one person's pose sequence.

    ``tilt`` gives a camera calibration found earlier (live streams, windows of a long clip);
    by default it is estimated from this sequence's first upright moments. ``cleaned`` gives
    landmarks already cleaned frame by frame (a live stream filters each frame once, as it
    arrives); by default ``seq`` is cleaned here.
    """
    if cleaned is None:
        cleaned = clean(seq, settings.filter, live=live)
    m = compute_measures(cleaned, settings, body=body_frame(cleaned, settings.view, tilt))
    ctx = context or Context(np.zeros(len(seq), bool), np.zeros(len(seq)), seated(m))
    findings = evaluate(m, ctx, settings)
    cues = build_cues(findings, seq.t_s, seq.pose_found, settings)
    return Analysis(seq, cleaned, m, ctx, findings, cues, settings)
