"""One frame's details (risk, cue, measures with confidence, every rule's finding and why,
scores), shared by the review and compare tabs."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import streamlit as st

from app import glossary
from app.analyses import Analyzed
from app.widgets import RISK_HEX, risk_pill
from posture.assess.cues import CUE_TEXT
from posture.assess.explain import FrameReport
from posture.assess.tables import frames_table
from posture.core.measure_info import MEASURE_INFO

DETAIL = (
    "trunk_flexion_deg",
    "trunk_twist_deg",
    "trunk_side_bend_deg",
    "shoulders_forward_deg",
    "knee_flexion_deg",
    "hand_height_cm",
    "hand_distance_cm",
)


def frame_table(item: Analyzed) -> pd.DataFrame:
    """frames.csv as a DataFrame (made once per analysis)."""
    if "table" not in item.extra:
        item.extra["table"] = pd.DataFrame(frames_table(item.result.analysis))
    table: pd.DataFrame = item.extra["table"]
    return table


def frame_details(item: Analyzed, table: pd.DataFrame, row: int) -> None:
    """Risk, cue, measures (with their confidence), rule severities and scores of one frame."""
    r = table.iloc[row]
    level = str(r["risk_level"])
    view = html.escape(str(r["view"]))
    st.markdown(
        f"<span title='{html.escape(glossary.RISK_LEVEL)}'>{risk_pill(level)}</span> &nbsp; "
        f"<span class='muted'>frame {row} · {r['time_s']:.2f} s · "
        f"<abbr title='{html.escape(glossary.VIEW)}'>view</abbr>: {view}</span>",
        unsafe_allow_html=True,
    )
    _cue_box(item, r, level)
    st.markdown(_measure_table(r, item.settings.view.min_confidence))
    st.markdown(rules_table(item.result.analysis.report(row)), help=glossary.CUE_TIMING)
    notes = [_scores(r, item.settings.view.min_confidence)]
    if int(r.get("lift", 0) or 0) > 0:
        notes.insert(0, f"During lift {int(r['lift'])}")
    st.caption(
        " · ".join(n for n in notes if n),
        help="\n\n".join(
            [glossary.SCORES_VS_RISK, glossary.REBA, glossary.RULA, glossary.OWAS, glossary.VIEW]
        ),
    )


def _scores(r: Any, min_conf: float) -> str:
    """REBA, RULA and OWAS of the frame, when the analysis scores them."""
    parts = []
    for name, level in (("reba", "reba_level"), ("rula", "rula_level")):
        score = r.get(f"{name}_score")
        if score is not None and not pd.isna(score):
            parts.append(f"{name.upper()} {score:.0f} ({str(r.get(level, '')).replace('_', ' ')})")
    if r.get("owas_back") is not None and not pd.isna(r.get("owas_back")):
        parts.append(f"OWAS back {r['owas_back']:.0f}")
    if parts and r.get("reba_conf") is not None and r["reba_conf"] < min_conf:
        parts.append("low confidence")
    return ", ".join(parts)


def _cue_box(item: Analyzed, r: Any, level: str) -> None:
    cues = [c for c in str(r["cues"]).split(";") if c and c != "nan"]
    maybe = [c for c in str(r["unconfirmed_cues"]).split(";") if c and c != "nan"]
    if cues:
        text = "<br>".join(html.escape(CUE_TEXT.get(c, c)) for c in cues)
        colour = RISK_HEX.get(level, RISK_HEX["unknown"])
        st.markdown(
            f"<div class='cue-box' style='background:{colour}'>{text}</div>",
            unsafe_allow_html=True,
        )
    else:
        st.markdown("<span class='muted'>No cue at this frame.</span>", unsafe_allow_html=True)
    if maybe:
        st.caption(
            "Possible but not confirmed (the view cannot see it well): "
            + "; ".join(CUE_TEXT.get(c, c) for c in maybe)
        )


def _measure_table(r: Any, min_conf: float) -> str:
    lines = ["| Measure | Value | Confidence |", "|---|---:|---|"]
    for col in DETAIL:
        info = MEASURE_INFO[col]
        v, c = r[col], r[f"{col}_conf"]
        value = "–" if pd.isna(v) else info.text(float(v), symbol=True)
        trust = "–" if pd.isna(v) else f"{c:.2f} ✓" if c >= min_conf else f"{c:.2f} (low)"
        lines.append(f"| {info.label} | {value} | {trust} |")
    return "\n".join(lines)


def rules_table(report: FrameReport) -> str:
    """Every rule at this frame: its finding, why, and its cue's timing (Markdown)."""
    if not report.pose_found:
        return "<span class='muted'>No pose at this frame: no rule can tell.</span>"
    lines = ["| Rule | At this frame | Why | Cue |", "|---|---|---|---|"]
    for rule in report.rules:
        why = html.escape(rule.reason).replace("|", "/")
        lines.append(f"| {rule.label} | {rule.verdict} | {why} | {rule.timing} |")
    return "\n".join(lines)
