"""The pose backend's own geometry (a crop of the frame for a second look, and the pose found in
it back in the frame's coordinates) and, on a real clip, the second look itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from posture.core.config import DEFAULTS
from posture.core.landmarks import N_LANDMARKS
from posture.video.pose import (
    CropPoseEstimator,
    DetectedPose,
    columns_on_their_own,
    crop_around,
    from_crop,
    resolve_model,
)

SIZE = (1280, 720)
CLIP = Path(__file__).resolve().parents[1] / ".." / "shared" / "media"


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        # a 128 x 216 px person in the middle: a 324 px square around it (1.5 x 216)
        ((0.45, 0.35, 0.55, 0.65), (478, 198, 802, 522)),
        # near the left edge: the square is clipped
        ((0.0, 0.35, 0.1, 0.65), (0, 198, 226, 522)),
        # a person 90 % of the picture's height: the square clipped at top and bottom
        ((0.3, 0.05, 0.7, 0.95), (154, 0, 1126, 720)),
    ],
)
def test_crop_is_a_square_around_the_box_clipped_to_the_frame(
    box: tuple[float, ...], expected: tuple[int, ...]
) -> None:
    assert crop_around(np.array(box), SIZE) == expected


def test_a_person_filling_a_portrait_phone_video_is_looked_for() -> None:
    """Most of the square around them is outside the picture; the person is not."""
    assert crop_around(np.array([0.2, 0.05, 0.8, 0.95]), (1080, 1920)) == (0, 0, 1080, 1920)


@pytest.mark.parametrize(
    ("box", "why"),
    [
        ((-0.12, 0.35, -0.02, 0.65), "the person has left the picture"),
        ((-0.08, 0.35, 0.02, 0.65), "the person is mostly out of the picture"),
        ((0.5, 0.5, 0.51, 0.52), "too small for the pose model"),
        ((np.nan, 0.1, 0.2, 0.3), "no box"),
    ],
)
def test_no_crop_where_there_is_nothing_to_look_at(box: tuple[float, ...], why: str) -> None:
    assert crop_around(np.array(box), SIZE) is None, why


def test_a_pose_found_in_a_crop_lands_where_it_is_in_the_frame() -> None:
    image = np.zeros((N_LANDMARKS, 3), np.float32)
    image[0] = (0.0, 0.0, 0.0)  # the crop's top-left corner
    image[1] = (1.0, 1.0, 0.5)  # its bottom-right corner, half a crop width deep
    image[2] = (0.5, 0.25, -0.1)
    world = np.arange(N_LANDMARKS * 3, dtype=np.float32).reshape(N_LANDMARKS, 3)
    vis = np.linspace(0, 1, N_LANDMARKS, dtype=np.float32)
    pose = from_crop(DetectedPose(world, image, vis), (320, 180, 640, 500), SIZE)
    np.testing.assert_allclose(pose.image_xyz[0], (0.25, 0.25, 0.0))
    np.testing.assert_allclose(pose.image_xyz[1], (0.5, 500 / 720, 0.125))  # z: image widths
    np.testing.assert_allclose(pose.image_xyz[2], (0.375, 260 / 720, -0.025), rtol=1e-6)
    assert pose.world_xyz_m is world and pose.visibility is vis


@pytest.mark.media
def test_the_second_look_finds_the_seated_worker_the_video_model_lost() -> None:
    """From 6.37 s to 7.3 s of the heavy-box clip the worker and the helper overlap in the
    hand-over and the video-mode model finds only the helper; a crop around where the worker
    was last seen (at 6.33 s) finds him."""
    from posture.video.io import read_frame

    clip = CLIP / "seated_twist_heavy_box_front.mp4"
    if not clip.is_file():
        pytest.skip(f"real clip not found: {clip.resolve()} (needs ../shared/media)")
    rgb = read_frame(clip, 6.7)
    assert rgb is not None
    look = CropPoseEstimator(DEFAULTS.pose, resolve_model(DEFAULTS.pose))
    try:
        # the worker's landmark box at 6.33 s (normalised)
        crop = crop_around(np.array([0.327, 0.441, 0.445, 0.724]), (rgb.shape[1], rgb.shape[0]))
        assert crop is not None
        pose = look.detect(rgb, crop)
    finally:
        look.close()
    assert pose is not None
    torso_x = float(np.mean(pose.image_xyz[[11, 12, 23, 24], 0]))
    assert 0.35 < torso_x < 0.5  # the worker, not the helper on the left (x about 0.2)


def test_model_threads_share_the_cores_among_the_models_running_side_by_side(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    from posture.video import pose

    monkeypatch.setattr(pose, "usable_cores", lambda: 8)
    one = DEFAULTS.pose
    assert one.model_threads == 0  # decided by the machine
    try:
        assert pose.with_threads(one).model_threads == pose.MAX_AUTO_THREADS  # 8 cores, 1 model
        # a live camera: the frames' analysis and drawing keep a thread busy beside the model
        assert pose.with_threads(one, beside=1).model_threads == 4
        monkeypatch.setattr(pose, "usable_cores", lambda: 2)
        assert pose.with_threads(one).model_threads == 2
        assert pose.with_threads(one, beside=1).model_threads == 1
        monkeypatch.setattr(pose, "usable_cores", lambda: 8)
        assert pose.cores_each() == 8  # e.g. the encoder of a video drawn after the analysis
        pose.share_cores(3)  # a pool: three segments side by side
        assert pose.with_threads(one).model_threads == 2
        assert pose.cores_each() == 2
        pose.share_cores(16)
        assert pose.with_threads(one).model_threads == 1  # never none
        set_by_user = dataclasses.replace(one, model_threads=6)
        assert pose.with_threads(set_by_user) is set_by_user
    finally:
        pose.share_cores(1)


def test_opencv_computes_on_one_thread_while_models_share_the_cores() -> None:
    import cv2

    from posture.video import pose

    alone = cv2.getNumThreads()
    try:
        pose.share_cores(2)
        assert cv2.getNumThreads() == 1
    finally:
        pose.share_cores(1)
    assert cv2.getNumThreads() == alone


def test_the_landmarks_are_the_same_on_any_number_of_threads() -> None:
    """XNNPACK splits each layer among the threads: the same numbers, only sooner."""
    import dataclasses

    from posture.video.io import read_frames
    from posture.video.pose import PoseEstimator

    clip = CLIP / "floor_lift_knees_bent_side.mp4"
    if not clip.is_file():
        pytest.skip(f"real clip not found: {clip.resolve()} (needs ../shared/media)")
    frames = list(read_frames(clip, [0.5 + i / 30 for i in range(12)]))
    found = []
    for threads in (1, 2):
        est = PoseEstimator(dataclasses.replace(DEFAULTS.pose, model_threads=threads))
        try:
            found.append(
                [[p.image_xyz for p in est.detect(rgb, round(t * 1000))] for t, rgb in frames]
            )
        finally:
            est.close()
    assert sum(len(people) for people in found[0]) >= 10
    for a, b in zip(found[0], found[1], strict=True):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


#: In a new interpreter: the first pose model made inside a function whose local is then let go.
FIRST_IMPORT = """
import gc, weakref
from posture.core.config import DEFAULTS
from posture.video.pose import PoseEstimator

