"""A long recording of one worker: one person over the whole of it, the same lifts in every
repetition.

The one-person squat clip (18 s, one squat) is looped to 10 minutes without re-encoding
(:func:`posture.video.remux.loop_video`) and analysed as a user would, with two workers. To keep
the test's time acceptable on CI (2 cores), the pose model runs at 5 frames a second
(``pose.max_fps = 5``: every sixth frame; 3,000 pose-model calls instead of 18,000) and without
the annotated video; the frames in between are still decoded, and tracking, identities and lifts
work on the frames analysed as they would on all of them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from posture.cli import commands as cli
from posture.video.remux import loop_video

from .conftest import clip_path

pytestmark = [pytest.mark.media, pytest.mark.slow]

MINUTES = 10.0


@pytest.fixture(scope="module")
def long_run(media: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """(the output folder, one repetition's duration in seconds)."""
    tmp = tmp_path_factory.mktemp("long")
    clip = clip_path("bodyweight_squats_side")
    looped = tmp / "squats_10min.mp4"
    one = 18.05  # about; the exact length comes back from loop_video
    one = loop_video(clip, looped, round(MINUTES * 60 / one))
    config = tmp / "light.toml"
    config.write_text("[pose]\nmax_fps = 5.0\n")
    out = tmp / "out"
    argv = ["analyze", str(looped), "--out", str(out), "--quiet", "--no-video", "--no-report"]
    assert cli.main([*argv, "--workers", "2", "--config", str(config)]) == 0
    return out, one


def test_one_worker_is_one_person_seen_whenever_the_pose_model_finds_someone(
    long_run: tuple[Path, float],
) -> None:
    out, _ = long_run
    summary = json.loads((out / "summary.json").read_text())
    assert summary["clip"]["duration_s"] >= MINUTES * 60 - 20
    assert summary["timings_s"]["segments"] >= 2
    assert len(summary["people"]) == 1, summary["people"]
    person = summary["people"][0]
    assert person["frames"] == summary["clip"]["frames_with_pose"]
    assert summary["subject"] == person["person_id"]
    assert summary["clip"]["frames_with_pose"] >= 0.99 * summary["clip"]["frames"]


def test_every_repetition_has_the_same_lifts(long_run: tuple[Path, float]) -> None:
    out, one = long_run
    with (out / "lifts.csv").open(newline="") as f:
        lifts = list(csv.DictReader(f))
    loops = int(json.loads((out / "summary.json").read_text())["clip"]["duration_s"] // one) + 1
    per_loop: dict[int, list[tuple[str, float]]] = {k: [] for k in range(loops)}
    for lift in lifts:
        lowest = float(lift["lowest_s"])
        per_loop[int(lowest // one)].append((lift["style"], lowest % one))
    reference = per_loop[1]  # the first repetition that follows another, as all but one do
    assert reference, "no lift in a repetition"
    for k in range(1, loops):
        got = per_loop[k]
        assert [s for s, _ in got] == [s for s, _ in reference], f"repetition {k}: {got}"
        late = np.abs(np.array([t for _, t in got]) - [t for _, t in reference])
        assert late.max() <= 0.5, f"repetition {k}: lowest points {got} vs {reference}"


def test_a_worker_who_walks_out_of_the_picture_and_back_again_and_again_is_one_person(
    media: Path, tmp_path: Path
) -> None:
    """The walking clip (13 s; the man is out of the picture for about 3 s of it) looped four
    times: every visit agrees with the others alike, which once left one of them a person of
    its own (the chain of visits joined the first to the third)."""
    looped = tmp_path / "walking_4x.mp4"
    loop_video(clip_path("walking_upright_side"), looped, 4)
    out = tmp_path / "out"
    argv = ["analyze", str(looped), "--out", str(out), "--quiet", "--no-video", "--no-report"]
    assert cli.main([*argv, "--workers", "2"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["people"]) == 1, summary["people"]
    assert summary["people"][0]["frames"] == summary["clip"]["frames_with_pose"]
    assert summary["clip"]["frames_with_pose"] <= 0.9 * summary["clip"]["frames"]  # away a while
