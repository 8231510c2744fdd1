"""Compare lifts: two clips (or two lifts of one clip) side by side, lined up at the lowest point
of the lift, with their measures and cues, to show a trainee a good and a bad lift. Each side
takes the demo, a sample clip, an upload of this session, or a clip uploaded right here.

The sync point is the lowest point of the chosen lift when lift events exist, else the frame of
the deepest trunk bend. One slider moves both clips together around it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app import charts
from app.analyses import Analyzed
from app.frame_panel import frame_details, frame_table
from app.frames import show_frame
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
from app.widgets import analyze
from posture.core.errors import PostureError
from posture.report import lift_low_row, lift_rows, peak_row, row_at, worst_lift

#: The ready-made comparison: a floor lift with bent knees against a straight-knee hip hinge.
PRESET = ("floor_lift_knees_bent_side.mp4", "hip_hinge_straight_knees_side.mp4")
DEMO = "Demo recording"
PEAK = "deepest trunk bend"


@dataclass(frozen=True)
class Side:
    """One side of the comparison: its analysis and its sync row."""

    item: Analyzed
    sync_row: int
    sync_label: str

    @property
    def sync_s(self) -> float:
        return float(self.item.result.analysis.t_s[self.sync_row])


def _choices() -> dict[str, Callable[[], Source]]:
    """Clip label -> how to get it: the demo, the sample clips, this session's uploads."""
    out: dict[str, Callable[[], Source]] = {DEMO: demo_source}
    for path, _note in sample_clips():
        out[path.name] = functools.partial(source_of, path)
    for up in st.session_state.get("uploads", {}).values():
        out[f"uploaded: {up.label}"] = functools.partial(_same, up)
    return out


def _same(source: Source) -> Source:
    return source


def _upload(name: str) -> None:
    """A clip uploaded here joins the clips to choose from and is chosen for this side (an
    upload in "Review a recording" is offered too)."""
    up = st.file_uploader(
        f"Or upload clip {name}",
        key=f"compare_upload_{name}",
        help=f"A video ({', '.join(s.lstrip('.') for s in UPLOAD_SUFFIXES if s != '.npz')}) up "
        f"to {MAX_UPLOAD_MB} MB, or a landmarks.npz. It stays on this computer.",
    )
    seen = f"compare_upload_id_{name}"
    if up is None or st.session_state.get(seen) == up.file_id:
        return
    st.session_state[seen] = up.file_id
    try:
        source = save_upload(up.name, up.getvalue())
    except PostureError as exc:
        st.error(str(exc))
        return
    st.session_state.setdefault("uploads", {})[source.digest] = source
    st.session_state[f"compare_pick_{name}"] = f"uploaded: {source.label}"


def _choose(labels: list[str], which: int, name: str) -> None:
    """Set side ``name``'s chooser (before it is drawn): to a clip just uploaded there, else
    it keeps its own choice, else the preset."""
    key = f"compare_{name}"
    pick = st.session_state.pop(f"compare_pick_{name}", None)
    if pick in labels:
        st.session_state[key] = pick
    elif st.session_state.get(key) not in labels:
        st.session_state[key] = labels[_default(labels, which)]


def _default(labels: list[str], which: int) -> int:
    if PRESET[which] in labels:
        return labels.index(PRESET[which])
    return labels.index(DEMO)


def render(page: PageSettings) -> None:
    st.markdown(
        "Two clips side by side, lined up at the **lowest point of the lift**, to show a good "
        "and a bad lift. Ready to go: a floor lift with bent knees against a straight-knee hip "
        "hinge."
    )
    cols = st.columns(2, gap="large")
    boxes = [col.container() for col in cols]  # the clip choosers, above each uploader
    for col, name in zip(cols, "AB", strict=True):
        with col:
            _upload(name)
    choices = _choices()
    labels = list(choices)
    picked = []
    for i, (box, name) in enumerate(zip(boxes, "AB", strict=True)):
        _choose(labels, i, name)
        picked.append(box.selectbox(f"Clip {name}", labels, key=f"compare_{name}"))
    if st.button("Compare", type="primary", key="compare_go"):
        st.session_state["compare"] = tuple(picked)
    chosen = st.session_state.get("compare")
    if chosen is None:
        st.info("Pick two clips (or the same clip twice, to compare two of its lifts).")
        return
    try:
        items = [analyze(choices[label](), page.settings, label) for label in chosen]
    except DemoUnavailable as exc:
        st.warning(str(exc))
        return
    a = _side(cols[0], items[0], 0)
    # the same clip twice: B starts at another lift, to compare two of its lifts
    b = _side(cols[1], items[1], 1, avoid=a.sync_label if items[1].key == items[0].key else "")
    sides = [a, b]
    _synchronised(sides)


