"""Stable identities for the people in a video, frame by frame: matching each frame's people to
the tracks known (what a person looks like is in :mod:`posture.video.appearance`, who was in a
recording in :mod:`posture.video.summaries`, the second look in :mod:`posture.video.second_look`).

MediaPipe returns the people of a frame in no stable order. :class:`PersonTracker` matches
each frame's people to the tracks it knows by the position and size of their torso in the
image (Hungarian assignment, gated by distance), so an identity survives crossings, short
occlusions and people leaving the frame for a moment. Track ids start at 1, in order of first
appearance (left to right among people who appear together).

The subject, unless the user names one, is the person most visible over the clip
(:func:`posture.video.summaries.most_visible_person`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from posture.core.config import TrackingSettings
from posture.core.errors import NoPersonError
from posture.core.landmarks import N_LANDMARKS, PoseRecording
from posture.video.appearance import (
    TORSO,
    appearance,
    is_duplicate,
    landmark_box,
    pose_box,
    presence,
    torso_anchor,
    torso_in_picture,
    torso_turn_deg,
)
from posture.video.identity import TrackPart, reach, recording, settle
from posture.video.pose import DetectedPose
from posture.video.summaries import TrackSummary, most_visible_person, people_summaries


class _Store:
    """A track's landmarks in chunks of preallocated arrays (no Python object per frame):
    about 1 KB per frame seen."""

    CHUNK = 256

    def __init__(self) -> None:
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self._used = 0  # rows used in the last chunk
        self.count = 0

    def append(self, row: int, p: DetectedPose, look: np.ndarray) -> None:
        if not self._chunks or self._used == self.CHUNK:
            c = self.CHUNK
            self._chunks.append(
                (
                    np.empty(c, np.int64),
                    np.empty((c, N_LANDMARKS, 3), np.float32),
                    np.empty((c, N_LANDMARKS, 3), np.float32),
                    np.empty((c, N_LANDMARKS), np.float32),
                    np.empty((c, 6), np.float32),
                )
            )
            self._used = 0
        rows, world, image, vis, looks = self._chunks[-1]
        k = self._used
        rows[k], world[k], image[k], vis[k], looks[k] = (
            row, p.world_xyz_m, p.image_xyz, p.visibility, look
        )  # fmt: skip
        self._used += 1
        self.count += 1

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(rows, world, image, visibility, looks), each with one entry per frame seen."""
        if not self._chunks:
            return (
                np.empty(0, np.int64),
                np.empty((0, N_LANDMARKS, 3), np.float32),
                np.empty((0, N_LANDMARKS, 3), np.float32),
                np.empty((0, N_LANDMARKS), np.float32),
                np.empty((0, 6), np.float32),
            )
        last = [a[: self._used] for a in self._chunks[-1]]
        return tuple(
            np.concatenate([c[k] for c in self._chunks[:-1]] + [last[k]]) for k in range(5)
        )


@dataclass
class _Track:
    track_id: int
    centre: np.ndarray
    size: float
    last_t: float
    first_t: float
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    colour: np.ndarray = field(default_factory=lambda: np.full(6, np.nan))
    store: _Store = field(default_factory=_Store)
    last_image: np.ndarray | None = None
    last_vis: np.ndarray | None = None
    first_row: int = -1
    last_row: int = -1
    weight: float = 0.0  # visibility-weighted presence (subject rule)
    sightings: int = 0  # frames the pose model itself found it in (not a second look)
    #: when, where and how large the pose model itself last found it (second looks are
    #: checked against these, never against what earlier second looks added)
    sighted_t: float = float("-inf")
    sighted_centre: np.ndarray = field(default_factory=lambda: np.full(2, np.nan))
    sighted_size: float = float("nan")


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


def match_cost(
    predicted: np.ndarray,
    size_was: float,
    colour_was: np.ndarray,
    dt: float,
    centre: np.ndarray,
    size: float,
    look: np.ndarray | None,
    settings: TrackingSettings,
) -> float:
    """How unlike a person last seen ``dt`` seconds ago (their torso expected at ``predicted``,
    of ``size_was``, clothes ``colour_was``) a pose now is (torso ``centre``, ``size``, clothes
    ``look``): 0 for a perfect match, 1 or more means "not this person". The place counts in
    torso sizes within how far they could have moved; clothes of another colour add to it."""
    gate = reach(size_was, dt, settings)
    dist = float(np.linalg.norm(centre - predicted)) / gate
    size_ratio = abs(np.log(size / size_was))
    colour = 0.0
    if look is not None:
        diff = np.abs(look - colour_was)
        colour = float(np.nansum(diff)) if np.isfinite(diff).any() else 0.0
    return float(dist + 0.5 * size_ratio + APPEARANCE_WEIGHT * colour)


