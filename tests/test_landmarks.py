"""The landmark convention: shapes checked on construction, and the landmarks.npz format."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from posture import synthetic
from posture.core.errors import InputError
from posture.core.landmarks import (
    LM,
    MIRROR,
    N_LANDMARKS,
    PoseRecording,
    PoseSequence,
    load_npz,
    save_npz,
)

T = 6


def arrays(n: int = T) -> dict[str, np.ndarray]:
    return {
        "t_s": np.arange(n) / 30,
        "world_xyz_m": np.zeros((n, N_LANDMARKS, 3)),
        "image_xyz": np.full((n, N_LANDMARKS, 3), np.nan),
        "visibility": np.ones((n, N_LANDMARKS)),
        "frame_index": np.arange(n),
    }


def test_a_valid_sequence_is_typed_on_construction() -> None:
    seq = PoseSequence(**arrays())
    assert seq.world_xyz_m.dtype == np.float32 and seq.image_xyz.dtype == np.float32
    assert seq.t_s.dtype == np.float64 and seq.frame_index.dtype == np.int64
    assert len(seq) == seq.n_frames == T
    assert not seq.has_image


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "world_xyz_m",
            np.zeros((T, 32, 3)),
            r"world_xyz_m must have shape \(6, 33, 3\), got \(6, 32, 3\)",
        ),
        ("world_xyz_m", np.zeros((T, N_LANDMARKS, 2)), "world_xyz_m"),
        ("world_xyz_m", np.zeros((T + 1, N_LANDMARKS, 3)), "world_xyz_m"),
        ("image_xyz", np.zeros((T, N_LANDMARKS)), "image_xyz"),
        ("visibility", np.ones((T, N_LANDMARKS, 1)), "visibility"),
        ("visibility", np.ones((T - 1, N_LANDMARKS)), "visibility"),
        ("frame_index", np.arange(T + 1), "frame_index"),
        ("t_s", np.zeros((T, 1)), "t_s must have shape"),
        ("t_s", np.array([0.0, 0.1, 0.1, 0.2, 0.3, 0.4]), "increase strictly"),
        ("t_s", np.array([0.0, 0.1, 0.05, 0.2, 0.3, 0.4]), "increase strictly"),
    ],
)
def test_wrong_shapes_and_times_raise_input_error(key: str, value: np.ndarray, message: str):
    with pytest.raises(InputError, match=message):
        PoseSequence(**{**arrays(), key: value})


def test_a_single_frame_is_t_1() -> None:
    seq = PoseSequence.from_world(synthetic.pose(), np.array([0.0]))
    assert seq.world_xyz_m.shape == (1, N_LANDMARKS, 3)
    assert seq.pose_found.tolist() == [True]


def test_empty_frames_are_nan_never_zero_or_dropped() -> None:
    seq = PoseSequence.empty(np.arange(4) / 30, image_size_px=(640, 480))
    assert len(seq) == 4 and np.isnan(seq.world_xyz_m).all() and np.isnan(seq.visibility).all()
    assert not seq.pose_found.any()
    assert seq.aspect == pytest.approx(640 / 480)


def test_image_coordinates_are_scaled_to_square_units() -> None:
    seq = synthetic.sequence(
        [synthetic.angles()], camera=synthetic.Camera(image_size_px=(1280, 720))
    )
    xy = seq.image_xy_px_scaled()
    np.testing.assert_allclose(xy[..., 0], seq.image_xyz[..., 0] * 1280 / 720, rtol=1e-6)
    np.testing.assert_allclose(xy[..., 1], seq.image_xyz[..., 1], rtol=1e-6)
    assert PoseSequence(**arrays()).aspect == 1.0  # unknown size


def test_slice_keeps_every_array_aligned() -> None:
    seq = synthetic.synthetic_lift("squat")
    part = seq.slice(10, 20)
    assert len(part) == 10
    np.testing.assert_array_equal(part.world_xyz_m, seq.world_xyz_m[10:20])
    np.testing.assert_array_equal(part.frame_index, seq.frame_index[10:20])
    assert part.image_size_px == seq.image_size_px


def test_named_landmarks_and_mirror() -> None:
    assert len(LM) == N_LANDMARKS and LM.NOSE == 0 and LM.RIGHT_FOOT_INDEX == 32
    assert MIRROR[LM.LEFT_WRIST] == LM.RIGHT_WRIST and MIRROR[LM.NOSE] == LM.NOSE
    assert [MIRROR[m] for m in MIRROR] == list(LM)  # an involution


# ---------------------------------------------------------------------------------------------
# recordings
# ---------------------------------------------------------------------------------------------
def person(pid: int, n: int = T) -> PoseSequence:
    seq = synthetic.sequence([synthetic.angles(yaw_deg=90, knee_flexion_deg=10 * pid)] * n)
    return replace(seq, person_id=pid)


def test_recording_checks_its_people() -> None:
    with pytest.raises(InputError, match="at least one person"):
        PoseRecording(people=(), subject_id=0)
    with pytest.raises(InputError, match="not among the tracked people"):
        PoseRecording(people=(person(0),), subject_id=3)
    with pytest.raises(InputError, match="share one timeline"):
        PoseRecording(people=(person(0), person(1, T + 1)), subject_id=0)
    rec = PoseRecording(people=(person(0), person(4)), subject_id=4)
    assert rec.subject.person_id == 4 and rec.person_ids == [0, 4]
    assert rec.with_subject(0).subject.person_id == 0
    with pytest.raises(InputError, match="no person 2"):
        rec.with_subject(2)


# ---------------------------------------------------------------------------------------------
# landmarks.npz
# ---------------------------------------------------------------------------------------------
def assert_same(a: PoseSequence, b: PoseSequence) -> None:
    for name in ("t_s", "world_xyz_m", "image_xyz", "visibility", "frame_index"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert (a.image_size_px, a.person_id) == (b.image_size_px, b.person_id)


def test_npz_round_trip_of_a_recording_with_several_people(tmp_path: Path) -> None:
    rec = PoseRecording(
        people=(person(0), person(7)), subject_id=7, meta={"source": "test", "fps": 30.0}
    )
    save_npz(tmp_path / "landmarks.npz", rec)
    back = load_npz(tmp_path / "landmarks.npz")
    assert back.subject_id == 7 and back.person_ids == [0, 7]
    assert back.meta == {"source": "test", "fps": 30.0}
    for a, b in zip(rec.people, back.people, strict=True):
        assert_same(a, b)


def test_npz_round_trip_of_the_demo(tmp_path: Path) -> None:
    rec = synthetic.demo_recording()
    save_npz(tmp_path / "demo.npz", rec)
    back = load_npz(tmp_path / "demo.npz")
    assert_same(rec.subject, back.subject)
    assert back.subject.image_size_px == (1280, 720)


@pytest.mark.parametrize("people", [None, 1, 3])
def test_world_only_npz_written_by_hand(tmp_path: Path, people: int | None) -> None:
    n = 5
    world = np.random.default_rng(0).normal(size=(n, N_LANDMARKS, 3)).astype(np.float32)
    arr = world if people is None else np.stack([world] * people)
    np.savez(tmp_path / "mocap.npz", world_xyz_m=arr)
    rec = load_npz(tmp_path / "mocap.npz")
    assert len(rec.people) == (people or 1)
    seq = rec.subject
    np.testing.assert_array_equal(seq.world_xyz_m, world)
    np.testing.assert_allclose(seq.t_s, np.arange(n) / 30)  # 30 fps by default
    assert not seq.has_image and np.isnan(seq.visibility).all()
    assert seq.image_size_px == (0, 0) and rec.subject_id == 0


def _write(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


W = np.zeros((4, N_LANDMARKS, 3), np.float32)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.npz", "not found"),
        (
            lambda d: (d / "text.npz").write_text("not a zip") and d / "text.npz",
            "not a landmark file",
        ),
        (lambda d: _write(d / "nokey.npz", xyz=W), "no 'world_xyz_m'"),
        (lambda d: _write(d / "shape.npz", world_xyz_m=np.zeros((4, 17, 3))), "must be"),
        (lambda d: _write(d / "flat.npz", world_xyz_m=np.zeros((4, 99))), "must be"),
        (
            lambda d: _write(d / "img.npz", world_xyz_m=W, image_xyz=np.zeros((3, 33, 3))),
            "do not match",
        ),
        (
            lambda d: _write(d / "vis.npz", world_xyz_m=W, visibility=np.zeros((4, 32))),
            "do not match",
        ),
        (lambda d: _write(d / "t.npz", world_xyz_m=W, t_s=np.zeros(4)), "increase strictly"),
        (
            lambda d: _write(d / "subj.npz", world_xyz_m=W, subject_id=np.int64(5)),
            "not among",
        ),
    ],
)
def test_bad_landmark_files_raise_input_error(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_npz(make(tmp_path))


def test_a_pickled_npz_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "obj.npz", world_xyz_m=np.array([{"a": 1}], dtype=object))
    with pytest.raises(InputError):
        load_npz(tmp_path / "obj.npz")


def test_the_demo_session_is_deterministic_and_in_frame() -> None:
    a, b = synthetic.demo_recording(), synthetic.demo_recording()
    assert_same(a.subject, b.subject)
    seq = a.subject
    assert 20.0 <= seq.t_s[-1] <= 30.0
    assert seq.image_size_px == (1280, 720) and seq.has_image
    assert np.isfinite(seq.world_xyz_m).all() and (seq.visibility == 1.0).all()
    xy = seq.image_xyz[..., :2]
    assert (xy > 0.02).all() and (xy < 0.98).all()  # the whole person stays in the picture
    other = synthetic.demo_recording(seed=8).subject
    assert not np.array_equal(other.image_xyz, seq.image_xyz)  # the noise is seeded
