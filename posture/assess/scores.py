"""The standard scores of a clip: REBA, RULA and OWAS per frame, NIOSH per lift.

This turns measures, lifts and the task settings into the inputs of :mod:`posture.scoring`
and says where a score rests on something the camera did not see well:

* ``*_conf`` per frame: the lowest confidence of the measures the score used (trunk, neck,
  knees, upper arms, elbows); below ``view.min_confidence`` the score is flagged;
* ``assumed``: an input the pose cannot give (wrists, shoulder raised, arm supported, neck
  twist) took its neutral default; every frame has some, and the README lists them.

The load counts in REBA and RULA only where the rules see one handled
(:func:`posture.assess.rules.loaded`: a lift in progress, the hands low or held out from the
body), and so do what describes handling it: shock (REBA load/force, RULA force) and REBA's
coupling (the grip on the load). A seated worker's legs score 1 whatever the knees (REBA), so
where the person sits the knees' confidence does not limit the score's.
RULA's force is read from its "static or repeated" bands in the frames where the posture is
held over a minute or lifts come more than 4 times a minute.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from posture.assess.lifts import Lift
from posture.assess.rules import Context, loaded
from posture.core.config import Settings
from posture.core.measures import Measures
from posture.scoring import (
    RebaInputs,
    RebaResult,
    RulaInputs,
    RulaResult,
    check_applicable,
    owas_back_code,
    reba,
    recommended_weight_limit,
    rula,
)

#: Measures each score relies on (its confidence is the lowest of theirs). REBA: the body, and
#: the arm of the better-seen side (a side view hides the far arm; the near one is scored).
REBA_MEASURES = ("trunk_flexion_deg", "neck_flexion_deg", "knee_flexion_deg")
REBA_ARMS = (
    ("upper_arm_flexion_left_deg", "elbow_flexion_left_deg"),
    ("upper_arm_flexion_right_deg", "elbow_flexion_right_deg"),
)
OWAS_MEASURES = ("trunk_flexion_deg", "trunk_twist_deg")
#: REBA activity ("repeated small range actions, more than 4 times per minute") and RULA's
#: repeated force use this lift rate (lifts per minute over the trailing window).
REPEATED_PER_MIN = 4.0


@dataclass(frozen=True)
class FrameScores:
    """REBA, RULA and OWAS of every frame, with the confidence each rests on."""

    reba: RebaResult
    rula: RulaResult
    owas_back: np.ndarray
    reba_conf: np.ndarray
    owas_conf: np.ndarray


def held(result: Any) -> Any:
    """A REBA or RULA result as kept for a recording: its score arrays, whole numbers or NaN,
    as float32 (exactly the same values in half the memory: 44 columns a frame, 10 MB of a
    30-minute recording)."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(result):
        v = getattr(result, f.name)
        if isinstance(v, np.ndarray) and v.dtype == np.float64:
            changes[f.name] = v.astype(np.float32)
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            changes[f.name] = held(v)
    return dataclasses.replace(result, **changes)


def _conf(m: Measures, names: tuple[str, ...]) -> np.ndarray:
    return np.min(np.stack([m.conf[n] for n in names]), axis=0)


def _reba_conf(m: Measures, seated: np.ndarray | None = None) -> np.ndarray:
    """The weakest of the measures REBA used; the knees not where the person sits (REBA's
    legs score 1 for sitting, whatever the knees: a table may hide them)."""
    arm = np.max(np.stack([_conf(m, side) for side in REBA_ARMS]), axis=0)
    body = _conf(m, REBA_MEASURES)
    if seated is not None:
        body = np.where(seated, _conf(m, REBA_MEASURES[:2]), body)
    return np.minimum(body, arm)


def _posture_flags(m: Measures, s: Settings) -> dict[str, np.ndarray]:
    sc = s.scores
    with np.errstate(invalid="ignore"):
        twisted = np.abs(np.nan_to_num(m["trunk_twist_deg"])) >= sc.twisted_deg
        bent = np.abs(np.nan_to_num(m["trunk_side_bend_deg"])) >= sc.side_bent_deg
        abd_l = np.nan_to_num(m["upper_arm_abduction_left_deg"]) >= sc.arm_abducted_deg
        abd_r = np.nan_to_num(m["upper_arm_abduction_right_deg"]) >= sc.arm_abducted_deg
        rapid = (
            np.abs(np.nan_to_num(m["trunk_flexion_velocity_deg_s"])) >= sc.rapid_change_deg_s
        ) | (np.abs(np.nan_to_num(m["trunk_twist_velocity_deg_s"])) >= sc.rapid_change_deg_s)
    return {
        "trunk_twisted": twisted,
        "trunk_side_bent": bent,
        "arm_abducted_left": abd_l,
        "arm_abducted_right": abd_r,
        "rapid": rapid,
    }


#: Scores needed only for their final score and level are computed this many frames at a
#: time (each frame's score is its own): a long recording's temporaries, some twenty arrays a
#: score, are then a block's, not the recording's.
SCORE_BLOCK_FRAMES = 4096


