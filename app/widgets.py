"""Widgets every tab uses: colours, risk pills, headline figures, error handling, the shared
analysis store with its progress bar, downloads."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import traceback
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import streamlit as st

from app import glossary
from app.analyses import AnalysisStore, Analyzed
from app.settings_panel import PageSettings
from app.sources import Source, cache_dir
from posture.core.errors import PostureError
from posture.core.measure_info import label
from posture.report import (
    Reports,
    deepest_bend_deg,
    lift_count,
    lift_rows,
    lift_text,
    lifting_index,
    worst_lift,
    write_reports,
)
from posture.report.figures import LEVEL_HEX
from posture.report.pdf import pdf_unavailable
from posture.video.draw import RISK_RGB

T = TypeVar("T")
RISK_HEX = {k: LEVEL_HEX[k] for k in RISK_RGB}
#: Colours of measures in charts (kept apart from the risk colours).
MEASURE_HEX = {
    label("trunk_flexion_deg"): "#1f5fbf",
    label("trunk_twist_deg"): "#7b3fb5",
    label("shoulders_forward_deg"): "#2a9d8f",
    label("knee_flexion_deg"): "#8a6d3b",
}
CSS = """
<style>
div[data-testid="stMetricValue"] {font-variant-numeric: tabular-nums;}
.risk-pill {display:inline-block;border-radius:12px;padding:2px 12px;color:#fff;
  font-weight:600;font-size:0.9rem;letter-spacing:.02em}
