"""The report as one document: the assessment, headline figures, the standard scores, plots,
worst moments, cues, lifts and the NIOSH equation, the clip, settings and limits. Inline CSS,
pictures embedded, no external resources; the same HTML prints to ``report.pdf``
(:mod:`posture.report.pdf`)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posture import __version__
from posture.core.assessment import ASSESSMENT_LABELS
from posture.core.config import DEFAULTS, as_dict, dump_toml
from posture.core.measures import MEASURE_SPECS
from posture.report.figures import moment_pictures, timeline_png
from posture.report.html import CSS, e, fmt, footer_css, pill, share, share_bar, table
from posture.report.moments import (
    LABELS,
    deepest_bend_deg,
    flat,
    key_moments,
    lift_count,
    lifting_index,
    worst_lift,
    worst_lift_text,
)
from posture.report.scores import lifts_section, niosh_section, score_peak, standard_scores
from posture.run.export import atomic_write_text

if TYPE_CHECKING:
    from posture.run.recorded import Result

#: Why a family of measures can be hard to trust (``posture.core.measures`` docstring); a
#: distance (``_cm``) of a family reads "distance" where the family's text says "angle".
WHY_LOW = {
    "sagittal": "a forward/backward angle: clear from the side, only estimated in depth when "
    "the camera faces the person",
    "frontal": "a sideways angle: clear from the front or back, hidden from the side",
    "twist": "a rotation about the spine: it needs depth, so it is never trusted from a pure "
    "side view",
    "vertical": "needs the hands and feet in view",
    "any": "needs the joints in view",
}
#: Measures whose reason is not their family's (the hands' position is not a body angle).
WHY_LOW_MEASURE = {
    "hand_distance_cm": "a forward/backward distance (hands to ankles): clear from the side, "
    "only estimated in depth when the camera faces the person",
    "hand_asymmetry_deg": "the hands' direction seen from above: it needs depth, so it is never "
    "trusted from a pure side view",
}


def _source_name(clip: dict[str, Any], default: str = "?") -> str:
    """What was analysed, as the report names it: the file's name; a live session replayed from
    a file (``posture live --replay``) is the live camera's, fed that file."""
    name = Path(str(clip.get("source", default))).name
    return f"live camera (a replay of {name})" if clip.get("kind") == "live replay" else name


def _facts(s: dict[str, Any]) -> str:
    clip = s["clip"]
    name = _source_name(clip)
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
    return table(rows, numeric=False, cls="fields")


def _assessment(s: dict[str, Any], created: str) -> str:
    """The reviewer's fields (summary.json ``assessment``); the ones not given say so, so a
    printed copy can be completed by hand."""
    given = s.get("assessment") or {}
    rows = []
    for key, label in ASSESSMENT_LABELS.items():
        value = given.get(key)
        if key == "date" and not value:
            value_html = f'<span class="note">not given (report created {e(created)})</span>'
        elif value:
            value_html = e(value).replace("\n", "<br>")
        else:
            value_html = '<span class="note">not given</span>'
        rows.append([label, value_html])
    return table(rows, numeric=False, cls="fields", raw=True)


