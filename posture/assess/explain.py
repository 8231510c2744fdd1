"""What one frame shows and why, in plain words: every rule's finding at that frame, the measures
and thresholds behind it, and its cue's timing.

:class:`FrameReport` is the same whether it comes from a recorded analysis
(:func:`frame_report` over its arrays) or from a live stream
(:class:`posture.assess.stream.StreamingAnalysis`); the annotated video, the live window, the
dashboard's frame panel and the live tab all draw it. A rule's sentence reads, e.g.,
``trunk 46 deg, knees 104 deg: knees bent - no finding, no cue`` or ``trunk 31 deg, knees
12 deg: knees straight (under 45 deg) - medium, cue in 0.2 s if it lasts``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from posture.assess.cues import CUE_TEXT, CueTrack
from posture.assess.judge import Finding
from posture.assess.rules import RULE_BY_NAME
from posture.core.config import Settings
from posture.core.measure_info import MEASURE_INFO, PANEL_MEASURES
from posture.core.measures import Measures

#: The rules whose finding needs its condition held for a while, and the setting saying how long.
HELD_SETTINGS = {"shoulders": "shoulders", "asymmetry": "asymmetry"}


@dataclass(frozen=True)
class RuleState:
    """One rule at one frame: ``severity`` the confirmed finding (0 none, 1 medium, 2 high,
    NaN where the rule cannot tell), ``raised`` the finding from the values as measured
    (confirmed or not), the cue's state (``off``, ``waiting``, ``on``, ``lingering``) and
    ``cue_left_s`` (until it shows, or until it goes), and ``reason`` in plain words."""

    rule: str
    label: str
    cue: str
    severity: float
    raised: int
    cue_state: str
    cue_left_s: float
    reason: str
    held_s: float = 0.0
    needs_s: float = 0.0

    @property
    def verdict(self) -> str:
        """The finding in words: ``high``, ``medium``, ``no finding``, ``cannot tell`` or
        ``possible, not confirmed``."""
        if math.isnan(self.severity):
            return "possible, not confirmed by this view" if self.raised else "cannot tell"
        if self.severity == 0 and 0 < self.held_s < self.needs_s:
            return f"held {self.held_s:.1f} s of the {self.needs_s:g} s it takes"
        return {0: "no finding", 1: "medium", 2: "high"}[int(self.severity)]

    @property
    def timing(self) -> str:
        """The cue in words: ``cue on``, ``cue in 0.2 s if it lasts``, ``cue ends in 0.4 s``,
        ``no cue``."""
        if self.cue_state == "on":
            return "cue on"
        if self.cue_state == "waiting":
            return f"cue in {self.cue_left_s:.1f} s if it lasts"
        if self.cue_state == "lingering":
            return f"cue ends in {self.cue_left_s:.1f} s"
        return "no cue"

    @property
    def why(self) -> str:
        """The whole sentence: reason - verdict, cue."""
        return f"{self.reason} - {self.verdict}, {self.timing}"

    @property
    def shown(self) -> bool:
        return self.cue_state in ("on", "lingering")


@dataclass(frozen=True)
class FrameReport:
    """One frame of one person, as shown: the view, the readings (measure, value, trusted),
    the risk level, the cues shown (most important first) and those the view could not
    confirm, every rule's state, and the lift in progress (number, 0 when not numbered yet,
    and style)."""

    t_s: float
    pose_found: bool
    view: str
    readings: tuple[tuple[str, float, bool], ...]
    risk_level: str
    cues: tuple[str, ...]
    unconfirmed: tuple[str, ...]
    rules: tuple[RuleState, ...]
    lift: tuple[int, str] | None = None

    @property
    def cue(self) -> str | None:
        """The most important cue shown, or None."""
        return self.cues[0] if self.cues else None

    @property
    def cue_text(self) -> str | None:
        return CUE_TEXT[self.cue] if self.cue else None

    def rule(self, name: str) -> RuleState:
        return next(r for r in self.rules if r.rule == name)

    def headline(self) -> RuleState | None:
        """The rule that explains this frame best: the cue shown first, else a finding on its
        way to a cue or not confirmed, else the first rule (bending at the back)."""
        if not self.pose_found or not self.rules:
            return None
        if self.cues:
            return next(r for r in self.rules if r.cue == self.cues[0])
        pending = [r for r in self.rules if r.cue_state == "waiting" or r.raised]
        return pending[0] if pending else self.rules[0]


def _threshold_text(section: Any, name: str) -> str:
    f = {f.name: f for f in fields(section)}[name]
    unit = f.metadata.get("unit", "")
    value = f"{getattr(section, name):g}"
    return f"{value} {unit}" if unit and unit != "1/min" else value


class _Quoted(dict[str, str]):
    """The values a reason quotes, formatted on demand: measures with their unit (``?`` when
    the view cannot confirm them), ``<setting>_thr`` thresholds, and the finding's extras."""

    def __init__(self, m: Measures, f: Finding, i: int, settings: Settings) -> None:
        super().__init__()
        self.m, self.f, self.i, self.s = m, f, i, settings

    def __missing__(self, key: str) -> str:
        if key.endswith("_thr"):
            return _threshold_text(getattr(self.s.rules, self.f.rule), key.removesuffix("_thr"))
        if key in self.f.extra:
            v = float(self.f.extra[key][self.i])
            if not math.isfinite(v):
                return "unknown"
            if key.endswith("_deg"):
                return f"{v:.0f} deg"
            return f"{v:.1f}" if key == "lift_rate_per_min" else f"{v:.2f}"
        info = MEASURE_INFO[key]
        v = float(self.m[key][self.i])
        text = info.text(v)
        trusted = bool(self.m.conf[key][self.i] >= self.s.view.min_confidence)
        return text if trusted or not math.isfinite(v) else text + "?"


def rule_state(f: Finding, cues: CueTrack, m: Measures, i: int, settings: Settings) -> RuleState:
    """One rule's state at row ``i``."""
    rule = RULE_BY_NAME[f.rule]
    held = HELD_SETTINGS.get(f.rule)
    needs = float(getattr(settings.rules, held).min_duration_s) if held else 0.0
    return RuleState(
        f.rule,
        rule.label,
        f.cue,
        float(cues.severity[f.rule][i]),
        int(f.severity[i]),
        str(cues.state[f.rule][i]),
        round(float(cues.left_s[f.rule][i]), 1),
        rule.reasons[int(f.reason[i])].format_map(_Quoted(m, f, i, settings)),
        round(float(f.held_s[i]), 1),
        needs,
    )


def frame_report(
    m: Measures,
    findings: list[Finding],
    cues: CueTrack,
    i: int,
    settings: Settings,
    *,
    pose_found: bool,
    lift: tuple[int, str] | None = None,
) -> FrameReport:
    """The report of row ``i`` of an analysis (its measures, findings and cues)."""
    t = float(m.t_s[i])
    if not pose_found:
        return FrameReport(t, False, "none", (), "unknown", (), (), ())
    min_conf = settings.view.min_confidence
    readings = tuple(
        (name, float(m[name][i]), bool(np.isfinite(m[name][i]) and m.conf[name][i] >= min_conf))
        for name in PANEL_MEASURES
    )
    return FrameReport(
        t,
        True,
        str(m.view[i]),
        readings,
        str(cues.risk_level[i]),
        tuple(cues.cues[i]),
        tuple(cues.unconfirmed[i]),
        tuple(rule_state(f, cues, m, i, settings) for f in findings),
        lift,
    )
