"""Review a recording: pick a clip (the demo, a sample clip, your own video), see the annotated
video, the risk timeline with a frame scrubber, the lifts, and download the results."""

from __future__ import annotations

import html
import itertools
import math
from typing import Any

import pandas as pd
import streamlit as st

from app import batch_view, charts, glossary, library_tab
from app.analyses import Analyzed, with_person
from app.frame_panel import frame_details, frame_table
from app.frames import person_thumbnail, show_frame
from app.settings_panel import PageSettings
from app.sources import (
    MAX_UPLOAD_MB,
    UPLOAD_SUFFIXES,
    DemoUnavailable,
    Source,
    demo_source,
    sample_clips,
    save_upload,
    source_of,
)
from app.widgets import analyze, downloads, guarded, headline, store
from posture.report import candidate_moments, lift_low_row, lift_notes, lift_rows
from posture.report.document import hard_to_see


def render(page: PageSettings) -> None:
    source = _pick_source(page)
    if source is None:
        st.info(
            "Pick what to analyse above. The demo needs no camera and no video of your own; "
            "a sample clip or your own video goes through the pose model (a few seconds for "
            "a short clip)."
        )
        return
    body = st.empty()
    if store().cached(source, page.settings) is None:
        body.empty()  # the old results go now: the progress bar shows where they were
    with body.container():
        item = analyze(source, page.settings)
        item = _person(item, page)
        library_tab.remember(item)
        _results(item, page)


# ---------------------------------------------------------------------------------------------
def _pick_source(page: PageSettings) -> Source | None:
    samples = sample_clips()
    kinds = ["Demo recording"] + (["Sample clips"] if samples else []) + ["Your video"]
    kind = st.radio(
        "What to analyse", [*kinds, "Several videos"], horizontal=True, key="review_kind"
    )
    if kind == "Several videos":
        return batch_view.pick(page)
    if kind == "Demo recording":
        st.caption("A synthetic recording of a worker lifting boxes, some well, some badly.")
        if st.button("Analyse the demo", type="primary", key="review_demo"):
            try:
                st.session_state["review_source"] = demo_source()
            except DemoUnavailable as exc:
                st.warning(str(exc))
    elif kind == "Sample clips":
        names = {p.name: (p, note) for p, note in samples}
        name = st.selectbox(
            "Sample clip (real people, from ../shared/media)",
            list(names),
            format_func=lambda n: f"{n} — {names[n][1]}" if names[n][1] else n,
            key="review_sample",
        )
        if st.button("Analyse this clip", type="primary", key="review_sample_go"):
            st.session_state["review_source"] = source_of(names[name][0])
    else:
        _upload()
    source: Source | None = st.session_state.get("review_source")
    return source


def _upload() -> None:
    # No type filter: a file the browser refused would not rerun the page, leaving the last
    # file's alert on screen; save_upload names the file and the accepted types instead.
    up = st.file_uploader(
        "Upload a video",
        key="review_upload",
        help=f"A video ({', '.join(s.lstrip('.') for s in UPLOAD_SUFFIXES if s != '.npz')}) up "
        f"to {MAX_UPLOAD_MB} MB, or a landmarks.npz from a previous analysis. It stays on this "
        "computer.",
    )
    if up is not None and st.session_state.get("review_upload_id") != up.file_id:
        st.session_state["review_upload_id"] = up.file_id
        st.session_state.pop("review_source", None)  # never the last file's results under
        uploaded = save_upload(up.name, up.getvalue())  # this file's error
        st.session_state["review_source"] = uploaded
        st.session_state.setdefault("uploads", {})[uploaded.digest] = uploaded


