"""The scores of a clip: measures turned into REBA/RULA/OWAS inputs per frame, NIOSH per lift.

The scoring tables themselves are pinned in tests/scoring; here the wiring is: which measure
feeds which input, the load only during lifts, confidence flags and NIOSH's refusals.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture import synthetic
from posture.assess.analysis import Analysis, analyze
from posture.assess.rules import loaded
from posture.assess.scores import INFREQUENT_PER_MIN, REBA_ARMS, lift_frequency
from posture.assess.tables import analysis_summary, frames_table, lifts_table
from posture.core.config import DEFAULTS, override
from posture.core.landmarks import LM

FPS = 30.0


def still(seconds: float, **angles: float) -> list:
    return [synthetic.angles(**{"yaw_deg": 90, **angles})] * round(seconds * FPS)


def last(a, column: str) -> float:
    return frames_table(a)[column][-1]


@pytest.mark.parametrize(
    ("trunk", "owas"),
    [(0, 1), (15, 1), (30, 2), (70, 2)],
)
def test_owas_back_code_follows_trunk_flexion(trunk: float, owas: int) -> None:
    a = analyze(synthetic.sequence(still(1.0) + still(1.0, trunk_flexion_deg=trunk)), DEFAULTS)
    assert last(a, "owas_back") == owas


def test_owas_twisted_and_bent_is_4() -> None:
    frames = still(1.0, yaw_deg=0) + still(1.0, yaw_deg=0, trunk_flexion_deg=40, trunk_twist_deg=35)
    a = analyze(synthetic.sequence(frames, world_only=True), DEFAULTS)
    assert last(a, "owas_back") == 4


def test_reba_rises_with_trunk_flexion() -> None:
    """Empty hands, arms hanging (upper arm 1, lower arm 2, wrist 1: Table B 1, no coupling),
    neck 1, legs 1. Trunk 0 deg: Table A 1, C(1,1) = 1; 30 deg (trunk 3): A 2, C(2,1) = 1;
    70 deg (trunk 4): A 3, C(3,1) = 2 (Hignett & McAtamney 2000, Tables A and C)."""
    scores = []
    for trunk in (0, 30, 70):
        a = analyze(synthetic.sequence(still(1.0) + still(1.0, trunk_flexion_deg=trunk)), DEFAULTS)
        scores.append(last(a, "reba_score"))
    assert scores == [1, 1, 2]


def test_standing_upright_scores_reba_low_or_negligible() -> None:
    a = analyze(synthetic.sequence(still(2.0)), DEFAULTS)
    assert set(frames_table(a)["reba_level"]) <= {"negligible", "low"}
    assert set(frames_table(a)["rula_level"]) <= {"acceptable", "investigate"}


def handling(a: Analysis) -> np.ndarray:
    """Where the rules see a load handled: a lift in progress, the hands low or held out."""
    return loaded(a.measures, a.context, a.settings)[0]


def test_the_load_counts_only_where_one_is_handled() -> None:
    seq = synthetic.synthetic_lift("stoop", yaw_deg=90)
    light = analyze(seq, DEFAULTS)
    heavy = analyze(seq, override(DEFAULTS, {"task": {"load_kg": 15.0}}))
    inside = handling(heavy)
    assert heavy.context.in_lift[~inside].sum() == 0  # a lift in progress is handling
    assert inside.any() and (~inside).any()
    diff = frames_table(heavy)["reba_score"] - frames_table(light)["reba_score"]
    assert np.all(diff[~inside] == 0)
    assert np.all(diff[inside] >= 1)  # REBA load > 10 kg adds 2 (fewer where capped)


def test_reba_confidence_is_the_weakest_measure_it_used() -> None:
    frames = [synthetic.angles(yaw_deg=0)] * 30 + [
        synthetic.angles(yaw_deg=0, trunk_flexion_deg=40)
    ]
    a = analyze(synthetic.sequence(frames, image_only=True), DEFAULTS)
    assert frames_table(a)["reba_conf"][-1] <= a.measures.conf["trunk_flexion_deg"][-1]
    assert frames_table(a)["reba_conf"][-1] < DEFAULTS.view.min_confidence


def test_niosh_gives_an_lifting_index_per_lift_with_a_load() -> None:
    seq = synthetic.synthetic_lift("squat", yaw_deg=90)
    a = analyze(seq, override(DEFAULTS, {"task": {"load_kg": 15.0}}))
    rows = lifts_table(a)
    assert len(rows["lift"]) == 1
    rwl = rows["rwl_origin_kg"][0]
    assert 0 < rwl <= 23
    assert rows["li_origin"][0] == pytest.approx(15.0 / rwl, rel=0.01)
    assert rows["niosh_applies"][0] == 1


def test_niosh_without_a_load_gives_the_limit_but_no_index() -> None:
    a = analyze(synthetic.synthetic_lift("squat", yaw_deg=90), DEFAULTS)
    rows = lifts_table(a)
    assert rows["rwl_origin_kg"][0] > 0
    assert rows["li_origin"][0] is None


def test_niosh_says_when_it_assumed_the_frequency() -> None:
    a = analyze(synthetic.synthetic_lift("squat", yaw_deg=90), DEFAULTS)
    assert "assumed" in lifts_table(a)["niosh_note"][0]
    assert a.lift_scores[0].frequency_per_min == INFREQUENT_PER_MIN


@pytest.mark.parametrize(
    ("given", "lifts", "seconds", "expected"),
    [
        (3.0, 1, 10.0, 3.0),  # the user's frequency wins
        (0.0, 1, 10.0, INFREQUENT_PER_MIN),  # too short to measure
        (0.0, 1, 120.0, INFREQUENT_PER_MIN),  # one lift is no rate
        (0.0, 6, 120.0, 3.0),  # measured: 6 lifts in 2 minutes
        (0.0, 2, 1200.0, INFREQUENT_PER_MIN),  # floored at the table's first row
    ],
)
def test_lift_frequency(given: float, lifts: int, seconds: float, expected: float) -> None:
    s = override(DEFAULTS, {"task": {"lift_frequency_per_min": given}})
    freq, _ = lift_frequency(lifts, seconds, s)
    assert freq == pytest.approx(expected)


def test_summary_has_the_lift_and_reba_figures() -> None:
    a = analyze(synthetic.synthetic_lift("stoop", yaw_deg=90), DEFAULTS)
    s = analysis_summary(a)
    assert s["lifts"] == 1
    assert s["lift_styles"]["stoop"] == 1
    assert s["risky_lifts"] == 1
    assert s["worst_lift"]["lift"] == 1
    assert sum(s["reba_time_share"].values()) == pytest.approx(1.0, abs=0.01)
    assert sum(s["risk_time_share"].values()) == pytest.approx(1.0, abs=0.01)
    cues = {c["id"]: c for c in s["cues"]}
    assert cues["bend_knees"]["high_seconds"] > 0.5  # the stoop holds the trunk past 60 deg


def test_shock_and_coupling_count_only_where_a_load_is_handled() -> None:
    """Empty hands have no grip and nothing to jerk: shock (REBA, RULA) and REBA's coupling
    describe handling the load, like the load itself."""
    seq = synthetic.synthetic_lift("stoop", yaw_deg=90)
    load = {"load_kg": 8.0, "coupling": "good"}
    plain = analyze(seq, override(DEFAULTS, {"task": load}))
    rough = analyze(
        seq,
        override(
            DEFAULTS, {"task": {**load, "shock_or_rapid_force": True, "coupling": "unacceptable"}}
        ),
    )
    inside = handling(rough)
    assert inside.any() and (~inside).any()
    for score in ("reba_score", "rula_score"):
        diff = frames_table(rough)[score] - frames_table(plain)[score]
        assert np.all(diff[~inside] == 0), score
        assert np.all(diff[inside] >= 0) and diff[inside].max() >= 1, score


def test_rula_force_uses_the_repeated_bands_when_lifts_come_more_than_4_a_minute() -> None:
    """RULA: 2-10 kg scores 1 intermittent, 2 repeated. The same posture early in the clip
    (1 lift a minute so far) and late (more than 4) gains more from the load late."""
    seq = synthetic.repeated_lifts(7)
    empty = analyze(seq, DEFAULTS)
    loaded = analyze(seq, override(DEFAULTS, {"task": {"load_kg": 8.0}}))
    assert len(loaded.lifts) == 7
    rate = loaded.context.lift_rate_per_min
    gain = frames_table(loaded)["rula_score"] - frames_table(empty)["rula_score"]
    first, last_ = loaded.lifts[0], loaded.lifts[-1]
    early = gain[first.start_row : first.end_row]
    late = gain[last_.start_row : last_.end_row]
    assert rate[last_.start_row] > 4 >= rate[first.end_row - 1]
    assert np.nansum(late) > np.nansum(early)


@pytest.mark.parametrize(("v_cm", "applies"), [(-10.0, True), (-40.0, False)])
def test_hands_just_below_the_floor_line_are_on_it_far_below_is_refused(
    v_cm: float, applies: bool
) -> None:
    from dataclasses import replace

    from posture.assess.scores import niosh_for_lifts

    a = analyze(synthetic.synthetic_lift("squat", yaw_deg=90), DEFAULTS)
    lift = replace(a.lifts[0], origin_hand_height_cm=v_cm)
    settings = override(DEFAULTS, {"task": {"load_kg": 10.0}})
    (score,) = niosh_for_lifts([lift], np.zeros(len(a.t_s), bool), 10.0, settings)
    assert (score.rwl_origin_kg is not None) == applies
    if not applies:
        assert any("hand height V is outside" in r for r in score.not_applicable)


def test_reba_is_trusted_from_a_side_view_that_hides_the_far_arm() -> None:
    """The far arm of a side view is unseen; REBA rests on the near one, which is seen."""
    from dataclasses import replace

    from posture.core.landmarks import LM

    seq = synthetic.sequence(still(1.0) + still(1.0, trunk_flexion_deg=40), image_only=True)
    vis = np.ones_like(seq.visibility)
    vis[:, [LM.LEFT_ELBOW, LM.LEFT_WRIST, LM.LEFT_INDEX, LM.LEFT_PINKY, LM.LEFT_THUMB]] = 0.1
    a = analyze(replace(seq, visibility=vis), DEFAULTS)
    c = a.measures.conf
    arms = [min(c[u][-1], c[e][-1]) for u, e in REBA_ARMS]
    assert min(arms) < DEFAULTS.view.min_confidence <= max(arms)
    assert frames_table(a)["reba_conf"][-1] >= DEFAULTS.view.min_confidence


def test_a_seated_worker_whose_shins_are_hidden_is_scored_seated() -> None:
    """Behind a cabinet the knees' angle is unknown: the hips flexed 90 deg with the trunk
    upright still say sitting, and REBA's legs (1 for sitting) do not wait for the knees."""
    sit = synthetic.angles(yaw_deg=70, hip_flexion_deg=90, knee_flexion_deg=90)
    seq = synthetic.sequence([sit] * 60)
    vis = seq.visibility.copy()
    shins = [LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_HEEL, LM.RIGHT_HEEL]
    vis[:, [*shins, LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX]] = 0.0
    a = analyze(replace(seq, visibility=vis), DEFAULTS)
    assert np.isnan(a.measures["knee_flexion_deg"]).all()
    assert a.context.seated.all()
    assert np.all(frames_table(a)["reba_conf"] >= DEFAULTS.view.min_confidence)


