"""The before / after report: two assessments of a task side by side (headline figures and the
change in each, score levels, cues, lifts, worst moments), one self-contained HTML page like
the assessment report (inline CSS, pictures embedded, opens offline).

The worst moments are pictures when an assessment's output folder is still on this machine
(its ``landmarks.npz`` re-scored with the stored settings finds them, its ``annotated.mp4``
gives the frames, faces blurred); otherwise they are described in words from the stored lifts.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from posture.library.compare import changes, comparable, cue_changes
from posture.report.document import CSS
from posture.report.figures import hex_colour
from posture.run.export import atomic_write_text

VERDICT_HEX = {"safer": "#2e7d32", "worse": "#c62828", "same": "#5b6b7b"}
LIFT_COLUMNS = {
    "lift": "Lift",
    "style": "Style",
    "start_s": "Start (s)",
    "trunk_flexion_at_lowest_deg": "Trunk bend at lowest (°)",
    "knee_flexion_at_lowest_deg": "Knee bend at lowest (°)",
    "peak_twist_deg": "Peak twist (°)",
    "li_origin": "Lifting index, origin",
}
LEVELS = {
    "risk": ("Risk level", ("low", "medium", "high", "unknown")),
    "reba": ("REBA action level", ("negligible", "low", "medium", "high", "very_high")),
    "owas_back": ("OWAS back code", ("1", "2", "3", "4")),
}


def _e(v: Any) -> str:
    return html.escape("-" if v is None or v == "" else str(v))


def _label(a: Mapping[str, Any]) -> str:
    return f"#{a['id']} · {a['assessed_on']}"


def _num(v: Any) -> str:
    if v is None or v == "":
        return "-"
    if isinstance(v, float):
        return f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def _who(a: Mapping[str, Any]) -> list[list[str]]:
    rec = a.get("recording") or {}
    dur = rec.get("duration_s")
    return [
        ["Assessment", _label(a)],
        ["Task", a.get("task") or "-"],
        ["Site", a.get("site") or "-"],
        ["Worker", a.get("worker") or "-"],
        ["Assessor", a.get("assessor") or "-"],
        ["Recording", f"{rec.get('name', '-')} ({dur:.1f} s)" if dur else rec.get("name", "-")],
        ["Load", f"{a['load_kg']:g} kg" if a.get("load_kg") else "not given"],
        ["Notes", a.get("notes") or "-"],
    ]


def _rows(rows: list[list[Any]], head: list[str] | None = None) -> str:
    out = ["<table>"]
    if head:
        out.append("<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>")
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>")
    return "".join(out) + "</table>"


def _figures(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    rows = []
    for c in changes(before, after):
        verdict = c.verdict
        pill = (
            f'<span class="pill" style="background:{VERDICT_HEX[verdict]}">{verdict}</span>'
            if verdict
            else ""
        )
        rows.append(
            [
                _e(c.figure.label),
                _e(c.text(c.before)),
                _e(c.text(c.after)),
                f"{_e(c.delta_text)} {pill}",
            ]
        )
    return _rows(
        rows, ["Figure", f"Before ({_label(before)})", f"After ({_label(after)})", "Change"]
    )


def _levels(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    parts = []
    for score, (title, names) in LEVELS.items():
        rows = []
        for level in names:
            b = before["levels"].get((score, level))
            a = after["levels"].get((score, level))
            if not b and not a:
                continue
            dot = f'<span class="pill" style="background:{hex_colour(level)}">&nbsp;</span>'
            rows.append(
                [
                    f"{dot} {_e(level.replace('_', ' '))}",
                    _e(f"{b:.0%}" if b is not None else "-"),
                    _e(f"{a:.0%}" if a is not None else "-"),
                ]
            )
        if rows:
            parts.append(f"<h3>{_e(title)}: share of the time</h3>")
            parts.append(_rows(rows, ["Level", "Before", "After"]))
    return "".join(parts)


def _cues(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    rows = [
        [_e(c["text"]), _num(c["before_s"]), _num(c["after_s"]), f"{c['change_s']:+.1f}"]
        for c in cue_changes(before, after)
    ]
    if not rows:
        return "<p>No corrective cue was raised with confidence in either.</p>"
    return _rows(rows, ["Cue", "Before (s)", "After (s)", "Change (s)"])


def _lifts(a: Mapping[str, Any]) -> str:
    rows = a.get("lift_rows") or []
    if not rows:
        return "<p>No lift was found.</p>"
    body = [[_e(_num(r.get(k))) for k in LIFT_COLUMNS] for r in rows]
    return _rows(body, list(LIFT_COLUMNS.values()))


def _side_by_side(before: str, after: str) -> str:
    return (
        '<div class="moments"><div><h3>Before</h3>'
        f"{before}</div><div><h3>After</h3>{after}</div></div>"
    )


def render_before_after(
    before: Mapping[str, Any], after: Mapping[str, Any], *, pictures: bool = True
) -> str:
    """The page for two assessments as :meth:`posture.library.Library.get` returns them."""
    from posture.library.moments import moments_html

    task = before.get("task") or after.get("task") or "(no task given)"
    notes = comparable(before, after)
    caution = (
        '<p class="note"><b>Compare with care:</b> ' + _e("; ".join(notes)) + ".</p>"
        if notes
        else ""
    )
    who = _side_by_side(
        _rows([[_e(k), _e(v)] for k, v in _who(before)]),
        _rows([[_e(k), _e(v)] for k, v in _who(after)]),
    )
    moments = _side_by_side(
        moments_html(before, pictures=pictures), moments_html(after, pictures=pictures)
    )
    body = [
        f"<h1>Before / after: {_e(task)}</h1>",
        f'<p class="sub">{_e(_label(before))} against {_e(_label(after))} · posture</p>',
        caution,
        "<h2>The change in each figure</h2>",
        _figures(before, after),
        '<p class="note">"safer" and "worse" say which way each figure moved; the number of '
        "lifts and their rate have no safer direction.</p>",
        "<h2>The two assessments</h2>",
        who,
        "<h2>Scores</h2>",
        _levels(before, after),
        "<h2>Cues</h2>",
        _cues(before, after),
        "<h2>Lifts</h2>",
        _side_by_side(_lifts(before), _lifts(after)),
        "<h2>Worst moments</h2>",
        moments,
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Before / after: {_e(task)}</title><style>{CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>"
    )


def write_before_after(
    before: Mapping[str, Any], after: Mapping[str, Any], path: str | Path
) -> Path:
    out = Path(path)
    atomic_write_text(out, render_before_after(before, after))
    return out
