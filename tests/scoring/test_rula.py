"""RULA: every band edge, every table cell, adjustments, force, worked examples, mirror, properties.

The published Tables A, B and C of McAtamney & Corlett (1993) are written out below as flat rows,
independently of posture/data/scoring/rula.toml: a typo in either fails here.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posture.core.errors import InputError
from posture.scoring import RulaInputs, RulaResult, load_rula_tables, rula

# Table A, one row per (upper arm, lower arm): wrist 1..4, each wrist twist 1 then 2.
PUBLISHED_A = {
    (1, 1): [1, 2, 2, 2, 2, 3, 3, 3],
    (1, 2): [2, 2, 2, 2, 3, 3, 3, 3],
    (1, 3): [2, 3, 3, 3, 3, 3, 4, 4],
    (2, 1): [2, 3, 3, 3, 3, 4, 4, 4],
    (2, 2): [3, 3, 3, 3, 3, 4, 4, 4],
    (2, 3): [3, 4, 4, 4, 4, 4, 5, 5],
    (3, 1): [3, 3, 4, 4, 4, 4, 5, 5],
    (3, 2): [3, 4, 4, 4, 4, 4, 5, 5],
    (3, 3): [4, 4, 4, 4, 4, 5, 5, 5],
    (4, 1): [4, 4, 4, 4, 4, 5, 5, 5],
    (4, 2): [4, 4, 4, 4, 4, 5, 5, 5],
    (4, 3): [4, 4, 4, 5, 5, 5, 6, 6],
    (5, 1): [5, 5, 5, 5, 5, 6, 6, 7],
    (5, 2): [5, 6, 6, 6, 6, 7, 7, 7],
    (5, 3): [6, 6, 6, 7, 7, 7, 7, 8],
    (6, 1): [7, 7, 7, 7, 7, 8, 8, 9],
    (6, 2): [8, 8, 8, 8, 8, 9, 9, 9],
    (6, 3): [9, 9, 9, 9, 9, 9, 9, 9],
}
# Table B, one row per neck: trunk 1..6, each legs 1 then 2.
PUBLISHED_B = {
    1: [1, 3, 2, 3, 3, 4, 5, 5, 6, 6, 7, 7],
    2: [2, 3, 2, 3, 4, 5, 5, 5, 6, 7, 7, 7],
    3: [3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 7],
    4: [5, 5, 5, 6, 6, 7, 7, 7, 7, 7, 8, 8],
    5: [7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8],
    6: [8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9],
}
# Table C (grand score): score C 1..8+ by score D 1..7+.
PUBLISHED_C = [
    [1, 2, 3, 3, 4, 5, 5],
    [2, 2, 3, 4, 4, 5, 5],
    [3, 3, 3, 4, 4, 5, 6],
    [3, 3, 3, 4, 5, 6, 6],
    [4, 4, 4, 5, 6, 7, 7],
    [4, 4, 5, 6, 6, 7, 7],
    [5, 5, 6, 6, 7, 7, 7],
    [5, 5, 6, 7, 7, 7, 7],
]

NEUTRAL = {  # fully known, every sub-score 1
    "neck_flexion_deg": 5.0,
    "upper_arm_flexion_left_deg": 0.0,
    "upper_arm_flexion_right_deg": 0.0,
    "elbow_flexion_left_deg": 80.0,
    "elbow_flexion_right_deg": 80.0,
    "wrist_flexion_left_deg": 0.0,
    "wrist_flexion_right_deg": 0.0,
}


def score(trunk: Any = 0.0, **kw: Any) -> RulaResult:
    t = np.atleast_1d(np.asarray(trunk, dtype=float))
    return rula(RulaInputs(trunk_flexion_deg=t, **{**NEUTRAL, **kw}))


# ---------------------------------------------------------------------------------------------
# every cell of the published tables
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("upper", "lower", "wrist", "twist"),
    list(itertools.product(range(1, 7), range(1, 4), range(1, 5), range(1, 3))),
)
def test_table_a_cell_matches_the_published_table(
    upper: int, lower: int, wrist: int, twist: int
) -> None:
    expected = PUBLISHED_A[(upper, lower)][2 * (wrist - 1) + twist - 1]
    assert load_rula_tables().table_a[upper - 1, lower - 1, wrist - 1, twist - 1] == expected


@pytest.mark.parametrize(
    ("neck", "trunk", "legs"), list(itertools.product(range(1, 7), range(1, 7), range(1, 3)))
)
def test_table_b_cell_matches_the_published_table(neck: int, trunk: int, legs: int) -> None:
    expected = PUBLISHED_B[neck][2 * (trunk - 1) + legs - 1]
    assert load_rula_tables().table_b[neck - 1, trunk - 1, legs - 1] == expected


@pytest.mark.parametrize(("c", "d"), list(itertools.product(range(1, 9), range(1, 8))))
def test_table_c_cell_matches_the_published_table(c: int, d: int) -> None:
    assert load_rula_tables().table_c[c - 1, d - 1] == PUBLISHED_C[c - 1][d - 1]


def test_scores_beyond_the_table_use_its_8_plus_and_7_plus_rows() -> None:
    r = score(
        trunk=70.0,
        trunk_twisted=True,
        trunk_side_bent=True,  # trunk 6
        neck_flexion_deg=-20.0,
        neck_twisted=True,
        neck_side_bent=True,  # neck 6
        legs_supported=False,  # legs 2 -> table B 9
        upper_arm_flexion_left_deg=100.0,
        shoulder_raised_left=True,
        arm_abducted_left=True,  # upper arm 6
        elbow_flexion_left_deg=30.0,
        arm_across_midline_left=True,  # lower arm 3
        wrist_flexion_left_deg=30.0,
        wrist_deviated_left=True,  # wrist 4
        wrist_twist_end_of_range_left=True,  # twist 2 -> table A 9
        static_hold=True,
        load_kg=12.0,
        load_static_or_repeated=True,
    )
    assert (r.left.table_a[0], r.table_b[0]) == (9, 9)
    assert (r.left.score_c[0], r.score_d[0]) == (13, 13)  # read as 8+ and 7+
    assert (r.final[0], r.level[0]) == (7, "change_now")


# ---------------------------------------------------------------------------------------------
# every band edge (the worksheet's score written in the test)
# ---------------------------------------------------------------------------------------------
UPPER_ARM = [
    (-45, 2),
    (-20.1, 2),
    (-20, 1),
    (0, 1),
    (20, 1),
    (20.1, 2),
    (45, 2),
    (45.1, 3),
    (90, 3),
    (90.1, 4),
    (170, 4),
]
ELBOW = [(0, 2), (59.9, 2), (60, 1), (80, 1), (100, 1), (100.1, 2), (150, 2)]
WRIST = [
    (0, 1),
    (4.9, 1),
    (-4.9, 1),
    (5, 2),
    (-5, 2),
    (15, 2),
    (-15, 2),
    (15.1, 3),
    (-15.1, 3),
    (40, 3),
]
NECK = [(0, 1), (10, 1), (10.1, 2), (20, 2), (20.1, 3), (45, 3), (-4.9, 1), (-5, 4), (-20, 4)]
TRUNK = [
    (0, 1),
    (4.9, 1),
    (5, 2),
    (19.9, 2),
    (20, 2),
    (20.1, 3),
    (60, 3),
    (60.1, 4),
    (100, 4),
    (-4.9, 1),
    (-5, 2),
    (-30, 2),
]
FORCE_INTERMITTENT = [(0, 0), (1.99, 0), (2, 1), (6, 1), (10, 1), (10.01, 2), (25, 2)]
FORCE_STATIC = [(0, 0), (1.99, 0), (2, 2), (6, 2), (10, 2), (10.01, 3), (25, 3)]


@pytest.mark.parametrize(("deg", "expected"), UPPER_ARM)
def test_upper_arm_band_edges(deg: float, expected: int) -> None:
    assert score(upper_arm_flexion_right_deg=deg).right.upper_arm[0] == expected


@pytest.mark.parametrize(("deg", "expected"), ELBOW)
def test_lower_arm_band_edges(deg: float, expected: int) -> None:
    assert score(elbow_flexion_left_deg=deg).left.lower_arm[0] == expected


@pytest.mark.parametrize(("deg", "expected"), WRIST)
def test_wrist_band_edges(deg: float, expected: int) -> None:
    assert score(wrist_flexion_right_deg=deg).right.wrist[0] == expected


@pytest.mark.parametrize(("deg", "expected"), NECK)
def test_neck_band_edges(deg: float, expected: int) -> None:
    assert score(neck_flexion_deg=deg).neck[0] == expected


@pytest.mark.parametrize(("deg", "expected"), TRUNK)
def test_trunk_band_edges(deg: float, expected: int) -> None:
    assert score(trunk=deg).trunk[0] == expected


@pytest.mark.parametrize(("kg", "expected"), FORCE_INTERMITTENT)
def test_force_band_edges_intermittent(kg: float, expected: int) -> None:
    assert score(load_kg=kg).force[0] == expected


@pytest.mark.parametrize(("kg", "expected"), FORCE_STATIC)
def test_force_band_edges_static_or_repeated(kg: float, expected: int) -> None:
    assert score(load_kg=kg, load_static_or_repeated=True).force[0] == expected


@pytest.mark.parametrize(
    ("grand", "level"),
    [(1, "acceptable"), (2, "acceptable"), (3, "investigate"), (4, "investigate"),
     (5, "change_soon"), (6, "change_soon"), (7, "change_now")],
)  # fmt: skip
def test_action_level_edges(grand: int, level: str) -> None:
    assert load_rula_tables().levels.of([grand])[0] == level


# ---------------------------------------------------------------------------------------------
# adjustments, muscle use and force
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("twisted", "side_bent", "add"), [(0, 0, 0), (1, 0, 1), (0, 1, 1), (1, 1, 2)]
)
def test_neck_and_trunk_add_one_each_for_twist_and_side_bend(
    twisted: int, side_bent: int, add: int
) -> None:
    r = score(
        trunk=40.0,
        neck_flexion_deg=15.0,
        trunk_twisted=bool(twisted),
        trunk_side_bent=bool(side_bent),
        neck_twisted=bool(twisted),
        neck_side_bent=bool(side_bent),
    )
    assert (r.trunk[0], r.neck[0]) == (3 + add, 2 + add)


def test_a_seated_supported_trunk_scores_one_even_when_its_angle_is_unknown() -> None:
    r = score(trunk=[40.0, np.nan, np.nan], seated_supported=np.array([True, True, False]))
    assert r.trunk[:2].tolist() == [1, 1] and np.isnan(r.trunk[2])
    assert not np.isnan(r.final[1]) and r.level[2] == "unknown"


def test_unsupported_legs_score_two() -> None:
    assert score(legs_supported=False).legs[0] == 2


@pytest.mark.parametrize(
    ("field", "value", "attr", "expected"),
    [
        ("shoulder_raised_left", True, "upper_arm", 2),
        ("arm_abducted_left", True, "upper_arm", 2),
        ("arm_supported_left", True, "upper_arm", 1),  # never below 1
        ("arm_across_midline_left", True, "lower_arm", 2),
        ("wrist_deviated_left", True, "wrist", 2),
        ("wrist_twist_end_of_range_left", True, "wrist_twist", 2),
        ("wrist_twist_end_of_range_left", False, "wrist_twist", 1),
    ],
)
def test_group_a_adjustments(field: str, value: bool, attr: str, expected: int) -> None:
    r = score(**{field: value})
    assert getattr(r.left, attr)[0] == expected
    assert getattr(r.right, attr)[0] == 1  # the other side is untouched


@pytest.mark.parametrize(
    ("static", "repeated", "muscle"), [(0, 0, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)]
)
def test_muscle_use_adds_one_to_both_groups(static: int, repeated: int, muscle: int) -> None:
    r = score(static_hold=bool(static), repeated=bool(repeated))
    assert r.muscle_use[0] == muscle
    assert r.left.score_c[0] == r.left.table_a[0] + muscle
    assert r.score_d[0] == r.table_b[0] + muscle


def test_force_paper_text_mcatamney_corlett_1993_p94() -> None:
    """ "2-10 kg static or repeated the score is 2. The score is also 2 if the load is intermittent
    but more than 10 kg ... more than 10 kg ... statically or repeatedly, the score is 3. If a load
    or force of any magnitude is experienced with rapid build-up or a jolting action the score is
    also 3." """
    assert score(load_kg=6, load_static_or_repeated=True).force[0] == 2
    assert score(load_kg=15).force[0] == 2
    assert score(load_kg=15, load_static_or_repeated=True).force[0] == 3
    assert score(load_kg=0.5, shock=True).force[0] == 3


