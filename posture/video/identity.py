"""Who is who over a whole recording: one worker kept as one person.

The tracker (:mod:`posture.video.tracking`) keeps an identity from frame to frame and through
short gaps. Over a whole recording, a person still comes out in several tracks when they leave
the picture, are hidden, or the pose model loses them for longer than the tracker waits. Here,
once every frame is tracked (or every segment joined), the tracks are settled:

1. **joined**: two tracks never seen in the same frame, whose clothes (colour), size and place
   agree, are one person, over any gap (the place counts only as far as a person could not have
   walked there in the gap), also where two tracks of one person take turns; the
   best-agreeing pairs are joined first, each track between two agreeing with the ones it
   follows and precedes;
2. **spurious ones dropped**: a person seen for less than ``tracking.min_track_s`` in all is a
   flicker of the pose model, not a person (unless they are all there is);
3. **numbered** 1, 2, ... in order of first appearance, left to right among people who appear
   together.

A user can join identities that are still split (``--join 2+5``, the dashboard's person picker):
:func:`join_people`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

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
#: A length or time: one, or one per pair of tracks.
Span = TypeVar("Span", float, np.ndarray)
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
class _Ends:
    """One end of each of a few runs (see :class:`_Runs`): time ``(n,)``, torso centre there
    ``(n, 2)``, median torso size ``(n,)`` and colour ``(n, 6)`` over the track's ``ENDS_S``
    nearest sightings on the run's side of that end (NaN where unknown)."""

    t_s: np.ndarray
    centre: np.ndarray
    size: np.ndarray
    colour: np.ndarray

    def __getitem__(self, k: np.ndarray) -> _Ends:
        return _Ends(self.t_s[k], self.centre[k], self.size[k], self.colour[k])


def _ends(part: TrackPart, times: np.ndarray, at: np.ndarray, aspect: float, last: bool) -> _Ends:
    """The track ``part`` (its sightings' ``times``) near its sightings ``at``: from ``ENDS_S``
    before each up to it (``last``), or from it to ``ENDS_S`` after."""
    n = len(at)
    t = np.empty(n)
    centre, size, colour = np.full((n, 2), np.nan), np.full(n, np.nan), np.full((n, 6), np.nan)
    if last:
        lo = np.searchsorted(times, times[at] - ENDS_S, side="left")
        spans = zip(lo, at + 1, strict=True)
    else:
        hi = np.searchsorted(times, times[at] + ENDS_S, side="right")
        spans = zip(at, hi, strict=True)
    for k, (i0, i1) in enumerate(spans):
        c, sz = torso(part.image_xyz[i0:i1], aspect)
        ok = np.isfinite(c).all(axis=1) & np.isfinite(sz)
        t[k] = times[i1 - 1 if last else i0]
        if ok.any():
            centre[k] = c[ok][-1 if last else 0]
            size[k] = np.median(sz[ok])
        looks = part.looks[i0:i1]
        known = np.isfinite(looks)
        if known.all():
            colour[k] = np.median(looks, axis=0)
        elif known.any():
            colour[k] = np.nanmedian(looks, axis=0)
    return _Ends(t, centre, size, colour)


def track_end(
    part: TrackPart, t_s: np.ndarray, aspect: float, last: bool
) -> tuple[float, np.ndarray, float, np.ndarray]:
    """A track at its last (``last``) or first sighting: its time, the torso centre there
    ``(2,)``, and the median torso size and clothes colour ``(6,)`` over the ``ENDS_S`` of
    sightings nearest it (NaN where unknown)."""
    at = np.array([part.rows.size - 1 if last else 0])
    e = _ends(part, t_s[part.rows], at, aspect, last)
    return float(e.t_s[0]), e.centre[0], float(e.size[0]), e.colour[0]


def reach(size: Span, gap_s: Span, settings: TrackingSettings) -> Span:
    """How far (in the units of ``size``) a person of torso size ``size`` may have moved
    unseen in ``gap_s`` seconds: ``tracking.max_match_distance`` torso sizes and
    ``tracking.max_speed`` a second (floats or arrays)."""
    return size * (settings.max_match_distance + settings.max_speed * gap_s)


