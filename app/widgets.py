"""Widgets every tab uses: colours, risk pills, headline figures, error handling, the shared
analysis store with its progress bar, downloads."""

from __future__ import annotations

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
    deepest_bend_deg,
    lift_count,
    lift_rows,
    lift_text,
    worst_lift,
    write_report,
)
from posture.report.figures import LEVEL_HEX
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
    """The clip's headline figures (lift figures shown as '-' until lift detection exists)."""
    s = item.result.summary()
    trunk = deepest_bend_deg(item.result.analysis)
    lpm = s.get("lifts_per_min")
    no_lifts = "Lift detection is not available in this version."
    cols = st.columns(5)
    cols[0].metric("Lifts", lift_count(s), help=None if "lifts" in s else no_lifts)
    cols[1].metric(
        "Lifts per minute",
        "-" if lpm is None else f"{lpm:.1f}",
        help=glossary.LIFTS_PER_MINUTE_EMPTY if lpm is None else glossary.LIFTS_PER_MINUTE,
    )
    worst = worst_lift(item.result)
    num = None if worst is None else worst.get("lift", worst.get("number"))
    cols[2].metric(
        "Worst lift",
        "-" if worst is None else f"#{num}" if num is not None else "yes",
        help=glossary.WORST_LIFT,
    )
    cols[3].metric(
        "Deepest trunk bend", "-" if trunk is None else f"{trunk:.0f}°", help=glossary.DEEPEST_BEND
    )
    cols[4].metric(
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
    """Download buttons: frames.csv, lifts.csv (when lifts exist), summary.json, the report."""
    r = item.result
    # one row that wraps as a whole button onto the next line, never inside a file name
    row = st.container(horizontal=True, gap="small")
    frames = r.outputs.get("frames")
    if frames is not None:
        row.download_button("frames.csv", frames.read_bytes, "frames.csv", "text/csv")
    lifts = lift_rows(r)
    if lifts:
        row.download_button("lifts.csv", _csv(lifts), "lifts.csv", "text/csv")
    else:
        row.button("lifts.csv", disabled=True, help="No lift events")
    row.download_button(
        "summary.json",
        json.dumps(r.summary(), indent=2, default=str),
        "summary.json",
        "application/json",
    )
    blur = page.blur_report
    name = f"report-{item.source.path.stem}.html"
    row.download_button(
        "Report (HTML)",
        lambda: _report_bytes(item, blur),
        name,
        "text/html",
        type="primary",
        help="A self-contained page to file or print."
        + (" Faces are blurred." if blur else " Faces are NOT blurred."),
    )
    video = item.video
    if video is not None:
        row.download_button("annotated.mp4", video.read_bytes, "annotated.mp4", "video/mp4")


def _report_bytes(item: Analyzed, blur: bool) -> bytes:
    key = f"report-{blur}"
    if key not in item.extra:
        path = item.out_dir / f"report{'-blurred' if blur else ''}.html"
        item.extra[key] = write_report(item.result, path, blur_faces=blur).read_bytes()
    data: bytes = item.extra[key]
    return data


def _csv(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()
