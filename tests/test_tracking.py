"""PersonTracker on synthetic detections: identities through crossings, gaps and jumps,
duplicates dropped, ids numbered left to right, and the subject rule.

People are stick figures in normalised image coordinates on a 16:9 frame, built around a
torso centre with a torso height ``th`` (frame heights); the tracker's torso size is then
1.5 x ``th`` (trunk length + shoulder width), the unit of its gates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from posture.core.config import DEFAULTS
from posture.core.landmarks import LM, N_LANDMARKS
from posture.video.pose import DetectedPose
from posture.video.second_look import SecondLook
from posture.video.summaries import most_visible_person, recording_summaries
from posture.video.tracking import MIN_SIGHTINGS, RECOVER_MAX_COST, PersonTracker

ASPECT = 16 / 9
FPS = 30.0
SETTINGS = DEFAULTS.tracking

#: Body points relative to the torso centre, in torso heights (x right, y down).
_TEMPLATE = {
    LM.LEFT_SHOULDER: (0.25, -0.5),
    LM.RIGHT_SHOULDER: (-0.25, -0.5),
    LM.LEFT_HIP: (0.17, 0.5),
    LM.RIGHT_HIP: (-0.17, 0.5),
    LM.LEFT_ELBOW: (0.3, 0.0),
    LM.RIGHT_ELBOW: (-0.3, 0.0),
    LM.LEFT_WRIST: (0.3, 0.4),
    LM.RIGHT_WRIST: (-0.3, 0.4),
    LM.LEFT_KNEE: (0.15, 1.4),
    LM.RIGHT_KNEE: (-0.15, 1.4),
    LM.LEFT_ANKLE: (0.15, 2.2),
    LM.RIGHT_ANKLE: (-0.15, 2.2),
}
_HEAD = (0.0, -0.85)
TORSO_SIZE = 1.5  # tracker torso size per torso height: 1.0 (trunk) + 0.5 (shoulders)


def person(x: float, y: float, th: float = 0.2, vis: float = 0.9) -> DetectedPose:
    """A standing figure whose torso centre is at normalised ``(x, y)``."""
    img = np.zeros((N_LANDMARKS, 3), np.float32)
    for lm in LM:
        dx, dy = _TEMPLATE.get(lm, _HEAD)
        img[lm, 0] = x + dx * th / ASPECT
        img[lm, 1] = y + dy * th
    return DetectedPose(
        np.zeros((N_LANDMARKS, 3), np.float32), img, np.full(N_LANDMARKS, vis, np.float32)
    )


@dataclass(frozen=True)
class Walker:
    """One person's path: torso centre moving linearly from ``x0`` to ``x1`` over the clip,
    hidden between ``hidden`` seconds."""

    x0: float
    x1: float
    y: float
    th: float
    hidden: tuple[float, float] = (-1.0, -1.0)

    def at(self, t: float, duration: float) -> DetectedPose | None:
        if self.hidden[0] <= t < self.hidden[1]:
            return None
        return person(self.x0 + (self.x1 - self.x0) * t / duration, self.y, self.th)


def track_walkers(walkers: list[Walker], duration: float) -> list[list[int | None]]:
    """Run the tracker; per frame, the id given to each walker (None when hidden, or when its
    detection was dropped as a duplicate of the other's while they overlap)."""
    tracker = PersonTracker(SETTINGS, aspect=ASPECT)
    out = []
    for i in range(round(duration * FPS)):
        t = i / FPS
        poses = [w.at(t, duration) for w in walkers]
        shown = [p for p in poses if p is not None]
        # a walker whose detection was dropped as a duplicate (people overlapping) has no id
        given = {id(p): pid for pid, p in tracker.update(i, t, shown)}
        out.append([None if p is None else given.get(id(p)) for p in poses])
    return out


# --- crossings --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "walkers",
    [
        pytest.param(
            [Walker(0.2, 0.8, 0.55, 0.20), Walker(0.8, 0.2, 0.45, 0.15)],
            id="near_one_lower_and_bigger",
        ),
        pytest.param(
            [Walker(0.2, 0.8, 0.5, 0.20), Walker(0.8, 0.2, 0.5, 0.18)],
            id="same_height_sizes_10pct_apart",
        ),
        pytest.param(
            [Walker(0.2, 0.8, 0.55, 0.20), Walker(0.8, 0.2, 0.45, 0.15, hidden=(1.8, 2.3))],
            id="far_one_hidden_while_passing_behind",
        ),
        pytest.param(
            [
                Walker(0.15, 0.85, 0.62, 0.22),
                Walker(0.5, 0.5, 0.45, 0.16),  # stands still in the middle
                Walker(0.85, 0.15, 0.52, 0.18),
            ],
            id="three_people_two_walking_past_one_standing",
        ),
        pytest.param(
            [Walker(0.2, 0.8, 0.5, 0.20), Walker(0.8, 0.2, 0.5, 0.20)],
            id="same_size_same_height",  # only their motion tells them apart
        ),
    ],
)
def test_ids_stay_with_their_people_when_paths_cross_slowly(walkers: list[Walker]) -> None:
    # 4 s to cross 60 % of the frame: a slow walk, 1/200 of the width per frame
    frames = track_walkers(walkers, duration=4.0)
    for k in range(len(walkers)):
        ids = {f[k] for f in frames if f[k] is not None}
        assert len(ids) == 1, f"walker {k} had ids {ids}"
    firsts = [next(f[k] for f in frames if f[k] is not None) for k in range(len(walkers))]
    assert len(set(firsts)) == len(walkers), f"two walkers share an id: {firsts}"