def join_costs(a: _Ends, b: _Ends, settings: TrackingSettings) -> np.ndarray:
    """How unlike the ends of runs (``a``) and the starts of later ones (``b``) are, pair by
    pair: 0 the same, 1 or more not one person (inf: unknown). Colour and size always count;
    the place only as far as the person could not have got there in the gap
    (``tracking.max_speed``)."""
    gap = np.maximum(b.t_s - a.t_s, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        both = np.stack([a.size, b.size])
        known = np.isfinite(both)
        scale = np.where(known, both, 0.0).sum(axis=0) / known.sum(axis=0)  # NaN: neither
        size = np.abs(np.log(b.size / a.size)) / SIZE_SCALE
        diff = np.abs(a.colour - b.colour)
        colour = np.where(
            np.isfinite(diff).any(axis=1), np.nansum(diff, axis=1) / COLOUR_SCALE, 0.5
        )
        apart = np.linalg.norm(b.centre - a.centre, axis=1)
        far = np.maximum(apart - reach(scale, gap, settings), 0.0) / scale
        cost = size + colour + np.nan_to_num(far, nan=0.0)
    return np.where(np.isfinite(scale) & np.isfinite(cost), cost, np.inf)


@dataclass(frozen=True)
class _Runs:
    """The runs of some tracks: frames ``[first, last]`` (rows of the clip) in which one track
    was seen and no other track in the gaps, its track's index, and the track near the run's
    two ends."""

    first: np.ndarray
    last: np.ndarray
    track: np.ndarray
    head: _Ends
    tail: _Ends


def _runs(tracks: Sequence[TrackPart], t_s: np.ndarray, aspect: float) -> _Runs:
    """Each track cut where it was not seen and another track was (only there can another
    take its turn)."""
    seen = np.zeros(len(t_s) + 1, np.int64)
    for part in tracks:
        seen[part.rows + 1] += 1
    before = np.cumsum(seen)  # before[r]: sightings of any track in frames < r
    firsts, lasts, owner, heads, tails = [], [], [], [], []
    for k, part in enumerate(tracks):
        rows, times = part.rows, t_s[part.rows]
        others = before[rows[1:]] - before[rows[:-1] + 1]  # sightings strictly between
        breaks = np.flatnonzero(others > 0) + 1
        start, stop = np.r_[0, breaks], np.r_[breaks, rows.size] - 1
        firsts.append(rows[start])
        lasts.append(rows[stop])
        owner.append(np.full(start.size, k))
        heads.append(_ends(part, times, start, aspect, last=False))
        tails.append(_ends(part, times, stop, aspect, last=True))

    def joined(ends: list[_Ends]) -> _Ends:
        return _Ends(*(np.concatenate([getattr(e, f) for e in ends]) for f in _FIELDS))

    return _Runs(
        np.concatenate(firsts), np.concatenate(lasts), np.concatenate(owner),
        joined(heads), joined(tails),
    )  # fmt: skip


_FIELDS = ("t_s", "centre", "size", "colour")


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
    """Groups of track indices, one per person. Each track is cut into runs where another
    track was seen in its gaps (:func:`_runs`); two groups are one person when, their runs put
    in time order, none overlaps another and every run that follows one of the other group
    agrees with it (join cost below 1). The best-agreeing pairs of tracks are joined first.

    Groups, not chains: a pair that skips a track (the worker's first and third visits agree
    a little better than the first and second) still lets the skipped one join between them,
    and two tracks of one person that take turns (the tracker lost them and took the old one
    up again) are joined where each hands over to the other."""
    if not tracks:
        return []
    runs = _runs(tracks, t_s, aspect)
    group = np.arange(len(tracks))  # each track's group (the index of one of its tracks)
    members = {int(g): [int(g)] for g in group}
    own = np.split(np.arange(runs.track.size), np.flatnonzero(np.diff(runs.track)) + 1)

    def merged(gi: int, gj: int) -> float:
        """The worst cost of the links a merge of groups ``gi`` and ``gj`` makes (inf: they
        overlap in time)."""
        take = np.concatenate([own[k] for k in members[gi] + members[gj]])
        take = take[np.argsort(runs.first[take], kind="stable")]
        if (runs.last[take[:-1]] >= runs.first[take[1:]]).any():
            return np.inf
        side = group[runs.track[take]] == gi
        link = np.flatnonzero(side[:-1] != side[1:])
        costs = join_costs(runs.tail[take[link]], runs.head[take[link + 1]], settings)
        return float(costs.max()) if costs.size else np.inf

    pairs = []
    for i in range(len(tracks)):
        for j in range(i + 1, len(tracks)):
            cost = merged(i, j)
            if cost < 1.0:
                pairs.append((cost, i, j))
    for _cost, i, j in sorted(pairs):
        gi, gj = int(group[i]), int(group[j])
        if gi != gj and merged(gi, gj) < 1.0:
            group[members[gj]] = gi
            members[gi] += members.pop(gj)
    return [sorted(m, key=lambda k: int(tracks[k].rows[0])) for m in members.values()]


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
