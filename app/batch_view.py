"""Several recordings at once (occupational-health staff with a day's videos): upload them,
analyse them in turn, see them side by side riskiest first, open any one in the full review
below, and download everything to file in one zip."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app import glossary, library_tab
from app.batches import Entry, bundle, folders, overview_rows
from app.settings_panel import PageSettings
from app.sources import MAX_UPLOAD_MB, UPLOAD_SUFFIXES, Source, save_upload
from app.widgets import analyze
from posture.core.errors import PostureError
from posture.run.batch import RISKIEST_FIRST_RULE

#: overview column -> (header, help), in the order shown.
COLUMNS = {
    "input": ("Recording", None),
    "status": ("Status", "failed: could not be analysed (the reason is above the table)"),
    "duration_s": ("Duration (s)", None),
    "lifts": ("Lifts", None),
    "risky_lifts": (
        "Risky lifts",
        "Stoop lifts (the back bent, not the knees) and lifts with twisting under load",
    ),
    "worst_lifting_index": ("Worst LI", glossary.LIFTING_INDEX),
    "time_high_share": ("High risk", glossary.TIME_AT_HIGH_RISK),
    "time_medium_share": ("Medium risk", None),
    "reba_peak": ("REBA peak", glossary.REBA),
    "main_cue": ("Main cue", None),
    "note": ("Note", "Warnings, or why the recording could not be analysed"),
}


_ALIGN: dict[str, Any] = {"input": "left", "status": "left", "main_cue": "left", "note": "left"}


def pick(page: PageSettings) -> Source | None:
    """The uploader, the analyses, the overview; returns the recording opened for review."""
    ups = st.file_uploader(
        "Upload several videos",
        accept_multiple_files=True,
        key="batch_upload",
        help=f"Videos ({', '.join(s.lstrip('.') for s in UPLOAD_SUFFIXES if s != '.npz')}) or "
        f"landmarks.npz files, up to {MAX_UPLOAD_MB} MB each. They stay on this computer and "
        "are analysed one after another with the settings in the sidebar.",
    )
    if not ups:
        st.caption("Select several files at once (or drop them here) to compare recordings.")
        return None
    entries = [_entry(up.name, up.file_id, up.getvalue, page) for up in ups]
    ok = [e for e in entries if e.item is not None]
    st.markdown(f"#### {len(entries)} recordings")
    failed = [e for e in entries if e.item is None]
    for e in failed:  # the whole reason, where it is seen: not a cut-off cell
        st.error(f"**{e.upload_name}** could not be analysed: {e.error}")
    rows = overview_rows(entries)
    st.markdown(f"<span class='muted'>{RISKIEST_FIRST_RULE}</span>", unsafe_allow_html=True)
    st.dataframe(
        _table(rows),
        hide_index=True,
        width="stretch",
        column_config={
            k: st.column_config.TextColumn(h, help=t, alignment=_ALIGN.get(k, "right"))
            for k, (h, t) in COLUMNS.items()
        },
    )
    st.caption("Open one below for its video, timeline and lifts.")
    if ok:
        st.download_button(
            "All results (zip)",
            lambda: bundle(
                entries, page.settings, blur_faces=page.blur_report, assessment=page.assessment
            ),
            "posture-results.zip",
            "application/zip",
            type="primary",
            help="overview.html and overview.csv, and per recording its report (PDF and HTML), "
            "summary.json, frames.csv and lifts.csv."
            + (" Faces in the reports are blurred." if page.blur_report else ""),
            on_click="ignore",
        )
    # by folder: unique even when two uploads share a file name
    by_folder = dict(zip(folders(entries), entries, strict=True))
    shown = {r["folder"]: r["input"] for r in rows if r["status"] in ("ok", "partial")}
    if not shown:
        return None
    twice = {n for n in shown.values() if list(shown.values()).count(n) > 1}
    folder = st.selectbox(
        "Open a recording",
        list(shown),
        format_func=lambda f: shown[f] + (f" ({f})" if shown[f] in twice else ""),
        key="batch_open",
    )
    item = by_folder[folder].item
    return None if item is None else item.source


def _entry(name: str, file_id: str, data: Any, page: PageSettings) -> Entry:
    """One upload: checked and kept (once per file), then analysed (cached by content and
    settings, so a rerun of the page costs nothing)."""
    saved: dict[str, Source | str] = st.session_state.setdefault("batch_saved", {})
    if file_id not in saved:
        try:
            saved[file_id] = save_upload(name, data())
        except PostureError as exc:
            saved[file_id] = str(exc)
    source = saved[file_id]
    if isinstance(source, str):
        return Entry(name, None, source)
    try:
        item = analyze(source, page.settings)
        library_tab.remember(item)
        return Entry(name, item)
    except PostureError as exc:
        return Entry(name, None, str(exc))


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as text, empty cells where there is no value (Streamlit draws "None")."""

    def cell(key: str, v: Any) -> str:
        if v is None:
            return ""
        if key in ("time_high_share", "time_medium_share"):
            return f"{v:.0%}"
        if key == "duration_s":
            return f"{v:.1f}"
        if key in ("reba_peak", "worst_lifting_index"):
            return f"{v:.2f}" if key == "worst_lifting_index" else f"{v:g}"
        return str(v)

    return pd.DataFrame({k: [cell(k, r[k]) for r in rows] for k in COLUMNS})