# --- duplicates -------------------------------------------------------------------------------
A = (0.4, 0.5, 0.2)  # x, y, torso height


def _shifted(dx_th: float, dy_th: float) -> DetectedPose:
    x, y, th = A
    return person(x + dx_th * th / ASPECT, y + dy_th * th, th)


@pytest.mark.parametrize(
    ("frames_before", "other", "n_ids"),
    [
        pytest.param(0, _shifted(0.05, 0.05), 1, id="copy_in_the_first_frame"),
        pytest.param(10, _shifted(0.05, 0.05), 1, id="copy_of_a_tracked_person"),
        # centres 0.6 torso heights apart (past a third of the torso size), boxes overlap 68 %
        pytest.param(10, _shifted(0.0, 0.6), 1, id="whole_body_box_mostly_shared"),
        # edge: shoulder to shoulder, the boxes do not overlap: two people
        pytest.param(10, _shifted(0.75, 0.0), 2, id="two_people_side_by_side"),
    ],
)
def test_a_duplicate_detection_of_one_person_is_dropped(
    frames_before: int, other: DetectedPose, n_ids: int
) -> None:
    tracker = PersonTracker(SETTINGS, aspect=ASPECT)
    for i in range(frames_before):
        assert [pid for pid, _ in tracker.update(i, i / FPS, [person(*A)])] == [1]
    t = frames_before / FPS
    kept = tracker.update(frames_before, t, [person(*A), other])
    ids = [pid for pid, _ in kept]
    assert len(ids) == n_ids
    assert ids[0] == 1  # the person already tracked (or leftmost, first) keeps id 1


def test_a_duplicate_is_dropped_even_when_a_stale_track_is_near() -> None:
    tracker = PersonTracker(SETTINGS, aspect=ASPECT)
    per_frame = []
    for i in range(45):
        dets = [person(*A)]
        if i == 10:  # a spurious detection, far enough not to be a duplicate: starts track 2
            dets.append(_shifted(0.8, 0.0))
        if i == 40:  # a copy of A, as MediaPipe sometimes gives (a duplicate by is_duplicate)
            dets.append(_shifted(0.05, 0.1))
        per_frame.append([pid for pid, _ in tracker.update(i, i / FPS, dets)])
    assert per_frame[40] == [1], f"frame 40 kept ids {per_frame[40]} for one person"


