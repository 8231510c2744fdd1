"""The report's score sections: REBA, RULA and OWAS over the clip, the lifts with their style
and scores, and the NIOSH lifting equation per lift with the inputs it used and where each
came from (measured, entered, the default, or assumed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from posture.assess.tables import riskiest_lifts
from posture.core.config import DEFAULTS
from posture.report.html import e, fmt, pill, share, share_bar, shares_text, table
from posture.report.moments import lift_notes, lift_rows

if TYPE_CHECKING:
    from posture.run.recorded import Result

#: OWAS back code -> what it means (Karhu et al. 1977).
OWAS_BACK = {
    "1": "straight",
    "2": "bent forward (more than 20°)",
    "3": "twisted or bent sideways",
    "4": "bent and twisted (or bent sideways)",
}
#: lifts.csv column -> header of the report's lift table: what the lift was and its posture
#: first, then its scores.
LIFT_TABLE = {
    "lift": "Lift",
    "style": "Style",
    "start_s": "Start (s)",
    "duration_s": "Duration (s)",
    "trunk_flexion_at_lowest_deg": "Trunk bend at lowest (°)",
    "knee_flexion_at_lowest_deg": "Knee bend at lowest (°)",
    "peak_twist_deg": "Peak twist (°)",
    "twisting_under_load": "Twist under load",
    "one_handed": "One-handed",
    "reba_peak": "REBA peak",
    "rula_peak": "RULA peak",
    "owas_back_worst": "OWAS back",
    "li_origin": "LI origin",
    "li_destination": "LI destination",
}
#: lifts.csv column -> header of the NIOSH table (the equation's inputs, then its results).
NIOSH_TABLE = {
    "lift": "Lift",
    "h_origin_cm": "H origin (cm)",
    "v_origin_cm": "V origin (cm)",
    "a_origin_deg": "A origin (°)",
    "h_destination_cm": "H dest. (cm)",
    "v_destination_cm": "V dest. (cm)",
    "a_destination_deg": "A dest. (°)",
    "d_cm": "D (cm)",
    "frequency_per_min": "F (/min)",
    "rwl_origin_kg": "RWL origin (kg)",
    "rwl_destination_kg": "RWL dest. (kg)",
    "li_origin": "LI origin",
    "li_destination": "LI dest.",
}
_FLAGS = ("twisting_under_load", "one_handed")

#: The report's lift tables list at most this many lifts: the riskiest (the highest lifting
#: index, else the deepest trunk bend), in time order; lifts.csv holds every lift. A long
#: recording's hundred alike rows would fill pages nobody reads, and the PDF engine's time and
#: memory grow with them (some 0.2 MB and 10 ms a row, measured on a 30-minute recording).
REPORT_MAX_LIFTS = 30


def _listed(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """The lifts a table lists, and the note that says which when they are not all."""
    shown = riskiest_lifts(rows, REPORT_MAX_LIFTS)
    if len(shown) == len(rows):
        return shown, ""
    return shown, (
        f'<p class="note">{len(rows)} lifts: the {len(shown)} riskiest are listed (the highest '
        "lifting index, else the deepest trunk bend), in time order; lifts.csv lists every "
        "lift.</p>"
    )


def score_peak(result: Result, name: str) -> tuple[float, str, float] | None:
    """``(score, level, time s from the start)`` of the highest ``name`` (``"reba"`` or
    ``"rula"``) over the frames with a pose, or None."""
    a = result.analysis
    v = np.where(a.pose_found, np.asarray(a.score_columns[f"{name}_score"], float), np.nan)
    if not np.isfinite(v).any():
        return None
    row = int(np.nanargmax(v))
    return float(v[row]), str(a.score_columns[f"{name}_level"][row]), float(a.t_s[row] - a.t_s[0])


def _assumed_text(names: list[str]) -> str:
    """The inputs assumed in some frames, beyond the ones never measured (the wrists)."""
    words = sorted(
        {n.removesuffix("_deg").replace("_", " ") for n in names if not n.startswith("wrist")}
    )
    return ", ".join(words)


def _score_block(result: Result, s: dict[str, Any], name: str, title: str, what: str) -> str:
    peak = score_peak(result, name)
    levels: Mapping[str, Any] = s.get(f"{name}_time_share") or {}
    peak_html = "-" if peak is None else f"<b>{peak[0]:g}</b> {pill(peak[1])} at {peak[2]:.1f} s"
    rows = [
        ["Peak score", peak_html],
        ["Time in each action level", e(shares_text(levels) or "-")],
    ]
    if name == "reba":
        rows.append(["Frames where it could be trusted", e(share(s.get("reba_trusted_share")))])
    return (
        f'<div class="block"><h3>{e(title)}</h3><p class=note>{e(what)}</p>'
        + table(rows, numeric=False, cls="fields", raw=True)
        + share_bar(levels, f"{name.upper()} level")
        + "</div>"
    )


def standard_scores(result: Result, s: dict[str, Any]) -> str:
    """REBA and RULA (peak, time in each action level) and OWAS back codes, over the clip."""
    owas: Mapping[str, Any] = s.get("owas_back_time_share") or {}
    owas_rows = [[f"{k}: {OWAS_BACK.get(k, '')}", share(owas.get(k))] for k in OWAS_BACK]
    assumed = _assumed_text(list(s.get("score_assumptions") or []))
    parts = [
        _score_block(
            result,
            s,
            "reba",
            "REBA, Rapid Entire Body Assessment (Hignett & McAtamney 2000)",
            "Whole-body posture, load and activity; 1 negligible, 2-3 low, 4-7 medium, 8-10 "
            "high, 11-15 very high risk. The load counts where one is handled: a lift in "
            "progress, the hands low or held out.",
        ),
        _score_block(
            result,
            s,
            "rula",
            "RULA, Rapid Upper Limb Assessment (McAtamney & Corlett 1993)",
            "Upper body, neck, trunk and force; 1-2 acceptable, 3-4 investigate, 5-6 change "
            "soon, 7 change now.",
        ),
        '<div class="block"><h3>OWAS back posture (Karhu et al. 1977)</h3>'
        + table(owas_rows, ["Back code", "Share of time"], numeric=False)
        + "</div>",
    ]
    note = (
        "Not measured from the pose and assumed neutral in REBA and RULA: wrists, shoulder "
        "raised, arm supported, neck twist and side bend"
        + (f" (and, in some frames, {assumed})" if assumed else "")
        + ". Scores are per frame; their confidence is in frames.csv (reba_conf, owas_conf)."
    )
    parts.append(f'<p class="note">{e(note)}</p>')
    return "".join(parts)


def _cell(col: str, v: Any) -> str:
    if col == "style":
        return "-" if v in (None, "unknown") else str(v).replace("_", "-")
    if col in _FLAGS:
        return "yes" if v else "no"
    if isinstance(v, float) and col.endswith(("_peak", "_worst")):
        return f"{v:g}"
    if isinstance(v, float) and col.startswith(("li_", "rwl_")):
        return f"{v:.2f}"
    return fmt(v)


def _rows(rows: list[dict[str, Any]], columns: Mapping[str, str]) -> tuple[list[str], list[Any]]:
    cols = [c for c in columns if c in rows[0]]
    return [columns[c] for c in cols], [[_cell(c, r.get(c)) for c in cols] for r in rows]


def lifts_section(result: Result) -> str:
    """Each lift: its style and posture, then its scores."""
    rows = lift_rows(result)
    if not rows:
        return "<p>No lift was found in this clip.</p>"
    shown, note = _listed(rows)
    head, body = _rows(shown, LIFT_TABLE)
    out = note + table(body, head, numeric=False, cls="wide")
    out += (
        '<p class="note">Style: squat (knees bent), stoop (back bent, knees nearly straight), '
        "semi-squat (both). REBA and RULA peaks are the worst frame of the lift, with the "
        "load; OWAS back is its worst back code. LI: NIOSH lifting index (below).</p>"
    )
    if not result.analysis.settings.task.load_kg:
        out += (
            '<p class="note">No load weight was entered, so the NIOSH lifting index is not '
            "computed (enter the weight of the load: --load-kg, or the dashboard's sidebar).</p>"
        )
    return out


def _input_source(key: str, value: Any) -> str:
    """'(entered)' or '(the default)' for a task setting."""
    default = getattr(DEFAULTS.task, key)
    return "the default" if value == default else "entered"


def _task_inputs(result: Result, rows: list[dict[str, Any]]) -> list[list[str]]:
    task = result.analysis.settings.task
    freq_notes = {n for r in rows for n in str(r.get("niosh_note") or "").split("; ")}
    measured = next((n for n in freq_notes if n.startswith("lift frequency measured")), None)
    assumed = next((n for n in freq_notes if n.startswith("lift frequency not given")), None)
    if task.lift_frequency_per_min > 0:
        freq = f"{task.lift_frequency_per_min:g} per minute (entered)"
    elif measured:
        freq = measured.replace("lift frequency ", "") + " (measured)"
    else:
        freq = (
            f"not given: {rows[0]['frequency_per_min']:g} per minute assumed"
            if assumed and rows
            else "not given"
        )
    load = (
        f"{task.load_kg:g} kg (entered)"
        if task.load_kg > 0
        else "not given: the recommended weight limit (RWL) is shown, no lifting index"
    )
    return [
        ["Load weight", load],
        ["Lift frequency", freq],
        [
            "Task duration",
            f"{task.duration_h:g} h ({_input_source('duration_h', task.duration_h)})",
        ],
        ["Coupling (grip)", f"{task.coupling} ({_input_source('coupling', task.coupling)})"],
        [
            "H, V, A, D",
            "measured from the video at each lift's origin (lowest point) and destination; "
            "A needs depth and is assumed 0 where the view cannot see it (see the notes)",
        ],
    ]


def niosh_section(result: Result) -> str:
    """The NIOSH lifting equation per lift: its inputs (and where they came from), the RWL and
    the lifting index, and the notes (an input assumed, the equation refused)."""
    rows = lift_rows(result)
    if not rows:
        return "<p>No lift, so no NIOSH figure.</p>"
    out = table(_task_inputs(result, rows), numeric=False, cls="fields")
    shown, note = _listed(rows)
    head, body = _rows(shown, NIOSH_TABLE)
    out += note + table(body, head, numeric=False, cls="wide")
    notes = lift_notes(rows)
    if notes:
        out += "<ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>"
    out += (
        '<p class="note">RWL = 23 kg x HM x VM x DM x AM x FM x CM (Waters et al. 1993). '
        "LI = load / RWL: above 1 the risk rises, above 3 it is high for nearly every worker. "
        "Not valid for one-handed or seated lifts (refused, with the reason).</p>"
    )
    return out
