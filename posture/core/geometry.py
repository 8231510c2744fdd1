"""Vector geometry over sequences of points: pure numpy, shapes ``(..., 3)``, NaN-propagating.

Nothing here knows about bodies; :mod:`posture.core.measures` gives the anatomy.
"""

from __future__ import annotations

import warnings

import numpy as np

EPS = 1e-9


def norm(v: np.ndarray) -> np.ndarray:
    """Length of vectors ``(..., 3) -> (...)``."""
    return np.sqrt(np.sum(v * v, axis=-1))


def unit(v: np.ndarray) -> np.ndarray:
    """Unit vectors; zero-length vectors become NaN (never a silent 0)."""
    n = norm(v)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > EPS, v / np.where(n > EPS, n, 1.0), np.nan)


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1)


def angle_between_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors, degrees in [0, 180]."""
    c = np.clip(dot(unit(a), unit(b)), -1.0, 1.0)
    return np.degrees(np.arccos(c))


def joint_angle_deg(a: np.ndarray, joint: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Interior angle at ``joint`` between the segments to ``a`` and ``b``, degrees."""
    return angle_between_deg(a - joint, b - joint)


def reject(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The part of ``v`` perpendicular to the unit vector(s) ``axis``."""
    return v - dot(v, axis)[..., None] * axis


def signed_angle_about_deg(a: np.ndarray, b: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Angle from ``a`` to ``b`` after projecting both onto the plane normal to unit ``axis``;
    positive for a counter-clockwise turn seen from the tip of ``axis`` (right-hand rule)."""
    pa, pb = reject(a, axis), reject(b, axis)
    sin = dot(np.cross(pa, pb), axis)
    cos = dot(pa, pb)
    return np.degrees(np.arctan2(sin, cos))


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 3x3 rotation taking unit vector ``a`` onto unit vector ``b`` (Rodrigues)."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if c < -0.5:  # far round (1 + c loses precision near opposite): half way round the same
        # axis (taking ``a`` onto ``-a``), then the small turn onto ``b``: the same rotation
        p = v if np.linalg.norm(v) > 1e-12 else np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(p) < 1e-6:  # exactly opposite, along x: any perpendicular axis
            p = np.cross(a, [0.0, 1.0, 0.0])
        p = p / np.linalg.norm(p)
        return rotation_between(-a, b) @ (2.0 * np.outer(p, p) - np.eye(3))
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1.0 + c)


def nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    """Mean ignoring NaN, NaN (without a warning) where every value is NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=axis)


def nanmedian(a: np.ndarray) -> float:
    """Median ignoring NaN, NaN (without a warning) where every value is NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmedian(a))


def wrap_deg(a: np.ndarray, period: float = 360.0) -> np.ndarray:
    """Angles wrapped into ``[-period/2, period/2)``."""
    return (a + period / 2) % period - period / 2