def _final_level(
    score: Callable[[Any], Any],
    inputs: Callable[..., Any],
    per_frame: dict[str, Any],
    n: int,
    **fixed: Any,
) -> dict[str, np.ndarray]:
    """``final`` and ``level`` of ``score(inputs(**per_frame, **fixed))`` for ``n`` frames,
    computed :data:`SCORE_BLOCK_FRAMES` frames at a time; ``per_frame``'s arrays of ``n``
    values are cut into blocks, its other values given whole."""
    size = SCORE_BLOCK_FRAMES
    finals, levels = [], []
    for a in range(0, max(n, 1), size):
        rows = {
            k: v[a : a + size] if isinstance(v, np.ndarray) and v.ndim and len(v) == n else v
            for k, v in per_frame.items()
        }
        r = score(inputs(**rows, **fixed))
        finals.append(r.final)
        levels.append(r.level)
    return {"final": np.concatenate(finals), "level": np.concatenate(levels)}


def _merge(loaded: Any, unloaded: Any, mask: np.ndarray) -> dict[str, np.ndarray]:
    """Per frame, ``final`` and ``level`` of ``loaded`` where ``mask`` holds, else of
    ``unloaded`` (each a scoring result or such a dict)."""

    def get(r: Any, name: str) -> np.ndarray:
        return r[name] if isinstance(r, dict) else getattr(r, name)

    return {n: np.where(mask, get(loaded, n), get(unloaded, n)) for n in ("final", "level")}


def frame_scores(
    m: Measures, ctx: Context, static_hold: np.ndarray, s: Settings
) -> tuple[FrameScores, dict[str, np.ndarray]]:
    """REBA, RULA, OWAS per frame; also the per-frame final scores and levels (the load
    applied where one is handled, as the rules judge it: :func:`posture.assess.rules.loaded`)
    as plain arrays for frames.csv."""
    f = _posture_flags(m, s)
    common: dict[str, Any] = {
        "trunk_flexion_deg": m["trunk_flexion_deg"],
        "trunk_twisted": f["trunk_twisted"],
        "trunk_side_bent": f["trunk_side_bent"],
        "neck_flexion_deg": m["neck_flexion_deg"],
        "upper_arm_flexion_left_deg": m["upper_arm_flexion_left_deg"],
        "upper_arm_flexion_right_deg": m["upper_arm_flexion_right_deg"],
        "arm_abducted_left": f["arm_abducted_left"],
        "arm_abducted_right": f["arm_abducted_right"],
        "elbow_flexion_left_deg": m["elbow_flexion_left_deg"],
        "elbow_flexion_right_deg": m["elbow_flexion_right_deg"],
        "static_hold": static_hold,
    }
    load = s.task.load_kg if s.task.load_kg > 0 else None
    shock = s.task.shock_or_rapid_force
    repeated = ctx.lift_rate_per_min > REPEATED_PER_MIN
    reba_args = {
        **common,
        "knee_flexion_left_deg": m["knee_flexion_left_deg"],
        "knee_flexion_right_deg": m["knee_flexion_right_deg"],
        "seated": ctx.seated,
        "repeated_small_range": repeated,
        "rapid_large_change": f["rapid"],
    }
    rula_args = {
        **common,
        "seated_supported": np.zeros(len(m.t_s), bool),
        "repeated": repeated,
    }
    r_loaded = reba(RebaInputs(**reba_args, load_kg=load, shock=shock, coupling=s.task.coupling))
    u_loaded = rula(RulaInputs(**rula_args, load_kg=load, shock=shock))
    # the other cases only for their final score and level
    n = len(m.t_s)
    r_free = _final_level(reba, RebaInputs, reba_args, n, load_kg=0.0)
    u_loaded_held = _final_level(
        rula, RulaInputs, rula_args, n, load_kg=load, shock=shock, load_static_or_repeated=True
    )
    u_free = _final_level(rula, RulaInputs, rula_args, n, load_kg=0.0)
    owas = owas_back_code(m["trunk_flexion_deg"], f["trunk_twisted"], f["trunk_side_bent"])
    # the load where the rules see one handled: a lift in progress, hands low or held out
    handling, _ = loaded(m, ctx, s)
    reba_pf = _merge(r_loaded, r_free, handling)
    held_or_repeated = np.asarray(static_hold, bool) | repeated
    rula_pf = _merge(_merge(u_loaded_held, u_loaded, held_or_repeated), u_free, handling)
    scores = FrameScores(
        held(r_loaded), held(u_loaded), owas, _reba_conf(m, ctx.seated), _conf(m, OWAS_MEASURES)
    )
    return scores, {
        "reba_score": reba_pf["final"],
        "reba_level": reba_pf["level"],
        "rula_score": rula_pf["final"],
        "rula_level": rula_pf["level"],
        "owas_back": owas,
    }


