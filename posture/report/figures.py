"""Pictures for the report: frames of the annotated video and the timeline plot, as base64 PNG.

Plots use matplotlib's Agg canvas directly (no pyplot, no global backend switch).
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from posture.report.moments import LABELS, lift_low_row, lift_rows
from posture.video.draw import RISK_RGB

if TYPE_CHECKING:
    from posture.run.recorded import Result


def _png(rgb: np.ndarray, max_width: int = 480) -> str:
    import cv2

    h, w = rgb.shape[:2]
    if w > max_width:
        rgb = cv2.resize(rgb, (max_width, round(h * max_width / w)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return base64.b64encode(buf.tobytes()).decode("ascii")


def moment_pictures(result: Result, rows: Iterable[int], *, blur_faces: bool) -> dict[int, str]:
    """Base64 PNGs of the annotated video's frames at ``rows`` ({} without a video).

    Each is found by seeking to its time (the annotated video keeps the analysis' timestamps),
    so a moment late in an hour-long recording costs one group of pictures, not the hour."""
    from posture.video.draw import blur_faces as blur
    from posture.video.io import read_frame
    from posture.video.views import people_views

    video = result.outputs.get("video")
    if video is None or not Path(video).is_file():
        return {}
    rec, t_s = result.recording, result.analysis.t_s
    mirrored = bool(result.source.get("mirrored"))  # a live session's video, as shown
    out: dict[int, str] = {}
    for row in sorted(set(rows)):
        rgb = read_frame(video, float(t_s[row])) if 0 <= row < len(t_s) else None
        if rgb is None:
            continue
        img = rgb.copy()
        if blur_faces:
            at = [
                (
                    p.person_id,
                    _mirror_x(p.image_xyz[row]) if mirrored else p.image_xyz[row],
                    p.visibility[row],
                )
                for p in rec.people
                if row < len(p.t_s) and p.pose_found[row]
            ]
            blur(img, people_views(at, (img.shape[1], img.shape[0])))
        out[row] = _png(img)
    return out


def _mirror_x(image_xyz: np.ndarray) -> np.ndarray:
    out = np.array(image_xyz, copy=True)
    out[:, 0] = 1.0 - out[:, 0]
    return out


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


#: Colours of the risk levels (as drawn on the video) and of REBA's action levels.
LEVEL_HEX = {
    **{k: _hex(v) for k, v in RISK_RGB.items()},
    "negligible": "#8fd19e",
    "very_high": "#8c1b2e",
    "very high": "#8c1b2e",
    # RULA's action levels, on the same scale
    "acceptable": _hex(RISK_RGB["low"]),
    "investigate": _hex(RISK_RGB["medium"]),
    "change_soon": _hex(RISK_RGB["high"]),
    "change_now": "#8c1b2e",
}


def hex_colour(level: str) -> str:
    return LEVEL_HEX.get(level, LEVEL_HEX["unknown"])


def risk_runs(level: np.ndarray, t: np.ndarray) -> list[tuple[float, float, str]]:
    """``(start_s, stop_s, level)`` of each run of one risk level; a run lasts until the next
    one starts (the last one one frame longer)."""
    if len(level) == 0:
        return []
    change = np.flatnonzero(level[1:] != level[:-1]) + 1
    starts = np.concatenate([[0], change])
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1 / 30
    ends = np.append(t[change], t[-1] + step)
    return [(float(t[i]), float(e), str(level[i])) for i, e in zip(starts, ends, strict=True)]


#: The smallest gap between two lift labels on the timeline, as a fraction of its width (about
#: a "lift 12" label's width): a long recording's lifts are too close to label each.
LABEL_GAP = 0.06


def spaced(xs: Sequence[float], span: float, gap: float = LABEL_GAP) -> list[bool]:
    """Which of the ascending positions ``xs`` get a label: each at least ``gap`` x ``span``
    after the last one labelled."""
    out, last = [], -math.inf
    for x in xs:
        out.append(x - last >= gap * span)
        last = x if out[-1] else last
    return out


#: The most points a timeline's line is drawn with: some two a pixel of its width (990 px). A
#: longer recording's line is drawn through each stretch's lowest and highest values, which
#: looks the same and costs matplotlib a bounded memory (a 30-minute recording's six lines of
#: 54,100 points took 34 MB while drawn).
MAX_LINE_POINTS = 2000


def envelope(
    t: np.ndarray, v: np.ndarray, most: int = MAX_LINE_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """``(t, v)`` as is when it has at most ``most`` points; else, for each of ``most // 2``
    equal stretches of it, its lowest value at the stretch's start and its highest at its end
    (NaN where the whole stretch is: a gap stays a gap)."""
    n = len(v)
    if n <= most:
        return t, v
    starts = np.linspace(0, n, most // 2, endpoint=False).astype(np.intp)
    ends = np.append(starts[1:], n) - 1
    with np.errstate(invalid="ignore"):
        lo = np.fmin.reduceat(v, starts)
        hi = np.fmax.reduceat(v, starts)
    return np.column_stack([t[starts], t[ends]]).ravel(), np.column_stack([lo, hi]).ravel()


def timeline_png(result: Result) -> str:
    """Trunk bend, twist and shoulders over time, the risk level below, lifts shaded."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    a = result.analysis
    t = a.t_s - a.t_s[0]
    fig = Figure(figsize=(9.0, 3.6), dpi=110)
    FigureCanvasAgg(fig)
    ax, strip = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [5, 1]})
    min_conf = a.settings.view.min_confidence
    colours = {"trunk_flexion_deg": "#1f5fbf", "trunk_twist_deg": "#7b3fb5"}
    colours["shoulders_forward_deg"] = "#2a9d8f"
    for name, colour in colours.items():
        v = a.measures[name]
        trusted = np.where(a.measures.conf[name] >= min_conf, v, np.nan)
        ax.plot(*envelope(t, v), color=colour, alpha=0.3, lw=1)
        ax.plot(*envelope(t, trusted), color=colour, lw=1.8, label=LABELS[name])
    r = a.settings.rules.bend_knees
    for thr, style in ((r.trunk_flexion_deg, ":"), (r.trunk_flexion_high_deg, "--")):
        ax.axhline(thr, color="#888888", lw=0.8, ls=style)
    lows = [(k, lift_low_row(result, lift)) for k, lift in enumerate(lift_rows(result), 1)]
    at = [(k, float(t[row])) for k, row in lows if row is not None]
    labelled = spaced([x for _, x in at], max(float(t[-1]), 1e-3))
    for (k, x), label in zip(at, labelled, strict=True):
        ax.axvline(x, color="#333333", lw=0.8)
        if label:  # the others are too close to be read (every lift is in the tables)
            ax.annotate(f"lift {k}", (x, 1.0), xycoords=("data", "axes fraction"), size=7)
    ax.set_ylabel("degrees")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, frameon=False, ncol=3)
    ax.grid(alpha=0.25)
    for start, stop, lvl in risk_runs(a.cues.risk_level, t):
        strip.axvspan(start, stop, color=hex_colour(lvl), lw=0)
    strip.set_xlim(0, max(float(t[-1]), 1e-3))
    strip.set_yticks([])
    strip.set_ylabel("risk", rotation=0, ha="right", va="center")
    strip.set_xlabel("time (s)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")
