"""Moments of a clip worth showing: peaks, lifts, the worst frames.

Used by the report and by the dashboard (which holds no maths of its own). Lift events come
from issue 4's lift detection when it is there (``result.lifts`` or ``lifts.csv``); without
them every helper degrades to what the analysis alone can say.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posture.cues import CUE_TEXT

if TYPE_CHECKING:
    from posture.analysis import Analysis
    from posture.pipeline import Result

#: Measure -> plain label, in the order reports and the dashboard list them.
LABELS = {
    "trunk_flexion_deg": "Trunk bend",
    "trunk_twist_deg": "Trunk twist",
    "trunk_side_bend_deg": "Side bend",
    "shoulders_forward_deg": "Shoulders forward",
    "knee_flexion_deg": "Knee bend",
    "neck_flexion_deg": "Neck bend",
    "hip_flexion_deg": "Hip bend",
    "hand_height_cm": "Hand height",
    "hand_distance_cm": "Hand distance from feet",
    "hand_asymmetry_deg": "Hands to one side",
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


#: Keys tried, in order, for the time (s) of a lift's lowest point (issue 4's lift events).
LIFT_LOW_KEYS = ("lowest_s", "low_s", "bottom_s", "lowest_t_s", "origin_s", "start_s", "t_s")
LIFT_LOW_FRAME_KEYS = ("lowest_frame", "lowest_row", "bottom_frame", "origin_frame", "frame")


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


def _row_dict(item: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return flat(dataclasses.asdict(item))
    if hasattr(item, "_asdict"):
        return flat(item._asdict())
    if isinstance(item, Mapping):
        return flat(item)
    return flat(vars(item))


def _number(text: str) -> Any:
    try:
        f = float(text)
    except ValueError:
        return text
    return int(f) if f.is_integer() and "." not in text else f


def _rows(lifts: Any) -> list[dict[str, Any]]:
    if callable(getattr(lifts, "table", None)):
        lifts = lifts.table()
    if isinstance(lifts, Mapping):
        cols = {k: list(v) for k, v in lifts.items()}
        n = len(next(iter(cols.values()))) if cols else 0
        return [{k: _plain(v[i]) for k, v in cols.items()} for i in range(n)]
    return [_row_dict(item) for item in lifts]


def lift_rows(result: Result) -> list[dict[str, Any]]:
    """The clip's lifts as plain rows (one dict per lift, the columns of lifts.csv), or []
    when there are none or lift events are not available.

    Read from ``result.lifts`` if the result carries them, else ``analysis.lifts_table()``,
    else the lifts.csv among the outputs.
    """
    lifts = getattr(result, "lifts", None)
    if lifts is not None:
        return _rows(lifts)
    table = getattr(result.analysis, "lifts_table", None)
    if callable(table):
        return _rows(table())
    path = result.outputs.get("lifts")
    if path is None or not Path(path).is_file():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return [{k: _number(v) for k, v in r.items()} for r in csv.DictReader(f)]


def lift_low_row(result: Result, lift: dict[str, Any]) -> int | None:
    """Row of a lift's lowest point (or, failing that, its start), or None if unknown."""
    for key in LIFT_LOW_FRAME_KEYS:
        if isinstance(lift.get(key), int | float):
            return int(np.clip(int(lift[key]), 0, result.analysis.n_frames - 1))
    for key in LIFT_LOW_KEYS:
        if isinstance(lift.get(key), int | float):
            return row_at(result.analysis, float(lift[key]))
    return None


def worst_lift(result: Result) -> dict[str, Any] | None:
    """The summary's ``worst_lift`` as a row (a dict, or a 1-based index into the lifts)."""
    worst = result.summary().get("worst_lift")
    if isinstance(worst, Mapping):
        return flat(worst)
    lifts = lift_rows(result)
    if isinstance(worst, int) and 1 <= worst <= len(lifts):
        return lifts[worst - 1]
    return None


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
            score = a.cues.severity[f.rule] * 1000.0 + flex
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


def lifting_index(lift: Mapping[str, Any]) -> float | None:
    """A lift's NIOSH lifting index: the largest of its ``li*`` / ``lifting_index`` values."""
    values = [
        float(v)
        for k, v in lift.items()
        if (k in ("lifting_index", "li", "LI") or k.startswith("li_"))
        and isinstance(v, int | float)
        and not isinstance(v, bool)
    ]
    return max(values) if values else None


def lift_text(lift: Mapping[str, Any]) -> str:
    """One line naming a lift and its worst figure, e.g. ``lift 3 (stoop), LI 1.80``."""
    num = next((lift[k] for k in ("lift", "number", "index", "id") if k in lift), None)
    text = f"lift {num}" if num is not None else "lift"
    if isinstance(lift.get("style"), str) and lift["style"] != "unknown":
        text += f" ({lift['style'].replace('_', '-')})"
    li = lifting_index(lift)
    return text if li is None else f"{text}, LI {li:.2f}"


def worst_lift_text(result: Result) -> str:
    worst = worst_lift(result)
    return "-" if worst is None else lift_text(worst)
