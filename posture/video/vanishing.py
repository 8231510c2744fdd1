"""Vanishing points of line segments, and what they say about the camera (pure numpy).

Conventions (a pinhole camera, square pixels, no skew, the principal point at the picture's
centre ``c``): picture pixels ``x`` to the right, ``y`` down; camera axes ``X`` right, ``Y``
down, ``Z`` forward. A direction ``d`` in camera axes vanishes at the picture point
``c + f * (d_x, d_y) / d_z``; a segment lies on the picture of a line of direction ``d`` when
``d`` is in the plane through the camera centre and the segment (the segment's *great
circle* on the Gaussian sphere). Working on the sphere keeps vanishing points at infinity
(a level camera's verticals) finite and exact.

Every function works at a *working* focal length ``f_w`` (pixels). A direction found at
``f_w`` is the same picture point at any focal length: :func:`at_focal` re-expresses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Largest number of pair hypotheses scored per vanishing point.
RANSAC_HYPOTHESES = 600
#: Lines whose midpoints are nearer each other than this share of the picture's diagonal are
#: one object for the uncertainty (the jackknife leaves objects out, not single lines).
OBJECT_SHARE = 0.05
#: Hypotheses scored at once (bounds memory: hypotheses x segments x 3 floats).
_CHUNK = 100


@dataclass(frozen=True)
class Lines:
    """Segments on the Gaussian sphere at a working focal length.

    ``normal`` ``(N, 3)`` unit normals of the planes through the camera and each segment (also
    each segment's line in normalised picture coordinates), ``mid`` ``(N, 3)`` midpoints as
    homogeneous normalised points ``((x - cx) / f_w, (y - cy) / f_w, 1)``, ``length_px``
    ``(N,)``, ``tol_deg`` ``(N,)`` each segment's angular tolerance, ``frame`` ``(N,)`` the
    sampled frame it came from, ``line`` ``(N,)`` the picture line it lies on (the same edge in
    several frames, or broken in pieces, is one line). Lines whose midpoints are nearer each
    other than ``object_radius`` (normalised picture units) count as one object (a door's
    frame, a person's legs, a table's legs) in the uncertainty; ``plumb_deg`` is how far from
    its true direction one object's lines may point (1 sigma).
    """

    normal: np.ndarray
    mid: np.ndarray
    length_px: np.ndarray
    tol_deg: np.ndarray
    frame: np.ndarray
    line: np.ndarray
    focal_px: float
    object_radius: float = 0.0
    plumb_deg: float = 0.0

    def __len__(self) -> int:
        return len(self.length_px)


def to_lines(
    xy: np.ndarray,
    frame: np.ndarray,
    line: np.ndarray,
    size: tuple[int, int],
    focal_px: float,
    inlier_deg: float,
    endpoint_px: float,
    plumb_deg: float = 0.0,
) -> Lines:
    """:class:`Lines` of segments ``xy`` ``(N, 4)`` (x1, y1, x2, y2 in pixels) of a picture of
    ``size`` (width, height), from sampled ``frame`` ``(N,)``, on picture ``line`` ``(N,)``.
    A segment's tolerance is ``inlier_deg`` or, for a short one, the angle its endpoints'
    uncertainty (``endpoint_px``) allows, whichever is larger."""
    c = np.array([size[0], size[1]], np.float64) / 2
    p1 = np.column_stack([(xy[:, :2] - c) / focal_px, np.ones(len(xy))])
    p2 = np.column_stack([(xy[:, 2:] - c) / focal_px, np.ones(len(xy))])
    n = np.cross(p1, p2)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    length = np.hypot(xy[:, 2] - xy[:, 0], xy[:, 3] - xy[:, 1])
    tol = np.maximum(inlier_deg, np.degrees(np.arctan2(2 * endpoint_px, length)))
    ids = (frame.astype(np.int64), line.astype(np.int64))
    radius = OBJECT_SHARE * float(np.hypot(*size)) / focal_px
    return Lines(n, (p1 + p2) / 2, length, tol, *ids, float(focal_px), radius, plumb_deg)


def _toward(lines: Lines, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For directions ``d`` ``(H, 3)``: ``(H, N)`` dot products of each segment's unit normal
    (in the picture) with the line from its midpoint to the vanishing point, and that line's
    squared normal length. The line is ``midpoint x d``; written out, since only its first two
    components matter and the midpoints' third is 1."""
    mx, my = lines.mid[:, 0], lines.mid[:, 1]
    seg = lines.normal[:, :2] / np.linalg.norm(lines.normal[:, :2], axis=1, keepdims=True)
    dx, dy, dz = d[:, 0:1], d[:, 1:2], d[:, 2:3]
    a = dz * my[None] - dy  # (H, N): the line's normal, x and y
    b = dx - dz * mx[None]
    return a * seg[None, :, 0] + b * seg[None, :, 1], a * a + b * b


def residual_deg(lines: Lines, d: np.ndarray) -> np.ndarray:
    """``(H, N)`` angle in the picture between each segment and the line from its midpoint to
    the vanishing point of each direction ``d`` ``(H, 3)``."""
    dot, norm2 = _toward(lines, d)
    cos = np.abs(dot) / np.sqrt(np.maximum(norm2, 1e-24))
    angle = np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))
    return np.where(norm2 > 1e-24, angle, 90.0)