# ---------------------------------------------------------------------------------------------
# unknown inputs
# ---------------------------------------------------------------------------------------------
def test_unknown_trunk_gives_no_score() -> None:
    r = score(trunk=[np.nan, 0.0])
    assert np.isnan(r.final[0]) and r.level.tolist() == ["unknown", "acceptable"]


def test_unknown_angles_are_assumed_neutral_and_flagged() -> None:
    r = score(
        trunk=[0.0, 0.0], neck_flexion_deg=[np.nan, 30.0], elbow_flexion_right_deg=[30.0, np.nan]
    )
    assert r.neck.tolist() == [1, 3] and r.right.lower_arm.tolist() == [2, 1]
    assert r.assumed.tolist() == [True, True]
    assert r.left.assumed.tolist() == [True, False]  # the neck is shared, the elbow is not
    assert set(r.assumptions) == {"neck_flexion_deg", "elbow_flexion_right_deg"}


def test_a_fully_known_frame_assumes_nothing() -> None:
    assert not score(trunk=[0.0, 45.0]).assumed.any()


# ---------------------------------------------------------------------------------------------
# worked examples
# ---------------------------------------------------------------------------------------------
def test_worked_example_published_case_study() -> None:
    """RULA case study (text at th4.ilovetranslation.com/DsSxNUJLbj6=d and /quGn8IdUhfL=d): upper
    arm 2, shoulder raised +1, arm abducted +1 -> 4; trunk 3, twisted +1, side-bent +1 -> 5;
    standing on both legs -> 1; "by using table B ... the score of Posture B ... is 6". The neck
    score is not in the text; Table B gives 6 for each of necks 1 to 3, so all three are checked."""
    for neck_deg in (5.0, 15.0, 30.0):  # necks 1, 2, 3
        r = score(
            trunk=40.0,
            trunk_twisted=True,
            trunk_side_bent=True,
            neck_flexion_deg=neck_deg,
            upper_arm_flexion_left_deg=30.0,
            shoulder_raised_left=True,
            arm_abducted_left=True,
        )
        assert (r.left.upper_arm[0], r.trunk[0], r.legs[0], r.table_b[0]) == (4, 5, 1, 6)


