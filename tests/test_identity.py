"""Identities over a whole recording (posture.video.identity): one person's tracks joined over
any gap by clothes, size and place, never two people seen together, flickers dropped, ids by
first appearance, and the user's joins."""

from __future__ import annotations

import numpy as np
import pytest

from posture.core.config import DEFAULTS
from posture.core.errors import InputError
from posture.core.landmarks import LM, N_LANDMARKS
from posture.video.identity import TrackPart, join_groups, join_people, settle

FPS = 30.0
ASPECT = 16 / 9
RED = (0.5, 0.25, 0.4, 0.3, 0.35, 0.5)  # torso chromaticity r, g, brightness; then thighs
BLUE = (0.2, 0.3, 0.5, 0.3, 0.35, 0.5)
_TORSO = {
    LM.LEFT_SHOULDER: (0.25, -0.5),
    LM.RIGHT_SHOULDER: (-0.25, -0.5),
    LM.LEFT_HIP: (0.17, 0.5),
    LM.RIGHT_HIP: (-0.17, 0.5),
}


def track(
    track_id: int,
    frames: range | list[int],
    x: float,
    colour: tuple[float, ...] = RED,
    th: float = 0.2,
    y: float = 0.5,
) -> TrackPart:
    """A standing figure at ``x`` (its torso ``th`` frame heights) seen in ``frames``."""
    n = len(frames)
    image = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
    for lm, (dx, dy) in _TORSO.items():
        image[:, lm, 0] = x + dx * th / ASPECT
        image[:, lm, 1] = y + dy * th
        image[:, lm, 2] = 0.0
    return TrackPart(
        track_id,
        np.array(list(frames), dtype=np.int64),
        np.zeros((n, N_LANDMARKS, 3), np.float32),
        image,
        np.full((n, N_LANDMARKS), 0.9, np.float32),
        np.tile(np.array(colour, np.float32), (n, 1)),
        n,
    )


def people(*tracks: TrackPart, frames: int = 3000) -> list[TrackPart]:
    t_s = np.arange(frames) / FPS
    return settle(tracks, t_s, ASPECT, DEFAULTS.tracking)


def test_one_worker_lost_for_a_while_is_one_person_over_any_gap() -> None:
    # the worker leaves at 10 s, comes back at 40 s on the other side of the picture
    out = people(track(1, range(0, 300), 0.3), track(2, range(1200, 1500), 0.8))
    assert len(out) == 1
    assert out[0].track_id == 1 and out[0].rows.size == 600


def test_every_visit_of_a_worker_who_comes_back_again_and_again_is_one_person() -> None:
    """The same worker walks through four times (a looped clip): the first visit agrees
    with the third a little better than with the second (the colour sampled at each end
    differs), which must not leave the second out of the chain."""
    near = (0.5, 0.25, 0.4, 0.3, 0.35, 0.501)  # the look at the first visit's end
    visits = [
        track(1, range(0, 300), 0.3, colour=near),
        track(2, range(400, 700), 0.3),
        track(3, range(800, 1100), 0.3, colour=near),
        track(4, range(1200, 1500), 0.3),
    ]
    out = people(*visits)
    assert [p.rows.size for p in out] == [1200]


def test_a_visitor_between_two_visits_joins_only_if_they_agree_with_both() -> None:
    """The worker's two visits agree; someone in between agrees with the first visit's end
    only (they stand where the worker left, in the worker's size, in other trousers): not
    the worker."""
    other = (0.5, 0.25, 0.4, 0.3, 0.2, 0.3)
    out = people(
        track(1, range(0, 300), 0.3),
        track(2, range(400, 700), 0.3, colour=other),
        track(3, range(800, 1100), 0.3),
    )
    assert sorted(p.rows.size for p in out) == [300, 600]


def test_two_tracks_of_one_worker_that_take_turns_are_one_person() -> None:
    """The tracker lost the worker, started a new track, then took the old one up again, and
    so on: two tracks, never in one frame, each seen in turns at the same place."""
    a = track(1, [*range(0, 100), *range(200, 300)], 0.3)
    b = track(2, [*range(100, 200), *range(300, 400)], 0.31)
    out = people(a, b)
    assert len(out) == 1 and out[0].rows.tolist() == list(range(400))