def _person(item: Analyzed, page: PageSettings) -> Analyzed:
    """With several people in view, let the user choose whom to analyse (re-scored from the
    saved landmarks: the pose model does not run again)."""
    people = item.result.people
    if len(people) < 2:
        return item
    auto = int(item.result.summary()["subject"])
    ids = [int(p["person_id"]) for p in people]
    desc = person_labels(people)
    pick = st.selectbox(
        f"{len(ids)} people in view: whom to analyse",
        ids,
        index=ids.index(auto),
        format_func=lambda i: desc[i] + (" · chosen automatically" if i == auto else ""),
        help="Everyone in view is tracked; the person in view longest and best is analysed "
        "unless you pick another (re-scored from the saved poses, in seconds).",
        key=f"person-{item.source.digest}",
    )
    also = st.multiselect(
        "The same worker, also tracked as",
        [i for i in ids if i != pick],
        format_func=lambda i: desc[i],
        help="When the tracker kept one worker as several people (out of view for a while, "
        "hidden, changed clothes): their tracks are analysed as one person, under the first "
        "number.",
        key=f"same-worker-{item.source.digest}",
    )
    _thumbnails(item, people, auto)
    if pick == auto and not also:
        return item
    label = "+".join(str(i) for i in (pick, *also))
    return analyze(item.source, with_person(page.settings, pick, also), f"person {label}")


def _thumbnails(item: Analyzed, people: list[dict[str, Any]], auto: int) -> None:
    """Each person as seen best in the clip, so the user knows who is who."""
    if item.source.landmarks:
        return  # no picture to cut them from
    video = item.source.path
    shown = [
        (int(p["person_id"]), url)
        for p in people
        if p.get("best_box")
        and (
            url := person_thumbnail(
                str(video), video.stat().st_mtime_ns, float(p["best_t_s"]), tuple(p["best_box"])
            )
        )
    ]
    if not shown:
        return
    cards = "".join(
        '<figure style="margin:0;text-align:center">'
        f'<img src="{url}" alt="person {pid}" style="height:140px;width:auto;border-radius:4px">'
        f'<figcaption class="muted">Person #{pid}{" (automatic)" if pid == auto else ""}'
        "</figcaption></figure>"
        for pid, url in shown
    )
    st.markdown(
        f'<div class="people-row" style="display:flex;gap:16px;flex-wrap:wrap">{cards}</div>',
        unsafe_allow_html=True,
    )


def person_labels(people: list[dict[str, Any]]) -> dict[int, str]:
    """Person id -> "Person #1 — in view 95% of the clip, left of frame, largest", from the
    people of a result (a landmarks file's people may carry only their id and frames)."""
    sizes = [p["mean_size"] for p in people if isinstance(p.get("mean_size"), int | float)]
    out = {}
    for p in people:
        parts = []
        if isinstance(p.get("share_of_clip"), int | float):
            parts.append(f"in view {p['share_of_clip']:.0%} of the clip")
        elif isinstance(p.get("frames"), int):
            parts.append(f"in view in {p['frames']} frames")
        x = p.get("mean_x")
        if isinstance(x, int | float) and not math.isnan(x):
            parts.append(f"{'left' if x < 0.4 else 'right' if x > 0.6 else 'centre'} of frame")
        if len(sizes) > 1 and p.get("mean_size") == max(sizes):
            parts.append("largest")
        pid = int(p["person_id"])
        out[pid] = f"Person #{pid}" + (" — " + ", ".join(parts) if parts else "")
    return out


# ---------------------------------------------------------------------------------------------
def facts_line(item: Analyzed) -> str:
    s = item.result.summary()
    clip = s["clip"]
    views = ", ".join(f"{k} {v:.0%}" for k, v in s["view_time_share"].items() if v)
    parts = [
        f"{clip.get('duration_s', 0):.1f} s",
        f"{clip.get('frames', 0)} frames",
        f"{clip['fps']:.0f} fps" if clip.get("fps") else "",
        f"{clip['width']}×{clip['height']} px" if clip.get("width") else "",
        f"pose in {clip.get('frames_with_pose', 0)} frames",
        f"view: {views}",
        f"person #{s['subject']}",
    ]
    return " · ".join(p for p in parts if p)


def _results(item: Analyzed, page: PageSettings) -> None:
    st.markdown(f"### {html.escape(item.source.label)}")
    st.caption(facts_line(item))
    for w in item.result.warnings:
        st.warning(w)
    headline(item)
    left, right = st.columns([3, 2], gap="large")
    with left:
        if item.video is not None:
            st.video(str(item.video))
        else:
            st.info("No annotated video was written for this analysis.")
    with right:
        _cues(item)
        _limits(item)
    st.markdown("#### Frame by frame")
    _scrubber(item)
    st.markdown("#### Lifts")
    _lifts(item)
    st.markdown("#### Downloads")
    downloads(item, page)