def _smoothed_size(was: float, now: float) -> float:
    """A track's torso size after one more pose of size ``now`` (a fifth of it taken in)."""
    return 0.8 * was + 0.2 * now


def remembered_colour(was: np.ndarray, look: np.ndarray) -> np.ndarray:
    """A track's clothes colour ``(6,)`` after one more sighting in clothes ``look``: each part
    (torso, thighs) seen is averaged in (a tenth of the new look), or taken as it is where that
    part was never seen before; a part not seen now keeps its colour (a desk camera that never
    shows the thighs still remembers the torso)."""
    seen = np.isfinite(look)
    return np.where(seen, np.where(np.isfinite(was), 0.9 * was + 0.1 * look, look), was)


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
        marks = [(*torso_anchor(p.image_xyz, self.aspect), pose_box(p)) for p in detected]
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
            self._extend(by_id[ids[i]], detected[i], marks[i][0], marks[i][1], t_s, row, looks[i])
            tr = by_id[ids[i]]
            tr.sightings += 1
            size_now = marks[i][1]
            tr.sighted_size = (
                size_now if tr.sightings == 1 else _smoothed_size(tr.sighted_size, size_now)
            )
            tr.sighted_t, tr.sighted_centre = t_s, marks[i][0]
            tr.colour = remembered_colour(tr.colour, looks[i])
        return kept

    def missing(self, within_s: float) -> list[tuple[int, np.ndarray]]:
        """People lost in the newest frame: tracks the pose model itself found in at least
        ``MIN_SIGHTINGS`` frames, last found (by the model or a second look) within
        ``within_s`` seconds, with the box ``(x0, y0, x1, y1)`` (normalised) where they should
        be now: their last box moved by their recent motion.

        A person found by a second look on every frame stays missing, and looked for, while
        that lasts (as MediaPipe's own one-person graph follows someone while its landmark model
        still sees them), but never longer than ``tracking.max_missing_s`` after the pose model
        itself last found them: the tracker's own limit for keeping an identity the model does
        not see. :meth:`recover` checks each pose against where, in which clothes and at which
        size the pose model last saw them, never against what second looks added, so no chain
        of them can drift onto someone or something else."""
        longest = self.settings.max_missing_s  # unseen by the model that long: a new person
        within_s = min(within_s, longest)
        if not self._t or within_s <= 0:
            return []
        t_s = self._t[-1]
        out = []
        for tr in self._tracks:
            dt = t_s - tr.last_t
            established = tr.sightings >= MIN_SIGHTINGS
            if not (0 < dt <= within_s and t_s - tr.sighted_t <= longest and established):
                continue
            assert tr.last_image is not None and tr.last_vis is not None
            box = landmark_box(tr.last_image, tr.last_vis)
            move = tr.velocity * min(dt, 0.5) / np.array([self.aspect, 1.0])
            out.append((tr.track_id, box + np.r_[move, move]))
        return out

    def recover(self, track_id: int, pose: DetectedPose, rgb: np.ndarray | None = None) -> bool:
        """Add a pose found by a second look (``missing``) to that track in the newest frame,
        if it is where the track should be, of the clothes and size the pose model itself saw
        (not as second looks left them), within reach of where the model last saw the person
        (as far as the tracker lets a person out of view move: ``tracking.max_match_distance``
        torso sizes and ``tracking.max_speed`` a second since), and no one else already found
        there. Returns whether it was added."""
        tr = next((tr for tr in self._tracks if tr.track_id == track_id), None)
        if tr is None or not self._t or tr.last_t >= self._t[-1]:
            return False
        t_s = self._t[-1]
        centre, size = torso_anchor(pose.image_xyz, self.aspect)
        if not np.isfinite(centre).all() or not torso_in_picture(pose.image_xyz):
            return False
        far = reach(tr.sighted_size, t_s - tr.sighted_t, self.settings)
        if not float(np.linalg.norm(centre - tr.sighted_centre)) <= far:
            return False
        look = appearance(rgb, pose.image_xyz) if rgb is not None else None
        # tr.colour, too, is only ever the pose model's
        if not self._cost(tr, centre, size, t_s, look, tr.sighted_size) < RECOVER_MAX_COST:
            return False
        assert tr.last_image is not None
        turn = torso_turn_deg(tr.last_image, pose.image_xyz, self.aspect)
        if not turn <= RECOVER_MAX_TURN_DEG:  # a somersault, or someone else's legs
            return False
        mark = (centre, size, pose_box(pose))
        if any(is_duplicate(mark, other) for other in self._frame_marks):
            return False
        seen = look if look is not None else np.full(6, np.nan)
        self._extend(tr, pose, centre, size, t_s, self._n_frames - 1, seen)
        self._frame_marks.append(mark)
        return True

    def _without_duplicates(
        self, detected: list[DetectedPose], marks: list[Any], cost: np.ndarray
    ) -> list[int]:
        """Indices of the detections kept: one per group of mutual duplicates."""
        best_cost = cost.min(axis=0) if cost.size else np.full(len(detected), np.inf)
        vis = [float(np.nansum(p.visibility[list(TORSO)])) for p in detected]
        order = sorted(
            range(len(detected)), key=lambda i: (best_cost[i] >= 1.0, best_cost[i], -vis[i])
        )
        kept: list[int] = []
        for i in order:
            if not any(is_duplicate(marks[i], marks[k]) for k in kept):
                kept.append(i)
        return sorted(kept)

    def _extend(
        self,
        tr: _Track,
        p: DetectedPose,
        c: np.ndarray,
        s: float,
        t_s: float,
        row: int,
        look: np.ndarray,
    ) -> None:
        dt = t_s - tr.last_t
        if tr.store.count and 0 < dt <= 0.5:  # recent motion, bounded: a glitch cannot fling it
            step = (c - tr.centre) / dt
            limit = 4.0 * tr.size
            norm = float(np.linalg.norm(step))
            if norm > limit:
                step = step * (limit / norm)
            tr.velocity = 0.7 * tr.velocity + 0.3 * step
        tr.centre, tr.size, tr.last_t = c, _smoothed_size(tr.size, s), t_s
        tr.store.append(row, p, look)
        tr.last_image, tr.last_vis = p.image_xyz, p.visibility
        if tr.first_row < 0:
            tr.first_row = row
        tr.last_row = row
        tr.weight += presence(p.image_xyz, p.visibility, self.aspect)

    def _cost(
        self,
        tr: _Track,
        centre: np.ndarray,
        size: float,
        t_s: float,
        look: np.ndarray | None = None,
        size_was: float | None = None,
    ) -> float:
        """0 for a perfect match; 1 or more means 'not this track'. The position is predicted
        from the track's recent motion over at most half a second; clothes of another colour
        add to the cost. ``size_was``: the size to compare with (default the track's own)."""
        dt = max(t_s - tr.last_t, 1e-3)
        predicted = tr.centre + tr.velocity * min(dt, 0.5)
        was = tr.size if size_was is None else size_was
        return match_cost(predicted, was, tr.colour, dt, centre, size, look, self.settings)

    # ----------------------------------------------------------------------------------------
    def parts(self, *, release: bool = False) -> list[TrackPart]:
        """Every track's landmarks (rows count this tracker's frames from 0). ``release``: the
        tracker's own copy is let go as each track is read (the run is over: a long
        recording's landmarks are never held twice)."""
        out = []
        for tr in self._tracks:
            rows, world, image, vis, looks = tr.store.arrays()
            if release:
                tr.store = _Store()
            out.append(TrackPart(tr.track_id, rows, world, image, vis, looks, tr.sightings))
        return out

    def timeline(self) -> tuple[np.ndarray, np.ndarray]:
        """``(t_s, frame_index)`` of every frame given to :meth:`update`."""
        return np.array(self._t, dtype=np.float64), np.array(self._frame_index, dtype=np.int64)

    def people(self) -> list[TrackPart]:
        """The people of the frames so far, identities settled over all of them
        (:func:`posture.video.identity.settle`)."""
        t, _ = self.timeline()
        return settle(self.parts(), t, self.aspect, self.settings)

    def summaries(self) -> list[TrackSummary]:
        """:class:`TrackSummary` of each of :meth:`people`."""
        return people_summaries(self.people(), self.timeline()[0], self.aspect)

    def kept_ids(self) -> list[int]:
        """Tracks long enough to be people, not flickers (``min_track_s``), as they stand."""
        keep = []
        for tr in self._tracks:
            span = self._t[tr.last_row] - self._t[tr.first_row] if tr.store.count else 0.0
            if span >= self.settings.min_track_s or tr.store.count >= 0.5 * self._n_frames:
                keep.append(tr.track_id)
        return keep

    def recording(
        self,
        subject: int = 0,
        image_size_px: tuple[int, int] = (0, 0),
        meta: dict[str, object] | None = None,
    ) -> PoseRecording:
        """The people (:meth:`people`) on the clip's full timeline (NaN where a person was not
        seen); ``subject`` 0: the most visible."""
        t, fi = self.timeline()
        people = self.people()
        if not people:
            raise NoPersonError("no person was found in the video")
        rec = recording(people, t, fi, image_size_px, subject)
        chosen = subject if subject in rec.person_ids else most_visible_person(rec)
        return PoseRecording(rec.people, chosen, dict(meta or {}))

    def most_visible(self) -> int:
        """The subject rule on the tracks as they stand (live: cheap, every frame)."""
        kept = self.kept_ids()
        best = max(
            (tr for tr in self._tracks if tr.track_id in kept),
            key=lambda tr: tr.weight,
            default=None,
        )
        return best.track_id if best else 0
