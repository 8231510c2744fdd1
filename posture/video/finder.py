"""Everyone in view at about the cost of one person.

MediaPipe's several-people video graph (``num_poses`` above 1) runs its person detector on
every frame, which costs about as much as the landmark model itself. Its one-person graph runs
the detector only to find someone, then follows that person with the landmark model alone,
each frame's region taken from the last frame's landmarks. :class:`PeopleFinder` uses the
one-person graph once per person:

* each person in view is *followed* by a one-person graph of their own
  (:class:`posture.video.pose.FollowingLandmarker`): the landmark model only, no detector;
* the picture is *searched* (detector, then landmarks of each person found) every
  ``pose.search_every_s`` for people who came into view, the people followed hidden from it
  (:func:`hide_people`: its landmark model then runs on newcomers only), and the whole
  picture on every frame while nobody is followed or people overlap (as the one-person graph
  itself would); a person found there who is not followed
  yet gets a graph of their own, which *acquires* them on the next frame by seeing only the
  part of the frame around them;
* a graph whose pose the tracker gives to someone else (it slid onto another person, e.g. as
  two people cross) is reset; a person it loses goes missing and gets the tracker's second look
  (:mod:`posture.video.second_look`), then a search.

The tracker (:class:`posture.video.tracking.PersonTracker`) still decides who is who from the
poses of each frame: followed, searched or second-looked poses are all just detections to it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from posture.core.config import PoseSettings, TrackingSettings
from posture.video.appearance import is_duplicate, pose_box, torso_anchor
from posture.video.pose import (
    Crop,
    CropPoseEstimator,
    DetectedPose,
    FollowingLandmarker,
    ModelInfo,
    PeopleSearch,
    crop_around,
)
from posture.video.second_look import SecondLook
from posture.video.tracking import PersonTracker

#: The part of the frame a graph sees when it acquires a person: a square this many times the
#: person's box (their landmarks' extent), so the detector sees all of them and a margin; the
#: tighter one when someone else is in the wider one (the detector would find either).
ACQUIRE_SCALES = (1.5, 1.15)


#: People overlapping in the picture are where one person's graph can slide onto another: for
#: this long after two people's boxes overlapped (or a graph did slide), the picture is searched
#: on every frame, as MediaPipe's several-people graph would.
BUSY_S = 0.5
#: Boxes overlapping by this share of the smaller one count as overlapping.
OVERLAP = 0.2
#: A followed person is hidden from the periodic search over their landmarks' box widened by
#: this share of its height (twice that above: the head's top is above the eyes).
HIDE_MARGIN = 0.1


def overlapping(boxes: list[np.ndarray]) -> bool:
    """Whether any two of the boxes (normalised ``(x0, y0, x1, y1)``) overlap by ``OVERLAP``
    of the smaller one."""
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            w = min(a[2], b[2]) - max(a[0], b[0])
            h = min(a[3], b[3]) - max(a[1], b[1])
            smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
            if w > 0 and h > 0 and w * h > OVERLAP * max(smaller, 1e-9):
                return True
    return False


def acquire_window(box: np.ndarray, others: list[np.ndarray], size: tuple[int, int]) -> Crop | None:
    """The window a graph acquires the person of ``box`` in (normalised ``(x0, y0, x1, y1)``),
    clear of the boxes of ``others`` if a tighter one can be (see ``ACQUIRE_SCALES``)."""
    w, h = size
    window = None
    for scale in ACQUIRE_SCALES:
        window = crop_around(box, size, scale, min_inside=0.0)
        if window is None:
            return None
        x0, y0, x1, y1 = window
        inside = [
            max(0.0, min(x1, o[2] * w) - max(x0, o[0] * w))
            * max(0.0, min(y1, o[3] * h) - max(y0, o[1] * h))
            / max((o[2] - o[0]) * w * (o[3] - o[1]) * h, 1e-6)
            for o in others
            if np.isfinite(o).all()
        ]
        if not inside or max(inside) < 0.25:  # nobody else a quarter inside it
            return window
    return window


def hide_people(rgb: np.ndarray, poses: list[DetectedPose]) -> np.ndarray:
    """A copy of ``rgb`` with each of ``poses`` blacked out: their landmarks' box widened by
    HIDE_MARGIN of its height on every side (and the head's top above the eyes), so that the
    person detector finds only the others. ``rgb`` itself when ``poses`` is empty."""
    if not poses:
        return rgb
    h, w = rgb.shape[:2]
    shown = rgb.copy()
    for pose in poses:
        box = pose_box(pose)
        if not np.isfinite(box).all():  # no landmark placed: nothing to hide
            continue
        x0, y0, x1, y1 = box
        m = HIDE_MARGIN * (y1 - y0)
        mx = m * h / w  # the same margin in pixels across
        xs = int(max(0.0, x0 - mx) * w), int(np.ceil(min(1.0, x1 + mx) * w))
        ys = int(max(0.0, y0 - 2 * m) * h), int(np.ceil(min(1.0, y1 + m) * h))
        shown[ys[0] : ys[1], xs[0] : xs[1]] = 0
    return shown


class Follower(Protocol):
    """What :class:`PeopleFinder` needs of a one-person graph (see FollowingLandmarker)."""

    def detect(
        self, rgb: np.ndarray, t_ms: int, window: Crop | None = None
    ) -> DetectedPose | None: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class _Slot:
    """One one-person graph and the track it follows (0: free)."""

    graph: Follower
    track_id: int = 0
    window: Crop | None = None  # acquiring: the next frame is shown only there


@dataclass
class FinderStats:
    """How often each model ran (for ``posture bench`` and the tests)."""

    frames: int = 0
    follows: int = 0  # one-person graph calls (landmark model; detector when acquiring/lost)
    acquisitions: int = 0
    searches: int = 0  # whole-picture searches (detector + landmarks of each person)
    resets: int = 0
    recovered: int = 0  # poses added by the second look


class PeopleFinder:
    """Per frame: the people in view as ``(track id, pose)``, tracked by ``tracker``.

    ``follower()`` makes a one-person graph (at most ``pose.num_poses`` are made, then reused),
    ``search(rgb)`` finds everyone in a picture, ``second_look`` (optional) looks again for
    people lost inside the picture. Not thread-safe: one per stream.
    """

    def __init__(
        self,
        pose: PoseSettings,
        tracker: PersonTracker,
        follower: Callable[[], Follower],
        search: Callable[[np.ndarray], list[DetectedPose]],
        second_look: SecondLook | None = None,
        close: Callable[[], None] | None = None,
        *,
        own: bool = True,
    ) -> None:
        self.pose, self.tracker = pose, tracker
        self._new_follower, self._search = follower, search
        self.second_look = second_look
        self._close = close
        self._own = own  # close the graphs made (else ``close`` gives them back)
        self._slots: list[_Slot] = []
        self._last_search_slot = -np.inf  # the search_every_s period of the last search
        self._busy_until_t = -np.inf  # search every frame until then (people overlapping)
        self.stats = FinderStats()
        #: Live only: the periodic search runs on a thread of its own and its people join a
        #: frame or two later, so that no frame waits for it (see :meth:`_maybe_search`).
        self.background_search = False
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[list[DetectedPose]] | None = None

    @classmethod
    def with_pose_model(
        cls,
        pose: PoseSettings,
        tracking: TrackingSettings,
        model: ModelInfo,
        tracker: PersonTracker,
    ) -> PeopleFinder:
        """A finder on MediaPipe's graphs (:class:`FollowingLandmarker`, :class:`PeopleSearch`,
        the second look's crop model), loaded as they are first needed."""
        searcher: PeopleSearch | None = None

        def search(rgb: np.ndarray) -> list[DetectedPose]:
            nonlocal searcher
            if searcher is None:
                searcher = PeopleSearch(pose, model)
            return searcher.detect(rgb)

        second = SecondLook.with_pose_model(pose, model, tracking.recover_s)

        def close() -> None:
            if searcher is not None:
                searcher.close()
            if second is not None:
                second.close()

        return cls(pose, tracker, lambda: FollowingLandmarker(pose, model), search, second, close)

    # ------------------------------------------------------------------------------------------
    def __call__(
        self, frame_index: int, t_s: float, rgb: np.ndarray
    ) -> list[tuple[int, DetectedPose]]:
        """Find, follow and track the people of one frame (RGB ``uint8`` ``(H, W, 3)`` taken at
        ``t_s`` seconds); returns ``(track id, pose)`` of each person kept."""
        self.stats.frames += 1
        found = self._follow(rgb, round(t_s * 1000), t_s)
        searched = self._maybe_search(rgb, t_s, found)
        poses = [p for _, p in found] + searched
        kept = self.tracker.update(frame_index, t_s, poses, rgb)
        track_of = {id(p): tid for tid, p in kept}
        trouble = False
        for slot, pose in found:
            tid = track_of.get(id(pose), 0)
            if tid:
                slot.track_id = tid
            else:  # its pose was someone else's (a duplicate) or given to no one: start afresh
                slot.graph.reset()
                self.stats.resets += 1
                self._free(slot)
                trouble = True
        if self.second_look is not None:
            recovered = self.second_look(self.tracker, rgb)
            self.stats.recovered += len(recovered)
            kept += recovered
        if trouble or overlapping([pose_box(p) for _, p in kept]):
            self._busy_until_t = t_s + BUSY_S
        self._acquire(kept, (rgb.shape[1], rgb.shape[0]))
        return kept

    def _follow(self, rgb: np.ndarray, t_ms: int, t_s: float) -> list[tuple[_Slot, DetectedPose]]:
        found = []
        for slot in self._slots:
            if not slot.track_id:
                continue
            pose = slot.graph.detect(rgb, t_ms, slot.window)
            self.stats.follows += 1
            slot.window = None
            if pose is None:  # lost: the graph holds no one now, as a fresh one
                self._free(slot)
                # someone the graph lost, or the search saw and the graph cannot: look for
                # them in the whole picture for a while (as MediaPipe's own graph would)
                self._busy_until_t = t_s + BUSY_S
            else:
                found.append((slot, pose))
        return found

    def _maybe_search(
        self, rgb: np.ndarray, t_s: float, found: list[tuple[_Slot, DetectedPose]]
    ) -> list[DetectedPose]:
        """The whole picture's people not followed already, when a search is due: nobody is
        followed, people overlap, or the clip's clock has passed a multiple of
        ``search_every_s`` since the last search (times fixed to the clip, not to when the
        finder started: a segment of the clip searches on the frames a whole run does).

        With ``background_search`` (a live camera: a frame must not wait some 30 ms for the
        search now and then) the periodic search runs beside the following, on a thread of
        its own, and the people it found who are not followed yet join at the frame when it is
        done, a frame or two later (their landmarks of the frame searched). A search that is
        due because nobody is followed or people overlap is made at once, as without it."""
        every = self.pose.search_every_s
        slot = np.floor(t_s / every) if every > 0 else t_s
        urgent = not found or t_s < self._busy_until_t
        due = urgent or slot != self._last_search_slot
        late = self._collect(rgb, found) if self.background_search else []
        if not due:
            return late
        self._last_search_slot = slot
        self.stats.searches += 1
        # a periodic search looks for newcomers only: the people followed are hidden from it,
        # so that its landmark model runs only on someone new (a third of its cost when
        # nobody is)
        if self.background_search and not urgent:
            if self._pending is None:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(1, thread_name_prefix="posture-search")
                shown = hide_people(rgb, [pose for _, pose in found])
                self._pending = self._pool.submit(self._search, shown)
            return late
        if self._pending is not None:  # the search graph is busy: let it finish first
            self._pending.result()
            self._pending = None
        shown = rgb if urgent else hide_people(rgb, [pose for _, pose in found])
        return self._not_followed(rgb, self._search(shown), found)

    def _collect(
        self, rgb: np.ndarray, found: list[tuple[_Slot, DetectedPose]]
    ) -> list[DetectedPose]:
        """The people of a background search that has finished, not followed already."""
        if self._pending is None or not self._pending.done():
            return []
        searched, self._pending = self._pending.result(), None
        return self._not_followed(rgb, searched, found)

    @staticmethod
    def _not_followed(
        rgb: np.ndarray, searched: list[DetectedPose], found: list[tuple[_Slot, DetectedPose]]
    ) -> list[DetectedPose]:
        aspect = rgb.shape[1] / rgb.shape[0]
        marks = [(*torso_anchor(p.image_xyz, aspect), pose_box(p)) for _, p in found]
        new = []
        for pose in searched:
            mark = (*torso_anchor(pose.image_xyz, aspect), pose_box(pose))
            if not any(is_duplicate(mark, m) for m in marks):
                new.append(pose)
                marks.append(mark)
        return new

    def _acquire(self, kept: list[tuple[int, DetectedPose]], size: tuple[int, int]) -> None:
        """A graph for each person kept who is not followed yet, acquiring them on the next
        frame in the part of the picture around them."""
        followed = {s.track_id for s in self._slots if s.track_id}
        for tid, pose in kept:
            if tid in followed:
                continue
            others = [pose_box(p) for t, p in kept if t != tid]
            if any(overlapping([pose_box(pose), o]) for o in others):
                continue  # a graph would slide onto the other person: searched for instead
            slot = self._take()
            if slot is None:
                return
            slot.track_id = tid
            slot.window = acquire_window(pose_box(pose), others, size)
            followed.add(tid)
            self.stats.acquisitions += 1

    def _take(self) -> _Slot | None:
        for slot in self._slots:
            if not slot.track_id:
                return slot
        if len(self._slots) >= self.pose.num_poses:
            return None
        slot = _Slot(self._new_follower())
        self._slots.append(slot)
        return slot

    @staticmethod
    def _free(slot: _Slot) -> None:
        slot.track_id, slot.window = 0, None

    @property
    def followed(self) -> list[int]:
        """Track ids followed now."""
        return [s.track_id for s in self._slots if s.track_id]

    def close(self) -> None:
        if self._pool is not None:  # a search still running finishes before its graph closes
            self._pool.shutdown(wait=True)
            self._pool, self._pending = None, None
        if self._own:
            for slot in self._slots:
                slot.graph.close()
        self._slots.clear()
        if self._close is not None:
            self._close()


class GraphPool:
    """The pose model's graphs of one process, loaded once and lent to one
    :class:`PeopleFinder` at a time (a worker analysing one segment after another): each lent
    graph starts afresh (:meth:`FollowingLandmarker.restart`), so a finder's results never
    depend on what the graphs saw before."""

    def __init__(self, pose: PoseSettings, model: ModelInfo) -> None:
        self.pose, self.model = pose, model
        self._followers: list[FollowingLandmarker] = []
        self._search: PeopleSearch | None = None
        self._crops: CropPoseEstimator | None = None

    def warm(self) -> None:
        """Load the graphs a one-person video needs now (e.g. while other work goes on)."""
        self._followers.append(FollowingLandmarker(self.pose, self.model))
        self._search = PeopleSearch(self.pose, self.model)

    def finder(self, tracker: PersonTracker, tracking: TrackingSettings) -> PeopleFinder:
        """A finder on this pool's graphs; its ``close()`` gives them back."""
        lent: list[FollowingLandmarker] = []

        def follower() -> FollowingLandmarker:
            graph = (
                self._followers.pop()
                if self._followers
                else FollowingLandmarker(self.pose, self.model)
            )
            lent.append(graph)
            return graph

        def search(rgb: np.ndarray) -> list[DetectedPose]:
            if self._search is None:
                self._search = PeopleSearch(self.pose, self.model)
            return self._search.detect(rgb)

        def look(rgb: np.ndarray, crop: Crop) -> DetectedPose | None:
            if self._crops is None:
                self._crops = CropPoseEstimator(self.pose, self.model)
            return self._crops.detect(rgb, crop)

        second = SecondLook(look, tracking.recover_s) if tracking.recover_s > 0 else None

        def give_back() -> None:
            for graph in lent:
                graph.restart()
            self._followers.extend(lent)
            lent.clear()

        return PeopleFinder(self.pose, tracker, follower, search, second, give_back, own=False)

    def close(self) -> None:
        for graph in self._followers:
            graph.close()
        self._followers.clear()
        for other in (self._search, self._crops):
            if other is not None:
                other.close()
        self._search = self._crops = None