def test_two_people_taking_turns_far_apart_are_two() -> None:
    """Seen in turns, frame after frame, at the two ends of the picture: no one moves that
    fast, so not one person however alike."""
    a = track(1, [*range(0, 100), *range(200, 300)], 0.1)
    b = track(2, [*range(100, 200), *range(300, 400)], 0.9)
    assert len(people(a, b)) == 2


def test_someone_else_in_other_clothes_later_is_another_person() -> None:
    out = people(track(1, range(0, 300), 0.3), track(2, range(1200, 1500), 0.3, colour=BLUE))
    assert [p.rows.size for p in out] == [300, 300]


def test_someone_of_another_size_later_is_another_person() -> None:
    out = people(track(1, range(0, 300), 0.3), track(2, range(1200, 1500), 0.3, th=0.1))
    assert len(out) == 2


def test_a_far_jump_right_after_a_short_gap_is_another_person() -> None:
    # 0.2 s apart, half the picture away: no one walks that fast, whatever their clothes
    out = people(track(1, range(0, 300), 0.1), track(2, range(306, 600), 0.9))
    assert len(out) == 2


def test_two_people_seen_together_are_never_joined() -> None:
    out = people(track(1, range(0, 300), 0.3), track(2, range(200, 500), 0.7))
    assert len(out) == 2


def test_the_best_matching_track_is_joined_first() -> None:
    """After the worker (red) leaves, a red and a blue track start together: the red one is
    the worker; the blue one someone else."""
    out = people(
        track(1, range(0, 300), 0.3),
        track(2, range(600, 900), 0.6, colour=BLUE),
        track(3, range(600, 900), 0.35),
    )
    assert len(out) == 2
    worker = next(p for p in out if p.rows[0] == 0)
    assert worker.rows.size == 600
    assert np.allclose(worker.looks[-1], RED)


def test_a_flicker_is_not_a_person() -> None:
    out = people(track(1, range(0, 900), 0.3), track(2, range(100, 105), 0.8, colour=BLUE))
    assert len(out) == 1 and out[0].rows.size == 900


def test_ids_follow_first_appearance_left_to_right() -> None:
    out = people(
        track(7, range(100, 400), 0.2, colour=BLUE),
        track(3, range(0, 400), 0.8),
        track(9, range(100, 400), 0.5, colour=(0.3, 0.5, 0.1, 0.3, 0.35, 0.5)),
    )
    assert [p.track_id for p in out] == [1, 2, 3]
    assert out[0].rows[0] == 0  # first seen first, though on the right
    assert out[1].image_xyz[0, LM.LEFT_HIP, 0] < out[2].image_xyz[0, LM.LEFT_HIP, 0]


def test_the_user_joins_what_is_still_split_keeping_the_first_id() -> None:
    a, b = track(2, range(0, 300), 0.3), track(5, range(250, 600), 0.7, colour=BLUE)
    out = join_people([a, b, track(6, range(0, 100), 0.9)], [2, 5])
    assert [p.track_id for p in out] == [2, 6]
    joined = out[0]
    assert joined.rows.tolist() == list(range(600))
    # where both were seen (frames 250-299) the first one's pose is kept
    assert np.allclose(joined.image_xyz[260, LM.LEFT_HIP, 0], a.image_xyz[0, LM.LEFT_HIP, 0])
    with pytest.raises(InputError, match="people tracked are"):
        join_people(out, [2, 9])


@pytest.mark.parametrize(
    ("spec", "groups"),
    [("", []), ("2+5", [[2, 5]]), (" 2+5, 3+7+9 ", [[2, 5], [3, 7, 9]])],
)
def test_join_groups_are_read(spec: str, groups: list[list[int]]) -> None:
    assert join_groups(spec) == groups


@pytest.mark.parametrize("spec", ["2", "2+x", "2+2", "0+1", "2;5"])
def test_join_groups_refuse_nonsense_with_an_example(spec: str) -> None:
    with pytest.raises(InputError, match=r"e\.g\. 2\+5"):
        join_groups(spec)