# --- gaps and jumps ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("gap_s", "moved_width", "same"),
    [
        pytest.param(0.5, 0.0, True, id="half_a_second"),
        pytest.param(1.5, 0.1, True, id="1.5s_and_walked_on"),
        pytest.param(SETTINGS.max_missing_s - 0.1, 0.0, True, id="just_under_max_missing"),
        pytest.param(SETTINGS.max_missing_s + 0.1, 0.0, False, id="just_past_max_missing"),
        pytest.param(10.0, 0.0, False, id="ten_seconds"),
    ],
)
def test_person_out_of_view_keeps_the_id_for_up_to_max_missing_s(
    gap_s: float, moved_width: float, same: bool
) -> None:
    tracker = PersonTracker(SETTINGS, aspect=ASPECT)
    for i in range(10):
        tracker.update(i, i / FPS, [person(0.4, 0.5)])
    t_back = 9 / FPS + gap_s
    [(pid, _)] = tracker.update(10, t_back, [person(0.4 + moved_width, 0.5)])
    assert (pid == 1) is same


@pytest.mark.parametrize(
    ("jump_sizes", "same"),
    [
        pytest.param(1.0, True, id="one_torso_size"),
        # the gate over one frame: max_match_distance + max_speed / fps = 2.05 torso sizes
        pytest.param(1.9, True, id="just_inside_the_gate"),
        pytest.param(2.2, False, id="just_past_the_gate"),
        pytest.param(5.0, False, id="across_the_frame"),
    ],
)
def test_a_far_jump_between_frames_gets_a_new_id(jump_sizes: float, same: bool) -> None:
    th = 0.2
    tracker = PersonTracker(SETTINGS, aspect=ASPECT)
    for i in range(10):
        tracker.update(i, i / FPS, [person(0.2, 0.5, th)])
    dx = jump_sizes * TORSO_SIZE * th / ASPECT  # torso sizes are in frame heights
    [(pid, _)] = tracker.update(10, 10 / FPS, [person(0.2 + dx, 0.5, th)])
    assert (pid == 1) is same


# --- numbering --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("xs", "expected"),
    [
        pytest.param([0.7, 0.2, 0.5], [3, 1, 2], id="shuffled"),
        pytest.param([0.2, 0.5, 0.7], [1, 2, 3], id="already_left_to_right"),
        pytest.param([0.8, 0.1], [2, 1], id="two_reversed"),
    ],
)
def test_ids_are_numbered_left_to_right_on_first_appearance(
    xs: list[float], expected: list[int]
) -> None:
    tracker = PersonTracker(SETTINGS, aspect=ASPECT)
    kept = tracker.update(0, 0.0, [person(x, 0.5, 0.15) for x in xs])
    assert [pid for pid, _ in kept] == expected  # returned in the input order
    for i in range(1, 5):
        tracker.update(i, i / FPS, [person(x, 0.5, 0.15) for x in xs])
    # someone arriving later, even further left, is numbered after everyone seen before
    kept = tracker.update(5, 5 / FPS, [person(x, 0.5, 0.15) for x in [*xs, 0.02]])
    assert kept[-1][0] == len(xs) + 1


# --- the subject rule -------------------------------------------------------------------------
@dataclass(frozen=True)
class Presence:
    x: float
    th: float
    vis: float
    frames: range


