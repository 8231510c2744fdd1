"""REBA: every band edge, every table cell, the adjustments, worked examples, mirror, properties.

The published tables are written out below in the layout of Hignett & McAtamney (2000), Tables
A-C (Table A by neck / legs / trunk, Table B by lower arm / wrist / upper arm), independently of
posture/data/scoring/reba.toml, which uses the worksheet's layout: a typo in either fails here.
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
from posture.scoring import RebaInputs, RebaResult, load_reba_tables, reba

# Hignett & McAtamney (2000), Table A: [neck][legs][trunk].
PUBLISHED_A = [
    [[1, 2, 2, 3, 4], [2, 3, 4, 5, 6], [3, 4, 5, 6, 7], [4, 5, 6, 7, 8]],
    [[1, 3, 4, 5, 6], [2, 4, 5, 6, 7], [3, 5, 6, 7, 8], [4, 6, 7, 8, 9]],
    [[3, 4, 5, 6, 7], [3, 5, 6, 7, 8], [5, 6, 7, 8, 9], [6, 7, 8, 9, 9]],
]
# Table B: [lower arm][wrist][upper arm].
PUBLISHED_B = [
    [[1, 1, 3, 4, 6, 7], [2, 2, 4, 5, 7, 8], [2, 3, 5, 5, 8, 8]],
    [[1, 2, 4, 5, 7, 8], [2, 3, 5, 6, 8, 9], [3, 4, 5, 7, 8, 9]],
]
# Table C: [score A][score B].
PUBLISHED_C = [
    [1, 1, 1, 2, 3, 3, 4, 5, 6, 7, 7, 7],
    [1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 7, 8],
    [2, 3, 3, 3, 4, 5, 6, 7, 7, 8, 8, 8],
    [3, 4, 4, 4, 5, 6, 7, 8, 8, 9, 9, 9],
    [4, 4, 4, 5, 6, 7, 8, 8, 9, 9, 9, 9],
    [6, 6, 6, 7, 8, 8, 9, 9, 10, 10, 10, 10],
    [7, 7, 7, 8, 9, 9, 9, 10, 10, 11, 11, 11],
    [8, 8, 8, 9, 10, 10, 10, 10, 10, 11, 11, 11],
    [9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12],
    [10, 10, 10, 11, 11, 11, 11, 12, 12, 12, 12, 12],
    [11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12],
    [12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12],
]

NEUTRAL = {  # a fully known, neutral posture: every sub-score 1, nothing assumed
    "neck_flexion_deg": 10.0,
    "knee_flexion_left_deg": 0.0,
    "knee_flexion_right_deg": 0.0,
    "upper_arm_flexion_left_deg": 0.0,
    "upper_arm_flexion_right_deg": 0.0,
    "elbow_flexion_left_deg": 80.0,
    "elbow_flexion_right_deg": 80.0,
    "wrist_flexion_left_deg": 0.0,
    "wrist_flexion_right_deg": 0.0,
}


def score(trunk: Any = 0.0, **kw: Any) -> RebaResult:
    """REBA of frames with the neutral posture, changed by ``kw``."""
    t = np.atleast_1d(np.asarray(trunk, dtype=float))
    return reba(RebaInputs(trunk_flexion_deg=t, **{**NEUTRAL, **kw}))


# ---------------------------------------------------------------------------------------------
# every cell of the published tables
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trunk", "neck", "legs"), list(itertools.product(range(1, 6), range(1, 4), range(1, 5)))
)
def test_table_a_cell_matches_the_published_table(trunk: int, neck: int, legs: int) -> None:
    expected = PUBLISHED_A[neck - 1][legs - 1][trunk - 1]
    assert load_reba_tables().table_a[trunk - 1, neck - 1, legs - 1] == expected


@pytest.mark.parametrize(
    ("upper", "lower", "wrist"), list(itertools.product(range(1, 7), range(1, 3), range(1, 4)))
)
def test_table_b_cell_matches_the_published_table(upper: int, lower: int, wrist: int) -> None:
    expected = PUBLISHED_B[lower - 1][wrist - 1][upper - 1]
    assert load_reba_tables().table_b[upper - 1, lower - 1, wrist - 1] == expected


@pytest.mark.parametrize(("a", "b"), list(itertools.product(range(1, 13), range(1, 13))))
def test_table_c_cell_matches_the_published_table(a: int, b: int) -> None:
    assert load_reba_tables().table_c[a - 1, b - 1] == PUBLISHED_C[a - 1][b - 1]


def test_scoring_reads_table_a_for_every_combination_of_group_a_scores() -> None:
    # Postures realising every trunk / neck / legs score, all as frames of one call.
    trunk_deg = {1: (0, False), 2: (10, False), 3: (40, False), 4: (70, False), 5: (70, True)}
    neck_deg = {1: (10, False), 2: (30, False), 3: (30, True)}
    legs = {1: (True, 0), 2: (True, 45), 3: (True, 70), 4: (False, 70)}
    combos = list(itertools.product(trunk_deg, neck_deg, legs))
    col = list(zip(*[(*trunk_deg[t], *neck_deg[n], *legs[g]) for t, n, g in combos], strict=True))
    r = score(
        trunk=col[0],
        trunk_twisted=np.array(col[1]),
        neck_flexion_deg=col[2],
        neck_side_bent=np.array(col[3]),
        legs_bilateral_support=np.array(col[4]),
        knee_flexion_left_deg=col[5],
    )
    assert r.trunk.tolist() == [t for t, _, _ in combos]
    assert r.neck.tolist() == [n for _, n, _ in combos]
    assert r.legs.tolist() == [g for _, _, g in combos]
    assert r.table_a.tolist() == [PUBLISHED_A[n - 1][g - 1][t - 1] for t, n, g in combos]


# ---------------------------------------------------------------------------------------------
# every band edge (the worksheet's score written in the test)
# ---------------------------------------------------------------------------------------------
TRUNK = [
    (0, 1),
    (4.9, 1),
    (-4.9, 1),
    (5, 2),
    (-5, 2),
    (19.9, 2),
    (20, 2),
    (20.1, 3),
    (59.9, 3),
    (60, 3),
    (60.1, 4),
    (100, 4),
    (-19.9, 2),
    (-20, 2),
    (-20.1, 3),
    (-50, 3),
]
NECK = [(0, 1), (10, 1), (19.9, 1), (20, 1), (20.1, 2), (50, 2), (-4.9, 1), (-5, 2), (-30, 2)]
KNEE = [(0, 1), (29.9, 1), (30, 2), (45, 2), (60, 2), (60.1, 3), (120, 3)]
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
WRIST = [(-40, 2), (-15.1, 2), (-15, 1), (0, 1), (15, 1), (15.1, 2), (40, 2)]
LOAD = [(0, 0), (4.99, 0), (5, 1), (7.5, 1), (10, 1), (10.01, 2), (30, 2)]


@pytest.mark.parametrize(("deg", "expected"), TRUNK)
def test_trunk_band_edges(deg: float, expected: int) -> None:
    assert score(trunk=deg).trunk[0] == expected


@pytest.mark.parametrize(("deg", "expected"), NECK)
def test_neck_band_edges(deg: float, expected: int) -> None:
    assert score(neck_flexion_deg=deg).neck[0] == expected


@pytest.mark.parametrize(("deg", "expected"), KNEE)
def test_knee_band_edges_add_to_bilateral_legs(deg: float, expected: int) -> None:
    assert score(knee_flexion_right_deg=deg).legs[0] == expected


@pytest.mark.parametrize(("deg", "expected"), UPPER_ARM)
def test_upper_arm_band_edges(deg: float, expected: int) -> None:
    assert score(upper_arm_flexion_left_deg=deg).left.upper_arm[0] == expected


@pytest.mark.parametrize(("deg", "expected"), ELBOW)
def test_lower_arm_band_edges(deg: float, expected: int) -> None:
    assert score(elbow_flexion_right_deg=deg).right.lower_arm[0] == expected


@pytest.mark.parametrize(("deg", "expected"), WRIST)
def test_wrist_band_edges(deg: float, expected: int) -> None:
    assert score(wrist_flexion_left_deg=deg).left.wrist[0] == expected


@pytest.mark.parametrize(("kg", "expected"), LOAD)
def test_load_band_edges(kg: float, expected: int) -> None:
    assert score(load_kg=kg).load[0] == expected


@pytest.mark.parametrize(
    ("final", "level"),
    [
        (1, "negligible"),
        (2, "low"),
        (3, "low"),
        (4, "medium"),
        (7, "medium"),
        (8, "high"),
        (10, "high"),
        (11, "very_high"),
        (15, "very_high"),
    ],
)
def test_action_level_edges(final: int, level: str) -> None:
    assert load_reba_tables().levels.of([final])[0] == level


# ---------------------------------------------------------------------------------------------
# adjustments
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("twisted", "side_bent", "add"), [(0, 0, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1)]
)
def test_trunk_and_neck_add_one_if_twisted_or_side_bent(
    twisted: int, side_bent: int, add: int
) -> None:
    r = score(
        trunk=40.0,
        trunk_twisted=bool(twisted),
        trunk_side_bent=bool(side_bent),
        neck_twisted=bool(twisted),
        neck_side_bent=bool(side_bent),
    )
    assert (r.trunk[0], r.neck[0]) == (3 + add, 1 + add)


def test_one_leg_scores_two_and_sitting_ignores_the_knees() -> None:
    assert score(legs_bilateral_support=False, knee_flexion_left_deg=45).legs[0] == 3
    assert score(seated=True, knee_flexion_left_deg=90).legs[0] == 1


@pytest.mark.parametrize(
    ("deg", "raised", "abducted", "supported", "expected"),
    [(0, 1, 0, 0, 2), (0, 0, 1, 0, 2), (100, 1, 1, 0, 6), (50, 0, 0, 1, 2), (0, 0, 0, 1, 1)],
)
def test_upper_arm_adjustments(
    deg: float, raised: int, abducted: int, supported: int, expected: int
) -> None:
    r = score(
        upper_arm_flexion_right_deg=deg,
        shoulder_raised_right=bool(raised),
        arm_abducted_right=bool(abducted),
        arm_supported_right=bool(supported),
    )
    assert r.right.upper_arm[0] == expected
    assert r.left.upper_arm[0] == 1  # the other side is untouched


def test_deviated_wrist_adds_one() -> None:
    assert score(wrist_flexion_left_deg=30, wrist_deviated_left=True).left.wrist[0] == 3


def test_shock_coupling_and_activity_add_to_their_scores() -> None:
    base = score()
    r = score(
        load_kg=12,
        shock=True,
        coupling="unacceptable",
        static_hold=True,
        repeated_small_range=True,
        rapid_large_change=True,
    )
    assert (r.load[0], r.coupling, r.activity[0]) == (3, 3, 3)
    assert r.score_a[0] == base.table_a[0] + 3
    assert r.left.score_b[0] == base.left.table_b[0] + 3
    assert r.final[0] == PUBLISHED_C[int(r.score_a[0]) - 1][int(r.left.score_b[0]) - 1] + 3


@pytest.mark.parametrize(
    ("coupling", "points"), [("good", 0), ("fair", 1), ("poor", 2), ("unacceptable", 3)]
)
def test_coupling_points(coupling: str, points: int) -> None:
    assert score(coupling=coupling).coupling == points


# ---------------------------------------------------------------------------------------------
# unknown inputs
# ---------------------------------------------------------------------------------------------
def test_unknown_trunk_gives_no_score_and_no_assumption() -> None:
    r = score(trunk=[np.nan, 10.0])
    assert np.isnan(r.final[0]) and r.level[0] == "unknown" and r.worse_side[0] == "unknown"
    assert r.final[1] == 1 and r.level[1] == "negligible"
    assert not r.assumed.any()


def test_a_fully_known_frame_assumes_nothing() -> None:
    r = score(trunk=[0.0, 30.0])
    assert not r.assumed.any() and dict(r.assumptions) == {}


def test_unknown_wrist_is_assumed_neutral_and_flagged() -> None:
    r = score(trunk=[0.0, 0.0], wrist_flexion_left_deg=[np.nan, 40.0])
    assert r.left.wrist.tolist() == [1, 2]
    assert r.assumed.tolist() == [True, False]
    assert r.left.assumed.tolist() == [True, False] and not r.right.assumed.any()
    assert r.assumptions["wrist_flexion_left_deg"].tolist() == [True, False]


def test_unset_inputs_are_assumed_in_every_frame() -> None:
    r = reba(RebaInputs(trunk_flexion_deg=[10.0, 30.0]))
    assert r.assumed.all()
    assert {"neck_flexion_deg", "wrist_flexion_left_deg", "elbow_flexion_right_deg"} <= set(
        r.assumptions
    )
    assert r.neck.tolist() == [1, 1] and r.right.lower_arm.tolist() == [1, 1]


@pytest.mark.parametrize("unknown", [float("nan"), None])
def test_unknown_load_is_assumed_zero_and_flagged(unknown: float | None) -> None:
    r = score(load_kg=unknown)
    assert r.load[0] == 0 and r.assumptions["load_kg"].all() and r.assumed.all()


def test_one_unknown_knee_uses_the_other_and_is_flagged() -> None:
    r = score(knee_flexion_left_deg=np.nan, knee_flexion_right_deg=70.0)
    assert r.legs[0] == 3 and r.assumed[0]


# ---------------------------------------------------------------------------------------------
# worked examples
# ---------------------------------------------------------------------------------------------
def test_worked_example_rs9000_ergonomics_readme() -> None:
    """github.com/rs9000/ergonomics, README "Test": pose left neck 2, trunk 2, legs 2, upper arm
    1, lower arm 2, wrist 3 -> A 4, B 3, C 4, REBA 4; pose right the same with wrist 2 -> B 2,
    C 4, REBA 4 (no load, good coupling, no activity). Angles chosen to give those sub-scores."""
    r = score(
        trunk=10.0,  # 0-20 flexion: 2
        neck_flexion_deg=30.0,  # > 20 flexion: 2
        knee_flexion_left_deg=45.0,  # both legs, knees 30-60: 1 + 1
        elbow_flexion_left_deg=30.0,  # < 60: 2
        elbow_flexion_right_deg=30.0,
        wrist_flexion_left_deg=20.0,  # > 15: 2, deviated: +1
        wrist_deviated_left=True,
        wrist_flexion_right_deg=20.0,
    )
    assert (r.neck[0], r.trunk[0], r.legs[0]) == (2, 2, 2)
    assert (r.left.upper_arm[0], r.left.lower_arm[0], r.left.wrist[0]) == (1, 2, 3)
    assert (r.score_a[0], r.left.score_b[0], r.left.table_c[0], r.left.final[0]) == (4, 3, 4, 4)
    assert (r.right.wrist[0], r.right.score_b[0], r.right.final[0]) == (2, 2, 4)
    assert (r.final[0], r.worse_side[0], r.level[0]) == (4, "both", "medium")


def test_worked_example_welding_reba_worksheet() -> None:
    """REBA Assessment Worksheet "FORM-REBA", welding task (scribd.com/document/509190964):
    trunk 4, neck 1, legs 3, load/force 3 -> Table A 6, score A 9; upper arm 4, lower arm 1,
    wrist 2, coupling 3 -> Table B 5, score B 8; Table C 11 (very high)."""
    r = score(
        trunk=70.0,  # > 60 flexion: 4
        neck_flexion_deg=10.0,  # 0-20: 1
        knee_flexion_left_deg=70.0,  # both legs, knees > 60: 1 + 2
        load_kg=12.0,  # > 10 kg: 2, shock: +1
        shock=True,
        upper_arm_flexion_right_deg=100.0,  # > 90: 4
        elbow_flexion_right_deg=80.0,  # 60-100: 1
        wrist_flexion_right_deg=20.0,  # > 15: 2
        coupling="unacceptable",  # 3
    )
    assert (r.trunk[0], r.neck[0], r.legs[0], r.load[0]) == (4, 1, 3, 3)
    assert (r.table_a[0], r.score_a[0]) == (6, 9)
    assert (r.right.upper_arm[0], r.right.lower_arm[0], r.right.wrist[0]) == (4, 1, 2)
    assert (r.right.table_b[0], r.right.score_b[0], r.right.table_c[0]) == (5, 8, 11)
    assert (r.worse_side[0], r.level[0]) == ("right", "very_high")


# ---------------------------------------------------------------------------------------------
# mirror, batches and properties
# ---------------------------------------------------------------------------------------------
angles = st.one_of(st.floats(-60, 180), st.just(float("nan")))
SIDE_FIELDS = [f.name for f in dataclasses.fields(RebaInputs) if "_left" in f.name]


@st.composite
def postures(draw: st.DrawFn, n: int = 1) -> dict[str, Any]:
    """Random REBA inputs (all fields) for ``n`` frames, trunk known."""
    trunk = draw(st.lists(st.floats(-60, 150), min_size=n, max_size=n))
    kw: dict[str, Any] = {"trunk_flexion_deg": np.array(trunk)}
    for f in dataclasses.fields(RebaInputs):
        if f.name == "trunk_flexion_deg" or not f.init or f.default is not None:
            continue
        strategy = angles if f.name.endswith("_deg") else st.booleans()
        kw[f.name] = np.array(draw(st.lists(strategy, min_size=n, max_size=n)))
    kw["load_kg"] = draw(st.floats(0, 30))
    kw["shock"] = draw(st.booleans())
    kw["coupling"] = draw(st.sampled_from(["good", "fair", "poor", "unacceptable"]))
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
    r, m = reba(RebaInputs(**kw)), reba(RebaInputs(**mirrored(kw)))
    np.testing.assert_array_equal(r.final, m.final)
    np.testing.assert_array_equal(r.left.final, m.right.final)
    swap = {"left": "right", "right": "left", "both": "both", "unknown": "unknown"}
    assert [swap[s] for s in r.worse_side] == m.worse_side.tolist()


@settings(max_examples=100, deadline=None)
@given(postures(n=4))
def test_a_batch_scores_like_its_frames_one_by_one(kw: dict[str, Any]) -> None:
    whole = reba(RebaInputs(**kw))
    for i in range(4):
        one = {k: (v[i : i + 1] if isinstance(v, np.ndarray | list) else v) for k, v in kw.items()}
        single = reba(RebaInputs(**one))
        assert single.final[0] == whole.final[i] and single.level[0] == whole.level[i]


@settings(max_examples=300, deadline=None)
@given(postures(n=1), st.floats(0, 180), st.floats(0, 180))
def test_score_never_decreases_as_trunk_flexion_grows(
    kw: dict[str, Any], a: float, b: float
) -> None:
    lo, hi = sorted((a, b))
    frames = {k: (np.repeat(v, 2) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    frames["trunk_flexion_deg"] = [lo, hi]
    r = reba(RebaInputs(**frames))
    assert r.final[0] <= r.final[1]


@settings(max_examples=300, deadline=None)
@given(postures(n=1), st.floats(0, 180), st.floats(0, 180))
def test_score_never_decreases_as_upper_arm_flexion_grows(
    kw: dict[str, Any], a: float, b: float
) -> None:
    lo, hi = sorted((a, b))
    frames = {k: (np.repeat(v, 2) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    frames["upper_arm_flexion_left_deg"] = [lo, hi]
    r = reba(RebaInputs(**frames))
    assert r.left.final[0] <= r.left.final[1]


@settings(max_examples=200, deadline=None)
@given(postures(n=3))
def test_scores_stay_in_their_published_ranges(kw: dict[str, Any]) -> None:
    r = reba(RebaInputs(**kw))
    assert np.all((r.final >= 1) & (r.final <= 15))
    assert np.all((r.score_a >= 1) & (r.score_a <= 12))
    for side in (r.left, r.right):
        assert np.all((side.score_b >= 1) & (side.score_b <= 12))


# ---------------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"trunk_flexion_deg": [[0.0]]}, "1-D"),
        ({"trunk_flexion_deg": [0.0, 1.0], "neck_flexion_deg": [1.0, 2.0, 3.0]}, r"shape \(2,\)"),
        ({"trunk_flexion_deg": [0.0], "trunk_twisted": [1]}, "true/false"),
        ({"trunk_flexion_deg": [0.0], "neck_flexion_deg": ["a"]}, "numbers"),
        ({"trunk_flexion_deg": [0.0], "load_kg": -1.0}, "load_kg"),
        ({"trunk_flexion_deg": [0.0], "coupling": "excellent"}, "coupling"),
    ],
)
def test_bad_inputs_raise_an_input_error_naming_the_field(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        RebaInputs(**kw)


def test_scalars_are_repeated_over_frames() -> None:
    x = RebaInputs(trunk_flexion_deg=[0.0, 10.0, 20.0], trunk_twisted=True, neck_flexion_deg=5.0)
    assert np.asarray(x.trunk_twisted).tolist() == [True] * 3
    assert np.asarray(x.neck_flexion_deg).tolist() == [5.0] * 3
    assert np.asarray(x.legs_bilateral_support).tolist() == [True] * 3  # its default
    assert x.n_frames == 3