def test_a_long_recording_is_scored_in_blocks_with_the_same_results(monkeypatch) -> None:
    # the scores needed only for their final score and level (the load's other cases) are
    # computed a block of frames at a time: each frame's score is its own, so blocks of 7
    # frames give exactly what the whole clip gives, strings' widths included
    import posture.assess.scores as scores

    frames = (
        still(0.5)
        + still(0.6, trunk_flexion_deg=70, knee_flexion_deg=20)
        + still(0.4, trunk_flexion_deg=35, trunk_twist_deg=30, upper_arm_flexion_deg=100)
        + still(0.5, trunk_flexion_deg=10, knee_flexion_deg=100)
    )
    settings = override(DEFAULTS, {"task": {"load_kg": 12.0}})
    whole = frames_table(analyze(synthetic.sequence(frames), settings))
    monkeypatch.setattr(scores, "SCORE_BLOCK_FRAMES", 7)
    blocks = frames_table(analyze(synthetic.sequence(frames), settings))
    for column in ("reba_score", "reba_level", "rula_score", "rula_level"):
        a, b = np.asarray(whole[column]), np.asarray(blocks[column])
        assert a.dtype == b.dtype
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), column
    assert len(set(np.asarray(whole["rula_level"]).tolist())) > 1  # not one value throughout


def test_a_recordings_reba_and_rula_breakdowns_are_held_as_float32_with_the_same_values() -> None:
    """Whole numbers and NaN, exactly, in half the memory (``held``)."""
    from posture.assess.scores import held
    from posture.scoring import RebaInputs, reba

    trunk = np.array([0.0, 30.0, 70.0, np.nan])
    full = reba(RebaInputs(trunk_flexion_deg=trunk))
    kept = held(full)
    for name in ("trunk", "table_a", "score_a", "final"):
        assert getattr(kept, name).dtype == np.float32
        np.testing.assert_array_equal(getattr(kept, name), getattr(full, name))
    assert kept.left.final.dtype == np.float32
    np.testing.assert_array_equal(kept.left.final, full.left.final)
    assert list(kept.level) == list(full.level) and kept.coupling == full.coupling
