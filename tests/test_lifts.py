"""Lift events on synthetic lifts built from known joint angles (posture.synthetic)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture import synthetic
from posture.assess.analysis import analyze
from posture.assess.lifts import classify, detect_lifts, lift_rate
from posture.assess.tables import lifts_table
from posture.core.config import DEFAULTS, override

SIDE = 90.0  # the synthetic person faces the image's right: a side view


@pytest.fixture(scope="module")
def stoop():
    return analyze(synthetic.synthetic_lift("stoop", yaw_deg=SIDE), DEFAULTS)


@pytest.fixture(scope="module")
def squat():
    return analyze(synthetic.synthetic_lift("squat", yaw_deg=SIDE), DEFAULTS)


@pytest.mark.parametrize(
    ("style", "expected"),
    [("stoop", "stoop"), ("squat", "squat")],
)
@pytest.mark.parametrize("path", ["world", "fused", "image"])
def test_one_lift_of_the_built_style_is_found(style: str, expected: str, path: str) -> None:
    seq = synthetic.synthetic_lift(
        style, yaw_deg=SIDE, world_only=path == "world", image_only=path == "image"
    )
    a = analyze(seq, DEFAULTS)
    assert len(a.lifts) == 1
    assert a.lifts[0].style == expected


def test_the_lowest_point_is_where_the_hands_are_lowest(stoop) -> None:
    lift = stoop.lifts[0]
    hands = stoop.measures["hand_height_cm"]
    assert hands[lift.lowest_row] == pytest.approx(np.nanmin(hands), abs=2.0)
    assert lift.start_s < lift.lowest_s < lift.end_s
    # the synthetic stoop bends the trunk to 80 deg with knees at 15
    assert lift.trunk_flexion_at_lowest_deg == pytest.approx(80, abs=3)
    assert lift.knee_flexion_at_lowest_deg == pytest.approx(15, abs=3)


def test_origin_is_low_and_destination_high(squat) -> None:
    lift = squat.lifts[0]
    assert lift.origin_hand_height_cm < 60
    assert lift.destination_hand_height_cm > lift.origin_hand_height_cm + 30
    assert not lift.partial


def test_standing_still_is_no_lift() -> None:
    frames = [synthetic.angles(yaw_deg=SIDE)] * 90
    a = analyze(synthetic.sequence(frames), DEFAULTS)
    assert a.lifts == []


def test_arms_swinging_without_bending_is_no_lift() -> None:
    # the hands go down 50 cm and back (arm flexion 90 -> 0 -> 90), the body stays upright
    arm = np.concatenate([np.linspace(90, 0, 30), np.linspace(0, 90, 30)])
    frames = [synthetic.angles(yaw_deg=SIDE, upper_arm_flexion_deg=float(v)) for v in arm]
    a = analyze(synthetic.sequence([frames[0]] * 30 + frames + [frames[-1]] * 30), DEFAULTS)
    assert a.lifts == []


def test_a_twist_while_placing_the_load_is_twisting_under_load() -> None:
    a = analyze(synthetic.synthetic_lift("squat", yaw_deg=45, twist_deg=40), DEFAULTS)
    assert len(a.lifts) == 1
    assert a.lifts[0].twisting_under_load
    assert a.lifts[0].peak_twist_deg == pytest.approx(40, abs=5)


def test_a_clip_that_starts_at_the_bottom_counts_the_lift_as_partial(squat) -> None:
    low = squat.lifts[0].lowest_row
    cut = analyze(squat.raw.slice(low, squat.n_frames), DEFAULTS)
    assert len(cut.lifts) == 1
    assert cut.lifts[0].partial
    assert cut.lifts[0].start_row == 0


@pytest.mark.parametrize(
    ("trunk", "knee", "style"),
    [
        (35, 100, "squat"),  # knees past 90, trunk under 60
        (35, 90, "squat"),  # the squat edge
        (35, 89.9, "semi_squat"),
        (80, 15, "stoop"),  # knees under 45, trunk past 45
        (45, 44.9, "stoop"),
        (44.9, 44.9, "semi_squat"),  # trunk under the stoop edge
        (60, 80, "stoop"),  # the back lifts: trunk past 60, knees under 90
        (59.9, 80, "semi_squat"),
        (65, 95, "semi_squat"),  # deep knees and a deep trunk
        (70, float("nan"), "stoop"),  # knees not seen: the trunk alone tells a stoop
        (30, float("nan"), "unknown"),
    ],
)
def test_style_band_edges(trunk: float, knee: float, style: str) -> None:
    assert classify(trunk, knee, DEFAULTS) == style


def test_style_thresholds_come_from_the_settings() -> None:
    s = override(DEFAULTS, {"lifts": {"squat_knee_deg": 120.0}})
    assert classify(35, 100, s) == "semi_squat"


def test_lift_rate_counts_lifts_ending_in_the_trailing_window(stoop) -> None:
    lifts = [replace(stoop.lifts[0], end_s=e) for e in (10.0, 20.0, 30.0, 75.0)]
    t = np.array([5.0, 10.0, 29.9, 30.0, 70.0, 75.0, 91.0])
    per_min = lift_rate(lifts, t, window_s=60.0)
    # the window is (t - 60, t]: at t = 70 the lift ending at 10 has left it
    assert per_min.tolist() == [0.0, 1.0, 2.0, 3.0, 2.0, 3.0, 1.0]


def test_the_load_is_in_the_hands_from_pick_up_to_put_down(stoop) -> None:
    lift = stoop.lifts[0]
    inside = stoop.context.in_lift
    assert inside[lift.lowest_row : lift.end_row + 1].all()
    assert not inside[: lift.lowest_row].any()  # the reach down is empty-handed
    assert not inside[lift.end_row + 1 :].any()


class _AtLowest:
    """The measures ``bends_at`` reads at one lowest point: value and confidence of each."""

    def __init__(self, **values: tuple[float, float]) -> None:
        self._v = {k: np.array([v]) for k, (v, _) in values.items()}
        self.conf = {k: np.array([c]) for k, (_, c) in values.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        return self._v[name]


@pytest.mark.parametrize(
    ("trunk", "knee", "hand_cm", "bent"),
    [
        ((5.0, 0.9), (50.0, 0.9), 70.0, True),  # knees bent, seen: a lift from mid height
        ((25.0, 0.9), (5.0, 0.9), 70.0, True),  # trunk bent, seen
        ((5.0, 0.9), (10.0, 0.9), 70.0, False),  # both seen, neither bent: the hands swung
        # a front view of a jumping jack: knee angle unseen (0.3), hands by the thighs
        ((5.0, 0.2), (52.0, 0.3), 66.0, False),
        ((5.0, 0.2), (52.0, 0.3), 40.0, True),  # unseen bend, but the hands reach down
        ((5.0, 0.2), (10.0, 0.3), 40.0, False),  # nothing bent at all
    ],
)
def test_a_bend_the_view_cannot_see_needs_the_hands_to_reach_down(
    trunk: tuple[float, float], knee: tuple[float, float], hand_cm: float, bent: bool
) -> None:
    from posture.assess.lifts import REACH_DOWN_CM, bends_at

    assert (hand_cm < REACH_DOWN_CM) == (hand_cm == 40.0)
    m = _AtLowest(trunk_flexion_deg=trunk, knee_flexion_deg=knee, hand_height_cm=(hand_cm, 1.0))
    assert bends_at(m, 0, DEFAULTS) is bent  # type: ignore[arg-type]


def test_overlapping_dips_meet_at_the_highest_point_between_them() -> None:
    from posture.assess.lift_finder import LiftFinder

    # two dips in one movement: the first carry would run into the second descent
    s = override(DEFAULTS, {"lifts": {"min_duration_s": 0.0}}).lifts
    signal = np.r_[np.linspace(90, 30, 10), np.linspace(30, 80, 10), np.linspace(80, 20, 10)]
    signal = np.r_[signal, np.linspace(20, 90, 10), np.full(10, 90.0)]
    finder = LiftFinder(s, drop=25.0, keep=lambda low: True)
    for i, x in enumerate(signal):
        finder.push(i, i / 10, float(x))
    finder.close()
    first, second = finder.dips
    top = 19  # the highest point between the two lowest points
    assert (first.low, second.low) == (9, 29)
    assert first.end == second.start == top


@pytest.mark.parametrize("yaw_deg", [90.0, 45.0])
def test_one_hand_reaching_far_below_the_other_is_a_one_handed_lift_niosh_refuses(
    yaw_deg: float,
) -> None:
    one = analyze(synthetic.synthetic_lift("stoop", one_handed=True, yaw_deg=yaw_deg), DEFAULTS)
    two = analyze(synthetic.synthetic_lift("stoop", yaw_deg=yaw_deg), DEFAULTS)
    (lift,), (both,) = one.lifts, two.lifts
    low = one.measures["hand_height_difference_cm"][lift.lowest_row]
    assert low > 40  # the free hand stays by the thigh
    assert two.measures["hand_height_difference_cm"][both.lowest_row] < 2
    assert lift.one_handed and not both.one_handed
    (score,) = one.lift_scores
    assert score.not_applicable == ("a one-handed lift: the equation covers two-handed lifts only",)
    assert score.rwl_origin_kg is None
    assert two.lift_scores[0].not_applicable == ()
    assert lifts_table(one)["one_handed"] == [1] and lifts_table(two)["one_handed"] == [0]


def test_the_one_hand_threshold_comes_from_the_settings() -> None:
    seq = synthetic.synthetic_lift("stoop", one_handed=True)
    loose = override(DEFAULTS, {"lifts": {"one_hand_height_cm": 60.0}})
    assert not analyze(seq, loose).lifts[0].one_handed


def test_a_frame_without_the_person_gives_the_lift_finder_no_sample() -> None:
    """As in a stream: the landmarks cleaning held or filled where the pose model found nobody
    are no evidence of a movement (the finder bridges a short gap itself)."""
    a = analyze(synthetic.synthetic_lift("squat"), DEFAULTS)
    assert len(detect_lifts(a.measures, DEFAULTS, np.ones(a.n_frames, bool))) == 1
    assert detect_lifts(a.measures, DEFAULTS, np.zeros(a.n_frames, bool)) == []