.share-bar {display:flex;height:16px;border-radius:4px;overflow:hidden;margin:2px 0 4px 0}
.legend {color:#5b6b7b;font-size:0.85rem}
.cue-box {border-radius:8px;padding:10px 14px;color:#fff;font-weight:600;font-size:1.1rem}
.muted {color:#5b6b7b;font-size:0.9rem}
/* narrow windows (1024 px with the sidebar open): labels wrap instead of being cut */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space:normal !important; overflow:visible !important; text-overflow:clip !important}
[data-testid="stMarkdownContainer"] table {font-size:0.88rem;max-width:100%}
[data-testid="stMarkdownContainer"] table th, [data-testid="stMarkdownContainer"] table td {
  padding:0.3rem 0.5rem}
div[data-testid="stDownloadButton"] button p, div[data-testid="stButton"] button p {
  white-space:nowrap}
</style>
"""


def style() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def guarded(render: Callable[..., T], *args: Any, fallback: T | None = None) -> T | None:
    """Run a part of the page; a PostureError shows as one line, anything else as a short
    message with the details folded away. Never a bare traceback. Returns what ``render``
    returned, or ``fallback`` after an error."""
    try:
        return render(*args)
    except PostureError as exc:
        st.error(str(exc))
    except Exception as exc:
        st.error(f"Something went wrong: {type(exc).__name__}: {exc}")
        with st.expander("Details (for a bug report)"):
            st.code(traceback.format_exc(), language="text")
    return fallback


def risk_pill(level: str, text: str | None = None) -> str:
    colour = RISK_HEX.get(level, RISK_HEX["unknown"])
    label = html.escape(text or f"{level} risk")
    return f'<span class="risk-pill" style="background:{colour}">{label}</span>'


def share_bar(shares: Mapping[str, Any], title: str) -> None:
    """A horizontal bar of the time spent in each level, with its legend."""
    parts, legend = [], []
    for level, share in shares.items():
        if not isinstance(share, int | float) or share <= 0:
            continue
        c = LEVEL_HEX.get(level, LEVEL_HEX["unknown"])
        parts.append(f'<div style="width:{100 * share:.2f}%;background:{c}"></div>')
        name = html.escape(level.replace("_", " "))
        legend.append(f'<span style="color:{c}">&#9632;</span> {name} {share:.0%}')
    if parts:
        st.markdown(
            f'<div class="legend">{html.escape(title)}: {" &nbsp; ".join(legend)}</div>'
            f'<div class="share-bar">{"".join(parts)}</div>',
            unsafe_allow_html=True,
        )


def headline(item: Analyzed) -> None:
    """The clip's headline figures; with a load weight, the worst lifting index among them."""
    s = item.result.summary()
    trunk = deepest_bend_deg(item.result.analysis)
    lpm = s.get("lifts_per_min")
    no_lifts = "Lift detection is not available in this version."
    worst = worst_lift(item.result)
    index = lifting_index(worst) if worst is not None else None
    loaded = bool(item.settings.task.load_kg)
    cols = st.columns(6 if loaded else 5)
    cols[0].metric("Lifts", lift_count(s), help=None if "lifts" in s else no_lifts)
    cols[1].metric(
        "Lifts per minute",
        "-" if lpm is None else f"{lpm:.1f}",
        help=glossary.LIFTS_PER_MINUTE_EMPTY if lpm is None else glossary.LIFTS_PER_MINUTE,
    )
    num = None if worst is None else worst.get("lift", worst.get("number"))
    cols[2].metric(
        "Worst lift",
        "-" if worst is None else f"#{num}" if num is not None else "yes",
        help=glossary.WORST_LIFT,
    )
    rest = cols[3:]
    if loaded:
        rest[0].metric(
            "Worst lifting index",
            "-" if index is None else f"{index:.2f}",
            delta=None if index is None else _li_band(index),
            delta_color="off" if index is None or index <= 1 else "inverse",
            delta_arrow="off",
            help=glossary.LIFTING_INDEX
            + ("" if index is not None else " No lift here has one (see the NIOSH notes)."),
        )
        rest = rest[1:]
    rest[0].metric(
        "Deepest trunk bend", "-" if trunk is None else f"{trunk:.0f}°", help=glossary.DEEPEST_BEND
    )
    rest[1].metric(
        "Time at high risk",
        f"{s['risk_time_share'].get('high', 0):.0%}",
        help=glossary.TIME_AT_HIGH_RISK,
    )
    if worst is not None:
        st.caption(
            f"Worst lift: {lift_text(worst)}, lowest point at {_lowest(worst)}.",
            help=glossary.LIFTING_INDEX,
        )
    share_bar(s["risk_time_share"], "Time in each risk level (back-strain risk factors)")
    if isinstance(s.get("reba_time_share"), Mapping):
        share_bar(s["reba_time_share"], "Time in each REBA level (whole-body posture score)")
    st.caption(glossary.SCORES_VS_RISK, help=glossary.REBA)


def _li_band(index: float) -> str:
    """The lifting index in words (NIOSH: above 1 the risk rises, above 3 it is high)."""
    if index > 3:
        return "high for nearly everyone"
    return "above 1: risk rises" if index > 1 else "within the limit"


def _lowest(lift: Mapping[str, Any]) -> str:
    t = lift.get("lowest_s")
    return f"{t:.1f} s" if isinstance(t, int | float) else "an unknown time"


# ---------------------------------------------------------------------------------------------
@st.cache_resource
def store() -> AnalysisStore:
    """One store of analyses for the whole server (every session shares the cache)."""
    return AnalysisStore(cache_dir() / "analyses")


def analyze(source: Source, settings: Any, what: str = "") -> Analyzed:
    """The analysis of ``source``, from the cache or run now with a progress bar."""
    hit = store().cached(source, settings)
    if hit is not None:
        return hit
    label = what or source.label
    bar = st.progress(0.0, text=f"Analysing {label}…")
    last = [-1]

    def progress(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 0
        if pct != last[0]:
            last[0] = pct
            text = f"Analysing {label}: frame {done}" + (f" of {total}" if total else "")
            bar.progress(min(pct, 100) / 100, text=text)

    try:  # one bar with one text (no spinner repeating it)
        return store().analyze(source, settings, progress)
    finally:
        bar.empty()


# ---------------------------------------------------------------------------------------------
def downloads(item: Analyzed, page: PageSettings) -> None:
    """Download buttons: the report (PDF and HTML), frames.csv, lifts.csv (when lifts exist),
    summary.json, the annotated video."""
    r = item.result
    # one row that wraps as a whole button onto the next line, never inside a file name
    row = st.container(horizontal=True, gap="small")
    frames = r.outputs.get("frames")
    if frames is not None:
        row.download_button(
            "frames.csv", frames.read_bytes, "frames.csv", "text/csv", on_click="ignore"
        )
    lifts = lift_rows(r)
    if lifts:
        row.download_button("lifts.csv", _csv(lifts), "lifts.csv", "text/csv", on_click="ignore")
    else:
        row.button("lifts.csv", disabled=True, help="No lift events")
    row.download_button(
        "summary.json",
        json.dumps(
            dataclasses.replace(r, assessment=page.assessment).summary(), indent=2, default=str
        ),
        "summary.json",
        "application/json",
        on_click="ignore",
    )
    faces = " Faces are blurred." if page.blur_report else " Faces are NOT blurred."
    stem = f"report-{item.source.path.stem}"
    row.download_button(
        "Report (PDF)",
        lambda: _report_bytes(item, page, "pdf"),
        f"{stem}.pdf",
        "application/pdf",
        type="primary",
        disabled=pdf_unavailable() is not None,
        help=(pdf_unavailable() or "The assessment report on A4 pages, to file or print.") + faces,
        on_click="ignore",
    )
    row.download_button(
        "Report (HTML)",
        lambda: _report_bytes(item, page, "html"),
        f"{stem}.html",
        "text/html",
        help="The same report as one self-contained page." + faces,
        on_click="ignore",
    )
    video = item.video
    if video is not None:
        row.download_button(
            "annotated.mp4", video.read_bytes, "annotated.mp4", "video/mp4", on_click="ignore"
        )


def reports(item: Analyzed, page: PageSettings) -> Reports:
    """The report files of ``item`` with the page's assessment and privacy choice: written
    once per choice (into a folder of the analysis' own), then kept."""
    digest = hashlib.sha256(repr((page.blur_report, page.assessment)).encode()).hexdigest()[:10]
    key = f"reports-{digest}"
    if key not in item.extra:
        result = dataclasses.replace(item.result, assessment=page.assessment)
        item.extra[key] = write_reports(
            result, item.out_dir / f"report-{digest}", blur_faces=page.blur_report
        )
    out: Reports = item.extra[key]
    return out


def _report_bytes(item: Analyzed, page: PageSettings, kind: str) -> bytes:
    r = reports(item, page)
    path = r.pdf if kind == "pdf" else r.html
    if path is None:  # the engine went missing after the page was drawn
        raise PostureError(r.pdf_missing or "no PDF")
    return path.read_bytes()


def _csv(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()
