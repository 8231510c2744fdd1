"""Two assessments side by side: each headline figure before and after, the change, and
whether it went the safer way. No database and no HTML here (see ``before_after``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """A headline figure: its column, label, how it is shown, and which way is safer."""

    key: str
    label: str
    kind: str = "number"  # number, share (0-1 shown as %), index
    lower_is_safer: bool | None = True  # None: neither way is safer (how many lifts)


FIGURES = (
    Figure("lifts", "Lifts", lower_is_safer=None),
    Figure("risky_lifts", "Risky lifts"),
    Figure("lifts_per_min", "Lifts per minute", lower_is_safer=None),
    Figure("worst_lifting_index", "Worst NIOSH lifting index", "index"),
    Figure("time_high_share", "Time at high risk", "share"),
    Figure("time_medium_share", "Time at medium risk", "share"),
    Figure("reba_peak", "REBA peak"),
    Figure("reba_high_share", "Time at REBA high or very high", "share"),
    Figure("rula_peak", "RULA peak"),
    Figure("peak_trunk_flexion_deg", "Peak trunk bend (deg)"),
)


@dataclass(frozen=True)
class Change:
    figure: Figure
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def verdict(self) -> str:
        """``safer``, ``worse``, ``same``, or ``""`` (no direction, or a value missing)."""
        d = self.delta
        if d is None or self.figure.lower_is_safer is None:
            return ""
        if abs(d) < 1e-9:
            return "same"
        return "safer" if (d < 0) == self.figure.lower_is_safer else "worse"

    def text(self, value: float | None) -> str:
        if value is None:
            return "-"
        if self.figure.kind == "share":
            return f"{value:.0%}"
        if self.figure.kind == "index":
            return f"{value:.2f}"
        return f"{value:g}"

    @property
    def delta_text(self) -> str:
        d = self.delta
        if d is None:
            return "-"
        if self.figure.kind == "share":
            return f"{d * 100:+.0f} points"
        if self.figure.kind == "index":
            return f"{d:+.2f}"
        return f"{d:+g}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure.key,
            "label": self.figure.label,
            "before": self.before,
            "after": self.after,
            "change": self.delta,
            "verdict": self.verdict,
        }


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """Each headline figure of two assessments (rows of the library)."""
    return [Change(f, _num(before.get(f.key)), _num(after.get(f.key))) for f in FIGURES]


def cue_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Seconds each cue was raised, before and after (from the assessments' ``cue_rows``);
    every cue raised in either, in the order of the first assessment, then the second's new
    ones."""
    b = {c["cue"]: c for c in before.get("cue_rows", [])}
    a = {c["cue"]: c for c in after.get("cue_rows", [])}
    out = []
    for cue in [*b, *(c for c in a if c not in b)]:
        text = (b.get(cue) or a[cue])["text"]
        sb = (b.get(cue) or {}).get("seconds") or 0.0
        sa = (a.get(cue) or {}).get("seconds") or 0.0
        out.append({"cue": cue, "text": text, "before_s": sb, "after_s": sa, "change_s": sa - sb})
    return out


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def comparable(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What makes the two hard to compare, in words (empty when nothing does)."""
    notes = []
    tb, ta = before.get("task") or "", after.get("task") or ""
    if tb.lower() != ta.lower():
        notes.append(f"they are of different tasks ({tb or 'no task'} / {ta or 'no task'})")
    sb, sa = before.get("load_kg"), after.get("load_kg")
    if sb != sa:
        notes.append(f"the load differs ({sb or 0:g} kg / {sa or 0:g} kg)")
    if before.get("settings_sha256") != after.get("settings_sha256"):
        notes.append("they were analysed with different settings")
    return notes
