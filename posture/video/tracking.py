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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from posture.core.config import PoseSettings, TrackingSettings
from posture.core.errors import NoPersonError
from posture.core.geometry import nanmean
from posture.core.landmarks import LM, N_LANDMARKS, PoseRecording, PoseSequence
from posture.video.pose import Crop, CropPoseEstimator, DetectedPose, ModelInfo, crop_around

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
    colour: np.ndarray = field(default_factory=lambda: np.full(6, np.nan))
    frames: list[int] = field(default_factory=list)
    world: list[np.ndarray] = field(default_factory=list)
    image: list[np.ndarray] = field(default_factory=list)
    vis: list[np.ndarray] = field(default_factory=list)
    weight: float = 0.0  # visibility-weighted presence (subject rule)
    sightings: int = 0  # frames the pose model itself found it in (not a second look)
    last_sighting_t: float = float("-inf")


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
    best_t_s: float = float("nan")  # when they were seen best (largest, most visible)
    best_box: tuple[float, float, float, float] | None = None  # (x0, y0, x1, y1) then, 0..1

    def describe(self) -> str:
        where = "left" if self.mean_x < 0.4 else "right" if self.mean_x > 0.6 else "centre"
        return (
            f"person {self.person_id}: in view {self.share_of_clip:.0%} of the clip, {where} of "
            f"the picture, torso {self.mean_size:.2f} of the frame height, "
            f"landmarks {self.visibility:.0%} visible"
        )

    def as_dict(self) -> dict[str, Any]:
        """summary.json's ``people`` entry: the fields and the description."""
        return self.__dict__ | {"description": self.describe()}