class Picture:
    pass

def analyse():
    picture = Picture()
    PoseEstimator(DEFAULTS.pose)
    return weakref.ref(picture)

kept = analyse()
gc.collect()
print("kept" if kept() is not None else "freed")
"""


def test_the_first_model_loaded_keeps_nothing_of_the_call_that_loaded_it() -> None:
    """mediapipe's audio module keeps the traceback of its missing sound library, and with it
    the frames (and locals: a tracker, pictures) of whatever imported mediapipe first."""
    out = subprocess.run(
        [sys.executable, "-c", FIRST_IMPORT], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == "freed"


def test_a_final_analysis_maps_its_columns_on_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within ``columns_on_their_own`` glibc maps blocks from 128 KB on by themselves (a
    column of 30 minutes is 433 KB), given back when freed; after it, from 8 MB on."""
    import posture.video.pose as pose

    calls: list[tuple[int, int]] = []

    class Libc:
        def mallopt(self, what: int, value: int) -> None:
            calls.append((what, value))

    monkeypatch.setattr(pose, "_glibc", Libc)
    with pytest.raises(KeyError), columns_on_their_own():
        assert calls == [(-3, 128 << 10)]  # M_MMAP_THRESHOLD
        raise KeyError("a failed analysis")
    assert calls == [(-3, 128 << 10), (-3, 8 << 20)]
