"""Charts (Altair, drawn by Streamlit's bundled Vega: nothing fetched from outside).

Data comes from the library as it is (``frames_table(Analysis)``, ``risk_runs``, lift rows); these
functions only shape it into long tables and draw it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from app.widgets import MEASURE_HEX, RISK_HEX
from posture.core.measure_info import label
from posture.report.figures import risk_runs

#: frames.csv column -> chart label.
SERIES = {
    name: label(name) for name in ("trunk_flexion_deg", "trunk_twist_deg", "shoulders_forward_deg")
}
RISK_ORDER = ["low", "medium", "high", "unknown"]


def _risk_scale() -> alt.Scale:
    return alt.Scale(domain=RISK_ORDER, range=[RISK_HEX[k] for k in RISK_ORDER])


def _measure_scale(labels: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(labels), range=[MEASURE_HEX[k] for k in labels])


def long_measures(table: pd.DataFrame, min_conf: float, t0: float = 0.0) -> pd.DataFrame:
    """time_s, measure, value, trusted (value hidden where the confidence is low)."""
    parts = []
    for col, name in SERIES.items():
        trusted = table[f"{col}_conf"] >= min_conf
        parts.append(
            pd.DataFrame(
                {
                    "time_s": table["time_s"] - t0,
                    "measure": name,
                    "value": table[col],
                    "trusted_value": table[col].where(trusted),
                    "confidence": table[f"{col}_conf"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


HEIGHT = 240  # px of the timeline's plot area; the risk strip is drawn just below it
#: Total heights to give st.altair_chart (the charts are fitted into them).
TIMELINE_PX, ROLLING_PX, COMPARE_PX = 400, 290, 300
STRIP = (HEIGHT + 6, HEIGHT + 24)


def y_domain(values: pd.Series, floor: float = -10.0, ceiling: float = 70.0) -> list[float]:
    """An explicit y range in steps of 10 covering the values (and at least floor..ceiling).

    Layered charts need explicit domains on every scale (axes and colours): Streamlit 1.60
    draws them once before their data is in, and a domain computed from no data is infinite
    ("Infinite extent" in the console, a flat chart, or SVG errors from an empty legend)."""
    lo = min(floor, float(values.min())) if values.notna().any() else floor
    hi = max(ceiling, float(values.max())) if values.notna().any() else ceiling
    return [10.0 * math.floor(lo / 10.0), 10.0 * math.ceil(hi / 10.0)]


def x_domain(values: pd.Series) -> list[float]:
    """The values' range (0..1 when there are none), for an explicit x domain."""
    if not values.notna().any():
        return [0.0, 1.0]
    return [float(values.min()), float(values.max())]


def _lines(data: pd.DataFrame, x: alt.X) -> list[alt.Chart]:
    labels = list(SERIES.values())
    legend = alt.Legend(orient="top", title=None, symbolOpacity=1, symbolStrokeWidth=3)
    colour = alt.Color("measure:N", scale=_measure_scale(labels), legend=legend)
    base = alt.Chart(data).encode(x=x, color=colour)
    y_scale = alt.Scale(domain=y_domain(data["value"]), nice=False)
    faint = base.mark_line(opacity=0.3, strokeWidth=1).encode(
        y=alt.Y("value:Q", title="degrees", scale=y_scale)
    )
    solid = base.mark_line(strokeWidth=2).encode(
        y=alt.Y("trusted_value:Q", scale=y_scale),
        tooltip=[
            alt.Tooltip("time_s:Q", title="time (s)", format=".2f"),
            "measure:N",
            alt.Tooltip("value:Q", title="degrees", format=".0f"),
            alt.Tooltip("confidence:Q", format=".2f"),
        ],
    )
    return [faint, solid]