@pytest.mark.parametrize(
    ("people", "most_visible"),
    [
        pytest.param(
            [Presence(0.3, 0.2, 0.9, range(60)), Presence(0.7, 0.2, 0.9, range(30))],
            1,
            id="in_more_frames",
        ),
        pytest.param(
            [Presence(0.3, 0.15, 0.9, range(60)), Presence(0.7, 0.25, 0.9, range(60))],
            2,
            id="bigger_torso",
        ),
        pytest.param(
            [Presence(0.3, 0.2, 0.5, range(60)), Presence(0.7, 0.2, 0.9, range(60))],
            2,
            id="more_visible_landmarks",
        ),
        pytest.param(
            # 5 frames (0.17 s) is shorter than min_track_s: a flicker, never the subject
            [Presence(0.3, 0.15, 0.9, range(60)), Presence(0.7, 0.6, 1.0, range(20, 25))],
            1,
            id="huge_flicker_is_not_chosen",
        ),
    ],
)
def test_most_visible_picks_the_most_visible_person_live_and_from_the_recording(
    people: list[Presence], most_visible: int
) -> None:
    tracker = PersonTracker(SETTINGS, aspect=ASPECT)
    for i in range(60):
        tracker.update(i, i / FPS, [person(p.x, 0.5, p.th, p.vis) for p in people if i in p.frames])
    assert tracker.most_visible() == most_visible
    # the rule applied to a recording (landmarks.npz, the recorded pipeline) agrees
    rec = tracker.recording(0, (1600, 900))
    assert rec.subject_id == most_visible
    assert most_visible_person(rec) == most_visible
    # and so do the people's summaries (what --landmarks lists)
    live = {s.person_id: s for s in tracker.summaries()}
    for s in recording_summaries(rec):
        assert s.describe() == live[s.person_id].describe()
        assert s.score == pytest.approx(live[s.person_id].score, rel=1e-4)


def test_a_person_is_placed_where_they_were_seen_best() -> None:
    """summary.json's best_t_s and best_box: a frame at the 90th percentile of presence, and
    the box of that frame's landmarks (what the dashboard cuts a thumbnail from)."""
    tracker = PersonTracker(SETTINGS, aspect=ASPECT)
    for i in range(60):
        th = 0.1 + 0.1 * (i >= 30)  # larger in the second half
        tracker.update(i, i / FPS, [person(0.5, 0.5, th)])
    (s,) = tracker.summaries()
    assert s.best_t_s >= 30 / FPS
    assert s.best_box is not None
    x0, y0, x1, y1 = s.best_box
    assert 0 <= x0 < 0.5 < x1 <= 1 and 0 <= y0 < y1 <= 1


# --- a second look for people the pose model lost ----------------------------------------------
def _tracked(frames: list[list[DetectedPose]]) -> PersonTracker:
    tr = PersonTracker(SETTINGS, aspect=ASPECT)
    for i, dets in enumerate(frames):
        tr.update(i, i / FPS, dets)
    return tr


def _lost_left(n_seen: int = MIN_SIGHTINGS) -> PersonTracker:
    """Two people seen in ``n_seen`` frames, then the newest frame finds only the right one."""
    both = [person(0.3, 0.4), person(0.7, 0.4)]
    return _tracked([both] * n_seen + [[person(0.7, 0.4)]])


def test_a_person_lost_in_the_newest_frame_is_missing_where_they_were() -> None:
    (track_id, box), *rest = _lost_left().missing(within_s=1.0)
    assert rest == [] and track_id == 1
    pts = person(0.3, 0.4).image_xyz[:, :2]
    expected = np.r_[pts.min(axis=0), pts.max(axis=0)]
    np.testing.assert_allclose(box, expected, atol=1e-6)  # it stood still: where it was


def test_a_flicker_gets_no_second_look() -> None:
    assert _lost_left(n_seen=MIN_SIGHTINGS - 1).missing(within_s=1.0) == []


def test_nobody_is_missing_after_the_second_look_window() -> None:
    frames = [[person(0.3, 0.4)]] * MIN_SIGHTINGS + [[] for _ in range(int(FPS))]  # gone 1 s
    assert _tracked(frames).missing(within_s=0.5) == []
    assert _tracked(frames).missing(within_s=0.0) == []


def _chain(tr: PersonTracker, row: int, poses: list[DetectedPose], within_s: float) -> int:
    """Frames, from ``row``, in which the pose model finds no one and a second look finds
    ``poses`` one after the other; how many of them were taken before the chain ended."""
    for k, pose in enumerate(poses):
        tr.update(row + k, (row + k) / FPS, [])
        if not tr.missing(within_s=within_s) or not tr.recover(1, pose):
            return k
    return len(poses)


