"""Who is who over a whole recording: one worker kept as one person.

The tracker (:mod:`posture.video.tracking`) keeps an identity from frame to frame and through
short gaps. Over a whole recording, a person still comes out in several tracks when they leave
the picture, are hidden, or the pose model loses them for longer than the tracker waits. Here,
once every frame is tracked (or every segment joined), the tracks are settled:

1. **joined**: two tracks never seen in the same frame, whose clothes (colour), size and place
   agree, are one person, over any gap (the place counts only as far as a person could not have
   walked there in the gap); the best-agreeing pairs are joined first, each track between
   the two agreeing with the ones it follows and precedes;
2. **spurious ones dropped**: a person seen for less than ``tracking.min_track_s`` in all is a
   flicker of the pose model, not a person (unless they are all there is);
3. **numbered** 1, 2, ... in order of first appearance, left to right among people who appear
   together.

A user can join identities that are still split (``--join 2+5``, the dashboard's person picker):
:func:`join_people`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from posture.core.config import TrackingSettings
from posture.core.errors import InputError, NoPersonError
from posture.core.landmarks import N_LANDMARKS, PoseRecording, PoseSequence
from posture.video.appearance import TORSO

#: Colour difference (sum of the 6 chromaticity and brightness differences of
#: :func:`posture.video.appearance.appearance`) that alone rules a join out; sizes differing by
#: a factor of ``exp(SIZE_SCALE)`` likewise.
COLOUR_SCALE = 0.25
SIZE_SCALE = 0.5
#: How much of each track, nearest the gap, describes it (seconds of sightings).
ENDS_S = 2.0


@dataclass(frozen=True)
class TrackPart:
    """One track: ``rows`` ``(n,)`` int64 (the frames, counted from the clip's first, where it
    was seen, ascending), its landmarks there in the project's convention (``world_xyz_m``,
    ``image_xyz`` ``(n, 33, 3)`` float32, ``visibility`` ``(n, 33)`` float32) and the colour of
    the clothes in each (``looks`` ``(n, 6)`` float32, NaN where not sampled)."""

    track_id: int
    rows: np.ndarray
    world_xyz_m: np.ndarray
    image_xyz: np.ndarray
    visibility: np.ndarray
    looks: np.ndarray
    sightings: int  # frames the pose model itself found it in (not a second look)

    def between(self, start: int, stop: int) -> TrackPart:
        """The part seen in frames ``[start, stop)`` (itself, uncopied, when that is all)."""
        if not self.rows.size or (self.rows[0] >= start and self.rows[-1] < stop):
            return self
        return _subset(self, (self.rows >= start) & (self.rows < stop))


def concat(parts: Sequence[TrackPart], track_id: int) -> TrackPart:
    """Parts of one person (no frame in two of them) as one, in frame order (one part is
    given back as it is, renumbered: no copy of a long recording's landmarks)."""
    if len(parts) == 1:
        return replace(parts[0], track_id=track_id)
    rows = np.concatenate([p.rows for p in parts])
    order = np.argsort(rows, kind="stable")
    return TrackPart(
        track_id,
        rows[order],
        np.concatenate([p.world_xyz_m for p in parts])[order],
        np.concatenate([p.image_xyz for p in parts])[order],
        np.concatenate([p.visibility for p in parts])[order],
        np.concatenate([p.looks for p in parts])[order],
        sum(p.sightings for p in parts),
    )


# --- what a track looks like near one of its ends ---------------------------------------------
def torso(image_xyz: np.ndarray, aspect: float) -> tuple[np.ndarray, np.ndarray]:
    """Torso centres ``(n, 2)`` (frame heights, x scaled by aspect) and sizes ``(n,)``."""
    pts = image_xyz[:, list(TORSO), :2].astype(np.float64) * np.array([aspect, 1.0])
    centre = pts.mean(axis=1)
    size = np.linalg.norm(pts[:, :2].mean(1) - pts[:, 2:].mean(1), axis=-1) + np.linalg.norm(
        pts[:, 0] - pts[:, 1], axis=-1
    )
    return centre, np.maximum(size, 1e-3)


@dataclass(frozen=True)
class _End:
    """A track near one end: time, torso centre and size there, median colour over its
    ``ENDS_S`` nearest sightings."""

    t_s: float
    centre: np.ndarray
    size: float
    colour: np.ndarray


def _end(part: TrackPart, t_s: np.ndarray, aspect: float, last: bool) -> _End:
    times = t_s[part.rows]
    near = times >= times[-1] - ENDS_S if last else times <= times[0] + ENDS_S
    centre, size = torso(part.image_xyz[near], aspect)
    ok = np.isfinite(centre).all(axis=1) & np.isfinite(size)
    looks = part.looks[near]
    colour = np.nanmedian(looks, axis=0) if np.isfinite(looks).any() else np.full(6, np.nan)
    k = -1 if last else 0
    return _End(
        float(times[k]),
        centre[ok][k] if ok.any() else np.full(2, np.nan),
        float(np.median(size[ok])) if ok.any() else float("nan"),
        colour,
    )


def join_cost(a: _End, b: _End, settings: TrackingSettings) -> float:
    """How unlike the end of one track (``a``) and the start of a later one (``b``) are: 0 the
    same, 1 or more not one person. Colour and size always count; the place only as far as
    the person could not have got there in the gap (``tracking.max_speed``)."""
    gap = max(b.t_s - a.t_s, 0.0)
    scale = float(np.nanmean([a.size, b.size]))
    if not np.isfinite(scale):
        return np.inf
    size = abs(np.log(b.size / a.size)) / SIZE_SCALE
    diff = np.abs(a.colour - b.colour)
    colour = float(np.nansum(diff)) / COLOUR_SCALE if np.isfinite(diff).any() else 0.5
    reach = scale * (settings.max_match_distance + settings.max_speed * gap)
    far = max(float(np.linalg.norm(b.centre - a.centre)) - reach, 0.0) / scale
    return float(size + colour + (far if np.isfinite(far) else 0.0))


# --- settling -------------------------------------------------------------------------------
def settle(
    parts: Iterable[TrackPart],
    t_s: np.ndarray,
    aspect: float,
    settings: TrackingSettings,
) -> list[TrackPart]:
    """The people of a recording from its tracks (see the module docstring), numbered from 1.
    ``t_s`` ``(N,)`` is the time of every frame of the recording."""
    tracks = [p for p in parts if p.rows.size]
    groups = _joined(tracks, t_s, aspect, settings)
    people = [concat([tracks[i] for i in g], 0) for g in groups]
    long_enough = [p for p in people if _seen_s(p, t_s) >= settings.min_track_s]
    if not long_enough and people:  # flickers only: the longest is still someone
        long_enough = [max(people, key=lambda p: p.rows.size)]
    return _numbered(long_enough, aspect)


def _seen_s(p: TrackPart, t_s: np.ndarray) -> float:
    """Time a person was in view: the frames they were seen in, each for its own duration."""
    step = np.diff(t_s, append=t_s[-1] + (t_s[-1] - t_s[-2] if len(t_s) > 1 else 1 / 30))
    return float(step[p.rows].sum())


def _joined(
    tracks: list[TrackPart], t_s: np.ndarray, aspect: float, settings: TrackingSettings
) -> list[list[int]]:
    """Groups of track indices, one per person: the best-agreeing pairs first, each joining
    their two groups when every track then follows one of another group that it agrees with
    (join cost below 1), never two tracks seen in one frame or overlapping in time.

    Groups, not chains: a pair that skips a track (the worker's first and third visits agree a
    little better than the first and second) still lets the skipped one join between them, as
    long as it agrees with the tracks it then follows and precedes."""
    firsts = [_end(p, t_s, aspect, last=False) for p in tracks]
    lasts = [_end(p, t_s, aspect, last=True) for p in tracks]
    cost: dict[tuple[int, int], float] = {}
    for i, a in enumerate(tracks):
        for j, b in enumerate(tracks):
            if i != j and a.rows[-1] < b.rows[0]:
                cost[i, j] = join_cost(lasts[i], firsts[j], settings)
    group = list(range(len(tracks)))
    members = {i: [i] for i in group}
    for _c, i, j in sorted((c, i, j) for (i, j), c in cost.items() if c < 1.0):
        gi, gj = group[i], group[j]
        if gi == gj:
            continue
        order = sorted(members[gi] + members[gj], key=lambda k: int(tracks[k].rows[0]))
        new_links = [(a, b) for a, b in itertools.pairwise(order) if group[a] != group[b]]
        if any(cost.get(link, np.inf) >= 1.0 for link in new_links):
            continue  # overlapping in time, or a track between them that agrees with neither
        for k in members.pop(gj):
            group[k] = gi
        members[gi] = order
    return list(members.values())


def _numbered(people: list[TrackPart], aspect: float) -> list[TrackPart]:
    """Ids 1, 2, ... by first appearance, left to right among people first seen together."""

    def key(p: TrackPart) -> tuple[int, float]:
        centre, _ = torso(p.image_xyz[:1], aspect)
        return int(p.rows[0]), float(np.nan_to_num(centre[0, 0], nan=0.0))

    return [replace(p, track_id=k + 1) for k, p in enumerate(sorted(people, key=key))]


def join_groups(spec: str) -> list[list[int]]:
    """``subject.join`` as groups of ids: ``"2+5, 3+7"`` -> ``[[2, 5], [3, 7]]``. Raises
    InputError for anything else."""
    groups = []
    for text in (g.strip() for g in spec.split(",")):
        if not text:
            continue
        try:
            ids = [int(x) for x in text.split("+")]
        except ValueError:
            ids = []
        if len(ids) < 2 or min(ids) < 1 or len(set(ids)) != len(ids):
            raise InputError(
                f"cannot read the people to join {text!r}: give two or more different track "
                "ids joined by '+', e.g. 2+5"
            )
        groups.append(ids)
    return groups


def join_people(people: Sequence[TrackPart], ids: Sequence[int]) -> list[TrackPart]:
    """The people ``ids`` made one (the user's join), under the first id. Frames where two of
    them were seen at once keep the first one's pose. Raises InputError for an unknown id."""
    known = {p.track_id: p for p in people}
    missing = [i for i in ids if i not in known]
    if missing:
        raise InputError(f"cannot join person {missing[0]}: the people tracked are {sorted(known)}")
    pieces = [known[ids[0]]]
    taken = pieces[0].rows
    for i in ids[1:]:
        p = known[i]
        pieces.append(_subset(p, ~np.isin(p.rows, taken)))
        taken = np.union1d(taken, p.rows)
    joined = concat(pieces, ids[0])
    return [joined if p.track_id == ids[0] else p for p in people if p.track_id not in ids[1:]]


def _subset(p: TrackPart, keep: np.ndarray) -> TrackPart:
    return replace(
        p,
        rows=p.rows[keep],
        world_xyz_m=p.world_xyz_m[keep],
        image_xyz=p.image_xyz[keep],
        visibility=p.visibility[keep],
        looks=p.looks[keep],
        sightings=int(min(p.sightings, keep.sum())),
    )


def recording(
    people: Sequence[TrackPart],
    t_s: np.ndarray,
    frame_index: np.ndarray,
    image_size_px: tuple[int, int],
    subject: int,
    meta: dict[str, object] | None = None,
) -> PoseRecording:
    """The people on the recording's full timeline (NaN where a person was not seen)."""
    if not people:
        raise NoPersonError("no person was found in the video")
    n = len(t_s)
    seqs = []
    for p in people:
        if p.rows.size == n:  # seen in every frame: its arrays are the timeline's, uncopied
            seqs.append(
                PoseSequence(
                    t_s, p.world_xyz_m, p.image_xyz, p.visibility, frame_index,
                    image_size_px, p.track_id,
                )
            )  # fmt: skip
            continue
        world = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
        image = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
        vis = np.full((n, N_LANDMARKS), np.nan, dtype=np.float32)
        world[p.rows], image[p.rows], vis[p.rows] = p.world_xyz_m, p.image_xyz, p.visibility
        seqs.append(PoseSequence(t_s, world, image, vis, frame_index, image_size_px, p.track_id))
    ids = [p.track_id for p in people]
    return PoseRecording(tuple(seqs), subject if subject in ids else ids[0], dict(meta or {}))


def parts_of(rec: PoseRecording) -> list[TrackPart]:
    """A recording's people as tracks (e.g. read back from landmarks.npz)."""
    out = []
    for p in rec.people:
        rows = np.flatnonzero(p.pose_found)
        looks = np.full((rows.size, 6), np.nan, np.float32)
        out.append(
            TrackPart(
                p.person_id,
                rows,
                p.world_xyz_m[rows],
                p.image_xyz[rows],
                p.visibility[rows],
                looks,
                int(rows.size),
            )
        )
    return out


def joined_recording(rec: PoseRecording, groups: Sequence[Sequence[int]]) -> PoseRecording:
    """``rec`` with each group of people made one (:func:`join_people`)."""
    if not groups:
        return rec
    people = parts_of(rec)
    for group in groups:
        people = join_people(people, group)
    first = rec.people[0]
    subject = rec.subject_id if rec.subject_id in [p.track_id for p in people] else 0
    return recording(people, first.t_s, first.frame_index, first.image_size_px, subject, rec.meta)