def _side(col: st.delta_generator.DeltaGenerator, item: Analyzed, i: int, avoid: str = "") -> Side:
    """The sync point chooser of one side: by default the lowest point of the clip's worst
    lift (another lift than ``avoid`` when there is one), the deepest bend without lifts."""
    lifts = lift_rows(item.result)
    options = {f"lowest point of lift {k}": lift for k, lift in enumerate(lifts, 1)}
    names = [*options, PEAK]
    default = _worst_index(item, lifts) if options else len(names) - 1
    if names[default] == avoid and len(options) > 1:
        default = next(k for k, n in enumerate(options) if n != avoid)
    with col:
        name = st.selectbox(
            "Line up at",
            names,
            index=default,
            key=f"compare_sync_{i}_{item.key}",
            help="Each clip is lined up at this moment; the slider below moves both from it.",
        )
    row = lift_low_row(item.result, options[name]) if name in options else None
    if row is None:
        row = peak_row(item.result.analysis) or 0
    return Side(item, row, name)


def _worst_index(item: Analyzed, lifts: list[dict[str, Any]]) -> int:
    """Index of the clip's worst lift among its lifts (the first when none is singled out)."""
    worst = worst_lift(item.result)
    if worst is not None:
        for k, lift in enumerate(lifts):
            if lift == worst or (
                worst.get("lift") is not None and lift.get("lift") == worst.get("lift")
            ):
                return k
    return 0


def offset_range(sides: list[tuple[float, float, float]]) -> tuple[float, float]:
    """The slider's range (s from the sync points) where at least one clip has frames:
    ``sides`` are (first, last, sync) times. Rounded outward to 0.1 s; always includes 0."""
    lo = min(first - sync for first, _, sync in sides)
    hi = max(last - sync for _, last, sync in sides)
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    return math.floor(lo * 10) / 10, math.ceil(hi * 10) / 10


def _synchronised(sides: list[Side]) -> None:
    lo, hi = offset_range(
        [
            (float(s.item.result.analysis.t_s[0]), float(s.item.result.analysis.t_s[-1]), s.sync_s)
            for s in sides
        ]
    )
    key = "compare_offset-" + "-".join(f"{s.item.key}@{s.sync_row}" for s in sides)
    offset = st.slider(
        "Time from the sync point (both clips move together)",
        lo,
        max(hi, lo + 0.1),
        0.0,
        step=1 / 30,
        format="%.2f s",
        key=key,
        help="0 is the sync point of both clips. Past the start or end of a clip, that clip "
        "holds its first or last frame.",
    )
    cols = st.columns(2, gap="large")
    for col, name, side in zip(cols, "AB", sides, strict=True):
        a = side.item.result.analysis
        row = row_at(a, side.sync_s + offset)
        with col:
            st.markdown(f"#### {name}: {side.item.source.label}")
            st.caption(f"Lined up at the {side.sync_label} ({side.sync_s - a.t_s[0]:.2f} s)")
            show_frame(side.item.video, float(a.t_s[row]))
            frame_details(side.item, frame_table(side.item), row)
            _clip_cues(side.item)
    st.altair_chart(
        charts.compare(
            [
                (f"{n}: {s.item.source.label}", frame_table(s.item), s.sync_s)
                for n, s in zip("AB", sides, strict=True)
            ],
            offset,
        ),
        width="stretch",
        height=charts.COMPARE_PX,
    )


def _clip_cues(item: Analyzed) -> None:
    cues = item.result.summary()["cues"]
    text = "; ".join(f"{c['text']} ({c['seconds']:.1f} s)" for c in cues) or "none"
    st.caption(f"Cues raised over the whole clip: {text}")
