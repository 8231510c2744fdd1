"""The report as one HTML document: headline figures, plots, worst moments, cues, lifts,
settings and limits. Inline CSS, pictures embedded, no external resources."""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posture import __version__
from posture.core.config import DEFAULTS, as_dict, dump_toml
from posture.core.measures import MEASURE_SPECS
from posture.report.figures import hex_colour, moment_pictures, timeline_png
from posture.report.moments import (
    LABELS,
    LIFT_COLUMNS,
    deepest_bend_deg,
    flat,
    key_moments,
    lift_count,
    lift_rows,
    worst_lift_text,
)
from posture.run.export import atomic_write_text

if TYPE_CHECKING:
    from posture.run.recorded import Result

#: Why a family of measures can be hard to trust (``posture.core.measures`` docstring).
WHY_LOW = {
    "sagittal": "a forward/backward angle: clear from the side, only estimated in depth when "
    "the camera faces the person",
    "frontal": "a sideways angle: clear from the front or back, hidden from the side",
    "twist": "a rotation about the spine: it needs depth, so it is never trusted from a pure "
    "side view",
    "vertical": "needs the hands and feet in view",
    "any": "needs the joints in view",
}
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1d2733;
max-width:980px;margin:24px auto;padding:0 20px;line-height:1.45}
h1{font-size:1.6em;margin-bottom:0}h2{font-size:1.2em;margin-top:1.8em;
border-bottom:2px solid #e3e7ec;padding-bottom:4px}.sub{color:#5b6b7b;margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:.92em}td,th{padding:5px 8px;
border-bottom:1px solid #e3e7ec;text-align:left;vertical-align:top}th{background:#f4f6f8}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #e3e7ec;border-radius:8px;
padding:10px 14px;min-width:130px}.card b{display:block;font-size:1.45em}
.card span{color:#5b6b7b;font-size:.85em}.pill{display:inline-block;border-radius:10px;
padding:1px 9px;color:#fff;font-size:.85em;font-weight:600}
.moments{display:grid;grid-template-columns:repeat(2,1fr);gap:14px}
figure{margin:0}figure img{width:100%;border-radius:6px}figcaption{font-size:.88em;
color:#33414f}.bar{display:flex;height:18px;border-radius:4px;overflow:hidden;margin:6px 0}
.note{color:#5b6b7b;font-size:.9em}pre{background:#f4f6f8;padding:10px;font-size:.8em;
overflow:auto}@media print{.moments{grid-template-columns:repeat(2,1fr)}}
"""


def _e(v: Any) -> str:
    return html.escape(str(v))


def _pill(level: str) -> str:
    return f'<span class="pill" style="background:{hex_colour(level)}">{_e(level)}</span>'


def _table(rows: list[list[Any]], head: list[str] | None = None, *, numeric: bool = True) -> str:
    """An HTML table; numbers right-aligned unless ``numeric`` is False."""
    out = ["<table>"]
    if head:
        out.append("<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>")
    for r in rows:
        cells = []
        for c in r:
            num = numeric and isinstance(c, int | float) and not isinstance(c, bool)
            cells.append(f'<td class="n">{_e(_fmt(c))}</td>' if num else f"<td>{_e(_fmt(c))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "".join(out) + "</table>"


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return "-" if not np.isfinite(v) else f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _facts(s: dict[str, Any]) -> str:
    clip = s["clip"]
    name = Path(str(clip.get("source", "?"))).name
    size = f"{clip['width']} x {clip['height']} px" if clip.get("width") else "-"
    rows = [
        ["Source", name],
        ["Duration", f"{clip.get('duration_s', 0):.1f} s ({clip.get('frames', 0)} frames)"],
        ["Frames with a pose", f"{clip.get('frames_with_pose', 0)}"],
        ["Frame rate", f"{clip['fps']} fps" if clip.get("fps") else "-"],
        ["Picture", size],
        ["Person analysed", f"#{s.get('subject')} of {len(s.get('people', []))} tracked"],
        ["Camera view", ", ".join(f"{k} {v:.0%}" for k, v in s["view_time_share"].items() if v)],
        ["Pose model", (s.get("model") or {}).get("name", "-")],
        ["posture version", s.get("posture_version", __version__)],
    ]
    return _table(rows)


def _headline(result: Result, s: dict[str, Any]) -> str:
    trunk = deepest_bend_deg(result.analysis)
    cards = [
        ("Lifts", lift_count(s)),
        ("Lifts per minute", _fmt(s.get("lifts_per_min"))),
        ("Worst lift", worst_lift_text(result)),
        ("Deepest trunk bend", f"{trunk:.0f}°" if trunk is not None else "-"),
        ("Time at high risk", _share(s["risk_time_share"].get("high"))),
        ("Time at medium risk", _share(s["risk_time_share"].get("medium"))),
    ]
    html_cards = "".join(
        f"<div class=card><span>{_e(k)}</span><b>{_e(v)}</b></div>" for k, v in cards
    )
    out = f'<div class="cards">{html_cards}</div>' + _share_bar(
        s["risk_time_share"], "Posture risk"
    )
    reba = s.get("reba_time_share")
    if isinstance(reba, Mapping):
        out += _share_bar(reba, "REBA level")
    return out


def _share_bar(shares: Mapping[str, Any], title: str) -> str:
    parts, legend = [], []
    for k, v in shares.items():
        if not isinstance(v, int | float) or v <= 0:
            continue
        colour = hex_colour(k)
        parts.append(f'<div style="width:{100 * v:.2f}%;background:{colour}"></div>')
        legend.append(f'<span style="color:{colour}">■</span> {_e(k.replace("_", " "))} {v:.0%}')
    if not parts:
        return ""
    return (
        f'<p class="note">{_e(title)}: {" &nbsp; ".join(legend)}</p>'
        f'<div class="bar">{"".join(parts)}</div>'
    )


def _moments(result: Result, *, blur_faces: bool) -> str:
    a = result.analysis
    moments = key_moments(result)
    if not moments:
        return '<p class="note">No pose was seen, so there is no moment to show.</p>'
    pictures = moment_pictures(result, [m.row for m in moments], blur_faces=blur_faces)
    figs = []
    for m in moments:
        level = str(a.cues.risk_level[m.row])
        reads = ", ".join(
            f"{LABELS[k].lower()} {a.measures[k][m.row]:.0f}°"
            for k in ("trunk_flexion_deg", "trunk_twist_deg", "knee_flexion_deg")
            if np.isfinite(a.measures[k][m.row])
        )
        img = (
            f'<img alt="frame {m.row}" src="data:image/png;base64,{pictures[m.row]}">'
            if m.row in pictures
            else '<p class="note">(no annotated video to take the picture from)</p>'
        )
        cap = f"<b>{_e(m.title)}</b> at {m.t_s - a.t_s[0]:.1f} s {_pill(level)}<br>{_e(reads)}"
        figs.append(f"<figure>{img}<figcaption>{cap}</figcaption></figure>")
    blur = "Faces are blurred in these pictures." if blur_faces else "Faces are not blurred."
    return f'<div class="moments">{"".join(figs)}</div><p class="note">{blur}</p>'


def _cues(s: dict[str, Any]) -> str:
    if not s["cues"]:
        return "<p>No corrective cue was raised with confidence in this clip.</p>"
    rows = [[c["text"], c["seconds"]] for c in s["cues"]]
    return _table(rows, ["What to tell the worker", "Time raised (s)"])


def _lifts(result: Result) -> str:
    rows = lift_rows(result)
    load = result.analysis.settings.task.load_kg
    if not rows:
        found = callable(getattr(result.analysis, "lifts_table", None))
        return (
            "<p>No lift was found in this clip.</p>"
            if found
            else '<p class="note">No lift events: lift detection is not available in this '
            "version, so there is no per-lift table and no NIOSH lifting index.</p>"
        )
    cols = [c for c in LIFT_COLUMNS if c in rows[0]]
    if len(cols) < 3:  # an unknown layout: every column as it is
        cols = list(rows[0])
    head = [LIFT_COLUMNS.get(c, c) for c in cols]
    body = _table([[r.get(c) for c in cols] for r in rows], head)
    if not load:
        body += (
            '<p class="note">No load weight was entered, so the NIOSH lifting index is not '
            "computed (enter the weight of the load in the settings).</p>"
        )
    return body


#: The settings a reader of the report asks about first, in plain words.
KEY_SETTINGS = {
    "task.load_kg": "Load weight (kg)",
    "task.lift_frequency_per_min": "Lift frequency (lifts/min)",
    "task.duration_h": "Lifting task duration (h)",
    "task.coupling": "Hand coupling (grip on the load)",
    "view.hint": "Camera view",
    "view.min_confidence": "Confidence needed to trust a measure (0-1)",
    "subject.height_cm": "Worker's height (cm)",
    "subject.person": "Person analysed",
    "output.blur_faces": "Faces blurred",
}


def _setting_value(key: str, value: Any, subject: int) -> str:
    if key == "subject.person":
        return f"#{value}" if value else f"automatic (#{subject})" if subject else "automatic"
    if key in ("task.load_kg", "task.lift_frequency_per_min") and not value:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _settings(result: Result) -> str:
    settings = result.analysis.settings
    subject = result.analysis.raw.person_id
    cur, base = flat(as_dict(settings)), flat(as_dict(DEFAULTS))
    rows: list[list[Any]] = [
        [label, _setting_value(key, cur[key], subject), "" if cur[key] == base[key] else "changed"]
        for key, label in KEY_SETTINGS.items()
    ]
    rows += [
        [k, str(v), "changed"] for k, v in cur.items() if v != base[k] and k not in KEY_SETTINGS
    ]
    toml = _e(dump_toml(settings))
    return (
        _table(rows, ["Setting", "Value", "vs. default"])
        + f"<details><summary>Every setting (TOML, loadable with --config)</summary>"
        f"<pre>{toml}</pre></details>"
    )


def hard_to_see(summary: dict[str, Any]) -> list[tuple[str, float | None, str]]:
    """The measures this view could not see well: ``(label, share of frames trusted or None
    when never seen, why)`` for each of :data:`LABELS` trusted in under ``TRUSTED_ENOUGH`` of
    the frames. The report's Limits and the dashboard's show this one list."""
    out: list[tuple[str, float | None, str]] = []
    for name, label in LABELS.items():
        m = summary["measures"].get(name)
        if m is None:
            out.append((label, None, "never seen (the body parts it needs were out of view)"))
        elif m["trusted_share"] < TRUSTED_ENOUGH:
            out.append((label, m["trusted_share"], WHY_LOW.get(MEASURE_SPECS[name][0], "")))
    return out


#: A measure trusted in fewer frames than this share is listed among the limits.
TRUSTED_ENOUGH = 0.8


def _limits(result: Result, s: dict[str, Any]) -> str:
    a = result.analysis
    min_conf = a.settings.view.min_confidence
    rows = [
        [label, "-" if share is None else _share(share), why]
        for label, share, why in hard_to_see(s)
    ]
    items = []
    clip = s["clip"]
    missing = clip.get("frames", 0) - clip.get("frames_with_pose", 0)
    if missing:
        items.append(f"No pose was found in {missing} of {clip.get('frames')} frames.")
    cam = (s.get("geometry") or {}).get("camera") or {}
    if cam:
        found = ", ".join(cam.get("sources") or []) or "nothing: assumed level"
        items.append(
            f"Camera: looks down {cam.get('pitch_deg')}° ± {cam.get('sigma_pitch_deg')}°, "
            f"rolled {cam.get('roll_deg')}° ± {cam.get('sigma_roll_deg')}° (from {found})."
        )
    items += [f"Warning: {w}" for w in s.get("warnings", [])]
    items.append(
        "One camera sees the body from one side: each measure carries a confidence (0-1) from "
        f"the view and the landmarks' visibility; below {min_conf} it is reported but raises no "
        "confident cue. Angles are estimates from a pose model, not a measurement by a "
        "specialist; use the report to decide where to look, not as a diagnosis."
    )
    table = (
        _table(rows, ["Measure", "Trusted share of frames", "Why it can be hard to see"])
        if rows
        else "<p>Every main measure was trusted in at least 80 % of the frames.</p>"
    )
    return table + "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def render_report(result: Result, *, blur_faces: bool = True) -> str:
    """The report as one HTML document (no external resources)."""
    s = result.summary()
    name = Path(str(s["clip"].get("source", "clip"))).name
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    sections = [
        ("Headline figures", _headline(result, s)),
        (
            "Over time",
            f'<img alt="timeline" style="width:100%" '
            f'src="data:image/png;base64,{timeline_png(result)}">'
            '<p class="note">Solid lines: trusted readings; faint lines: low confidence (the '
            "camera's view cannot see that angle well). Dotted and dashed lines: the trunk-bend "
            "thresholds for medium and high risk. The strip below is the risk level.</p>",
        ),
        ("Worst moments", _moments(result, blur_faces=blur_faces)),
        ("Cues raised", _cues(s)),
        ("Lifts", _lifts(result)),
        ("The clip", _facts(s)),
        ("Settings used", _settings(result)),
        ("Limits of this analysis", _limits(result, s)),
    ]
    body = "".join(f"<h2>{_e(title)}</h2>{content}" for title, content in sections)
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>Lifting-risk report: {_e(name)}</title><style>{CSS}</style></head><body>"
        f"<h1>Lifting-risk report</h1><p class=sub>{_e(name)} &middot; created {when} "
        f"with posture {__version__}</p>{body}</body></html>\n"
    )


def write_report(result: Result, path: str | Path, *, blur_faces: bool = True) -> Path:
    """Write the HTML report of ``result`` to ``path``; returns the path."""
    p = Path(path)
    atomic_write_text(p, render_report(result, blur_faces=blur_faces))
    return p
