"""The Library tab: every assessment recorded (search and filter), the trend of each task's
headline figures over time, and before / after: two assessments of one task side by side with
the change in each figure, and the report to download.

Also the hooks the other tabs call to record their analyses (:func:`remember`,
:func:`remember_live`): a library that cannot be written costs no analysis, only a note.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from app import library_view as view
from app.analyses import Analyzed
from app.settings_panel import PageSettings
from posture.core.errors import PostureError
from posture.library import Filters, Library
from posture.library.before_after import render_before_after
from posture.library.compare import changes, comparable, cue_changes
from posture.report.pdf import html_to_pdf, pdf_unavailable


@st.cache_resource
def library() -> Library:
    """One open library for the whole server (``$POSTURE_LIBRARY`` or the default file)."""
    return Library()


def _session() -> str:
    return str(st.session_state.setdefault("library_session", uuid.uuid4().hex))


def remember(item: Analyzed) -> None:
    """Record a reviewed analysis once (reruns of the page cost nothing)."""
    if not view.recording_enabled():
        return
    done: set[str] = st.session_state.setdefault("library_recorded", set())
    if item.key in done:
        return
    done.add(item.key)
    try:
        view.record_analysis(library(), item, _session())
    except (PostureError, OSError) as exc:
        st.caption(f"Not recorded in the library: {exc}")


def remember_live(result: Any) -> None:
    if not view.recording_enabled():
        return
    try:
        view.record_live(library(), result)
    except (PostureError, OSError) as exc:
        st.caption(f"Not recorded in the library: {exc}")


# ---------------------------------------------------------------------------------------------
def render(page: PageSettings) -> None:
    lib = library()
    st.markdown(
        f"Every analysis reviewed here, run from the command line or coached live is recorded "
        f"in the library (`{lib.location}`). Worker names stay in it and go when an assessment "
        "is deleted."
    )
    rows = lib.query(_filters())
    if not rows:
        st.info(
            "No assessment matches. Analyse a recording in the Review tab, or change the filters."
        )
        return
    st.dataframe(view.table(rows), hide_index=True, width="stretch")
    _trend(rows)
    _before_after(lib, rows)
    _delete(lib, rows)


def _filters() -> Filters:
    c = st.columns([2, 2, 2, 2, 3])
    task = c[0].text_input("Task", key="lib_task")
    worker = c[1].text_input("Worker", key="lib_worker")
    site = c[2].text_input("Site", key="lib_site")
    since = c[3].date_input("Since", value=None, key="lib_since")
    search = c[4].text_input("Search", key="lib_search", placeholder="any text or file name")
    return Filters(
        task=task,
        worker=worker,
        site=site,
        since=since if isinstance(since, dt.date) else None,
        search=search,
    )


def _trend(rows: list[dict[str, Any]]) -> None:
    st.markdown("##### Trend of each task")
    figure = str(
        st.selectbox(
            "Figure",
            list(view.TREND_FIGURES),
            index=list(view.TREND_FIGURES).index("time_high_share"),
            format_func=lambda k: view.TREND_FIGURES[k],
            key="lib_trend_figure",
        )
    )
    data = view.trend(rows, figure)
    if data.empty:
        st.caption(
            "Give assessments a task (the sidebar's assessment fields, or --task) to "
            "see each task's trend."
        )
        return
    unit = " (%)" if figure.endswith("_share") else ""
    chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Assessed on"),
            y=alt.Y("value:Q", title=view.TREND_FIGURES[figure] + unit),
            color=alt.Color("task:N", title="Task"),
            tooltip=["id", "task", "date:T", "value"],
        )
    )
    st.altair_chart(chart, width="stretch")


def _before_after(lib: Library, rows: list[dict[str, Any]]) -> None:
    st.markdown("##### Before / after")
    tasks = view.tasks_with_pairs(rows)
    if not tasks:
        st.caption("A task assessed twice (before and after a change) can be compared here.")
        return
    task = st.selectbox("Task to compare", tasks, key="lib_pair_task")
    of_task = [r for r in rows if r.get("task") == task]
    by_id = {int(r["id"]): r for r in of_task}
    first, last = view.default_pair(of_task, task)
    ids = sorted(by_id, key=lambda i: (by_id[i]["assessed_on"], i))
    c = st.columns(2)
    b = c[0].selectbox(
        "Before",
        ids,
        ids.index(first),
        format_func=lambda i: view.label(by_id[i]),
        key=f"lib_before_{task}",
    )
    a = c[1].selectbox(
        "After",
        ids,
        ids.index(last),
        format_func=lambda i: view.label(by_id[i]),
        key=f"lib_after_{task}",
    )
    before, after = lib.get(b), lib.get(a)
    for note in comparable(before, after):
        st.caption(f"Compare with care: {note}.")
    table = pd.DataFrame(
        [
            {
                "Figure": d.figure.label,
                "Before": d.text(d.before),
                "After": d.text(d.after),
                "Change": d.delta_text,
                "": d.verdict,
            }
            for d in changes(before, after)
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    cues = cue_changes(before, after)
    if cues:
        st.dataframe(
            pd.DataFrame(
                [
                    {"Cue": x["text"], "Before (s)": x["before_s"], "After (s)": x["after_s"]}
                    for x in cues
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    page = _report(b, str(before["created_at"]), a, str(after["created_at"]))
    with st.expander("Side by side: scores, lifts, cues and worst moments", expanded=False):
        components.html(page, height=900, scrolling=True)
    what = (
        "Both assessments side by side: figures and their change, scores, cues, lifts and "
        "worst moments (faces blurred)."
    )
    row = st.columns(2)
    row[0].download_button(
        "Before / after report (PDF)",
        lambda: _report_pdf(page),
        f"before-after-{b}-{a}.pdf",
        "application/pdf",
        type="primary",
        key=f"lib_report_pdf_{b}_{a}",
        disabled=pdf_unavailable() is not None,
        help=pdf_unavailable() or f"{what} On A4 pages.",
        on_click="ignore",
    )
    row[1].download_button(
        "Before / after report (HTML)",
        page.encode(),
        f"before-after-{b}-{a}.html",
        "text/html",
        key=f"lib_report_{b}_{a}",
        help=what,
        on_click="ignore",
    )


@st.cache_data(max_entries=8, show_spinner="Preparing the before / after report…")
def _report(before: int, before_made: str, after: int, after_made: str) -> str:
    """The report of two assessments (kept while neither is analysed again: the worst moments'
    pictures cost a re-scoring of each)."""
    lib = library()
    return render_before_after(lib.get(before), lib.get(after))


@st.cache_data(max_entries=4, show_spinner="Laying the before / after report out on A4…")
def _report_pdf(page: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="posture-") as tmp:
        return html_to_pdf(page, Path(tmp) / "before-after.pdf").read_bytes()


def _delete(lib: Library, rows: list[dict[str, Any]]) -> None:
    with st.expander("Delete an assessment"):
        by_id = {int(r["id"]): r for r in rows}
        pick = st.selectbox(
            "Assessment",
            list(by_id),
            format_func=lambda i: view.label(by_id[i]),
            key="lib_delete_pick",
        )
        st.caption(
            "Its figures, lifts, cues and personal fields (worker) are deleted from the "
            "library; the recording's output files are kept."
        )
        sure = st.checkbox("Yes, delete this assessment", key="lib_delete_sure")
        if st.button("Delete", key="lib_delete_go", disabled=not sure):
            lib.delete([pick])
            st.session_state.pop("lib_delete_sure", None)
            st.rerun()