def test_worked_example_grand_scores_1_and_2_need_groups_of_2_or_less() -> None:
    """McAtamney & Corlett (1993), p. 95 (text at th4.ilovetranslation.com/vCKe8TzaeWW=d): "For a
    grand score of 1 or 2, the working posture would have scored 2 or less for both body segment
    groups A and B, and the scores for muscle use and force would be 0." """
    tc = load_rula_tables().table_c
    for c, d in itertools.product(range(1, 9), range(1, 8)):
        assert (tc[c - 1, d - 1] <= 2) == (c <= 2 and d <= 2), (c, d)
    assert score(trunk=0.0).final[0] == 1  # a neutral posture, no muscle use or force
    # (Table C itself allows a grand score of 2 with muscle use when both postures score 1.)
    assert score(trunk=0.0, static_hold=True).final[0] == 2
    assert score(trunk=0.0, static_hold=True, load_kg=5.0).final[0] == 3


# ---------------------------------------------------------------------------------------------
# mirror, batches and properties
# ---------------------------------------------------------------------------------------------
angles = st.one_of(st.floats(-60, 180), st.just(float("nan")))
SIDE_FIELDS = [f.name for f in dataclasses.fields(RulaInputs) if "_left" in f.name]


@st.composite
def postures(draw: st.DrawFn, n: int = 1) -> dict[str, Any]:
    """Random RULA inputs (all fields) for ``n`` frames, trunk known."""
    trunk = draw(st.lists(st.floats(-60, 150), min_size=n, max_size=n))
    kw: dict[str, Any] = {"trunk_flexion_deg": np.array(trunk)}
    for f in dataclasses.fields(RulaInputs):
        if f.name == "trunk_flexion_deg" or not f.init or f.default is not None:
            continue
        strategy = angles if f.name.endswith("_deg") else st.booleans()
        kw[f.name] = np.array(draw(st.lists(strategy, min_size=n, max_size=n)))
    kw["load_kg"] = draw(st.floats(0, 30))
    kw["load_static_or_repeated"] = draw(st.booleans())
    kw["shock"] = draw(st.booleans())
    return kw