@dataclass(frozen=True)
class LiftScore:
    """The NIOSH lifting equation for one lift: RWL (kg) and, with a load, LI; or, when the
    equation does not apply, the reasons (``not_applicable``) and no RWL. ``notes`` say where an
    input came from (e.g. an assumed frequency)."""

    number: int
    frequency_per_min: float
    rwl_origin_kg: float | None
    rwl_destination_kg: float | None
    li_origin: float | None
    li_destination: float | None
    not_applicable: tuple[str, ...]
    notes: tuple[str, ...] = ()


#: A hand seen at most this far below the floor line is on the floor (measurement error);
#: further down the pose is wrong, and the lift's geometry is refused.
BELOW_FLOOR_TOLERANCE_CM = 15.0


def _floored(v_cm: float) -> float:
    return max(v_cm, 0.0) if v_cm >= -BELOW_FLOOR_TOLERANCE_CM else v_cm


def _geometry(lift: Lift) -> dict[str, Any]:
    """H, V and A at origin and destination (V floored at 0 within
    ``BELOW_FLOOR_TOLERANCE_CM``: a hand seen just below the floor line is on it; A 0 when the
    view cannot see it, see ``ASYMMETRY_NOTE``)."""
    seen = lift.asymmetry_seen
    return {
        "h_origin_cm": lift.origin_hand_distance_cm,
        "v_origin_cm": _floored(lift.origin_hand_height_cm),
        "h_destination_cm": lift.destination_hand_distance_cm,
        "v_destination_cm": _floored(lift.destination_hand_height_cm),
        "a_origin_deg": lift.origin_asymmetry_deg if seen else 0.0,
        "a_destination_deg": lift.destination_asymmetry_deg if seen else 0.0,
    }


ASYMMETRY_NOTE = "asymmetry angle not visible from this view (it needs depth): 0 assumed"


def niosh_for_lifts(
    lifts: list[Lift], seated: np.ndarray, duration_s: float, s: Settings
) -> list[LiftScore]:
    """NIOSH per lift (see :func:`lift_frequency` for the frequency used)."""
    if not lifts:
        return []
    freq, freq_note = lift_frequency(len(lifts), duration_s, s)
    notes = (freq_note,) if freq_note else ()
    load = s.task.load_kg if s.task.load_kg > 0 else None
    out = []
    for lift in lifts:
        geo = _geometry(lift)
        lift_notes = notes if lift.asymmetry_seen else (*notes, ASYMMETRY_NOTE)
        unknown = [k for k, v in geo.items() if not np.isfinite(v)]
        if unknown:
            reasons = [f"{', '.join(unknown)} not seen at this lift"]
        else:
            reasons = check_applicable(
                **geo,
                frequency_per_min=freq,
                duration_h=s.task.duration_h,
                load_kg=load,
                hands=1 if lift.one_handed else 2,
                posture="seated" if seated[lift.lowest_row] else "standing",
            )
            reasons = [r for r in reasons if "load" not in r]  # no load: the RWL still helps
        if reasons:
            out.append(
                LiftScore(lift.number, freq, None, None, None, None, tuple(reasons), lift_notes)
            )
            continue
        a = recommended_weight_limit(
            **geo,
            frequency_per_min=freq,
            duration_h=s.task.duration_h,
            coupling=_niosh_coupling(s.task.coupling),
            load_kg=load,
        )
        out.append(
            LiftScore(
                lift.number,
                freq,
                float(a.origin.rwl_kg),
                float(a.destination.rwl_kg),
                float(a.li_origin) if a.li_origin is not None else None,
                float(a.li_destination) if a.li_destination is not None else None,
                (),
                lift_notes,
            )
        )
    return out


#: Measuring a lifting frequency takes at least this much video and this many lifts.
MIN_FREQUENCY_CLIP_S = 60.0
MIN_FREQUENCY_LIFTS = 2
INFREQUENT_PER_MIN = 0.2


def lift_frequency(n_lifts: int, duration_s: float, s: Settings) -> tuple[float, str]:
    """Lifts per minute for NIOSH and a note on where it came from.

    The user's ``task.lift_frequency_per_min`` when given; else measured over the clip when the
    clip is long enough to measure a rate; else 0.2/min (the table's "infrequent" row), said so
    in the note.
    """
    if s.task.lift_frequency_per_min > 0:
        return s.task.lift_frequency_per_min, ""
    if duration_s >= MIN_FREQUENCY_CLIP_S and n_lifts >= MIN_FREQUENCY_LIFTS:
        rate = max(n_lifts / (duration_s / 60.0), INFREQUENT_PER_MIN)
        return rate, f"lift frequency measured over the clip: {rate:.2f}/min"
    return INFREQUENT_PER_MIN, (
        f"lift frequency not given and the clip is too short to measure it: "
        f"{INFREQUENT_PER_MIN}/min assumed (set the lift frequency to use yours)"
    )


def _niosh_coupling(c: str) -> str:
    return "poor" if c == "unacceptable" else c