def _strip(runs: pd.DataFrame) -> alt.Chart:
    """The risk level as a band under the plot (pixel rows, outside the degrees scale)."""
    legend = alt.Legend(orient="bottom", title="risk", offset=8)
    return (
        alt.Chart(runs)
        .mark_rect(clip=False)
        .encode(
            x="start:Q",
            x2="stop:Q",
            y=alt.value({"expr": f"height + {STRIP[0] - HEIGHT}"}),
            y2=alt.value({"expr": f"height + {STRIP[1] - HEIGHT}"}),
            fill=alt.Fill("risk:N", scale=_risk_scale(), legend=legend),
            tooltip=[
                "risk:N",
                alt.Tooltip("start:Q", title="from (s)", format=".1f"),
                alt.Tooltip("stop:Q", title="to (s)", format=".1f"),
            ],
        )
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
) -> alt.LayerChart:
    """Trunk bend, twist and shoulders over time with the risk level as a band below; the
    current time and the lifts as vertical lines; trunk-bend thresholds as dashed lines.

    One layered view (not a concatenation), so it fits the page's width exactly."""
    runs = _runs(table)
    domain = [float(runs["start"].min()), float(runs["stop"].max())] if len(runs) else [0, 1]
    scale = alt.Scale(domain=domain, nice=False, zero=False)
    axis = alt.Axis(offset=STRIP[1] - HEIGHT + 4, title="time (s)")
    x = alt.X("time_s:Q", scale=scale, axis=axis)
    layers: list[Any] = _lines(long_measures(table, min_conf), x)
    if thresholds:
        rules = pd.DataFrame(list(thresholds), columns=["deg", "label"])
        base = alt.Chart(rules).encode(y="deg:Q")
        layers.append(base.mark_rule(strokeDash=[4, 4], color="#8a8f98"))
        layers.append(
            base.mark_text(align="left", dy=9, color="#5b6b7b", fontSize=11).encode(
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
    layers.append(_strip(runs))
    return alt.layer(*layers).properties(height=HEIGHT).configure_view(strokeWidth=0)


def rolling(history: pd.DataFrame, window_s: float) -> alt.LayerChart:
    """The live chart: trunk bend and twist over the last ``window_s`` seconds, the risk level
    as a band below."""
    data = history.melt(
        id_vars=["seconds_ago", "risk"],
        value_vars=[label("trunk_flexion_deg"), label("trunk_twist_deg")],
        var_name="measure",
        value_name="value",
    )
    height = 170
    axis = alt.Axis(offset=24, title="seconds ago")
    x = alt.X("seconds_ago:Q", scale=alt.Scale(domain=[-window_s, 0], nice=False), axis=axis)
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y(
                "value:Q",
                title="degrees",
                scale=alt.Scale(domain=y_domain(data["value"], -30, 60), nice=False),
            ),
            color=alt.Color(
                "measure:N",
                scale=_measure_scale([label("trunk_flexion_deg"), label("trunk_twist_deg")]),
                legend=alt.Legend(orient="top", title=None),
            ),
        )
    )
    strip = (
        alt.Chart(history)
        .mark_tick(thickness=4, size=16, clip=False)
        .encode(
            x="seconds_ago:Q",
            y=alt.value({"expr": "height + 12"}),
            fill=alt.Fill("risk:N", scale=_risk_scale(), legend=None),
            stroke=alt.Stroke("risk:N", scale=_risk_scale(), legend=None),
        )
    )
    return alt.layer(lines, strip).properties(height=height).configure_view(strokeWidth=0)


def compare(
    tables: Sequence[tuple[str, pd.DataFrame, float]], offset_s: float
) -> alt.LayerChart | alt.FacetChart:
    """Trunk bend of several clips against time from their sync points, the offset marked."""
    parts = [
        pd.DataFrame({"time_s": t["time_s"] - sync, "clip": name, "value": t["trunk_flexion_deg"]})
        for name, t, sync in tables
    ]
    data = pd.concat(parts, ignore_index=True)
    legend = alt.Legend(orient="top", title=None, labelLimit=420)
    lines = (
        alt.Chart(data)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X(
                "time_s:Q",
                title="seconds from the sync point",
                scale=alt.Scale(domain=x_domain(data["time_s"]), nice=False),
            ),
            y=alt.Y(
                "value:Q",
                title="trunk bend (degrees)",
                scale=alt.Scale(domain=y_domain(data["value"]), nice=False),
            ),
            color=alt.Color(
                "clip:N",
                scale=alt.Scale(domain=[n for n, _, _ in tables], range=["#1f5fbf", "#e07b00"]),
                legend=legend,
            ),
        )
    )
    now = (
        alt.Chart(pd.DataFrame({"time_s": [offset_s]}))
        .mark_rule(color="#1d2733", strokeWidth=2)
        .encode(x="time_s:Q")
    )
    return alt.layer(lines, now).properties(height=COMPARE_PX - 80)