def mirrored(kw: dict[str, Any]) -> dict[str, Any]:
    out = dict(kw)
    for left in SIDE_FIELDS:
        right = left.replace("_left", "_right")
        out[left], out[right] = kw[right], kw[left]
    return out


@settings(max_examples=200, deadline=None)
@given(postures(n=5))
def test_mirroring_left_and_right_keeps_the_score(kw: dict[str, Any]) -> None:
    r, m = rula(RulaInputs(**kw)), rula(RulaInputs(**mirrored(kw)))
    np.testing.assert_array_equal(r.final, m.final)
    np.testing.assert_array_equal(r.left.final, m.right.final)
    swap = {"left": "right", "right": "left", "both": "both", "unknown": "unknown"}
    assert [swap[s] for s in r.worse_side] == m.worse_side.tolist()


@settings(max_examples=100, deadline=None)
@given(postures(n=4))
def test_a_batch_scores_like_its_frames_one_by_one(kw: dict[str, Any]) -> None:
    whole = rula(RulaInputs(**kw))
    for i in range(4):
        one = {k: (v[i : i + 1] if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        single = rula(RulaInputs(**one))
        assert single.final[0] == whole.final[i] and single.level[0] == whole.level[i]


@settings(max_examples=300, deadline=None)
@given(postures(n=1), st.floats(0, 180), st.floats(0, 180))
def test_score_never_decreases_as_trunk_flexion_grows(
    kw: dict[str, Any], a: float, b: float
) -> None:
    lo, hi = sorted((a, b))
    frames = {k: (np.repeat(v, 2) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    frames["trunk_flexion_deg"] = [lo, hi]
    r = rula(RulaInputs(**frames))
    assert r.final[0] <= r.final[1]


@settings(max_examples=200, deadline=None)
@given(postures(n=3))
def test_grand_scores_stay_between_1_and_7(kw: dict[str, Any]) -> None:
    final = rula(RulaInputs(**kw)).final
    assert np.all((final >= 1) & (final <= 7))


def test_bad_inputs_raise_an_input_error() -> None:
    with pytest.raises(InputError, match="shape"):
        RulaInputs(trunk_flexion_deg=[0.0], wrist_flexion_left_deg=[1.0, 2.0])
    with pytest.raises(InputError, match="load_kg"):
        RulaInputs(trunk_flexion_deg=[0.0], load_kg=-2.0)
