"""Charts (Altair, drawn by Streamlit's bundled Vega: nothing fetched from outside).

Data comes from the library as it is (``Analysis.table()``, ``risk_runs``, lift rows); these
functions only shape it into long tables and draw it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from app.widgets import MEASURE_HEX, RISK_HEX
from posture.report.figures import risk_runs

#: frames.csv column -> chart label.
SERIES = {
    "trunk_flexion_deg": "Trunk bend",
    "trunk_twist_deg": "Trunk twist",
    "shoulders_forward_deg": "Shoulders forward",
}
RISK_ORDER = ["low", "medium", "high", "unknown"]


def _risk_scale() -> alt.Scale:
    return alt.Scale(domain=RISK_ORDER, range=[RISK_HEX[k] for k in RISK_ORDER])


def _measure_scale(labels: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(labels), range=[MEASURE_HEX[k] for k in labels])


def long_measures(table: pd.DataFrame, min_conf: float, t0: float = 0.0) -> pd.DataFrame:
    """time_s, measure, value, trusted (value hidden where the confidence is low)."""
    parts = []
    for col, label in SERIES.items():
        trusted = table[f"{col}_conf"] >= min_conf
        parts.append(
            pd.DataFrame(
                {
                    "time_s": table["time_s"] - t0,
                    "measure": label,
                    "value": table[col],
                    "trusted_value": table[col].where(trusted),
                    "confidence": table[f"{col}_conf"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _lines(data: pd.DataFrame, x: alt.X, height: int) -> alt.LayerChart:
    labels = list(SERIES.values())
    colour = alt.Color(
        "measure:N", scale=_measure_scale(labels), legend=alt.Legend(orient="top", title=None)
    )
    base = alt.Chart(data).encode(x=x, color=colour)
    faint = base.mark_line(opacity=0.3, strokeWidth=1).encode(y=alt.Y("value:Q", title="degrees"))
    solid = base.mark_line(strokeWidth=2).encode(
        y="trusted_value:Q",
        tooltip=[
            alt.Tooltip("time_s:Q", title="time (s)", format=".2f"),
            "measure:N",
            alt.Tooltip("value:Q", title="degrees", format=".0f"),
            alt.Tooltip("confidence:Q", format=".2f"),
        ],
    )
    return alt.layer(faint, solid).properties(height=height)


def _strip(runs: pd.DataFrame, x: alt.X) -> alt.Chart:
    return (
        alt.Chart(runs)
        .mark_rect()
        .encode(
            x=x,
            x2="stop:Q",
            color=alt.Color(
                "risk:N", scale=_risk_scale(), legend=alt.Legend(orient="bottom", title="risk")
            ),
            tooltip=[
                "risk:N",
                alt.Tooltip("start:Q", title="from (s)", format=".1f"),
                alt.Tooltip("stop:Q", title="to (s)", format=".1f"),
            ],
        )
        .properties(height=26)
    )


def _runs(table: pd.DataFrame, t0: float = 0.0) -> pd.DataFrame:
    t = table["time_s"].to_numpy() - t0
    runs = risk_runs(table["risk_level"].to_numpy(dtype=object), t)
    return pd.DataFrame(runs, columns=["start", "stop", "risk"])


def timeline(
    table: pd.DataFrame,
    min_conf: float,
    *,
    now_s: float | None = None,
    lifts: Sequence[tuple[float, str]] = (),
    thresholds: Sequence[tuple[float, str]] = (),
) -> alt.VConcatChart:
    """Trunk bend, twist and shoulders over time above the risk strip; the current time and
    the lifts as vertical lines; trunk-bend thresholds as dashed lines."""
    runs = _runs(table)
    domain = [float(runs["start"].min()), float(runs["stop"].max())] if len(runs) else [0, 1]
    scale = alt.Scale(domain=domain, nice=False, zero=False)
    x_top = alt.X("time_s:Q", scale=scale, axis=alt.Axis(labels=False, ticks=False, title=None))
    layers: list[Any] = [_lines(long_measures(table, min_conf), x_top, 230)]
    if thresholds:
        rules = pd.DataFrame(list(thresholds), columns=["deg", "label"])
        base = alt.Chart(rules).encode(y="deg:Q")
        layers.append(base.mark_rule(strokeDash=[4, 4], color="#8a8f98"))
        layers.append(
            base.mark_text(align="left", dy=-6, color="#5b6b7b", fontSize=11).encode(
                x=alt.value(4), text="label:N"
            )
        )
    if lifts:
        marks = pd.DataFrame(lifts, columns=["time_s", "label"])
        base = alt.Chart(marks).encode(x="time_s:Q")
        layers.append(base.mark_rule(color="#333", strokeWidth=1))
        layers.append(
            base.mark_text(align="left", dx=3, y=8, color="#333", fontSize=11).encode(text="label")
        )
    if now_s is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"time_s": [now_s]}))
            .mark_rule(color="#1d2733", strokeWidth=2)
            .encode(x="time_s:Q")
        )
    x_strip = alt.X("start:Q", scale=scale, title="time (s)")
    return alt.vconcat(alt.layer(*layers), _strip(runs, x_strip), spacing=2).resolve_scale(
        x="shared", color="independent"
    )


def rolling(history: pd.DataFrame, window_s: float) -> alt.VConcatChart:
    """The live chart: trunk bend and twist over the last ``window_s`` seconds."""
    data = history.melt(
        id_vars=["seconds_ago", "risk"],
        value_vars=["Trunk bend", "Trunk twist"],
        var_name="measure",
        value_name="value",
    )
    x = alt.X("seconds_ago:Q", title="seconds ago", scale=alt.Scale(domain=[-window_s, 0]))
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("value:Q", title="degrees"),
            color=alt.Color(
                "measure:N",
                scale=_measure_scale(["Trunk bend", "Trunk twist"]),
                legend=alt.Legend(orient="top"),
            ),
        )
        .properties(height=180)
    )
    strip = (
        alt.Chart(history)
        .mark_tick(thickness=6, size=22)
        .encode(x=x, color=alt.Color("risk:N", scale=_risk_scale(), legend=None))
        .properties(height=26)
    )
    return alt.vconcat(lines, strip, spacing=2).resolve_scale(x="shared", color="independent")


def compare(tables: Sequence[tuple[str, pd.DataFrame, float]], offset_s: float) -> alt.LayerChart:
    """Trunk bend of several clips against time from their sync points, the offset marked."""
    parts = [
        pd.DataFrame({"time_s": t["time_s"] - sync, "clip": name, "value": t["trunk_flexion_deg"]})
        for name, t, sync in tables
    ]
    data = pd.concat(parts, ignore_index=True)
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("time_s:Q", title="seconds from the sync point"),
            y=alt.Y("value:Q", title="trunk bend (degrees)"),
            color=alt.Color(
                "clip:N",
                scale=alt.Scale(range=["#1f5fbf", "#e07b00"]),
                legend=alt.Legend(orient="top"),
            ),
            strokeDash=alt.StrokeDash("clip:N", legend=None),
        )
    )
    now = (
        alt.Chart(pd.DataFrame({"time_s": [offset_s]}))
        .mark_rule(color="#d7263d", strokeWidth=2)
        .encode(x="time_s:Q")
    )
    return alt.layer(lines, now).properties(height=220)
