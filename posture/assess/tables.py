"""What an analysis writes: the columns of frames.csv and lifts.csv, and the clip summary.

Every column and key is described in the README ("Outputs").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from posture.assess.analysis import Analysis
from posture.assess.cues import CUE_TEXT
from posture.assess.scores import MIN_FREQUENCY_CLIP_S, MIN_FREQUENCY_LIFTS

#: Measures written to frames.csv, in column order (each followed by its ``_conf`` column).
CSV_MEASURES = (
    "trunk_flexion_deg",
    "trunk_twist_deg",
    "shoulders_forward_deg",
    "knee_flexion_deg",
    "trunk_side_bend_deg",
    "neck_flexion_deg",
    "hip_flexion_deg",
    "knee_flexion_left_deg",
    "knee_flexion_right_deg",
    "hand_height_cm",
    "hand_distance_cm",
    "hand_asymmetry_deg",
    "upper_arm_flexion_left_deg",
    "upper_arm_flexion_right_deg",
    "elbow_flexion_left_deg",
    "elbow_flexion_right_deg",
    "hip_shift",
    "trunk_twist_velocity_deg_s",
)
REBA_LEVELS = ("negligible", "low", "medium", "high", "very_high")
RULA_LEVELS = ("acceptable", "investigate", "change_soon", "change_now")


def _r(x: float, nd: int = 1) -> float:
    return round(float(x), nd)


def _opt(x: float | None, nd: int = 1) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def frame_durations(t_s: np.ndarray) -> np.ndarray:
    """How long each frame stands for (its share of the timeline), seconds."""
    if len(t_s) < 2:
        return np.full(len(t_s), 1 / 30)
    d = np.diff(t_s)
    return np.append(d, np.median(d))


def frames_table(a: Analysis, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
    """Columns of frames.csv, of rows ``[start, stop)`` (all by default: a long recording's
    whole table is several times its landmarks' size, so it is written a part at a time)."""
    m = a.measures
    r = slice(start, a.n_frames if stop is None else min(stop, a.n_frames))
    n = len(range(a.n_frames)[r])
    found = a.pose_found[r]
    cols: dict[str, np.ndarray] = {
        "frame": a.raw.frame_index[r],
        "time_s": np.round(a.t_s[r], 4),
        "person": np.full(n, a.raw.person_id),
        "pose_found": found.astype(int),
        "view": m.view[r],
    }
    for name in CSV_MEASURES:
        cols[name] = np.round(m[name][r], 2 if name == "hip_shift" else 1)
        cols[f"{name}_conf"] = np.round(m.conf[name][r], 2)
    cols["risk_level"] = a.cues.risk_level[r]
    cols["cues"] = np.array([";".join(c) for c in a.cues.cues[r]], dtype=object)
    cols["unconfirmed_cues"] = np.array([";".join(c) for c in a.cues.unconfirmed[r]], dtype=object)
    lift = np.zeros(a.n_frames, int)
    for lf in a.lifts:
        lift[lf.start_row : lf.end_row + 1] = lf.number
    cols["lift"] = lift[r]
    sc = a.score_columns
    cols["reba_score"] = np.where(found, sc["reba_score"][r], np.nan)
    cols["reba_level"] = np.where(found, sc["reba_level"][r], "unknown")
    cols["reba_conf"] = np.round(a.scores.reba_conf[r], 2)
    cols["rula_score"] = np.where(found, sc["rula_score"][r], np.nan)
    cols["rula_level"] = np.where(found, sc["rula_level"][r], "unknown")
    cols["owas_back"] = np.where(found, sc["owas_back"][r], np.nan)
    cols["owas_conf"] = np.round(a.scores.owas_conf[r], 2)
    for f in a.findings:  # the finding at the frame (empty: cannot tell), then its cue's state
        cols[f"{f.rule}_severity"] = a.cues.severity[f.rule][r]
    for f in a.findings:
        cols[f"{f.rule}_cue"] = a.cues.state[f.rule][r]
    return cols


def frames_table_parts(a: Analysis, rows: int = 4096) -> Iterator[dict[str, np.ndarray]]:
    """:func:`frames_table` ``rows`` rows at a time (at least one part, maybe empty)."""
    yield frames_table(a, 0, rows)
    for start in range(rows, a.n_frames, rows):
        yield frames_table(a, start, start + rows)


def lifts_table(a: Analysis) -> dict[str, list[Any]]:
    """Columns of lifts.csv: one row per lift (NIOSH columns empty without a load weight)."""
    rows = lift_rows(a)
    return {k: [r[k] for r in rows] for k in LIFT_COLUMNS}


LIFT_COLUMNS = [
    "lift",
    "start_s",
    "lowest_s",
    "end_s",
    "duration_s",
    "partial",
    "style",
    "trunk_flexion_at_lowest_deg",
    "knee_flexion_at_lowest_deg",
    "peak_trunk_flexion_deg",
    "peak_twist_deg",
    "peak_side_bend_deg",
    "twisting_under_load",
    "sudden_twisting",
    "one_handed",
    "reba_peak",
    "rula_peak",
    "owas_back_worst",
    "h_origin_cm",
    "v_origin_cm",
    "a_origin_deg",
    "h_destination_cm",
    "v_destination_cm",
    "a_destination_deg",
    "d_cm",
    "frequency_per_min",
    "rwl_origin_kg",
    "rwl_destination_kg",
    "niosh_applies",
    "li_origin",
    "li_destination",
    "niosh_note",
    "lowest_frame",
]


def _peak(values: np.ndarray, rows: slice, found: np.ndarray) -> float | None:
    """The largest finite value over ``rows`` where a pose was found, or None."""
    v = np.asarray(values, float)[rows][found[rows]]
    v = v[np.isfinite(v)]
    return float(v.max()) if len(v) else None


def lift_rows(a: Analysis) -> list[dict[str, Any]]:
    """One plain dict per lift, keys as the columns of lifts.csv."""
    scores = {s.number: s for s in a.lift_scores}
    out = []
    sc, found = a.score_columns, a.pose_found
    for lf in a.lifts:
        s = scores.get(lf.number)
        rows = slice(lf.start_row, lf.end_row + 1)
        out.append(
            {
                "lift": lf.number,
                "start_s": _r(lf.start_s, 3),
                "lowest_s": _r(lf.lowest_s, 3),
                "end_s": _r(lf.end_s, 3),
                "duration_s": _r(lf.duration_s, 3),
                "partial": int(lf.partial),
                "style": lf.style,
                "trunk_flexion_at_lowest_deg": _opt(lf.trunk_flexion_at_lowest_deg),
                "knee_flexion_at_lowest_deg": _opt(lf.knee_flexion_at_lowest_deg),
                "peak_trunk_flexion_deg": _opt(lf.peak_trunk_flexion_deg),
                "peak_twist_deg": _opt(lf.peak_twist_deg),
                "peak_side_bend_deg": _opt(lf.peak_side_bend_deg),
                "twisting_under_load": int(lf.twisting_under_load),
                "sudden_twisting": int(lf.sudden_twisting),
                "one_handed": int(lf.one_handed),
                # the worst frame of the lift (REBA and RULA count the load while lifting)
                "reba_peak": _opt(_peak(sc["reba_score"], rows, found), 0),
                "rula_peak": _opt(_peak(sc["rula_score"], rows, found), 0),
                "owas_back_worst": _opt(_peak(sc["owas_back"], rows, found), 0),
                "h_origin_cm": _opt(lf.origin_hand_distance_cm),
                "v_origin_cm": _opt(lf.origin_hand_height_cm),
                "a_origin_deg": _opt(lf.origin_asymmetry_deg) if lf.asymmetry_seen else None,
                "h_destination_cm": _opt(lf.destination_hand_distance_cm),
                "v_destination_cm": _opt(lf.destination_hand_height_cm),
                "a_destination_deg": _opt(lf.destination_asymmetry_deg)
                if lf.asymmetry_seen
                else None,
                "d_cm": _opt(abs(lf.destination_hand_height_cm - lf.origin_hand_height_cm)),
                "frequency_per_min": _opt(s.frequency_per_min, 2) if s else None,
                "rwl_origin_kg": _opt(s.rwl_origin_kg, 2) if s else None,
                "rwl_destination_kg": _opt(s.rwl_destination_kg, 2) if s else None,
                "niosh_applies": int(not s.not_applicable) if s else 0,
                "li_origin": _opt(s.li_origin, 2) if s else None,
                "li_destination": _opt(s.li_destination, 2) if s else None,
                "niosh_note": "; ".join((*s.not_applicable, *s.notes)) if s else "",
                "lowest_frame": int(a.raw.frame_index[lf.lowest_row]),
            }
        )
    return out


def _lift_risk(r: dict[str, Any]) -> tuple[float, float]:
    """How risky a lift's row is, for ranking: its highest lifting index, then its deepest
    trunk flexion."""
    li = max((v for v in (r["li_origin"], r["li_destination"]) if v is not None), default=-1)
    return (li, r["peak_trunk_flexion_deg"] or -1.0)


def worst_lift(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The lift with the highest lifting index, or else the deepest trunk flexion."""
    return max(rows, key=_lift_risk) if rows else None


def riskiest_lifts(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The ``n`` riskiest of ``rows`` (ranked as :func:`worst_lift`; the earlier lift first
    where two rank alike), in their own order."""
    if len(rows) <= n:
        return list(rows)
    ranked = sorted(range(len(rows)), key=lambda k: _lift_risk(rows[k]), reverse=True)
    return [rows[k] for k in sorted(ranked[:n])]


def analysis_summary(a: Analysis) -> dict[str, Any]:
    """Clip-level figures for summary.json."""
    ok = a.pose_found
    dt = frame_durations(a.t_s)
    total = float(dt.sum()) or 1.0
    min_conf = a.settings.view.min_confidence
    measures: dict[str, dict[str, float] | None] = {}
    for name in CSV_MEASURES:
        v = a.measures[name][ok]
        c = a.measures.conf[name][ok]
        good = np.isfinite(v)
        if not good.any():
            measures[name] = None
            continue
        trusted = good & (c >= min_conf)
        measures[name] = {
            "median": _r(np.median(v[good])),
            "p95": _r(np.percentile(v[good], 95)),
            "peak": _r(v[good][np.argmax(np.abs(v[good]))]),
            "trusted_share": _r(trusted.sum() / max(good.sum(), 1), 3),
        }

    def share(values: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
        return {k: _r(float(dt[values == k].sum()) / total, 3) for k in names}

    # cues ranked by severity-weighted time: a high finding counts twice a medium one
    seconds: dict[str, float] = {}
    weight: dict[str, float] = {}
    sev_by_cue = {f.cue: np.nan_to_num(a.cues.severity[f.rule], nan=0.0) for f in a.findings}
    for i, cs in enumerate(a.cues.cues):
        for c in cs:
            seconds[c] = seconds.get(c, 0.0) + float(dt[i])
            weight[c] = weight.get(c, 0.0) + float(dt[i]) * float(sev_by_cue[c][i])
    ranked = sorted(seconds, key=lambda c: -weight[c])
    rows = lift_rows(a)
    minutes = (float(a.t_s[-1] - a.t_s[0]) / 60.0) if a.n_frames > 1 else 0.0
    reba = a.score_columns["reba_score"][ok]
    return {
        "measures": measures,
        "risk_time_share": share(a.cues.risk_level, ("low", "medium", "high", "unknown")),
        "cues": [
            {
                "id": c,
                "text": CUE_TEXT[c],
                "seconds": _r(seconds[c], 2),
                "high_seconds": _r(
                    sum(
                        float(dt[i])
                        for i in range(a.n_frames)
                        if c in a.cues.cues[i] and sev_by_cue[c][i] >= 2
                    ),
                    2,
                ),
            }
            for c in ranked
        ],
        "lifts": len(a.lifts),
        # a rate needs a minute of video and two lifts (as the NIOSH frequency does)
        "lifts_per_min": _r(len(a.lifts) / minutes, 2)
        if minutes * 60 >= MIN_FREQUENCY_CLIP_S and len(a.lifts) >= MIN_FREQUENCY_LIFTS
        else None,
        "lift_styles": {
            st: sum(r["style"] == st for r in rows)
            for st in ("squat", "semi_squat", "stoop", "unknown")
        },
        "risky_lifts": sum(lf.risky for lf in a.lifts),
        "worst_lift": worst_lift(rows),
        "reba_time_share": share(
            np.where(ok, a.score_columns["reba_level"], "unknown"), (*REBA_LEVELS, "unknown")
        ),
        "reba_peak": _opt(float(np.nanmax(reba)) if np.isfinite(reba).any() else None, 0),
        "reba_trusted_share": _r(
            float((a.scores.reba_conf[ok] >= min_conf).mean()) if ok.any() else 0.0, 3
        ),
        "rula_time_share": share(
            np.where(ok, a.score_columns["rula_level"], "unknown"), (*RULA_LEVELS, "unknown")
        ),
        "rula_peak": _opt(
            float(np.nanmax(a.score_columns["rula_score"][ok]))
            if np.isfinite(a.score_columns["rula_score"][ok]).any()
            else None,
            0,
        ),
        "owas_back_time_share": {
            str(k): _r(float(dt[ok][a.score_columns["owas_back"][ok] == k].sum()) / total, 3)
            for k in (1, 2, 3, 4)
        },
        "score_assumptions": sorted(a.scores.reba.assumptions),
        "sustained_posture_s": {
            k: _r(float(dt[a.finding("static").extra[k] & ok].sum()), 2)
            for k in ("static", "prolonged_flexion", "long_sitting")
        },
        "view_time_share": share(a.measures.view, ("side", "front", "back", "oblique", "none")),
        "geometry": a.measures.info,
    }


def lifting_index(lift: Mapping[str, Any]) -> float | None:
    """The worse NIOSH lifting index of a lift row (:func:`lift_rows`): origin or destination;
    None without a load."""
    values = [lift.get("li_origin"), lift.get("li_destination")]
    return max((float(v) for v in values if v is not None), default=None)
