"""Vector helpers: angles, signed angles, rotations, wrapping, and NaN propagating through all."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from posture.core.geometry import (
    angle_between_deg,
    joint_angle_deg,
    nanmean,
    norm,
    reject,
    rotation_between,
    signed_angle_about_deg,
    unit,
    wrap_deg,
)

NAN3 = [np.nan, 0.0, 0.0]
X, Y, Z = np.eye(3)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (X, X, 0.0),
        (X, 2 * X, 0.0),  # length does not matter
        (X, -X, 180.0),
        (X, Y, 90.0),
        (X, X + Y, 45.0),
        (X, -X + Y, 135.0),
        (X, X + 1e-9 * Y, 0.0),  # nearly parallel: clipped, never NaN from arccos
        (X, -X + 1e-9 * Y, 180.0),
        (X, np.zeros(3), np.nan),  # no direction: NaN, never a silent 0
        (np.array(NAN3), X, np.nan),
    ],
)
def test_angle_between(a: np.ndarray, b: np.ndarray, expected: float) -> None:
    got = angle_between_deg(np.asarray(a, float), np.asarray(b, float))
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_angle_between_is_vectorised_over_leading_axes() -> None:
    a = np.stack([X, X, X])
    b = np.stack([X, Y, -X])
    np.testing.assert_allclose(angle_between_deg(a, b), [0, 90, 180])
    assert angle_between_deg(a[None], b[None]).shape == (1, 3)


@pytest.mark.parametrize(
    ("a", "joint", "b", "expected"),
    [
        ([0, 1, 0], [0, 0, 0], [0, -1, 0], 180.0),  # straight limb
        ([0, 1, 0], [0, 0, 0], [1, 0, 0], 90.0),
        ([0, 1, 0], [0, 0, 0], [0, 1, 0], 0.0),  # folded back
        ([1, 1, 0], [1, 0, 0], [2, 0, 0], 90.0),  # joint away from the origin
        ([0, 1, 0], [0, 1, 0], [1, 0, 0], np.nan),  # a segment of zero length
        ([np.nan, 1, 0], [0, 0, 0], [1, 0, 0], np.nan),
    ],
)
def test_joint_angle(a: list, joint: list, b: list, expected: float) -> None:
    got = joint_angle_deg(np.array(a, float), np.array(joint, float), np.array(b, float))
    np.testing.assert_allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize(
    ("v", "expected"),
    [(X, X), (3 * Y, Y), ([3.0, 4.0, 0.0], [0.6, 0.8, 0.0]), (np.zeros(3), [np.nan] * 3)],
)
def test_unit(v: np.ndarray, expected: list) -> None:
    np.testing.assert_allclose(unit(np.asarray(v, float)), expected)


def test_unit_of_tiny_vectors_is_nan_not_huge() -> None:
    assert np.isnan(unit(np.array([1e-12, 0.0, 0.0]))).all()
    assert norm(np.array([3.0, 4.0, 0.0])) == 5.0


@pytest.mark.parametrize(
    ("v", "axis", "expected"),
    [(X + Y, Y, X), (X, X, np.zeros(3)), (2 * Z, X, 2 * Z), (np.array(NAN3), Y, [np.nan] * 3)],
)
def test_reject_removes_the_axis_part(v: np.ndarray, axis: np.ndarray, expected: list) -> None:
    np.testing.assert_allclose(reject(v, axis), expected)


@pytest.mark.parametrize(
    ("a", "b", "axis", "expected"),
    [
        (X, Y, Z, 90.0),  # counter-clockwise seen from the tip of the axis
        (Y, X, Z, -90.0),
        (X, Y, -Z, -90.0),  # the axis sets the sign
        (X, -X, Z, 180.0),  # the half turn: +180 (arctan2 of +0)
        (X, X, Z, 0.0),
        (X, Y + 5 * Z, Z, 90.0),  # the axis component is projected away
        (X + Z, -Y + Z, Z, -90.0),
        (X, Z, Z, 0.0),  # b along the axis: nothing left of it (atan2(0, 0))
        (np.array(NAN3), Y, Z, np.nan),
    ],
)
def test_signed_angle_about(a: np.ndarray, b: np.ndarray, axis: np.ndarray, expected: float):
    got = signed_angle_about_deg(np.asarray(a, float), np.asarray(b, float), axis)
    np.testing.assert_allclose(got, expected, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.floats(-179.0, 179.0), st.floats(0.1, 10.0))
def test_signed_angle_recovers_a_rotation_about_the_axis(deg: float, length: float) -> None:
    r = np.radians(deg)
    b = length * np.array([np.cos(r), np.sin(r), 0.3])
    assert signed_angle_about_deg(X, b, Z) == pytest.approx(deg, abs=1e-6)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (X, X),  # identity
        (X, Y),
        (Y, -Z),
        (X, -X),  # opposite: the branch that picks another axis (a is X itself)
        (Y, -Y),
        (Z, -Z),
        ([1.0, 1.0, 0.0], [-1.0, -1.0, 0.0]),
        ([2.0, 0.0, 0.0], [0.0, 0.0, 5.0]),  # not unit: normalised
        (X, -X + [0.0, 1e-12, 0.0]),  # nearly opposite
    ],
)
def test_rotation_between(a: list, b: list) -> None:
    a, b = np.asarray(a, float), np.asarray(b, float)
    r = rotation_between(a, b)
    np.testing.assert_allclose(r @ (a / np.linalg.norm(a)), b / np.linalg.norm(b), atol=1e-9)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-9)
    assert np.linalg.det(r) == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1, 1), min_size=3, max_size=3).filter(lambda v: np.linalg.norm(v) > 0.1),
    st.lists(st.floats(-1, 1), min_size=3, max_size=3).filter(lambda v: np.linalg.norm(v) > 0.1),
)
@example(a=[1.0, 0.0, 1e-5], b=[-1.0, 0.0, 0.0])  # nearly opposite: 1 + cos loses precision
def test_rotation_between_any_two_directions(a: list, b: list) -> None:
    a_, b_ = np.array(a), np.array(b)
    r = rotation_between(a_, b_)
    np.testing.assert_allclose(r @ (a_ / np.linalg.norm(a_)), b_ / np.linalg.norm(b_), atol=1e-7)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-7)


@pytest.mark.parametrize(
    ("a", "period", "expected"),
    [
        (0.0, 360.0, 0.0),
        (179.9, 360.0, 179.9),
        (180.0, 360.0, -180.0),  # the half-open interval [-180, 180)
        (-180.0, 360.0, -180.0),
        (190.0, 360.0, -170.0),
        (540.0, 360.0, -180.0),
        (-190.0, 360.0, 170.0),
        (720.5, 360.0, 0.5),
        (100.0, 180.0, -80.0),  # twist folding: a half turn is a label swap
        (-90.0, 180.0, -90.0),
        (90.0, 180.0, -90.0),
        (np.nan, 360.0, np.nan),
    ],
)
def test_wrap(a: float, period: float, expected: float) -> None:
    np.testing.assert_allclose(wrap_deg(np.array(a), period), expected, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.floats(-1e4, 1e4))
def test_wrap_stays_in_range_and_keeps_the_direction(a: float) -> None:
    w = float(wrap_deg(np.array(a)))
    assert -180.0 <= w < 180.0
    assert np.cos(np.radians(w)) == pytest.approx(np.cos(np.radians(a)), abs=1e-6)
    assert np.sin(np.radians(w)) == pytest.approx(np.sin(np.radians(a)), abs=1e-6)


def test_nanmean_ignores_nan_and_stays_quiet_when_all_nan() -> None:
    a = np.array([[1.0, np.nan], [3.0, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = nanmean(a, axis=0)
    np.testing.assert_allclose(got, [2.0, np.nan])


def test_nan_propagates_per_row_only() -> None:
    a = np.stack([X, np.array(NAN3), Y])
    b = np.stack([Y, Y, Y])
    got = angle_between_deg(a, b)
    assert np.isnan(got[1]) and got[0] == pytest.approx(90.0) and got[2] == pytest.approx(0.0)
    s = signed_angle_about_deg(a, b, Z)
    assert np.isnan(s[1]) and np.isfinite(s[[0, 2]]).all()