#: Where the clothes are sampled: a 4 x 4 grid over the torso (shoulders to hips) and three
#: points down each thigh (hip to knee), as fractions along those segments.
_GRID = (0.2, 0.4, 0.6, 0.8)
_THIGH = (0.3, 0.5, 0.7)
#: Where the colour is sampled, as weights of landmarks: a 4 x 4 bilinear grid inside the torso
#: quadrilateral (left/right shoulder, left/right hip), then 3 points along each thigh.
_TORSO_WEIGHTS = np.array(
    [[(1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v] for u in _GRID for v in _GRID]
)
_THIGH_POINTS = (LM.LEFT_HIP, LM.LEFT_KNEE, LM.RIGHT_HIP, LM.RIGHT_KNEE)
_THIGH_WEIGHTS = np.array(
    [[1 - v, v, 0, 0] for v in _THIGH] + [[0, 0, 1 - v, v] for v in _THIGH], dtype=np.float64
)
#: A detection whose cost to its track is above this share of its cost to another, unmatched
#: track is ambiguous and given to neither.
AMBIGUOUS = 0.8
#: Weight of a colour difference (sum of 6 chromaticity/brightness differences) in the cost.
APPEARANCE_WEIGHT = 1.0
#: A second look is for people the pose model had found in at least this many frames (not a
#: flicker), and accepts a pose only this close to the person's track (a match costs < 1).
MIN_SIGHTINGS = 5
RECOVER_MAX_COST = 0.6
#: ... and leaning no more than this differently from the person's last pose (in the picture).
RECOVER_MAX_TURN_DEG = 60.0


def _torso_in_picture(image_xyz: np.ndarray) -> bool:
    """Every torso landmark inside the frame: a pose guessed past the edge is no sighting."""
    xy = image_xyz[list(_TORSO), :2]
    return bool(np.isfinite(xy).all() and ((xy >= 0) & (xy <= 1)).all())


def _torso_turn_deg(a: np.ndarray, b: np.ndarray, aspect: float) -> float:
    """Angle between the hip-to-shoulder lines of two poses' image landmarks, degrees (NaN if
    either is not seen)."""

    def trunk(p: np.ndarray) -> np.ndarray:
        xy = p[list(_TORSO), :2].astype(np.float64) * np.array([aspect, 1.0])
        return xy[:2].mean(axis=0) - xy[2:].mean(axis=0)

    u, v = trunk(a), trunk(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def appearance(rgb: np.ndarray, image_xyz: np.ndarray) -> np.ndarray:
    """``(6,)`` colour of a person's clothes: red and green chromaticity and brightness of the
    torso, then of the thighs; NaN where too little of it is in the picture. Cheap, and enough
    to keep two people apart when their paths cross or when the pose model places a glitchy
    torso on the grass for a frame."""
    h, w = rgb.shape[:2]
    out = []
    for weights, points in ((_TORSO_WEIGHTS, _TORSO), (_THIGH_WEIGHTS, _THIGH_POINTS)):
        pts = image_xyz[list(points), :2].astype(np.float64)
        seen = np.isfinite(pts).all(axis=1)
        xy = weights @ np.where(seen[:, None], pts, 0.0)
        ok = ~((weights > 0) & ~seen).any(axis=1)  # every landmark a point is made of was seen
        xs = np.nan_to_num(xy[:, 0] * w, nan=-1).astype(int)
        ys = np.nan_to_num(xy[:, 1] * h, nan=-1).astype(int)
        ok &= (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        if ok.sum() < 3:
            out.append(np.full(3, np.nan))
            continue
        c = rgb[ys[ok], xs[ok]].astype(np.float64)
        total = c.sum(axis=1, keepdims=True) + 1.0
        out.append(np.r_[(c[:, :2] / total).mean(axis=0), c.mean() / 255.0])
    return np.concatenate(out)


def presence(image_xyz: np.ndarray, visibility: np.ndarray, aspect: float) -> float:
    """One frame's share of the subject rule: torso size x torso visibility (a large, clearly
    seen person counts most)."""
    size = torso_anchor(image_xyz, aspect)[1]
    v = visibility[list(_TORSO)]
    v = v[np.isfinite(v)]
    return size * (float(v.mean()) if v.size else 1.0)  # visibility unknown: counts as seen


def _box(p: DetectedPose) -> np.ndarray:
    return landmark_box(p.image_xyz, p.visibility)


def landmark_box(image_xyz: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """Bounding box ``(x0, y0, x1, y1)`` of the landmarks seen, normalised coordinates."""
    seen = np.nan_to_num(visibility, nan=1.0) >= 0.5
    xy = image_xyz[seen if seen.sum() >= 4 else slice(None), :2]
    return np.concatenate([np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)])


def presences(image: np.ndarray, vis: np.ndarray, aspect: float) -> np.ndarray:
    """:func:`presence` of every frame of ``image`` ``(F, 33, 3)`` and ``vis`` ``(F, 33)``."""
    pts = image[:, list(_TORSO), :2].astype(np.float64) * np.array([aspect, 1.0])
    size = np.linalg.norm(pts[:, :2].mean(1) - pts[:, 2:].mean(1), axis=-1) + np.linalg.norm(
        pts[:, 0] - pts[:, 1], axis=-1
    )
    size = np.maximum(np.nan_to_num(size, nan=0.0), 1e-3)
    v = vis[:, list(_TORSO)].astype(np.float64)
    n = np.isfinite(v).sum(axis=1)
    mean_vis = np.where(n > 0, np.nansum(np.nan_to_num(v), axis=1) / np.maximum(n, 1), 1.0)
    return size * mean_vis


def _overlaps(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(intersection over union, intersection over the smaller box) of two boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    union = area_a + area_b - inter
    smaller = min(area_a, area_b)
    return (inter / union if union > 0 else 0.0, inter / smaller if smaller > 0 else 0.0)


def is_duplicate(
    a: tuple[np.ndarray, float, np.ndarray], b: tuple[np.ndarray, float, np.ndarray]
) -> bool:
    """Two detections of one person (``(centre, size, box)`` of each): torso centres within a
    third of a torso size, body boxes overlapping by more than half, or a smaller pose lying
    almost wholly inside a larger one (a second pose on one person's legs)."""
    iou, inside = _overlaps(a[2], b[2])
    return bool(np.linalg.norm(a[0] - b[0]) < max(a[1], b[1]) / 3 or iou > 0.5 or inside > 0.8)


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
        self._frame_marks: list[tuple[np.ndarray, float, np.ndarray]] = []

    def update(
        self,
        frame_index: int,
        t_s: float,
        detected: list[DetectedPose],
        rgb: np.ndarray | None = None,
    ) -> list[tuple[int, DetectedPose]]:
        """Match a frame's people to tracks; return ``(track id, pose)`` for each person kept,
        in the input order.

        Duplicate detections of one person (:func:`is_duplicate`) are reduced to the one that
        best continues a known track (else the most visible); known tracks are then matched
        (Hungarian assignment on torso position, predicted from the track's recent motion,
        and size, and the colour of their clothes when the frame ``rgb`` is given); the rest
        start new tracks, numbered left to right.
        """
        row = self._n_frames
        self._n_frames += 1
        self._t.append(t_s)
        self._frame_index.append(frame_index)
        marks = [(*torso_anchor(p.image_xyz, self.aspect), _box(p)) for p in detected]
        looks = [
            appearance(rgb, p.image_xyz) if rgb is not None else np.full(6, np.nan)
            for p in detected
        ]
        live = [tr for tr in self._tracks if t_s - tr.last_t <= self.settings.max_missing_s]
        cost = np.array(
            [
                [
                    self._cost(tr, c, s, t_s, look)
                    for (c, s, _), look in zip(marks, looks, strict=True)
                ]
                for tr in live
            ]
        )
        keep = self._without_duplicates(detected, marks, cost)
        ids: list[int] = [0] * len(detected)
        if live and keep:
            rows, cols = linear_sum_assignment(cost[:, keep])
            matched = {
                r: keep[c] for r, c in zip(rows, cols, strict=True) if cost[r, keep[c]] < 1.0
            }
            for r, j in matched.items():
                # a lone detection about as close to another track that got nothing this frame
                # (two people merged into one pose as they meet) is given to neither: a wrong
                # guess would swap them
                rivals = [
                    r2
                    for r2 in range(len(live))
                    if r2 != r
                    and r2 not in matched
                    and cost[r2, j] < 1.0
                    and cost[r, j] > AMBIGUOUS * cost[r2, j]
                ]
                ids[j] = -1 if rivals else live[r].track_id
        for i in sorted((i for i in keep if ids[i] == 0), key=lambda i: marks[i][0][0]):
            c, s, _ = marks[i]
            self._tracks.append(_Track(self._next_id, c, s, t_s, t_s))
            ids[i] = self._next_id
            self._next_id += 1
        by_id = {tr.track_id: tr for tr in self._tracks}
        kept = [(ids[i], p) for i, p in enumerate(detected) if ids[i] > 0]
        self._frame_marks = [marks[i] for i in keep]  # for recover(): who is already here
        for i in (i for i in range(len(detected)) if ids[i] > 0):
            self._extend(by_id[ids[i]], detected[i], marks[i][0], marks[i][1], t_s, row)
            tr = by_id[ids[i]]
            tr.sightings += 1
            tr.last_sighting_t = t_s
            if np.isfinite(looks[i]).all():
                tr.colour = (
                    looks[i]
                    if not np.isfinite(tr.colour).all()
                    else (0.9 * tr.colour + 0.1 * looks[i])
                )
        return kept

    def missing(self, within_s: float) -> list[tuple[int, np.ndarray]]:
        """People lost in the newest frame: tracks the pose model itself found in at least
        ``MIN_SIGHTINGS`` frames, the last one within ``within_s`` seconds (second looks do
        not extend that: no chain of them can drift away), with the box ``(x0, y0, x1, y1)``
        (normalised) where they should be now: their last box moved by their recent motion."""
        within_s = min(within_s, self.settings.max_missing_s)  # gone that long: a new person
        if not self._t or within_s <= 0:
            return []
        t_s = self._t[-1]
        out = []
        for tr in self._tracks:
            dt = t_s - tr.last_t
            established = tr.sightings >= MIN_SIGHTINGS
            if not (dt > 0 and t_s - tr.last_sighting_t <= within_s and established):
                continue
            box = landmark_box(tr.image[-1], tr.vis[-1])
            move = tr.velocity * min(dt, 0.5) / np.array([self.aspect, 1.0])
            out.append((tr.track_id, box + np.r_[move, move]))
        return out

    def recover(self, track_id: int, pose: DetectedPose, rgb: np.ndarray | None = None) -> bool:
        """Add a pose found by a second look (``missing``) to that track in the newest frame,
        if it is where and what the track should be and is no one else already found there.
        Returns whether it was added."""
        tr = next((tr for tr in self._tracks if tr.track_id == track_id), None)
        if tr is None or not self._t or tr.last_t >= self._t[-1]:
            return False
        t_s = self._t[-1]
        centre, size = torso_anchor(pose.image_xyz, self.aspect)
        if not np.isfinite(centre).all() or not _torso_in_picture(pose.image_xyz):
            return False
        look = appearance(rgb, pose.image_xyz) if rgb is not None else None
        if self._cost(tr, centre, size, t_s, look) >= RECOVER_MAX_COST:
            return False
        turn = _torso_turn_deg(tr.image[-1], pose.image_xyz, self.aspect)
        if not turn <= RECOVER_MAX_TURN_DEG:  # a somersault, or someone else's legs
            return False
        mark = (centre, size, _box(pose))
        if any(is_duplicate(mark, other) for other in self._frame_marks):
            return False
        self._extend(tr, pose, centre, size, t_s, self._n_frames - 1)
        self._frame_marks.append(mark)
        return True

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
        tr.weight += presence(p.image_xyz, p.visibility, self.aspect)

    def _cost(
        self,
        tr: _Track,
        centre: np.ndarray,
        size: float,
        t_s: float,
        look: np.ndarray | None = None,
    ) -> float:
        """0 for a perfect match; 1 or more means 'not this track'. The position is predicted
        from the track's recent motion over at most half a second; clothes of another colour
        add to the cost."""
        dt = max(t_s - tr.last_t, 1e-3)
        predicted = tr.centre + tr.velocity * min(dt, 0.5)
        gate = tr.size * (self.settings.max_match_distance + self.settings.max_speed * dt)
        dist = float(np.linalg.norm(centre - predicted)) / gate
        size_ratio = abs(np.log(size / tr.size))
        colour = 0.0
        if look is not None:
            diff = np.abs(look - tr.colour)
            colour = float(np.nansum(diff)) if np.isfinite(diff).any() else 0.0
        return dist + 0.5 * size_ratio + APPEARANCE_WEIGHT * colour

    # ----------------------------------------------------------------------------------------
    def summaries(self) -> list[TrackSummary]:
        return [
            summarise(
                tr.track_id,
                np.array(tr.image),
                np.array(tr.vis),
                np.array([self._t[r] for r in tr.frames]),
                self._n_frames,
                self.aspect,
                score=tr.weight,
            )
            for tr in self._tracks
        ]

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


def summarise(
    person_id: int,
    image: np.ndarray,
    vis: np.ndarray,
    t_s: np.ndarray,
    n_frames: int,
    aspect: float,
    *,
    score: float | None = None,
) -> TrackSummary:
    """A person's summary from the image landmarks ``(F, 33, 3)``, visibility ``(F, 33)`` and
    times ``(F,)`` of the ``F`` frames they were seen in, out of ``n_frames``; ``score`` (the
    subject rule's weight) computed here unless given."""
    seen = len(image)
    each = presences(image, vis, aspect) if seen else np.zeros(0)
    if score is None:
        score = float(each.sum())
    # seen best: at the 90th percentile of presence (the very largest is often a glitch)
    best = int(np.argmin(np.abs(each - np.percentile(each, 90)))) if seen else -1
    box = None
    if seen:
        x0, y0, x1, y1 = (round(float(v), 4) for v in landmark_box(image[best], vis[best]))
        box = (x0, y0, x1, y1)
    return TrackSummary(
        person_id=person_id,
        frames=seen,
        share_of_clip=seen / max(n_frames, 1),
        mean_x=float(nanmean(image[:, list(_TORSO), 0].ravel(), axis=0)),
        mean_size=float(np.mean([torso_anchor(i, aspect)[1] for i in image[::10]]))
        if seen
        else float("nan"),
        visibility=float(nanmean(vis.ravel(), axis=0)),
        score=score,
        best_t_s=float(t_s[best]) if seen else float("nan"),
        best_box=box,
    )


def recording_summaries(rec: PoseRecording) -> list[TrackSummary]:
    """:class:`TrackSummary` of each person of a recording read back from ``landmarks.npz``
    (people without image landmarks get none)."""
    return [
        summarise(
            p.person_id,
            p.image_xyz[p.pose_found].astype(np.float64),
            p.visibility[p.pose_found].astype(np.float64),
            p.t_s[p.pose_found],
            len(p.t_s),
            p.aspect,
        )
        for p in rec.people
        if p.has_image
    ]


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


#: Crops tried for a second look, as multiples of the person's box: a wide one, then, if that
#: found someone else (a person standing close, e.g. handing over a box), a tight one.
CROP_SCALES = (1.5, 1.15)


class SecondLook:
    """Looks again for the people the pose model lost in the newest frame: for each track seen
    within ``within_s`` seconds, the crop of the frame around where it should be goes through
    ``look`` (a one-person pose model, e.g.
    :class:`posture.video.pose.CropPoseEstimator`), and a pose
    found where that person should be is added to their track (:meth:`PersonTracker.recover`).
    """

    def __init__(
        self,
        look: Callable[[np.ndarray, Crop], DetectedPose | None],
        within_s: float,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.look = look
        self.within_s = within_s
        self._close = close

    @classmethod
    def with_pose_model(
        cls, pose: PoseSettings, model: ModelInfo, within_s: float
    ) -> SecondLook | None:
        """A second look through its own
        :class:`posture.video.pose.CropPoseEstimator` (loaded at the
        first look); None when ``within_s`` (``tracking.recover_s``) is 0."""
        if within_s <= 0:
            return None
        crops = CropPoseEstimator(pose, model)
        return cls(crops.detect, within_s, crops.close)

    def close(self) -> None:
        if self._close is not None:
            self._close()

    def __call__(self, tracker: PersonTracker, rgb: np.ndarray) -> list[tuple[int, DetectedPose]]:
        """``(track id, pose)`` of each person found again in ``rgb``, the newest frame."""
        size = (rgb.shape[1], rgb.shape[0])
        added = []
        for track_id, box in tracker.missing(self.within_s):
            for scale in CROP_SCALES:
                crop = crop_around(box, size, scale)
                pose = self.look(rgb, crop) if crop is not None else None
                if pose is not None and tracker.recover(track_id, pose, rgb):
                    added.append((track_id, pose))
                    break
        return added
