"""Who is who on the real clips with two people: identities hold, the right person is analysed.

Positions are torso centres (mean of shoulders and hips) in normalised image coordinates,
read back from landmarks.npz, so these tests see exactly the tracks the pipeline kept.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from .conftest import SEATED_CLIPS, Runs, worker_and_helper

pytestmark = [pytest.mark.media, pytest.mark.slow]

#: Largest believable move of a torso centre between two sightings of one person, as a share
#: of the frame width. The seated people move a few hundredths per frame at most; two people
#: on these clips sit about 0.2 apart, so a swap of identities jumps past this.
MAX_JUMP = 0.15


@pytest.mark.parametrize("clip", SEATED_CLIPS)
def test_seated_clip_tracks_exactly_two_people(runs: Runs, clip: str) -> None:
    run = runs.clip(clip)
    assert len(run.summary["people"]) == 2
    assert len(run.recording.people) == 2


@pytest.mark.parametrize("clip", SEATED_CLIPS)
def test_seated_worker_stays_right_of_the_helper_in_every_shared_frame(
    runs: Runs, clip: str
) -> None:
    run = runs.clip(clip)
    worker, helper = worker_and_helper(run)
    x = run.torso_x()
    both = np.isfinite(x[worker]) & np.isfinite(x[helper])
    assert both.sum() >= 30, "too few frames with both people to judge"
    swapped = np.flatnonzero(x[worker][both] <= x[helper][both])
    assert swapped.size == 0, f"worker left of helper at rows {np.flatnonzero(both)[swapped]}"


@pytest.mark.parametrize("clip", SEATED_CLIPS)
def test_seated_tracks_never_jump_between_sightings(runs: Runs, clip: str) -> None:
    run = runs.clip(clip)
    for pid, x in run.torso_x().items():
        seen = x[np.isfinite(x)]  # consecutive sightings, across gaps too
        assert seen.size > 1
        jumps = np.abs(np.diff(seen))
        assert jumps.max() <= MAX_JUMP, f"person {pid} jumps {jumps.max():.2f} of the width"


def test_the_worker_is_seen_through_the_hand_over(
    runs: Runs, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Rows 191-219 of the heavy-box clip: the two people overlap as the box changes hands and
    the video-mode pose model finds only the helper. The second look (a crop around where the
    worker was) finds him; without it (``tracking.recover_s = 0``) he is gone for a second."""
    run = runs.clip("seated_twist_heavy_box_front")
    worker, _helper = worker_and_helper(run)
    hand_over = slice(191, 220)
    seen = np.isfinite(run.torso_x()[worker][hand_over])
    assert seen.mean() >= 0.8, f"worker seen in {seen.mean():.0%} of the hand-over"
    off = tmp_path_factory.mktemp("config") / "no_second_look.toml"
    off.write_text("[tracking]\nrecover_s = 0.0\n")
    plain = runs.clip("seated_twist_heavy_box_front", "--config", str(off))
    assert np.isfinite(plain.torso_x()[worker][hand_over]).mean() < 0.2


@pytest.mark.parametrize("clip", SEATED_CLIPS)
def test_default_subject_is_the_most_visible_person_the_standing_helper(
    runs: Runs, clip: str
) -> None:
    run = runs.clip(clip)
    _worker, helper = worker_and_helper(run)
    scores = {p["person_id"]: p["score"] for p in run.summary["people"]}
    assert max(scores, key=scores.__getitem__) == helper
    assert run.summary["subject"] == helper
    assert set(run.frames["person"]) == {str(helper)}


def test_person_option_on_the_video_analyses_the_worker(runs: Runs) -> None:
    clip = "seated_twist_light_box_front"
    worker, _helper = worker_and_helper(runs.clip(clip))
    # 90 frames (3 s) are enough: the worker is first seen at about 1 s, and ids are given
    # causally, so they match the full run's
    run = runs.clip(clip, "--person", str(worker), "--max-frames", "90")
    assert run.summary["subject"] == worker
    assert set(run.frames["person"]) == {str(worker)}
    assert run.recording.subject_id == worker
    centre = np.nanmedian(run.torso_x()[worker])
    assert 0.3 < centre < 0.6, f"the analysed person is not in the centre (x = {centre:.2f})"
    assert run.pose_found.sum() >= 30


# --- two_people_outdoor_backlight -------------------------------------------------------------
# The man stays on the cabinet (torso in the upper part of the picture) until he jumps down at
# about 5.5 s; the woman walks on the grass (torso below 0.55 of the height) from the right
# edge to the left edge, passing under him. After landing, the man stays right of 0.6.
def _woman(xy: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return (xy[:, 1] > 0.55) & (xy[:, 0] < 0.6)


def _man_on_cabinet(xy: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return (xy[:, 1] < 0.35) & (rows < 165)


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(_woman, id="walking_woman"),
        pytest.param(_man_on_cabinet, id="man_on_cabinet"),
    ],
)
def test_two_people_outdoor_each_person_keeps_one_id(
    runs: Runs, who: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> None:
    run = runs.clip("two_people_outdoor_backlight")
    rows = np.arange(len(run.recording.subject))
    ids_seen: dict[int, int] = {}
    for pid, xy in run.torso_xy().items():
        on_path = np.isfinite(xy[:, 0]) & who(np.nan_to_num(xy, nan=-1.0), rows)
        if on_path.any():
            ids_seen[pid] = int(on_path.sum())
    assert ids_seen, "the person was not found at all"
    assert len(ids_seen) == 1, f"one person carried several ids (id: frames) {ids_seen}"