def test_a_person_found_by_second_looks_is_followed_while_they_are_found() -> None:
    """As MediaPipe's one-person graph follows someone while its landmark model sees them, a
    chain of second looks goes on past ``within_s``, up to ``tracking.max_missing_s`` after the
    pose model itself last saw the person; once they find no one, the person is looked for
    ``within_s`` longer."""
    tr = _tracked([[person(0.3, 0.4)]] * MIN_SIGHTINGS)
    frames = int(3 * SETTINGS.max_missing_s * FPS)
    taken = _chain(tr, MIN_SIGHTINGS, [person(0.3 + 0.001 * i, 0.4) for i in range(frames)], 0.5)
    assert taken / FPS == pytest.approx(SETTINGS.max_missing_s, abs=1.5 / FPS)
    tr = _tracked([[person(0.3, 0.4)]] * MIN_SIGHTINGS)
    row = MIN_SIGHTINGS + _chain(tr, MIN_SIGHTINGS, [person(0.3, 0.4)] * int(FPS), 0.5)
    lost_for = 0
    while tr.update(row, row / FPS, []) == [] and tr.missing(within_s=0.5):
        row, lost_for = row + 1, lost_for + 1
    assert (lost_for + 1) / FPS == pytest.approx(0.5 + 1 / FPS, abs=1.5 / FPS)


def test_a_chain_of_second_looks_stays_within_reach_of_the_last_sighting() -> None:
    """Each step of a chain may be small, but the chain as a whole stays within the reach the
    tracker allows a person out of view (``max_match_distance`` torso sizes and
    ``max_speed`` a second since the pose model last saw them): a pose moving 3.6 torso sizes a
    second is dropped once it is further than that."""
    tr = _tracked([[person(0.3, 0.4)]] * MIN_SIGHTINGS)
    step = 0.02  # of the picture's width a frame
    taken = _chain(tr, MIN_SIGHTINGS, [person(0.3 + step * i, 0.4) for i in range(1, 60)], 1.0)
    size = 1.5 * 0.2  # torso size of person(), frame heights
    # the first frame n whose pose is out of reach: step * ASPECT * n > size * (2 + 1.5 n / FPS)
    first_out = next(
        n
        for n in range(1, 60)
        if step * ASPECT * n > size * (SETTINGS.max_match_distance + SETTINGS.max_speed * n / FPS)
    )
    assert taken == first_out - 1


def test_a_chain_of_second_looks_cannot_drift_to_another_size() -> None:
    """Each pose a second look finds is checked against the size the pose model itself saw,
    not the size the chain has grown to: a pose growing 2.5 % a frame (its torso in the
    picture throughout) is dropped once the cost of its size alone reaches RECOVER_MAX_COST
    (exp(2 x 0.6) = 3.3 times)."""
    tr = _tracked([[person(0.3, 0.5)]] * MIN_SIGHTINGS)
    grown = [0.2 * 1.025**k for k in range(1, 60)]
    taken = _chain(tr, MIN_SIGHTINGS, [person(0.3, 0.5, th) for th in grown], 1.0)
    assert grown[taken] / 0.2 == pytest.approx(np.exp(2 * RECOVER_MAX_COST), rel=0.03)


def test_a_chain_of_second_looks_cannot_drift_to_other_clothes() -> None:
    """The clothes a second look's pose must wear are those the pose model saw: clothes
    turning from red to blue a little each frame are dropped once the colour difference alone
    reaches RECOVER_MAX_COST."""
    red = np.zeros((90, 160, 3), np.uint8)
    red[..., 0] = 200
    tr = PersonTracker(SETTINGS, aspect=ASPECT)
    for row in range(MIN_SIGHTINGS):
        tr.update(row, row / FPS, [person(0.3, 0.4)], red)
    blue = 5  # of 200 turned from red to blue a frame
    for k, row in enumerate(range(MIN_SIGHTINGS, MIN_SIGHTINGS + int(FPS)), start=1):
        tr.update(row, row / FPS, [])
        shade = np.zeros_like(red)
        shade[..., 0], shade[..., 2] = 200 - blue * k, blue * k
        if not tr.recover(1, person(0.3, 0.4), shade):
            break
    # red chromaticity falls by blue * k / 201 on the torso and on the thighs alike
    assert 2 * blue * (k - 1) / 201 < RECOVER_MAX_COST <= 2 * blue * k / 201


