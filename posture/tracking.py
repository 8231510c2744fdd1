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
    velocity: np.ndarray
    last_t: float
    first_t: float
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

    def update(self, frame_index: int, t_s: float, people: list[DetectedPose]) -> list[int]:
        """Match ``people`` to tracks; return the track id of each, in the input order."""
        row = self._n_frames
        self._n_frames += 1
        self._t.append(t_s)
        self._frame_index.append(frame_index)
        anchors = [torso_anchor(p.image_xyz, self.aspect) for p in people]
        live = [tr for tr in self._tracks if t_s - tr.last_t <= self.settings.max_missing_s]
        ids: list[int] = [0] * len(people)
        if live and people:
            cost = np.array([[self._cost(tr, c, s, t_s) for (c, s) in anchors] for tr in live])
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols, strict=True):
                if cost[r, c] < 1.0:
                    ids[c] = live[r].track_id
        # new tracks for unmatched people, numbered left to right
        unmatched = sorted(
            (i for i, tid in enumerate(ids) if tid == 0), key=lambda i: anchors[i][0][0]
        )
        for i in unmatched:
            c, s = anchors[i]
            self._tracks.append(_Track(self._next_id, c, s, np.zeros(2), t_s, t_s))
            ids[i] = self._next_id
            self._next_id += 1
        by_id = {tr.track_id: tr for tr in self._tracks}
        for i, p in enumerate(people):
            tr = by_id[ids[i]]
            c, s = anchors[i]
            dt = t_s - tr.last_t
            if dt > 0 and tr.frames:
                tr.velocity = 0.5 * tr.velocity + 0.5 * (c - tr.centre) / dt
            tr.centre, tr.size, tr.last_t = c, 0.8 * tr.size + 0.2 * s, t_s
            tr.frames.append(row)
            tr.world.append(p.world_xyz_m)
            tr.image.append(p.image_xyz)
            tr.vis.append(p.visibility)
            tr.weight += s * float(np.nanmean(p.visibility[list(_TORSO)]))
        return ids

    def _cost(self, tr: _Track, centre: np.ndarray, size: float, t_s: float) -> float:
        """0 for a perfect match; 1 or more means 'not this track'."""
        dt = max(t_s - tr.last_t, 1e-3)
        predicted = tr.centre + tr.velocity * min(dt, 0.5)
        gate = self.settings.max_match_distance * (1.0 + 2.0 * min(dt, 2.0))
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
