"""The risk factors of the source documents (``RISK_MODEL.md`` section 1), as rules.

Each rule turns measures into a per-frame severity (0 none, 1 medium, 2 high) with its cue.
Thresholds come from :class:`posture.core.config.RulesSettings`. A rule only counts as
*confirmed* on frames where every measure it relies on is trusted (its confidence reaches
``view.min_confidence``); elsewhere the same finding is kept as *unconfirmed*, so a view that
cannot see a quantity never raises a confident alarm on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d

from posture.core.config import RulesSettings, Settings
from posture.core.measures import Measures


@dataclass(frozen=True)
class Context:
    """What the rules need beyond the measures, per frame ``(T,)``.

    ``in_lift``: a load is in the hands (from a lift's pick-up to its put-down, see
    :func:`posture.assess.lifts.carrying`); ``lift_rate_per_min``: lifts per minute over
    the trailing window; ``seated``: the person sits.
    """

    in_lift: np.ndarray
    lift_rate_per_min: np.ndarray
    seated: np.ndarray

    @classmethod
    def none(cls, n: int) -> Context:
        return cls(np.zeros(n, bool), np.zeros(n), np.zeros(n, bool))


@dataclass(frozen=True)
class Finding:
    """One rule over a clip: ``severity`` (on-thresholds), ``hold`` (still above the
    threshold minus the hysteresis margin), and ``confident`` (its measures are trusted)."""

    rule: str
    cue: str
    severity: np.ndarray
    hold: np.ndarray
    confident: np.ndarray


def _ge(x: np.ndarray, thr: float, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """(x >= thr, x >= thr * (1 - margin)) with NaN counted as False."""
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(x, nan=-np.inf) >= thr, np.nan_to_num(x, nan=-np.inf) >= thr * (
            1 - margin
        )


def _trust(m: Measures, names: list[str], min_conf: float) -> np.ndarray:
    ok = np.ones(len(m.t_s), bool)
    for n in names:
        ok &= m.confident(n, min_conf)
    return ok


def loaded(m: Measures, ctx: Context, s: RulesSettings) -> np.ndarray:
    """Handling a load: a lift in progress, or hands low or far from the body."""
    with np.errstate(invalid="ignore"):
        low = np.nan_to_num(m["hand_height_cm"], nan=np.inf) < s.twist.loaded_hand_height_cm
        far = np.nan_to_num(m["hand_distance_cm"], nan=0.0) > s.twist.loaded_hand_distance_cm
    return ctx.in_lift | low | far


def bend_knees(
    m: Measures, ctx: Context, s: RulesSettings, margin: float, min_conf: float
) -> Finding:
    """Trunk flexed while the knees stay (nearly) straight: bending at the back."""
    r = s.bend_knees
    flex = m["trunk_flexion_deg"]
    knees_straight = np.nan_to_num(m["knee_flexion_deg"], nan=0.0) < r.knee_flexion_max_deg
    on1, hold1 = _ge(flex, r.trunk_flexion_deg, margin)
    on2, hold2 = _ge(flex, r.trunk_flexion_high_deg, margin)
    # with the knees bent, only the high band counts (a deep forward lean in a squat)
    sev = np.where(on2, 2, np.where(on1 & knees_straight, 1, 0))
    hold = hold2 | (hold1 & knees_straight)
    conf = _trust(m, ["trunk_flexion_deg"], min_conf)
    return Finding("bend_knees", "bend_knees", sev.astype(np.int8), hold, conf)


def twist(m: Measures, ctx: Context, s: RulesSettings, margin: float, min_conf: float) -> Finding:
    """Twisting or side-bending the trunk while handling a load; sudden twisting."""
    r = s.twist
    load = loaded(m, ctx, s)
    tw = np.abs(m["trunk_twist_deg"])
    on_t, hold_t = _ge(tw, r.twist_deg, margin)
    on_th, hold_th = _ge(tw, r.twist_high_deg, margin)
    on_b, hold_b = _ge(np.abs(m["trunk_side_bend_deg"]), r.side_bend_deg, margin)
    on_v, hold_v = _ge(np.abs(m["trunk_twist_velocity_deg_s"]), r.velocity_deg_s, margin)
    sev = np.where(
        load & (on_th | (on_t & on_v)), 2, np.where(load & (on_t | on_b) | on_v & on_t, 1, 0)
    )
    hold = load & (hold_t | hold_b | hold_th) | (hold_v & hold_t)
    conf = _trust(m, ["trunk_twist_deg"], min_conf) | (
        _trust(m, ["trunk_side_bend_deg"], min_conf) & on_b & ~on_t
    )
    return Finding("twist", "turn_feet", sev.astype(np.int8), hold, conf)


def shoulders(
    m: Measures, ctx: Context, s: RulesSettings, margin: float, min_conf: float
) -> Finding:
    """Shoulders rolled forward, upper back rounded, head forward."""
    r = s.shoulders
    on1, hold1 = _ge(m["shoulders_forward_deg"], r.shoulders_forward_deg, margin)
    on2, _ = _ge(m["shoulders_forward_deg"], r.shoulders_forward_high_deg, margin)
    sev = np.where(on2, 2, np.where(on1, 1, 0))
    conf = _trust(m, ["shoulders_forward_deg"], min_conf)
    return Finding("shoulders", "shoulders_back", sev.astype(np.int8), hold1, conf)


def load_far(
    m: Measures, ctx: Context, s: RulesSettings, margin: float, min_conf: float
) -> Finding:
    """Hands (the load) far from the body while lifting or bent over."""
    r = s.load_far
    with np.errstate(invalid="ignore"):
        bent = np.nan_to_num(m["trunk_flexion_deg"], nan=0.0) > r.bent_trunk_deg
    # hands held above the shoulders hold no load out in front (e.g. behind the head)
    active = (ctx.in_lift | bent) & ~m.hands_above_shoulders
    on1, hold1 = _ge(m["hand_distance_cm"], r.hand_distance_cm, margin)
    on2, _ = _ge(m["hand_distance_cm"], r.hand_distance_high_cm, margin)
    sev = np.where(active & on2, 2, np.where(active & on1, 1, 0))
    conf = _trust(m, ["hand_distance_cm"], min_conf)
    return Finding("load_far", "load_close", sev.astype(np.int8), active & hold1, conf)


def _frames(seconds: float, t_s: np.ndarray) -> int:
    dt = float(np.median(np.diff(t_s))) if len(t_s) > 1 else 1 / 30
    return max(1, round(seconds / max(dt, 1e-3)))


def _held_for(cond: np.ndarray, t_s: np.ndarray, seconds: float) -> np.ndarray:
    """``cond`` has been true without a break for at least ``seconds`` up to each frame."""
    out = np.zeros_like(cond)
    v = np.concatenate([[False], cond, [False]]).astype(np.int8)
    starts, stops = np.flatnonzero(np.diff(v) == 1), np.flatnonzero(np.diff(v) == -1)
    for a, b in zip(starts, stops, strict=True):
        out[a:b] = (t_s[a:b] - t_s[a]) >= seconds
    return out


def sustained(m: Measures, ctx: Context, s: RulesSettings) -> dict[str, np.ndarray]:
    """``(T,)`` bool per kind of sustained posture: ``static`` (the trunk within
    ``still_range_deg`` over the trailing ``static_s``), ``prolonged_flexion`` (flexed past
    ``flexed_deg`` for ``flexed_s`` without a break) and ``long_sitting``."""
    r = s.static
    flex = m["trunk_flexion_deg"]
    n = _frames(r.static_s, m.t_s)
    filled = np.where(
        np.isfinite(flex), flex, np.nanmedian(flex) if np.isfinite(flex).any() else 0.0
    )
    origin = (n - 1) // 2  # the window trails: it ends at each frame
    spread = maximum_filter1d(filled, n, origin=origin) - minimum_filter1d(filled, n, origin=origin)
    enough = m.t_s - m.t_s[0] >= r.static_s if len(m.t_s) else np.zeros(0, bool)
    still = enough & (spread < r.still_range_deg) & np.isfinite(flex)
    with np.errstate(invalid="ignore"):
        flexed = _held_for(np.nan_to_num(flex, nan=0.0) >= r.flexed_deg, m.t_s, r.flexed_s)
    sitting = _held_for(ctx.seated, m.t_s, r.sitting_s)
    return {"static": still, "prolonged_flexion": flexed, "long_sitting": sitting}


def static(m: Measures, ctx: Context, s: RulesSettings, margin: float, min_conf: float) -> Finding:
    """A posture held without change, a prolonged flexed trunk, or long sitting."""
    k = sustained(m, ctx, s)
    still, flexed, sitting = k["static"], k["prolonged_flexion"], k["long_sitting"]
    sev = np.where(flexed & still, 2, np.where(still | flexed | sitting, 1, 0))
    conf = _trust(m, ["trunk_flexion_deg"], min_conf) | sitting
    return Finding("static", "move_break", sev.astype(np.int8), sev > 0, conf)


def repetition(
    m: Measures, ctx: Context, s: RulesSettings, margin: float, min_conf: float
) -> Finding:
    """Lifting at a rate above the repetitive threshold ("more than": the rate counts whole
    lifts, and REBA's 4 lifts a minute is not yet repetitive)."""
    r = s.repetition
    rate = np.nan_to_num(ctx.lift_rate_per_min, nan=0.0)
    _, hold1 = _ge(rate, r.lifts_per_min, margin)
    sev = np.where(rate > r.lifts_per_min_high, 2, np.where(rate > r.lifts_per_min, 1, 0))
    return Finding("repetition", "slow_down", sev.astype(np.int8), hold1, np.ones(len(m.t_s), bool))


def asymmetry(
    m: Measures, ctx: Context, s: RulesSettings, margin: float, min_conf: float
) -> Finding:
    """Weight on one leg (mid-hip over one foot) or uneven knees while handling a load."""
    r = s.asymmetry
    diff = np.abs(m["knee_flexion_left_deg"] - m["knee_flexion_right_deg"])
    load = loaded(m, ctx, s)
    on_k, hold_k = _ge(diff, r.knee_difference_deg, margin)
    on_s, hold_s = _ge(np.abs(m["hip_shift"]), r.hip_shift, margin)
    raw = (load & on_k) | on_s
    sev = _held_for(raw, m.t_s, r.min_duration_s).astype(np.int8)
    hold = (load & hold_k) | hold_s
    conf = (_trust(m, ["knee_flexion_left_deg", "knee_flexion_right_deg"], min_conf) & on_k) | (
        _trust(m, ["hip_shift"], min_conf) & on_s
    )
    return Finding("asymmetry", "even_weight", sev, hold, conf)


#: The rules in order of importance: the first is the most important cue when several fire.
RULES = (bend_knees, twist, load_far, shoulders, asymmetry, static, repetition)


def evaluate(m: Measures, ctx: Context, settings: Settings) -> list[Finding]:
    """Every rule over the clip, most important first."""
    margin = settings.rules.cues.margin
    min_conf = settings.view.min_confidence
    return [rule(m, ctx, settings.rules, margin, min_conf) for rule in RULES]