def _cues(item: Analyzed) -> None:
    st.markdown("##### What to tell the worker")
    cues = item.result.summary()["cues"]
    if not cues:
        st.success("No corrective cue was raised with confidence in this clip.")
    for c in cues:
        st.markdown(
            f"**{html.escape(c['text'])}** <span class='muted'>· raised for {c['seconds']:.1f} s"
            "</span>",
            unsafe_allow_html=True,
        )


def _limits(item: Analyzed) -> None:
    """The measures hard to see from this view: the report's Limits list."""
    low = [
        f"- **{label}** never seen: the body parts it needs were out of view"
        if share is None
        else f"- **{label}** trusted in {share:.0%} of frames: {why}"
        for label, share, why in hard_to_see(item.result.summary())
    ]
    if low:
        with st.expander(f"Limits: {len(low)} measure(s) hard to see from this view"):
            st.markdown("\n".join(low))


def _lift_marks(item: Analyzed) -> list[tuple[float, str]]:
    t = item.result.analysis.t_s
    marks = []
    for k, lift in enumerate(lift_rows(item.result), 1):
        row = lift_low_row(item.result, lift)
        if row is not None:
            marks.append((float(t[row]), f"lift {k}"))
    return marks


#: lifts.csv column -> (header, help) of the lift table, in the order shown: what the lift
#: was and its posture first (what a reviewer looks at), then its scores. Every column is in
#: lifts.csv (the download).
LIFT_TABLE = {
    "lift": ("Lift", None),
    "style": ("Style", "squat: knees bent; stoop: back bent, knees straight; semi-squat: both"),
    "start_s": ("Start (s)", None),
    "lowest_s": ("Lowest (s)", "Time of the lift's lowest point"),
    "duration_s": ("Length (s)", "How long the lift took"),
    "trunk_flexion_at_lowest_deg": ("Trunk (°)", "Trunk bend at the lift's lowest point"),
    "knee_flexion_at_lowest_deg": ("Knees (°)", "Knee bend at the lift's lowest point"),
    "peak_twist_deg": ("Twist (°)", "Largest trunk twist during the lift, trusted frames"),
    "twisting_under_load": ("Twisted", "Twisting while handling the load"),
    "one_handed": ("One hand", "One hand far below the other at the pick-up"),
    "reba_peak": ("REBA peak", glossary.REBA + " The worst frame of the lift, with the load."),
    "rula_peak": (
        "RULA peak",
        "RULA (upper body): 1-2 acceptable, 3-4 investigate, 5-6 change "
        "soon, 7 change now. The worst frame of the lift.",
    ),
    "owas_back_worst": (
        "OWAS back",
        "1 straight, 2 bent, 3 twisted or side-bent, 4 bent and twisted: the lift's worst",
    ),
    "li_origin": ("LI origin", glossary.LIFTING_INDEX + " At the pick-up."),
    "li_destination": ("LI destination", glossary.LIFTING_INDEX + " At the put-down."),
    "rwl_origin_kg": ("RWL origin (kg)", glossary.RWL + " At the pick-up."),
    "rwl_destination_kg": ("RWL destination (kg)", glossary.RWL + " At the put-down."),
    "partial": ("Partial", "The clip starts or ends inside this lift"),
}
_FLAGS = ("twisting_under_load", "one_handed", "partial")
_TWO_DECIMALS = ("start_s", "lowest_s", "duration_s", "li_origin", "li_destination")
_WHOLE = ("reba_peak", "rula_peak", "owas_back_worst")