def test_a_pose_found_again_where_the_person_should_be_joins_their_track() -> None:
    tr = _lost_left()
    assert tr.recover(1, person(0.31, 0.4))
    rec = tr.recording(0, (1920, 1080))
    assert rec.with_subject(1).subject.pose_found.all()
    assert tr.missing(within_s=1.0) == []
    assert not tr.recover(1, person(0.31, 0.4))  # once per frame


def _upside_down(x: float, y: float, th: float = 0.2) -> DetectedPose:
    p = person(x, y, th)
    img = p.image_xyz.copy()
    img[:, 1] = 2 * y - img[:, 1]  # mirrored about the torso centre: head down
    return DetectedPose(p.world_xyz_m, img, p.visibility)


@pytest.mark.parametrize(
    ("found", "why"),
    [
        pytest.param(person(0.9, 0.4), "far from where the person was", id="elsewhere"),
        pytest.param(person(0.7, 0.4), "the other person, already found", id="the-other-one"),
        pytest.param(person(0.3, 0.4, th=0.025), "an eighth of the size", id="too-small"),
        pytest.param(_upside_down(0.3, 0.4), "turned over since the last frame", id="flipped"),
    ],
)
def test_a_pose_found_elsewhere_is_not_given_to_the_lost_person(
    found: DetectedPose, why: str
) -> None:
    assert not _lost_left().recover(1, found), why


def test_second_look_crops_around_the_lost_person_and_adds_what_it_finds() -> None:
    tr = _lost_left()
    crops: list[tuple[int, int, int, int]] = []

    def look(rgb: np.ndarray, crop: tuple[int, int, int, int]) -> DetectedPose | None:
        crops.append(crop)
        return person(0.3, 0.4)

    second = SecondLook(look, within_s=1.0)
    found = second(tr, np.zeros((1080, 1920, 3), np.uint8))
    assert [pid for pid, _ in found] == [1]
    ((x0, y0, x1, y1),) = crops
    assert x0 < 0.3 * 1920 < x1 and y0 < 0.4 * 1080 < y1  # around the lost torso


def test_a_pose_guessed_past_the_edge_of_the_picture_is_no_sighting() -> None:
    tr = _tracked([[person(0.95, 0.4)]] * MIN_SIGHTINGS + [[]])  # walking out on the right
    leaving = person(0.99, 0.4)
    assert leaving.image_xyz[:, 0].max() > 1.0  # a shoulder past the edge
    assert not tr.recover(1, leaving)
    assert tr.recover(1, person(0.95, 0.4))  # the same person wholly in the picture


def test_a_person_whose_thighs_are_out_of_the_picture_is_still_known_by_their_torso() -> None:
    """A desk camera: the knees below the frame, so only the torso's colour is ever seen. It is
    remembered, and a second look's pose in other clothes is not given to the person."""
    red = np.zeros((90, 160, 3), np.uint8)
    red[..., 0] = 200
    blue = red[..., ::-1].copy()
    at_desk = person(0.3, 0.75, th=0.3)
    assert at_desk.image_xyz[LM.LEFT_KNEE, 1] > 1.0  # knees below the picture
    tr = PersonTracker(SETTINGS, aspect=ASPECT)
    for row in range(MIN_SIGHTINGS):
        tr.update(row, row / FPS, [at_desk], red)
    tr.update(MIN_SIGHTINGS, MIN_SIGHTINGS / FPS, [], blue)
    assert not tr.recover(1, at_desk, blue)
    assert tr.recover(1, at_desk, red)
