"""The risk factors of the source documents (``RISK_MODEL.md`` section 1), as rules.

Each rule judges every frame from the measures at that frame (:class:`Instant`): a severity
(0 none, 1 medium, 2 high), whether trusted measures back that judgement, and the reason, one
of the rule's plain-word ``reasons``. Thresholds come from
:class:`posture.core.config.RulesSettings`. What a rule needs over time (held for some seconds,
a trailing window) is in :mod:`posture.assess.judge`; the cues in :mod:`posture.assess.cues`.

Unknown is unknown: a measure that was not seen (NaN) never raises a finding and never counts
as its absence (a knee not seen is not a straight knee, a trunk not seen is not upright), and a
measure below ``view.min_confidence`` raises only an *unconfirmed* finding. ``confident`` is
True where the judgement, a finding or its absence, rests on trusted measures only; elsewhere
the rule cannot tell, and frames.csv leaves its severity empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from posture.core.config import Settings
from posture.core.measures import Measures


@dataclass(frozen=True)
class Context:
    """What the rules need beyond the measures, per frame ``(T,)``.

    ``in_lift``: a load is in the hands (a lift in progress, see
    :func:`posture.assess.lifts.carrying`); ``lift_rate_per_min``: lifts per minute over the
    trailing window; ``seated``: the person sits.
    """

    in_lift: np.ndarray
    lift_rate_per_min: np.ndarray
    seated: np.ndarray

    @classmethod
    def none(cls, n: int) -> Context:
        return cls(np.zeros(n, bool), np.zeros(n), np.zeros(n, bool))


@dataclass(frozen=True)
class Instant:
    """One rule's judgement of each frame from that frame alone, ``(T,)`` arrays: ``severity``
    from the values as measured (trusted or not), ``confident`` (trusted measures back it: the
    finding, or its absence), ``reason`` (index into the rule's ``reasons``), and ``inputs``
    the rule's time-dependent part needs."""

    severity: np.ndarray
    confident: np.ndarray
    reason: np.ndarray
    inputs: dict[str, np.ndarray] = field(default_factory=dict)


class _Values:
    """A rule's view of the measures: each value, whether it is known (not NaN) and whether it
    is trusted (known, with a confidence of at least ``view.min_confidence``)."""

    def __init__(self, m: Measures, min_conf: float) -> None:
        self.m, self.min_conf = m, min_conf

    def __call__(self, name: str) -> np.ndarray:
        return np.asarray(self.m[name], dtype=np.float64)

    def known(self, name: str) -> np.ndarray:
        return np.isfinite(self.m[name])

    def trusted(self, name: str) -> np.ndarray:
        return self.m.confident(name, self.min_conf)


# A comparison with NaN is False: an unknown value is never past a threshold, nor under it.
def _ge(x: np.ndarray, thr: float) -> np.ndarray:
    """``x >= thr``, False where ``x`` is unknown."""
    return np.greater_equal(x, thr)


def _lt(x: np.ndarray, thr: float) -> np.ndarray:
    """``x < thr``, False where ``x`` is unknown."""
    return np.less(x, thr)


def _gt(x: np.ndarray, thr: float) -> np.ndarray:
    """``x > thr``, False where ``x`` is unknown."""
    return np.greater(x, thr)


def _pick(conds: list[np.ndarray]) -> np.ndarray:
    """``(T,)`` int8: the index of the first true condition (the reason), frame by frame."""
    return np.select(conds, [np.int8(i) for i in range(len(conds))], default=0).astype(np.int8)


def _instant(
    sev: np.ndarray, conf: np.ndarray, reason: np.ndarray, **inputs: np.ndarray
) -> Instant:
    return Instant(sev.astype(np.int8), conf.astype(bool), reason, inputs)


# ---------------------------------------------------------------------------------------------
BEND_KNEES_REASONS = (
    "trunk bend unknown",
    "trunk {trunk_flexion_deg}, under {trunk_flexion_deg_thr}",
    "trunk {trunk_flexion_deg}, past {trunk_flexion_high_deg_thr}: high whatever the knees",
    "trunk {trunk_flexion_deg}, knees unknown: cannot tell if they bend",
    "trunk {trunk_flexion_deg}, knees {knee_flexion_deg}: knees bent",
    "trunk {trunk_flexion_deg}, knees {knee_flexion_deg}: knees straight (under "
    "{knee_flexion_max_deg_thr})",
)


def bend_knees(m: Measures, ctx: Context, s: Settings) -> Instant:
    """Trunk flexed while the knees stay (nearly) straight: bending at the back. Past the high
    threshold the knees do not matter (a deep forward lean even in a squat)."""
    r, v = s.rules.bend_knees, _Values(m, s.view.min_confidence)
    trunk, knee = v("trunk_flexion_deg"), v("knee_flexion_deg")
    high = _ge(trunk, r.trunk_flexion_high_deg)
    over = _ge(trunk, r.trunk_flexion_deg) & ~high
    straight, bent = _lt(knee, r.knee_flexion_max_deg), _ge(knee, r.knee_flexion_max_deg)
    sev = np.where(high, 2, np.where(over & straight, 1, 0))
    t_ok, k_ok = v.trusted("trunk_flexion_deg"), v.trusted("knee_flexion_deg")
    conf = t_ok & (~over | k_ok)  # with the trunk in the medium band the knees decide
    reason = _pick(
        [~v.known("trunk_flexion_deg"), ~over & ~high, high, over & ~v.known("knee_flexion_deg"),
         over & bent, over & straight]
    )  # fmt: skip
    return _instant(sev, conf, reason)


# ---------------------------------------------------------------------------------------------
def loaded(m: Measures, ctx: Context, s: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Handling a load: a lift in progress, or the hands low or far from the body.

    Returns ``(loaded, free)``, ``(T,)`` each; frames where neither holds cannot tell. The load
    is context, not the rule's own measure: it is judged from the hands as seen (trusted or
    not), but a hand not seen decides nothing: ``loaded`` is a lift in progress or hands seen
    low or far, ``free`` no lift and both hand measures seen, high and close. Where the hands'
    distance cannot be measured (it is taken from the ankles: a seated worker behind a table
    hides them), an arm held out shows the reach instead: an upper arm raised forward past
    ``loaded_upper_arm_deg``."""
    r, v = s.rules.twist, _Values(m, s.view.min_confidence)
    height, reach = v("hand_height_cm"), v("hand_distance_cm")
    low = _lt(height, r.loaded_hand_height_cm)
    far = _gt(reach, r.loaded_hand_distance_cm)
    arm = np.fmax(v("upper_arm_flexion_left_deg"), v("upper_arm_flexion_right_deg"))
    held_out = ~v.known("hand_distance_cm") & _ge(arm, r.loaded_upper_arm_deg)
    seen = v.known("hand_height_cm") & v.known("hand_distance_cm")
    load = ctx.in_lift | low | far | held_out
    return load, ~load & seen


TWIST_REASONS = (
    "twist and side bend unknown",
    "twist {trunk_twist_deg}, side bend {trunk_side_bend_deg}: under {twist_deg_thr} and "
    "{side_bend_deg_thr}",
    "twist {trunk_twist_deg}, side bend {trunk_side_bend_deg}, but no load in the hands",
    "twist {trunk_twist_deg}, side bend {trunk_side_bend_deg}, hands unknown: cannot tell if "
    "a load is handled",
    "twist {trunk_twist_deg}, side bend {trunk_side_bend_deg} while handling a load",
    "twist {trunk_twist_deg} while handling a load: past {twist_high_deg_thr}, or sudden "
    "({trunk_twist_velocity_deg_s})",
    "sudden twist: {trunk_twist_deg} at {trunk_twist_velocity_deg_s}",
)


def twist(m: Measures, ctx: Context, s: Settings) -> Instant:
    """Twisting or side-bending the trunk while handling a load; sudden twisting."""
    r, v = s.rules.twist, _Values(m, s.view.min_confidence)
    tw, bend = np.abs(v("trunk_twist_deg")), np.abs(v("trunk_side_bend_deg"))
    on_t, on_th = _ge(tw, r.twist_deg), _ge(tw, r.twist_high_deg)
    on_b = _ge(bend, r.side_bend_deg)
    sudden = _ge(np.abs(v("trunk_twist_velocity_deg_s")), r.velocity_deg_s) & on_t
    load, free = loaded(m, ctx, s)
    high = load & (on_th | sudden)
    medium = load & (on_t | on_b)
    sev = np.where(high, 2, np.where(medium | sudden, 1, 0))
    t_ok, b_ok = v.trusted("trunk_twist_deg"), v.trusted("trunk_side_bend_deg")
    fast_ok = sudden & t_ok & v.trusted("trunk_twist_velocity_deg_s")
    # raised by trusted measures: a confirmed load, and a trusted twist or side bend past its
    # threshold (high: a trusted twist past the high one, or trusted sudden); or sudden alone
    by_load = load & np.where(sev == 2, t_ok & on_th | fast_ok, on_t & t_ok | on_b & b_ok)
    raised_by = by_load | (fast_ok & (sev == 1))
    # absent: both trusted under their thresholds, or no load confirmed and nothing sudden
    absent = (t_ok & ~on_t & b_ok & ~on_b) | (free & t_ok & ~sudden)
    conf = np.where(sev > 0, raised_by, absent)
    known = v.known("trunk_twist_deg") | v.known("trunk_side_bend_deg")
    over = on_t | on_b
    reason = _pick(
        [~known, ~over, over & free & ~sudden, over & ~load & ~sudden, medium & ~high, high,
         sudden]
    )  # fmt: skip
    return _instant(sev, conf, reason)


# ---------------------------------------------------------------------------------------------
LOAD_FAR_REASONS = (
    "hand distance unknown",
    "hands above the shoulders: no load held out",
    "hands {hand_distance_cm} from the ankles, under {hand_distance_cm_thr}",
    "hands {hand_distance_cm} out, but not lifting and the trunk upright ({trunk_flexion_deg})",
    "hands {hand_distance_cm} out, trunk unknown and not lifting: cannot tell if bent over",
    "hands {hand_distance_cm} from the ankles while lifting or bent over",
    "hands {hand_distance_cm} from the ankles, past {hand_distance_high_cm_thr}",
)


def load_far(m: Measures, ctx: Context, s: Settings) -> Instant:
    """Hands (the load) far from the body while lifting or bent over."""
    r, v = s.rules.load_far, _Values(m, s.view.min_confidence)
    reach, trunk = v("hand_distance_cm"), v("trunk_flexion_deg")
    # hands held above the shoulders hold no load out in front (e.g. behind the head)
    above = m.hands_above_shoulders
    bent = _gt(trunk, r.bent_trunk_deg)
    upright = v.known("trunk_flexion_deg") & ~bent
    active = (ctx.in_lift | bent) & ~above
    on1, on2 = _ge(reach, r.hand_distance_cm), _ge(reach, r.hand_distance_high_cm)
    sev = np.where(active & on2, 2, np.where(active & on1, 1, 0))
    d_ok = v.trusted("hand_distance_cm")
    # the trunk is context here: seen suffices (the rule's own measure is the hands' reach)
    raised_by = d_ok & (ctx.in_lift | bent)
    absent = above | (d_ok & ~on1) | (~ctx.in_lift & upright)
    conf = np.where(sev > 0, raised_by, absent)
    trunk_unknown = ~ctx.in_lift & ~v.known("trunk_flexion_deg")
    reason = _pick(
        [~v.known("hand_distance_cm"), above, ~on1, ~active & ~trunk_unknown, ~active,
         on1 & ~on2, on2]
    )  # fmt: skip
    return _instant(sev, conf, reason)


# ---------------------------------------------------------------------------------------------
SHOULDERS_REASONS = (
    "shoulders unknown",
    "shoulders forward {shoulders_forward_deg}, under {shoulders_forward_deg_thr}",
    "shoulders forward {shoulders_forward_deg}",
    "shoulders forward {shoulders_forward_deg}, past {shoulders_forward_high_deg_thr}",
)


def shoulders(m: Measures, ctx: Context, s: Settings) -> Instant:
    """Shoulders rolled forward, upper back rounded, head forward (held for
    ``min_duration_s``: see :mod:`posture.assess.judge`)."""
    r, v = s.rules.shoulders, _Values(m, s.view.min_confidence)
    fwd = v("shoulders_forward_deg")
    on1, on2 = _ge(fwd, r.shoulders_forward_deg), _ge(fwd, r.shoulders_forward_high_deg)
    sev = np.where(on2, 2, np.where(on1, 1, 0))
    reason = _pick([~v.known("shoulders_forward_deg"), ~on1, on1 & ~on2, on2])
    return _instant(sev, v.trusted("shoulders_forward_deg"), reason)


# ---------------------------------------------------------------------------------------------
ASYMMETRY_REASONS = (
    "knees and hip shift unknown",
    "even: knees differ by {knee_difference_deg}, hip shift {hip_shift}",
    "knees differ by {knee_difference_deg}, but no load in the hands",
    "knees differ by {knee_difference_deg} while handling a load",
    "hips over one foot (hip shift {hip_shift}, from {hip_shift_thr})",
)


def asymmetry(m: Measures, ctx: Context, s: Settings) -> Instant:
    """Weight on one leg (mid-hip over one foot) or uneven knees while handling a load (held
    for ``min_duration_s``: see :mod:`posture.assess.judge`)."""
    r, v = s.rules.asymmetry, _Values(m, s.view.min_confidence)
    diff = knee_difference(m)
    shift = np.abs(v("hip_shift"))
    load, free = loaded(m, ctx, s)
    on_k, on_s = _ge(diff, r.knee_difference_deg), _ge(shift, r.hip_shift)
    sev = np.where((load & on_k) | on_s, 1, 0)
    k_ok = v.trusted("knee_flexion_left_deg") & v.trusted("knee_flexion_right_deg")
    s_ok = v.trusted("hip_shift")
    raised_by = (on_s & s_ok) | (on_k & k_ok & load)
    absent = (s_ok & ~on_s) & ((k_ok & ~on_k) | free)
    conf = np.where(sev > 0, raised_by, absent)
    known = np.isfinite(diff) | v.known("hip_shift")
    reason = _pick([~known, ~on_k & ~on_s, on_k & ~load & ~on_s, on_k & load & ~on_s, on_s])
    return _instant(sev, conf, reason)


def knee_difference(m: Measures) -> np.ndarray:
    """``(T,)`` how much one knee bends more than the other, degrees (NaN unless both seen)."""
    return np.abs(m["knee_flexion_left_deg"] - m["knee_flexion_right_deg"]).astype(np.float64)


# ---------------------------------------------------------------------------------------------
STATIC_REASONS = (
    "trunk bend unknown",
    "moving: the trunk changed by {trunk_range_deg} over the last {static_s_thr}",
    "the trunk still (within {still_range_deg_thr}) for {static_s_thr}",
    "trunk flexed {trunk_flexion_deg} for {flexed_s_thr} or more",
    "sitting for {sitting_s_thr} or more",
    "the trunk still and flexed for {flexed_s_thr} or more",
    "the posture has not lasted {static_s_thr} yet",
)


def static(m: Measures, ctx: Context, s: Settings) -> Instant:
    """A posture held without change, a prolonged flexed trunk, or long sitting: all need
    time, so this part only says what each frame shows (:mod:`posture.assess.judge` holds
    it over time)."""
    r, v = s.rules.static, _Values(m, s.view.min_confidence)
    trunk = v("trunk_flexion_deg")
    flexed = _ge(trunk, r.flexed_deg)
    n = len(trunk)
    reason = np.where(v.known("trunk_flexion_deg"), 1, 0).astype(np.int8)
    trusted_trunk = np.where(v.trusted("trunk_flexion_deg"), trunk, np.nan)
    return _instant(
        np.zeros(n),
        v.trusted("trunk_flexion_deg") | ctx.seated,
        reason,
        trunk=trusted_trunk,
        flexed=flexed & v.trusted("trunk_flexion_deg"),
        seated=np.asarray(ctx.seated, bool),
    )


# ---------------------------------------------------------------------------------------------
REPETITION_REASONS = (
    "{lift_rate_per_min} lifts a minute over the last {window_s_thr}: up to {lifts_per_min_thr}",
    "{lift_rate_per_min} lifts a minute over the last {window_s_thr}: more than "
    "{lifts_per_min_thr}",
    "{lift_rate_per_min} lifts a minute over the last {window_s_thr}: more than "
    "{lifts_per_min_high_thr}",
)


def repetition(m: Measures, ctx: Context, s: Settings) -> Instant:
    """Lifting at a rate above the repetitive threshold ("more than": the rate counts whole
    lifts, and REBA's 4 lifts a minute is not yet repetitive)."""
    r = s.rules.repetition
    rate = np.nan_to_num(np.asarray(ctx.lift_rate_per_min, dtype=np.float64), nan=0.0)
    sev = np.where(rate > r.lifts_per_min_high, 2, np.where(rate > r.lifts_per_min, 1, 0))
    return _instant(sev, np.ones(len(rate), bool), sev.astype(np.int8))


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One rule: its name (``[rules.<name>]``, the ``<name>_severity`` and ``<name>_cue``
    columns), its plain label, its cue, its per-frame judgement and the reasons it gives."""

    name: str
    label: str
    cue: str
    instant: Callable[[Measures, Context, Settings], Instant]
    reasons: tuple[str, ...]


#: The rules in order of importance: the first is the most important cue when several fire.
RULES = (
    Rule("bend_knees", "Bending at the back", "bend_knees", bend_knees, BEND_KNEES_REASONS),
    Rule("twist", "Twisting under load", "turn_feet", twist, TWIST_REASONS),
    Rule("load_far", "Load far from the body", "load_close", load_far, LOAD_FAR_REASONS),
    Rule("shoulders", "Rounded shoulders", "shoulders_back", shoulders, SHOULDERS_REASONS),
    Rule("asymmetry", "Weight on one side", "even_weight", asymmetry, ASYMMETRY_REASONS),
    Rule("static", "Static posture", "move_break", static, STATIC_REASONS),
    Rule("repetition", "Repetitive lifting", "slow_down", repetition, REPETITION_REASONS),
)
RULE_BY_NAME = {rule.name: rule for rule in RULES}


def judge_frames(m: Measures, ctx: Context, settings: Settings) -> dict[str, Instant]:
    """Every rule's per-frame judgement, most important first."""
    return {rule.name: rule.instant(m, ctx, settings) for rule in RULES}
