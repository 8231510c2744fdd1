"""Moments of a clip worth showing: peaks, lifts, the worst frames.

Used by the report and by the dashboard (which holds no maths of its own). Lifts are read from
the analysis itself (:func:`posture.assess.tables.lift_rows`, the rows of lifts.csv).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posture.assess import tables
from posture.assess.cues import CUE_TEXT
from posture.assess.tables import lifting_index
from posture.core.measure_info import label

if TYPE_CHECKING:
    from posture.assess.analysis import Analysis
    from posture.run.recorded import Result

#: Measure -> plain label, in the order reports and the dashboard list them.
LABELS = {
    name: label(name)
    for name in (
        "trunk_flexion_deg",
        "trunk_twist_deg",
        "trunk_side_bend_deg",
        "shoulders_forward_deg",
        "knee_flexion_deg",
        "neck_flexion_deg",
        "hip_flexion_deg",
        "hand_height_cm",
        "hand_distance_cm",
        "hand_asymmetry_deg",
    )
}
#: lifts.csv column -> table header, in the order shown (the others are in lifts.csv).
LIFT_COLUMNS = {
    "lift": "Lift",
    "style": "Style",
    "start_s": "Start (s)",
    "lowest_s": "Lowest point (s)",
    "duration_s": "Duration (s)",
    "trunk_flexion_at_lowest_deg": "Trunk bend at lowest (°)",
    "knee_flexion_at_lowest_deg": "Knee bend at lowest (°)",
    "peak_twist_deg": "Peak twist (°)",
    "twisting_under_load": "Twist under load",
    "li_origin": "Lifting index, origin",
    "li_destination": "Lifting index, destination",
    "niosh_note": "NIOSH note",
}


# ---------------------------------------------------------------------------------------------
# moments of a clip
# ---------------------------------------------------------------------------------------------
def peak_row(analysis: Analysis, measure: str = "trunk_flexion_deg") -> int | None:
    """Row of the measure's largest value over frames with a pose, or None if never seen."""
    v = np.where(analysis.pose_found, analysis.measures[measure], np.nan)
    if not np.isfinite(v).any():
        return None
    return int(np.nanargmax(v))


def deepest_bend_deg(analysis: Analysis) -> float | None:
    """The largest forward trunk bend of the clip (degrees), or None if never seen."""
    row = peak_row(analysis)
    return None if row is None else float(analysis.measures["trunk_flexion_deg"][row])


def row_at(analysis: Analysis, t_s: float) -> int:
    """Row of the frame nearest to time ``t_s`` (clipped to the clip)."""
    t = analysis.t_s
    i = int(np.clip(np.searchsorted(t, t_s), 0, len(t) - 1))
    if i > 0 and abs(t[i - 1] - t_s) <= abs(t[i] - t_s):
        i -= 1
    return i


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Path):
        return str(v)
    return v


def flat(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, Mapping):
            out.update(flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = _plain(v)
    return out


def lift_rows(result: Result) -> list[dict[str, Any]]:
    """The clip's lifts as plain rows (one dict per lift, the columns of lifts.csv)."""
    return tables.lift_rows(result.analysis)


def lift_low_row(result: Result, lift: Mapping[str, Any]) -> int | None:
    """Row of a lift's lowest point (``lift`` a row of :func:`lift_rows`), or None."""
    return next((lf.lowest_row for lf in result.analysis.lifts if lf.number == lift["lift"]), None)


def worst_lift(result: Result) -> dict[str, Any] | None:
    """The worst lift's row: the highest lifting index, else the deepest trunk bend."""
    return tables.worst_lift(lift_rows(result))


@dataclass(frozen=True)
class Moment:
    """A frame worth showing: its row, time and why."""

    row: int
    t_s: float
    title: str


def candidate_moments(result: Result) -> list[Moment]:
    """Moments worth showing, most important first: the worst lift's lowest point, the
    highest-risk frame, the strongest frame of each cue raised, the deepest trunk bend."""
    a = result.analysis
    found: list[Moment] = []
    worst = worst_lift(result)
    row = lift_low_row(result, worst) if worst else None
    if row is not None:
        found.append(Moment(row, float(a.t_s[row]), "Worst lift, lowest point"))
    level = a.cues.risk_level
    flex = np.nan_to_num(np.where(a.pose_found, a.measures["trunk_flexion_deg"], -1e9), nan=-1e9)
    for lvl in ("high", "medium"):
        if (level == lvl).any():
            i = int(np.argmax(np.where(level == lvl, flex, -np.inf)))
            found.append(Moment(i, float(a.t_s[i]), f"Highest risk ({lvl})"))
            break
    for f in a.findings:
        active = np.array([f.cue in c for c in a.cues.cues], bool)
        if active.any():
            score = np.nan_to_num(a.cues.severity[f.rule], nan=0.0) * 1000.0 + flex
            i = int(np.argmax(np.where(active, score, -np.inf)))
            found.append(Moment(i, float(a.t_s[i]), CUE_TEXT[f.cue]))
    peak = peak_row(a)
    if peak is not None:
        found.append(Moment(peak, float(a.t_s[peak]), "Deepest trunk bend"))
    return found


def key_moments(result: Result, n: int = 4, min_gap_s: float = 0.5) -> list[Moment]:
    """Up to ``n`` of :func:`candidate_moments`, at least ``min_gap_s`` apart (less in short
    clips), in time order; moments too close to a kept one add their reason to its title."""
    a = result.analysis
    gap = min(min_gap_s, float(a.t_s[-1] - a.t_s[0]) / (2 * n))
    kept: list[Moment] = []
    for m in candidate_moments(result):
        near = next((k for k in kept if abs(m.t_s - k.t_s) < gap), None)
        if near is None:
            kept.append(m)
        elif m.title not in near.title:  # one picture, both reasons
            kept[kept.index(near)] = dataclasses.replace(near, title=f"{near.title}; {m.title}")
    return sorted(kept[:n], key=lambda m: m.row)


def lift_count(summary: Mapping[str, Any]) -> str:
    """The summary's lift count as text ("-" when lifts are not detected)."""
    lifts = summary.get("lifts")
    if isinstance(lifts, list):
        return str(len(lifts))
    return "-" if lifts is None else str(lifts)


def lift_text(lift: Mapping[str, Any]) -> str:
    """One line naming a lift and its worst figure, e.g. ``lift 3 (stoop), LI 1.80``."""
    text = f"lift {lift['lift']}"
    if lift["style"] != "unknown":
        text += f" ({lift['style'].replace('_', '-')})"
    li = lifting_index(lift)
    return text if li is None else f"{text}, LI {li:.2f}"


def lift_notes(rows: list[dict[str, Any]]) -> list[str]:
    """Each distinct NIOSH note of ``rows`` (:func:`lift_rows`) once, with the lifts it
    applies to ("Every lift: ..." when it applies to all)."""
    by_note: dict[str, list[str]] = {}
    for k, row in enumerate(rows, 1):
        for note in str(row.get("niosh_note") or "").split("; "):
            if note:
                by_note.setdefault(note, []).append(str(row.get("lift", k)))
    return [
        f"Every lift: {note}"
        if len(ks) == len(rows) and len(rows) > 1
        else f"Lift{'s' if len(ks) > 1 else ''} {', '.join(ks)}: {note}"
        for note, ks in by_note.items()
    ]


def worst_lift_text(result: Result) -> str:
    worst = worst_lift(result)
    return "-" if worst is None else lift_text(worst)
