"""Cleaning trajectories: visibility mask, short-gap filling, zero-phase and one-euro filters."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posture import synthetic
from posture.assess.tables import frames_table
from posture.core.config import DEFAULTS, FilterSettings
from posture.core.filtering import (
    CausalCleaner,
    OneEuroFilter,
    clean,
    drop_upside_down,
    fill_gaps,
    lowpass_zero_phase,
    mask_low_visibility,
    nan_runs,
    one_euro,
    upside_down,
)
from posture.core.landmarks import LM

FPS = 30.0


def timeline(n: int, fps: float = FPS) -> np.ndarray:
    return np.arange(n) / fps


@pytest.mark.parametrize(
    ("valid", "runs"),
    [
        ([], []),
        ([0, 0], []),
        ([1, 1, 1], [(0, 3)]),
        ([1, 0, 1], [(0, 1), (2, 3)]),
        ([0, 1, 1, 0, 0, 1], [(1, 3), (5, 6)]),
    ],
)
def test_nan_runs(valid: list, runs: list) -> None:
    got = nan_runs(np.array(valid, dtype=bool))
    assert [(int(a), int(b)) for a, b in got] == runs


# ---------------------------------------------------------------------------------------------
# gaps
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("gap_frames", "max_gap_s", "filled"),
    [
        (1, 0.3, True),
        (5, 0.3, True),
        (8, 0.3, True),  # 9 intervals of 1/30 s = 0.3 s: exactly the limit
        (9, 0.3, False),  # one frame more
        (20, 0.3, False),
        (1, 0.0, False),  # filling switched off
    ],
)
def test_fill_gaps_fills_only_short_gaps(gap_frames: int, max_gap_s: float, filled: bool) -> None:
    n = 40
    t = timeline(n)
    x = np.stack([2.0 * t, -t + 1], axis=1)  # two channels, straight lines
    x[10 : 10 + gap_frames] = np.nan
    out = fill_gaps(x, t, max_gap_s)
    gap = slice(10, 10 + gap_frames)
    if filled:
        np.testing.assert_allclose(out[gap], np.stack([2.0 * t, -t + 1], axis=1)[gap])
    else:
        assert np.isnan(out[gap]).all()
    np.testing.assert_array_equal(out[:10], x[:10])  # what was seen is never changed


def test_fill_gaps_never_fills_leading_or_trailing_gaps() -> None:
    t = timeline(20)
    x = t.copy()
    x[:2] = np.nan
    x[-3:] = np.nan
    out = fill_gaps(x[:, None], t, 1.0)[:, 0]
    assert np.isnan(out[:2]).all() and np.isnan(out[-3:]).all()
    np.testing.assert_array_equal(out[2:-3], x[2:-3])


def test_fill_gaps_uses_real_timestamps() -> None:
    # a dropped stretch of video: 2 missing rows but 1 s of real time between the neighbours
    t = np.array([0.0, 0.033, 0.066, 0.5, 0.8, 1.066, 1.1])
    x = np.array([0.0, 1, 2, np.nan, np.nan, 5, 6])[:, None]
    assert np.isnan(fill_gaps(x, t, 0.3)[3:5]).all()
    np.testing.assert_allclose(fill_gaps(x, t, 1.5)[3:5, 0], [2 + 3 * 0.434 / 1.0, 2 + 3 * 0.734])


def test_a_long_gap_keeps_the_last_value_for_a_while_then_nothing() -> None:
    t = timeline(20)  # 30 fps
    x = np.arange(20.0)[:, None]
    x[:2] = np.nan  # leading: nothing to hold
    x[5:15] = np.nan  # a third of a second and more: 0.1 s held
    x[-2:] = np.nan  # trailing: held
    out = fill_gaps(x, t, 0.0, hold_s=0.1)[:, 0]
    assert np.isnan(out[:2]).all()
    np.testing.assert_array_equal(out[5:8], [4.0, 4.0, 4.0])  # within 0.1 s of frame 4
    assert np.isnan(out[8:15]).all()
    np.testing.assert_array_equal(out[-2:], [17.0, 17.0])
    np.testing.assert_array_equal(out[2:5], x[2:5, 0])  # what was seen is never changed
    assert fill_gaps(x, t, 0.0) is x
    both = fill_gaps(x, t, 0.5, hold_s=0.1)[:, 0]  # a gap interpolated is not held
    np.testing.assert_array_equal(both[:-2], fill_gaps(x, t, 0.5)[:-2, 0])
    np.testing.assert_array_equal(both[-2:], [17.0, 17.0])


def test_a_recording_and_a_stream_know_the_same_landmarks_at_every_frame() -> None:
    """Where a landmark is lost, a recording interpolates what a stream holds, and a longer gap
    is held as long as a stream holds it: both know the same landmarks at every frame."""
    seq = synthetic.synthetic_lift("squat")
    vis = seq.visibility.copy()
    rng = np.random.default_rng(3)
    for lm in (LM.LEFT_ANKLE, LM.RIGHT_WRIST, LM.LEFT_KNEE):
        for start in rng.integers(0, len(seq) - 40, 4):
            vis[start : start + rng.integers(1, 40), lm] = 0.0
    seq = replace(seq, visibility=vis)
    recorded = clean(seq, DEFAULTS.filter)
    cleaner = CausalCleaner(DEFAULTS.filter, seq.aspect)
    live = np.stack(
        [
            cleaner(seq.world_xyz_m[i], seq.image_xyz[i], seq.visibility[i], float(seq.t_s[i]))[1]
            for i in range(len(seq))
        ]
    )
    np.testing.assert_array_equal(np.isfinite(live), np.isfinite(recorded.image_xyz))


def test_fill_gaps_treats_channels_with_their_own_gaps() -> None:
    t = timeline(10)
    x = np.stack([t, t, t], axis=1)
    x[3, 0] = np.nan
    x[3:9, 1] = np.nan
    out = fill_gaps(x, t, 0.1)
    assert out[3, 0] == pytest.approx(t[3])
    assert np.isnan(out[3:9, 1]).all()
    np.testing.assert_array_equal(out[:, 2], t)


# ---------------------------------------------------------------------------------------------
# zero-phase low-pass (recorded video)
# ---------------------------------------------------------------------------------------------
def bump(t: np.ndarray) -> np.ndarray:
    """One smooth peak at 5 s (a bend and back, ~1 s wide), far below the 6 Hz cut-off."""
    return np.exp(-0.5 * ((t - 5.0) / 0.25) ** 2)[:, None]


def test_zero_phase_filter_keeps_the_peak_time() -> None:
    t = timeline(300)
    x = bump(t)
    out = lowpass_zero_phase(x, t, 6.0)
    assert np.argmax(out[:, 0]) == np.argmax(x[:, 0])
    np.testing.assert_allclose(out, x, atol=0.01)


def test_zero_phase_filter_keeps_a_slow_sine() -> None:
    t = timeline(300)
    x = np.sin(2 * np.pi * 1.0 * t)[:, None]
    out = lowpass_zero_phase(x, t, 6.0)
    np.testing.assert_allclose(out[30:-30], x[30:-30], atol=0.01)


def test_zero_phase_filter_removes_fast_jitter() -> None:
    t = timeline(300)
    fast = np.sin(2 * np.pi * 12.0 * t)[:, None]  # 12 Hz jitter, twice the cut-off
    out = lowpass_zero_phase(fast, t, 6.0)
    assert np.abs(out[30:-30]).max() < 0.1 * np.abs(fast).max()


def test_a_causal_filter_would_lag_where_the_zero_phase_one_does_not() -> None:
    # the same sine through the one-euro filter peaks late: the test can tell the two apart
    t = timeline(300)
    x = bump(t)
    causal = one_euro(x, t, FilterSettings(one_euro_beta=0.0))
    assert np.argmax(causal[:, 0]) > np.argmax(x[:, 0])


def test_zero_phase_filter_works_per_run_and_keeps_nan() -> None:
    t = timeline(100)
    x = np.ones((100, 1))
    x[50:55] = np.nan
    x[:50] = 2.0
    out = lowpass_zero_phase(x, t, 6.0)
    assert np.isnan(out[50:55]).all()
    np.testing.assert_allclose(out[:50], 2.0, atol=1e-9)  # nothing leaks across the gap
    np.testing.assert_allclose(out[55:], 1.0, atol=1e-9)


@pytest.mark.parametrize(("n", "cutoff"), [(3, 6.0), (100, 20.0)])
def test_zero_phase_filter_leaves_what_it_cannot_filter(n: int, cutoff: float) -> None:
    t = timeline(n)
    x = np.random.default_rng(0).normal(size=(n, 2))
    np.testing.assert_array_equal(lowpass_zero_phase(x, t, cutoff), x)  # too short / >= Nyquist


# ---------------------------------------------------------------------------------------------
# one-euro (live video)
# ---------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(k=st.integers(1, 58), seed=st.integers(0, 1000))
def test_one_euro_is_causal(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = timeline(60)
    x = rng.normal(size=(60, 3))
    y = x.copy()
    y[k + 1 :] = rng.normal(size=(60 - k - 1, 3)) * 10  # change only the future
    a, b = one_euro(x, t, DEFAULTS.filter), one_euro(y, t, DEFAULTS.filter)
    np.testing.assert_array_equal(a[: k + 1], b[: k + 1])
    assert not np.array_equal(a[k + 1 :], b[k + 1 :])


def test_one_euro_smooths_jitter_when_still() -> None:
    t = timeline(200)
    x = np.random.default_rng(1).normal(scale=0.01, size=(200, 1))
    out = one_euro(x, t, DEFAULTS.filter)
    assert out[50:].std() < 0.5 * x[50:].std()


def test_one_euro_restarts_after_nan() -> None:
    f = OneEuroFilter(1.0, 0.0, 1.0)
    f(np.array([0.0]), 0.0)
    f(np.array([0.0]), 0.1)
    assert np.isnan(f(np.array([np.nan]), 0.2))[0]
    # a person re-entering far away is not dragged from where they left
    assert f(np.array([5.0]), 0.3)[0] == 5.0


def test_one_euro_restarts_when_time_goes_back() -> None:
    f = OneEuroFilter(1.0, 0.0, 1.0)
    f(np.array([0.0]), 1.0)
    assert f(np.array([3.0]), 0.5)[0] == 3.0


# ---------------------------------------------------------------------------------------------
# visibility and the whole cleaning step
# ---------------------------------------------------------------------------------------------
def test_low_visibility_landmarks_are_dropped_in_both_landmark_sets() -> None:
    seq = synthetic.sequence([synthetic.angles(yaw_deg=90)] * 5)
    vis = seq.visibility.copy()
    vis[2, LM.LEFT_WRIST] = 0.2
    vis[3, LM.NOSE] = np.nan  # unknown: kept
    vis[4, LM.LEFT_KNEE] = 0.5  # exactly the threshold: kept
    out = mask_low_visibility(replace(seq, visibility=vis), 0.5)
    assert np.isnan(out.world_xyz_m[2, LM.LEFT_WRIST]).all()
    assert np.isnan(out.image_xyz[2, LM.LEFT_WRIST]).all()
    assert np.isfinite(out.world_xyz_m[3, LM.NOSE]).all()
    assert np.isfinite(out.world_xyz_m[4, LM.LEFT_KNEE]).all()
    assert np.isnan(out.world_xyz_m).sum() == 3
    assert mask_low_visibility(seq, 0.5) is seq  # nothing to drop: unchanged


@pytest.mark.parametrize(("live", "tol_m"), [(False, 0.02), (True, 0.1)])
def test_clean_keeps_shape_fills_a_blink_and_keeps_long_gaps(live: bool, tol_m: float) -> None:
    seq = synthetic.synthetic_lift("squat")
    vis = seq.visibility.copy()
    vis[40:42, LM.RIGHT_WRIST] = 0.0  # a blink: filled
    vis[60:90, LM.LEFT_ANKLE] = 0.0  # a second out of view: held for max_gap_s, then missing
    out = clean(replace(seq, visibility=vis), DEFAULTS.filter, live=live)
    assert out.world_xyz_m.shape == seq.world_xyz_m.shape
    assert np.isfinite(out.world_xyz_m[40:42, LM.RIGHT_WRIST]).all()
    held = seq.t_s[60:90] - seq.t_s[59] <= DEFAULTS.filter.max_gap_s + 1e-9
    assert 0 < held.sum() < 30
    ankle = out.image_xyz[60:90, LM.LEFT_ANKLE]
    assert np.isfinite(ankle[held]).all() and np.isnan(ankle[~held]).all()
    err = np.nanmax(np.abs(out.world_xyz_m - seq.world_xyz_m))
    assert err < tol_m  # a smooth lift is barely changed (the live filter lags a little)


def test_clean_leaves_missing_image_landmarks_missing() -> None:
    seq = synthetic.synthetic_lift("squat", world_only=True)
    out = clean(seq, DEFAULTS.filter)
    assert not out.has_image


def _flipped(seq, rows: slice):
    """``seq`` with the skeleton turned upside down in ``rows`` (a pose model's glitch)."""
    world, image = seq.world_xyz_m.copy(), seq.image_xyz.copy()
    world[rows, :, 1] *= -1
    image[rows, :, 1] = 1.0 - image[rows, :, 1]
    return replace(seq, world_xyz_m=world, image_xyz=image)


def test_an_upside_down_skeleton_is_dropped_like_a_missing_pose() -> None:
    from posture.assess.analysis import analyze

    upright = synthetic.sequence([synthetic.angles(yaw_deg=90, trunk_flexion_deg=10)] * 60)
    seq = _flipped(upright, slice(30, 33))
    assert not upside_down(upright.image_xyz, upright.aspect).any()
    flip = upside_down(seq.image_xyz, seq.aspect)
    assert flip.tolist() == [30 <= i < 33 for i in range(60)]
    assert upside_down(seq.world_xyz_m).tolist() == flip.tolist()
    _, dropped = drop_upside_down(seq)
    assert dropped.tolist() == flip.tolist()
    # the gap is bridged from the frames around it: no 170 deg peak, no hands under the floor
    t = frames_table(analyze(seq, DEFAULTS))
    assert np.nanmax(np.abs(t["trunk_flexion_deg"])) < 15
    assert np.nanmin(t["hand_height_cm"]) > 40


def test_a_deep_stoop_is_not_upside_down() -> None:
    seq = synthetic.sequence(
        [synthetic.angles(yaw_deg=90, trunk_flexion_deg=f, knee_flexion_deg=10) for f in (90, 120)]
    )
    assert not upside_down(seq.image_xyz, seq.aspect).any()
    assert not upside_down(seq.world_xyz_m).any()


@pytest.mark.parametrize(("trunk_deg", "inverted"), [(150.0, False), (160.0, True), (175.0, True)])
def test_a_tucked_somersault_is_upside_down_though_the_ankles_stay_low(
    trunk_deg: float, inverted: bool
) -> None:
    """Knees drawn to the chest keep the ankles by the hips: the trunk tells, once it is more
    than 155 deg from upright (past any stoop a camera tilt could exaggerate)."""
    tuck = synthetic.angles(yaw_deg=90, trunk_flexion_deg=trunk_deg, knee_flexion_deg=150)
    seq = synthetic.sequence([tuck])
    assert upside_down(seq.image_xyz, seq.aspect).tolist() == [inverted]
    assert upside_down(seq.world_xyz_m).tolist() == [inverted]


@pytest.mark.parametrize("pitch_deg", [45.0, 70.0])
def test_a_deep_stoop_toward_a_steep_camera_is_not_upside_down(pitch_deg: float) -> None:
    """Bent 115 deg toward a camera high on a wall (pitched 45-70 deg down), the trunk points
    straight down in the camera's axes; the legs hanging below the hips tell it is no tuck."""
    seq = synthetic.sequence(
        [synthetic.angles(yaw_deg=0, trunk_flexion_deg=115, knee_flexion_deg=10)]
    )
    a = np.radians(pitch_deg)
    pitch = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    world = (seq.world_xyz_m.astype(np.float64) @ pitch.T).astype(np.float32)
    trunk = world[0, [11, 12]].mean(0) - world[0, [23, 24]].mean(0)
    assert trunk[1] / np.linalg.norm(trunk) > 0.906  # past the head-down limit on its own
    assert upside_down(world).tolist() == [False]


@pytest.mark.parametrize("case", ["as found", "masked", "gaps", "flipped"])
def test_clean_changes_its_own_copies_in_place_never_the_landmarks_given(case: str) -> None:
    # the cleaning fills and filters in place the copies it makes (a long recording's
    # landmarks are not copied at every step); the recording's own landmarks stay as found
    seq = synthetic.synthetic_lift("squat")
    if case == "masked":
        vis = seq.visibility.copy()
        vis[40:42, LM.RIGHT_WRIST] = 0.0
        seq = replace(seq, visibility=vis)
    elif case == "gaps":
        world, image = seq.world_xyz_m.copy(), seq.image_xyz.copy()
        world[40:43, LM.LEFT_KNEE] = np.nan
        image[50:52, LM.RIGHT_ANKLE] = np.nan
        seq = replace(seq, world_xyz_m=world, image_xyz=image)
    elif case == "flipped":
        seq = _flipped(seq, slice(30, 33))
    before = {n: getattr(seq, n).copy() for n in ("world_xyz_m", "image_xyz", "visibility")}
    out = clean(seq, DEFAULTS.filter)
    for name, values in before.items():
        np.testing.assert_array_equal(getattr(seq, name), values)
    for name in ("world_xyz_m", "image_xyz"):
        assert not np.may_share_memory(getattr(out, name), getattr(seq, name))
        assert not np.array_equal(getattr(out, name), getattr(seq, name), equal_nan=True)


def test_filling_and_filtering_in_place_give_the_same_values_as_on_a_copy() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(300) / FPS
    x = (np.sin(t)[:, None, None] + 0.01 * rng.standard_normal((300, 4, 3))).astype(np.float32)
    x[100:104, 1] = np.nan  # a short gap (filled)
    x[150:200, 2] = np.nan  # a long one (held a while, then missing)
    filled = fill_gaps(x, t, 0.2, hold_s=0.2)
    smooth = lowpass_zero_phase(filled, t, 6.0)
    mine = x.copy()
    assert np.shares_memory(fill_gaps(mine, t, 0.2, hold_s=0.2, in_place=True), mine)
    np.testing.assert_array_equal(mine, filled)
    assert np.shares_memory(lowpass_zero_phase(mine, t, 6.0, in_place=True), mine)
    np.testing.assert_array_equal(mine, smooth)