def lift_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The lifts as shown, as text: the columns of :data:`LIFT_TABLE` that exist, styles as
    words, 0/1 flags as yes/no, times and lifting indices to 2 decimals, missing values as
    empty cells (Streamlit draws a null as "None"). lifts.csv keeps the exact values."""
    table = pd.DataFrame(rows)
    table = table[[c for c in LIFT_TABLE if c in table]]
    return pd.DataFrame({c: [_cell(c, v) for v in table[c]] for c in table})


def _cell(col: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if col == "style":
        return "" if v == "unknown" else str(v).replace("_", "-")
    if col in _FLAGS:
        return "yes" if v else "no"
    if col == "lift" or not isinstance(v, int | float):
        return str(v)
    if col in _WHOLE:
        return f"{v:g}"
    return f"{v:.2f}" if col in _TWO_DECIMALS else f"{v:.1f}"


def _lifts(item: Analyzed) -> None:
    rows = lift_rows(item.result)
    if not rows:
        detected = callable(getattr(item.result.analysis, "lifts_table", None))
        st.info(
            "No lift was found in this clip."
            if detected
            else "Lift detection is not available in this version: the per-lift table and the "
            "NIOSH lifting index will appear here once it is."
        )
        return
    table = lift_table(rows)
    config = {
        c: st.column_config.TextColumn(
            LIFT_TABLE[c][0],
            help=LIFT_TABLE[c][1],
            alignment="left" if c in _FLAGS or c == "style" else "right",
        )
        for c in table
    }
    st.dataframe(table, hide_index=True, width="stretch", column_config=config)
    if not item.settings.task.load_kg:
        st.caption("Enter the load weight in the sidebar to get each lift's NIOSH lifting index.")
    else:
        st.caption(
            "LI, lifting index = load / recommended weight limit (RWL, NIOSH): above 1 the risk "
            "rises, above 3 it is high for nearly everyone. Every column is in lifts.csv."
        )
    notes = lift_notes(rows)
    if notes:
        st.caption("NIOSH notes:\n" + "\n".join(f"- {note}" for note in notes))


_DRAWING = itertools.count()


def _start_row(item: Analyzed) -> int:
    """Start the scrubber at the clip's most important moment."""
    moments = candidate_moments(item.result)
    return moments[0].row if moments else 0


def _step(key: str, delta: int, n: int) -> None:
    st.session_state[key] = min(max(st.session_state.get(key, 0) + delta, 0), n - 1)


@st.fragment
def _scrubber(item: Analyzed) -> None:
    """Redrawn on its own (a fragment); its errors stay inside it."""
    guarded(_scrubber_body, item)


def _scrubber_body(item: Analyzed) -> None:
    """The timeline and the frame scrubber, redrawn on their own when the slider moves."""
    table = frame_table(item)
    n = len(table)
    key = f"frame-{item.key}"
    if key not in st.session_state:
        st.session_state[key] = _start_row(item)
    chart_box = st.container()
    back, slider, forward = st.columns([1, 14, 1], vertical_alignment="bottom")
    back.button("◀", key=f"{key}-back", on_click=_step, args=(key, -1, n), help="Previous frame")
    forward.button("▶", key=f"{key}-fwd", on_click=_step, args=(key, 1, n), help="Next frame")
    row = slider.slider("Frame", 0, max(n - 1, 1), key=key, disabled=n < 2)
    row = min(int(row), n - 1)
    t = float(table["time_s"].iloc[row])
    rules = item.settings.rules.bend_knees
    with chart_box:
        st.altair_chart(
            charts.timeline(
                table,
                item.settings.view.min_confidence,
                now_s=t,
                lifts=_lift_marks(item),
                thresholds=(
                    (
                        rules.trunk_flexion_deg,
                        f"trunk bend {rules.trunk_flexion_deg:.0f}°: medium risk with straight "
                        "knees",
                    ),
                    (
                        rules.trunk_flexion_high_deg,
                        f"trunk bend {rules.trunk_flexion_high_deg:.0f}°: high risk",
                    ),
                ),
            ).properties(usermeta={"drawing": next(_DRAWING)}),  # see app.frames: never a cache ref
            width="stretch",
            height=charts.TIMELINE_PX,
        )
        st.caption(
            f"Dashed lines: trunk bend from {rules.trunk_flexion_deg:.0f}° counts as medium risk "
            f"only with the knees nearly straight (bent less than {rules.knee_flexion_max_deg:.0f}"
            f"°); from {rules.trunk_flexion_high_deg:.0f}° it is high risk however the knees "
            "are. Faint lines: low confidence. The band below: the risk level.",
            help=glossary.RISK_LEVEL,
        )
    left, right = st.columns([1, 1], gap="large")  # room for the measure table at 1024 px
    with left:
        show_frame(item.video, t)
    with right:
        frame_details(item, table, row)