def _headline(result: Result, s: dict[str, Any]) -> str:
    trunk = deepest_bend_deg(result.analysis)
    worst = worst_lift(result)
    index = lifting_index(worst) if worst else None
    reba, rula = score_peak(result, "reba"), score_peak(result, "rula")
    cards = [
        ("Lifts", lift_count(s)),
        ("Lifts per minute", fmt(s.get("lifts_per_min"))),
        ("Worst lift", worst_lift_text(result)),
    ]
    if index is not None:
        cards.append(("Worst lifting index", f"{index:.2f}"))
    cards += [
        ("Deepest trunk bend", f"{trunk:.0f}°" if trunk is not None else "-"),
        ("REBA peak", "-" if reba is None else f"{reba[0]:g} ({reba[1].replace('_', ' ')})"),
        ("RULA peak", "-" if rula is None else f"{rula[0]:g} ({rula[1].replace('_', ' ')})"),
        ("Time at high risk", share(s["risk_time_share"].get("high"))),
        ("Time at medium risk", share(s["risk_time_share"].get("medium"))),
    ]
    html_cards = "".join(
        f"<div class=card><span>{e(k)}</span><b>{e(v)}</b></div>" for k, v in cards
    )
    return f'<div class="cards">{html_cards}</div>' + share_bar(
        s["risk_time_share"], "Posture risk (the back-strain risk factors)"
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
        cap = f"<b>{e(m.title)}</b> at {m.t_s - a.t_s[0]:.1f} s {pill(level)}<br>{e(reads)}"
        figs.append(f"<figure>{img}<figcaption>{cap}</figcaption></figure>")
    blur = (
        "Faces are blurred in these pictures (the report's privacy setting)."
        if blur_faces
        else "Faces are not blurred in these pictures."
    )
    return f'<div class="moments">{"".join(figs)}</div><p class="note">{blur}</p>'


def _cues(s: dict[str, Any]) -> str:
    if not s["cues"]:
        return "<p>No corrective cue was raised with confidence in this clip.</p>"
    rows = [
        [k, c["text"], c["seconds"], c.get("high_seconds", 0.0)] for k, c in enumerate(s["cues"], 1)
    ]
    return table(
        rows, ["Rank", "What to tell the worker", "Time raised (s)", "of which high (s)"]
    ) + ('<p class="note">Ranked by how long each was raised, high-risk time counting twice.</p>')


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
    "output.blur_faces": "Faces blurred in the annotated video",
}


def _setting_value(key: str, value: Any, subject: int) -> str:
    if key == "subject.person":
        return f"#{value}" if value else f"automatic (#{subject})" if subject else "automatic"
    if key in ("task.load_kg", "task.lift_frequency_per_min") and not value:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _settings(result: Result, *, blur_faces: bool) -> str:
    settings = result.analysis.settings
    subject = result.analysis.raw.person_id
    cur, base = flat(as_dict(settings)), flat(as_dict(DEFAULTS))
    rows: list[list[Any]] = [
        [label, _setting_value(key, cur[key], subject), "" if cur[key] == base[key] else "changed"]
        for key, label in KEY_SETTINGS.items()
    ]
    rows.append(["Faces blurred in this report's pictures", "yes" if blur_faces else "no", ""])
    rows += [
        [k, str(v), "changed"] for k, v in cur.items() if v != base[k] and k not in KEY_SETTINGS
    ]
    toml = e(dump_toml(settings))
    return (
        table(rows, ["Setting", "Value", "vs. default"], numeric=False)
        + "<details><summary>Every setting (TOML, loadable with --config)</summary>"
        f"<pre>{toml}</pre></details>"
        '<p class="note print-only">Every setting not listed here is at its default in posture '
        f"{e(__version__)} (`posture config` prints them all; report.html holds them as a file "
        "loadable with --config).</p>"
    )


def _why_low(name: str) -> str:
    return WHY_LOW_MEASURE.get(name) or WHY_LOW.get(MEASURE_SPECS[name][0], "")


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
            out.append((label, m["trusted_share"], _why_low(name)))
    return out


#: A measure trusted in fewer frames than this share is listed among the limits.
TRUSTED_ENOUGH = 0.8