def consistent(lines: Lines, d: np.ndarray) -> np.ndarray:
    """``(H, N)`` bool: segments within their tolerance of each direction's vanishing point
    (:func:`residual_deg` ``<= tol_deg``, without the trigonometry)."""
    dot, norm2 = _toward(lines, d)
    cos2 = np.cos(np.radians(lines.tol_deg)) ** 2
    return np.asarray((dot * dot >= cos2[None] * norm2) & (norm2 > 1e-24))


@dataclass(frozen=True)
class Vanishing:
    """One vanishing point: its unit direction ``d`` ``(3,)`` in camera axes at the working
    focal length (sign arbitrary), the segments that meet in it (``inliers`` ``(N,)`` bool),
    their summed length, and the ``(2, 2)`` covariance of ``d`` in the tangent ``basis``
    ``(3, 2)`` (radians squared)."""

    d: np.ndarray
    inliers: np.ndarray
    support_px: float
    cov: np.ndarray
    basis: np.ndarray

    @property
    def n_segments(self) -> int:
        return int(self.inliers.sum())


def tangent_basis(d: np.ndarray) -> np.ndarray:
    """``(3, 2)`` orthonormal vectors perpendicular to the unit vector ``d``."""
    helper = np.array([1.0, 0.0, 0.0]) if abs(d[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(d, helper)
    e1 /= np.linalg.norm(e1)
    return np.column_stack([e1, np.cross(d, e1)])


def _fit_direction(normal: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Unit direction minimising ``sum(w (n . d)^2)``: the eigenvector of the smallest
    eigenvalue of the weighted scatter of the normals."""
    return np.asarray(np.linalg.eigh((normal * weight[:, None]).T @ normal)[1][:, 0])


def refine(lines: Lines, d: np.ndarray, usable: np.ndarray, rounds: int = 3) -> Vanishing:
    """Weighted least squares on the sphere (weights: segment length) over the segments
    consistent with ``d``, repeated so the consensus settles.

    The covariance is a jackknife over *objects*: the fit again without each group of nearby
    lines in turn (:func:`objects`). It measures how much the answer rests on any one thing
    in the picture (an unmasked person's legs, a leaning post), and the same edge seen in
    every sampled frame of a still camera counts once, not once per frame."""
    inl = usable & consistent(lines, d[None])[0]
    for _ in range(rounds):
        if inl.sum() < 2:
            break
        d = _fit_direction(lines.normal[inl], lines.length_px[inl])
        inl = usable & consistent(lines, d[None])[0]
    basis = tangent_basis(d)
    cov = np.full((2, 2), np.inf)
    groups, which = np.unique(objects(lines, inl), return_inverse=True)
    if len(groups) >= 3:
        cov = _larger(_jackknife(lines, inl, d, basis, which), _model(lines, inl, d, basis, which))
    return Vanishing(d, inl, float(lines.length_px[inl].sum()), cov, basis)


def _jackknife(
    lines: Lines, inl: np.ndarray, d: np.ndarray, basis: np.ndarray, which: np.ndarray
) -> np.ndarray:
    """``(2, 2)`` jackknife covariance of ``d``: refitted without each object in turn."""
    n, w = lines.normal[inl], lines.length_px[inl]
    scatter = np.einsum("ni,nj,n->nij", n, n, w)
    k = int(which.max()) + 1
    per_object = np.zeros((k, 3, 3))
    np.add.at(per_object, which, scatter)
    left_out = np.linalg.eigh(scatter.sum(axis=0)[None] - per_object)[1][:, :, 0]  # (k, 3)
    left_out *= np.where(left_out @ d < 0, -1.0, 1.0)[:, None]
    t = left_out @ basis  # (k, 2) tangent offsets
    t = t - t.mean(axis=0)
    return np.asarray((k - 1) / k * t.T @ t)


def _model(
    lines: Lines, inl: np.ndarray, d: np.ndarray, basis: np.ndarray, which: np.ndarray
) -> np.ndarray:
    """``(2, 2)`` covariance of ``d`` if each object's lines are off by one common angle of
    ``plumb_deg`` (with their endpoints' own spread) and objects are independent, inflated
    when the lines scatter more than that. A line turned by a small angle about its midpoint
    moves its plane's normal by that angle times the sine of the midpoint's angle from ``d``.
    """
    n, w, mid = lines.normal[inl], lines.length_px[inl], lines.mid[inl]
    jt = n @ basis  # (M, 2)
    sin_psi = np.linalg.norm(np.cross(mid, d[None]), axis=1) / np.linalg.norm(mid, axis=1)
    a = (jt * w[:, None]).T @ jt
    k = int(which.max()) + 1
    g = np.zeros((k, 2))
    np.add.at(g, which, jt * (w * sin_psi)[:, None])
    # the endpoints' own spread: a segment's tolerance is about two of its sigmas
    spread, counts = np.zeros(k), np.zeros(k)
    np.add.at(spread, which, (np.radians(lines.tol_deg[inl]) / 2) ** 2 * w)
    np.add.at(counts, which, w)
    var = np.radians(lines.plumb_deg) ** 2 + spread / np.maximum(counts, 1e-9)
    r = n @ d / np.maximum(sin_psi, 1e-9)  # each segment's angle off the fit, radians
    off = np.zeros(k)
    np.add.at(off, which, w * r)
    off /= np.maximum(counts, 1e-9)
    chi2 = float((off**2 / var).sum()) / max(k - 2, 1)
    b = (g * var[:, None]).T @ g * max(1.0, chi2)
    det = a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]
    if det <= 1e-12 * np.trace(a) ** 2:  # a 2 x 2 by hand: LAPACK's set-up costs more
        return np.full((2, 2), np.inf)
    a_inv = np.array([[a[1, 1], -a[0, 1]], [-a[1, 0], a[0, 0]]]) / det
    return np.asarray(a_inv @ b @ a_inv)


def _larger(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The covariance with the larger largest variance."""
    return p if np.linalg.eigvalsh(p)[-1] >= np.linalg.eigvalsh(q)[-1] else q


def objects(lines: Lines, which: np.ndarray) -> np.ndarray:
    """``(M,)`` object label of each segment in ``which`` (bool ``(N,)``): its picture line's
    group, lines joined when their mean midpoints are nearer than ``lines.object_radius``
    (single linkage)."""
    line_ids, inverse = np.unique(lines.line[which], return_inverse=True)
    mids = np.array([lines.mid[which][inverse == k, :2].mean(axis=0) for k in range(len(line_ids))])
    near = np.linalg.norm(mids[:, None] - mids[None], axis=-1) <= lines.object_radius
    label = np.arange(len(line_ids))
    changed = True
    while changed:  # spread the smallest label through each connected group
        spread = np.where(near, label[None, :], len(label)).min(axis=1)
        changed = bool((spread < label).any())
        label = np.minimum(label, spread)
    return np.asarray(label[inverse])


def ransac(lines: Lines, usable: np.ndarray, rng: np.random.Generator) -> Vanishing | None:
    """The direction most (longest) segments among ``usable`` meet in, from pairs of segments
    drawn with probability proportional to their length, then refined (:func:`refine`)."""
    idx = np.flatnonzero(usable)
    if idx.size < 2:
        return None
    w = lines.length_px[idx] / lines.length_px[idx].sum()
    pairs = rng.choice(idx, size=(RANSAC_HYPOTHESES, 2), p=w)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    d = np.cross(lines.normal[pairs[:, 0]], lines.normal[pairs[:, 1]])
    norm = np.linalg.norm(d, axis=1)
    d = d[norm > 1e-9] / norm[norm > 1e-9, None]
    if not len(d):
        return None
    best, best_score = d[0], -1.0
    sub = Lines(
        lines.normal[idx],
        lines.mid[idx],
        lines.length_px[idx],
        lines.tol_deg[idx],
        lines.frame[idx],
        lines.line[idx],
        lines.focal_px,
    )
    for k in range(0, len(d), _CHUNK):
        chunk = d[k : k + _CHUNK]
        ok = consistent(sub, chunk)
        score = ok.astype(np.float64) @ sub.length_px
        i = int(np.argmax(score))
        if score[i] > best_score:
            best, best_score = chunk[i], float(score[i])
    return refine(lines, best, usable)


def at_focal(d: np.ndarray, f_from: float, f_to: float) -> np.ndarray:
    """Direction(s) ``(..., 3)`` whose vanishing point, found at focal ``f_from``, is the same
    picture point at focal ``f_to`` (unit length)."""
    out = np.array(d, np.float64, copy=True)
    out[..., 2] *= f_to / f_from
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def down(d: np.ndarray) -> np.ndarray:
    """The sign of direction(s) ``(..., 3)`` that points down the picture (``y > 0``)."""
    s = np.where(d[..., 1:2] < 0, -1.0, 1.0)
    return np.asarray(d * s)


def roll_pitch_deg(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roll and pitch of the camera from gravity ``g`` ``(..., 3)`` (camera axes, pointing
    down the picture). Roll: the plumb line through the picture's centre from the picture's
    vertical, positive when gravity points to the picture's *right* of straight down (an
    upright person's head then leans to the picture's left), as :mod:`posture.core.gravity`.
    Pitch: the optical axis below the horizontal, positive when the camera looks down."""
    g = g / np.linalg.norm(g, axis=-1, keepdims=True)
    roll = np.degrees(np.arctan2(g[..., 0], g[..., 1]))
    pitch = np.degrees(np.arcsin(np.clip(g[..., 2], -1.0, 1.0)))
    return roll, pitch


def focal_from_pair(v: np.ndarray, h: np.ndarray, focal_px: float) -> float:
    """Focal length (pixels) that makes the vanishing directions ``v`` and ``h`` (found at
    ``focal_px``) perpendicular: f^2 = -(v - c) . (h - c) in the picture. NaN when no real
    focal length does (both points on the same side of the centre, or either at infinity)."""
    if abs(v[2]) < 1e-9 or abs(h[2]) < 1e-9:
        return float("nan")
    f2 = -(focal_px**2) * (v[0] * h[0] + v[1] * h[1]) / (v[2] * h[2])
    return float(np.sqrt(f2)) if f2 > 0 else float("nan")


def propagate(
    fn: Callable[..., Any], v: Vanishing, *others: Vanishing, step: float = 1e-4
) -> np.ndarray | float:
    """1-sigma of the scalar or vector ``fn(d_v, *d_others)`` from the tangent covariances of
    the vanishing points (first-order propagation; independent points)."""
    ds = [v.d, *(o.d for o in others)]
    vps = [v, *others]
    base = np.asarray(fn(*ds), np.float64)
    var = np.zeros_like(base)
    for i, vp in enumerate(vps):
        if not np.isfinite(vp.cov).all():
            return np.full_like(base, np.inf)
        jac = []
        for k in range(2):
            moved = list(ds)
            step_d = vp.d + step * vp.basis[:, k]
            moved[i] = step_d / np.linalg.norm(step_d)
            jac.append((np.asarray(fn(*moved), np.float64) - base) / step)
        j = np.stack(jac, axis=-1)  # (..., 2)
        var = var + np.einsum("...i,ij,...j->...", j, vp.cov, j)
    out = np.sqrt(var)
    return float(out) if out.ndim == 0 else out
