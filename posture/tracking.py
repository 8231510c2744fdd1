"""Stable identities for the people in a video, and the rule for which one is the subject.

MediaPipe returns the people of a frame in no stable order. :class:`PersonTracker` matches
each frame's people to the tracks it knows by the position and size of their torso in the
image (Hungarian assignment, gated by distance), so an identity survives crossings, short
occlusions and people leaving the frame for a moment. Track ids start at 1, in order of first
appearance (left to right among people who appear together).

The subject, unless the user names one, is the person most visible over the clip: the track
with the largest sum over frames of (torso size x mean landmark visibility).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from posture.config import TrackingSettings
from posture.errors import NoPersonError
from posture.geometry import nanmean
from posture.landmarks import LM, N_LANDMARKS, PoseRecording, PoseSequence
from posture.pose import DetectedPose

_TORSO = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP)


def torso_anchor(image_xyz: np.ndarray, aspect: float) -> tuple[np.ndarray, float]:
    """Centre ``(2,)`` of the torso in frame heights (x scaled by aspect) and its size."""
    pts = image_xyz[list(_TORSO), :2].astype(np.float64) * np.array([aspect, 1.0])
    centre = pts.mean(axis=0)
    size = float(np.linalg.norm(pts[:2].mean(0) - pts[2:].mean(0))) + float(
        np.linalg.norm(pts[0] - pts[1])
    )
    return centre, max(size, 1e-3)


@dataclass
class _Track:
    track_id: int
    centre: np.ndarray
    size: float
    last_t: float
    first_t: float
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    frames: list[int] = field(default_factory=list)
    world: list[np.ndarray] = field(default_factory=list)
    image: list[np.ndarray] = field(default_factory=list)
    vis: list[np.ndarray] = field(default_factory=list)
    weight: float = 0.0  # visibility-weighted presence (subject rule)


@dataclass(frozen=True)
class TrackSummary:
    """What a user needs to pick a person: id, presence, and where they are in the frame."""

    person_id: int
    frames: int
    share_of_clip: float
    mean_x: float  # 0 left .. 1 right
    mean_size: float  # torso size in frame heights
    visibility: float
    score: float

    def describe(self) -> str:
        where = "left" if self.mean_x < 0.4 else "right" if self.mean_x > 0.6 else "centre"
        return (
            f"person {self.person_id}: in {self.share_of_clip:.0%} of frames, {where} of "
            f"the picture, torso {self.mean_size:.2f} frame heights, "
            f"visibility {self.visibility:.2f}"
        )


def _box(p: DetectedPose) -> np.ndarray:
    """Bounding box ``(x0, y0, x1, y1)`` of the landmarks seen, normalised coordinates."""
    seen = np.nan_to_num(p.visibility, nan=1.0) >= 0.5
    xy = p.image_xyz[seen if seen.sum() >= 4 else slice(None), :2]
    return np.concatenate([np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)])


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def is_duplicate(
    a: tuple[np.ndarray, float, np.ndarray], b: tuple[np.ndarray, float, np.ndarray]
) -> bool:
    """Two detections of one person: torso centres within a third of a torso size, or body
    boxes overlapping by more than half (``(centre, size, box)`` of each)."""
    return bool(np.linalg.norm(a[0] - b[0]) < max(a[1], b[1]) / 3 or _iou(a[2], b[2]) > 0.5)


class PersonTracker:
    """Assigns track ids to each frame's detections; stores every track's landmarks.

    Memory grows by about 1 KB per person per frame (landmarks only, never pixels).
    """

    def __init__(self, settings: TrackingSettings, aspect: float = 1.0) -> None:
        self.settings = settings
        self.aspect = aspect
        self._tracks: list[_Track] = []
        self._next_id = 1
        self._n_frames = 0
        self._t: list[float] = []
        self._frame_index: list[int] = []

    def update(
        self, frame_index: int, t_s: float, detected: list[DetectedPose]
    ) -> list[tuple[int, DetectedPose]]:
        """Match a frame's people to tracks; return ``(track id, pose)`` for each person kept,
        in the input order.

        Duplicate detections of one person (:func:`is_duplicate`) are reduced to the one that
        best continues a known track (else the most visible); known tracks are then matched
        (Hungarian assignment on torso position, predicted from the track's recent motion,
        and size); the rest start new tracks, numbered left to right.
        """
        row = self._n_frames
        self._n_frames += 1
        self._t.append(t_s)
        self._frame_index.append(frame_index)
        marks = [(*torso_anchor(p.image_xyz, self.aspect), _box(p)) for p in detected]
        live = [tr for tr in self._tracks if t_s - tr.last_t <= self.settings.max_missing_s]
        cost = np.array([[self._cost(tr, c, s, t_s) for (c, s, _) in marks] for tr in live])
        keep = self._without_duplicates(detected, marks, cost)
        ids: list[int] = [0] * len(detected)
        if live and keep:
            rows, cols = linear_sum_assignment(cost[:, keep])
            for r, c in zip(rows, cols, strict=True):
                if cost[r, keep[c]] < 1.0:
                    ids[keep[c]] = live[r].track_id
        for i in sorted((i for i in keep if not ids[i]), key=lambda i: marks[i][0][0]):
            c, s, _ = marks[i]
            self._tracks.append(_Track(self._next_id, c, s, t_s, t_s))
            ids[i] = self._next_id
            self._next_id += 1
        by_id = {tr.track_id: tr for tr in self._tracks}
        kept = [(ids[i], p) for i, p in enumerate(detected) if ids[i] > 0]
        for i in (i for i in range(len(detected)) if ids[i] > 0):
            self._extend(by_id[ids[i]], detected[i], marks[i][0], marks[i][1], t_s, row)
        return kept

    def _without_duplicates(
        self, detected: list[DetectedPose], marks: list[Any], cost: np.ndarray
    ) -> list[int]:
        """Indices of the detections kept: one per group of mutual duplicates."""
        best_cost = cost.min(axis=0) if cost.size else np.full(len(detected), np.inf)
        vis = [float(np.nansum(p.visibility[list(_TORSO)])) for p in detected]
        order = sorted(
            range(len(detected)), key=lambda i: (best_cost[i] >= 1.0, best_cost[i], -vis[i])
        )
        kept: list[int] = []
        for i in order:
            if not any(is_duplicate(marks[i], marks[k]) for k in kept):
                kept.append(i)
        return sorted(kept)

    def _extend(
        self, tr: _Track, p: DetectedPose, c: np.ndarray, s: float, t_s: float, row: int
    ) -> None:
        dt = t_s - tr.last_t
        if tr.frames and 0 < dt <= 0.5:  # recent motion, bounded: a glitch cannot fling it
            step = (c - tr.centre) / dt
            limit = 4.0 * tr.size
            norm = float(np.linalg.norm(step))
            if norm > limit:
                step = step * (limit / norm)
            tr.velocity = 0.7 * tr.velocity + 0.3 * step
        tr.centre, tr.size, tr.last_t = c, 0.8 * tr.size + 0.2 * s, t_s
        tr.frames.append(row)
        tr.world.append(p.world_xyz_m)
        tr.image.append(p.image_xyz)
        tr.vis.append(p.visibility)
        tr.weight += s * float(np.nanmean(p.visibility[list(_TORSO)]))

    def _cost(self, tr: _Track, centre: np.ndarray, size: float, t_s: float) -> float:
        """0 for a perfect match; 1 or more means 'not this track'. The position is predicted
        from the track's recent motion over at most half a second."""
        dt = max(t_s - tr.last_t, 1e-3)
        predicted = tr.centre + tr.velocity * min(dt, 0.5)
        gate = tr.size * (self.settings.max_match_distance + self.settings.max_speed * dt)
        dist = float(np.linalg.norm(centre - predicted)) / gate
        size_ratio = abs(np.log(size / tr.size))
        return dist + 0.5 * size_ratio

    # ----------------------------------------------------------------------------------------
    def summaries(self) -> list[TrackSummary]:
        n = max(self._n_frames, 1)
        out = []
        for tr in self._tracks:
            img = np.array(tr.image)
            out.append(
                TrackSummary(
                    person_id=tr.track_id,
                    frames=len(tr.frames),
                    share_of_clip=len(tr.frames) / n,
                    mean_x=float(np.nanmean(img[:, list(_TORSO), 0])),
                    mean_size=float(np.mean([torso_anchor(i, self.aspect)[1] for i in img[::10]])),
                    visibility=float(np.nanmean(np.array(tr.vis))),
                    score=tr.weight,
                )
            )
        return out

    def kept_ids(self) -> list[int]:
        """Tracks long enough to be people, not flickers (``min_track_s``)."""
        keep = []
        for tr in self._tracks:
            span = self._t[tr.frames[-1]] - self._t[tr.frames[0]] if tr.frames else 0.0
            if span >= self.settings.min_track_s or len(tr.frames) >= 0.5 * self._n_frames:
                keep.append(tr.track_id)
        return keep

    def recording(
        self,
        subject: int = 0,
        image_size_px: tuple[int, int] = (0, 0),
        meta: dict[str, object] | None = None,
    ) -> PoseRecording:
        """All kept tracks on the clip's full timeline (NaN where a person was not seen)."""
        t = np.array(self._t, dtype=np.float64)
        fi = np.array(self._frame_index, dtype=np.int64)
        people = []
        for tr in self._tracks:
            if tr.track_id not in self.kept_ids():
                continue
            n = len(t)
            world = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
            image = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
            vis = np.full((n, N_LANDMARKS), np.nan, dtype=np.float32)
            rows = np.array(tr.frames, dtype=np.int64)
            world[rows], image[rows], vis[rows] = tr.world, tr.image, tr.vis
            people.append(
                PoseSequence(
                    t_s=t,
                    world_xyz_m=world,
                    image_xyz=image,
                    visibility=vis,
                    frame_index=fi,
                    image_size_px=image_size_px,
                    person_id=tr.track_id,
                )
            )
        if not people:
            raise NoPersonError("no person was found in the video")
        chosen = subject if subject else self.most_visible()
        ids = [p.person_id for p in people]
        return PoseRecording(
            people=tuple(people),
            subject_id=chosen if chosen in ids else ids[0],
            meta=dict(meta or {}),
        )

    def most_visible(self) -> int:
        kept = self.kept_ids()
        best = max(
            (tr for tr in self._tracks if tr.track_id in kept),
            key=lambda tr: tr.weight,
            default=None,
        )
        return best.track_id if best else 0


def most_visible_person(rec: PoseRecording) -> int:
    """The subject rule applied to a recording read back from ``landmarks.npz``."""
    best, best_score = rec.people[0].person_id, -1.0
    for p in rec.people:
        if not p.has_image:
            score = float(p.pose_found.sum())
        else:
            img = p.image_xyz.astype(np.float64)
            torso = img[:, list(_TORSO), :2] * np.array([p.aspect, 1.0])
            size = np.linalg.norm(
                torso[:, :2].mean(1) - torso[:, 2:].mean(1), axis=-1
            ) + np.linalg.norm(torso[:, 0] - torso[:, 1], axis=-1)
            vis = nanmean(p.visibility[:, list(_TORSO)], axis=1)
            score = float(np.nansum(size * np.nan_to_num(vis, nan=1.0)))
        if score > best_score:
            best, best_score = p.person_id, score
    return best
