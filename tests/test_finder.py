"""PeopleFinder on a synthetic scene: each person followed by a one-person graph of their own,
the whole picture searched only every ``search_every_s`` (every frame with nobody followed),
a graph that slides onto someone else reset, people who enter found by the next search.

The one-person graphs are fakes with MediaPipe's behaviour: shown a window, the detector finds
the person in it; with nobody followed it finds the first person in view; once it has someone
it follows them (no detector) until they leave the picture.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pytest

from posture.core.config import DEFAULTS
from posture.core.landmarks import LM, N_LANDMARKS
from posture.video.finder import PeopleFinder, hide_people
from posture.video.pose import Crop, DetectedPose
from posture.video.tracking import PersonTracker

W, H = 320, 180
FPS = 30.0
_TEMPLATE = {
    LM.LEFT_SHOULDER: (0.25, -0.5),
    LM.RIGHT_SHOULDER: (-0.25, -0.5),
    LM.LEFT_HIP: (0.17, 0.5),
    LM.RIGHT_HIP: (-0.17, 0.5),
    LM.LEFT_KNEE: (0.15, 1.4),
    LM.RIGHT_KNEE: (-0.15, 1.4),
    LM.LEFT_ANKLE: (0.15, 2.2),
    LM.RIGHT_ANKLE: (-0.15, 2.2),
}


def figure(x: float, y: float = 0.4, th: float = 0.2) -> DetectedPose:
    """A standing figure, torso centre at normalised ``(x, y)``, torso ``th`` frame heights."""
    img = np.zeros((N_LANDMARKS, 3), np.float32)
    for lm in LM:
        dx, dy = _TEMPLATE.get(lm, (0.0, -0.85))
        img[lm, 0] = x + dx * th * H / W
        img[lm, 1] = y + dy * th
    return DetectedPose(
        np.zeros((N_LANDMARKS, 3), np.float32), img, np.full(N_LANDMARKS, 0.9, np.float32)
    )


@dataclass
class Scene:
    """Where each person is at each frame (None: out of view)."""

    paths: list[list[float | None]]
    frame: int = 0

    def people(self) -> list[tuple[int, DetectedPose]]:
        return [
            (k, figure(x)) for k, p in enumerate(self.paths) if (x := p[self.frame]) is not None
        ]


class FakeGraph:
    """A one-person graph over :class:`Scene`."""

    def __init__(self, scene: Scene, log: list[str]) -> None:
        self.scene, self.log = scene, log
        self.following: int | None = None

    def detect(self, rgb: np.ndarray, t_ms: int, window: Crop | None = None) -> DetectedPose | None:
        people = dict(self.scene.people())
        if window is not None:
            x0, _, x1, _ = window
            inside = [k for k, p in people.items() if x0 <= p.image_xyz[LM.LEFT_HIP, 0] * W < x1]
            self.following = inside[0] if inside else None
            self.log.append("detector")
        elif self.following is None:
            self.following = min(people) if people else None
            self.log.append("detector")
        if self.following not in people:
            self.following = None
            return None
        self.log.append("landmarks")
        return people[self.following]

    def reset(self) -> None:
        self.following = None

    def close(self) -> None:
        pass


def run(
    scene: Scene, frames: int, **pose: float
) -> tuple[list[dict[int, int]], PeopleFinder, list[str]]:
    """Per frame: {scene person: track id}; the finder; the log of model calls."""
    log: list[str] = []
    settings = replace(DEFAULTS.pose, **pose)  # type: ignore[arg-type]
    tracker = PersonTracker(DEFAULTS.tracking, aspect=W / H)

    def search(rgb: np.ndarray) -> list[DetectedPose]:
        log.append("search")
        return [p for _, p in scene.people()]

    finder = PeopleFinder(settings, tracker, lambda: FakeGraph(scene, log), search)
    rgb = np.zeros((H, W, 3), np.uint8)
    out = []
    for i in range(frames):
        scene.frame = i
        where = {round(float(p.image_xyz[LM.LEFT_HIP, 0]), 4): k for k, p in scene.people()}
        kept = finder(i, i / FPS, rgb)
        out.append({where[round(float(p.image_xyz[LM.LEFT_HIP, 0]), 4)]: tid for tid, p in kept})
    return out, finder, log


def walk(x0: float, x1: float, n: int, gone: range = range(0)) -> list[float | None]:
    return [None if i in gone else x0 + (x1 - x0) * i / n for i in range(n)]


def test_one_person_is_followed_by_the_landmark_model_and_searched_for_once_a_second() -> None:
    n = 90
    ids, finder, _log = run(Scene([walk(0.3, 0.6, n)]), n)
    assert all(f == {0: 1} for f in ids)
    assert finder.stats.searches == 3  # frames 0, 30, 60
    assert finder.stats.follows == n - 1  # every frame after the first search
    assert finder.stats.acquisitions == 1


def test_with_nobody_in_view_the_picture_is_searched_every_frame() -> None:
    n = 40
    ids, finder, _ = run(Scene([[None] * 20 + walk(0.3, 0.4, 20)]), n)
    assert finder.stats.searches >= 21  # every empty frame, and the one where she is found
    assert ids[19] == {} and ids[20] == {0: 1}
    assert all(f == {0: 1} for f in ids[20:])


def test_a_person_who_comes_into_view_is_found_by_the_next_search() -> None:
    n = 90
    late = [None] * 40 + walk(0.8, 0.7, 50)
    ids, finder, _ = run(Scene([walk(0.2, 0.3, n), late]), n, search_every_s=1.0)
    first_seen = next(i for i, f in enumerate(ids) if 1 in f)
    assert first_seen == 60  # the search after she came into view (frames 0, 30, 60)
    assert all(f[1] == 2 and f[0] == 1 for f in ids[60:])
    assert finder.stats.acquisitions == 2


def test_each_person_gets_a_graph_of_their_own_up_to_num_poses() -> None:
    n = 10
    scene = Scene([walk(0.15, 0.15, n), walk(0.5, 0.5, n), walk(0.85, 0.85, n)])
    ids, finder, _ = run(scene, n, num_poses=2)
    assert finder.followed == [1, 2]
    assert all(set(f) == {0, 1} for f in ids[1:])  # the third is found only by searches
    ids, finder, _ = run(Scene(scene.paths), n, num_poses=4)
    assert sorted(finder.followed) == [1, 2, 3]
    assert all(f == {0: 1, 1: 2, 2: 3} for f in ids)


def test_a_graph_that_slides_onto_someone_else_is_reset() -> None:
    """Two people; at frame 20 the first one's graph jumps to the second (as MediaPipe's can
    when people overlap): its pose duplicates the second's, it is reset, and the first person
    is followed again after the next search."""
    n = 70
    scene = Scene([walk(0.2, 0.2, n), walk(0.7, 0.7, n)])
    log: list[str] = []
    tracker = PersonTracker(DEFAULTS.tracking, aspect=W / H)
    graphs: list[FakeGraph] = []

    def new_graph() -> FakeGraph:
        graphs.append(FakeGraph(scene, log))
        return graphs[-1]

    finder = PeopleFinder(
        DEFAULTS.pose, tracker, new_graph, lambda rgb: [p for _, p in scene.people()]
    )
    rgb = np.zeros((H, W, 3), np.uint8)
    seen = []
    for i in range(n):
        scene.frame = i
        if i == 20:
            graphs[0].following = 1  # slides onto the other person
        seen.append(sorted(tid for tid, _ in finder(i, i / FPS, rgb)))
    assert finder.stats.resets == 1
    assert seen[20] == [2]  # the first person had no pose of their own in that frame
    assert seen[30] == [1, 2] and seen[-1] == [1, 2]
    assert sorted(finder.followed) == [1, 2]


@pytest.mark.parametrize("every_s", [0.0, 0.5])
def test_search_every_s_sets_how_often_the_picture_is_searched(every_s: float) -> None:
    n = 60
    _ids, finder, _ = run(Scene([walk(0.3, 0.6, n)]), n, search_every_s=every_s)
    assert finder.stats.searches == (n if every_s == 0 else 4)


def test_a_live_finder_searches_beside_the_frames_and_the_people_found_join_a_frame_later() -> None:
    # a live camera: the periodic search (some 30 ms of the model) runs on a thread of its own
    # so that no frame waits for it; a search that is due because nobody is followed is made at
    # once, on the frame's own thread
    import threading

    n = 90
    scene = Scene([walk(0.2, 0.3, n), [None] * 40 + walk(0.8, 0.7, 50)])
    log: list[str] = []
    threads: list[tuple[int, int]] = []  # (frame, thread) of each search

    def search(rgb: np.ndarray) -> list[DetectedPose]:
        threads.append((scene.frame, threading.get_ident()))
        return [p for _, p in scene.people()]

    tracker = PersonTracker(DEFAULTS.tracking, aspect=W / H)
    finder = PeopleFinder(DEFAULTS.pose, tracker, lambda: FakeGraph(scene, log), search)
    finder.background_search = True
    rgb = np.zeros((H, W, 3), np.uint8)
    seen: list[set[int]] = []
    try:
        for i in range(n):
            scene.frame = i
            seen.append({tid for tid, _ in finder(i, i / FPS, rgb)})
            if finder._pending is not None:
                finder._pending.result()  # (here: done before the next frame comes)
    finally:
        finder.close()
    me = threading.get_ident()
    assert [(f, t == me) for f, t in threads] == [(0, True), (30, False), (60, False)]
    first_seen = next(i for i, ids in enumerate(seen) if 2 in ids)
    assert first_seen == 61  # searched at frame 60, joined at the next frame
    assert all(ids == {1, 2} for ids in seen[61:])
    assert finder._pool is None  # closed with the finder


def test_the_periodic_search_sees_the_people_followed_hidden() -> None:
    # the person followed is blacked out of the periodic search's picture (its landmark model
    # then runs on newcomers only); a search because nobody is followed sees the whole picture
    n = 35
    scene = Scene([walk(0.3, 0.35, n)])
    pictures: list[tuple[int, np.ndarray]] = []

    def search(rgb: np.ndarray) -> list[DetectedPose]:
        pictures.append((scene.frame, rgb))
        return [p for _, p in scene.people()]

    tracker = PersonTracker(DEFAULTS.tracking, aspect=W / H)
    finder = PeopleFinder(DEFAULTS.pose, tracker, lambda: FakeGraph(scene, []), search)
    rgb = np.full((H, W, 3), 200, np.uint8)
    for i in range(n):
        scene.frame = i
        finder(i, i / FPS, rgb)
    assert [f for f, _ in pictures] == [0, 30]
    assert pictures[0][1] is rgb  # nobody followed yet: the whole picture
    hidden = pictures[1][1]
    x0, y0, x1, y1 = (np.array(landmark_box_px(figure(0.3 + 0.05 * 30 / n)))).astype(int)
    assert (hidden[y0:y1, x0:x1] == 0).all()
    assert (hidden[:, : x0 - 20] == 200).all() and (hidden[:, x1 + 20 :] == 200).all()
    assert (rgb == 200).all()  # the frame itself untouched


def landmark_box_px(p: DetectedPose) -> tuple[float, float, float, float]:
    xy = p.image_xyz[:, :2]
    return (xy[:, 0].min() * W, xy[:, 1].min() * H, xy[:, 0].max() * W, xy[:, 1].max() * H)


def test_hide_people_blacks_out_each_box_with_a_margin_and_keeps_the_rest() -> None:
    rgb = np.full((H, W, 3), 100, np.uint8)
    assert hide_people(rgb, []) is rgb
    a, b = figure(0.25), figure(0.75)
    out = hide_people(rgb, [a])
    x0, y0, x1, y1 = landmark_box_px(a)
    m = 0.1 * (y1 - y0)  # HIDE_MARGIN of the box's height, twice that above
    assert (
        out[int(np.ceil(max(y0 - 2 * m, 0))) : int(y1 + m), int(np.ceil(x0 - m)) : int(x1 + m)] == 0
    ).all()
    assert (out[:, int(x1 + m) + 2 :] == 100).all()  # the other person's side untouched
    bx0, by0, bx1, by1 = landmark_box_px(b)
    assert (out[int(by0) : int(by1), int(bx0) : int(bx1)] == 100).all()
    assert (rgb == 100).all()


@pytest.mark.filterwarnings("ignore:All-NaN slice")  # (its box is NaN: nothing placed)
def test_a_pose_without_landmarks_placed_hides_nothing() -> None:
    rgb = np.full((H, W, 3), 100, np.uint8)
    empty = DetectedPose(
        np.full((N_LANDMARKS, 3), np.nan, np.float32),
        np.full((N_LANDMARKS, 3), np.nan, np.float32),
        np.full(N_LANDMARKS, np.nan, np.float32),
    )
    assert (hide_people(rgb, [empty]) == 100).all()