def _limits(result: Result, s: dict[str, Any]) -> str:
    a = result.analysis
    min_conf = a.settings.view.min_confidence
    rows = [
        [label, "-" if share_ is None else share(share_), why]
        for label, share_, why in hard_to_see(s)
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
    body = (
        table(
            rows, ["Measure", "Trusted share of frames", "Why it can be hard to see"], numeric=False
        )
        if rows
        else "<p>Every main measure was trusted in at least 80 % of the frames.</p>"
    )
    return body + "<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>"


def _footer_text(s: dict[str, Any], name: str, created: str) -> str:
    """What the printed pages' footer names: the assessment (task, worker, date) or the clip."""
    given = s.get("assessment") or {}
    parts = [str(given[k]) for k in ("task", "worker", "site") if given.get(k)] or [name]
    return "Lifting-risk assessment: " + " · ".join(parts) + f" · {given.get('date') or created}"


def render_report(result: Result, *, blur_faces: bool = True) -> str:
    """The report as one HTML document (no external resources)."""
    s = result.summary()
    name = _source_name(s["clip"], "clip")
    created = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    sections = [
        ("Assessment", _assessment(s, created)),
        ("Headline figures", _headline(result, s)),
        ("Standard scores", standard_scores(result, s)),
        (
            "Over time",
            f'<img alt="timeline" style="width:100%" '
            f'src="data:image/png;base64,{timeline_png(result)}">'
            '<p class="note">Solid lines: trusted readings; faint lines: low confidence (the '
            "camera's view cannot see that angle well). Dotted and dashed lines: the trunk-bend "
            "thresholds for medium and high risk. The strip below is the risk level.</p>",
        ),
        ("Worst moments", _moments(result, blur_faces=blur_faces)),
        ("Cues raised, most important first", _cues(s)),
        ("Lifts", lifts_section(result)),
        ("NIOSH lifting equation, per lift", niosh_section(result)),
        ("The clip", _facts(s)),
        ("Settings used", _settings(result, blur_faces=blur_faces)),
        ("Limits of this analysis", _limits(result, s)),
    ]
    body = "".join(f"<h2>{e(title)}</h2>{content}" for title, content in sections)
    given = s.get("assessment") or {}
    title = given.get("task") or name
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>Lifting-risk report: {e(title)}</title>"
        f'<meta name="generator" content="posture {e(__version__)}">'
        + (
            f'<meta name="author" content="{e(given["assessor"])}">'
            if given.get("assessor")
            else ""
        )
        + f'<meta name="description" content="{e(_footer_text(s, name, created))}">'
        f"<style>{CSS}{footer_css(_footer_text(s, name, created))}</style></head><body>"
        f"<h1>Lifting-risk report</h1><p class=sub>{e(name)} &middot; created {created} "
        f"with posture {__version__}</p>{body}</body></html>\n"
    )


def write_report(result: Result, path: str | Path, *, blur_faces: bool = True) -> Path:
    """Write the HTML report of ``result`` to ``path``; returns the path."""
    p = Path(path)
    atomic_write_text(p, render_report(result, blur_faces=blur_faces))
    return p


@dataclass(frozen=True)
class Reports:
    """The report files written, and why the PDF is missing (one line) when it is."""

    html: Path
    pdf: Path | None
    pdf_missing: str | None = None

    @property
    def outputs(self) -> dict[str, Path]:
        return {"report": self.html, **({"report_pdf": self.pdf} if self.pdf else {})}


def write_reports(result: Result, out_dir: str | Path, *, blur_faces: bool = True) -> Reports:
    """``report.html`` and ``report.pdf`` (the same document on A4 pages) in ``out_dir``.
    Without a PDF engine the HTML is still written, an earlier PDF removed, and
    ``pdf_missing`` says why."""
    from posture.report.pdf import PdfUnavailable, html_to_pdf

    out = Path(out_dir)
    html = render_report(result, blur_faces=blur_faces)
    atomic_write_text(out / "report.html", html)
    try:
        pdf: Path | None = html_to_pdf(html, out / "report.pdf")
        missing = None
    except PdfUnavailable as exc:
        (out / "report.pdf").unlink(missing_ok=True)  # never an earlier run's PDF beside it
        pdf, missing = None, f"report.pdf not written: {exc}"
    return Reports(out / "report.html", pdf, missing)
